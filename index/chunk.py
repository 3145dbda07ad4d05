"""Section-aware chunking of a (repaired) document into citable `Chunk`s.

The documents share a standard structure (Förslag till beslut, Sammanfattning,
Bakgrund, Ärendets beredning, Ärendet, Förvaltningens synpunkter och förslag,
…). We find those headings first, then split each section with
langchain-text-splitters, so every chunk knows its section, page(s) and its
exact character span in the original source text.
"""

from __future__ import annotations

import hashlib
import re
from typing import Callable

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .settings import ChunkSettings
from .textnorm import fold, normalize_ws
from .types import Chunk, DocMeta, Document

# Canonical section headings of yttranden / tjänsteutlåtanden, longest first so
# "Förvaltningens synpunkter och förslag" wins over "Förvaltningens synpunkter".
SECTION_HEADINGS = sorted(
    [
        "Förslag till beslut",
        "Förvaltningens förslag till beslut",
        "Förvaltningarnas förslag till beslut",
        "Sammanfattning",
        "Bakgrund",
        "Ärendets beredning",
        "Ärendet",
        "Remissen",
        "Underlag för beslut",
        "Förvaltningens synpunkter och förslag",
        "Förvaltningens synpunkter och bedömning",
        "Förvaltningens synpunkter",
        "Förvaltningarnas synpunkter",
        "Förvaltningens bedömning",
        "Synpunkter och förslag",
        "Synpunkter",
        "Beslut",
        "Reservation",
        "Särskilt uttalande",
        "Bilagor",
        "Bilaga",
    ],
    key=len,
    reverse=True,
)
_HEADINGS_FOLDED = {fold(h): h for h in SECTION_HEADINGS}
PREAMBLE = "Inledning"

_LINE = re.compile(r"[^\n]*(?:\n|$)")
_SUBHEADING = re.compile(r"^[A-ZÅÄÖ][\w ,\-–’'åäöÅÄÖé]{2,58}$")


def _canonical_heading(line: str) -> str | None:
    key = fold(line.strip().rstrip(":").strip())
    key = re.sub(r"\s+", " ", key)
    return _HEADINGS_FOLDED.get(key)


def _looks_like_subheading(line: str, prev_blank: bool, next_text: str) -> bool:
    """A short title-like line set off by a blank line (or a page start) before
    it and followed by a paragraph, e.g. 'Teoretiskt ramverk' or 'Samverkan'
    inside 'Synpunkter och förslag'. Signatures ('Svante Borg') and letterheads
    are followed by short lines, not paragraphs, and so are not headings."""
    s = line.strip()
    if not prev_blank or not _SUBHEADING.match(s) or len(s.split()) > 7:
        return False
    if s.endswith((".", ",", ";", ":")) or any(ch.isdigit() for ch in s):
        return False
    return len(next_text) >= 40 and next_text[0].isupper()


def detect_sections(text: str) -> list[tuple[int, str]]:
    """Return (offset, section name) pairs in document order.

    Main headings come from SECTION_HEADINGS (matched on diacritic-folded
    text, so OCR-damaged 'Arendet' is 'Ärendet'); subheadings inside a main
    section become 'Main › Sub'. Text before the first heading is 'Inledning'.
    """
    lines = [(m.start(), m.group()) for m in _LINE.finditer(text) if m.group()]
    out: list[tuple[int, str]] = [(0, PREAMBLE)]
    main = None
    prev_blank = True
    for i, (off, line) in enumerate(lines):
        stripped = line.strip()
        head = _canonical_heading(stripped) if stripped else None
        if head:
            main = head
            out.append((off, head))
        elif stripped and main:
            nxt = next((ln.strip() for _, ln in lines[i + 1 : i + 3] if ln.strip()), "")
            page_start = line.startswith(" ") and not line.startswith("  ")
            if _looks_like_subheading(stripped, prev_blank or page_start, nxt):
                out.append((off, f"{main} › {stripped}"))
        prev_blank = not stripped
    # Drop a preamble of nothing but whitespace.
    if len(out) > 1 and not text[: out[1][0]].strip():
        out.pop(0)
    return out


def embedding_text(text: str) -> str:
    """Text as the models see it: line-break hyphenation joined, whitespace collapsed."""
    text = re.sub(r"(\w)-\s*\n\s*(\w)", lambda m: m.group(1) + m.group(2) if m.group(2).islower() else m.group(0), text)
    return normalize_ws(text)


def _splitter(cfg: ChunkSettings) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=cfg.size,
        chunk_overlap=cfg.overlap,
        separators=["\n\n", ".\n", ". ", "\n", "; ", ", ", " ", ""],
        keep_separator="end",
        strip_whitespace=True,
    )


_NONSPACE = re.compile(r"\S")


def _locate(text: str, pieces: list[str], overlap: int) -> list[tuple[int, int]] | None:
    """Where each splitter piece lies in `text`, or None if no placement fits.

    The splitter's pieces appear in order, each starting after the previous
    one's start, overlapping it by at most `overlap` characters and leaving
    nothing but whitespace uncovered; the last one ends at the text's last
    non-space character. In repetitive text ('0000…', '.....' leaders) a piece
    matches at several places, so this searches (depth first, remembering dead
    ends) for a placement that satisfies all of that."""
    if not pieces:
        return []
    goal = len(text.rstrip())

    def candidates(k: int, prev: tuple[int, int] | None):
        if prev is None:
            lo, at = 0, 0
        else:
            lo, at = max(prev[0] + 1, prev[1] - overlap), prev[1]
        m = _NONSPACE.search(text, at)
        hi = m.start() if m else len(text)  # may not skip past the next non-space character
        s = text.find(pieces[k], lo, hi + len(pieces[k]))
        while 0 <= s <= hi:
            yield s
            s = text.find(pieces[k], s + 1, hi + len(pieces[k]))

    spans: list[tuple[int, int]] = []
    stack = [candidates(0, None)]
    dead: set[tuple[int, int]] = set()
    while stack:
        k = len(stack) - 1  # placing piece k after spans[:k]
        s = next(stack[k], None)
        if s is None:  # piece k fits nowhere after spans[k-1]: that placement was a dead end
            stack.pop()
            if spans:
                dead.add((k - 1, spans.pop()[0]))
            continue
        if (k, s) in dead:
            continue
        e = s + len(pieces[k])
        if k == len(pieces) - 1:
            if e == goal:
                return spans + [(s, e)]
            dead.add((k, s))
            continue
        spans.append((s, e))
        stack.append(candidates(k + 1, (s, e)))
    return None


def split_spans(text: str, cfg: ChunkSettings) -> list[tuple[int, int]]:
    """Split `text` into chunk spans [(start, end)] using the langchain splitter,
    locating each piece in the text so spans are exact."""
    pieces = _splitter(cfg).split_text(text)
    located = _locate(text, pieces, cfg.overlap)
    if located is not None:
        return located
    spans: list[tuple[int, int]] = []  # fallback (not seen in practice): first match after the previous start
    cursor = 0
    for piece in pieces:
        start = text.find(piece, cursor)
        if start < 0:
            start = text.find(piece)
            if start < 0:
                continue
        spans.append((start, start + len(piece)))
        cursor = start + 1
    return spans


def chunk_id(doc_id: str, text: str, occurrence: int) -> str:
    h = hashlib.sha1(f"{doc_id}\x00{occurrence}\x00{text}".encode("utf-8")).hexdigest()
    return h[:16]


def chunk_document(
    doc: Document,
    cfg: ChunkSettings,
    *,
    display_text: str | None = None,
    to_original: Callable[[int, int], tuple[int, int]] | None = None,
    meta: DocMeta | None = None,
    check: Callable[[], None] | None = None,
) -> list[Chunk]:
    """Chunk one document.

    `display_text` is the text to chunk and show (the OCR-repaired text, or
    the original when none); `to_original` maps a span of it back to the
    original `doc.text` (identity when omitted). `check()`, if given, runs
    before each section (index.budget: raises when the time budget is spent).
    """
    text = doc.text if display_text is None else display_text
    to_original = to_original or (lambda a, b: (a, b))
    meta = meta or doc.meta or DocMeta(doc_id=doc.id)
    sections = detect_sections(text)
    bounds = [off for off, _ in sections[1:]] + [len(text)]
    seen: dict[str, int] = {}
    chunks: list[Chunk] = []
    for (sec_start, name), sec_end in zip(sections, bounds):
        if check:
            check()
        body = text[sec_start:sec_end]
        for a, b in split_spans(body, cfg):
            a, b = sec_start + a, sec_start + b
            piece = text[a:b]
            oa, ob = to_original(a, b)
            occ = seen.get(piece, 0)
            seen[piece] = occ + 1
            chunks.append(
                Chunk(
                    id=chunk_id(doc.id, piece, occ),
                    doc_id=doc.id,
                    source=doc.source,
                    text=piece,
                    original=doc.text[oa:ob],
                    start=oa,
                    end=ob,
                    page=doc.page_of(oa),
                    page_end=doc.page_of(max(oa, ob - 1)),
                    section=name,
                    title=meta.title,
                    namnd=meta.namnd,
                    doc_type=meta.doc_type,
                    period=meta.period,
                    year=meta.year,
                    date=meta.date,
                    dnr=meta.dnr,
                )
            )
    return chunks
