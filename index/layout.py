"""Page furniture out, text across page breaks joined: a pure function over the
page texts of a document.

Extracted PDFs (and DOCX with headers/footers) carry, on every page, text that
is not part of what the document says: running headers and letterheads
('STOCKHOLMS STAD / Socialförvaltningen / Tjänsteutlåtande / Dnr …'), page
numbers ('Sida 2 (4)', '2 (4)', 'Sida 2 av 4', a bare '2'), footers with
address, phone and organisation number. Spliced into passages they end up in
quotes and cut sentences that cross a page break in two.

`clean_layout(text, page_starts, marks)` finds that furniture and returns:
  * `text`: the document without it; a page break that falls inside a sentence
    is joined with a space (a word hyphenated across it, 'trygg-' + 'het',
    with nothing), other page breaks become a paragraph break; bullet lists
    stay one item a line. Lines inside a page are left as they are, but for
    a word hyphenated at a line end, joined by the same rule
    ('brottsföre-' + 'byggande': a quote and the search read the whole word;
    a suspended compound 'trygghets-' + 'och' stays), and footnote markers
    glued to a word ('arbete³', extracted 'arbete3'), left out. A clean
    plain-text document without hyphenated line ends comes out verbatim;
  * a span map from the cleaned text back to the original (`to_original_span`),
    so chunks keep exact pages (a passage across a page break is 'N–N+1') and
    their original slice;
  * the furniture lines removed (`furniture`), so metadata can read dnr, date
    and förvaltning from them;
  * the parser's heading marks mapped into the cleaned text (`headings`).

How furniture is recognised (no strings of any particular template):
  * a line near the top or bottom edge of a page (within its first/last
    EDGE_LINES lines, reached from the edge through furniture and at most
    MAX_GAP other short lines) whose normalised form (folded, digits as '#')
    recurs at the page edges of at least 60 % of the pages (or of two pages,
    for lines the parser placed in the top/bottom margin band; three when the
    line reads like running text; or, for a pair of heads that alternate on
    facing pages, of 60 % of the odd and of the even pages: _alternating); OCR-varied forms of one line count as one
    (not those of a table row in the text area: rows differ in a word or two);
  * page-number lines at a page edge: 'Sida N (M)', 'Sida N av M', 'N (M)',
    'N/M', and bare numbers that follow the page order;
  * in documents of two or more pages, address/phone/e-mail/org-number lines
    in the run at the very bottom of a page, and small print in a page's
    top/bottom margin band (PDF positions) reached from the edge through
    furniture only (a first-page letterhead that the other pages lack);
  * text the parser knows is furniture (DOCX headers and footers: marks);
  * a table's header row repeated at the top of a page its table runs on to
    (a PDF table row, first under the page's furniture, the previous page
    ending in table rows, the same row earlier): 'table-header'. A header row
    whose cells wrap reads as several lines (the cells' first lines side by
    side, the wrapped rests one by one): the lines around the row that read
    line for line as those where the table began go with it. Where the
    table begins, the row is content, the column names (no section
    headings, even set in bold on lines of their own), and is kept even when
    it recurs often enough to count as a running line; only a row in page 1's
    top margin band, where letterheads are, stays furniture.
    A header row with no line of cells side by side (every cell wraps): the
    lines a continued table's page starts with, read line for line as those
    right above the row where it began. Under a single repeat a table row
    under the header is taken only when the reader marked it a later line
    of the same row ('wrap');
  * a letterhead on the first page only (no repeat finds it): the run from
    the page's top edge of lines in the top margin band or in small print,
    no running text or heading, when some of it is small print: 'margin';
  * a table of contents: three or more entries with dot leaders to a page
    number on a page, and the short line over them ('Innehåll'): 'contents';
    entries without leaders ('Inledning      3') under a contents title of
    index/headings.yaml, or listing headings that follow, too;
  * footnotes: the small print that ends a page's content, from a line that
    opens with a marker ('3 Brå, NTU 2027.'), when a superscript marker in
    the text above cites it: 'footnote'. Out of the running text (a sentence
    that runs on to the next page joins over them; a quote never has a note
    in its middle) and kept, with page and span, in `furniture` /
    `footnotes` for provenance. (Moving a note behind its paragraph would
    give it a span and page that are not where it stands.)
Numbered headings set like the body text ('3.2 Trygghet i offentlig miljö',
no bold, or typed in a DOCX's Normal style) become heading marks when the
numbers follow one another as an outline (see _outline).
A single-page document only loses clear page numbers. A line that occurs once
(a title block, a signature; in a plain-text file also a one-off letterhead),
headings of the taxonomy and headings the parser set inside the text area are
kept.

`marks` are (start, end, kind) spans of the original text given by the reader
(Document.marks): 'h0'…'h9' headings (level; h0 a title), 'top'/'bottom' a
line in the page's top/bottom margin band, 'small' a line set smaller than
the body and 'table' a table row (PDF; 'wrap' a later line of the same
row, its cells read one after another), 'header'/'footer' parser-known
furniture, 'join' a page break inside one paragraph (DOCX).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Sequence

from .textnorm import fold

EDGE_LINES = 16  # how far from a page edge furniture is looked for (non-blank lines)
MAX_GAP = 2  # other (kept) short lines the walk from the edge may step over
REPEAT_SHARE = 0.6  # share of pages a running line must recur on
MAX_FURNITURE_CHARS = 160  # longer lines are prose, never furniture
FUZZY_RATIO = 0.88  # similarity for OCR-varied repeats of a running line
FUZZY_MAX_PAGES = 400  # above this, repeats must match exactly (bounded work)
MAX_FUZZY_KEYS = 300  # representatives OCR-varied lines are grouped with (bounded work)
MAX_HEADER_LINES = 8  # lines a table's header row may take when its cells wrap
MIN_CONTENTS_LINES = 3  # entries with dot leaders on one page that make a table of contents
MAX_OUTLINE_WORDS = 12  # words a numbered heading may have

_PN_CLEAR = re.compile(r"(?:sida|sid|page|s\.)\s*(\d{1,4})\s*(?:\(\s*(\d{1,4})\s*\)|(?:av|of|/)\s*(\d{1,4}))?\.?",
                       re.I)
_PN_PAIR = re.compile(r"(\d{1,4})\s*(?:\(\s*(\d{1,4})\s*\)|/\s*(\d{1,4})|av\s+(\d{1,4}))", re.I)
_PN_BARE = re.compile(r"[-–—]?\s*(\d{1,4})\s*[-–—]?")
_CONTACT = re.compile(
    r"(?:\b(?:telefon|tfn|tel|vaxel|fax|mobil|e-?post|epost|besoksadress|postadress|besok|org\.?\s*nr"
    r"|organisationsnummer|orgnr)\b"
    r"|@|\bwww\.|\b[\w-]+\.(?:se|com|nu|org)\b"
    r"|\bbox\s+\d"
    r"|\b\d{3}\s?\d{2}\s+[a-z]{3,}"  # postcode + town
    r"|\b\d{6}-\d{4}\b"  # organisation number
    r"|(?:\+46|\b0\d{1,3})[\s-]?\d{2,3}[\s-]?\d{2}[\s-]?\d{2,3}\b)")  # phone number
_BULLET = re.compile(r"(?:[•●▪◦·‣∙*■□➢►–—-]|\d{1,2}[.)]|[a-zåäö][)])\s")
_DIGITS = re.compile(r"\d+")
_NON_KEY = re.compile(r"[^\w#]+")
_CONTENTS_ENTRY = re.compile(r"\S.*?\s*(?:(?:\.\s?){4,}|…+|(?:·\s?){4,}|_{4,})\s*\d{1,4}")
_CONTENTS_PLAIN = re.compile(r"(\S.*?\S)[ \t\u00a0]+(\d{1,4})")  # 'Inledning      3': no leaders
_FOOTNOTE = re.compile(r"(\d{1,3}|[*†‡]{1,3})(?!\d)\s*[^\s\d.,:;)\]]")  # '3 Stockholms stads …', '* Se …'

_OUTLINE = re.compile(r"(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-ZÅÄÖÉÜ][^\n]{1,100})")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
# words after which a line-end hyphen is a suspended compound ('trygghets- och
# säkerhetsarbete'), not a hyphenated word
_SUSPENDED = frozenset({"och", "eller", "samt", "respektive", "resp", "liksom", "som", "men", "till", "utan"})


@dataclass(frozen=True)
class Furniture:
    """One removed line: page (1-based), its span in the original text, its
    text and why it was removed ('page-number' | 'running' | 'contact' |
    'margin' | 'header' | 'footer' | 'table-header' | 'contents' |
    'footnote')."""

    page: int
    start: int
    end: int
    text: str
    kind: str


class SpanMap:
    """Maps positions through sorted, non-overlapping edits (a_start, a_end,
    b_start, b_end): text outside edits shifts; a position strictly inside an
    edit snaps outward (start to its start, end to its end), so a span that
    touches an edit covers it whole. A start at a deletion (empty target)
    maps past it, an end at one before it: a passage never begins or ends
    with removed furniture."""

    def __init__(self, edits: Sequence[tuple[int, int, int, int]]):
        self.edits = list(edits)
        self.starts = [e[0] for e in self.edits]

    def pos(self, p: int, is_end: bool) -> int:
        j = bisect.bisect_left(self.starts, p)  # edits[:j] start before p
        if j and p < self.edits[j - 1][1]:
            a, b, c, d = self.edits[j - 1]
            return d if is_end else c
        if j < len(self.edits) and self.edits[j][0] == p:
            a, b, c, d = self.edits[j]
            if a == b and not is_end:  # an empty source span (an insertion): start after it
                return d
            return c
        if j:
            a, b, c, d = self.edits[j - 1]
            return p - b + d
        return p

    def map(self, start: int, end: int) -> tuple[int, int]:
        s, e = self.pos(start, False), self.pos(end, True)
        return s, max(s, e)


@dataclass(frozen=True)
class Layout:
    """The cleaned text of a document and how it relates to the original."""

    text: str
    edits: tuple[tuple[int, int, int, int], ...] = ()  # (orig_a, orig_b, clean_a, clean_b)
    furniture: tuple[Furniture, ...] = ()
    headings: tuple[tuple[int, int, int], ...] = ()  # (start, end, level) in the cleaned text
    joined: tuple[int, ...] = ()  # pages (1-based) whose first line continues the previous page

    def to_original_span(self, start: int, end: int) -> tuple[int, int]:
        """[start, end) of the cleaned text -> span of the original text."""
        return self._to_original.map(start, end)

    def to_clean_span(self, start: int, end: int) -> tuple[int, int]:
        """[start, end) of the original text -> span of the cleaned text."""
        return self._to_clean.map(start, end)

    def title(self) -> str:
        """The document title the parser marked (level 0), or ''."""
        return next((" ".join(self.text[a:b].split()) for a, b, lvl in self.headings if lvl == 0), "")

    @property
    def furniture_lines(self) -> list[str]:
        """The distinct removed lines in document order (for metadata; a
        table's repeated header row, a table of contents and footnotes are no
        letterhead and are left out)."""
        return list(dict.fromkeys(" ".join(f.text.split()) for f in self.furniture
                                  if f.kind not in ("table-header", "contents", "footnote")))

    @property
    def footnotes(self) -> list[Furniture]:
        """The footnotes taken out of the running text, each line with its
        page and span of the original text (provenance)."""
        return [f for f in self.furniture if f.kind == "footnote"]

    # the maps are built once per Layout; cached in the instance __dict__
    @property
    def _to_original(self) -> SpanMap:
        m = self.__dict__.get("_m_orig")
        if m is None:
            m = SpanMap([(c, d, a, b) for a, b, c, d in self.edits])
            object.__setattr__(self, "_m_orig", m)
        return m

    @property
    def _to_clean(self) -> SpanMap:
        m = self.__dict__.get("_m_clean")
        if m is None:
            m = SpanMap(list(self.edits))
            object.__setattr__(self, "_m_clean", m)
        return m


# --------------------------------------------------------------------------- lines


@dataclass
class _Line:
    page: int  # 0-based
    start: int  # offset of the first non-space character
    end: int  # offset after the last non-space character
    text: str  # stripped
    kinds: frozenset = frozenset()
    key: str = ""
    why: str = ""  # furniture kind when removed, else ""
    sups: tuple[tuple[int, int], ...] = ()  # superscript footnote markers in the line (reader's 'sup')


def _lines(text: str, page_starts: Sequence[int]) -> list[_Line]:
    out: list[_Line] = []
    bounds = list(page_starts) + [len(text)]
    for p in range(len(page_starts)):
        pos, stop = bounds[p], bounds[p + 1]
        while pos < stop:
            nl = text.find("\n", pos, stop)
            end = stop if nl < 0 else nl
            seg = text[pos:end]
            s = len(seg) - len(seg.lstrip(" \t\r\f\v\u00a0"))
            e = len(seg.rstrip(" \t\r\f\v\u00a0"))
            if e > s:
                out.append(_Line(p, pos + s, pos + e, seg[s:e]))
            pos = end + 1
    return out


_FOLD = str.maketrans("åäöéèüáàÅÄÖÉÈÜÁÀ", "aaoeeuaaaaoeeuaa")


def _fold(line: str) -> str:
    """textnorm.fold, fast for the usual Swedish letters."""
    s = line.translate(_FOLD).lower()
    return s if s.isascii() else fold(s)


def _key(line: str) -> str:
    """A line's form for spotting repeats: folded, digits as '#', only
    letters, '#' and single spaces. A line of (almost) no letters, a date
    or a number, keeps its digits: '2027-03-16' repeats, page numbers do not."""
    f = _fold(line)
    k = " ".join(_NON_KEY.sub(" ", _DIGITS.sub("#", f)).split())
    if sum(map(str.isalpha, k)) >= 3:
        return k
    exact = " ".join(f.split())
    return "=" + exact if sum(map(str.isalnum, exact)) >= 6 else ""


def page_number(line: str) -> tuple[int, int | None] | None:
    """(N, M or None) when the whole line is a page number in one of the
    clear forms 'Sida N (M)', 'Sida N av M', 'Sida N', 'Page N of M',
    'N (M)', 'N/M', 'N av M' (with N <= M); else None."""
    s = line.strip()
    m = _PN_CLEAR.fullmatch(s)
    if m:
        n, tot = int(m.group(1)), m.group(2) or m.group(3)
        tot = int(tot) if tot else None
        return (n, tot) if tot is None or 0 < n <= tot else None
    m = _PN_PAIR.fullmatch(s)
    if m:
        n, tot = int(m.group(1)), int(next(g for g in m.groups()[1:] if g))
        return (n, tot) if 0 < n <= tot else None
    return None


def is_contact(line: str) -> bool:
    """Address, phone, e-mail, web or organisation-number text."""
    return bool(_CONTACT.search(_fold(line)))


def _prose(line: str) -> bool:
    """A line of running text: five or more words, most of them starting in
    lower case, or a sentence of four or more words. Letterheads and footers
    are names, numbers and capitalised words."""
    w = line.split()
    if len(w) >= 4 and _SENTENCE_END.search(line):
        return True
    return len(w) >= 5 and sum(x[:1].islower() for x in w) >= 0.5 * len(w)


def _is_bullet(line: str) -> bool:
    return bool(_BULLET.match(line))


# --------------------------------------------------------------------------- detection


def _edge_runs(lines_by_page: list[list[int]], lines: list[_Line], n: int = EDGE_LINES):
    """(page, [line indexes from the top edge], [from the bottom edge])."""
    for p, idx in enumerate(lines_by_page):
        yield p, idx[:n], idx[::-1][:n]


def _running_keys(lines: list[_Line], lines_by_page: list[list[int]], protected, check=None) -> set[str]:
    """Keys of lines that recur at the page edges. OCR-varied forms of one
    line ('Västerbrinks' / 'Vasterbrinks' / 'Västerbrlnks') count as one:
    distinct keys are grouped with the first similar key (SequenceMatcher
    ratio >= FUZZY_RATIO, compared within one first letter and similar
    length, so the work stays bounded); table rows in the text area only
    recur word for word."""
    n_pages = sum(1 for idx in lines_by_page if idx)
    pages_of: dict[str, set[int]] = {}
    band_pages: dict[str, set[int]] = {}
    prose: set[str] = set()
    rows: set[str] = set()  # keys of table rows set in the text area
    for p, top, bottom in _edge_runs(lines_by_page, lines):
        if check:
            check()
        for i in {*top, *bottom}:
            ln = lines[i]
            if not ln.key or len(ln.text) > MAX_FURNITURE_CHARS or ln.why == "contents":
                continue  # (an entry of a table of contents would make the heading it lists look running)
            band = ln.kinds & {"top", "bottom", "header", "footer"}
            if protected(ln.text) or (not band and any(k[0] == "h" and k[1:].isdigit() for k in ln.kinds)):
                continue  # a heading of the taxonomy, or one the parser set inside the text area
            pages_of.setdefault(ln.key, set()).add(p)
            if band:
                band_pages.setdefault(ln.key, set()).add(p)
            if _prose(ln.text):
                prose.add(ln.key)
            if "table" in ln.kinds and not band:
                rows.add(ln.key)

    group = {k: k for k in pages_of}  # key -> the key of its group
    if n_pages <= FUZZY_MAX_PAGES:
        early = {ln.key for idx in lines_by_page[:3] for i in idx[:EDGE_LINES] + idx[-EDGE_LINES:]
                 for ln in (lines[i],)}
        reps: dict[str, list[tuple[str, SequenceMatcher]]] = {}
        n_reps = 0
        for k in sorted(pages_of, key=lambda k: (-len(pages_of[k]), k)):
            if k.startswith("=") or k in rows:
                # dates and numbers match exactly or not at all; so do table rows in the text area, which
                # differ in a word or two ('Sommarjobb i Ekudden …' / 'Sommarjobb i Bergsvik …'), not by OCR
                continue
            bucket = reps.setdefault(k[:1], [])
            for r, sm in bucket:
                if abs(len(r) - len(k)) > (1 - FUZZY_RATIO) * len(r) + 1:
                    continue
                sm.set_seq1(k)
                if sm.quick_ratio() >= FUZZY_RATIO and sm.ratio() >= FUZZY_RATIO:
                    group[k] = r
                    break
            else:
                if (len(pages_of[k]) >= 2 or k in early) and n_reps < MAX_FUZZY_KEYS:
                    sm = SequenceMatcher(None, autojunk=False)
                    sm.set_seq2(k)  # the costly half, once per representative
                    bucket.append((k, sm))
                    n_reps += 1
    grouped: dict[str, set[int]] = {}
    grouped_band: dict[str, set[int]] = {}
    for k, ps in pages_of.items():
        grouped.setdefault(group[k], set()).update(ps)
        grouped_band.setdefault(group[k], set()).update(band_pages.get(k, ()))
    need = max(2, -(-n_pages * REPEAT_SHARE // 1))
    # running text repeated on two pages is a quoted or summarised paragraph, not a running header
    running = {g for g, ps in grouped.items() if len(ps) >= (max(3, need) if g in prose else need)}
    running |= {g for g, ps in grouped_band.items() if len(ps) >= (3 if g in prose else 2)}
    running |= _alternating(grouped, prose, lines_by_page)
    return {k for k, g in group.items() if g in running}


def _alternating(grouped: dict[str, set[int]], prose: set[str], lines_by_page: list[list[int]]) -> set[str]:
    """Running lines of facing pages: heads that a document sets on every
    second page (the title on odd pages, the chapter on even ones) recur on
    only half of them each. A line on pages of one parity only, on at least
    REPEAT_SHARE of the pages of that parity that have text (two at least;
    three for a line that reads like running text), is running too when the
    other parity has such a line of its own: a pair of alternating heads. (A
    subheading that happens to open two even pages has no partner.) Needs
    four pages or more (on three, the odd pages' line already recurs on two
    of three)."""
    par_pages = [[p for p, idx in enumerate(lines_by_page) if idx and p % 2 == r] for r in (0, 1)]
    if sum(map(len, par_pages)) < 4:
        return set()
    found: list[set[str]] = [set(), set()]
    for g, ps in grouped.items():
        parity = {p % 2 for p in ps}
        if len(parity) != 1:
            continue
        r = parity.pop()
        if len(ps) >= max(3 if g in prose else 2, -(-len(par_pages[r]) * REPEAT_SHARE // 1)):
            found[r].add(g)
    return found[0] | found[1] if found[0] and found[1] else set()


def _letterhead_block(lines: list[_Line], idx: list[int], protected) -> None:
    """A letterhead on the first page only ('STOCKHOLMS STAD' in big type,
    förvaltning, type, dnr, date, handläggare in small print, often in blocks
    side by side): the run of lines from the page's top edge that lie in its
    top margin band or are set in small print (and not in the body's type
    outside the band), none of them running text, a heading or a heading
    of the taxonomy, is 'margin' when some of it is small print. Running
    letterheads are found by their repeats; this one occurs once."""
    run = []
    for i in idx[:EDGE_LINES]:
        ln = lines[i]
        if ln.why:
            run.append(i)
            continue
        if not ln.kinds & {"top", "small"} or _prose(ln.text) or len(ln.text) > MAX_FURNITURE_CHARS \
                or protected(ln.text) or any(k[0] == "h" and k[1:].isdigit() for k in ln.kinds):
            break
        run.append(i)
    if any("small" in lines[i].kinds and not lines[i].why for i in run):
        for i in run:
            lines[i].why = lines[i].why or "margin"


def _contents(lines: list[_Line], lines_by_page: list[list[int]]) -> None:
    """A table of contents: on a page, MIN_CONTENTS_LINES or more entries
    ('1.2 Mål för perioden ........ 3', dot leaders or an ellipsis run to a
    page number) are 'contents', and so is a short line right above the
    first of them ('Innehåll'). Entries without leaders ('1.2 Mål för
    perioden      3', a tab or spaces, then the page number) count when
    MIN_CONTENTS_LINES or more of them follow one another with page numbers
    that do not go down, and a contents title (index/headings.yaml:
    'Innehåll', 'Innehållsförteckning') stands right above them or most of
    their texts recur as lines further on (the headings they list). They say
    nothing a passage should quote: the headings they list are in the text
    where they belong."""
    for idx in lines_by_page:
        entries = [n for n, i in enumerate(idx) if not lines[i].why and _CONTENTS_ENTRY.fullmatch(lines[i].text)]
        if len(entries) < MIN_CONTENTS_LINES:
            entries = _plain_contents(lines, lines_by_page, idx)
        if len(entries) < MIN_CONTENTS_LINES:
            continue
        for n in entries:
            lines[idx[n]].why = "contents"
        n = entries[0] - 1
        if n >= 0 and not lines[idx[n]].why and len(lines[idx[n]].text.split()) <= 3 \
                and not _SENTENCE_END.search(lines[idx[n]].text):
            lines[idx[n]].why = "contents"


def _contents_title(line: str) -> bool:
    from .chunk import heading_taxonomy

    return heading_taxonomy().is_contents_title(line)


def _plain_contents(lines: list[_Line], lines_by_page: list[list[int]], idx: list[int]) -> list[int]:
    """Positions on a page of the entries of a table of contents without dot
    leaders (see _contents): the first run of MIN_CONTENTS_LINES or more
    consecutive lines 'entry text, space, page number' (entry text of at most
    MAX_OUTLINE_WORDS words with a letter, no sentence end; page numbers not
    going down) under a contents title or whose texts mostly recur later."""
    def entry(n: int) -> tuple[str, int] | None:
        ln = lines[idx[n]]
        m = _CONTENTS_PLAIN.fullmatch(ln.text)
        if ln.why or not m or _SENTENCE_END.search(m.group(1)) \
                or len(m.group(1).split()) > MAX_OUTLINE_WORDS or not any(c.isalpha() for c in m.group(1)):
            return None
        return m.group(1), int(m.group(2))

    n = 0
    while n < len(idx):
        run, last = [], -1
        while n < len(idx) and (e := entry(n)) is not None and e[1] >= last:
            run.append((n, e[0]))
            last = e[1]
            n += 1
        if len(run) >= MIN_CONTENTS_LINES:
            first = run[0][0]
            titled = first > 0 and _contents_title(lines[idx[first - 1]].text)
            if titled or _listed_later(lines, lines_by_page, idx[run[-1][0]], [t for _, t in run]):
                return [k for k, _ in run]
        n += 1 if not run else 0
    return []


def _listed_later(lines: list[_Line], lines_by_page: list[list[int]], after: int, texts: list[str]) -> bool:
    """Whether most of `texts` (contents entries) recur as whole lines after line `after`."""
    want = {" ".join(_fold(t).split()) for t in texts}
    found = {k for ln in lines[after + 1:] if (k := " ".join(_fold(ln.text).split())) in want}
    return len(found) * 3 >= len(want) * 2


def _footnotes(lines: list[_Line], lines_by_page: list[list[int]]) -> set[tuple[int, int]]:
    """Footnotes at the foot of a page ('3 Stockholms stads trygghetsmätning
    2025.' in small print under the body text): on each page, the run of
    small-print lines that ends the page's content (under it only furniture),
    from its first line that opens with a marker (1–3 digits, *, †, ‡) on;
    not table rows or headings. A run counts when one of its markers is a
    superscript marker (the reader's 'sup') in the page's text above it (or
    on the page before: a note that began there) or opens one of its lines.
    Its lines are 'footnote': out of the running text, so a sentence that
    runs on to the next page is joined over them, and kept for provenance.
    Returns the spans of the body's markers of those notes ('arbete³',
    extracted as 'arbete3'): the cleaned text leaves them out, the original
    keeps them."""
    markers: set[tuple[int, int]] = set()
    for p, idx in enumerate(lines_by_page):
        run = []  # from the foot of the page up
        for i in reversed(idx):
            ln = lines[i]
            if ln.why not in ("", "margin"):
                if run:
                    break
                continue  # the footer under the notes
            heading = any(k[0] == "h" and k[1:].isdigit() for k in ln.kinds)
            if "small" not in ln.kinds or "table" in ln.kinds or heading or page_number(ln.text):
                break
            run.append(i)
        run.reverse()
        start = next((k for k, i in enumerate(run) if _FOOTNOTE.match(lines[i].text)), None)
        if start is None:
            continue
        block = run[start:]
        body = [i for i in idx if i < block[0] and not lines[i].why]
        if not body or all("small" in lines[i].kinds for i in body):
            continue  # no body text above: a page of small print, not notes under it
        numbers = {m.group(1) for i in block if (m := _FOOTNOTE.match(lines[i].text))}
        before = body + [i for i in (lines_by_page[p - 1] if p else ()) if not lines[i].why]
        cited = {(a, b) for i in before for a, b in lines[i].sups if _marker_text(lines[i], a, b) in numbers
                 and a > lines[i].start}
        opened = any(a == lines[i].start for i in block for a, _ in lines[i].sups)
        if not cited and not opened:
            continue
        for i in block:
            lines[i].why = "footnote"
        markers |= cited
    return markers


def _marker_text(ln: _Line, a: int, b: int) -> str:
    return ln.text[a - ln.start:b - ln.start].strip()


def _outline(lines: list[_Line], content: list[int], marked: set[int]) -> dict[int, int]:
    """Numbered headings the parser did not see ('3.2 Trygghet i offentlig
    miljö' set like the body text, or typed in a DOCX's Normal style): content
    lines numbered as an outline, each number following the one before it
    (the next at its level, or the first under it: 1, 1.1, 1.2, 2, 2.1 ...),
    with no sentence end; a run of numbered lines that follow one another
    directly at one level is a numbered list, not headings. At least two
    such headings, else none. Returns line -> level (the numbering depth, or
    the level the parser gave marked headings of that depth, one more for
    each step deeper)."""
    cands = []  # (position in content, line, number)
    for n, i in enumerate(content):
        m = _OUTLINE.fullmatch(lines[i].text)
        if not m or "table" in lines[i].kinds or _SENTENCE_END.search(m.group(2)) \
                or lines[i].text.endswith((",", ";", ":")) or len(m.group(2).split()) > MAX_OUTLINE_WORDS:
            continue
        cands.append((n, i, tuple(int(x) for x in m.group(1).split("."))))
    listed = set()
    for (n, i, a), (n2, i2, b) in zip(cands, cands[1:]):
        if n2 == n + 1 and len(a) == len(b) and b == a[:-1] + (a[-1] + 1,):
            listed.update((i, i2))  # '1. …' / '2. …' on consecutive lines: a list
    out: dict[int, tuple[int, ...]] = {}
    prev: tuple[int, ...] = ()
    for n, i, num in cands:
        if i in listed:
            continue
        ok = num == prev + (1,) or any(num == prev[:k] + (prev[k] + 1,) for k in range(len(prev)))
        if ok:
            out[i] = num
            prev = num
    if len(out) < 2:
        return {}
    depth_level = {}
    for i, num in out.items():
        for k in lines[i].kinds:
            if i in marked and k[0] == "h" and k[1:].isdigit() and k != "h0":
                depth_level.setdefault(len(num), int(k[1:]))

    def level(depth: int) -> int:  # a depth the parser marked none of: one level per step below a marked one
        known = [d for d in depth_level if d <= depth]
        return depth_level[max(known)] + depth - max(known) if known else depth

    return {i: min(9, level(len(num))) for i, num in out.items() if i not in marked}


def _bare_numbers(lines: list[_Line], lines_by_page: list[list[int]]) -> set[int]:
    """Bare page numbers ('3', '- 3 -') as the first or last line of a page,
    kept only when they follow the page order on two or more pages."""
    cands: list[tuple[int, int]] = []  # (line index, offset page - number)
    for p, idx in enumerate(lines_by_page):
        for i in {idx[0], idx[-1]} if idx else ():
            m = _PN_BARE.fullmatch(lines[i].text)
            if m:
                cands.append((i, p + 1 - int(m.group(1))))
    if not cands:
        return set()
    offset, count = Counter(d for _, d in cands).most_common(1)[0]
    if count < 2 or not -2 <= offset <= 6:
        return set()
    return {i for i, d in cands if d == offset}


def _detect(lines: list[_Line], n_pages: int, protected, check=None) -> tuple[set[int], set[tuple[int, int]]]:
    """Set `why` on every furniture line; return the lines of table header
    rows kept where their tables begin (see _table_headers) and the spans of
    the footnote markers to leave out of the text (see _footnotes)."""
    lines_by_page: list[list[int]] = [[] for _ in range(n_pages)]
    for i, ln in enumerate(lines):
        lines_by_page[ln.page].append(i)
    for idx in lines_by_page:  # only lines near a page edge can be furniture
        for i in {*idx[:EDGE_LINES + 4], *idx[-(EDGE_LINES + 4):]}:
            lines[i].key = _key(lines[i].text)
    content_pages = sum(1 for idx in lines_by_page if idx)
    for ln in lines:  # what the parser knows
        if ln.kinds & {"header", "footer"}:
            ln.why = "header" if "header" in ln.kinds else "footer"
    _contents(lines, lines_by_page)

    if content_pages < 2:  # a single page: clear page numbers at its edges only
        for _, top, bottom in _edge_runs(lines_by_page, lines, 3):
            for i in {*top, *bottom}:
                pn = page_number(lines[i].text)
                if pn and not lines[i].why and (pn[1] is not None or lines[i].text[:1].isalpha()):
                    lines[i].why = "page-number"
        return set(), _footnotes(lines, lines_by_page)

    keys = _running_keys(lines, lines_by_page, protected, check)
    bare = _bare_numbers(lines, lines_by_page)

    def furniture_kind(i: int, at_bottom: bool, at_edge: bool) -> str:
        # at_edge: no kept line between this one and the page edge yet
        ln = lines[i]
        if ln.why:
            return ln.why
        if page_number(ln.text) or i in bare:
            return "page-number"
        if ln.key in keys:
            return "running"
        if at_bottom and at_edge and len(ln.text) <= MAX_FURNITURE_CHARS and is_contact(ln.text) \
                and not protected(ln.text):
            return "contact"
        if at_edge and "small" in ln.kinds and ln.kinds & {"top", "bottom"} and not _prose(ln.text) \
                and not protected(ln.text) and not any(k[0] == "h" and k[1:].isdigit() for k in ln.kinds):
            return "margin"  # small print in the margin band, reached from the edge through furniture
        return ""

    for p, top, bottom in _edge_runs(lines_by_page, lines):
        for run, at_bottom in ((top, False), (bottom, True)):
            gap = 0
            contiguous = True  # still in the unbroken run of furniture at the edge
            for i in run:
                kind = furniture_kind(i, at_bottom, contiguous)
                if kind:
                    lines[i].why = kind
                    continue
                contiguous = False
                if _prose(lines[i].text) or len(lines[i].text) > MAX_FURNITURE_CHARS:
                    break  # running text: the page's body starts here
                gap += 1
                if gap > MAX_GAP:
                    break
    _letterhead_block(lines, next((idx for idx in lines_by_page if idx), []), protected)
    # clear page numbers a little further in (letterheads of 15+ lines)
    for p, top, bottom in _edge_runs(lines_by_page, lines, EDGE_LINES + 4):
        for i in {*top, *bottom}:
            if not lines[i].why and _PN_CLEAR.fullmatch(lines[i].text) and page_number(lines[i].text):
                lines[i].why = "page-number"
    markers = _footnotes(lines, lines_by_page)
    return _table_headers(lines, lines_by_page), markers


def _table_headers(lines: list[_Line], lines_by_page: list[list[int]]) -> set[int]:
    """A table's header row that a page repeats is furniture ('table-header');
    where the table begins it is content (see module doc). Returns the lines
    of the header rows kept where their tables begin (column names, not
    section headings).

    A table begins at a table row with no table row above it on its page (or
    only furniture). A repeat is found at the top of a page whose previous
    page ends in table rows: the page's first content line, or a line of the
    furniture run just above it (a header row recurring often enough to count
    as running), that is a table row with the same key as a row that began a
    table earlier (the anchor; its origin is the nearest such row not itself
    a repeat). A header row whose cells wrap takes several lines, only some
    of them a table row to the reader (the cells' first lines side by side,
    the wrapped rests one by one): the repeat is then the run of lines around
    the anchor that reads line for line as the lines around its origin (at
    most MAX_HEADER_LINES in all; before the anchor only furniture, none that
    also recurs on pages the table does not reach, as a running header
    does). A table repeated on several pages takes the run all its repeats
    share, so a body row that happens to match under one repeat stays
    content; under a single repeat the run after the anchor stops at the
    next table row (the table's first body row, word for word the same on
    both pages, or a part of the header: only more repeats can tell)."""
    if not any("table" in ln.kinds for ln in lines):
        return set()

    def key(i: int) -> str:
        return lines[i].key or _key(lines[i].text)

    def same_text(i: int, j: int) -> bool:
        return " ".join(_fold(lines[i].text).split()) == " ".join(_fold(lines[j].text).split())

    key_pages: dict[str, set[int]] = {}  # key -> pages it is on (built when first needed)

    def recurs_outside(i: int, pages: range) -> bool:
        if not key_pages:
            for j, ln in enumerate(lines):
                key_pages.setdefault(key(j), set()).add(ln.page)
        return any(q not in pages for q in key_pages.get(key(i), ()))

    at = {i: n for idx in lines_by_page for n, i in enumerate(idx)}  # line -> its place on its page
    begins: dict[str, list[int]] = {}  # key -> rows that begin a table, in document order
    for idx in lines_by_page:
        for n, i in enumerate(idx):
            above = lines[idx[n - 1]] if n else None
            if "table" in lines[i].kinds and "wrap" not in lines[i].kinds \
                    and (above is None or "table" not in above.kinds or above.why):
                begins.setdefault(key(i), []).append(i)
    repeats: dict[int, list[tuple[int, int, str]]] = {}  # origin row -> (anchor, first content line, its why)
    kept: set[int] = set()
    for p in range(1, len(lines_by_page)):
        idx = lines_by_page[p]
        before = [i for i in lines_by_page[p - 1] if not lines[i].why][-2:]
        if not idx or not any("table" in lines[i].kinds for i in before):
            continue  # the previous page does not end inside a table
        n = next((k for k, i in enumerate(idx) if not lines[i].why), len(idx))  # the page's first content line
        # the anchor: the first content line or the line above it; else a line further down (a wrapped
        # first cell: the first lines are no table row) or further up, through lines taken for running ones
        up = []
        for k in range(n - 2, max(-1, n - MAX_HEADER_LINES - 1), -1):
            if lines[idx[k]].why not in ("running", "margin"):
                break
            up.append(k)
        for k in [n, n - 1, *range(n + 1, n + MAX_HEADER_LINES), *up]:
            if not 0 <= k < len(idx):
                continue
            c = idx[k]
            same = [i for i in begins.get(key(c), ()) if i < c] if "table" in lines[c].kinds else []
            if same:
                origin = next((i for i in reversed(same) if lines[i].why != "table-header"), same[0])
                repeats.setdefault(origin, []).append((c, idx[n] if n < len(idx) else c, lines[c].why))
                lines[c].why = "table-header"
                break
        else:
            kept.update(_header_over_rows(lines, idx, n, sorted(i for rows in begins.values() for i in rows),
                                          lines_by_page, at, same_text))

    kept.update(_cell_rests(lines, lines_by_page, begins))
    for origin, anchors in repeats.items():
        o_idx, o = lines_by_page[lines[origin].page], at[origin]
        span = range(lines[origin].page, lines[anchors[-1][0]].page + 1)
        runs = []  # (anchor, lines before it and after it that read as those around the origin, content above it)
        for c, first, _ in anchors:
            idx, k = lines_by_page[lines[c].page], at[c]
            f = 0
            while f < MAX_HEADER_LINES - 1 and k + f + 1 < len(idx) and o + f + 1 < len(o_idx):
                i, j = idx[k + f + 1], o_idx[o + f + 1]
                if j >= c or len(lines[i].text) > MAX_FURNITURE_CHARS or not same_text(i, j):
                    break
                if "table" in lines[i].kinds and "wrap" not in lines[i].kinds and len(anchors) < 2:
                    break  # a table row under the header: a body row or a part of it? one repeat cannot tell
                    # (the reader's 'wrap' says: the same row, a later line of its cells)
                f += 1
            b = 0
            while b + f < MAX_HEADER_LINES - 1 and k - b > 0 and o - b > 0:
                i, j = idx[k - b - 1], o_idx[o - b - 1]
                if at[i] < at[first] and lines[i].why not in ("running", "margin") \
                        or not same_text(i, j) or recurs_outside(i, span):
                    break  # above the page's content only lines that could have been taken for running ones
                b += 1
            runs.append((c, b, f, k - at[first]))
        runs = [r for r in runs if r[3] <= r[1]]  # a run must take in the content lines above its anchor
        back = min((b for _, b, _, _ in runs), default=0)
        runs = [r for r in runs if r[3] <= back]
        taken = {r[0] for r in runs}
        for c, _, why in anchors:
            if c not in taken:
                lines[c].why = why  # a table row under the page's first lines, no repeated header row after all
        if not runs:
            continue
        fwd = min(f for _, _, f, _ in runs)
        for c, *_ in runs:
            idx, k = lines_by_page[lines[c].page], at[c]
            for i in idx[k - back:k + fwd + 1]:
                lines[i].why = "table-header"
        rows = o_idx[o - back:o + fwd + 1]
        kept.update(rows)
        reset = False
        for i in rows:
            if lines[i].why not in ("running", "margin"):
                continue
            if lines[i].page == 0 and "top" in lines[i].kinds:
                continue  # page 1's top margin band: a letterhead line, not a table's column names
            lines[i].why = ""  # where the table begins: content
            reset = True
        if reset and not lines[rows[-1]].why:
            for i in o_idx[o + fwd + 1:]:
                if lines[i].why != "margin":
                    break
                lines[i].why = ""  # small print reached from the edge only through the header row
    return kept


def _header_over_rows(lines: list[_Line], idx: list[int], n: int, begun: list[int],
                      lines_by_page: list[list[int]], at: dict[int, int], same_text) -> set[int]:
    """A repeated header row with no table row in it (its cells wrap so that
    no line has cells side by side, and the reader marked none): on a page
    whose previous page ends in table rows, the lines from the page's first
    content line (and the lines just above it taken for running ones) down to
    its first table row read line for line as the lines right above the row
    where the table began (`begun`: rows that begin a table, in document
    order; the latest before this page). They are furniture
    ('table-header'); the lines where the table began are content, the
    column names (returned: no section headings). Nothing when the page's
    content starts with a table row or something else stands between."""
    t = next((k for k in range(n, min(len(idx), n + MAX_HEADER_LINES)) if "table" in lines[idx[k]].kinds), None)
    j = bisect.bisect_left(begun, idx[0]) - 1 if idx else -1
    while j >= 0 and at[begun[j]] and lines[lines_by_page[lines[begun[j]].page][at[begun[j]] - 1]].why == "table-header":
        j -= 1  # a row under a repeat of the header: the table began further up
    if t is None or j < 0:
        return set()
    origin = begun[j]
    o_idx, o = lines_by_page[lines[origin].page], at[origin]
    run = list(range(n, t))
    if o < len(run) or not all(same_text(idx[x], o_idx[o - len(run) + q]) for q, x in enumerate(run)):
        return set()
    k = n - 1  # a header row that recurs often enough to have been taken for a running line at this page's
    while k >= 0 and lines[idx[k]].why in ("running", "margin") and len(run) < min(o, MAX_HEADER_LINES - 1):
        c = o_idx[o - len(run) - 1]  # top, yet where the table began it is text (a running header is not)
        if lines[c].why or not same_text(idx[k], c):
            break
        run.insert(0, k)
        k -= 1
    if not run:
        return set()
    head = o_idx[o - len(run):o]
    if any(len(lines[i].text) > MAX_FURNITURE_CHARS or _prose(lines[i].text)
           or lines[i].why not in ("", "running", "margin") for i in head):
        return set()
    for x in run:
        lines[idx[x]].why = "table-header"
    for i in head:
        if lines[i].why and not (lines[i].page == 0 and "top" in lines[i].kinds):
            lines[i].why = ""  # where the table begins: content
    return set(head)


def _cell_rests(lines: list[_Line], lines_by_page: list[list[int]], begins: dict[str, list[int]]) -> set[int]:
    """Lines between a table's first row and its next row: the rests of the
    header row's wrapped cells ('förvaltning', 'Tidplan för', 'genomförande'),
    short lines, at most MAX_HEADER_LINES - 1 of them. They are column names,
    not section headings, even set in bold on lines of their own. (A heading
    between two tables follows the last row of the first, not its first.)"""
    at = {i: n for idx in lines_by_page for n, i in enumerate(idx)}
    out: set[int] = set()
    for rows in begins.values():
        for first in rows:
            idx = lines_by_page[lines[first].page]
            run = []
            for i in idx[at[first] + 1:at[first] + MAX_HEADER_LINES]:
                if "table" in lines[i].kinds:
                    if run:
                        out.update(run)
                    break
                if lines[i].why or len(lines[i].text) > MAX_FURNITURE_CHARS or _prose(lines[i].text):
                    break
                run.append(i)
    return out


# --------------------------------------------------------------------------- joining


def _continues(prev: _Line, nxt: _Line, heading_lines: set[int], prev_i: int, next_i: int) -> str:
    """How the text between two content lines across a page break is
    rewritten: '-' (hyphenated word: join, drop the hyphen), '=' (join keeping
    the hyphen), ' ' (sentence continues), '\\n' (list item, table row, after a colon),
    '\\n\\n' (a paragraph break)."""
    a, b = prev.text, nxt.text
    if prev_i in heading_lines or next_i in heading_lines:
        return "\n\n"
    if _is_bullet(b) or ("table" in prev.kinds and "table" in nxt.kinds):
        return "\n"  # a list item, a table row
    hy = _hyphen(a, b)
    if hy:
        return hy
    if _SENTENCE_END.search(a):
        return "\n\n"
    if a.endswith(":"):
        return "\n"
    first = b[:1]
    if first.islower() or first in "(”\"»":
        return " "
    if a.endswith((",", ";", "–", "—")):
        return " "
    words_a = a.split()
    if len(a) >= 40 and len(words_a) >= 6 and words_a[-1][:1].islower():
        return " "  # a long line stopping mid-sentence, continued by a capitalised word or a number
    return "\n\n"


def _line_hyphen(prev: _Line, nxt: _Line, heading_lines: set[int], prev_i: int, next_i: int) -> str:
    """_hyphen for two lines of one page: '' for a heading, a list item or a table row."""
    if prev_i in heading_lines or next_i in heading_lines or _is_bullet(nxt.text) \
            or "table" in prev.kinds or "table" in nxt.kinds:
        return ""
    return _hyphen(prev.text, nxt.text)


def hyphen_join(a: str, b: str) -> str:
    """How a line ending in `a` and the next line starting with `b` join at a
    line-end hyphen: '-' one word broken at the line end (drop the hyphen),
    '=' a hyphen the word keeps ('Spånga-' + 'Tensta'), '' no join (a
    suspended compound 'trygghets-' + 'och ...', or no hyphen)."""
    return _hyphen(a, b)


def _hyphen(a: str, b: str) -> str:
    """'-' when 'trygg-' + 'het' is one word broken at a line end, '=' when a
    hyphen belongs to the word ('Spånga-' + 'Tensta', '2020-' + '2023'), ''
    when it is no join (a suspended compound 'trygghets-' + 'och ...')."""
    if not a.endswith("-") or len(a) < 2 or not b:
        return ""
    before, first = a[-2], b[0]
    nxt_word = re.match(r"[^\W\d_]+", b)
    if before.isdigit() and first.isdigit():
        return "="
    if not before.isalpha():
        return ""
    if first.islower():
        if nxt_word and nxt_word.group().lower() in _SUSPENDED:
            return ""
        last = a.split()[-1]
        if len(last) >= 3 and last[:-1].isupper():  # 'ANDT-' + 'samordning'
            return "="
        return "-"
    if first.isupper():
        return "="
    return ""


# --------------------------------------------------------------------------- main


def clean_layout(text: str, page_starts: Sequence[int] = (0,), marks: Sequence[tuple[int, int, str]] = (),
                 *, protected=None, check=None) -> Layout:
    """Remove page furniture and join text across page breaks (see module doc).
    `protected(line)` says a line must never be furniture (the pipeline passes
    the heading taxonomy); `check()`, if given, runs now and then (a time
    budget: it raises to stop). Pure; the result maps back exactly."""
    page_starts = tuple(page_starts) or (0,)
    if protected is None:
        protected = lambda _line: False  # noqa: E731
    else:
        protected = lru_cache(maxsize=4096)(protected)  # asked several times per edge line
    lines = _lines(text, page_starts)
    if not lines:
        return Layout(text=text)

    # attach the reader's marks to the lines they overlap
    marks = sorted((a, b, k) for a, b, k in marks if b >= a)
    mstarts = [m[0] for m in marks]
    join_spans = sorted((a, b) for a, b, k in marks if k == "join")
    join_starts = [a for a, _ in join_spans]
    heading_marks = [(a, b, int(k[1:])) for a, b, k in marks if re.fullmatch(r"h\d", k)]
    for ln in lines:
        j = bisect.bisect_right(mstarts, ln.end)
        near = [m for m in marks[max(0, j - 64):j] if m[0] < ln.end and m[1] > ln.start and m[2] != "join"]
        if near:
            ln.kinds = frozenset(k for _, _, k in near)
            ln.sups = tuple((a, b) for a, b, k in near if k == "sup")

    header_rows, markers = _detect(lines, len(page_starts), protected, check)
    if header_rows:  # a table's column names, set in bold on lines of their own, head no section
        spans = sorted((lines[i].start, lines[i].end) for i in header_rows)
        heading_marks = [(a, b, lvl) for a, b, lvl in heading_marks
                         if not any(s < b and a < e for s, e in spans)]

    heading_lines = {i for i, ln in enumerate(lines) if i not in header_rows
                     and any(k[0] == "h" and k[1:].isdigit() for k in ln.kinds)}
    numbered = _outline(lines, [i for i, ln in enumerate(lines) if not ln.why and i not in header_rows],
                        heading_lines)
    heading_marks += [(lines[i].start, lines[i].end, level) for i, level in numbered.items()]
    heading_lines |= set(numbered)
    content = [i for i, ln in enumerate(lines) if not ln.why]
    removed = [ln for ln in lines if ln.why]
    edits: list[tuple[int, int, str]] = []  # (orig_a, orig_b, replacement)
    joined: list[int] = []

    first = lines[content[0]] if content else None
    if first is not None and any(ln.start < first.start for ln in removed):  # furniture before the first line
        edits.append((0, first.start, ""))
    removed_starts = [ln.start for ln in removed]  # in document order

    def removed_between(a: _Line, b: _Line) -> int:
        return bisect.bisect_left(removed_starts, b.start) - bisect.bisect_left(removed_starts, a.end)

    for x, y in zip(content, content[1:]):
        a, b = lines[x], lines[y]
        gap_removed = removed_between(a, b) > 0
        crosses = a.page != b.page
        if crosses:
            j = bisect.bisect_right(join_starts, b.start) - 1  # the parser says: one paragraph
            forced = j >= 0 and join_spans[j][0] >= a.start and join_spans[j][1] >= b.start
            how = _continues(a, b, heading_lines, x, y)
            if forced and how == "\n\n":
                how = " "
            gap = text[a.end:b.start]
            if how in (" ", "-", "="):
                joined.append(b.page + 1)
            if not gap_removed and (how == "\n\n" or gap.count("\n") <= 1):
                continue  # nothing removed, and a paragraph break or a plain line end already: leave it
            if how == "-":
                edits.append((a.end - 1, b.start, ""))
            elif how == "=":
                edits.append((a.end, b.start, ""))
            else:
                edits.append((a.end, b.start, how))
        elif (how := _line_hyphen(a, b, heading_lines, x, y)) and text.count("\n", a.end, b.start) \
                - removed_between(a, b) <= 1:
            # a word hyphenated at a line end inside a page: joined for quotes and search, as across a page
            # break ('brottsföre-' + 'byggande'); the original keeps the break (the span map leads back to it)
            edits.append((a.end - 1, b.start, "") if how == "-" else (a.end, b.start, ""))
        elif gap_removed:  # each removed line took one line end with it
            breaks = text.count("\n", a.end, b.start) - removed_between(a, b)
            edits.append((a.end, b.start, "\n\n" if breaks >= 2 else "\n"))
    last = lines[content[-1]] if content else None
    if last is not None and any(ln.start > last.end for ln in removed):
        edits.append((last.end, len(text), "\n" if text.endswith("\n") else ""))
    if not content:  # nothing but furniture (a blank form?): keep the text as it is
        return Layout(text=text)

    edits += [(a, b, "") for a, b in markers]  # footnote markers glued to a word ('arbete3'): out of the text
    out, pos, spans, shift = [], 0, [], 0
    edits = sorted((a, b, rep) for a, b, rep in edits if text[a:b] != rep)
    for a, b, rep in edits:
        out += [text[pos:a], rep]
        spans.append((a, b, a + shift, a + shift + len(rep)))
        shift += len(rep) - (b - a)
        pos = b
    out.append(text[pos:])
    cleaned = "".join(out)
    lay = Layout(text=cleaned, edits=tuple(spans), furniture=tuple(_furniture(lines, text)), joined=tuple(joined))
    heads = []
    for a, b, level in heading_marks:
        ca, cb = lay.to_clean_span(a, b)
        if cb > ca and cleaned[ca:cb].strip():
            heads.append((ca, cb, level))
    return Layout(text=cleaned, edits=lay.edits, furniture=lay.furniture, headings=tuple(heads), joined=lay.joined)


def _furniture(lines: list[_Line], text: str) -> list[Furniture]:
    return [Furniture(ln.page + 1, ln.start, ln.end, ln.text, ln.why) for ln in lines if ln.why]
