"""Layout edge cases: footnotes, a table of contents without dot leaders,
alternating running heads in plain text, and words hyphenated at a line end.

Each test here failed before its mechanism was built (index/layout.py
_footnotes, _plain_contents, _alternating, the in-page hyphen join; index/read.py
_superscripts; index/chunk.py embedding_text)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import layouts  # noqa: E402

from index.chunk import chunk_document, embedding_text, is_known_heading  # noqa: E402
from index.layout import clean_layout  # noqa: E402
from index.read import page_starts_from_text, read_document  # noqa: E402
from index.settings import ChunkSettings, Settings  # noqa: E402
from index.textnorm import lexical_tokens  # noqa: E402
from index.types import Document  # noqa: E402


def _process(path: Path):
    from index.pipeline import _process_file

    chunks, record, _ = _process_file(path, Settings(corpus_dir=path.parent, index_dir=path.parent / ".index"), {})
    return chunks, record


def _lay(text: str, marks=()):
    return clean_layout(text, page_starts_from_text(text), marks, protected=is_known_heading)


needs_fonts = pytest.mark.skipif(layouts.font_dir() is None, reason="DejaVu Sans is needed to generate PDFs")


# --------------------------------------------------------------------------- footnotes (PDF)


@needs_fonts
def test_footnotes_leave_the_running_text_and_the_sentence_across_the_break_whole(tmp_path):
    case = layouts.layout_l(tmp_path)
    doc = read_document(tmp_path / case.file)
    chunks, record = _process(tmp_path / case.file)
    row = layouts.evaluate(case, chunks, record)
    assert row["furniture_in_passages"] == 0, row["furniture_found"]
    assert row["cross_page_whole"] and row["pages_right"] and row["sections_right"], row
    text = " ".join(c.text for c in chunks)
    # the markers are out of the words a reader quotes and searches ...
    assert "minskat sedan 2024" in text and "trygghetsarbete och har" in layouts.norm(text)
    assert "minskat1" not in text and "trygghetsarbete2" not in text and "staden3" not in text
    # ... and still in the original each passage maps back to
    assert any("minskat1" in c.original for c in chunks)
    assert all(c.original == doc.text[c.start:c.end] for c in chunks)
    # the notes are kept for provenance, with their page, not taken for letterhead
    lay = clean_layout(doc.text, doc.page_starts, doc.marks, protected=is_known_heading)
    firsts = [(f.page, f.text.split()[0]) for f in lay.footnotes if f.text[:1].isdigit()]
    assert firsts == [(1, "1"), (1, "2"), (2, "3")], lay.footnotes
    assert all(doc.text[f.start:f.end] == f.text for f in lay.footnotes)
    assert not any("Kommunstyrelsens beslut" in ln for ln in record["furniture"])
    assert record["meta"]["dnr"] == layouts.L_DNR and record["meta"]["date"] == "2028-02-20"


def test_a_superscript_without_a_footnote_stays():
    """'m2' set as a superscript with no note '2' on the page is no marker: nothing is taken out."""
    pages = ["Ytan är 120 m2 och ska rustas upp under året med ny belysning och nya bänkar.\n"
             "Arbetet leds av parkförvaltningen tillsammans med bostadsbolagen i området.",
             "Bänkarna ställs där de boende har pekat ut platser för vila."]
    text = "\n\n".join(pages)
    at = text.index("m2") + 1
    small = text.index("Arbetet"), text.index("området.") + len("området.")
    lay = clean_layout(text, (0, len(pages[0]) + 2), [(at, at + 1, "sup"), (*small, "small")])
    assert "120 m2" in lay.text and "Arbetet leds" in lay.text and not lay.footnotes


def test_small_print_under_the_body_without_markers_is_no_footnote():
    """A small-print line that opens with a number but that no superscript marker cites stays text."""
    body = "Förvaltningen redovisar här hur medlen har använts under året i de olika verksamheterna."
    note = "3 fältassistenter har anställts under hösten."
    text = f"{body}\n{note}"
    a = text.index(note)
    lay = clean_layout(text, (0,), [(a, a + len(note), "small")])
    assert note in lay.text and not lay.footnotes


# --------------------------------------------------------------------------- contents without dot leaders


@needs_fonts
def test_contents_without_leaders_pdf(tmp_path):
    case = layouts.layout_m(tmp_path)
    chunks, record = _process(tmp_path / case.file)
    row = layouts.evaluate(case, chunks, record)
    assert row["furniture_in_passages"] == 0 and row["sections_right"], row
    assert not any("Innehållsförteckning" in c.section or "Innehållsförteckning" in c.text for c in chunks)


BODY = ("Programmet anger hur staden arbetar med trygghet i offentlig miljö under perioden och hur "
        "nämnderna ska följa upp sitt arbete varje år.")


def test_contents_without_leaders_txt_tab_separated():
    text = (f"Program för trygghet 2028–2031\n\n{BODY}\n\f"
            "Innehåll\n\n1 Inledning\t3\n2 Belysning\t3\n3 Skötsel och renhållning\t4\n4 Uppföljning\t4\n\f"
            "1 Inledning\n\nTrygga miljöer gör att invånarna kan använda hela staden.\n\n2 Belysning\n\n"
            "Gatorna ska vara väl upplysta hela natten.\n\f3 Skötsel och renhållning\n\n"
            "Klotter tas bort inom ett dygn.\n\n4 Uppföljning\n\nResultaten redovisas varje år.\n")
    lay = _lay(text)
    kinds = {f.text: f.kind for f in lay.furniture}
    assert set(kinds.values()) == {"contents"} and len(kinds) == 5, kinds
    assert "Belysning\t3" not in lay.text and lay.text.count("2 Belysning") == 1


def test_contents_entries_without_title_count_when_they_recur_as_headings():
    text = (f"Inledning    3\nBelysning    3\nUppföljning    4\n\f"
            f"Inledning\n\n{BODY}\n\nBelysning\n\nGatorna ska vara väl upplysta hela natten.\n"
            f"\fUppföljning\n\nResultaten redovisas varje år för kommunfullmäktige.\n")
    lay = _lay(text)
    assert [f.kind for f in lay.furniture] == ["contents"] * 3


def test_a_list_of_numbers_is_no_contents():
    """Lines ending in a number with neither a contents title nor headings they list stay."""
    table = "Ekudden 12\nBergsvik 14\nVallby 20\nNorrvik 31\n"
    text = f"Antal trygghetsvandringar per område:\n{table}\f{BODY}\n\f{BODY} Slut.\n"
    lay = _lay(text)
    assert table in lay.text and not lay.furniture


# --------------------------------------------------------------------------- alternating heads (txt)


def _alternating_txt(n: int = 6) -> tuple[str, list[str]]:
    odd, even = "Trygghetsprogram för Stockholms stad 2028–2031", "Socialförvaltningen · Remissversion"
    topics = ["belysningen längs gångstråken", "nattvandringen på helgerna", "fältassistenternas arbete",
              "samverkan med fastighetsägarna", "trygghetsvandringarna i centrum", "uppföljningen av målen",
              "skolans närmiljö", "föreningslivets roll"]
    sentences = [f"Här beskrivs {topics[k % len(topics)]} och hur nämnderna ska följa upp det arbetet."
                 for k in range(n)]
    pages = []
    for p in range(1, n + 1):
        head = "" if p == 1 else (f"{odd}    {p}" if p % 2 else f"{p}    {even}")
        pages.append((head + "\n\n" if head else "") + sentences[p - 1] + "\n")
    return "\f".join(pages), [odd, even]


def test_alternating_running_heads_in_plain_text():
    text, heads = _alternating_txt()
    lay = _lay(text)
    assert not any(h in lay.text for h in heads), lay.text
    assert {f.kind for f in lay.furniture} == {"running"} and len(lay.furniture) == 5
    assert lay.text.count("Här beskrivs") == 6


def test_one_parity_alone_is_no_running_head():
    """A line on every second page, with nothing alternating with it, stays (a subheading)."""
    text, heads = _alternating_txt()
    pages = text.split("\f")
    pages = [pg.replace(heads[0], "Mål och uppföljning") if k % 2 == 0 else pg.split("\n\n", 1)[-1]
             for k, pg in enumerate(pages)]
    lay = _lay("\f".join(pages))
    assert lay.text.count("Mål och uppföljning") == 2 and not lay.furniture


# --------------------------------------------------------------------------- hyphenated line ends (txt)

OCR = ("Att Stockholm är en trygg stad att bo och verka i är det övergripande målet för stadens brottsföre-\n"
       "byggande arbete och ett ansvar för samtliga nämnder. Trygghets-\n"
       "och säkerhetsarbetet ska bedrivas lokalt i Spånga-\n"
       "Tensta och i hela staden, med uppföljning 2024-\n"
       "2027.\n")


def test_hyphenated_line_ends_are_joined_for_quotes_and_search_but_kept_in_the_original():
    doc = Document(id="ocr", source="ocr.txt", text=OCR, page_starts=(0,))
    lay = _lay(OCR)
    chunks = chunk_document(doc, ChunkSettings(), display_text=lay.text, to_original=lay.to_original_span)
    (c,) = chunks
    # the displayed passage (and so any quote of it) reads whole words
    assert "stadens brottsförebyggande arbete" in c.text
    assert "Spånga-Tensta" in c.text and "2024-2027" in c.text
    assert "Trygghets-\noch säkerhetsarbetet" in c.text  # a suspended compound stays as written
    # provenance: the original slice and span keep the line break
    assert c.original == OCR[c.start:c.end] and "brottsföre-\nbyggande" in c.original
    # search: the joined word is one token; the suspended compound is not glued to 'och'
    from index.pipeline import passage_text

    toks = set(lexical_tokens(passage_text(c, "none"), "stem"))
    assert "brottsforebygg" in toks and "trygghet" in toks and not any("trygghetsoch" in t for t in toks)
    assert "trygghetsoch" not in embedding_text("Trygghets-\noch säkerhetsarbetet")
    from assistant.quotes import verify_quote

    assert verify_quote("det övergripande målet för stadens brottsförebyggande arbete", c)


def test_a_list_item_or_heading_after_a_hyphen_is_not_joined():
    text = "Insatser för barn och unga-\n• samverkan med skolan\n• fältassistenter\n"
    assert _lay(text).text == text


def test_models_text_keeps_a_suspended_compound_apart():
    """'trygghets-' + 'och' at a line end is a suspended compound, not one word (was 'trygghetsoch')."""
    assert embedding_text("brottsföre-\nbyggande och trygghets- \noch säkerhetsarbete") == \
        "brottsförebyggande och trygghets- och säkerhetsarbete"
