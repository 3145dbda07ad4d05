"""Reading source files (.txt, .pdf, .docx) into `Document`s.

The parsing is pure (bytes in, text + page starts out); file IO happens only in
`_load_bytes`. Every problem with an input file is reported as a `ReadError`
whose message is one bilingual line (Swedish / English) saying what is wrong
and how to fix it, so ingest can list failures without tracebacks.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from pathlib import Path

from index.settings import relative_source
from index.types import Document

SUPPORTED_SUFFIXES = (".txt", ".pdf", ".docx")
MAX_FILE_BYTES = 100 * 1024 * 1024  # refuse files above 100 MB
MAX_PDF_PAGES = 5_000
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
        pages = []
        for page in reader.pages:
            if check:
                check()
            pages.append(page.extract_text() or "")
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
    return pages


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _paragraph_pieces(p_elm) -> list[str | None]:
    """Text of one w:p element; None marks an explicit page break."""
    out: list[str | None] = []
    buf: list[str] = []
    for el in p_elm.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        if el.tag == f"{_W}t":
            buf.append(el.text or "")
        elif el.tag == f"{_W}tab":
            buf.append("\t")
        elif el.tag == f"{_W}br" and el.get(f"{_W}type") == "page":
            out += ["".join(buf), None] if buf else [None]
            buf = []
        else:
            buf.append("\n")
    if buf or not out:
        out.append("".join(buf))
    return out


def _docx_pages(data: bytes, path: Path, check=None) -> list[str]:
    """Text of each DOCX page: paragraphs and table rows in document order,
    split at explicit page breaks (w:br type=page, 'page break before')."""
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
        from docx.table import Table

        document = docx.Document(io.BytesIO(data))
        pages: list[list[str]] = [[]]
        for n, block in enumerate(document.iter_inner_content()):
            if check and n % 64 == 0:
                check()
            if isinstance(block, Table):
                for row in block.rows:
                    cells, seen = [], set()
                    for cell in row.cells:
                        if id(cell._tc) not in seen:
                            seen.add(id(cell._tc))
                            cells.append(" ".join(cell.text.split()))
                    pages[-1].append(" | ".join(cells))
                continue
            if block.paragraph_format.page_break_before and pages[-1]:
                pages.append([])
            for piece in _paragraph_pieces(block._p):
                if piece is None:
                    pages.append([])
                else:
                    pages[-1].append(piece)
    except Exception as e:  # python-docx raises KeyError, lxml errors, ...
        raise ReadError(path, f"DOCX-filen är trasig ({type(e).__name__}) – öppna och spara om den i Word",
                        f"DOCX file is corrupt ({type(e).__name__}) – open and re-save it in Word") from e
    texts = ["\n".join(lines) for lines in pages]
    while len(texts) > 1 and not texts[-1].strip():
        texts.pop()
    if not any(t.strip() for t in texts):
        raise ReadError(path, "DOCX-filen innehåller ingen text", "DOCX file contains no text")
    return texts


def _join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    starts, pos = [], 0
    for p in pages:
        starts.append(pos)
        pos += len(p) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(pages), tuple(starts)


# --------------------------------------------------------------------------- public readers


def _parse(data: bytes, path: Path, suffix: str, check=None) -> tuple[str, tuple[int, ...]]:
    """(text, page_starts) of a file's bytes, by suffix."""
    if suffix == ".txt":
        text = _decode_text(data, path)
        return text, page_starts_from_text(text)
    return _join_pages((_pdf_pages if suffix == ".pdf" else _docx_pages)(data, path, check))


def read_text_pages(path) -> tuple[str, tuple[int, ...]]:
    """A .txt file's exact decoded content and its page starts."""
    return _parse(_load_bytes(Path(path)), Path(path), ".txt")


def read_pdf_pages(path) -> tuple[str, tuple[int, ...]]:
    """A PDF's page texts joined with a blank line, and where each page starts."""
    return _parse(_load_bytes(Path(path)), Path(path), ".pdf")


def read_docx_pages(path) -> tuple[str, tuple[int, ...]]:
    """A DOCX's text (paragraphs and table rows) and where each page starts."""
    return _parse(_load_bytes(Path(path)), Path(path), ".docx")


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
        text, starts = _parse(data, path, suffix, check)
        source = relative_source(path)
        if root is not None:
            try:
                source = path.resolve().relative_to(Path(root).resolve()).as_posix()
            except ValueError:
                pass
        return Document(id=path.stem, source=source, text=text, page_starts=starts,
                        meta=None, sha256=hashlib.sha256(data).hexdigest())
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
