"""Metadata guessed from documents the seed corpus has never shown: other
nämnder and förvaltningar, other letterheads, a 2028–2031 programme version,
a programme, a protokoll, a tjänsteutlåtande with both its own and the
remiss's dnr. Every document is written here, as .txt, .docx or a real PDF
(fpdf2) with a letterhead and footer on every page, and read by the reader
the indexer uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.metadata import FIELDS, check_fields, guess_metadata, load_metadata_file, resolve_metadata
from index.read import read_document
from index.types import DOC_TYPES, DocMeta

REPO = Path(__file__).resolve().parent.parent
DEJAVU = next((p for p in (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                           Path("/usr/share/fonts/dejavu/DejaVuSans.ttf")) if p.exists()), None)
needs_font = pytest.mark.skipif(DEJAVU is None, reason="DejaVu font (å/ä/ö in PDFs) not installed")


# --------------------------------------------------------------------------- the documents

# 1. A tjänsteutlåtande in a Stockholm-style letterhead (förvaltning, type, own dnr and
#    'Sida N (M)' on every page), a handläggare block, the remiss's dnr in the title block,
#    the 2028–2031 programme in the title and the current 2024–2027 one in the body.
SOCIAL_PAGES = [
    "Socialförvaltningen\nAvdelningen för stadsövergripande sociala frågor\nTjänsteutlåtande\nDnr SOF 2027/1234\n"
    "Sida 1 (3)\n2027-11-03\n\nHandläggare\nAnna-Karin Lindqvist\nTelefon: 08-508 123 45\n\nTill\nSocialnämnden\n\n"
    "Remiss av Stockholms stads trygghetsprogram 2028–2031\nRemiss från kommunstyrelsen, KS 2027/987\n\n"
    "Förslag till beslut\nSocialnämnden godkänner förvaltningens tjänsteutlåtande och överlämnar det till "
    "kommunstyrelsen som svar på remissen.\n\nSammanfattning\nFörslaget ersätter Stockholms stads "
    "trygghetsprogram 2024–2027. Förvaltningen är positiv till att programmet betonar förebyggande insatser.",
    "Socialförvaltningen\nTjänsteutlåtande\nDnr SOF 2027/1234\nSida 2 (3)\n\nBakgrund\nKommunstyrelsen har "
    "remitterat förslaget till samtliga nämnder. Remisstiden går ut den 15 december 2027.\n\nÄrendet\n"
    "Programmet har fyra fokusområden och ska gälla 2028–2031.",
    "Socialförvaltningen\nTjänsteutlåtande\nDnr SOF 2027/1234\nSida 3 (3)\n\nFörvaltningens synpunkter\n"
    "Förvaltningen föreslår att samverkan med polisen beskrivs tydligare.\n\nLena Holm\nFörvaltningschef",
]

# 2. A nämnd's yttrande to kommunstyrelsen in another letterhead: capitals, 'Datum:',
#    'Vårt dnr' / 'Ert dnr', the recipient in an address line, a contact line in the head.
TRAFIK_TXT = (
    "STOCKHOLMS STAD\nTrafikkontoret\nYTTRANDE\nDatum: 2027-12-01\nVårt dnr: TN 2027/4567\nErt dnr: KS 2027/987\n"
    "Kontaktperson: Erik Sjöberg, tel 08-508 276 00\n\nTill Kommunstyrelsen\n\n"
    "Yttrande över Stockholms stads trygghetsprogram 2028–2031\n\n"
    "Trafiknämnden har fått förslaget till nytt trygghetsprogram på remiss. Nämnden ser positivt på att "
    "belysning och gångstråk lyfts fram. Det nuvarande programmet för 2024–2027 saknade en sådan beskrivning.\n\n"
    "Trafiknämnden beslutar att överlämna yttrandet till kommunstyrelsen.\n"
)

# 3. The programme itself: a title page, a table of contents, headings, bullets, a footer
#    on every page, and a body that asks the nämnder to 'lämna yttrande' (it is still a programme).
PROGRAM_PAGES = [
    "Stockholms stad\nTrygghetsprogram för Stockholms stad 2028–2031\nRemissversion\nDnr KS 2027/987\n\n"
    "Stadsledningskontoret\nStockholm 2027-09-15",
    "Innehåll\n1 Inledning\n2 Syfte och mål\n3 Fokusområden\n4 Ansvar\n5 Uppföljning",
    "Inledning\nTrygghetsprogrammet ersätter trygghetsprogrammet 2024–2027. Samtliga nämnder ska lämna yttrande "
    "över programmet senast den 15 december 2027.\n\nSyfte och mål\nProgrammet ska öka tryggheten i hela staden.\n"
    "\nFokusområden\n• Förebyggande insatser\n• Riktade sociala insatser\n• Stadens offentliga miljö",
    "Ansvar\nStadsdelsnämnderna samordnar det lokala arbetet.\n\nUppföljning\nProgrammet följs upp årligen.",
]
PROGRAM_FOOTER = "Stockholms stad · Stadsledningskontoret · Ragnvald Jarls gata 1, 105 35 Stockholm"

# 4. A protokollsutdrag of a stadsdelsnämnd: meeting date, § numbers, justerare.
PROTOKOLL_TXT = (
    "PROTOKOLLSUTDRAG\nHässelby-Vällingby stadsdelsnämnd\nSammanträdesdatum 2027-12-14\n\n"
    "Närvarande\nOrdförande: Karin Ek\nSekreterare: Jonas Berg\nJusterare: Maria Lund\n\n"
    "§ 12\nSvar på remiss av Stockholms stads trygghetsprogram 2028–2031\nDnr HV 2027/321\n\n"
    "Beslut\nHässelby-Vällingby stadsdelsnämnd godkänner förvaltningens tjänsteutlåtande och överlämnar det "
    "som svar på remissen.\n\n§ 13\nÖvriga frågor\n\nJusterandes signatur\n"
)

# 5. A district the code has never heard of (two words), letterhead in a page footer,
#    'Sida 1 av 2', and 'Kontaktperson' + name + e-mail on the lines below.
JARVA_PAGES = [
    "Tjänsteutlåtande\n2027-10-20\n\nKontaktperson\nSara Öberg\nsara.oberg@stockholm.se\n\n"
    "Svar på remiss om trygghetsprogram 2028–2031\n\nSammanfattning\nNorra Järva stadsdelsförvaltning "
    "välkomnar förslaget.\n\nNorra Järva stadsdelsförvaltning\nDnr NJ 2027/55\nSida 1 av 2",
    "Förvaltningens synpunkter\nFörvaltningen vill se fler fritidsgårdar.\n\nNorra Järva stadsdelsförvaltning\n"
    "Dnr NJ 2027/55\nSida 2 av 2",
]

# 6. A tjänsteutlåtande from a fackförvaltning whose title names neither type nor period;
#    the body names the current programme and the new one.
KLIMAT_TXT = (
    "Klimatförvaltningen\n2027-11-20\n\nTrygghet i stadens parker\n\nSammanfattning\nI förslaget till nytt "
    "trygghetsprogram 2028–2031 ingår parkerna. Det nuvarande trygghetsprogrammet 2024–2027 gör det inte.\n\n"
    "Förslag till beslut\nKlimatnämnden godkänner förvaltningens tjänsteutlåtande.\n"
)


def make_pdf(path: Path, pages: list[str], footer: str = "", header: list[str] | None = None) -> Path:
    """A real text PDF: one string per page; an optional running header (lines, the
    last one 'Sida N (M)') and footer (address + 'Sida N (M)') on every page."""
    from fpdf import FPDF

    class Doc(FPDF):
        def header(self):
            if header:
                self.set_font("dejavu", size=8)
                for line in header:
                    self.cell(0, 4, line, new_x="LMARGIN", new_y="NEXT", align="R")
                self.cell(0, 4, f"Sida {self.page_no()} ({len(pages)})", new_x="LMARGIN", new_y="NEXT", align="R")
                self.ln(4)

        def footer(self):
            if footer:
                self.set_y(-15)
                self.set_font("dejavu", size=8)
                self.cell(0, 5, f"{footer}    Sida {self.page_no()} ({len(pages)})")

    pdf = Doc()
    pdf.add_font("dejavu", fname=str(DEJAVU))
    pdf.set_font("dejavu", size=11)
    for text in pages:
        pdf.add_page()
        pdf.set_font("dejavu", size=11)
        pdf.multi_cell(0, 6, text)
    path.write_bytes(bytes(pdf.output()))
    return path


def make_docx(path: Path, pages: list[str]) -> Path:
    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    for n, text in enumerate(pages):
        for para in text.split("\n"):
            d.add_paragraph(para)
        if n < len(pages) - 1:
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.save(str(path))
    return path


# The tjänsteutlåtande again, its letterhead printed by the PDF's running header instead.
SOCIAL_HEADER = ["Socialförvaltningen", "Tjänsteutlåtande", "Dnr SOF 2027/1234"]
SOCIAL_BODY = [SOCIAL_PAGES[0].split("Sida 1 (3)\n", 1)[1]] + [p.split("\n\n", 1)[1] for p in SOCIAL_PAGES[1:]]


def guess(path: Path, with_pages: bool = True) -> DocMeta:
    """What the indexer's reader and guess_metadata make of a file."""
    doc = read_document(path)
    if not with_pages:  # only the text: how a caller that passes nothing else sees it
        return guess_metadata(doc.id, doc.text)
    return guess_metadata(doc.id, doc.text, page_starts=doc.page_starts, marks=getattr(doc, "marks", ()))


def write_docs(root: Path) -> dict[str, Path]:
    """Every test document, in every format it is tried in: {file name: path}."""
    root.mkdir(parents=True, exist_ok=True)
    texts = {
        "social.txt": "\f".join(SOCIAL_PAGES),
        "trafik.txt": TRAFIK_TXT,
        "program.txt": "\f".join(p + "\n\n" + PROGRAM_FOOTER + f"\nSida {i} (4)" for i, p in enumerate(PROGRAM_PAGES, 1)),
        "protokoll.txt": PROTOKOLL_TXT,
        "jarva.txt": "\f".join(JARVA_PAGES),
        "klimat.txt": KLIMAT_TXT,
    }
    out = {}
    for name, text in texts.items():
        (out := {**out, name: root / name})[name].write_text(text, encoding="utf-8")
    out["jarva.docx"] = make_docx(root / "jarva.docx", JARVA_PAGES)
    if DEJAVU:
        out["social.pdf"] = make_pdf(root / "social.pdf", SOCIAL_PAGES)
        out["social_header.pdf"] = make_pdf(root / "social_header.pdf", SOCIAL_BODY, header=SOCIAL_HEADER)
        out["program.pdf"] = make_pdf(root / "program.pdf", PROGRAM_PAGES, PROGRAM_FOOTER)
    return out


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> dict[str, Path]:
    return write_docs(tmp_path_factory.mktemp("layouts"))


# What each document must come out as (every field listed is asserted).
EXPECTED = {
    "social": dict(namnd="Socialnämnden", doc_type="tjänsteutlåtande", period="2028-2031", dnr="SOF 2027/1234",
                   remiss_dnr="KS 2027/987", date="2027-11-03", year=2027, handlaggare="Anna-Karin Lindqvist"),
    "trafik": dict(namnd="Trafiknämnden", doc_type="yttrande", period="2028-2031", dnr="TN 2027/4567",
                   remiss_dnr="KS 2027/987", date="2027-12-01", year=2027, handlaggare="Erik Sjöberg",
                   title="Yttrande över Stockholms stads trygghetsprogram 2028–2031"),
    "program": dict(namnd="Kommunstyrelsen", doc_type="program", period="2028-2031", dnr="KS 2027/987", remiss_dnr="",
                    date="2027-09-15", year=2027, handlaggare=""),
    "protokoll": dict(namnd="Hässelby-Vällingby stadsdelsnämnd", doc_type="protokoll", period="2028-2031",
                      dnr="HV 2027/321", remiss_dnr="", date="2027-12-14", year=2027, handlaggare="",
                      title="Svar på remiss av Stockholms stads trygghetsprogram 2028–2031"),
    "jarva": dict(namnd="Norra Järva stadsdelsnämnd", doc_type="tjänsteutlåtande", period="2028-2031",
                  dnr="NJ 2027/55", remiss_dnr="", date="2027-10-20", year=2027, handlaggare="Sara Öberg",
                  title="Svar på remiss om trygghetsprogram 2028–2031"),
    "klimat": dict(namnd="Klimatnämnden", doc_type="tjänsteutlåtande", period="2028-2031", dnr="", remiss_dnr="",
                   date="2027-11-20", year=2027, handlaggare="", title="Trygghet i stadens parker"),
}
NAMES = ["social.txt", "social.pdf", "social_header.pdf", "trafik.txt", "program.txt", "program.pdf",
         "protokoll.txt", "jarva.txt", "jarva.docx", "klimat.txt"]


def _check(g: DocMeta, expected: dict) -> None:
    got = {k: getattr(g, k) for k in expected}
    assert got == expected
    for k in FIELDS:  # every filled field is guessed, with a confidence in (0, 1]; empty ones are not
        value = getattr(g, k)
        filled = value not in ("", None) and not (k == "doc_type" and value == "other")
        assert (k in g.guessed) == filled, k
        assert (k in g.confidence) == filled and (not filled or 0 < g.confidence[k] <= 1), (k, g.confidence)


# --------------------------------------------------------------------------- every layout, every field


@pytest.mark.parametrize("name", NAMES)
def test_each_layout_gets_every_field(docs, name):
    if name not in docs:
        pytest.skip("no DejaVu font for PDFs with å/ä/ö")
    g = guess(docs[name])
    _check(g, EXPECTED[name.split(".")[0].replace("_header", "")])
    assert g.title and g.confidence["title"] > 0


@pytest.mark.parametrize("name", ["social.pdf", "program.pdf", "jarva.docx", "trafik.txt"])
def test_text_alone_is_enough_for_the_key_fields(docs, name):
    """A caller that passes only the text (no page starts, no parser marks) still
    gets type, period and both dnr right."""
    if name not in docs:
        pytest.skip("no DejaVu font for PDFs with å/ä/ö")
    g = guess(docs[name], with_pages=False)
    want = EXPECTED[name.split(".")[0]]
    assert (g.doc_type, g.period, g.dnr, g.remiss_dnr) == tuple(want[k] for k in ("doc_type", "period", "dnr", "remiss_dnr"))


def test_programme_that_asks_for_yttranden_is_a_programme(docs):
    text = docs["program.txt"].read_text(encoding="utf-8")
    assert "ska lämna yttrande" in " ".join(text.split())
    g = guess(docs["program.txt"])
    assert g.doc_type == "program" and g.confidence["doc_type"] >= 0.7
    # the same words in a yttrande's title do make a yttrande
    assert guess_metadata("y", "Yttrande över förslaget\n\nNämnden ska lämna yttrande.").doc_type == "yttrande"


def test_title_period_wins_over_a_passing_mention(docs):
    g = guess(docs["social.txt"])
    assert g.period == "2028-2031" and g.confidence["period"] >= 0.8  # the body names 2024–2027
    g = guess_metadata("t", "Trygghetsprogram för Stockholms stad 2028–2031\n\nInledning\nProgrammet ersätter "
                            "trygghetsprogrammet 2032–2035 som aldrig antogs.\n")
    assert g.period == "2028-2031"
    # no period in the title: the newest one named next to a programme word, with a low confidence
    g = guess(docs["klimat.txt"])
    assert g.period == "2028-2031" and g.confidence["period"] <= 0.6
    # a range that is no programme period is not one
    assert guess_metadata("b", "Budget\n\nKostnaderna 2019-2020 ökade.\n").period == ""


def test_own_and_remiss_dnr_are_kept_apart():
    text = ("Kulturförvaltningen\nTjänsteutlåtande\nDnr KUF 2027/77\n\nSvar på remiss om trygghetsprogram "
            "2028–2031\n\nSammanfattning\nRemissen (dnr KS 2027/987) har skickats till alla nämnder. I beslutet "
            "om det förra programmet (dnr KS 2023/739) …\n")
    g = guess_metadata("k", text)
    assert (g.dnr, g.remiss_dnr) == ("KUF 2027/77", "KS 2027/987")
    assert g.confidence["dnr"] > g.confidence["remiss_dnr"]  # letterhead label vs a body mention
    # only the remiss's dnr: the document's own stays empty, not filled with the remiss's
    g = guess_metadata("r", "Svar på remiss från kommunstyrelsen, KS 2027/987\n\nSammanfattning\nText.\n")
    assert (g.dnr, g.remiss_dnr) == ("", "KS 2027/987")
    # labelled numbers of other shapes
    g = guess_metadata("o", "Miljöförvaltningen\nDiarienummer: 2027-1234/5\nDnr: 1.5.1-123/2027\n\nSammanfattning\n.")
    assert g.dnr == "1.5.1-123/2027" and g.namnd == "Miljö- och hälsoskyddsnämnden"


def test_date_is_the_documents_own_not_a_deadline():
    g = guess_metadata("d", "Tjänsteutlåtande\nSvar senast 2027-12-15\n\nSammanfattning\nMöte 3 mars 2027.\n")
    assert g.date == "" and "date" not in g.guessed
    g = guess_metadata("d", "Tjänsteutlåtande\nStockholm den 13 december 2027\n\nSammanfattning\nText.\n")
    assert g.date == "2027-12-13" and g.year == 2027


def test_contact_person_forms():
    for head in ("Handläggare: Per Nilsson", "Handläggare\nPer Nilsson\nTelefon 08-508 000 00",
                 "Kontaktperson Per Nilsson, tel 08-508 000 00", "Per Nilsson\nper.nilsson@stockholm.se"):
        g = guess_metadata("c", f"Socialförvaltningen\n{head}\n\nSammanfattning\nText.\n")
        assert g.handlaggare == "Per Nilsson", head
    # a signature at the end is no handläggare; an organisation line is no name
    g = guess_metadata("s", "Sammanfattning\nText.\n\nLena Holm\nFörvaltningschef\n")
    assert g.handlaggare == ""
    assert guess_metadata("o", "Handläggare\nStockholms Stad\n\nSammanfattning\n.").handlaggare == ""


def test_nothing_to_go_on_guesses_nothing():
    g = guess_metadata("n", "Mötet öppnades och avslutades utan beslut.\n")
    assert g.doc_type == "other" and g.guessed == () and g.confidence == {}
    assert guess_metadata("e", "").guessed == ()


def test_unknown_forvaltning_and_kontor_name_their_namnd():
    for letterhead, namnd in (("Exploateringskontoret", "Exploateringsnämnden"),
                              ("Idrottsförvaltningen", "Idrottsnämnden"),
                              ("Stadsledningskontoret", "Kommunstyrelsen"),  # an exception from the cues file
                              ("Ytterby stadsdelsförvaltning", "Ytterby stadsdelsnämnd")):
        g = guess_metadata("x", f"{letterhead}\nTjänsteutlåtande\n\nSammanfattning\nText.\n")
        assert g.namnd == namnd and g.confidence["namnd"] >= 0.7, letterhead
    # 'Till Kommunstyrelsen' names the recipient, not the owner
    g = guess_metadata("y", "Till Kommunstyrelsen\n\nYttrande över programmet\n\nFastighetskontoret tycker till.")
    assert g.namnd == "Fastighetsnämnden"


# Short title blocks of other shapes: a letterhead in one line of cells, a protokoll
# heading, a programme without dnr, an OCR-damaged letterhead, a memo-style letter.
MORE = {
    "Utbildningsförvaltningen | Tjänsteutlåtande | Dnr UTB 2027/345 | 2027-10-30\n\nSvar på remiss – Stockholms "
    "stads trygghetsprogram 2028–2031 (KS 2027/987)\n\nHandläggare: Omar Haddad, 08-508 333 33\n\nFörslag till "
    "beslut\nUtbildningsnämnden godkänner förvaltningens förslag till yttrande.\n":
        dict(namnd="Utbildningsnämnden", doc_type="tjänsteutlåtande", dnr="UTB 2027/345", remiss_dnr="KS 2027/987",
             date="2027-10-30", handlaggare="Omar Haddad", period="2028-2031",
             title="Svar på remiss – Stockholms stads trygghetsprogram 2028–2031 (KS 2027/987)"),
    "Protokoll fört vid sammanträde med Kulturnämnden den 12 december 2027\n\n§ 7 Trygghetsprogram 2028–2031 – "
    "svar på remiss\nDnr KUN 2027/900\n\nBeslut\nKulturnämnden besvarar remissen i enlighet med förslaget.\n":
        dict(namnd="Kulturnämnden", doc_type="protokoll", dnr="KUN 2027/900", date="2027-12-12", period="2028-2031"),
    "Program för trygghet och säkerhet 2028–2031\nAntaget av kommunfullmäktige 2027-12-11\n\nInnehåll\nInledning\n"
    "Mål\nAnsvar\n\nInledning\nDetta program ersätter programmet för 2024–2027. Alla nämnder ska lämna yttrande.\n":
        dict(doc_type="program", period="2028-2031", dnr="", remiss_dnr="", date="2027-12-11"),
    "Skarpnacks stadsdelsforvaltning\nTjansteutlatande\nDnr SKA 2027/11\nSida 1 (2)\n\nSvar pa remiss om "
    "Stockholms stads trygghetsprogram 2028-2031\n\nSammanfattning\nForvaltningen ar positiv.\n":
        dict(namnd="Skarpnäcks stadsdelsnämnd", doc_type="tjänsteutlåtande", dnr="SKA 2027/11", period="2028-2031"),
    "Till: Kommunstyrelsen\nFrån: Äldrenämnden\nDatum: 2027-11-11\nÄrende: Remissvar gällande trygghetsprogram "
    "2028–2031, ert dnr KS 2027/987\n\nÄldrenämnden ställer sig bakom förslaget.\n":
        dict(namnd="Äldrenämnden", doc_type="yttrande", dnr="", remiss_dnr="KS 2027/987", date="2027-11-11",
             title="Remissvar gällande trygghetsprogram 2028–2031, ert dnr KS 2027/987"),
}


@pytest.mark.parametrize("text", MORE, ids=["cells", "protokoll-heading", "programme-no-dnr", "ocr", "memo"])
def test_more_title_block_shapes(text):
    g = guess_metadata("x", text)
    assert {k: getattr(g, k) for k in MORE[text]} == MORE[text]


def test_furniture_and_parser_marks_are_used():
    """What a layout step took out of the text (furniture lines) still tells
    type, dnr and nämnd; a parser's title mark names the title."""
    body = "Svar på remiss om trygghetsprogram 2028–2031\n\nSammanfattning\nFörvaltningen är positiv.\n"
    g = guess_metadata("f", body, furniture=["Socialförvaltningen", "Tjänsteutlåtande", "Dnr SOF 2027/1234",
                                             "Ert dnr KS 2027/987", "Sida 1 (3)"])
    assert (g.doc_type, g.dnr, g.remiss_dnr, g.namnd) == ("tjänsteutlåtande", "SOF 2027/1234", "KS 2027/987",
                                                          "Socialnämnden")
    text = "Stockholms stad\nEn tryggare stad\nTrygghetsprogram 2028–2031\n\nInledning\nText.\n"
    start = text.index("En tryggare")
    g = guess_metadata("m", text, marks=((start, start + len("En tryggare stad"), "h0"),))
    assert g.title == "En tryggare stad" and g.confidence["title"] >= 0.9


# --------------------------------------------------------------------------- metadata.yaml and the merge


def test_metadata_yaml_takes_any_period_and_the_new_fields(tmp_path):
    p = tmp_path / "metadata.yaml"
    p.write_text('x:\n  period: "2028–2031"\n  doc_type: tjansteutlatande\n  remiss_dnr: "KS 2027/987"\n'
                 '  handlaggare: Anna Berg\ny:\n  doc_type: Protokoll\n', encoding="utf-8")
    assert load_metadata_file(p) == {"x": {"period": "2028-2031", "doc_type": "tjänsteutlåtande",
                                           "remiss_dnr": "KS 2027/987", "handlaggare": "Anna Berg"},
                                     "y": {"doc_type": "protokoll"}}
    for bad in ("2031-2028", "2028-2045", "2028"):
        with pytest.raises(ValueError, match="YYYY-YYYY"):
            check_fields({"period": bad})
    with pytest.raises(ValueError) as e:
        check_fields({"doc_type": "remissvar"})
    assert all(t in str(e.value) for t in DOC_TYPES)


def test_confirmed_fields_are_not_guessed(docs):
    text = read_document(docs["social.txt"]).text
    m = resolve_metadata("social", text, {"social": {"doc_type": "yttrande", "period": "2028-2031", "dnr": ""}})
    assert (m.doc_type, m.period, m.dnr) == ("yttrande", "2028-2031", "")
    assert not {"doc_type", "period", "dnr"} & set(m.guessed) and not {"doc_type", "period", "dnr"} & set(m.confidence)
    assert m.remiss_dnr == "KS 2027/987" and "remiss_dnr" in m.guessed and m.confidence["remiss_dnr"] > 0
    full = {k: getattr(m, k) for k in FIELDS}
    m = resolve_metadata("social", text, {"social": full})
    assert m.guessed == () and m.confidence == {}


def test_records_written_before_the_new_fields_still_load():
    from index.corpus import DocRecord

    old = {"source": "corpus/x.txt", "sha256": "ab", "meta": {"doc_id": "x", "title": "T", "namnd": "N",
                                                              "doc_type": "yttrande", "period": "2020-2023",
                                                              "dnr": "KS 2019/1", "date": "", "year": 2021,
                                                              "guessed": ["title"]}}
    rec = DocRecord.from_record("x", old)
    assert rec.meta.remiss_dnr == "" and rec.meta.handlaggare == "" and rec.meta.confidence == {}
    new = DocMeta(doc_id="x", remiss_dnr="KS 1/2", guessed=("remiss_dnr",), confidence={"remiss_dnr": 0.8})
    back = DocRecord.from_record("x", json.loads(json.dumps({"meta": new.to_dict()}))).meta
    assert back == new and hash(back) == hash(new)


# --------------------------------------------------------------------------- the seed corpus

SEED = REPO / "corpus"
# (own dnr, remiss dnr, doc_type) guessed for the five seed documents. Before the own and
# the remiss's dnr were kept apart, 000/002/004 had the remiss's in `dnr`; 001's letterhead
# says 'Tjänsteutlåtande'. corpus/metadata.yaml confirms the old values, so what the
# index holds for them does not change.
SEED_GUESS = {
    "000_3597c3daaecaf7f2": ("", "KS 2019/1939", "yttrande"),
    "001_2da92ff9d07e789e": ("EAV 2020/514", "", "tjänsteutlåtande"),
    "002_80d6bf5fc05df009": ("", "KS 2023/739", "yttrande"),
    "003_8cbd9df508089135": ("", "", "yttrande"),
    "004_1f364216c0b50e56": ("", "KS 2020/1939", "yttrande"),
}
OLD_FIELDS = ("title", "namnd", "doc_type", "period", "dnr", "date", "year")


@pytest.mark.parametrize("doc_id", SEED_GUESS)
def test_seed_documents_keep_their_metadata(doc_id):
    doc = read_document(SEED / f"{doc_id}.txt")
    entries = load_metadata_file(SEED / "metadata.yaml")
    m = resolve_metadata(doc_id, doc.text, entries, page_starts=doc.page_starts)
    assert {k: getattr(m, k) for k in OLD_FIELDS} == {k: entries[doc_id][k] for k in OLD_FIELDS}
    g = guess_metadata(doc_id, doc.text, page_starts=doc.page_starts)
    assert (g.dnr, g.remiss_dnr, g.doc_type) == SEED_GUESS[doc_id]
    e = entries[doc_id]
    assert (g.namnd, g.period) == (e["namnd"], e["period"])  # as before: all five right
    assert g.year == e["year"] or doc_id == "000_3597c3daaecaf7f2"  # 000 states no date (known miss: 2019)
    assert g.date in ("", e["date"])  # meeting and deadline dates are no longer taken for the document's own
    assert e["dnr"] in (g.dnr, g.remiss_dnr) or not e["dnr"]
