"""Reading source files (.txt, .pdf, .docx) into `Document`s.

The parsing is pure (bytes in, text + page starts out); file IO happens only in
`_load_bytes`. Besides the text, the PDF and DOCX parsers report what they
know of the layout as `Document.marks`: heading lines (PDF font size and
weight, DOCX heading styles), lines in a PDF page's top/bottom margin band,
PDF table rows and footnote markers set in superscript, DOCX header/footer
text (put at the top/bottom of each page, as a PDF export would show it) and
page breaks inside a paragraph.
index.layout uses them to take page furniture out of passages; index.chunk
to find sections. A DOCX's pages are the ones Word shows: explicit page
breaks, sections that start on a new page (with the blank page Word puts
before a section that must start on an even or odd page) and the page breaks
Word laid out when it last saved the file (w:lastRenderedPageBreak), counted
once where they coincide (_DocxPages). Pages are numbered by their place in
the file, as PDF pages are, not by the numbers printed on them.

Every problem with an input file is reported as a `ReadError` whose message
is one bilingual line (Swedish / English) saying what is wrong and how to fix
it, so ingest can list failures without tracebacks.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from index.settings import relative_source
from index.types import Document

SUPPORTED_SUFFIXES = (".txt", ".pdf", ".docx")
MAX_FILE_BYTES = 100 * 1024 * 1024  # refuse files above 100 MB
MAX_PDF_PAGES = 5_000
# private-use code points of bullet glyphs in the Symbol and Wingdings fonts, as a PDF extraction gives them
_FONT_BULLETS = str.maketrans({c: "•" for c in "\uf0b7\uf0a7\uf0a8\uf0d8\uf0fc\uf076\uf06e\uf06c\uf0e0\uf0f0"})
MAX_DOCX_UNPACKED_BYTES = 100 * 1024 * 1024  # refuse DOCX whose parts unpack to more (zip bombs)
PAGE_SEPARATOR = "\n\n"  # between pages of PDF/DOCX extractions
_SKIP_NAMES = {"metadata.yaml", "metadata.yml"}


class ReadError(Exception):
    """A file that cannot be read. `str(err)` is one line:
    '<file>: <svenska> / <english>'."""

    def __init__(self, path, sv: str, en: str):
        self.path = Path(path)
        self.sv = " ".join(sv.split())
        self.en = " ".join(en.split())
        # a file name may hold a newline or bidi control: escape those so the message stays one honest line
        name = "".join(ascii(c)[1:-1] if unicodedata.category(c)[0] == "C" or c in "\u2028\u2029" else c
                       for c in relative_source(self.path))
        super().__init__(f"{name}: {self.sv} / {self.en}")


# --------------------------------------------------------------------------- pages

_LETTERHEAD_BREAK = re.compile(r"\n(?:[ \t]*\n){3,}(?=(?:(?!\n[ \t]*\n[ \t]*\n[ \t]*\n).){0,600}?Sida \d+ \(\d+\))", re.S)


def page_starts_from_text(text: str) -> tuple[int, ...]:
    """Page boundaries of a plain-text PDF extraction.

    A line starting with exactly one space followed by a non-space character
    marks a new page (the page starts at the space); a form feed starts a new
    page right after it. Runs of two or more consecutive marker lines are
    bullet lists whose bullet glyphs were lost, not page breaks, and are
    ignored. A marker at offset 0 is ignored. Always starts with 0.

    A page letterhead carrying "Sida N (M)" that follows a run of three or
    more blank lines also starts a page (at the letterhead).
    """
    starts = {0}
    for m in re.finditer("\f", text):
        if m.end() < len(text):
            starts.add(m.end())
    for m in _LETTERHEAD_BREAK.finditer(text):
        starts.add(m.end())
    offsets, marker = [], []
    pos = 0
    for line in text.split("\n"):
        offsets.append(pos)
        marker.append(len(line) >= 2 and line[0] == " " and not line[1].isspace())
        pos += len(line) + 1
    for i, off in enumerate(offsets):
        if not marker[i] or off == 0:
            continue
        if (i > 0 and marker[i - 1]) or (i + 1 < len(marker) and marker[i + 1]):
            continue  # part of a list, not a page break
        starts.add(off)
    return tuple(sorted(starts))


# --------------------------------------------------------------------------- bytes


def _load_bytes(path: Path) -> bytes:
    """The file's bytes, after the checks every format shares."""
    path = Path(path)
    if not path.exists():
        raise ReadError(path, "filen finns inte – kontrollera sökvägen", "file does not exist – check the path")
    if not path.is_file():
        raise ReadError(path, "är ingen vanlig fil", "is not a regular file")
    if (size := path.stat().st_size) == 0:
        raise ReadError(path, "filen är tom (0 byte) – ta bort den eller ersätt den",
                        "file is empty (0 bytes) – remove or replace it")
    if size > MAX_FILE_BYTES:
        mb = MAX_FILE_BYTES // (1024 * 1024)
        raise ReadError(path, f"filen är större än {mb} MB – dela upp den",
                        f"file is larger than {mb} MB – split it")
    try:
        return path.read_bytes()
    except OSError as e:
        raise ReadError(path, f"kan inte läsa filen ({e.strerror})", f"cannot read the file ({e.strerror})") from e


def _decode_text(data: bytes, path: Path) -> str:
    """Decode .txt bytes: UTF-16 with BOM, UTF-8 (BOM stripped), else cp1252."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data:
        raise ReadError(path, "filen innehåller binärdata (NUL-byte) – är det verkligen en textfil?",
                        "file contains binary data (NUL bytes) – is it really a text file?")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    odd = sum(1 for c in text if (ord(c) < 32 and c not in "\t\n\r\f") or c == "\ufffd")
    if odd > max(3, len(text) // 100):
        raise ReadError(path, "filen ser ut att vara binär, inte text – kontrollera filändelsen eller spara om som UTF-8",
                        "file looks binary, not text – check the file extension or re-save as UTF-8")
    if not text.strip():
        raise ReadError(path, "filen innehåller ingen text", "file contains no text")
    return text


def _pdf_pages(data: bytes, path: Path, check=None) -> list[str]:
    """Text of each PDF page (decrypting with an empty password if needed);
    `check()` runs before each page (a time budget: it raises to stop)."""
    return _pdf_parse(data, path, check)[0]


def _pdf_parse(data: bytes, path: Path, check=None) -> tuple[list[str], list[list[tuple[int, int, str]]]]:
    """Each page's text and its marks (page-relative (start, end, kind):
    headings by font size and weight, lines in the top/bottom margin band)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    locked = ("PDF:en är lösenordsskyddad – spara en kopia utan lösenord",
              "PDF is password-protected – save a copy without a password")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReadError(path, *locked)
        if (n := len(reader.pages)) > MAX_PDF_PAGES:
            raise ReadError(path, f"PDF:en har {n} sidor, max är {MAX_PDF_PAGES} – dela upp den",
                            f"PDF has {n} pages, the limit is {MAX_PDF_PAGES} – split it")
        pages, lines = [], []
        for page in reader.pages:
            if check:
                check()
            text, info = _pdf_page(page)
            pages.append(text)
            lines.append(info)
    except ReadError:
        raise
    except FileNotDecryptedError as e:
        raise ReadError(path, *locked) from e
    except DependencyError as e:  # AES needs the optional 'cryptography' package
        raise ReadError(path, "PDF:en är krypterad (AES) – installera 'cryptography' eller spara en okrypterad kopia",
                        "PDF is AES-encrypted – install 'cryptography' or save an unencrypted copy") from e
    except Exception as e:  # pypdf raises many types on broken files
        raise ReadError(path, f"PDF:en är trasig eller avkortad ({type(e).__name__}) – exportera den på nytt",
                        f"PDF is corrupt or truncated ({type(e).__name__}) – export it again") from e
    if not pages:
        raise ReadError(path, "PDF:en har inga sidor", "PDF has no pages")
    if not any(p.strip() for p in pages):
        raise ReadError(path, "PDF:en saknar textlager (inskannad) – kör OCR först",
                        "PDF has no text layer (scanned) – run OCR first")
    return pages, _pdf_marks(lines)


# PDF layout hints. A line whose baseline lies in the top TOP_BAND or bottom
# BOTTOM_BAND of the page is in the margin band (letterheads, footers); a
# heading is a short line set HEADING_SCALE times larger than the body text,
# or bold at body size.
TOP_BAND = 0.11
BOTTOM_BAND = 0.09
HEADING_SCALE = 1.15
SMALL_SCALE = 0.92  # a line set smaller than this times the body size is 'small' (letterheads, footers)
MAX_HEADING_WORDS = 14
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_HEADING_TEXT = re.compile(r"[\dA-ZÅÄÖÉÜ][^\n]*")


@dataclass
class _PdfLine:
    start: int
    end: int
    size: float  # effective font size (pt) of most of its characters
    bold: bool
    y: float | None  # distance from the top of the page, 0..1 (None: unknown)
    table: bool  # several same-font pieces side by side, or a line of a row read cell by cell: a table row
    text: str
    wrap: bool = False  # the line goes on with the table row of the line before (a wrapped cell read on)
    sups: tuple[tuple[int, int], ...] = ()  # spans (page offsets) of superscript markers: see _superscripts


def _pdf_page(page) -> tuple[str, list[_PdfLine]]:
    """A page's text (as pypdf extracts it) and, per line, its font size,
    weight and vertical position (from pypdf's visitor: the visited pieces
    concatenate to the extracted text; when they do not, no hints)."""
    import math

    frags: list[tuple[str, float, bool, float | None, float | None, str]] = []

    def visit(text, cm, tm, font, size):
        if not text:
            return
        try:
            scale = math.sqrt(abs(tm[0] * tm[3] - tm[1] * tm[2])) * math.sqrt(abs(cm[0] * cm[3] - cm[1] * cm[2]))
            name = str((font or {}).get("/BaseFont", "")) if hasattr(font, "get") else ""
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            frags.append((text, float(size or 0) * (scale or 1.0), bool(_BOLD_FONT.search(name)), y, x, name))
        except Exception:  # noqa: BLE001 - hints are optional
            frags.append((text, 0.0, False, None, None, ""))

    # a Word bullet set in the Symbol or Wingdings font comes out as a private-use character (U+F0B7 …): a
    # bullet, one character for one so that every offset stays
    text = (page.extract_text(visitor_text=visit) or "").translate(_FONT_BULLETS)
    frags[:] = [(f[0].translate(_FONT_BULLETS), *f[1:]) for f in frags]
    if "".join(f[0] for f in frags) != text or not text.strip():
        return text, []
    try:
        box = page.mediabox
        bottom, height = float(box.bottom), float(box.height)
        rotated = (page.get("/Rotate") or 0) % 180 != 0
    except Exception:  # noqa: BLE001
        bottom, height, rotated = 0.0, 0.0, True
    owner = []  # fragment index of each character
    for k, f in enumerate(frags):
        owner += [k] * len(f[0])
    out: list[_PdfLine] = []
    pos = 0
    for line in text.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        ks = [owner[i] for i in range(s, e) if not text[i].isspace()]
        if not ks:
            continue
        sizes = Counter(round(frags[k][1] * 2) / 2 for k in ks)
        size = sizes.most_common(1)[0][0]
        bold = sum(frags[k][2] for k in ks) >= 0.9 * len(ks)
        first = frags[ks[0]]
        y = None
        if first[3] is not None and height > 0 and not rotated:
            y = min(1.0, max(0.0, 1.0 - (first[3] - bottom) / height))
        pieces = {k: (frags[k][4], frags[k][5], frags[k][1]) for k in ks}
        xs = sorted({round(v[0]) for v in pieces.values() if v[0] is not None})
        same_font = len({(v[1], v[2]) for v in pieces.values()}) == 1
        table = same_font and len(xs) >= 2 and (len(xs) >= 3 or not line.strip().split()[0][:1].isdigit())
        out.append(_PdfLine(s, e, size, bold, y, table, line.strip(), sups=_superscripts(text, frags, s, e, size)))
    _wrapped_rows(out)
    return text, out


SUP_SCALE = 0.8  # a marker set at most this times the size of its line's text is a superscript
_SUP_TEXT = re.compile(r"\d{1,3}|[*†‡]{1,3}")


def _superscripts(text: str, frags: list, s: int, e: int, size: float) -> tuple[tuple[int, int], ...]:
    """Footnote markers in the line text[s:e]: a piece of one to three digits
    (or *, †, ‡) set at most SUP_SCALE times the line's size, glued to the
    word before it ('arbete³' reads 'arbete3') or opening the line. pypdf
    keeps a raised baseline (text rise) out of its positions, so the size
    says it; index.layout takes a marker out of the passage text when a
    footnote with its number ends the page."""
    out, pos = [], 0
    for f in frags:
        a, b = pos, pos + len(f[0])
        pos = b
        if b <= s or a >= e:
            continue
        core = f[0].strip()
        if not core or not _SUP_TEXT.fullmatch(core) or not 0 < f[1] <= size * SUP_SCALE:
            continue
        a += len(f[0]) - len(f[0].lstrip())
        b = a + len(core)
        glued = a > s and not text[a - 1].isspace()
        if glued or (a == s and b < e):
            out.append((a, b))
    return tuple(out)


ROW_EPS = 0.004  # page heights: two lines this close are on one baseline
MAX_ROW_LINES = 10  # lines one table row may take when its cells wrap and are read one after another


def _wrapped_rows(lines: list[_PdfLine]) -> None:
    """Mark the lines of a table row whose cells wrap and that the parser
    read cell by cell: the text goes back *up* the page to the baseline of a
    line just before it ('Åtgärd som nämnden' / 'ansvarar för' / 'Ansvarig
    nämnd och' / 'förvaltning': the third line is back on the first one's
    baseline). Such a row is the lines from the one it returns to, on as
    long as they stay within the row's height; each is a table row (no
    heading, even when set in bold) and each but the first a 'wrap' of the
    row. Running text only goes down; a second column that starts again at
    the top of the page goes back more than MAX_ROW_LINES lines and is no row."""
    k = 1
    while k < len(lines):
        y, prev = lines[k].y, lines[k - 1].y
        if y is None or prev is None or y >= prev - ROW_EPS:
            k += 1
            continue
        j = next((j for j in range(k - 1, max(-1, k - MAX_ROW_LINES), -1)
                  if lines[j].y is not None and lines[j].y <= y + ROW_EPS), None)
        if j is None or any(ln.y is None for ln in lines[j:k]):
            k += 1
            continue
        top, bottom = lines[j].y, max(ln.y for ln in lines[j:k + 1])
        end = k + 1
        while end < len(lines) and end - j < MAX_ROW_LINES and lines[end].y is not None \
                and top - ROW_EPS <= lines[end].y <= bottom + ROW_EPS:
            end += 1  # a later cell's lines, within the row's height
        for n in range(j, end):
            lines[n].table = True
            lines[n].wrap = lines[n].wrap or n > j
        k = end


def _pdf_marks(pages: list[list[_PdfLine]]) -> list[list[tuple[int, int, str]]]:
    """Per page: 'top'/'bottom' for lines in the margin bands, 'small' for
    lines set smaller than the body text, 'table' for table rows (several
    pieces of one font side by side, or the lines of a row read cell by cell:
    'wrap' on each but its first, see _wrapped_rows), 'sup' for a footnote
    marker set in superscript (the marker's own span, see _superscripts), and
    'hN' for heading lines (N by size rank over the document; a style used
    once, on page 1, is the title: h0). Consecutive heading lines of one style
    are one heading."""
    from index.chunk import is_known_heading

    chars = Counter()
    for lines in pages:
        for ln in lines:
            chars[ln.size] += len(ln.text)
    if not chars:
        return [[] for _ in pages]
    body = chars.most_common(1)[0][0]
    marks: list[list[tuple[int, int, str]]] = [[] for _ in pages]
    heads: list[tuple[int, int, int, tuple]] = []  # (page, start, end, style)
    for p, lines in enumerate(pages):
        prev = None
        for ln in lines:
            if ln.y is not None and ln.y < TOP_BAND:
                marks[p].append((ln.start, ln.end, "top"))
            elif ln.y is not None and ln.y > 1 - BOTTOM_BAND:
                marks[p].append((ln.start, ln.end, "bottom"))
            if 0 < ln.size < body * SMALL_SCALE:
                marks[p].append((ln.start, ln.end, "small"))
            if ln.table:
                marks[p].append((ln.start, ln.end, "table"))
            if ln.wrap:
                marks[p].append((ln.start, ln.end, "wrap"))
            marks[p] += [(a, b, "sup") for a, b in ln.sups]
            style = None
            words = ln.text.split()
            if body > 0 and not ln.table and 1 <= len(words) <= MAX_HEADING_WORDS and len(ln.text) <= 120 \
                    and not ln.text.endswith((".", ",", ";")):
                if ln.size >= body * HEADING_SCALE:
                    style = (ln.size, ln.bold)
                elif ln.bold and ln.size >= body * 0.95:
                    style = (ln.size, True)
            if style and prev is not None and prev[2] == style and ln.start == prev[1] + 1 and not prev[3]:
                heads[-1] = (p, heads[-1][1], ln.end, style)  # a heading wrapped over two lines
            elif style and _HEADING_TEXT.fullmatch(ln.text) and any(c.isalpha() for c in ln.text):
                heads.append((p, ln.start, ln.end, style))
            else:
                style = None
            # a known section heading is whole: the same-style line after it is the next heading
            prev = (ln.start, ln.end, style, is_known_heading(ln.text)) if style else None
    uses = Counter(h[3] for h in heads)
    title = {st for st, n in uses.items() if n == 1 and next(h for h in heads if h[3] == st)[0] == 0}
    ranked = sorted({st for st in uses if st not in title}, key=lambda st: (-st[0], not st[1]))
    level = {st: min(9, i + 1) for i, st in enumerate(ranked)}
    for p, a, b, st in heads:
        marks[p].append((a, b, "h0" if st in title else f"h{level[st]}"))
    for m in marks:
        m.sort()
    return marks


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class _Break:
    """A page break inside a paragraph: one the author made (w:br type=page)
    or where Word last laid out a new page (w:lastRenderedPageBreak)."""

    rendered: bool


_HARD, _RENDERED = _Break(False), _Break(True)


def _paragraph_pieces(p_elm) -> list[str | _Break]:
    """Text of one w:p element, split at its page breaks (_Break items)."""
    out: list[str | _Break] = []
    buf: list[str] = []
    for el in p_elm.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}lastRenderedPageBreak"):
        if el.tag == f"{_W}t":
            buf.append(el.text or "")
        elif el.tag == f"{_W}tab":
            buf.append("\t")
        elif el.tag == f"{_W}lastRenderedPageBreak" or (el.tag == f"{_W}br" and el.get(f"{_W}type") == "page"):
            if buf:
                out.append("".join(buf))
            out.append(_RENDERED if el.tag == f"{_W}lastRenderedPageBreak" else _HARD)
            buf = []
        else:
            buf.append("\n")
    if buf or not out:
        out.append("".join(buf))
    return out


def _docx_pages(data: bytes, path: Path, check=None) -> list[str]:
    """Text of each DOCX page: paragraphs and table rows in document order,
    split where Word shows a new page (see _DocxPages)."""
    return _docx_parse(data, path, check)[0]


_HEADING_STYLE = re.compile(r"(?:heading|rubrik|överskrift)\s*(\d)", re.I)
_TITLE_STYLE = re.compile(r"title|titel|rubrik|dokumentrubrik", re.I)


def _docx_level(block) -> int | None:
    """Heading level of a paragraph: its style ('Heading N' / 'Rubrik N',
    'Title'), an outline level, or a short paragraph set wholly in bold (9)."""
    try:
        style = block.style
        name = (style.name or "").strip() if style is not None else ""
    except Exception:  # noqa: BLE001 - a missing style is no heading
        style, name = None, ""
    if m := _HEADING_STYLE.fullmatch(name):
        return int(m.group(1))
    if _TITLE_STYLE.fullmatch(name):
        return 0
    try:
        lvl = block._p.xpath("./w:pPr/w:outlineLvl/@w:val")
        if not lvl and style is not None:
            lvl = style.element.xpath("./w:pPr/w:outlineLvl/@w:val")
        if lvl and int(lvl[0]) < 9:
            return int(lvl[0]) + 1
    except Exception:  # noqa: BLE001
        pass
    text = block.text.strip()
    if not text or len(text.split()) > MAX_HEADING_WORDS or text.endswith((".", ",", ";")) \
            or not _HEADING_TEXT.fullmatch(text):
        return None
    runs = [r for r in block.runs if r.text.strip()]
    style_bold = bool(style is not None and getattr(style.font, "bold", None))
    if runs and all(r.bold or (r.bold is None and style_bold) for r in runs):
        return 9
    return None


def _docx_block_lines(container) -> list[str]:
    """Lines of a header or footer: its paragraphs and table rows."""
    from docx.table import Table

    out: list[str] = []
    for block in container.iter_inner_content():
        if isinstance(block, Table):
            out += [_table_row(row) for row in block.rows]
        else:
            out += [p for p in _paragraph_pieces(block._p) if isinstance(p, str) and p]
    return [ln for ln in out if ln.strip()]


def _table_row(row) -> str:
    cells, seen = [], set()
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
    return " | ".join(cells)


class _DocxPages:
    """DOCX lines gathered into the pages Word shows.

    A page starts at an explicit page break (w:br type=page: always, so two in
    a row leave a blank page), at 'page break before' and at a section that
    starts on a new page (unless the page is still empty), and where Word last
    rendered a page break (w:lastRenderedPageBreak) unless no text has come
    since the page began: Word writes a rendered break at the top of every
    page, also right after an explicit break, and that is one page, not two.

    A section that starts on an even or odd page (w:type evenPage/oddPage)
    gets a blank page before it when the page after the break has the wrong
    parity; the rendered break Word writes at the top of the section's first
    page is then that same page, not a third one. Word judges parity by the
    page *number*, which a section may restart (w:pgNumType w:start), not by
    the page's place in the file ([MS-OI29500] 2.1.293; LibreOffice goes by
    the place, and so agrees with Word wherever no section restarts its
    numbering). So each page's number is kept (`number`), but only for that:
    pages are cited by their place in the file, 1, 2, 3 … as for a PDF (whose
    reader counts pages, not the numbers printed on them), which is also the
    page a PDF export of the document shows the text on.
    """

    def __init__(self, restarts: dict[int, int] | None = None):
        self.pages: list[list[tuple[str, str]]] = [[]]  # per page: (line, mark kind)
        self.section = [0]  # each page's section
        self.cont = [False]  # whether the page starts inside a paragraph
        self.restarts = restarts or {}  # section -> the number its first page gets (w:pgNumType w:start)
        self.number = [self.restarts.get(0, 1)]  # each page's number as Word counts it (for parity only)

    def _has_text(self) -> bool:
        return any(t.strip() for t, _ in self.pages[-1])

    def _new(self, section: int, cont: bool = False) -> None:
        first = section != self.section[-1] and section in self.restarts  # a section's first page, renumbered
        self.number.append(self.restarts[section] if first else self.number[-1] + 1)
        self.pages.append([])
        self.section.append(section)
        self.cont.append(cont)

    def soft_break(self, section: int) -> None:
        """'Page break before': a new page unless this one is empty."""
        if self.pages[-1]:
            self._new(section)

    def section_start(self, section: int, parity: int | None = None) -> None:
        """A section that starts on a new page (unless this one is empty: it
        starts there); with `parity` (0 even, 1 odd) on a page whose number
        has that parity, after a blank page (the previous section's) if need be."""
        if not self.pages[-1]:
            if len(self.pages) == 1:  # nothing before it: the document's first page
                self.section[0], self.number[0] = section, self.restarts.get(section, self.number[0])
                return
            for pages in (self.pages, self.section, self.cont, self.number):
                pages.pop()  # the empty page is taken again below, as this section's
        if parity is not None:
            number = self.restarts.get(section, self.number[-1] + 1)
            if number % 2 != parity:
                self._new(self.section[-1])  # the page Word leaves blank
        self._new(section)

    def rendered_break(self, section: int, cont: bool = False) -> None:
        """Where Word began a page: a new page unless no text came since the last one began."""
        if self._has_text():
            self._new(section, cont)

    def add(self, line: str, kind: str) -> None:
        self.pages[-1].append((line, kind))

    def paragraph(self, pieces: list[str | _Break], kind: str, section: int) -> None:
        for k, piece in enumerate(pieces):
            if isinstance(piece, str):
                self.add(piece, kind)
                continue
            # the paragraph goes on after the break: one sentence across two pages
            cont = any(isinstance(p, str) and p for p in pieces[:k]) and \
                any(isinstance(p, str) and p for p in pieces[k + 1:])
            if piece.rendered:
                self.rendered_break(section, cont)
            else:
                self._new(section, cont)


def _docx_parse(data: bytes, path: Path, check=None):
    """(page texts, page-relative marks per page, joins): headings from
    paragraph styles, each section's header and footer text at the top and
    bottom of each of its pages (marked 'header'/'footer': index.layout
    takes them out of passages, metadata still reads them), and (page,
    end of the previous page's body, start of this page's body) for a page
    that begins inside a paragraph."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ReadError(path, "DOCX-filen är inte ett giltigt Word-dokument (inte en zip-fil) – spara om som .docx",
                        "DOCX file is not a valid Word document (not a zip file) – re-save it as .docx")
    try:  # python-docx unpacks every part into memory: check the declared sizes first
        unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except Exception:  # a broken zip is reported by the parse below
        unpacked = 0
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        mb, limit = unpacked // (1024 * 1024), MAX_DOCX_UNPACKED_BYTES // (1024 * 1024)
        raise ReadError(path, f"DOCX-filen packas upp till {mb} MB, max är {limit} MB (zip-bomb?) – spara om den i Word",
                        f"DOCX file unpacks to {mb} MB, the limit is {limit} MB (zip bomb?) – re-save it in Word")
    try:
        import docx
        from docx.enum.section import WD_SECTION_START as START
        from docx.table import Table

        document = docx.Document(io.BytesIO(data))
        sections = list(document.sections)
        book = _DocxPages({k: n for k, s in enumerate(sections) if (n := _page_number_start(s)) is not None})
        # how each section starts (section k+1's own sectPr says): on a new page ('page'), on a new even
        # or odd page ('even' / 'odd'), or on the same page (None)
        kinds = {START.NEW_PAGE: "page", START.EVEN_PAGE: "even", START.ODD_PAGE: "odd"}
        new_page = [kinds.get(s.start_type) for s in sections]
        section, section_break = 0, None
        for n, block in enumerate(document.iter_inner_content()):
            if check and n % 64 == 0:
                check()
            if section_break:
                book.section_start(section, {"even": 0, "odd": 1}.get(section_break))
                section_break = None
            if isinstance(block, Table):
                for row in block.rows:
                    if row._tr.xpath(".//w:lastRenderedPageBreak | .//w:br[@w:type='page']"):
                        book.rendered_break(section)  # Word put this row on the next page
                    book.add(_table_row(row), "")
                continue
            if block.paragraph_format.page_break_before:
                book.soft_break(section)
            level = _docx_level(block)
            book.paragraph(_paragraph_pieces(block._p), f"h{level}" if level is not None else "", section)
            if block._p.xpath("./w:pPr/w:sectPr"):
                section += 1
                section_break = new_page[section] if section < len(new_page) else None
        pages, page_section, cont = book.pages, book.section, book.cont
        furniture = _docx_furniture(document, page_section)
    except Exception as e:  # python-docx raises KeyError, lxml errors, ...
        raise ReadError(path, f"DOCX-filen är trasig ({type(e).__name__}) – öppna och spara om den i Word",
                        f"DOCX file is corrupt ({type(e).__name__}) – open and re-save it in Word") from e
    while len(pages) > 1 and not any(t.strip() for t, _ in pages[-1]):
        pages.pop()
    if not any(t.strip() for page in pages for t, _ in page):
        raise ReadError(path, "DOCX-filen innehåller ingen text", "DOCX file contains no text")
    texts, marks, bodies = [], [], []
    for i, page in enumerate(pages):
        head, foot = furniture[i] if i < len(furniture) else ([], [])
        lines = [(t, "header") for t in head] + page + [(t, "footer") for t in foot]
        pos, pm, body = 0, [], []
        for t, kind in lines:
            if kind:
                pm.append((pos, pos + len(t), kind))
            if kind not in ("header", "footer") and t.strip():
                body.append((pos, pos + len(t)))
            pos += len(t) + 1
        texts.append("\n".join(t for t, _ in lines))
        marks.append(pm)
        bodies.append(body)
    joins = [(i, bodies[i - 1][-1][1], bodies[i][0][0]) for i in range(1, len(pages))
             if cont[i] and bodies[i - 1] and bodies[i]]
    return texts, marks, joins


def _page_number_start(section) -> int | None:
    """The number a section's first page gets when the section restarts the
    page numbering (w:pgNumType w:start), else None."""
    value = section._sectPr.xpath("./w:pgNumType/@w:start")
    try:
        return int(value[0]) if value else None
    except ValueError:  # a broken value: Word goes on counting
        return None


def _docx_furniture(document, page_section: list[int]) -> list[tuple[list[str], list[str]]]:
    """(header lines, footer lines) of each page from its section's header
    and footer (the first-page ones on a section's first page when set)."""
    sections = list(document.sections)
    if not sections:
        return []
    out, cache, seen = [], {}, set()
    for sec in page_section:
        sec = min(sec, len(sections) - 1)
        first = sec not in seen
        seen.add(sec)
        key = (sec, first and sections[sec].different_first_page_header_footer)
        if key not in cache:
            s = sections[sec]
            try:
                h, f = (s.first_page_header, s.first_page_footer) if key[1] else (s.header, s.footer)
                cache[key] = (_docx_block_lines(h), _docx_block_lines(f))
            except Exception:  # noqa: BLE001 - a broken header is no reason to refuse the file
                cache[key] = ([], [])
        out.append(cache[key])
    return out


def _join_pages(pages: list[str], marks: list[list[tuple[int, int, str]]] | None = None,
                joins: list[tuple[int, int, int]] = ()) -> tuple[str, tuple[int, ...]] | tuple:
    """Pages joined with PAGE_SEPARATOR and where each starts; with `marks`
    (page-relative) also the marks in document offsets, joins included."""
    starts, pos = [], 0
    for p in pages:
        starts.append(pos)
        pos += len(p) + len(PAGE_SEPARATOR)
    text = PAGE_SEPARATOR.join(pages)
    if marks is None:
        return text, tuple(starts)
    out = [(starts[i] + a, starts[i] + b, k) for i, pm in enumerate(marks) for a, b, k in pm]
    out += [(starts[i - 1] + a, starts[i] + b, "join") for i, a, b in joins]
    return text, tuple(starts), tuple(sorted(out))


# --------------------------------------------------------------------------- public readers


def _parse(data: bytes, path: Path, suffix: str, check=None) -> tuple[str, tuple[int, ...], tuple]:
    """(text, page_starts, marks) of a file's bytes, by suffix (see Document.marks)."""
    if suffix == ".txt":
        text = _decode_text(data, path)
        return text, page_starts_from_text(text), ()
    if suffix == ".pdf":
        pages, marks = _pdf_parse(data, path, check)
        return _join_pages(pages, marks)
    pages, marks, joins = _docx_parse(data, path, check)
    return _join_pages(pages, marks, joins)


def read_text_pages(path) -> tuple[str, tuple[int, ...]]:
    """A .txt file's exact decoded content and its page starts."""
    return _parse(_load_bytes(Path(path)), Path(path), ".txt")[:2]


def read_pdf_pages(path) -> tuple[str, tuple[int, ...]]:
    """A PDF's page texts joined with a blank line, and where each page starts."""
    return _parse(_load_bytes(Path(path)), Path(path), ".pdf")[:2]


def read_docx_pages(path) -> tuple[str, tuple[int, ...]]:
    """A DOCX's text (paragraphs and table rows) and where each page starts."""
    return _parse(_load_bytes(Path(path)), Path(path), ".docx")[:2]


def read_document(path: Path, *, root: Path | None = None, check=None) -> Document:
    """Read one corpus file into a `Document` (meta=None; attached later).
    `check()`, if given, runs between pages (index.budget: raises when the
    file's time budget is spent).

    id = file name stem; source = path relative to `root` when given and the
    file is inside it, else `relative_source(path)`; sha256 of the file bytes.
    Raises ReadError for every problem, never another exception type.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReadError(path, f"filtypen '{suffix or '(ingen)'}' stöds inte – använd {', '.join(SUPPORTED_SUFFIXES)}",
                        f"file type '{suffix or '(none)'}' is not supported – use {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        data = _load_bytes(path)
        text, starts, marks = _parse(data, path, suffix, check)
        source = relative_source(path)
        if root is not None:
            try:
                source = path.resolve().relative_to(Path(root).resolve()).as_posix()
            except ValueError:
                pass
        return Document(id=path.stem, source=source, text=text, page_starts=starts,
                        meta=None, sha256=hashlib.sha256(data).hexdigest(), marks=marks)
    except ReadError:
        raise
    except Exception as e:
        raise ReadError(path, f"oväntat fel vid läsning ({type(e).__name__}: {e})",
                        f"unexpected error while reading ({type(e).__name__}: {e})") from e


def iter_corpus_files(corpus_dir: Path) -> list[Path]:
    """Sorted supported files directly inside `corpus_dir` (not recursive);
    hidden files, Office lock files (~$...) and metadata.yaml are skipped."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise ReadError(corpus_dir, "korpusmappen finns inte – kontrollera corpus_dir",
                        "corpus folder does not exist – check corpus_dir")
    return sorted(
        p for p in corpus_dir.iterdir()
        if p.is_file() and not p.name.startswith((".", "~$")) and p.name.lower() not in _SKIP_NAMES
        and p.suffix.lower() in SUPPORTED_SUFFIXES
    )
