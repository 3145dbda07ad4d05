"""Skriv yttrande: draft a new yttrande (tjänsteutlåtande / remissvar) from
earlier yttranden in the index.

Extractive, no LLM. Each standard section gets a short frame written from the
officer's input (own nämnd, remittent, title, dnr, date, key points) and
sentences from the same section of earlier yttranden. Those sentences are
*adapted* for the body (`adapt_sentence`: the earlier nämnd, förvaltning,
stadsdel and programme version replaced by the own ones; a sentence carrying
facts of another case - a date, another year, another nämnd - is not adapted
but only shown as underlag). The verbatim wording stays with its citation [n]:
in the Markdown beside the paragraph, in the .docx as a Word comment on the
sentence it supports (assistant/docx_out.py).

Pure except the retrieval (the corpus is passed in) and `to_docx`'s file
write.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from index.chunk import heading_taxonomy
from index.corpus import Corpus
from index.textnorm import analyze, fold, normalize_ws
from index.types import Chunk, Citation, Hit

from .exports import display_source
from .quotes import sentence_spans, verify_quote
from .render import escape_md, keep_citations

# The draft's sections, in draft order: the heading families of index/headings.yaml (the one taxonomy)
SECTIONS = tuple(fam for fam, _ in heading_taxonomy().families)

MAX_FIELD_CHARS = 300
MAX_POINTS_CHARS = 5000
MAX_KEY_POINTS = 12
SEARCH_K = 40

NO_PRECEDENT = "Inget tidigare yttrande i underlaget har ett motsvarande avsnitt."
NO_POINT_PRECEDENT = "Inget tidigare yttrande i underlaget tar upp denna synpunkt."

# Headings that count as the same section across the precedents (chunk.section
# main part, before " › "): index/headings.yaml `families`.
SECTION_FAMILIES: dict[str, tuple[str, ...]] = dict(heading_taxonomy().families)
_FAMILY_OF = {fold(h): fam for fam, heads in SECTION_FAMILIES.items() for h in heads}
_ALL_HEADINGS = set(_FAMILY_OF) | {fold(h) for h in (heading_taxonomy().preamble, *heading_taxonomy().other)}

_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
           "oktober", "november", "december")

# Terms that say nothing about what a passage is about. Boilerplate never
# counts as a match; domain terms (the whole corpus is about the programme) do
# not count when matching a key point, but do when matching the remiss title.
_BOILERPLATE = frozenset(analyze(
    "förvaltningen förvaltningens förvaltningarna nämnden nämnder nämndens stadsdelsnämnden staden "
    "stadens stad stockholm stockholms remiss remissen yttrande förslag förslaget beslut "
    "tjänsteutlåtande tjänsteutlåtandet ärendet svar också även bra viktigt behov del sätt "
    "bör behöver behövs måste anser tycker önskar vill menar ställer kunna göra gör blir finns"))
_DOMAIN = frozenset(analyze(
    "trygghetsprogram trygghetsprogrammet program programmet brottsförebyggande trygghetsskapande "
    "arbete arbetet trygghet tryggheten säkerhetsprogram"))


# ----------------------------------------------------------------- types

@dataclass
class DraftInput:
    title: str  # remiss title, e.g. "Stockholms stads trygghetsprogram 2028–2031"
    namnd: str  # own nämnd, e.g. "Skarpnäcks stadsdelsnämnd"
    remittent: str = "kommunstyrelsen"
    dnr: str = ""
    date: str = ""  # YYYY-MM-DD
    points: str = ""  # free text: key points, one per line or prose
    handlaggare: str = ""  # the officer writing it (title block of the .docx)
    forvaltning: str = ""  # own förvaltning; "" = derived from the nämnd (forvaltning_of)


@dataclass
class Sentence:
    """One sentence (or formula) of the body. `sources` are the earlier
    yttranden it rests on (shown beside it: a Word comment, a quote in the
    Markdown); `basis`, when set, is the one whose wording it adapts."""

    text: str
    sources: list[Citation] = field(default_factory=list)
    basis: Citation | None = None
    hint: str = ""  # what the officer should write or check here (a comment, never body text)

    @property
    def adapted(self) -> bool:
        """The wording is the basis quote with names/version replaced (not verbatim)."""
        return self.basis is not None and normalize_ws(self.text) != normalize_ws(self.basis.quote)


@dataclass
class Paragraph:
    sentences: list[Sentence]
    items: list[str] = field(default_factory=list)  # a bullet list after the lead sentence(s)
    note: str = ""  # review note for the Markdown only (e.g. NO_PRECEDENT), never in the .docx body


@dataclass
class DraftSection:
    heading: str  # one of SECTIONS
    text: str  # review text: body paragraphs, each followed by its quoted underlag [n] (Markdown)
    citations: list[Citation] = field(default_factory=list)
    paras: list[Paragraph] = field(default_factory=list)  # the body as the .docx writes it


@dataclass
class Draft:
    input: DraftInput
    sections: list[DraftSection]
    citations: list[Citation]  # all, numbered 1..N consecutively across the draft
    warnings: list[str] = field(default_factory=list)


# ----------------------------------------------------------------- input

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not storable in .docx
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FIELD_NAMES = (("title", "Titeln", "lång"), ("namnd", "Nämndens namn", "långt"),
                ("remittent", "Remittenten", "lång"), ("dnr", "Diarienumret", "långt"), ("date", "Datumet", "långt"),
                ("handlaggare", "Handläggarens namn", "långt"), ("forvaltning", "Förvaltningens namn", "långt"))


def validate_input(inp: DraftInput) -> list[str]:
    """Swedish error messages for an unusable input ([] when it is fine)."""
    errors: list[str] = []
    for name, label, long in _FIELD_NAMES:
        value = getattr(inp, name)
        if not isinstance(value, str):
            errors.append(f"{label} måste vara text.")
        elif len(value) > MAX_FIELD_CHARS:
            errors.append(f"{label} är för {long} ({len(value)} tecken, högst {MAX_FIELD_CHARS}).")
    if not isinstance(inp.points, str):
        errors.append("Nyckelpunkterna måste vara text.")
    elif len(inp.points) > MAX_POINTS_CHARS:
        errors.append(f"Nyckelpunkterna är för långa ({len(inp.points)} tecken, högst {MAX_POINTS_CHARS}).")
    if isinstance(inp.title, str) and not inp.title.strip():
        errors.append("Ange remissens titel.")
    if isinstance(inp.namnd, str) and not inp.namnd.strip():
        errors.append("Ange vilken nämnd som yttrar sig.")
    if isinstance(inp.remittent, str) and not inp.remittent.strip():
        errors.append("Ange remittent (t.ex. kommunstyrelsen).")
    if isinstance(inp.date, str) and inp.date.strip():
        d = inp.date.strip()
        if not _DATE.match(d):
            errors.append(f"Datumet ska skrivas ÅÅÅÅ-MM-DD, t.ex. 2023-12-13 (angivet: {d[:40]!r}).")
        else:
            try:
                _dt.date.fromisoformat(d)
            except ValueError:
                errors.append(f"Datumet {d!r} finns inte i kalendern.")
    return errors


def swedish_date(iso: str) -> str:
    """'2023-12-13' -> '13 december 2023' ('' stays '')."""
    if not iso:
        return ""
    d = _dt.date.fromisoformat(iso)
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


_BULLET = re.compile(r"^\s*(?:[-–—•*·]|\d{1,2}[.)])\s+")


def parse_points(points: str) -> list[str]:
    """Key points from free text: bullet/numbered items, else one per line,
    else (one line of prose) one per sentence."""
    lines = [ln.rstrip() for ln in (points or "").splitlines()]
    items: list[str] = []
    if any(_BULLET.match(ln) for ln in lines):
        for ln in lines:
            if _BULLET.match(ln):
                items.append(_BULLET.sub("", ln).strip())
            elif ln.strip() and items:
                items[-1] = f"{items[-1]} {ln.strip()}"  # continuation of a bullet
            elif ln.strip():
                items.append(ln.strip())
    else:
        items = [ln.strip() for ln in lines if ln.strip()]
        if len(items) == 1:
            items = [items[0][a:b] for a, b in sentence_spans(items[0])]
    return [normalize_ws(i) for i in items if normalize_ws(i)]


def _clean(s: str) -> str:
    """User text put into the draft: whitespace collapsed, and '[3]' written
    '(3)' so it cannot pass for a citation marker."""
    return re.sub(r"\[(\d+)\]", r"(\1)", normalize_ws(_XML_BAD.sub("", s or "")))


def _upper_first(s: str) -> str:
    return s[:1].upper() + s[1:]


_KEEP_CASE = re.compile(r"^(?:Stockholm|Sverige|Region|Brå|Agenda|Vision|[A-ZÅÄÖ]{2,}\b)")


def _lower_first(s: str) -> str:
    if _KEEP_CASE.match(s) or (len(s) > 1 and s[1].isupper()):
        return s
    return s[:1].lower() + s[1:]


_VERBISH = frozenset("""är var bör behöver behövs ska skall måste saknas saknar kan kunde har hade blir
    borde finns fanns ger leder stärks stärka önskar anser ser menar välkomnar tillstyrker avstyrker
    instämmer stödjer stöder delar föreslår gäller innebär riskerar krävs kräver får""".split())


def point_opener(point: str) -> str:
    """Turn a key point into a paragraph opener in förvaltningen's voice."""
    p = _clean(point).rstrip(" .;:,")
    if not p:
        return ""
    first = fold(p.split()[0])
    if first in ("forvaltningen", "forvaltningarna", "namnden", "vi"):
        return _upper_first(p) + "."
    if any(w in _VERBISH for w in (w.lower() for w in re.findall(r"[^\W\d_]+", p))):
        return f"Förvaltningen anser att {_lower_first(p)}."
    return f"Förvaltningen vill särskilt lyfta {_lower_first(p)}."


# ----------------------------------------------------------------- matching

def section_family(section: str) -> str | None:
    """The SECTIONS heading a chunk section belongs to (None for others)."""
    main = (section or "").split(" › ")[0].strip().rstrip(":")
    return _FAMILY_OF.get(fold(re.sub(r"\s+", " ", main)))


def _terms(text: str) -> set[str]:
    return {t for t in analyze(text) if len(t) >= 3 and not t.isdigit()}


def _term_in(term: str, sent_terms: set[str], sent_fold: str) -> bool:
    if term in sent_terms:
        return True
    if len(term) >= 5 and term in sent_fold:  # compounds: 'samverkan' in 'samverkansprocessen'
        return True
    if len(term) >= 8:  # an inflected stem: 'trygghetsprogrammet' ~ 'trygghetsprogram', at a word start
        return re.search(r"\b" + re.escape(term[:max(6, len(term) - 3)]), sent_fold) is not None
    return False


def _overlap(query_terms: set[str], sentence: str, generic: frozenset[str]) -> tuple[float, int]:
    """(weighted share of the query terms found in `sentence`, number of
    non-generic terms found)."""
    if not query_terms:
        return 0.0, 0
    st, sf = _terms(sentence), fold(sentence)
    total = got = 0.0
    specific = 0
    for t in query_terms:
        w = 0.25 if t in generic else 1.0
        total += w
        if _term_in(t, st, sf):
            got += w
            specific += t not in generic and len(t) >= 4
    return got / total, specific


_OK_START = re.compile(r"^[A-ZÅÄÖÉ]")


def _good_sentence(s: str) -> bool:
    words = s.split()
    return (40 <= len(s) <= 450 and len(words) >= 6 and bool(_OK_START.match(s))
            and s.endswith((".", "!", ".)", ".”", ".»")) and "\t" not in s and "@" not in s
            and not re.search(r"\[\d+\]|(?<!\S)[eo](?!\S)", s) and sum(ch.isalpha() for ch in s) > 0.7 * len(s.replace(" ", "")))


def chunk_sentences(chunk: Chunk) -> list[str]:
    """Citable sentences of a chunk, whitespace-normalised, heading lines
    dropped; each verifies against the chunk."""
    heads = _ALL_HEADINGS | {fold(p.strip()) for p in chunk.section.split(" › ")}
    out = []
    prev = ""
    for a, b in sentence_spans(chunk.text):
        raw = chunk.text[a:b]
        after_colon, prev = prev.endswith(":"), raw
        if after_colon:  # the rest of a list or an 'X: Y och Z' construction, not a sentence
            continue
        while "\n" in raw:
            first, rest = raw.split("\n", 1)
            if fold(normalize_ws(first).rstrip(":")) in heads:
                raw = rest.lstrip()
            else:
                break
        s = normalize_ws(raw)
        if _good_sentence(s) and verify_quote(s, chunk):
            out.append(s)
    return out


def _is_closing(sentence: str) -> bool:
    f = fold(sentence)
    return "foreslar att" in f and ("overlamna" in f or "godkann" in f)


# ----------------------------------------------------------------- adapting

_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-–]\s*((?:19|20)\d\d)(?!\d)")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_CASE_FACTS = re.compile(r"(?<!\w)(?:" + "|".join(fold(m) for m in _MONTHS) + r"|dnr|§)(?!\w)")
# a sentence that leans on its neighbours cannot stand in another text
_ANAPHORA = re.compile(r"(?<!\w)(?:ovanstaende|nedanstaende|enligt ovan|se ovan|se nedan|foljande:)(?!\w)"
                       r"|^(?:detta|dessa|det har|den har|han|hon|de) ")
_NAMND = re.compile(r"([Nn])ämnd(en)?(?!\w)")


def programme_period(text: str) -> str:
    """The programme version named in a title, as written ('2028–2031'); '' when none."""
    m = _PERIOD.search(text or "")
    return m.group(0) if m else ""


def forvaltning_of(namnd: str) -> str:
    """The förvaltning of a nämnd by the usual naming rule: 'Skarpnäcks
    stadsdelsnämnd' -> 'Skarpnäcks stadsdelsförvaltning', 'Kulturnämnden och
    Stadsarkivet' -> 'Kulturförvaltningen och Stadsarkivet'; '' when the name
    has no 'nämnd' (a nämnd whose office is a 'kontor' is named in
    DraftInput.forvaltning)."""
    out, n = _NAMND.subn(lambda m: ("F" if m.group(1) == "N" else "f") + "örvaltning" + (m.group(2) or ""),
                         namnd or "", count=1)
    return out if n else ""


def genitive(name: str) -> str:
    return name if not name or name[-1].lower() in "sxz" else name + "s"


def area_of(namnd: str) -> str:
    """The stadsdel of a stadsdelsnämnd ('Skarpnäcks stadsdelsnämnd' ->
    'Skarpnäck'); '' for other nämnder."""
    m = re.match(r"^\s*(.+?)s?\s+stadsdelsnämnd(?:en)?\s*$", namnd or "", re.IGNORECASE)
    return m.group(1).strip() if m else ""


def _name_stems(namnd: str) -> set[str]:
    """Folded word stems that identify a nämnd in running text: its stadsdel
    and the stadsdel's parts for a stadsdelsnämnd, else its capitalised words
    ('Kulturnämnden och Stadsarkivet' -> {'kulturnamnd', 'stadsarkiv'})."""
    stems: set[str] = set()
    for part in re.split(r"\s+och\s+|,\s*", namnd or ""):
        area = area_of(part)
        words = ([area, *re.split(r"[-\s]+", area)] if area else
                 [w for w in re.findall(r"[\w-]+", part) if w[:1].isupper()])
        for w in words:
            f = fold(w)
            if len(f) > 6:
                f = re.sub(r"(?:en|et)$", "", f)
            if len(f) >= 4:
                stems.add(f)
    return stems


def _name_pattern(name: str) -> re.Pattern:
    """A name in running text: any case, any whitespace, definite or not, with
    an optional genitive s (group 'gen')."""
    esc = r"\s+".join(re.escape(w) for w in name.split())
    esc = re.sub(r"(nämnd|förvaltning)en$", r"\1(?:en)?", esc)
    return re.compile(r"(?<![\w-])" + esc + r"(?P<gen>s)?(?![\w-])", re.IGNORECASE)


def _swap(pattern: re.Pattern, own: str, text: str) -> str:
    return pattern.sub(lambda m: genitive(own) if m.group("gen") else own, text)


def _swap_self(pattern: re.Pattern, text: str) -> str:
    """The writer's own förvaltning, named: in a tjänsteutlåtande it is 'förvaltningen'."""
    return pattern.sub(lambda m: ("F" if m.start() == 0 else "f") + "örvaltningen" + ("s" if m.group("gen") else ""),
                       text)


@dataclass(frozen=True)
class Own:
    """What a sentence of an earlier yttrande is adapted to."""

    namnd: str
    period: str  # own programme version as written ('2028–2031'), '' when the title names none
    known: tuple[str, ...] = ()  # the nämnder in the index (facets): naming another one blocks adoption

    @property
    def area(self) -> str:
        return area_of(self.namnd)


def adapt_sentence(quote: str, chunk: Chunk, own: Own) -> str | None:
    """`quote` (from `chunk`, an earlier yttrande) rewritten for the own
    nämnd and programme version, or None when it cannot stand in the new
    text: it still names another nämnd or stadsdel, another year or a date,
    a dnr, or leans on its neighbours ('ovanstående'). The quote itself is
    not changed; this is new text (its citation keeps the original)."""
    text = normalize_ws(quote)
    if _ANAPHORA.search(fold(text)):
        return None
    theirs = (chunk.namnd or "").strip()
    if theirs and fold(theirs) != fold(own.namnd):
        parts = [p for p in re.split(r"\s+och\s+", theirs) if p]
        # their förvaltning wrote the text: here that is 'förvaltningen'; their nämnd becomes the own nämnd
        forvs = [forvaltning_of(theirs)] + ([forvaltning_of(parts[0])] if len(parts) > 1 else [])
        for name in filter(None, forvs):
            text = _swap_self(_name_pattern(name), text)
        for name in [theirs] + ([parts[0]] if len(parts) > 1 else []):  # 'Kulturnämnden och Stadsarkivet'
            text = _swap(_name_pattern(name), own.namnd, text)
        if len(parts) > 1:  # the joint förvaltningar of the earlier yttrande are the own förvaltning
            text = re.sub(r"(?<!\w)([Ff])örvaltningarna(s?)(?!\w)", lambda m: m.group(1) + "örvaltningen" +
                          (m.group(2) or ""), text)
        their_area = area_of(theirs)
        if their_area:
            if not own.area and _name_pattern(their_area).search(text):
                return None
            if own.area:
                text = _swap(_name_pattern(their_area), own.area, text)
    if not area_of(own.namnd):  # 'stadsdelsnämnden' of an earlier yttrande is, for a facknämnd, 'nämnden'
        text = re.sub(r"(?<!\w)([Ss])tadsdels(nämnd|förvaltning)(en)?(s?)(?!\w)",
                      lambda m: (m.group(2)[0].upper() if m.group(1) == "S" else m.group(2)[0]) + m.group(2)[1:]
                      + (m.group(3) or "") + (m.group(4) or ""), text)
    if chunk.period:
        y = chunk.period.replace("–", "-").split("-")
        if len(y) == 2:
            rx = re.compile(rf"(?<!\d){y[0]}\s*[-–]\s*{y[1]}(?!\d)")
            if rx.search(text):
                if not own.period:
                    return None
                text = rx.sub(own.period, text)
    rest = text.replace(own.period, " ") if own.period else text
    if _YEAR.search(rest) or _CASE_FACTS.search(fold(rest)):
        return None
    own_stems = _name_stems(own.namnd)
    left = fold(rest)
    for name in {*own.known, theirs}:
        for stem in _name_stems(name) - own_stems:
            if re.search(r"(?<![\w-])" + re.escape(stem), left):
                return None
    return _upper_first(text)


@dataclass(frozen=True)
class _Cand:
    chunk: Chunk
    quote: str
    score: float
    pos: int  # position among the section-matching hits (1-based)


def _pick(cands: list[_Cand], n: int, used: set[str] | None = None, *, relative: float = 0.0) -> list[_Cand]:
    """Best `n` candidates, different documents first, no quote twice; with
    `relative`, none scoring below that share of the best one."""
    used = set(used or ())
    ranked = sorted(cands, key=lambda c: (-c.score, c.pos))
    if ranked and relative:
        ranked = [c for c in ranked if c.score >= relative * ranked[0].score]
    chosen: list[_Cand] = []
    docs: set[str] = set()
    for strict in (True, False):
        for c in ranked:
            if len(chosen) >= n:
                return chosen
            if c.quote in used or (strict and c.chunk.doc_id in docs):
                continue
            chosen.append(c)
            used.add(c.quote)
            docs.add(c.chunk.doc_id)
    return chosen


# ----------------------------------------------------------------- building

_CLOSING_QUERY = ("Förvaltningen föreslår att nämnden godkänner förvaltningens tjänsteutlåtande och "
                  "överlämnar det som svar på remissen")


class _Sources:
    """Numbers citations 1..N in order of first use; the same quote from the
    same chunk keeps its number."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._by_key: dict[tuple[str, str], Citation] = {}

    def cite(self, cand: _Cand) -> Citation | None:
        key = (cand.chunk.id, cand.quote)
        if key in self._by_key:
            return self._by_key[key]
        if not verify_quote(cand.quote, cand.chunk):  # the guarantee: never cite what is not there
            return None
        c = Citation(n=len(self.citations) + 1, chunk=cand.chunk, quote=cand.quote, score=cand.score)
        self.citations.append(c)
        self._by_key[key] = c
        return c


def _who(chunk: Chunk) -> str:
    return f"{chunk.namnd or chunk.doc_id} ({chunk.year})" if chunk.year else (chunk.namnd or chunk.doc_id)


@dataclass
class _S:
    """A body sentence under construction: candidates are numbered as
    citations only when the section is finished, in reading order."""

    text: str
    cands: list[_Cand] = field(default_factory=list)
    basis: _Cand | None = None
    hint: str = ""


@dataclass
class _P:
    sents: list[_S]
    items: list[str] = field(default_factory=list)
    note: str = ""


def section_text(paras: list[Paragraph], *, inline: bool = False) -> str:
    """The review text of a section: each body paragraph, then the verbatim
    underlag it rests on ('Formulering från X (år) [n]: »…«'), then what is
    left to write ('Att skriva: …') and review notes; paragraphs separated by
    a blank line. `inline` (the draft as a chat answer, whose citations show
    the quotes): each sentence followed by its sources' [n], no quotes, no notes."""
    out: list[str] = []
    for p in paras:
        body = " ".join(s.text + ("".join(f" [{c.n}]" for c in s.sources) if inline else "")
                        for s in p.sentences if s.text)
        if p.items:
            body = "\n".join([body] + [f"- {i}" for i in p.items])
        if body.strip():
            out.append(body)
        if not inline:
            for s in p.sentences:
                out += [f"Formulering från {_who(c.chunk)} [{c.n}]: »{c.quote}«" for c in s.sources]
        hints = " ".join(s.hint for s in p.sentences if s.hint)
        if hints:
            out.append(f"{HINT_PREFIX}{hints}")
        if p.note and not inline:
            out.append(p.note)
    return "\n\n".join(out)


HINT_PREFIX = "Att skriva: "


class _Builder:
    def __init__(self, corpus: Corpus, inp: DraftInput, per_section: int):
        self.corpus = corpus
        self.inp = inp
        self.per_section = max(1, int(per_section))
        self.title = _clean(inp.title)
        self.namnd = _clean(inp.namnd)
        self.remittent = _clean(inp.remittent) or "kommunstyrelsen"
        self.dnr = _clean(inp.dnr)
        self.date = inp.date.strip()
        self.points = [_clean(p) for p in parse_points(inp.points)]
        self.sources = _Sources()
        self.quoted: set[str] = set()  # precedent sentences already shown (one quote, one place)
        self.warnings: list[str] = []
        facets = corpus.facets()
        # precedents come from responses (yttranden, tjänsteutlåtanden); a corpus without any searches every type
        responses = [t for t in ("yttrande", "tjänsteutlåtande") if facets["doc_type"].get(t)]
        self._filters: dict = {"doc_type": responses} if responses else {}
        self.own = Own(namnd=self.namnd, period=programme_period(self.title),
                       known=tuple(str(n) for n in facets.get("namnd", {}) if n))
        self.adapted_any = False
        if len(self.points) > MAX_KEY_POINTS:
            self.warnings.append(f"Endast de första {MAX_KEY_POINTS} nyckelpunkterna har använts "
                                 f"(angivna: {len(self.points)}).")
            self.points = self.points[:MAX_KEY_POINTS]

    # -- retrieval
    def _search(self, query: str, family: str) -> list[Hit]:
        """Hits for `query` in sections of `family` (the corpus filters by section,
        so a large corpus still yields precedents), from yttranden when there are any."""
        from index.search import FilterError

        try:
            return self.corpus.search(query, k=SEARCH_K,
                                      filters={**self._filters, "section": list(SECTION_FAMILIES[family])})
        except FilterError:
            return []  # no section of this family anywhere in the corpus

    def hits(self, family: str, *queries: str) -> list[Hit]:
        """Section-matching hits for the queries, in order, no chunk twice."""
        out: list[Hit] = []
        seen: set[str] = set()
        for q in queries:
            q = normalize_ws(q)
            if not q:
                continue
            for h in self._search(q, family):
                if h.chunk.id not in seen and section_family(h.chunk.section) == family:
                    seen.add(h.chunk.id)
                    out.append(h)
        return out

    @staticmethod
    def candidates(hits: list[Hit], score) -> list[_Cand]:
        """score(sentence, chunk) -> float | None (None = not usable)."""
        out = []
        for pos, h in enumerate(hits, start=1):
            for s in chunk_sentences(h.chunk):
                v = score(s, h.chunk)
                if v is not None:
                    out.append(_Cand(h.chunk, s, v + 0.25 / pos, pos))
        return out

    # -- text helpers
    def pick(self, cands: list[_Cand], *, relative: float = 0.0) -> list[_Cand]:
        chosen = _pick(cands, self.per_section, self.quoted, relative=relative)
        self.quoted.update(c.quote for c in chosen)  # one quote, one place
        return chosen

    def adopt(self, chosen: list[_Cand], limit: int) -> tuple[list[_S], list[_Cand]]:
        """(body sentences adapted from up to `limit` of the chosen, the rest):
        the rest stays underlag of the sentence it is attached to."""
        adopted: list[_S] = []
        rest: list[_Cand] = []
        for cand in chosen:
            text = adapt_sentence(cand.quote, cand.chunk, self.own) if len(adopted) < limit else None
            if text:
                adopted.append(_S(text, [cand], basis=cand))
            else:
                rest.append(cand)
        return adopted, rest

    def finish(self, heading: str, ps: list[_P]) -> DraftSection:
        """Number the section's underlag in reading order and build its text."""
        used: list[Citation] = []
        paras: list[Paragraph] = []
        for p in ps:
            sents: list[Sentence] = []
            for s in p.sents:
                cites = [c for c in (self.sources.cite(cand) for cand in s.cands) if c is not None]
                basis = None
                if s.basis is not None:
                    basis = next((c for c in cites if c.quote == s.basis.quote and c.chunk.id == s.basis.chunk.id),
                                 None)
                    if basis is None:  # its quote did not verify: the sentence has no ground, drop it
                        continue
                sent = Sentence(s.text, cites, basis, s.hint)
                self.adapted_any |= sent.adapted
                used += cites
                sents.append(sent)
            if sents or p.items:
                paras.append(Paragraph(sents, list(p.items), p.note))
        return DraftSection(heading, section_text(paras), list({c.n: c for c in used}.values()), paras)

    def closing(self, hits: list[Hit]) -> _S:
        """'Förvaltningen föreslår att nämnden godkänner …' with the closing of
        an earlier yttrande it follows, when one is found."""
        text = (f"Förvaltningen föreslår att nämnden godkänner förvaltningens tjänsteutlåtande och "
                f"överlämnar det till {self.remittent} som svar på remissen.")

        def score(s, c):
            if not _is_closing(s):
                return None
            f = fold(s)
            return 1.0 + 0.5 * ("overlamna" in f) + 0.3 * ("godkanner" in f) + 0.2 * ("namnden" in f)

        return _S(text, _pick(self.candidates(hits, score), 1))

    def no_precedent(self, heading: str) -> str:
        self.warnings.append(f"Inga tidigare yttranden i underlaget har ett avsnitt som motsvarar ”{heading}”.")
        return NO_PRECEDENT

    # -- sections
    def beslut(self) -> DraftSection:
        h = "Förslag till beslut"
        hits = self.hits(h, f"{self.title} {h}",
                         "Förslag till beslut godkänner förvaltningens tjänsteutlåtande och överlämnar det "
                         "som svar på remissen")

        def score(s, c):
            f = fold(s)
            if "overlamna" not in f or _is_closing(s):
                return None
            return 1.0 + 0.5 * ("godkanner" in f) + 0.3 * ("overlamnar det till" in f)

        chosen = _pick(self.candidates(hits, score), self.per_section)
        self.quoted.update(c.quote for c in chosen)
        formula = None
        if chosen:
            formula = adapt_formula(chosen[0].quote, chosen[0].chunk, self.namnd, self.remittent)
        formula = formula or standard_formula(self.namnd, self.remittent)
        if chosen:
            return self.finish(h, [_P([_S(formula, chosen)])])
        return self.finish(h, [_P([_S(formula, hint="Kontrollera beslutsformeln mot nämndens praxis.")],
                                  note=self.no_precedent(h))])

    def sammanfattning(self) -> DraftSection:
        h = "Sammanfattning"
        pts = " ".join(self.points)
        hits = self.hits(h, f"{self.title} {h} {pts}", f"{self.title} {h}", _CLOSING_QUERY)
        tq, pq = _terms(self.title), _terms(pts)

        def score(s, c):
            if _is_closing(s):
                return None
            t, ts = _overlap(tq, s, _BOILERPLATE)
            p, ps = _overlap(pq, s, _BOILERPLATE | _DOMAIN)
            if not (ts or ps):
                return None
            return p + 0.5 * t + 0.2 * fold(s).startswith("forvaltning")

        frame = _S(f"{_upper_first(self.remittent)} har remitterat {self.title} till {self.namnd} för yttrande.",
                   hint="Sammanfatta kortfattat förslagets innehåll.")
        ps = [_P([frame])]
        if self.points:
            ps.append(_P([_S("Förvaltningens huvudsakliga synpunkter:")], items=list(self.points)))
        chosen = self.pick(self.candidates(hits, score))
        adopted, frame.cands = self.adopt(chosen, self.per_section)
        if adopted:
            ps.append(_P(adopted))
        if not chosen:
            ps[-1].note = self.no_precedent(h)
        ps.append(_P([self.closing(hits)]))
        return self.finish(h, ps)

    def bakgrund(self) -> DraftSection:
        h = "Bakgrund"
        hits = self.hits(h, f"{self.title} {h}", "Bakgrund kommunstyrelsen har remitterat ärendet för yttrande")
        tq = _terms(self.title)

        def score(s, c):
            v, specific = _overlap(tq, s, _BOILERPLATE)
            remitted = "remitter" in fold(s)
            return v + 0.5 * remitted if (specific or remitted) else None

        text = f"{_upper_first(self.remittent)} har remitterat ärendet {self.title}"
        text += f" (dnr {self.dnr})" if self.dnr else ""
        text += f" till {self.namnd} för yttrande."
        frame = [_S(text)]
        if self.date:
            frame.append(_S(f"Förvaltningens tjänsteutlåtande är daterat den {swedish_date(self.date)}."))
        chosen = self.pick(self.candidates(hits, score))
        adopted, frame[0].cands = self.adopt(chosen, self.per_section)
        ps = [_P(frame)] + ([_P(adopted)] if adopted else [])
        if not chosen:
            frame[0].hint = "Beskriv kort ärendets bakgrund."
            ps[-1].note = self.no_precedent(h)
        return self.finish(h, ps)

    def beredning(self) -> DraftSection:
        h = "Ärendets beredning"
        hits = self.hits(h, f"{self.title} {h}", "Ärendets beredning ärendet har beretts inom")

        def score(s, c):
            return 1.0 + 0.5 * ("beretts" in fold(s))

        chosen = self.pick(self.candidates(hits, score))
        adopted, rest = self.adopt(chosen, 1)  # one account of how it was prepared; the others as alternatives
        if adopted:
            sent = adopted[0]
            sent.cands += rest
            sent.hint = "Anpassa till hur ärendet har beretts hos förvaltningen."
            return self.finish(h, [_P([sent])])
        sent = _S("Ärendet har beretts inom förvaltningen.", rest,
                  hint="Ange vilken avdelning eller enhet som har berett ärendet och eventuell samverkan.")
        return self.finish(h, [_P([sent], note="" if chosen else self.no_precedent(h))])

    def arendet(self) -> DraftSection:
        h = "Ärendet"
        pts = " ".join(self.points)
        hits = self.hits(h, f"{self.title} {h} {pts}", f"{self.title} {h}")
        tq, pq = _terms(self.title), _terms(pts)

        def score(s, c):
            t, ts = _overlap(tq, s, _BOILERPLATE)
            p, ps = _overlap(pq, s, _BOILERPLATE | _DOMAIN)
            return (t + 0.5 * p) if (ts or ps) else None

        frame = _S(f"Remissen avser {self.title}.", hint="Beskriv kortfattat förslagets syfte, mål och "
                   "ansvarsfördelning samt vad det innebär för nämnden.")
        chosen = self.pick(self.candidates(hits, score))
        adopted, frame.cands = self.adopt(chosen, self.per_section)
        ps = [_P([frame])] + ([_P(adopted)] if adopted else [])
        if not chosen:
            ps[-1].note = self.no_precedent(h)
        return self.finish(h, ps)

    def synpunkter(self) -> DraftSection:
        h = "Förvaltningens synpunkter och förslag"
        ps: list[_P] = []
        generic = _BOILERPLATE | _DOMAIN
        section_hits = self.hits(h, f"{self.title} {h}", _CLOSING_QUERY)
        if self.points:
            for point in self.points:
                pq = _terms(point)
                hits = self.hits(h, point, f"{point} {self.title}")
                # a precedent for a point shares at least half of its specific terms
                # ("samverkan med polisen behöver stärkas": not just "stärkas")
                need = max(1, (sum(t not in generic and len(t) >= 4 for t in pq) + 1) // 2)

                def score(s, c, pq=pq, need=need):
                    if _is_closing(s):
                        return None
                    v, specific = _overlap(pq, s, generic)
                    return v + 0.1 * fold(s).startswith("forvaltning") if specific >= need else None

                chosen = self.pick(self.candidates(hits, score), relative=0.6)
                adopted, rest = self.adopt(chosen, self.per_section)
                opener = _S(point_opener(point), rest)
                if not adopted:
                    opener.hint = "Utveckla synpunkten."
                ps.append(_P([opener, *adopted], note="" if chosen else NO_POINT_PRECEDENT))
            if not any(p.sents[0].cands or len(p.sents) > 1 for p in ps):  # one section-level note, not one per point
                for p in ps:
                    p.note = ""
                ps[-1].note = self.no_precedent(h)
        else:
            self.warnings.append("Inga nyckelpunkter angavs; avsnittet ”Förvaltningens synpunkter och förslag” "
                                 "innehåller bara allmänna formuleringar ur tidigare yttranden.")
            tq = _terms(self.title)

            def score(s, c):
                if _is_closing(s):
                    return None
                v, specific = _overlap(tq, s, _BOILERPLATE)
                return v + 0.3 * fold(s).startswith("forvaltning") if specific else None

            chosen = self.pick(self.candidates(section_hits, score))
            adopted, rest = self.adopt(chosen, self.per_section)
            if adopted:
                adopted[0].cands += rest
                adopted[0].hint = "Ange förvaltningens egna synpunkter på remissen."
                ps.append(_P(adopted))
            else:
                ps.append(_P([_S("Förvaltningen lämnar följande synpunkter på förslaget.", rest,
                                 hint="Ange förvaltningens synpunkter på remissen.")],
                             note="" if chosen else self.no_precedent(h)))
        ps.append(_P([self.closing(section_hits)]))
        return self.finish(h, ps)

    def build(self) -> Draft:
        sections = [self.beslut(), self.sammanfattning(), self.bakgrund(), self.beredning(), self.arendet(),
                    self.synpunkter()]
        cites = self.sources.citations
        warning = ocr_warning(cites, {r.doc_id for r in self.corpus.documents() if r.repaired_words})
        if warning:
            self.warnings.append(warning)
        period = self.own.period.replace("–", "-").replace(" ", "")
        older = sorted({c.chunk.period for c in cites if c.chunk.period and c.chunk.period != period})
        if older and period:
            self.warnings.append("De tidigare yttrandena gäller andra programversioner (" + ", ".join(older) +
                                 f"); i utkastets text är programversionen bytt till {self.own.period} – "
                                 "kontrollera årtal och programnamn.")
        elif older:
            self.warnings.append("De tidigare yttrandena gäller programversionerna " + ", ".join(older) +
                                 "; meningar som nämner dem har inte förts in i utkastets text.")
        if self.adapted_any:
            self.warnings.append("Meningar ur tidigare yttranden har anpassats (nämnd, förvaltning, stadsdel och "
                                 "programversion utbytta); kontrollera att sakinnehållet stämmer för den egna "
                                 "nämnden.")
        return Draft(input=self.inp, sections=sections, citations=list(cites), warnings=self.warnings)


def own_forvaltning(inp: DraftInput) -> str:
    """The own förvaltning: as given, else derived from the nämnd (forvaltning_of), else the nämnd."""
    return _clean(inp.forvaltning) or forvaltning_of(_clean(inp.namnd)) or _clean(inp.namnd)


def standard_formula(namnd: str, remittent: str) -> str:
    return (f"{namnd} godkänner förvaltningens tjänsteutlåtande och överlämnar det till {remittent} "
            "som svar på remissen.")


def adapt_formula(quote: str, chunk: Chunk, namnd: str, remittent: str) -> str | None:
    """A precedent beslut formula rewritten for the own nämnd and remittent
    (the precedent's nämnd name replaced), or None when it cannot be adapted
    to name both. The quote itself is left untouched; this is new text."""
    other = (chunk.namnd or "").strip()
    if not other or fold(other) not in fold(quote):
        return None
    text = re.sub(re.escape(other), namnd, quote, flags=re.IGNORECASE)
    if remittent.lower() != "kommunstyrelsen":
        text = re.sub(r"\bkommunstyrelsen\b", remittent, text, flags=re.IGNORECASE)
    if not text.startswith(namnd) or remittent.lower() not in text.lower():
        return None
    return text


def ocr_warning(citations: list[Citation], repaired: set[str]) -> str:
    """The warning for quotes whose text OCR repair changed: citations of documents with repaired
    words (`repaired`: their doc ids) whose displayed text differs from the original. A clean
    document's layout joins (a line-end hyphen, a footnote marker) are no reason to doubt a quote."""
    ocr = [c for c in citations if c.chunk.doc_id in repaired and c.chunk.text != c.chunk.original]
    if not ocr:
        return ""
    names = sorted({c.chunk.namnd or c.chunk.doc_id for c in ocr})
    return "Citat från " + ", ".join(names) + " bygger på OCR-tolkad text; kontrollera ordalydelsen mot originalet."


def build_draft(corpus: Corpus, inp: DraftInput, *, per_section: int = 2) -> Draft:
    """Draft all SECTIONS from precedent. Raises ValueError (Swedish message)
    on invalid input; retrieval errors (no index, model mismatch) propagate."""
    errors = validate_input(inp)
    if errors:
        raise ValueError(" ".join(errors))
    return _Builder(corpus, inp, per_section).build()


# ----------------------------------------------------------------- output

def source_line(c: Citation) -> str:
    """'[n] Nämnd (år), titel, s. X, avsnitt – ”quote” (corpus/<file>)'."""
    ch = c.chunk
    year = f" ({ch.year})" if ch.year else ""
    title = f", {ch.title}" if ch.title else ""
    return (f"[{c.n}] {ch.namnd or ch.doc_id}{year}{title}, s. {ch.pages}, {ch.section} – "
            f"”{c.quote}” ({display_source(ch.source)})")


def _meta_lines(d: Draft) -> list[tuple[str, str]]:
    i = d.input
    rows = [("Nämnd", _clean(i.namnd)), ("Ärende", f"Svar på remiss från {_clean(i.remittent)}")]
    date = (i.date or "").strip()
    if date:
        rows.append(("Datum", f"{swedish_date(date)} ({date})"))
    if _clean(i.dnr):
        rows.append(("Dnr", _clean(i.dnr)))
    return rows


NOTE = ("Utkast byggt på tidigare yttranden i underlaget. Brödtexten är skriven för den egna nämnden och "
        "programversionen; under varje stycke står ordagrant de formuleringar [n] det bygger på (se Källor). "
        "I Word-filen ligger de som kommentarer i marginalen.")


def _md_para(para: str) -> str:
    """One paragraph of section text as Markdown: every character as itself
    (render.escape_md), our [n] markers kept, and the structure the .docx
    shows too: a lead line with '- ' items is a list, a precedent formula a quote."""
    e = lambda t: keep_citations(escape_md(t))  # noqa: E731
    lines = para.split("\n")
    if len(lines) > 1 and all(ln.startswith("- ") for ln in lines[1:]):
        return "\n".join([e(lines[0]), ""] + [f"- {e(ln[2:])}" for ln in lines[1:]])
    body = "  \n".join(e(ln) for ln in lines)
    if para.startswith(HINT_PREFIX):
        return f"*{body}*"
    return "> " + body if para.startswith("Formulering från") else body


def to_markdown(d: Draft) -> str:
    """The draft as Markdown. Document and user text is rendered inert by
    render.escape_md: it shows as written and never becomes a link, image,
    HTML or other markup."""
    e = escape_md
    out = [f"# {e(_clean(d.input.title))}", ""]
    out += [f"**{k}:** {e(v)}  " for k, v in _meta_lines(d)]
    out += ["", f"*{NOTE}*", ""]
    for s in d.sections:
        out += [f"## {e(s.heading)}", ""]
        for para in s.text.split("\n\n"):
            out += [_md_para(para), ""]
    out += ["## Källor", ""]
    out += [keep_citations(e(source_line(c))) + "  " for c in d.citations] or ["Inga källor."]
    if d.warnings:
        out += ["", "## Att kontrollera", ""] + [f"- {e(w)}" for w in d.warnings]
    return "\n".join(out).rstrip() + "\n"


def to_docx(d: Draft, path: Path) -> Path:
    """Write the draft as a Word tjänsteutlåtande (assistant/docx_out.py):
    A4, title block, sidnummer, the body for the own nämnd, and the earlier
    yttranden as Word comments beside the sentences they support."""
    from .docx_out import write_docx

    return write_docx(d, path)
