"""Guessing a document's metadata from its text: title block and letterhead
first, body text last, each field with a confidence.

Where a value is read from, in order of trust:
  * the title block: the first lines of page 1, up to the first section
    heading (index/headings.yaml) or ~25 lines; a parser's title marks (PDF font
    size, DOCX title style) when the reader gives them;
  * the letterhead: lines repeated at the edges of several pages, the block
    around a page number ('Sida 3 (4)'), and furniture lines a layout step
    removed from the text (`furniture`);
  * the body: decision formulas ('<nämnd> godkänner …'), mentions.
The Swedish cues (type labels, dnr labels, contact labels, nämnd name rules)
live in index/metadata_cues.yaml; nothing here names a document, a nämnd of
this corpus or a programme version. Patterns run on a diacritic-folded copy of
the text with the same offsets, so OCR text without å/ä/ö matches too.

`guess_metadata(doc_id, text, page_starts=…, marks=…, furniture=…)` is pure.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from index.textnorm import fold
from index.types import DocMeta, valid_period

GUESS_FIELDS = tuple(f for f in DocMeta.__dataclass_fields__ if f not in ("doc_id", "guessed", "confidence"))
SCAN = 200_000  # characters of a document the guesses look at
TITLE_BLOCK_LINES = 25  # non-empty lines of page 1 that can be its title block
EDGE_LINES = 12  # lines at the top / bottom of a page where a running letterhead is looked for
CUES_FILE = Path(__file__).with_name("metadata_cues.yaml")
HEADINGS_FILE = Path(__file__).with_name("headings.yaml")

# Confidence of a value by where it was read (0-1).
CONF = {"label": 0.9, "title": 0.85, "letterhead": 0.8, "head": 0.7, "structure": 0.6, "body": 0.5,
        "mention": 0.4, "generated": 0.4}

MONTHS = {m: i for i, m in enumerate(
    "januari februari mars april maj juni juli augusti september oktober november december".split(), 1)}


# --------------------------------------------------------------------------- cues


@lru_cache(maxsize=1)
def cues() -> dict:
    """index/metadata_cues.yaml, parsed once."""
    import yaml

    return yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of cue phrases (regex cues kept, plain spaces as \\s+), longest first."""
    return "|".join(sorted((re.sub(r"(?<!\\) ", r"\\s+", w) for w in words), key=len, reverse=True))


@dataclass(frozen=True)
class _Rx:
    labels: dict  # doc type -> regex of a label line start
    labels_end: dict  # doc type -> regex of a label ending a letterhead line ('STOCKHOLMS STAD Tjänsteutlåtande')
    structure: dict  # doc type -> regex of a structure line start
    yttrande_title: re.Pattern
    program_title: re.Pattern
    period_before: re.Pattern
    remiss: re.Pattern
    decision: re.Pattern
    dnr_labelled: re.Pattern
    dnr_remiss: re.Pattern
    date_label: re.Pattern
    date_not_own: re.Pattern
    contact_label: re.Pattern
    title_label: re.Pattern
    phone_label: re.Pattern
    org_word: re.Pattern
    not_names: frozenset
    recipients: frozenset
    bodies: dict  # folded -> name
    exceptions: dict  # folded förvaltning/kontor -> nämnd
    districts: tuple
    headings: frozenset


@lru_cache(maxsize=1)
def _rx() -> _Rx:
    c = cues()
    types = c["doc_types"]
    org = sorted(c["organisation_words"], key=len, reverse=True)
    return _Rx(
        labels={t: re.compile(rf"^[\W\d]*(?:{_alt(v['labels'])})(?![\w-])") for t, v in types.items() if v.get("labels")},
        labels_end={t: re.compile(rf"(?<![\w-])(?:{_alt(v['labels'])})[\W\d]*$") for t, v in types.items()
                    if v.get("labels")},
        structure={t: re.compile(rf"^[\W]*(?:{_alt(v['structure'])})(?![\w-])") for t, v in types.items()
                   if v.get("structure")},
        yttrande_title=re.compile(rf"(?<![\w-])(?:{_alt(types['yttrande']['title'])})(?![\w-])"),
        program_title=re.compile(rf"\w*(?:{_alt(types['program']['title'])})(?![\w-])"),
        period_before=re.compile(rf"\w*(?:{_alt(c['period_words'])})\W+(?:\w+\W+){{0,3}}$"),
        remiss=re.compile(rf"(?<![\w-])(?:{_alt(c['remiss_cues'])})(?![\w-])"),
        decision=re.compile(
            rf"((?<![\w-])(?:(?:[a-z]+-)*[a-z]+\s+stadsdels(?:{_SDN}|{_SDF})|(?:[a-z]+-\s+och\s+)?[a-z]{{3,}}namnden))\s+"
            rf"(?:{_alt(c['decision_verbs'])})\b"),
        dnr_labelled=re.compile(rf"(?<![\w-])(?:{_alt(c['dnr']['labels'] + c['dnr']['remiss_labels'])})\.?\s*[:.]?\s*"
                                rf"({_DNR_LABELLED_VALUE})(?![\w/])"),
        dnr_remiss=re.compile(rf"(?<![\w-])(?:{_alt(c['dnr']['remiss_labels'])})(?![\w-])"),
        date_label=re.compile(rf"(?<![\w-])(?:{_alt(c['date']['labels'])})(?![\w-])"),
        date_not_own=re.compile(rf"(?<![\w-])(?:{_alt(c['date']['not_own'])})(?![\w-])"),
        contact_label=re.compile(rf"^[\W]*(?:{_alt(c['contact']['labels'])})(?![\w-])\s*[:.]?\s*"),
        title_label=re.compile(rf"^(?:{_alt(c['title_labels'])})\s*:\s*(?=\S)"),
        phone_label=re.compile(rf"(?<![\w-])(?:{_alt(c['contact']['phone'])})(?![\w-])"),
        org_word=re.compile(rf"(?:{'|'.join(map(re.escape, org))})$"),
        not_names=frozenset(c["not_names"]),
        recipients=frozenset(fold(r) for r in c["namnder"]["recipients"]),
        bodies={fold(b): b for b in c["namnder"]["bodies"]},
        exceptions={fold(k): v for k, v in c["namnder"]["exceptions"].items()},
        districts=tuple(c["namnder"]["districts"]),
        headings=_section_headings(),
    )


def _section_headings() -> frozenset[str]:
    """Folded section headings (index/headings.yaml: families and others; the
    chunker's built-in list when the file is absent)."""
    import yaml

    heads: list[str] = []
    try:
        data = yaml.safe_load(HEADINGS_FILE.read_text(encoding="utf-8")) or {}
        for names in (data.get("families") or {}).values():
            heads += list(names or ())
        heads += list(data.get("other") or ())
    except (OSError, yaml.YAMLError, AttributeError):
        heads = []
    if not heads:
        from index.chunk import SECTION_HEADINGS

        heads = list(SECTION_HEADINGS)
    return frozenset(_key(h) for h in heads)


# --------------------------------------------------------------------------- text helpers


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    return (fold(c) or c)[:1]


def ffold(text: str) -> str:
    """`textnorm.fold` applied per character, so offsets match the original."""
    return "".join(map(_fold_char, text))


def _key(line: str) -> str:
    """A line folded, whitespace collapsed, trailing colon dropped."""
    return " ".join(fold(line).split()).rstrip(":").strip()


_RE_PAGE = re.compile(r"^(?:(?:sida|sid\.?|page|s\.)\s*\d{1,4}(?:\s*\(\s*\d{1,4}\s*\)|\s*(?:av|of|/)\s*\d{1,4})?"
                      r"|\d{1,4}\s*\(\s*\d{1,4}\s*\)|\d{1,4}\s*(?:av|/)\s*\d{1,4})\.?$")
_RE_CONTACT = re.compile(
    r"(?:\b(?:telefon|tfn|tel|vaxel|fax|mobil|e-?post|epost|besoksadress|postadress|org\.?\s*nr|organisationsnummer)\b"
    r"|@|\bwww\.|\b[\w-]+\.(?:se|com|nu|org)\b|\bbox\s+\d|\b\d{3}\s?\d{2}\s+[a-z]{3,}|\b\d{6}-\d{4}\b"
    r"|(?:\+46|\b0\d{1,3})[\s-]?\d{2,3}[\s-]?\d{2}[\s-]?\d{2,3}\b)")
_RE_RANGE = re.compile(r"(?<!\d)((?:19|20)[0-9][0-9])\s*[-–—]\s*((?:19|20)[0-9][0-9])(?!\d)")
_RE_ISO = re.compile(r"(?<!\d)((?:19|20)[0-9][0-9])-([0-9][0-9])-([0-9][0-9])(?!\d)")
_RE_SV_DATE = re.compile(r"(?<!\d)([0-9]{1,2})\s+(" + "|".join(MONTHS) + r")\s+((?:19|20)[0-9][0-9])(?!\d)")
_RE_YEAR = re.compile(r"(?<![\d/:–-])((?:19|20)[0-9][0-9])(?![\d:/–-])")
# dnr: 'KS 2019/1939' anywhere; after a label also 'TN 2020-01234', '171-1309/2017', '1.5.1-123/2020'
_DNR_PLAIN = r"[A-ZÅÄÖ]{2,6}(?:-[A-ZÅÄÖ]{1,4})?\s{0,4}(?:19|20)[0-9][0-9]\s{0,2}/\s{0,2}[0-9]{1,6}"
_RE_DNR = re.compile(rf"(?<![\w/-])({_DNR_PLAIN})(?![\w/])")
# after a label (folded text): 'ks 2019/1939', 'tn 2020-01234', '171-1309/2017', '1.5.1-123/2020'
_DNR_LABELLED_VALUE = (r"[a-z]{1,6}(?:-[a-z]{1,4})?\s?(?:19|20)[0-9][0-9]\s*[/-]\s*[0-9]{1,6}"
                       r"|[0-9]{1,4}(?:[.-][0-9]{1,4}){0,4}/(?:19|20)[0-9][0-9]")
_RE_NAME = re.compile(r"[A-ZÅÄÖÉÜ][a-zåäöéüß]+(?:-[A-ZÅÄÖÉÜ]?[a-zåäöéüß]+)?")
_SENTENCE_END = re.compile(r"[.!?;,]['\"”’»)]*$")


def iso_dates(text: str) -> list[str]:
    """The valid ISO dates written in `text` ('2023-11-21'), in text order."""
    return [m.group(0) for m in _RE_ISO.finditer(text) if _valid_iso(m.group(0))]


def _valid_iso(value: str) -> bool:
    try:
        return bool(re.fullmatch(r"\d{4}-\d\d-\d\d", value)) and bool(dt.date.fromisoformat(value))
    except ValueError:
        return False


@dataclass
class _Line:
    text: str  # stripped original
    f: str  # folded (same length as text)
    start: int  # offset of text in the document
    page: int  # 0-based
    where: str = "body"  # title | letterhead | body


_CELL = re.compile(r"[ \t]*(?:\||\t|[ ]{3,})[ \t]*")  # column gaps of a letterhead laid out side by side


def _lines(text: str, f: str, page_starts: Sequence[int]) -> list[_Line]:
    """Lines with offsets and pages (blank lines as _Line('')); a line of cells
    ('Socialförvaltningen | Tjänsteutlåtande | Dnr …', tab- or wide-space-separated
    columns) becomes one line per cell."""
    import bisect

    out, pos = [], 0
    starts = list(page_starts) or [0]
    for raw in text.split("\n"):
        page = max(0, bisect.bisect_right(starts, pos) - 1)
        cells = [(m.start(), m.end()) for m in re.finditer(r"[^|\t]+?(?=[ \t]*(?:\||\t|[ ]{3,})|[ \t]*$)", raw)]
        cells = [(a + len(raw[a:b]) - len(raw[a:b].lstrip()), b) for a, b in cells if raw[a:b].strip()] or [(0, 0)]
        if len(cells) > 1 and len(raw.strip()) > 120:
            cells = [(len(raw) - len(raw.lstrip()), len(raw.rstrip()))]  # a long line of prose with wide spaces
        for a, b in cells:
            out.append(_Line(raw[a:b], f[pos + a:pos + b], pos + a, page))
        pos += len(raw) + 1
    return out


def _is_heading(line: _Line, rx: _Rx) -> bool:
    return bool(line.text) and _key(line.text) in rx.headings


def _prose(line: _Line) -> bool:
    """A line of running text (not a letterhead, title or contact line)."""
    if len(line.text) > 110:
        return True
    if _RE_CONTACT.search(line.f):
        return False
    return bool(_SENTENCE_END.search(line.text)) or line.text[:1].islower()


# --------------------------------------------------------------------------- title block and letterhead


@dataclass
class Layout:
    """Where the metadata-bearing lines of a document are."""

    lines: list[_Line]
    title: list[_Line]  # the title block (page 1, before the first heading); dash-continued lines joined
    letterhead: list[_Line]  # running letterhead / page-number blocks / furniture, in text order
    title_marks: list[_Line]  # page-1 lines the parser marked as a title or top-level heading


def layout(text: str, f: str, page_starts: Sequence[int] = (0,), marks: Sequence = (),
           furniture: Iterable = ()) -> Layout:
    """The title block, letterhead and parser-marked title lines of a document
    (`f` is `ffold(text)`; `marks` and `furniture` as for guess_metadata)."""
    rx = _rx()
    lines = _lines(text, f, page_starts)
    # the title block
    title: list[_Line] = []
    for ln in lines:
        if ln.page > 0 or len(title) >= TITLE_BLOCK_LINES or _is_heading(ln, rx) \
                or (len(ln.text) >= 50 and _prose(ln) and not _RE_CONTACT.search(ln.f)):
            break  # page 2, the first section heading or the first sentence of running text
        if not ln.text:
            continue
        if title and title[-1].text.endswith(("–", "-")) and not title[-1].text.endswith("--"):
            prev = title[-1]  # a title broken after a dash: one line
            title[-1] = _Line(prev.text + " " + ln.text, prev.f + " " + ln.f, prev.start, prev.page)
        else:
            title.append(_Line(ln.text, ln.f, ln.start, ln.page))
    for ln in title:
        ln.where = "title"
    # the letterhead: page-number blocks, running lines, furniture
    lh: dict[int, _Line] = {}
    idx = [i for i, ln in enumerate(lines) if ln.text]
    for j, i in enumerate(idx):
        if not _RE_PAGE.match(lines[i].f):
            continue
        k = j - 1  # up through short non-prose lines (the letterhead above the page number)
        while k >= 0 and j - k <= 14 and not _prose(lines[idx[k]]) and not _is_heading(lines[idx[k]], rx) \
                and not re.match(r"[•●▪◦·\-–*]|\d{1,2}[.)]\s", lines[idx[k]].text):
            lh.setdefault(idx[k], lines[idx[k]])
            k -= 1
        k = i + 1  # down to the next blank line
        while k < len(lines) and lines[k].text and not _prose(lines[k]) and not _is_heading(lines[k], rx):
            lh.setdefault(k, lines[k])
            k += 1
    by_page: dict[int, list[int]] = {}
    for i in idx:
        by_page.setdefault(lines[i].page, []).append(i)
    if len(by_page) >= 2:
        seen: dict[str, set[int]] = {}
        for page, ids in by_page.items():
            for i in ids[:EDGE_LINES] + ids[-EDGE_LINES:]:
                if len(lines[i].text) <= 100 and not _prose(lines[i]):
                    seen.setdefault(re.sub(r"\d", "#", _key(lines[i].text)), set()).add(page)
        running = {k for k, pages in seen.items() if len(pages) >= 2 and k not in rx.headings}
        for page, ids in by_page.items():
            for i in ids[:EDGE_LINES] + ids[-EDGE_LINES:]:
                if re.sub(r"\d", "#", _key(lines[i].text)) in running:
                    lh.setdefault(i, lines[i])
    furniture_marks = [(a, b) for a, b, kind in marks if kind in ("header", "footer")]
    for i, ln in enumerate(lines) if furniture_marks else ():  # parser-known header / footer text
        if ln.text and any(a < ln.start + len(ln.text) and b > ln.start for a, b in furniture_marks):
            lh.setdefault(i, ln)  # (a line in a page's margin band alone is not enough: body text can be there)
    in_title = {t.start for t in title}
    letterhead = [ln for i, ln in sorted(lh.items()) if ln.start not in in_title]
    for item in furniture:  # furniture a layout step removed (index.layout.Furniture or plain strings)
        if getattr(item, "kind", "") == "footnote":
            continue  # a note's dates and dnr are what it cites, not the document's own
        s = " ".join(str(getattr(item, "text", item)).split())
        if s:
            letterhead.append(_Line(s, ffold(s), int(getattr(item, "start", -1)), int(getattr(item, "page", 1)) - 1))
    for ln in letterhead:
        ln.where = "letterhead"
    heads = [(a, b) for a, b, kind in marks if kind in ("h0", "h1")]
    title_marks = [ln for ln in lines if heads and ln.text and ln.page == 0 and any(
        a < ln.start + len(ln.text) and b > ln.start for a, b in heads)]
    return Layout(lines, title, letterhead, title_marks)


# --------------------------------------------------------------------------- line kinds


def _label_type(line: _Line, rx: _Rx) -> str | None:
    """The document type a title-block/letterhead line names by its first words."""
    if len(line.text) > 90 or _prose(line):
        return None
    for t in ("protokoll", "tjänsteutlåtande", "yttrande"):  # the form before the role
        if t in rx.labels and rx.labels[t].match(line.f):
            return t
    # a letterhead whose cells the PDF parser joined into one line: the organisation, then the label
    # ('STOCKHOLMS STAD Tjänsteutlåtande', 'Parkförvaltningen Yttrande')
    words = line.f.split()
    if 2 <= len(words) <= 8:
        for t in ("protokoll", "tjänsteutlåtande", "yttrande"):
            m = rx.labels_end.get(t) and rx.labels_end[t].search(line.f)
            if m and m.start() > 0:
                head = line.text[:m.start()] if len(line.text) == len(line.f) else ""  # folding kept the offsets
                lead = line.f[:m.start()].split()
                if head.isupper() or any(rx.org_word.search(w.strip(",.;:")) or re.search(r"f[a-z]{0,3}rvaltning", w)
                                         for w in lead):
                    return t
    return None


def _org_line(line: _Line, rx: _Rx) -> bool:
    """A short line naming an organisation ('Socialförvaltningen', 'Stockholms stad')."""
    words = line.f.split()
    return 0 < len(words) <= 6 and not _prose(line) and not rx.yttrande_title.search(line.f) \
        and not re.search(r"\d", line.f) \
        and any(rx.org_word.search(w.strip(",.;:")) or re.search(r"f[a-z]{0,3}rvaltning", w) for w in words)


def _name(s: str, rx: _Rx) -> str:
    """`s` when it is a person's name (2-4 capitalised words, no organisation word), else ''."""
    s = " ".join(s.split()).strip(" ,;:")
    parts = s.split(" ")
    if not 2 <= len(parts) <= 4 or not all(_RE_NAME.fullmatch(p) for p in parts):
        return ""
    if any(rx.org_word.search(fold(p)) or fold(p) in rx.not_names for p in parts):
        return ""
    return s


def _skip_for_title(line: _Line, rx: _Rx, prev: _Line | None) -> bool:
    """Title-block lines that are not the title: page numbers, bare labels,
    dnr/date/contact lines, organisation and recipient lines, names (`prev`:
    the line before, a 'Till' or 'Handläggare' whose value this line is)."""
    f = line.f.strip()
    if _RE_PAGE.match(f) or _RE_CONTACT.search(f) or rx.contact_label.match(f):
        return True
    if _label_type(line, rx) and len(f.split()) <= 2:
        return True
    sf = rx.dnr_labelled.sub(" ", _RE_SV_DATE.sub(" ", fold(_RE_ISO.sub(" ", _RE_DNR.sub(" ", line.text)))))
    if sf != fold(line.text):  # a dnr or date line ('Dnr KS 2027/12', 'Stockholm 2027-11-02')
        if len(re.sub(r"\b(?:dnr|diarienummer|datum|sida)\b|[^\w\s]|\d", " ", sf).split()) <= 1:
            return True
    if f in ("till", "fran") or re.match(r"(?:till|fran)\s", f) or _org_line(line, rx) or _name(line.text, rx):
        return True
    if re.match(r"[\w ]{2,30}:\s", f) or any(r.match(f) for r in rx.structure.values()):
        return True  # 'Plats och tid: …', 'Justerare', '§ 12': a form's fields, not its title
    return prev is not None and (prev.f == "till" or rx.contact_label.match(prev.f) is not None)


# --------------------------------------------------------------------------- fields


def _dates_in(line: _Line) -> list[tuple[int, str]]:
    return _all_dates(line.text, line.f)


def _all_dates(text: str, f: str) -> list[tuple[int, str]]:
    """(offset, ISO date) of every valid ISO or Swedish ('13 december 2023') date, in text order."""
    out = [(m.start(), m.group(0)) for m in _RE_ISO.finditer(text)]
    out += [(m.start(), f"{m.group(3)}-{MONTHS[m.group(2)]:02d}-{int(m.group(1)):02d}") for m in _RE_SV_DATE.finditer(f)]
    return [(pos, iso) for pos, iso in sorted(out) if _valid_iso(iso)]


def guess_date(lay: Layout, rx: _Rx) -> tuple[str, float]:
    """The document's own date: a date in the title block, then the letterhead,
    on a line that is not a deadline or another event."""
    for group in (lay.title, lay.letterhead):
        for ln in group:
            found = _dates_in(ln)
            if not found or rx.date_not_own.search(ln.f):
                continue
            rest = re.sub(r"[\W\d]+", " ", _RE_SV_DATE.sub(" ", _RE_ISO.sub(" ", ln.f)))
            alone = len(rest.split()) <= 2  # '2023-12-13', 'Stockholm den 13 december 2023'
            conf = CONF["letterhead"] if ln.where == "letterhead" else CONF["title"]
            if rx.date_label.search(ln.f) or alone:
                return found[0][1], conf
            return found[0][1], CONF["structure"]
    return "", 0.0


def _guess_year(text: str, f: str, dates: list[tuple[int, str]], dnr_year: int | None, period: str) -> int | None:
    """Latest year stated as a date, dnr or plain year (not a range, law
    reference, 'år 2025' target, 'Agenda 2030'/'Vision 2040'), capped at the period's end."""
    years = [int(iso[:4]) for _, iso in dates] + ([dnr_year] if dnr_year else [])
    in_range = {i for m in _RE_RANGE.finditer(text) for i in range(m.start(), m.end())}
    for m in _RE_YEAR.finditer(text):
        if m.start() in in_range:
            continue
        before = f[max(0, m.start() - 8):m.start()]
        if not re.search(r"(\bar|agenda|vision)\s+$", before):
            years.append(int(m.group(1)))
    cap = int(period[-4:]) if period else 2100
    years = [y for y in years if y <= cap]
    return max(years) if years else None


def _norm_dnr(s: str) -> str:
    s = " ".join(s.split())
    return re.sub(r"\s*([/])\s*", r"\1", s)


def guess_dnr(text: str, f: str, lay: Layout, rx: _Rx) -> tuple[tuple[str, float], tuple[str, float]]:
    """((own dnr, conf), (remiss dnr, conf)). A dnr is the remiss's when a remiss
    cue stands before it on its line ('Svar på remiss från kommunstyrelsen, KS
    2023/739', 'Ert dnr …'); else, in the title block or letterhead, the document's own."""
    own: list[tuple[float, int, str]] = []
    remiss: list[tuple[float, int, str]] = []

    def found(start: int, end: int) -> list[tuple[int, int, str, bool]]:
        """(start, end, value, labelled) of the dnrs in text[start:end]."""
        out = [(start + m.start(1), start + m.end(1), _norm_dnr(text[start + m.start(1):start + m.end(1)]), True)
               for m in rx.dnr_labelled.finditer(f[start:end])]
        taken = {a for a, *_ in out}
        out += [(start + m.start(1), start + m.end(1), _norm_dnr(m.group(1)), False)
                for m in _RE_DNR.finditer(text[start:end]) if start + m.start(1) not in taken]
        return out

    def is_remiss(a: int, line_start: int, labelled: bool) -> bool:
        before = f[line_start:a]
        if labelled:  # the label decides: 'Dnr' own, 'Ert dnr' / 'Remissens dnr' the remiss's
            return bool(rx.dnr_remiss.search(before) or rx.remiss.search(before))
        if not before.strip():  # a dnr on its own line: the two lines before count (a title broken over lines)
            prev = f.rfind("\n", 0, max(0, line_start - 1))
            prev = f.rfind("\n", 0, max(0, prev))
            before = f[prev + 1:line_start]
        return bool(rx.remiss.search(before) or rx.dnr_remiss.search(before))

    for group, conf in ((lay.title, CONF["title"]), (lay.letterhead, CONF["letterhead"])):
        for ln in group:
            if ln.start < 0:  # a furniture string without a position: its own text
                for m in rx.dnr_labelled.finditer(ln.f):
                    before = ln.f[:m.start(1)]
                    target = remiss if rx.dnr_remiss.search(before) or rx.remiss.search(before) else own
                    target.append((conf, 10**9, _norm_dnr(ln.text[m.start(1):m.end(1)])))
                continue
            for a, b, value, labelled in found(ln.start, ln.start + len(ln.text)):
                if is_remiss(a, ln.start, labelled):
                    remiss.append((conf, a, value))
                else:
                    own.append((conf if labelled else conf - 0.15, a, value))
    if not remiss:  # the body: only a dnr the text says is the remiss's
        for a, b, value, labelled in found(0, len(text)):
            line_start = text.rfind("\n", 0, a) + 1
            if is_remiss(a, line_start, labelled):
                remiss.append((CONF["body"], a, value))
                break
    own.sort(key=lambda x: (-x[0], x[1]))
    remiss.sort(key=lambda x: (-x[0], x[1]))
    o = own[0] if own else (0.0, 0, "")
    r = next((x for x in remiss if x[2] != o[2]), (0.0, 0, ""))
    return (o[2], o[0]), (r[2], r[0])


def guess_period(text: str, f: str, lay: Layout, rx: _Rx) -> tuple[str, float]:
    """A programme period YYYY-YYYY: the title's, then the letterhead's, then the
    newest one the body names next to a programme word ('trygghetsprogram …
    2028–2031', 'programperioden 2028-2031')."""
    for group, conf in ((lay.title_marks, CONF["label"]), (lay.title, CONF["title"]),
                        (lay.letterhead, CONF["letterhead"])):
        for ln in group:
            for m in _RE_RANGE.finditer(ln.text) if not _prose(ln) else ():
                if valid_period(p := f"{m.group(1)}-{m.group(2)}"):
                    return p, conf
    counts: Counter = Counter()
    for m in _RE_RANGE.finditer(text):
        p = f"{m.group(1)}-{m.group(2)}"
        if valid_period(p) and rx.period_before.search(f[max(0, m.start() - 80):m.start()]):
            counts[p] += 1
    if counts:
        return max(counts, key=lambda x: (int(x[:4]), counts[x])), CONF["body"]
    return "", 0.0


def guess_type(f: str, lay: Layout, rx: _Rx) -> tuple[str, float]:
    """program / yttrande / tjänsteutlåtande / protokoll / other, from the title
    block and letterhead first (a type label, then a title that says it), then
    the document's structure; a word in the body never decides it."""
    labelled = [(t, CONF["label"] if ln.where == "title" else CONF["letterhead"])
                for ln in lay.title_marks + lay.title + lay.letterhead if (t := _label_type(ln, rx))]
    for t in ("protokoll", "tjänsteutlåtande", "yttrande"):
        hits = [c for tt, c in labelled if tt == t]
        if hits:
            return t, max(hits)
    titles = lay.title_marks + lay.title
    if any(rx.yttrande_title.search(ln.f) and not _prose(ln) for ln in titles):
        return "yttrande", CONF["title"]
    body = [ln.f for ln in lay.lines if ln.text and len(ln.text) <= 120]
    count = lambda t: len({m.group(0).strip() for s in body if t in rx.structure and (m := rx.structure[t].match(s))})
    if count("protokoll") >= 3:
        return "protokoll", CONF["structure"]
    decision = count("tjänsteutlåtande")
    if decision:
        formula = " ".join(s for s in body if rx.decision.search(s))
        heads = " ".join(s for s in body if len(s.split()) <= 6)
        if rx.remiss.search(formula) or rx.remiss.search(heads):
            return "yttrande", CONF["structure"]
        return "tjänsteutlåtande", CONF["structure"]
    for ln in titles:
        if len(ln.text) <= 150 and not _prose(ln) and rx.program_title.search(ln.f) and not _org_line(ln, rx):
            return "program", CONF["title"] - 0.05
    if count("program") >= 3:
        return "program", CONF["structure"] - 0.1
    return "other", 0.0


def guess_contact(lay: Layout, rx: _Rx) -> tuple[str, float]:
    """The handläggare: after a contact label ('Handläggare: Anna Berg',
    'Kontaktperson' + the name on the next line), else a name line followed by
    a phone or e-mail line, in the title block and then the letterhead."""
    for group in (lay.title, lay.letterhead):
        conf = CONF["label"] if group is lay.title else CONF["letterhead"]
        for i, ln in enumerate(group):
            if m := rx.contact_label.match(ln.f):
                rest = re.split(r"[,;]|\s(?:tel|telefon|tfn|e-?post)\b", ln.text[m.end():], maxsplit=1)[0]
                if name := _name(rest, rx):
                    return name, conf
                if not rest.strip() and i + 1 < len(group) and (name := _name(group[i + 1].text, rx)):
                    return name, conf
        for i, ln in enumerate(group):
            nxt = " ".join(x.f for x in group[i + 1:i + 3])
            head = re.split(r"[,;]|\s(?:tel|telefon|tfn|e-?post)\b|\s\+?\d", ln.text, maxsplit=1)[0]
            if (name := _name(head, rx)) and (rx.phone_label.search(nxt) or "@" in nxt or "@" in ln.f
                                               or re.search(r"\b0\d{1,3}[-\s]?\d{2,3}", ln.f + " " + nxt)):
                return name, CONF["head"]
    return "", 0.0


# --------------------------------------------------------------------------- nämnd

_DISTRICT = r"(?<![\w-])((?:[a-z]+-)*[a-z]+)\s+stadsdels"
_SDN, _SDF = r"n[a-z]{0,2}mnd(?:en)?\b", r"f[a-z]{0,3}rvaltning(?:en)?\b"
_RE_SDN, _RE_SDF = re.compile(_DISTRICT + _SDN), re.compile(_DISTRICT + _SDF)
_RE_FACK = re.compile(r"(?<![\w-])((?:[a-z]+-\s+och\s+)?[a-z]{3,}namnd(?:en)?)\b")
_RE_FORV = re.compile(r"(?<![\w-])([a-z]{3,})(?:f[a-z]{0,2}rvaltningen|kontoret)\b(\s+och\s+\w+)?")


def _district(name: str, rx: _Rx) -> str | None:
    """The known district closest to `name` ('Enskede-Arsta-Vantér' ->
    'Enskede-Årsta-Vantörs'), or None when none is close."""
    key = fold(name).rstrip("s")
    best = max(rx.districts, key=lambda d: difflib.SequenceMatcher(None, key, fold(d).rstrip("s")).ratio())
    return best if difflib.SequenceMatcher(None, key, fold(best).rstrip("s")).ratio() >= 0.8 else None


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def _namnd_at(text: str, f: str, start: int, end: int, rx: _Rx, strict: bool = False) -> str:
    """The nämnd named in f[start:end], or ''. Strict: only known districts'
    stadsdelsnämnder (for mentions outside a telling context), no '<X>nämnden'."""
    for r in (_RE_SDN, _RE_SDF):  # "<X> stadsdelsförvaltning" -> "<X> stadsdelsnämnd"
        for m in r.finditer(f, start, end):
            name = text[m.start(1):m.end(1)]
            if not name[0].isupper():
                continue
            if known := _district(name, rx):
                return known + " stadsdelsnämnd"
            if not strict:  # an unknown district: with the capitalised words before it ('Norra Järva')
                words = text[text.rfind("\n", 0, m.start(1)) + 1:m.start(1)].split()
                while words and _RE_NAME.fullmatch(words[-1]) and fold(words[-1]) not in rx.not_names:
                    name = words.pop() + " " + name
                return name + " stadsdelsnämnd"
    for m in _RE_FACK.finditer(f, start, end) if not strict else ():
        if not m.group(1).startswith(("stadsdels", "fack")):
            word = text[m.start(1):m.end(1)]
            return _cap(word if word.endswith("en") else word + "en")
    return ""


def _org_namnd(text: str, f: str, ln: _Line, rx: _Rx) -> str:
    """The nämnd an organisation line names: a nämnd or stadsdelsnämnd as written,
    '<X>förvaltningen' / '<X>kontoret' as '<X>nämnden' (exceptions from the cues),
    a body such as 'Kommunstyrelsen'."""
    if ln.start >= 0 and (found := _namnd_at(text, f, ln.start, ln.start + len(ln.text), rx)):
        return found
    for w in ln.f.split():
        w = w.strip(",.;:()")
        if w in rx.exceptions:
            return rx.exceptions[w]
        if w in rx.bodies:
            return rx.bodies[w]
    if m := _RE_FORV.search(ln.f):
        if m.group(1) not in ("stadsdels", "fack", "stadsdel"):
            i = ln.f.find(m.group(0))
            return _cap(ln.text[i:i + len(m.group(1))]) + "nämnden"
    return ""


def guess_namnd(text: str, f: str, lay: Layout, rx: _Rx) -> tuple[str, float]:
    # 1. the decision formula: "<X> godkänner/överlämnar ..."
    for m in rx.decision.finditer(f):
        if found := _namnd_at(text, f, m.start(1), m.end(1), rx):
            return found, CONF["label"]
    # 2. the address block "Till\n<X>" (not a remissvar's recipient)
    for m in re.finditer(r"^[ \t]*till(?:[ \t]*\n[ \t]*|[ \t]+)([^\n]+)", f[:5000], re.M):
        if _key(m.group(1)) not in rx.recipients and (found := _namnd_at(text, f, m.start(1), m.end(1), rx)):
            return found, CONF["head"] + 0.05
    # 3. an organisation line of the title block, then of the letterhead
    for group, conf in ((lay.title, CONF["letterhead"]), (lay.letterhead, CONF["head"])):
        for i, ln in enumerate(group):
            addressee = re.match(r"till\b", ln.f) or (i and _key(group[i - 1].text) == "till")
            if _org_line(ln, rx) and not addressee and (found := _org_namnd(text, f, ln, rx)):
                return found, conf
    # 4. a known district's stadsdelsnämnd / stadsdelsförvaltning mentioned anywhere
    if found := _namnd_at(text, f, 0, len(f), rx, strict=True):
        return found, CONF["mention"] + 0.1
    # 5. the most mentioned "<X>förvaltningen" / "<X>kontoret" -> "<X>nämnden" (+ "och <Y>")
    hits = [m for m in _RE_FORV.finditer(f) if m.group(1) not in ("stadsdels", "fack", "stadsdel")]
    if not hits:
        return "", 0.0
    top = Counter(m.group(1) for m in hits).most_common(1)[0][0]
    ms = [m for m in hits if m.group(1) == top]
    whole = fold(text[ms[0].start():ms[0].end(1)]) + f[ms[0].end(1):ms[0].end()].split()[0]
    if (exc := rx.exceptions.get(whole)) is not None:
        return exc, CONF["mention"]
    name = text[ms[0].start(1):ms[0].end(1)].capitalize() + "nämnden"
    for m in ms:
        if m.group(2) and text[m.end(2) - len(m.group(2).split()[-1])].isupper():
            return name + " och " + text[m.start(2):m.end(2)].split()[-1], CONF["mention"]
    return name, CONF["mention"]


# --------------------------------------------------------------------------- title

_RE_PROGNAME = re.compile(r"((?:[A-ZÅÄÖ][\w-]*\s+)(?:[a-zåäö][\w-]*\s+){0,3}[\w-]*program)\s+"
                          r"((?:19|20)[0-9][0-9])\s*[-–—]\s*((?:19|20)[0-9][0-9])(?![0-9])")


def guess_title(text: str, lay: Layout, rx: _Rx, doc_type: str, period: str, dnr: str) -> tuple[str, float]:
    """The title block's title lines (past the letterhead, labels, dnr, dates,
    addresses and names), joined with ' – '; else one made from the programme's
    name as the text writes it, the period and the type."""
    if lay.title_marks:
        return " – ".join(ln.text for ln in lay.title_marks[:2]), CONF["label"]
    for ln in lay.title:  # 'Ärende: Remissvar gällande …'
        if m := rx.title_label.match(ln.f):
            return ln.text[m.end():].strip(), CONF["title"]
    parts: list[str] = []
    for i, ln in enumerate(lay.title):
        before = lay.title[i - 1] if i else None
        if _skip_for_title(ln, rx, before):
            if parts:
                break
            continue
        nxt = lay.title[i + 1] if i + 1 < len(lay.title) else None
        if _prose(ln) or len(ln.text) > 150 or (nxt is not None and nxt.text[:1].islower()):
            break
        parts.append(ln.text)
        if len(parts) == 3:
            break
    if parts:
        return " – ".join(parts), CONF["title"] - 0.05
    if period and doc_type in ("yttrande", "tjänsteutlåtande", "program"):
        names = Counter(" ".join(m.group(1).split()) for m in _RE_PROGNAME.finditer(text)
                        if f"{m.group(2)}-{m.group(3)}" == period)
        if names:
            title = f"{names.most_common(1)[0][0]} {period.replace('-', '–')}"
            if doc_type != "program":
                title += " – svar på remiss" if rx.remiss.search(ffold(text[:SCAN])) else f" – {doc_type}"
                title += f" ({dnr})" if dnr else ""
            return title, CONF["generated"]
    return "", 0.0


# --------------------------------------------------------------------------- all fields


def guess_metadata(doc_id: str, text: str, *, page_starts: Sequence[int] | None = None, marks: Sequence = (),
                   furniture: Iterable = ()) -> DocMeta:
    """Metadata extracted from a document's text; `guessed` lists the filled
    fields and `confidence` their confidence. `page_starts` (Document.page_starts),
    `marks` (Document.marks: title and margin spans from the parser) and
    `furniture` (lines a layout step removed: running headers, footers) make
    the title block and letterhead better known; all are optional."""
    rx = _rx()
    text = text[:SCAN]
    f = ffold(text)
    lay = layout(text, f, tuple(p for p in (page_starts or (0,)) if p < len(text)) or (0,), marks, furniture)
    namnd, c_namnd = guess_namnd(text, f, lay, rx)
    (dnr, c_dnr), (remiss_dnr, c_remiss) = guess_dnr(text, f, lay, rx)
    period, c_period = guess_period(text, f, lay, rx)
    date, c_date = guess_date(lay, rx)
    dates = _all_dates(text, f)
    if date:
        year, c_year = int(date[:4]), c_date
    else:
        dnr_years = [int(m.group(1)) for m in re.finditer(r"((?:19|20)\d\d)\s*/", dnr or remiss_dnr)]
        year, c_year = _guess_year(text, f, dates, dnr_years[0] if dnr_years else None, period), CONF["mention"]
    doc_type, c_type = guess_type(f, lay, rx)
    handlaggare, c_hand = guess_contact(lay, rx)
    title, c_title = guess_title(text, lay, rx, doc_type, period, remiss_dnr or dnr)
    values = dict(title=title, namnd=namnd, doc_type=doc_type, period=period, dnr=dnr, date=date, year=year,
                  remiss_dnr=remiss_dnr, handlaggare=handlaggare)
    conf = dict(title=c_title, namnd=c_namnd, doc_type=c_type, period=c_period, dnr=c_dnr, date=c_date, year=c_year,
                remiss_dnr=c_remiss, handlaggare=c_hand)
    guessed = tuple(k for k in GUESS_FIELDS
                    if values[k] not in ("", None) and not (k == "doc_type" and doc_type == "other"))
    return DocMeta(doc_id=doc_id, guessed=guessed, confidence={k: round(min(1.0, conf[k]), 2) for k in guessed},
                   **values)
