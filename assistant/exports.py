"""Small helpers shared by the downloads (comparison CSV/xlsx, draft .docx):
how a source file is named to a user, readable file names, and tables in the
forms Swedish Excel opens as they are.

Pure except `write_xlsx`'s file write.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path, PurePosixPath
from typing import Sequence

from .render import csv_cell

MAX_STEM_CHARS = 60
CSV_DELIMITER = ";"  # what Excel with Swedish regional settings splits on (',' is the decimal sign)
CSV_ENCODING = "utf-8-sig"  # the BOM makes Excel read UTF-8 (å/ä/ö) instead of the ANSI code page

_DRIVE = re.compile(r"^[A-Za-z]:")
_XLSX_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not storable in OOXML


def display_source(source: str) -> str:
    """A document's source as shown to users: 'corpus/<file>' (the path inside
    the corpus folder), never a server path. 'corpus/a.txt' stays;
    '/tmp/x/corpus/a.txt' and 'C:\\data\\corpus\\a.txt' -> 'corpus/a.txt'; an
    absolute path outside any 'corpus' folder keeps only its file name; a path
    relative to the corpus folder gets 'corpus/' in front."""
    s = str(source or "").replace("\\", "/").strip()
    parts = [p for p in PurePosixPath(s).parts if p not in ("/", ".", "")]
    if _DRIVE.match(s):
        parts = parts[1:]
    if not parts:
        return ""
    if "corpus" in parts[:-1]:
        rest = parts[len(parts) - parts[::-1].index("corpus"):]
    elif s.startswith("/") or _DRIVE.match(s) or ".." in parts:
        rest = parts[-1:]
    else:
        rest = parts
    return "corpus/" + "/".join(rest)


def file_stem(prefix: str, text: str, fallback: str, max_chars: int = MAX_STEM_CHARS) -> str:
    """A readable file name stem from user text, cut between words, never in
    one: 'yttrande_Stockholms_stads_trygghetsprogram_2028_2031'. Letters such
    as å/ä/ö are kept; anything else between words becomes '_'. A single word
    longer than `max_chars` is the only thing ever cut."""
    words = [w for w in re.split(r"[\W_]+", text or "") if w]
    kept: list[str] = []
    n = 0
    for w in words:
        add = len(w) + (1 if kept else 0)
        if n + add > max_chars:
            break
        kept.append(w)
        n += add
    if not kept and words:
        kept = [words[0][:max_chars]]
    return f"{prefix}_{'_'.join(kept) or fallback}"


def excel_csv(header: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    """A table as Swedish Excel opens it by double-click: ';'-separated,
    UTF-8 with BOM, CRLF line ends, every field that needs it quoted; cells
    that could start a formula are neutralised (render.csv_cell)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    w.writerow([csv_cell(h) for h in header])
    for r in rows:
        w.writerow([csv_cell(x) for x in r])
    return buf.getvalue().encode(CSV_ENCODING)


def _xlsx_value(x):
    if x is None:
        return None
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return x
    return _XLSX_BAD.sub("", str(x))


def write_xlsx(path: Path, sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence]]], *,
               title: str = "", widths: dict[str, float] | None = None) -> Path:
    """Write an .xlsx: one sheet per (name, header, rows); bold, frozen header
    row with a filter, wrapped text. Every string is stored as text, so a
    document's '=…' is never a formula. `widths` maps header -> column width."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for name, header, rows in sheets:
        ws = wb.create_sheet(re.sub(r"[\[\]:*?/\\]", "", name)[:31] or "Blad")
        ws.append([_xlsx_value(h) for h in header])
        for r in rows:
            ws.append([_xlsx_value(x) for x in r])
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even when it starts with '='
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        if ws.max_row > 1:
            ws.auto_filter.ref = ws.dimensions
        for i, h in enumerate(header, start=1):
            ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(h, 16)
    wb.properties.title = _xlsx_value(title)[:255] if title else None
    wb.properties.creator = "yttra"
    wb.save(str(path))
    return Path(path)
