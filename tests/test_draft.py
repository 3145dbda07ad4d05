"""Skriv yttrande: drafting a new yttrande from precedent (assistant/draft.py)."""

from __future__ import annotations

import re

import pytest

from assistant.draft import (NO_POINT_PRECEDENT, NO_PRECEDENT, SECTIONS, Draft, DraftInput, adapt_formula,
                             build_draft, chunk_sentences, parse_points, point_opener, section_family,
                             to_docx, to_markdown, validate_input)
from assistant.quotes import verify_quote
from index.types import Chunk, Hit

MARKER = re.compile(r"\[(\d+)\]")


# ----------------------------------------------------------------- helpers

def check_citations(d: Draft) -> None:
    """Every quote verbatim in its chunk, numbers 1..N, every [n] resolvable,
    first-use order = numbering order, section citations part of the whole."""
    assert [c.n for c in d.citations] == list(range(1, len(d.citations) + 1))
    for c in d.citations:
        assert c.quote and verify_quote(c.quote, c.chunk), c
    known = {c.n for c in d.citations}
    seen: list[int] = []
    for s in d.sections:
        refs = [int(n) for n in MARKER.findall(s.text)]
        assert set(refs) <= known, (s.heading, refs)
        assert {c.n for c in s.citations} == set(refs), s.heading
        for n in refs:
            if n not in seen:
                seen.append(n)
    assert seen == sorted(seen) == list(range(1, len(d.citations) + 1))


def point_citations(d: Draft, needle: str) -> list:
    """The citations attached to the key-point paragraph containing `needle`."""
    sec = d.sections[SECTIONS.index("Förvaltningens synpunkter och förslag")]
    paras = sec.text.split("\n\n")
    i = next(i for i, p in enumerate(paras) if needle in p and not p.startswith("Formulering"))
    nums = []
    for p in paras[i + 1:]:
        if not p.startswith("Formulering från"):
            break
        nums += [int(n) for n in MARKER.findall(p)]
    return [d.citations[n - 1] for n in nums]


def mk_chunk(doc: str, section: str, text: str, namnd: str, year: int = 2021, n: int = 0) -> Chunk:
    return Chunk(id=f"{doc}-{n}", doc_id=doc, source=f"corpus/{doc}.txt", text=text, original=text, start=0,
                 end=len(text), page=1, page_end=1, section=section, title=f"Remissvar {doc}", namnd=namnd,
                 doc_type="yttrande", period="2020-2023", year=year)


FAKE_CHUNKS = [
    mk_chunk("a", "Förslag till beslut", "Förslag till beslut\nSpånga-Tensta stadsdelsnämnd godkänner förvaltningens "
             "\ntjänsteutlåtande och överlämnar det till kommunstyrelsen som svar \npå remissen.", "Spånga-Tensta stadsdelsnämnd"),
    mk_chunk("b", "Förvaltningens förslag till beslut", "Förvaltningens förslag till beslut\n\nKyrkogårdsnämnden "
             "överlämnar förvaltningens tjänsteutlåtande som svar på remissen.", "Kyrkogårdsnämnden", 2023),
    mk_chunk("a", "Bakgrund", "Bakgrund\nKommunstyrelsen har remitterat ärendet Stockholms stads trygghetsprogram "
             "2020-2023 till stadsdelsnämnden för yttrande.", "Spånga-Tensta stadsdelsnämnd", n=1),
    mk_chunk("b", "Synpunkter och förslag › Samverkan", "Samverkan\nFörvaltningen tycker att samverkan med polisen "
             "och civilsamhället är avgörande för det lokala arbetet. <script>alert(1)</script> syns inte här.",
             "Kyrkogårdsnämnden", 2023, n=1),
    mk_chunk("a", "Förvaltningens synpunkter och förslag", "Förvaltningen föreslår att nämnden godkänner "
             "förvaltningens tjänsteutlåtande och överlämnar det till kommunstyrelsen som svar på remissen.",
             "Spånga-Tensta stadsdelsnämnd", n=2),
]


def FakeRetriever(chunks):
    """An in-memory Corpus over hand-made chunks that records its searches."""
    from conftest import memory_corpus

    corpus = memory_corpus(chunks)
    corpus.calls = []
    search = corpus.search

    def spy(query, *, k=None, mode=None, filters=None):
        corpus.calls.append((query, k, filters))
        return search(query, k=k, mode=mode, filters=filters)

    corpus.search = spy
    return corpus


INP = DraftInput(title="Stockholms stads trygghetsprogram 2028–2031", namnd="Skarpnäcks stadsdelsnämnd",
                 dnr="KS 2027/100", date="2027-11-20", points="- samverkan med polisen behöver stärkas")


# ----------------------------------------------------------------- input

def test_validate_input_accepts_a_normal_input():
    assert validate_input(INP) == []
    assert validate_input(DraftInput(title="T", namnd="N")) == []


def test_validate_input_rejects_empty_title_in_swedish():
    errs = validate_input(DraftInput(title="  ", namnd="Skarpnäcks stadsdelsnämnd"))
    assert errs == ["Ange remissens titel."]
    assert validate_input(DraftInput(title="T", namnd="")) == ["Ange vilken nämnd som yttrar sig."]
    assert "remittent" in validate_input(DraftInput(title="T", namnd="N", remittent=""))[0]


def test_validate_input_rejects_bad_dates_in_swedish():
    errs = validate_input(DraftInput(title="T", namnd="N", date="13/12/2023"))
    assert len(errs) == 1 and "ÅÅÅÅ-MM-DD" in errs[0] and "Datumet" in errs[0]
    errs = validate_input(DraftInput(title="T", namnd="N", date="2023-02-30"))
    assert len(errs) == 1 and "finns inte i kalendern" in errs[0]


def test_validate_input_limits_lengths():
    errs = validate_input(DraftInput(title="x" * 301, namnd="N", dnr="d" * 301, points="p" * 5001))
    assert any(e.startswith("Titeln är för lång (301 tecken") for e in errs)
    assert any(e.startswith("Diarienumret är för långt") for e in errs)
    assert any("Nyckelpunkterna är för långa" in e for e in errs)
    assert validate_input(DraftInput(title="x" * 300, namnd="N", points="p" * 5000)) == []


def test_build_draft_refuses_invalid_input():
    with pytest.raises(ValueError, match="titel"):
        build_draft(FakeRetriever(FAKE_CHUNKS), DraftInput(title="", namnd="N"))


def test_parse_points():
    assert parse_points("- samverkan med polisen\n- ordningsvakter\n  i parker\n* unga vuxna") == [
        "samverkan med polisen", "ordningsvakter i parker", "unga vuxna"]
    assert parse_points("1. Ett\n2) Två") == ["Ett", "Två"]
    assert parse_points("första raden\nandra raden\n\n") == ["första raden", "andra raden"]
    assert parse_points("Samverkan bör stärkas. Ordningsvakter behövs.") == [
        "Samverkan bör stärkas.", "Ordningsvakter behövs."]
    assert parse_points("") == [] and parse_points("  \n ") == []


def test_point_opener_writes_in_the_voice_of_forvaltningen():
    assert point_opener("samverkan med polisen behöver stärkas") == \
        "Förvaltningen anser att samverkan med polisen behöver stärkas."
    assert point_opener("ordningsvakter i offentlig miljö") == \
        "Förvaltningen vill särskilt lyfta ordningsvakter i offentlig miljö."
    assert point_opener("Förvaltningen är positiv till programmet") == "Förvaltningen är positiv till programmet."
    assert point_opener("Stockholms stads ansvar.") == "Förvaltningen vill särskilt lyfta Stockholms stads ansvar."
    assert point_opener("punkt [3] i programmet") == "Förvaltningen vill särskilt lyfta punkt (3) i programmet."


def test_section_families():
    assert section_family("Förvaltningens förslag till beslut") == "Förslag till beslut"
    assert section_family("Förslag till beslut") == "Förslag till beslut"
    for s in ("Förvaltningens synpunkter och förslag", "Förvaltningens synpunkter och bedömning",
              "Förvaltningarnas synpunkter", "Synpunkter och förslag › Samverkan"):
        assert section_family(s) == "Förvaltningens synpunkter och förslag"
    assert section_family("Ärendet") == "Ärendet" and section_family("Ärendets beredning") == "Ärendets beredning"
    assert section_family("Inledning") is None and section_family("Bilagor") is None


def test_adapt_formula_replaces_the_precedent_namnd_only_in_new_text():
    c = FAKE_CHUNKS[0]
    q = "Spånga-Tensta stadsdelsnämnd godkänner förvaltningens tjänsteutlåtande och överlämnar det till " \
        "kommunstyrelsen som svar på remissen."
    assert adapt_formula(q, c, "Skarpnäcks stadsdelsnämnd", "kommunstyrelsen") == q.replace(
        "Spånga-Tensta stadsdelsnämnd", "Skarpnäcks stadsdelsnämnd")
    assert "trafiknämnden" in adapt_formula(q, c, "Kulturnämnden", "trafiknämnden")
    # Kyrkogårdsnämnden's formula names no remittent: cannot be adapted to name one
    b = FAKE_CHUNKS[1]
    assert adapt_formula("Kyrkogårdsnämnden överlämnar förvaltningens tjänsteutlåtande som svar på remissen.", b,
                         "Skarpnäcks stadsdelsnämnd", "kommunstyrelsen") is None


def test_chunk_sentences_drop_headings_and_verify():
    sents = chunk_sentences(FAKE_CHUNKS[0])
    assert sents == ["Spånga-Tensta stadsdelsnämnd godkänner förvaltningens tjänsteutlåtande och överlämnar det "
                     "till kommunstyrelsen som svar på remissen."]
    assert all(verify_quote(s, FAKE_CHUNKS[0]) for s in sents)
    assert chunk_sentences(FAKE_CHUNKS[3])[0].startswith("Förvaltningen tycker att samverkan")


# ----------------------------------------------------------------- drafting (fake retriever)

def test_fake_draft_structure_numbering_and_formula():
    r = FakeRetriever(FAKE_CHUNKS)
    d = build_draft(r, INP)
    assert [s.heading for s in d.sections] == list(SECTIONS)
    check_citations(d)
    beslut = d.sections[0].text
    assert beslut.startswith("Skarpnäcks stadsdelsnämnd godkänner förvaltningens tjänsteutlåtande och "
                             "överlämnar det till kommunstyrelsen som svar på remissen.")
    # the own nämnd replaces the precedent's only in our text; the quote stays verbatim
    assert "»Spånga-Tensta stadsdelsnämnd godkänner" in beslut
    bak = d.sections[2].text
    assert bak.startswith("Kommunstyrelsen har remitterat ärendet Stockholms stads trygghetsprogram 2028–2031 "
                          "(dnr KS 2027/100) till Skarpnäcks stadsdelsnämnd för yttrande.")
    assert "20 november 2027" in bak
    # no 'Ärendets beredning' / 'Ärendet' precedent in the fake corpus: said, not invented
    assert NO_PRECEDENT in d.sections[3].text and NO_PRECEDENT in d.sections[4].text
    assert any("Ärendets beredning" in w for w in d.warnings)
    syn = d.sections[5].text
    assert "Förvaltningen anser att samverkan med polisen behöver stärkas." in syn
    assert [c.chunk.doc_id for c in point_citations(d, "polisen")] == ["b"]
    assert r.calls and all(k == 40 for _, k, _ in r.calls)
    assert all(f["section"] and f.get("doc_type") == ["yttrande"] for _, _, f in r.calls)  # filtered in the corpus


def test_per_section_limits_precedents():
    d = build_draft(FakeRetriever(FAKE_CHUNKS), INP, per_section=1)
    assert len(d.sections[0].citations) == 1
    check_citations(d)


def test_unrelated_point_gets_no_weak_precedent():
    d = build_draft(FakeRetriever(FAKE_CHUNKS), DraftInput(
        title="Stockholms stads trygghetsprogram 2028–2031", namnd="Skarpnäcks stadsdelsnämnd",
        points="- avgifter för boendeparkering\n- samverkan med polisen"))
    syn = d.sections[5].text
    assert NO_POINT_PRECEDENT in syn
    assert point_citations(d, "boendeparkering") == []
    assert point_citations(d, "polisen")
    check_citations(d)


def test_empty_index_says_no_precedent_everywhere():
    d = build_draft(FakeRetriever([]), INP)
    assert d.citations == []
    assert all(NO_PRECEDENT in s.text for s in d.sections)
    assert d.sections[0].text.startswith("Skarpnäcks stadsdelsnämnd godkänner")
    assert "Källor" in to_markdown(d)


def test_markdown_and_docx_treat_text_as_plain_text(tmp_path):
    from docx import Document

    inp = DraftInput(title="Remiss <script>alert('x')</script>", namnd="Skarpnäcks stadsdelsnämnd",
                     points="- samverkan med polisen <b>nu</b>\x07\n- [2] ska inte bli en hänvisning")
    d = build_draft(FakeRetriever(FAKE_CHUNKS), inp)
    check_citations(d)
    md = to_markdown(d)
    assert "<script>" not in md and "&lt;script&gt;" in md and "## Källor" in md
    out = to_docx(d, tmp_path / "sub" / "utkast.docx")
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "Remiss <script>alert('x')</script>" in text and "<b>nu</b>" in text
    assert "\x07" not in text and "Formulering från" not in text
    comments = "\n".join(c.text for c in Document(str(out)).comments)  # the underlag: Word comments
    assert all(f"[{c.n}]" in comments and c.quote in comments for c in d.citations)


# ----------------------------------------------------------------- real corpus

REAL_INP = DraftInput(
    title="Stockholms stads trygghetsprogram 2028–2031", namnd="Skarpnäcks stadsdelsnämnd",
    remittent="kommunstyrelsen", dnr="KS 2027/1234", date="2027-11-20",
    points="- samverkan med polisen behöver stärkas\n- ordningsvakter i offentlig miljö\n"
           "- unga vuxna som varken arbetar eller studerar")


@pytest.fixture(scope="module")
def real_draft(real_retriever):
    return build_draft(real_retriever, REAL_INP)


@pytest.mark.integration
def test_real_draft_has_all_sections_in_order_and_valid_citations(real_draft):
    d = real_draft
    assert [s.heading for s in d.sections] == list(SECTIONS)
    check_citations(d)
    assert len(d.citations) >= 10
    for s in d.sections:  # every section found precedent in the real corpus
        assert NO_PRECEDENT not in s.text, s.heading
        assert s.citations, s.heading
    # each quote is shown once and always from its section's kind of passage
    quotes = [c.quote for c in d.citations]
    assert len(quotes) == len(set(quotes))
    for s in d.sections:
        for c in s.citations:
            assert section_family(c.chunk.section) == s.heading, (s.heading, c.chunk.section)


@pytest.mark.integration
def test_real_beslut_formula_names_own_namnd_and_remittent(real_draft):
    sec = real_draft.sections[0]
    formula = sec.text.split("\n\n")[0]
    assert formula == ("Skarpnäcks stadsdelsnämnd godkänner förvaltningens tjänsteutlåtande och överlämnar det "
                       "till kommunstyrelsen som svar på remissen.")
    namnder = {c.chunk.namnd for c in sec.citations}
    assert namnder <= {"Spånga-Tensta stadsdelsnämnd", "Hägersten-Liljeholmens stadsdelsnämnd", "Kyrkogårdsnämnden"}
    assert len(namnder) == 2  # per_section=2, from different documents
    assert all("godkänner förvaltningens" in c.quote for c in sec.citations)


@pytest.mark.integration
def test_real_beslut_with_other_remittent(real_retriever):
    d = build_draft(real_retriever, DraftInput(title="Parkeringspolicy", namnd="Kulturnämnden",
                                               remittent="trafiknämnden"), per_section=1)
    assert d.sections[0].text.startswith("Kulturnämnden godkänner förvaltningens tjänsteutlåtande och "
                                         "överlämnar det till trafiknämnden som svar på remissen.")
    check_citations(d)


@pytest.mark.integration
def test_real_samverkan_point_pulls_samverkan_precedent(real_draft):
    cites = point_citations(real_draft, "samverkan med polisen")
    assert cites
    assert all("samverkan" in c.quote.lower() for c in cites)
    assert any("polis" in c.quote.lower() for c in cites)
    assert all(section_family(c.chunk.section) == "Förvaltningens synpunkter och förslag" for c in cites)


@pytest.mark.integration
def test_real_points_pull_their_precedents(real_draft):
    assert any("Ordningsvakternas" in c.quote for c in point_citations(real_draft, "ordningsvakter"))
    assert any("unga vuxna som varken arbetar eller studerar" in c.quote
               for c in point_citations(real_draft, "unga vuxna"))


@pytest.mark.integration
def test_real_unrelated_point_has_no_precedent(real_retriever):
    d = build_draft(real_retriever, DraftInput(title="Stockholms stads trygghetsprogram 2028–2031",
                                               namnd="Skarpnäcks stadsdelsnämnd",
                                               points="avgifter för boendeparkering bör sänkas"))
    assert NO_PRECEDENT in d.sections[5].text
    assert point_citations(d, "boendeparkering") == []
    check_citations(d)


@pytest.mark.integration
def test_real_markdown_lists_sources(real_draft):
    md = to_markdown(real_draft)
    assert "## Källor" in md and "Skarpnäcks stadsdelsnämnd" in md and "KS 2027/1234" in md
    assert "20 november 2027" in md
    for c in real_draft.citations:
        line = next(ln for ln in md.splitlines() if ln.startswith(f"[{c.n}] "))
        assert c.chunk.namnd in line and f"s. {c.chunk.pages}" in line and c.chunk.source in line
        assert c.chunk.source.startswith("corpus/")


@pytest.mark.integration
def test_real_docx_opens_with_headings_namnd_and_sources(real_draft, tmp_path):
    from docx import Document

    path = to_docx(real_draft, tmp_path / "yttrande.docx")
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == list(SECTIONS)  # the underlag and what to check are comments, not body text
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Skarpnäcks stadsdelsnämnd" in text and "Stockholms stads trygghetsprogram 2028–2031" in text
    assert "Formulering från" not in text and "»" not in text
    comments = "\n".join(c.text for c in doc.comments)
    for c in real_draft.citations:  # each earlier yttrande cited beside its sentence, with corpus/<file>
        assert f"[{c.n}]" in comments and c.quote in comments and c.chunk.source in comments
    assert doc.core_properties.title == "Stockholms stads trygghetsprogram 2028–2031"



def test_ocr_warning_names_only_ocr_repaired_documents():
    """Only documents with OCR-repaired words get the warning; a clean document whose displayed text
    differs from the original by a joined line-end hyphen does not."""
    from dataclasses import replace

    from assistant.draft import ocr_warning
    from index.types import Citation

    clean = replace(mk_chunk("000", "Ärendet", "Brottsförebyggande arbete.", "Spånga-Tensta stadsdelsnämnd"),
                    original="Brottsföre-\nbyggande arbete.")
    ocr = replace(mk_chunk("001", "Ärendet", "Förvaltningen anser att det är bra.", "Enskede-Årsta-Vantörs stadsdelsnämnd"),
                  original="Forvaltningen anser att det ar bra.")
    cites = [Citation(1, clean, clean.text), Citation(2, ocr, ocr.text)]
    assert ocr_warning(cites[:1], {"001"}) == ""
    w = ocr_warning(cites, {"001"})
    assert "Enskede-Årsta-Vantörs" in w and "Spånga-Tensta" not in w
