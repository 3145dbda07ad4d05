"""DOCX page numbers: the page a reader sees in Word.

Word records where it last laid out each page (w:lastRenderedPageBreak inside
a run) besides the breaks the author made (w:br type=page, 'page break
before', a section starting on a new page, or on an even or odd one after the
blank page Word adds when the parity is wrong). The reader uses all of them,
and a rendered break where an explicit one already started the page is one
page, not two. Pages are counted by their place in the file, as in a PDF
export of the document (checked against LibreOffice's). Documents are built with python-docx in tmp_path; the rendered breaks
are put in with lxml where Word would write them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from index.read import read_document

BODY = {
    "p1": "Förvaltningen välkomnar att programmet lyfter fram vuxennärvaro i skolans närmiljö.",
    "p2": "Förvaltningen föreslår att uppföljningen av lokala lägesbilder förtydligas.",
    "p3": "Kommunstyrelsen har remitterat förslaget till samtliga stadsdelsnämnder.",
    "p4a": "I Ekudden har föreningslivet organiserat nattvandringar och därför behöver staden fortsätta att ge "
           "ekonomiskt stöd till de",
    "p4b": " föreningar som bedriver nattvandring i området under helger och skollov.",
    "p5": "Förvaltningen anser att samverkansöverenskommelsen med lokalpolisområdet fungerar väl.",
    "p6": "Det brottsförebyggande arbetet ska bedrivas inom ordinarie verksamhet i hela staden.",
}


def rendered_break(run, at: int | None = 0) -> None:
    """Put <w:lastRenderedPageBreak/> into a run: before its text (at=0), or
    inside it after `at` characters (the text split into two w:t around it)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r = run._r
    mark = OxmlElement("w:lastRenderedPageBreak")
    t = r.find(qn("w:t"))
    if at == 0 or t is None:
        t.addprevious(mark) if t is not None else r.append(mark)
        return
    head, tail = t.text[:at], t.text[at:]
    t.text = head
    t2 = OxmlElement("w:t")
    t2.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    t2.text = tail
    t.addnext(mark)
    mark.addnext(t2)


def page_of(doc, text: str) -> int:
    return doc.page_of(doc.text.index(text))


def passages(path: Path):
    """The document's passages, small enough that each page's paragraphs are passages of their own."""
    from index.pipeline import _process_file
    from index.settings import Settings

    settings = Settings(corpus_dir=path.parent, index_dir=path.parent / ".index", chunk={"size": 100, "overlap": 0})
    return _process_file(path, settings, {})[0]


def holder(chunks, text: str):
    flat = " ".join(text.split())
    found = [c for c in chunks if flat in " ".join(c.text.split())]
    assert found, text
    return found[0]


# --------------------------------------------------------------------------- rendered breaks only


def test_rendered_page_breaks_give_the_pages_word_shows(tmp_path):
    """A document Word paginated itself: no explicit breaks, only the rendered
    ones, one of them inside a sentence (it reads whole, cited 's. 2–3')."""
    import docx

    d = docx.Document()
    d.add_heading("Förvaltningens synpunkter", level=1)
    d.add_paragraph(BODY["p1"])
    d.add_paragraph(BODY["p2"])
    p3 = d.add_paragraph(BODY["p3"])
    rendered_break(p3.runs[0])  # page 2 begins with p3
    p4 = d.add_paragraph(BODY["p4a"] + BODY["p4b"])
    rendered_break(p4.runs[0], at=len(BODY["p4a"]))  # page 3 begins inside p4
    d.add_paragraph(BODY["p5"])
    p6 = d.add_paragraph(BODY["p6"])
    rendered_break(p6.runs[0])  # page 4
    path = tmp_path / "renderad.docx"
    d.save(path)

    doc = read_document(path)
    assert doc.n_pages == 4
    assert [page_of(doc, BODY[k]) for k in ("p1", "p2", "p3", "p4a", "p5", "p6")] == [1, 1, 2, 2, 3, 4]
    assert page_of(doc, BODY["p4b"].strip()) == 3

    chunks = passages(path)
    assert holder(chunks, BODY["p6"]).pages == "4"
    assert holder(chunks, BODY["p1"]).page == 1
    sentence = "ekonomiskt stöd till de föreningar som bedriver nattvandring"
    across = holder(chunks, sentence)  # the sentence across the rendered break reads whole
    assert across.pages == "2–3" and "s. 2–3" in across.label


def test_rendered_break_in_a_table_row_moves_the_row(tmp_path):
    """A table that runs over a page: the row Word put on the next page is cited there."""
    import docx

    d = docx.Document()
    d.add_paragraph(BODY["p1"])
    table = d.add_table(rows=4, cols=2)
    rows = [("Åtgärd", "Ansvarig"), ("Belysning i parker", "Trafiknämnden"),
            ("Nattvandring", "Socialnämnden"), ("Trygghetsvandringar", "Stadsdelsnämnderna")]
    for i, (a, b) in enumerate(rows):
        table.cell(i, 0).text, table.cell(i, 1).text = a, b
    rendered_break(table.cell(2, 0).paragraphs[0].runs[0])
    d.add_paragraph(BODY["p5"])
    path = tmp_path / "tabell.docx"
    d.save(path)

    doc = read_document(path)
    assert doc.n_pages == 2
    assert page_of(doc, "Belysning i parker") == 1
    assert page_of(doc, "Nattvandring | Socialnämnden") == 2 and page_of(doc, BODY["p5"]) == 2


# --------------------------------------------------------------------------- explicit breaks, alone and with rendered ones


def _explicit_breaks_document(path: Path, *, rendered: bool) -> Path:
    """Four pages made by the author: a page break ending a paragraph, 'page
    break before', and a new section on a new page, then a continuous section
    (no new page). With `rendered`, also the rendered breaks Word writes at
    the top of each of those pages (where the explicit break already is)."""
    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    d.add_paragraph(BODY["p1"]).add_run().add_break(WD_BREAK.PAGE)  # ends page 1
    p2 = d.add_paragraph(BODY["p2"])
    p3 = d.add_paragraph(BODY["p3"])
    p3.paragraph_format.page_break_before = True  # page 3
    d.add_section(WD_SECTION.NEW_PAGE)  # p3 ends the first section; the next one starts page 4
    p5 = d.add_paragraph(BODY["p5"])
    d.add_section(WD_SECTION.CONTINUOUS)  # p5 ends the second section; the third goes on on page 4
    d.add_paragraph(BODY["p6"])
    if rendered:
        for p in (p2, p3, p5):
            rendered_break(p.runs[0])
    d.save(path)
    return path


@pytest.mark.parametrize("rendered", [False, True], ids=["explicit", "explicit+rendered"])
def test_explicit_breaks_and_new_page_sections_count_once(tmp_path, rendered):
    path = _explicit_breaks_document(tmp_path / "brytningar.docx", rendered=rendered)
    doc = read_document(path)
    assert doc.n_pages == 4
    assert [page_of(doc, BODY[k]) for k in ("p1", "p2", "p3", "p5", "p6")] == [1, 2, 3, 4, 4]
    chunks = passages(path)
    assert holder(chunks, BODY["p5"]).page == 4 and holder(chunks, BODY["p2"]).pages == "2"


def test_page_break_in_a_paragraph_then_rendered_break_is_one_page(tmp_path):
    """Word writes the rendered break right after an explicit one inside a
    paragraph: '… slut.<br type=page/>' + '<lastRenderedPageBreak/>Nästa …'."""
    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    p = d.add_paragraph(BODY["p1"])
    p.add_run().add_break(WD_BREAK.PAGE)
    rendered_break(p.add_run(BODY["p2"]))
    d.add_paragraph(BODY["p3"])
    path = tmp_path / "inne.docx"
    d.save(path)
    doc = read_document(path)
    assert doc.n_pages == 2
    assert [page_of(doc, BODY[k]) for k in ("p1", "p2", "p3")] == [1, 2, 2]


def test_two_page_breaks_in_a_row_keep_the_blank_page(tmp_path):
    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    d.add_paragraph(BODY["p1"]).add_run().add_break(WD_BREAK.PAGE)
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    p = d.add_paragraph(BODY["p2"])
    rendered_break(p.runs[0])
    path = tmp_path / "tom.docx"
    d.save(path)
    doc = read_document(path)
    assert doc.n_pages == 3 and page_of(doc, BODY["p2"]) == 3


def test_docx_without_breaks_is_one_page(tmp_path):
    import docx

    d = docx.Document()
    for k in ("p1", "p2", "p3", "p5"):
        d.add_paragraph(BODY[k])
    path = tmp_path / "en.docx"
    d.save(path)
    doc = read_document(path)
    assert doc.n_pages == 1 and doc.page_starts == (0,)
    assert {c.pages for c in passages(path)} == {"1"}


# --------------------------------------------------------------------------- LibreOffice


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_document_resaved_by_libreoffice_keeps_its_pages(tmp_path):
    """A document opened and saved again by an office suite (LibreOffice here;
    7.x writes no rendered breaks) keeps its explicit and section breaks."""
    (tmp_path / "src").mkdir()
    src = _explicit_breaks_document(tmp_path / "src" / "brytningar.docx", rendered=False)
    out = tmp_path / "out"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo'}",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=120)
    doc = read_document(out / src.name)
    assert doc.n_pages == 4
    assert [page_of(doc, BODY[k]) for k in ("p1", "p2", "p3", "p5", "p6")] == [1, 2, 3, 4, 4]


# --------------------------------------------------------------------------- sections on even and odd pages


def restart_numbering(section, start: int) -> None:
    """<w:pgNumType w:start=N/>: the section's first page is numbered N."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = section._sectPr.find(qn("w:pgNumType"))
    if el is None:
        el = OxmlElement("w:pgNumType")
        section._sectPr.append(el)
    el.set(qn("w:start"), str(start))


def _parity_sections_document(path: Path, *, rendered: bool) -> Path:
    """Sections that start on odd and even pages: p1 on page 1; an odd-page
    section (p2: page 2 is even, so it is left blank and p2 is on page 3); an
    even-page one (p3: page 4, no blank page); an even-page one (p4a: page 5
    is blank, page 6); an odd-page one (p5: page 7) with a page break (p6:
    page 8). With `rendered`, also the rendered break Word writes at the top
    of each page with text (none on a blank page: it holds nothing)."""
    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    d.add_paragraph(BODY["p1"])
    d.add_section(WD_SECTION.ODD_PAGE)
    p2 = d.add_paragraph(BODY["p2"])
    d.add_section(WD_SECTION.EVEN_PAGE)
    p3 = d.add_paragraph(BODY["p3"])
    d.add_section(WD_SECTION.EVEN_PAGE)
    p4 = d.add_paragraph(BODY["p4a"])
    d.add_section(WD_SECTION.ODD_PAGE)
    d.add_paragraph(BODY["p5"]).add_run().add_break(WD_BREAK.PAGE)
    p6 = d.add_paragraph(BODY["p6"])
    if rendered:
        for p in (p2, p3, p4, p6):
            rendered_break(p.runs[0])
        rendered_break(d.paragraphs[-2].runs[0])  # p5: the top of page 7
    d.save(path)
    return path


PARITY_PAGES = {"p1": 1, "p2": 3, "p3": 4, "p4a": 6, "p5": 7, "p6": 8}


@pytest.mark.parametrize("rendered", [False, True], ids=["sections", "sections+rendered"])
def test_even_and_odd_page_sections_skip_a_blank_page(tmp_path, rendered):
    """An odd-page section after an odd page, an even-page one after an even
    page: Word leaves the page between blank, and the pages after it are cited
    one further on ('s. 3', not 's. 2'); the rendered break at the top of the
    section's first page is that same page."""
    path = _parity_sections_document(tmp_path / "udda.docx", rendered=rendered)
    doc = read_document(path)
    assert doc.n_pages == 8
    assert {k: page_of(doc, BODY[k]) for k in PARITY_PAGES} == PARITY_PAGES
    ends = doc.page_starts[1:] + (len(doc.text),)
    assert [n for n, (a, b) in enumerate(zip(doc.page_starts, ends), 1) if not doc.text[a:b].strip()] == [2, 5]
    chunks = passages(path)
    assert holder(chunks, BODY["p2"]).pages == "3" and "s. 3" in holder(chunks, BODY["p2"]).label
    assert holder(chunks, BODY["p6"]).page == 8
    assert not {2, 5} & {p for c in chunks for p in range(c.page, c.page_end + 1)}  # nothing cited on a blank page


def test_restarted_page_numbers_decide_parity_but_pages_are_cited_by_place(tmp_path):
    """A title page, then a section numbered from 1 (w:pgNumType w:start=1)
    on the second sheet, two pages long, then an even-page section. Word
    counts parity by the page number: the pages after the title are numbered
    1 and 2, the next one would be 3 (odd), so it is left blank and the
    even-page section starts on the next. Citations count pages by their
    place in the file, as in a PDF: p2 is on page 2 (printed '1'), p5 on 5."""
    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_BREAK
    from docx.oxml.ns import qn

    d = docx.Document()
    d.add_paragraph(BODY["p1"])
    restart_numbering(d.add_section(WD_SECTION.NEW_PAGE), 1)
    d.add_paragraph(BODY["p2"]).add_run().add_break(WD_BREAK.PAGE)
    d.add_paragraph(BODY["p3"])
    section = d.add_section(WD_SECTION.EVEN_PAGE)
    for el in section._sectPr.findall(qn("w:pgNumType")):  # python-docx copies the previous section's
        section._sectPr.remove(el)  # settings: without this one the numbering goes on
    d.add_paragraph(BODY["p5"])
    path = tmp_path / "omnumrerad.docx"
    d.save(path)
    doc = read_document(path)
    assert [page_of(doc, BODY[k]) for k in ("p1", "p2", "p3", "p5")] == [1, 2, 3, 5]
    assert doc.n_pages == 5


def test_odd_page_section_restarting_at_an_even_number_always_gets_a_blank_page(tmp_path):
    """Word's first page of an odd-page section numbered 2 can never be odd:
    Word puts a blank page before it all the same (p2 on page 3, not 2)."""
    import docx
    from docx.enum.section import WD_SECTION

    d = docx.Document()
    d.add_paragraph(BODY["p1"])
    restart_numbering(d.add_section(WD_SECTION.ODD_PAGE), 2)
    d.add_paragraph(BODY["p2"])
    path = tmp_path / "jamn.docx"
    d.save(path)
    doc = read_document(path)
    assert [page_of(doc, BODY[k]) for k in ("p1", "p2")] == [1, 3]


def _soffice_version() -> tuple[int, ...]:
    try:
        out = subprocess.run(["soffice", "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    m = re.search(r"(\d+)\.(\d+)", out)
    return tuple(int(x) for x in m.groups()) if m else ()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_parity_sections_match_the_pages_of_a_libreoffice_pdf(tmp_path):
    """The page we give each paragraph is the page LibreOffice's PDF export
    shows it on (blank pages exported, as Word's export and printing keep
    them), for the document as built and as LibreOffice saves it again."""
    from pypdf import PdfReader

    if _soffice_version() < (7, 4):
        pytest.skip("LibreOffice before 7.4 takes no PDF export options on the command line")
    (tmp_path / "src").mkdir()
    src = _parity_sections_document(tmp_path / "src" / "udda.docx", rendered=False)
    lo = [f"-env:UserInstallation=file://{tmp_path / 'lo'}"]
    pdf_filter = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'
    subprocess.run(["soffice", "--headless", *lo, "--convert-to", pdf_filter, "--outdir", str(tmp_path / "pdf"),
                    str(src)], check=True, capture_output=True, timeout=180)
    subprocess.run(["soffice", "--headless", *lo, "--convert-to", "docx:MS Word 2007 XML", "--outdir",
                    str(tmp_path / "docx"), str(src)], check=True, capture_output=True, timeout=180)
    shown = [" ".join((p.extract_text() or "").split()) for p in PdfReader(tmp_path / "pdf" / "udda.pdf").pages]
    on_pdf = {k: next(i for i, t in enumerate(shown, 1) if " ".join(BODY[k].split()) in t) for k in PARITY_PAGES}
    assert on_pdf == PARITY_PAGES  # the layout this test expects is the one LibreOffice makes
    for path in (src, tmp_path / "docx" / "udda.docx"):
        doc = read_document(path)
        assert doc.n_pages == len(shown), path
        assert {k: page_of(doc, BODY[k]) for k in PARITY_PAGES} == on_pdf, path
