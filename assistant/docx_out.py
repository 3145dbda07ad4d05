"""The draft as a Word document laid out like a Stockholm tjänsteutlåtande.

A4 with letter margins. A header on every page: the förvaltning and
"Tjänsteutlåtande", Dnr, "Sida N (M)" (Word fields PAGE and NUMPAGES) and the
date; on page 1 a block with Handläggare and "Till <nämnd>"; then the title,
the sections as headings and the body written for the own nämnd.

The earlier yttranden a sentence rests on are Word comments anchored to that
sentence: the verbatim quote, who wrote it, where (corpus/<file>, page). What
is left for the officer to write is a comment too, never placeholder text in
the body. Removing all comments (Granska → Ta bort alla kommentarer) leaves a
clean tjänsteutlåtande.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

from index.types import Citation

from .draft import _XML_BAD, HINT_PREFIX, Draft, Paragraph, Sentence, _clean, _who, own_forvaltning
from .exports import display_source

A4_CM = (21.0, 29.7)
MARGINS_CM = {"top": 3.4, "bottom": 2.5, "left": 2.5, "right": 2.5, "header": 1.2, "footer": 1.2}
BODY_FONT = ("Times New Roman", 12)
HEAD_FONT = "Arial"
COMMENT_AUTHOR = "yttra – underlag"
COMMENT_INITIALS = "Y"
DOC_KIND = "Tjänsteutlåtande"
ABOUT_COMMENTS = ("Kommentarerna visar formuleringar ur tidigare yttranden som texten bygger på och vad som "
                  "återstår att skriva. Ta bort alla på en gång: Granska → Ta bort → Ta bort alla kommentarer.")


def _x(s: str) -> str:
    """Text python-docx can store (XML 1.0 characters only); never interpreted."""
    return _XML_BAD.sub("", s or "")


# ----------------------------------------------------------------- styles and page

def _fonts(rpr, name: str) -> None:
    """Set a run-properties element's fonts for every script, dropping theme
    fonts (which Word would use instead)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for a in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(qn(f"w:{a}"), None)
    for a in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(qn(f"w:{a}"), name)


def _style(doc, name: str, font: str, size: float, *, bold: bool | None = None, before: float | None = None,
           after: float | None = None):
    from docx.shared import Pt, RGBColor

    st = doc.styles[name]
    _fonts(st.element.get_or_add_rPr(), font)
    st.font.size = Pt(size)
    st.font.color.rgb = RGBColor(0, 0, 0)
    if bold is not None:
        st.font.bold = bold
    if before is not None:
        st.paragraph_format.space_before = Pt(before)
    if after is not None:
        st.paragraph_format.space_after = Pt(after)
    return st


def _setup(doc) -> None:
    """A4, letter margins, Swedish, a serif body and sans-serif headings in black."""
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    for sec in doc.sections:
        sec.page_width, sec.page_height = Cm(A4_CM[0]), Cm(A4_CM[1])
        sec.top_margin, sec.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
        sec.left_margin, sec.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
        sec.header_distance, sec.footer_distance = Cm(MARGINS_CM["header"]), Cm(MARGINS_CM["footer"])
    normal = _style(doc, "Normal", BODY_FONT[0], BODY_FONT[1], after=8)
    normal.paragraph_format.line_spacing = 1.08
    rpr = normal.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:val"), "sv-SE")
    title = _style(doc, "Title", HEAD_FONT, 16, bold=True, before=18, after=4)
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):  # the template's blue rule under the title
        ppr.remove(border)
    title.font.spacing = Pt(0)
    _style(doc, "Heading 1", HEAD_FONT, 12.5, bold=True, before=16, after=4)
    _style(doc, "Heading 2", HEAD_FONT, 11, bold=True, before=10, after=2)


def _field(paragraph, instr: str, shown: str = "1") -> None:
    """A Word field (PAGE, NUMPAGES) as begin/instr/separate/result/end runs;
    Word and LibreOffice compute it when they lay out the page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(el)

    char("begin")
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} \\* MERGEFORMAT "
    paragraph.add_run()._r.append(it)
    char("separate")
    paragraph.add_run(shown)
    char("end")


HEADER_COLUMN_CM = 10.0  # where the right-hand column of the header and the title block starts


def _header(doc, forvaltning: str, dnr: str, date: str) -> None:
    """Every page: the förvaltning on the left; Tjänsteutlåtande, Dnr, Sida N (M)
    and the date in a column on the right, as in the city's letters."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    ppr = doc.styles["Header"].element.get_or_add_pPr()
    for tabs in ppr.findall(qn("w:tabs")):  # the template's Letter-width centre/right stops
        ppr.remove(tabs)
    head = doc.sections[0].header
    head.is_linked_to_previous = False
    lines: list[list] = [[(forvaltning, True), ("\t", False), (DOC_KIND, True)]]
    if dnr:
        lines.append([("\t", False), (f"Dnr {dnr}", False)])
    lines.append([("\tSida ", False), ("PAGE", None), (" (", False), ("NUMPAGES", None), (")", False)])
    if date:
        lines.append([("\t", False), (date, False)])
    for i, parts in enumerate(lines):
        p = head.paragraphs[0] if i == 0 else head.add_paragraph()
        p.paragraph_format.tab_stops.add_tab_stop(Cm(HEADER_COLUMN_CM), WD_TAB_ALIGNMENT.LEFT)
        p.paragraph_format.space_after = Pt(0)
        for text, bold in parts:
            if bold is None:
                _field(p, text)
            else:
                p.add_run(_x(text)).bold = bold
        for r in p.runs:
            r.font.size = Pt(9.5)
            _fonts(r._r.get_or_add_rPr(), HEAD_FONT)


def _title_block(doc, handlaggare: str, namnd: str) -> None:
    """Page 1: Handläggare (left) and Till <nämnd> (right), as in the city's letters."""
    from docx.shared import Cm, Pt

    t = doc.add_table(rows=1, cols=2)
    t.autofit = False
    sec = doc.sections[0]
    right = (sec.page_width - sec.left_margin - sec.right_margin) - Cm(HEADER_COLUMN_CM)
    for col, width in zip(t.columns, (Cm(HEADER_COLUMN_CM), right)):
        col.width = width
    for cell, label, value, width in ((t.cell(0, 0), "Handläggare", handlaggare, Cm(HEADER_COLUMN_CM)),
                                      (t.cell(0, 1), "Till", namnd, right)):
        cell.width = width
        p = cell.paragraphs[0]
        r = p.add_run(label)
        r.bold = True
        r.font.size = Pt(9.5)
        _fonts(r._r.get_or_add_rPr(), HEAD_FONT)
        p.paragraph_format.space_after = Pt(0)
        v = cell.add_paragraph()
        v.add_run(_x(value))
        v.paragraph_format.space_after = Pt(0)
        if not value and label == "Handläggare":
            _comment(doc, [r], [("", "Ange handläggarens namn och telefonnummer.")])


# ----------------------------------------------------------------- comments

def _citation_lines(c: Citation, role: str) -> list[tuple[str, str]]:
    ch = c.chunk
    where = f"{ch.title}, " if ch.title else ""
    where += f"avsnitt {ch.section}, " if ch.section else ""
    return [("b", f"{role} [{c.n}]: {_who(ch)}, s. {ch.pages}"),
            ("i", f"»{c.quote}«"),
            ("", f"{where}{display_source(ch.source)}")]


def comment_lines(s: Sentence) -> list[tuple[str, str]]:
    """What the comment beside a sentence says, as (style, text) lines: the
    hint, then each earlier yttrande it rests on (verbatim, with its source)."""
    out: list[tuple[str, str]] = [("", s.hint)] if s.hint else []
    for c in s.sources:
        if s.basis is c:
            role = "Anpassad från" if s.adapted else "Ordagrant ur"
        else:
            role = "Underlag"
        out += _citation_lines(c, role)
    if s.basis is not None and s.adapted:
        out.append(("", "Nämnd, förvaltning, stadsdel och programversion är utbytta mot de egna; kontrollera "
                        "att sakinnehållet stämmer."))
    return out


def _comment(doc, runs, lines: list[tuple[str, str]]) -> None:
    if not lines or not runs:
        return
    cm = doc.add_comment(runs, text="", author=COMMENT_AUTHOR, initials=COMMENT_INITIALS)
    for i, (style, text) in enumerate(lines):
        p = cm.paragraphs[0] if i == 0 else cm.add_paragraph()
        r = p.add_run(_x(text))
        r.bold = style == "b"
        r.italic = style == "i"


# ----------------------------------------------------------------- body

def _write_paragraph(doc, para: Paragraph) -> None:
    p = doc.add_paragraph() if para.sentences else None
    for i, s in enumerate(para.sentences):
        if i:
            p.add_run(" ")
        run = p.add_run(_x(s.text))
        _comment(doc, [run], comment_lines(s))
    for item in para.items:
        doc.add_paragraph(_x(item), style="List Bullet")


_MARK = re.compile(r"\[(\d+)\]")


def paragraphs_from_text(text: str, citations: list[Citation]) -> list[Paragraph]:
    """Body paragraphs of a section that was built from text alone (no
    `paras`): quoted underlag ('Formulering från …[n]') and 'Att skriva:'
    lines become the comment of the paragraph before them."""
    by_n = {c.n: c for c in citations}
    out: list[Paragraph] = []
    for block in (text or "").split("\n\n"):
        if block.startswith("Formulering från") or block.startswith(HINT_PREFIX):
            if not out:
                out.append(Paragraph([Sentence("")]))
            last = out[-1].sentences[-1]
            if block.startswith(HINT_PREFIX):
                last.hint = (last.hint + " " + block[len(HINT_PREFIX):]).strip()
            else:
                last.sources += [by_n[int(n)] for n in _MARK.findall(block) if int(n) in by_n]
            continue
        lines = block.split("\n")
        if len(lines) > 1 and all(ln.startswith("- ") for ln in lines[1:]):
            out.append(Paragraph([Sentence(lines[0])], [ln[2:] for ln in lines[1:]]))
        else:
            out.append(Paragraph([Sentence(" ".join(lines))]))
    return out


def write_docx(d: Draft, path: Path) -> Path:
    """Write the draft as a tjänsteutlåtande (.docx) at `path`."""
    from docx import Document as Docx

    path = Path(path)
    inp = d.input
    namnd = _clean(inp.namnd)
    title = _clean(inp.title)
    remittent = _clean(inp.remittent) or "kommunstyrelsen"
    dnr = _clean(inp.dnr)
    date = (inp.date or "").strip()

    doc = Docx()
    if not hasattr(doc, "add_comment"):  # Word comments came with python-docx 1.2
        raise RuntimeError("python-docx 1.2 eller senare behövs för kommentarer i Word-filen / "
                           "python-docx >= 1.2 is needed (pip install -U python-docx)")
    _setup(doc)
    cp = doc.core_properties
    cp.title = _x(title)[:255]
    cp.subject = _x(f"Svar på remiss från {remittent}")[:255]
    cp.author = _x(namnd)[:255]
    cp.last_modified_by = _x(namnd)[:255]
    cp.comments = "Utkast"
    cp.category = DOC_KIND
    cp.keywords = ""
    cp.language = "sv-SE"
    cp.revision = 1
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    cp.created = cp.modified = now

    _header(doc, _x(own_forvaltning(inp)), _x(dnr), date)
    _title_block(doc, _x(_clean(inp.handlaggare)), _x(namnd))

    head = doc.add_heading("", level=0)
    title_run = head.add_run(_x(title))
    lines = [("", ABOUT_COMMENTS)]
    if d.warnings:
        lines += [("b", "Att kontrollera:")] + [("", f"• {w}") for w in d.warnings]
    _comment(doc, [title_run], lines)
    sub = doc.add_paragraph()
    sub.add_run(_x(f"Svar på remiss från {remittent}"))

    for s in d.sections:
        doc.add_heading(_x(s.heading), level=1)
        for para in s.paras or paragraphs_from_text(s.text, d.citations):
            _write_paragraph(doc, para)

    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path

