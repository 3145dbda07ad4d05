"""Section-aware chunking of a (repaired) document into citable `Chunk`s.

Sections come from the parser where it knows them (PDF headings by font size
and weight, DOCX heading styles: `headings`), and from the heading taxonomy
(index/headings.yaml: Förslag till beslut, Sammanfattning, Bakgrund, Ärendets
beredning, Ärendet, Förvaltningens synpunkter och förslag, …) plus short
title-like lines otherwise. Each section is split with
langchain-text-splitters, so every chunk knows its section, page(s) and its
exact character span in the original source text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable, Sequence

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .settings import ChunkSettings
from .textnorm import fold, normalize_ws
from .types import Chunk, DocMeta, Document


@dataclass(frozen=True)
class HeadingTaxonomy:
    """The section headings of index/headings.yaml. `families` pairs a draft
    section (in draft order) with the headings that count as it; `other` are
    sections of their own; `preamble` names the text before the first one."""

    families: tuple[tuple[str, tuple[str, ...]], ...]
    other: tuple[str, ...]
    preamble: str
    contents: tuple[str, ...] = ()  # titles over a table of contents ('Innehåll'), no sections
    dissent: tuple[str, ...] = ()  # sections of `other` where members record a view of their own ('Reservation')
    author_forms: tuple[tuple[str, tuple[str, ...]], ...] = ()  # generic author <- folded word ends ('kontorets')
    decision: tuple[str, ...] = ()  # sections of `other` that record a minute's decision ('Beslut')

    def is_contents_title(self, line: str) -> bool:
        """A line that titles a table of contents (folded, case and a trailing colon ignored)."""
        key = re.sub(r"\s+", " ", fold(line.strip().rstrip(":").strip()))
        return any(key == re.sub(r"\s+", " ", fold(t)) for t in self.contents)

    def __post_init__(self):
        folded = {re.sub(r"\s+", " ", fold(h)): h for h in self.headings}
        object.__setattr__(self, "_folded", folded)
        object.__setattr__(self, "_longest", max(map(len, folded), default=0))

    @property
    def headings(self) -> tuple[str, ...]:
        """Every heading, longest first ('Förvaltningens synpunkter och
        förslag' is tried before 'Förvaltningens synpunkter')."""
        every = [h for _, hs in self.families for h in hs] + list(self.other)
        return tuple(sorted(dict.fromkeys(every), key=len, reverse=True))

    @property
    def family_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.families)

    def canonical(self, line: str) -> str | None:
        """The heading a line is (folded, case and a trailing colon ignored), or None. A heading that names
        its author ('Trafikkontorets synpunkter') is the generic one ('Förvaltningens synpunkter'; `author_forms`)."""
        line = line.strip().rstrip(":").strip()
        if len(line) > 2 * self._longest:  # (cheap) far too long to be a heading, whatever its spacing
            return None
        key = re.sub(r"\s+", " ", fold(line))
        return self._folded.get(key) or self._folded.get(self._generic_author(key), None)

    def names_author(self, line: str) -> bool:
        """Is the line a listed heading only with its own author in it ('Trafikkontorets synpunkter')?"""
        key = re.sub(r"\s+", " ", fold(line.strip().rstrip(":").strip()))
        return key not in self._folded and self.canonical(line) is not None

    def _generic_author(self, key: str) -> str:
        first, _, rest = key.partition(" ")
        if not rest:
            return ""
        low = first.lower()
        for generic, ends in self.author_forms:
            if low.endswith(ends):
                return fold(generic) + " " + rest
        return ""

    def is_dissent(self, section: str) -> bool:
        """Is a section ('Main › Sub') one where members record a view of their own (`dissent`)?"""
        return self.canonical((section or "").split(" › ")[-1]) in self.dissent

    def is_decision(self, section: str) -> bool:
        """Is a section one under which a minute records its decision (`decision`: 'Beslut')?"""
        return self.canonical((section or "").split(" › ")[0]) in self.decision

    def family(self, section: str) -> str | None:
        """The draft section a heading (or a 'Main › Sub' section name) belongs to, or None."""
        h = self.canonical((section or "").split(" › ")[0])
        return next((fam for fam, hs in self.families if h in hs), None) if h else None


@lru_cache(maxsize=1)
def heading_taxonomy() -> HeadingTaxonomy:
    """index/headings.yaml, loaded once: the one heading taxonomy shared by
    chunking, metadata and drafting."""
    import yaml

    data = yaml.safe_load(resources.files("index").joinpath("headings.yaml").read_text(encoding="utf-8"))
    fams = tuple((str(k), tuple(str(h) for h in v)) for k, v in (data.get("families") or {}).items())
    other = tuple(str(h) for h in data.get("other") or ())
    contents = tuple(str(h) for h in data.get("contents") or ())
    dissent = tuple(str(h) for h in data.get("dissent") or ())
    authors = tuple((str(k), tuple(fold(str(e)) for e in v)) for k, v in (data.get("author_forms") or {}).items())
    decision = tuple(str(h) for h in data.get("decision") or ())
    return HeadingTaxonomy(fams, other, str(data.get("preamble") or "Inledning"), contents, dissent, authors, decision)


SECTION_HEADINGS = list(heading_taxonomy().headings)
PREAMBLE = heading_taxonomy().preamble

_LINE = re.compile(r"[^\n]*(?:\n|$)")
_SUBHEADING = re.compile(r"^[A-ZÅÄÖ][\w ,\-–’'åäöÅÄÖé]{2,58}$")
MAX_DEPTH = 3  # section names nest at most 'Chapter › Section › Subsection'


def _canonical_heading(line: str) -> str | None:
    return heading_taxonomy().canonical(line)


def is_known_heading(line: str) -> bool:
    """A line that is a heading of the taxonomy (never page furniture)."""
    return _canonical_heading(line) is not None


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


def detect_sections(text: str, headings: Sequence[tuple[int, int, int]] | None = None) -> list[tuple[int, str]]:
    """Return (offset, section name) pairs in document order.

    With `headings` from the parser ((start, end, level) spans of `text`,
    level 0 a title) those are the sections: the shallowest level present is
    the main one, deeper ones nest as 'Main › Sub'; a taxonomy heading the
    parser did not mark still starts a main section. Without them, main
    headings come from the taxonomy (matched on diacritic-folded text, so
    OCR-damaged 'Arendet' is 'Ärendet') and short title-like lines inside a
    main section become 'Main › Sub'. Text before the first heading is
    'Inledning'.
    """
    marked = [(a, b, lvl) for a, b, lvl in (headings or ()) if lvl >= 1 and text[a:b].strip()]
    if marked:
        out = _parser_sections(text, marked)
    else:
        out = _heuristic_sections(text)
    # Drop a preamble of nothing but whitespace.
    if len(out) > 1 and not text[: out[1][0]].strip():
        out.pop(0)
    return out


def _line_start(text: str, off: int) -> int:
    return text.rfind("\n", 0, off) + 1


def _parser_sections(text: str, marked: list[tuple[int, int, int]]) -> list[tuple[int, str]]:
    heads = {_line_start(text, a): (" ".join(text[a:b].split()).rstrip(":").strip(), lvl) for a, b, lvl in marked}
    main_level = min(lvl for _, lvl in heads.values())
    for m in _LINE.finditer(text):  # taxonomy headings the parser did not mark
        line = m.group().strip()
        if line and m.start() not in heads and _canonical_heading(line):
            heads[m.start()] = (line, main_level)
    out: list[tuple[int, str]] = [(0, PREAMBLE)]
    stack: list[tuple[int, str]] = []  # (level, name)
    for off in sorted(heads):
        name, lvl = heads[off]
        name = _canonical_heading(name) or name
        if _canonical_heading(name):
            lvl = min(lvl, main_level)
        while stack and stack[-1][0] >= lvl:
            stack.pop()
        stack.append((lvl, name))
        out.append((off, " › ".join(n for _, n in stack[-MAX_DEPTH:])))
    return out


def _heuristic_sections(text: str) -> list[tuple[int, str]]:
    lines = [(m.start(), m.group()) for m in _LINE.finditer(text) if m.group()]
    out: list[tuple[int, str]] = [(0, PREAMBLE)]
    main = None
    prev_blank = True
    for i, (off, line) in enumerate(lines):
        stripped = line.strip()
        head = _canonical_heading(stripped) if stripped else None
        if head:
            # (a heading with its author named keeps the document's words: 'Trafikkontorets synpunkter')
            main = stripped.rstrip(":").strip() if heading_taxonomy().names_author(stripped) else head
            out.append((off, main))
        elif stripped and main:
            nxt = next((ln.strip() for _, ln in lines[i + 1 : i + 3] if ln.strip()), "")
            page_start = line.startswith(" ") and not line.startswith("  ")
            if _looks_like_subheading(stripped, prev_blank or page_start, nxt):
                out.append((off, f"{main} › {stripped}"))
        prev_blank = not stripped
    return out


_LINE_END_HYPHEN = re.compile(r"(\S*\w)-[ \t]*\n\s*(\w+)")


def embedding_text(text: str) -> str:
    """Text as the models see it: a word hyphenated at a line end joined by
    the rule index.layout joins it by ('brottsföre-' + 'byggande' is one
    word; a suspended compound 'trygghets-' + 'och' and a hyphen the word
    keeps, 'Spånga-' + 'Tensta', stay apart: the same tokens either way),
    whitespace collapsed."""
    from .layout import hyphen_join

    def join(m: re.Match) -> str:
        return m.group(1) + m.group(2) if hyphen_join(m.group(1) + "-", m.group(2)) == "-" else m.group(0)

    return normalize_ws(_LINE_END_HYPHEN.sub(join, text))


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
    placed = _place(text, pieces, overlap)
    if placed is None:
        # a piece the next one starts with may add nothing (the splitter's overlap can make the next piece begin
        # where it begins, in text of little but page furniture): then the longer one stands for both
        fewer = [p for i, p in enumerate(pieces)
                 if not (i + 1 < len(pieces) and len(pieces[i + 1]) > len(p) and pieces[i + 1].startswith(p))]
        if fewer != pieces:
            placed = _place(text, fewer, overlap)
    return placed


def _place(text: str, pieces: list[str], overlap: int) -> list[tuple[int, int]] | None:
    """`_locate`'s depth-first placement of the pieces as they are."""
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
    headings: Sequence[tuple[int, int, int]] | None = None,
) -> list[Chunk]:
    """Chunk one document.

    `display_text` is the text to chunk and show (the cleaned, OCR-repaired
    text, or the original when none); `to_original` maps a span of it back to
    the original `doc.text` (identity when omitted). `headings` are the
    parser's heading spans of the display text ((start, end, level); see
    detect_sections). `check()`, if given, runs before each section
    (index.budget: raises when the time budget is spent).
    """
    text = doc.text if display_text is None else display_text
    to_original = to_original or (lambda a, b: (a, b))
    meta = meta or doc.meta or DocMeta(doc_id=doc.id)
    sections = detect_sections(text, headings)
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
