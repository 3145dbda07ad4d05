"""DOCX page numbers: the page a reader sees in Word.

Word records where it last laid out each page (w:lastRenderedPageBreak inside
a run) besides the breaks the author made (w:br type=page, 'page break
before', a section starting on a new page). The reader uses all of them, and a
rendered break where an explicit one already started the page is one page, not
two. Documents are built with python-docx in tmp_path; the rendered breaks
are put in with lxml where Word would write them.
"""

from __future__ import annotations

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
