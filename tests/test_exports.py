"""Issue 11, points 4 and 5: the downloads as a handläggare opens them.

The comparison as Swedish Excel reads it (';'-separated UTF-8 with BOM, .xlsx),
with 'Källa' as corpus/<file>, s. N and never a server path; the draft as a
Stockholm tjänsteutlåtande (.docx): A4, title block, "Sida N (M)", the body
written for the own nämnd and programme version, the earlier yttranden as Word
comments, author not "python-docx". The .docx is rendered with LibreOffice,
as a user would see it, when `soffice` is installed.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from assistant.compare import EXPORT_HEADER, CompareRow, Comparison, export_rows, to_excel_csv, to_xlsx
from assistant.draft import (NO_PRECEDENT, SECTIONS, DraftInput, Own, adapt_formula, adapt_sentence, area_of,
                             build_draft, forvaltning_of, programme_period, to_docx, to_markdown)
from assistant.exports import display_source, file_stem
from index.types import Chunk, Citation

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "exports"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
A4_PT = (595.3, 841.9)


# ----------------------------------------------------------------- helpers

def chunk(doc: str, section: str, text: str, namnd: str, *, year: int = 2021, period: str = "2020-2023",
          n: int = 0, source: str | None = None, page: int = 1) -> Chunk:
    return Chunk(id=f"{doc}-{n}", doc_id=doc, source=source or f"corpus/{doc}.txt", text=text, original=text,
                 start=0, end=len(text), page=page, page_end=page, section=section, title=f"Remissvar {doc}",
                 namnd=namnd, doc_type="yttrande", period=period, year=year)


def soffice_pdf(docx: Path, outdir: Path) -> Path:
    """Render a .docx to PDF with LibreOffice (its own profile folder, so runs never share a lock)."""
    if not SOFFICE:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui "
                    "to render the .docx as a user sees it")
    outdir.mkdir(parents=True, exist_ok=True)
    profile = (outdir / "lo-profile").resolve().as_uri()
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(outdir), str(docx)], check=True, capture_output=True, timeout=180)
    pdf = outdir / (docx.stem + ".pdf")
    assert pdf.is_file(), f"LibreOffice wrote no PDF for {docx.name}"
    return pdf


def pdf_pages(pdf: Path) -> list[tuple[float, float, str]]:
    """(width pt, height pt, text) per page."""
    from pypdf import PdfReader

    return [(float(p.mediabox.width), float(p.mediabox.height), p.extract_text() or "")
            for p in PdfReader(str(pdf)).pages]


def save_png(pdf: Path, target: Path) -> Path | None:
    """Page 1 as PNG for the artifacts, when pypdfium2 is there (optional)."""
    try:
        import pypdfium2 as pdfium
    except ImportError:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    pdfium.PdfDocument(str(pdf))[0].render(scale=1.4).to_pil().save(str(target))
    return target


def body_text(doc) -> str:
    """The body as a reader sees it: paragraphs and the title block's table cells."""
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([*cells, *(p.text for p in doc.paragraphs)])


def docx_body_text(path: Path) -> str:
    from docx import Document

    return body_text(Document(str(path)))


def check_docx(path: Path, inp: DraftInput, d) -> str:
    """What every draft .docx must be; returns its body text."""
    from docx import Document
    from docx.shared import Cm

    doc = Document(str(path))
    sec = doc.sections[0]
    assert abs(sec.page_width - Cm(21.0)) < Cm(0.05) and abs(sec.page_height - Cm(29.7)) < Cm(0.05)  # A4
    assert Cm(2.0) <= sec.left_margin <= Cm(3.0) and Cm(2.0) <= sec.right_margin <= Cm(3.0)
    body = body_text(doc)
    assert "Formulering från" not in body and "prejudikat" not in body.lower()
    assert not re.search(r"\[(?:ange|skriv|beskriv|sammanfatta|utveckla)", body, re.IGNORECASE)  # no placeholders
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == list(SECTIONS)
    with zipfile.ZipFile(path) as z:
        header = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/header"))
        comments_xml = z.read("word/comments.xml").decode("utf-8") if "word/comments.xml" in z.namelist() else ""
    assert "PAGE" in header and "NUMPAGES" in header and "Sida " in header and "Tjänsteutlåtande" in header
    comments = "\n".join(c.text for c in doc.comments)
    for c in d.citations:  # every earlier yttrande cited, beside the text, with its source
        assert f"[{c.n}]" in comments and c.quote in comments and display_source(c.chunk.source) in comments
        assert f"s. {c.chunk.pages}" in comments
    assert d.citations == [] or "<w:comment " in comments_xml
    cp = doc.core_properties
    assert cp.author == inp.namnd and cp.author != "python-docx" and "python-docx" not in (cp.comments or "")
    assert cp.title == inp.title and cp.last_modified_by != "python-docx"
    return body


# ----------------------------------------------------------------- names and paths

def test_display_source_never_shows_a_server_path():
    assert display_source("corpus/001_x.txt") == "corpus/001_x.txt"
    assert display_source("/tmp/pytest-7/browser0/corpus/001_x.txt") == "corpus/001_x.txt"
    assert display_source("C:\\Users\\a\\corpus\\sub\\x.pdf") == "corpus/sub/x.pdf"
    assert display_source("/srv/dokument/x.pdf") == "corpus/x.pdf"
    assert display_source("x.pdf") == "corpus/x.pdf" and display_source("") == ""


def test_file_stem_is_cut_between_words():
    title = "Stockholms stads trygghetsprogram 2028–2031"
    assert file_stem("yttrande", title, "utkast") == "yttrande_Stockholms_stads_trygghetsprogram_2028_2031"
    long = "Remiss av förslag till reviderat trygghetsprogram för Stockholms stad 2028–2031 med bilagor"
    stem = file_stem("yttrande", long, "utkast")
    slug = stem.removeprefix("yttrande_")
    assert len(slug) <= 60 and long.replace("–", " ").split()[:len(slug.split("_"))] == slug.split("_")
    assert file_stem("x", "Ä" * 80, "f") == "x_" + "Ä" * 60  # one over-long word is all that is ever cut
    assert file_stem("jamforelse", " ?! ", "amne") == "jamforelse_amne"


# ----------------------------------------------------------------- point 5: comparison for Excel

def _comparison(source: str = "/tmp/server/secret/corpus/a_sdn.txt") -> Comparison:
    ch = chunk("a_sdn", "Förvaltningens synpunkter", "Förvaltningen är positiv till ordningsvakternas roll i "
               "Årsta. =HYPERLINK(\"http://evil.invalid\") står kvar.", "Enskede-Årsta-Vantörs stadsdelsnämnd",
               source=source, page=3)
    q = "Förvaltningen är positiv till ordningsvakternas roll i Årsta."
    rows = [CompareRow("a_sdn", "Enskede-Årsta-Vantörs stadsdelsnämnd", "Svar på remiss – trygghet", 2021, "",
                       "2020-2023", "positiv", ["positiv"], Citation(1, ch, q, 0.9), 0.9),
            CompareRow("b", "Kyrkogårdsnämnden", "Trygghetsprogram 2024–2027", 2023, "2023-12-13", "2024-2027",
                       "ej berört", [], None, 0.1),
            CompareRow("c", "Formelnämnden", "=1+1", 2023, "", "", "kritisk", ["saknar"],
                       Citation(2, ch, "=HYPERLINK(\"http://evil.invalid\") står kvar.", 0.5), 0.5)]
    return Comparison("ordningsvakter i Årsta", rows, "Metod: så här.")


def test_excel_csv_is_semicolon_utf8_with_bom_and_swedish_headers():
    data = to_excel_csv(_comparison())
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and "/tmp/" not in text and "secret" not in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == EXPORT_HEADER and rows[0][0] == "Nämnd" and "Källa" in rows[0]
    rec = dict(zip(rows[0], rows[1]))
    assert rec["Nämnd"] == "Enskede-Årsta-Vantörs stadsdelsnämnd"  # å/ä/ö intact
    assert rec["Nyckelcitat"] == "Förvaltningen är positiv till ordningsvakternas roll i Årsta."
    assert rec["Källa"] == "corpus/a_sdn.txt, s. 3" and rec["Avsnitt"] == "Förvaltningens synpunkter"
    assert rec["År"] == "2021" and rec["Ställningstagande"] == "positiv"
    assert dict(zip(rows[0], rows[2]))["Källa"] == ""  # ej berört: no passage, no source
    for row in rows[1:]:  # no cell starts a formula
        assert all(not c.lstrip().startswith(("=", "+", "-", "@")) for c in row), row
    # read the file the way the user's Excel does: by the same module, from disk
    assert len(rows) == 4 and all(len(r) == len(EXPORT_HEADER) for r in rows)


def test_excel_csv_from_disk_with_csv_module(tmp_path):
    p = tmp_path / "jamforelse.csv"
    p.write_bytes(to_excel_csv(_comparison()))
    with open(p, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert rows[0]["Nämnd"].startswith("Enskede-Årsta-Vantörs") and rows[1]["Nämnd"] == "Kyrkogårdsnämnden"
    assert all(not r["Källa"].startswith("/") for r in rows)


def test_xlsx_opens_with_the_same_content(tmp_path):
    from openpyxl import load_workbook

    c = _comparison()
    path = to_xlsx(c, tmp_path / "jamforelse.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Jämförelse", "Om jämförelsen"]
    ws = wb["Jämförelse"]
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert rows[0] == EXPORT_HEADER and ws.freeze_panes == "A2"
    rec = dict(zip(rows[0], rows[1]))
    assert rec["Nämnd"] == "Enskede-Årsta-Vantörs stadsdelsnämnd" and rec["År"] == 2021
    assert rec["Källa"] == "corpus/a_sdn.txt, s. 3"
    evil = dict(zip(rows[0], rows[3]))
    assert evil["Nyckelcitat"] == "=HYPERLINK(\"http://evil.invalid\") står kvar." and evil["Dokument"] == "=1+1"
    for row in ws.iter_rows(min_row=2):  # stored as text: never a formula
        assert all(cell.data_type != "f" for cell in row)
    flat = "\n".join(str(v) for r in rows for v in r if v is not None)
    assert "/tmp/" not in flat and "secret" not in flat
    about = {r[0].value: r[1].value for r in wb["Om jämförelsen"].iter_rows(min_row=2)}
    assert about["Ämne"] == "ordningsvakter i Årsta" and about["Dokument"] == 3
    assert [r[:1] for r in export_rows(c)] == [[r.namnd] for r in c.rows]


# ----------------------------------------------------------------- point 4: adapting earlier wording

KYRKO, SPANGA, KULTUR = "Kyrkogårdsnämnden", "Spånga-Tensta stadsdelsnämnd", "Kulturnämnden och Stadsarkivet"
OWN = Own(namnd="Skarpnäcks stadsdelsnämnd", period="2028–2031",
          known=(KYRKO, SPANGA, KULTUR, "Enskede-Årsta-Vantörs stadsdelsnämnd"))


def test_names_of_the_own_organisation_follow_rules_not_lists():
    assert forvaltning_of("Skarpnäcks stadsdelsnämnd") == "Skarpnäcks stadsdelsförvaltning"
    assert forvaltning_of(KYRKO) == "Kyrkogårdsförvaltningen"
    assert forvaltning_of(KULTUR) == "Kulturförvaltningen och Stadsarkivet"
    assert forvaltning_of("Kommunstyrelsen") == ""
    assert area_of("Hägersten-Liljeholmens stadsdelsnämnd") == "Hägersten-Liljeholmen"
    assert area_of(SPANGA) == "Spånga-Tensta" and area_of(KYRKO) == ""
    assert programme_period("Stockholms stads trygghetsprogram 2028–2031") == "2028–2031"
    assert programme_period("Parkeringspolicy") == ""


def test_adapt_sentence_substitutes_names_and_version():
    ch = chunk("k", "Bakgrund", "x", KYRKO, period="2024-2027")
    # the writer's förvaltning is 'förvaltningen' (as a tjänsteutlåtande says it), the nämnd the own one
    assert adapt_sentence("Kyrkogårdsförvaltningen anser att trygghetsprogrammet 2024-2027 är tydligt.", ch, OWN) \
        == "Förvaltningen anser att trygghetsprogrammet 2028–2031 är tydligt."
    assert adapt_sentence("Ärendet har remitterats till kyrkogårdsförvaltningen och kyrkogårdsnämnden.", ch, OWN) \
        == "Ärendet har remitterats till förvaltningen och Skarpnäcks stadsdelsnämnd."
    assert adapt_sentence("Det är viktigt för kyrkogårdsnämndens verksamhet.", ch, OWN) == \
        "Det är viktigt för Skarpnäcks stadsdelsnämnds verksamhet."
    sp = chunk("s", "Synpunkter", "x", SPANGA)
    assert adapt_sentence("Spånga-Tensta stadsdelsförvaltning arbetar aktivt i Spånga-Tensta med trygghet.", sp,
                          OWN) == "Förvaltningen arbetar aktivt i Skarpnäck med trygghet."
    ku = chunk("u", "Synpunkter", "x", KULTUR)
    assert adapt_sentence("Förvaltningarna ser positivt på att kulturen lyfts i programmet.", ku, OWN) == \
        "Förvaltningen ser positivt på att kulturen lyfts i programmet."
    # a facknämnd drafting: the earlier stadsdelsförvaltning becomes 'förvaltningen'
    kultur_own = Own(namnd="Kulturnämnden", period="2028–2031", known=OWN.known)
    assert adapt_sentence("Stadsdelsförvaltningen samverkar med polisen.", sp, kultur_own) == \
        "Förvaltningen samverkar med polisen."


@pytest.mark.parametrize("quote, why", [
    ("Kommunstyrelsen har remitterat ärendet till kyrkogårdsförvaltningen för yttrande senast den 20 december.",
     "a date of another case"),
    ("Stockholm stads trygghetsprogram 2020-2023 antogs av kommunfullmäktige 2021 och har nu reviderats.",
     "another version and year"),
    ("Förvaltningen instämmer helt med ovanstående synpunkter från stadsdelarna.", "leans on its neighbours"),
    ("Samverkan sker med Spånga-Tensta stadsdelsförvaltning kring begravningsplatserna.", "another nämnd"),
    ("Läsesalarna i Stadsarkivet behöver ordningsvakter.", "a part of another nämnd's name"),
])
def test_adapt_sentence_refuses_what_cannot_stand_in_the_new_text(quote, why):
    ch = chunk("k", "Bakgrund", "x", KYRKO, period="2024-2027")
    assert adapt_sentence(quote, ch, OWN) is None, why


def test_adapt_sentence_without_own_version_keeps_out_versions():
    ch = chunk("k", "Bakgrund", "x", KYRKO, period="2024-2027")
    no_period = Own(namnd=OWN.namnd, period="", known=OWN.known)
    assert adapt_sentence("Programmet 2024-2027 är tydligt.", ch, no_period) is None
    assert adapt_sentence("Programmet är tydligt och väl förankrat.", ch, no_period) == \
        "Programmet är tydligt och väl förankrat."


# ----------------------------------------------------------------- point 4: the draft .docx

FAKE = [
    chunk("k", "Förvaltningens förslag till beslut", "Förvaltningens förslag till beslut\nKyrkogårdsnämnden "
          "godkänner förvaltningens tjänsteutlåtande och överlämnar det till kommunstyrelsen som svar på "
          "remissen.", KYRKO, year=2023, period="2024-2027"),
    chunk("k", "Bakgrund", "Bakgrund\nKommunstyrelsen har remitterat ärendet Stockholms stads trygghetsprogram "
          "2024-2027 till kyrkogårdsförvaltningen för yttrande senast den 20 december 2023. Kommunstyrelsen har "
          "tagit fram ett nytt trygghetsprogram som ska gälla under perioden 2024-2027.", KYRKO, year=2023,
          period="2024-2027", n=1),
    chunk("s", "Förvaltningens synpunkter och förslag", "Förvaltningens synpunkter och förslag\nSpånga-Tensta "
          "stadsdelsförvaltning anser att samverkan med polisen och civilsamhället är avgörande för det lokala "
          "arbetet. Förvaltningen föreslår att nämnden godkänner förvaltningens tjänsteutlåtande och överlämnar "
          "det till kommunstyrelsen som svar på remissen.", SPANGA, page=4, n=2),
]
INP = DraftInput(title="Stockholms stads trygghetsprogram 2028–2031", namnd="Skarpnäcks stadsdelsnämnd",
                 dnr="KS 2027/100", date="2027-11-20", handlaggare="Anna Andersson",
                 points="- samverkan med polisen behöver stärkas\n- avgifter för boendeparkering")


@pytest.fixture
def fake_draft():
    from conftest import memory_corpus

    return build_draft(memory_corpus(FAKE), INP)


def test_draft_body_is_written_for_the_own_namnd_and_version(fake_draft):
    d = fake_draft
    body = "\n".join(s.text for sec in d.sections for p in sec.paras for s in p.sentences)
    assert "Förvaltningen anser att samverkan med polisen och civilsamhället" in body  # adapted, not copied
    assert "ska gälla under perioden 2028–2031" in body
    assert "Spånga-Tensta" not in body and "yrkogård" not in body and "2024-2027" not in body
    assert "20 december" not in body  # the other case's deadline stays in its comment only
    adapted = [s for sec in d.sections for p in sec.paras for s in p.sentences if s.adapted]
    assert adapted and all(s.basis in s.sources for s in adapted)
    # the verbatim quote travels with the citation, untouched
    assert any("Spånga-Tensta stadsdelsförvaltning anser" in c.quote for c in d.citations)
    # where no earlier yttrande helps, a hint for the comment (never '[skriv här]' in the body)
    hints = [s.hint for sec in d.sections for p in sec.paras for s in p.sentences if s.hint]
    assert any("berett" in h for h in hints) and not any("[" in s for s in body.splitlines())
    md = to_markdown(d)  # the Markdown keeps showing the underlag beside the text
    assert "Formulering från" in md and "## Källor" in md and "prejudikat" not in md.lower()
    assert NO_PRECEDENT in d.sections[SECTIONS.index("Ärendets beredning")].text


def test_draft_docx_is_a_tjansteutlatande(fake_draft, tmp_path):
    from docx import Document

    path = to_docx(fake_draft, tmp_path / "yttrande.docx")
    body = check_docx(path, INP, fake_draft)
    assert "Anna Andersson" in body and "Handläggare" in body and "Till" in body
    assert "Förvaltningen anser att samverkan med polisen och civilsamhället" in body
    doc = Document(str(path))
    comments = {c.text for c in doc.comments}
    assert any(t.startswith("Anpassad från [") and "Spånga-Tensta stadsdelsnämnd (2021), s. 4" in t
               for t in comments)
    assert any("Ange vilken avdelning eller enhet" in t for t in comments)  # a hint as a comment
    assert any("Ta bort alla kommentarer" in t for t in comments)  # how to get rid of them in one go


def test_draft_docx_renders_as_a4_with_title_block_and_page_numbers(fake_draft, tmp_path):
    path = to_docx(fake_draft, tmp_path / "yttrande.docx")
    pdf = soffice_pdf(path, tmp_path / "pdf")
    pages = pdf_pages(pdf)
    for w, h, _ in pages:
        assert abs(w - A4_PT[0]) < 2 and abs(h - A4_PT[1]) < 2, (w, h)  # A4, not US Letter (612×792)
    first = re.sub(r"\s+", " ", pages[0][2])
    for needle in ("Skarpnäcks stadsdelsförvaltning", "Tjänsteutlåtande", "Dnr KS 2027/100", "2027-11-20",
                   "Handläggare", "Anna Andersson", "Till", "Skarpnäcks stadsdelsnämnd",
                   "Stockholms stads trygghetsprogram 2028–2031", "Förslag till beslut"):
        assert needle in first, needle
    assert f"Sida 1 ({len(pages)})" in first
    assert all("Formulering från" not in t for _, _, t in pages)
    save_png(pdf, ARTIFACTS / "utkast-fake-sida1.png")


@pytest.mark.integration
def test_real_draft_docx_substitutes_every_other_namnd_and_version(real_retriever, tmp_path):
    inp = DraftInput(title="Stockholms stads trygghetsprogram 2028–2031", namnd="Skarpnäcks stadsdelsnämnd",
                     dnr="KS 2027/1234", date="2027-11-20",
                     points="- samverkan med polisen behöver stärkas\n- ordningsvakter i offentlig miljö\n"
                            "- unga vuxna som varken arbetar eller studerar")
    d = build_draft(real_retriever, inp)
    path = to_docx(d, tmp_path / "yttrande.docx")
    body = check_docx(path, inp, d)
    facets = real_retriever.facets()
    for other in facets["namnd"]:  # no other nämnd, stadsdel or programme version in the body
        for part in re.split(r"\s+och\s+", other):
            key = area_of(part) or part
            assert key.lower() not in body.lower(), key
    for period in facets["period"]:
        a, b = period.split("-")
        assert not re.search(rf"{a}\s*[-–]\s*{b}", body), period
    assert len(d.citations) >= 10
    pdf = soffice_pdf(path, tmp_path / "pdf")
    pages = pdf_pages(pdf)
    assert all(abs(w - A4_PT[0]) < 2 and abs(h - A4_PT[1]) < 2 for w, h, _ in pages)
    assert "Sida 1 (" in pages[0][2] and all("Formulering från" not in t for _, _, t in pages)
    save_png(pdf, ARTIFACTS / "utkast-sida1.png")


def test_docx_of_a_draft_built_from_text_alone(tmp_path):
    """A Draft made by hand (sections with text, no paras): quoted underlag and
    'Att skriva:' lines still become comments, never body text."""
    from docx import Document

    from assistant.draft import Draft, DraftSection

    ch = FAKE[2]
    cit = Citation(1, ch, "Förvaltningen föreslår att nämnden godkänner förvaltningens tjänsteutlåtande och "
                   "överlämnar det till kommunstyrelsen som svar på remissen.", 0.9)
    sections = [DraftSection("Sammanfattning", "Förvaltningen är positiv.\n\nFormulering från Spånga-Tensta "
                             f"stadsdelsnämnd (2021) [1]: »{cit.quote}«\n\nAtt skriva: Sammanfatta."),
                DraftSection("Bakgrund", "Punkter:\n- ett\n- två")]
    d = Draft(INP, sections, [cit], ["Kontrollera <b>allt</b>."])
    path = to_docx(d, tmp_path / "hand.docx")
    doc = Document(str(path))
    body = body_text(doc)
    assert "Förvaltningen är positiv." in body and "ett" in body and "Formulering från" not in body
    assert "Att skriva" not in body
    comments = [c.text for c in doc.comments]
    assert any(t.startswith("Sammanfatta.") and "[1]" in t and cit.quote in t for t in comments)
    assert any("Kontrollera <b>allt</b>." in t for t in comments)  # warnings: a comment on the title


def test_adapt_formula_is_unchanged_for_the_beslut():
    c = FAKE[0]
    q = ("Kyrkogårdsnämnden godkänner förvaltningens tjänsteutlåtande och överlämnar det till kommunstyrelsen "
         "som svar på remissen.")
    assert adapt_formula(q, c, "Skarpnäcks stadsdelsnämnd", "kommunstyrelsen").startswith("Skarpnäcks")


# ----------------------------------------------------------------- the app's handlers

def test_app_handlers_write_excel_files_and_whole_word_names(tiny_settings):
    from conftest import HashEmbedder
    from index.local import LocalCorpus
    from index.pipeline import ingest
    from openpyxl import load_workbook

    from assistant.app import build_app

    assert ingest(tiny_settings, embedder=HashEmbedder(), progress=False).ok
    demo = build_app(tiny_settings, LocalCorpus(tiny_settings, HashEmbedder()))
    fns = {f.fn.__name__: f.fn for f in demo.fns.values()}
    html, csv_path, md_path, xlsx_path = fns["on_compare"]("ordningsvakter i offentlig miljö")
    assert "Spånga-Tensta" in html
    assert Path(csv_path).name == "jamforelse_ordningsvakter_i_offentlig_miljö.csv"
    raw = Path(csv_path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == EXPORT_HEADER and any(r[0] == "Spånga-Tensta stadsdelsnämnd" for r in rows[1:])
    assert all(not r[7] or r[7].startswith("corpus/") for r in rows[1:])
    ws = load_workbook(xlsx_path)["Jämförelse"]
    assert [c.value for c in ws[1]] == EXPORT_HEADER
    assert Path(md_path).suffix == ".md" and Path(xlsx_path).suffix == ".xlsx"
    assert fns["show_file"](xlsx_path) == xlsx_path and fns["show_file"](None) is None

    md, docx_path, md2 = fns["on_draft"]("Stockholms stads trygghetsprogram 2028–2031 för alla stadsdelsnämnder",
                                         "kommunstyrelsen", "KS 2027/1", "Skarpnäcks stadsdelsnämnd", "2027-11-20",
                                         "samverkan med polisen")
    name = Path(docx_path).stem
    assert name == "yttrande_Stockholms_stads_trygghetsprogram_2028_2031_för_alla"  # whole words only
    assert "Skarpnäcks stadsdelsnämnd godkänner" in docx_body_text(Path(docx_path))
    assert Path(md2).stem == name
