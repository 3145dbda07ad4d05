"""Skriv yttrande: draft a new yttrande (tjänsteutlåtande / remissvar) from
precedent.

Extractive, no LLM: for each standard section the draft gets a short frame
written from the officer's input (own nämnd, remittent, title, dnr, date,
key points) plus precedent sentences retrieved from the same section of
earlier yttranden. Precedent wording is always quoted verbatim and marked
[n]; adapted formulas (the beslut formula) are our own text naming the own
nämnd, with the precedent they follow cited next to them.

Pure except the retrieval (the corpus is passed in) and `to_docx`'s file
write.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from index.corpus import Corpus
from index.textnorm import analyze, fold, normalize_ws
from index.types import Chunk, Citation, Hit

from .quotes import sentence_spans, verify_quote
from .render import escape_md, keep_citations

SECTIONS = ("Förslag till beslut", "Sammanfattning", "Bakgrund", "Ärendets beredning", "Ärendet",
            "Förvaltningens synpunkter och förslag")

MAX_FIELD_CHARS = 300
MAX_POINTS_CHARS = 5000
MAX_KEY_POINTS = 12
SEARCH_K = 40

NO_PRECEDENT = "Inget prejudikat hittades för avsnittet."
NO_POINT_PRECEDENT = "Inget närliggande prejudikat hittades för denna synpunkt."

# Headings that count as the same section across the precedents (chunk.section
# main part, before " › ").
SECTION_FAMILIES: dict[str, tuple[str, ...]] = {
    "Förslag till beslut": ("Förslag till beslut", "Förvaltningens förslag till beslut",
                            "Förvaltningarnas förslag till beslut"),
    "Sammanfattning": ("Sammanfattning",),
    "Bakgrund": ("Bakgrund", "Underlag för beslut"),
    "Ärendets beredning": ("Ärendets beredning",),
    "Ärendet": ("Ärendet", "Remissen"),
    "Förvaltningens synpunkter och förslag": (
        "Förvaltningens synpunkter och förslag", "Förvaltningens synpunkter och bedömning",
        "Förvaltningens synpunkter", "Förvaltningarnas synpunkter", "Förvaltningens bedömning",
        "Synpunkter och förslag", "Synpunkter"),
}
_FAMILY_OF = {fold(h): fam for fam, heads in SECTION_FAMILIES.items() for h in heads}
_ALL_HEADINGS = set(_FAMILY_OF) | {fold(h) for h in ("Inledning", "Bilagor", "Bilaga", "Beslut",
                                                     "Reservation", "Särskilt uttalande")}

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


@dataclass
class DraftSection:
    heading: str  # one of SECTIONS
    text: str  # proposed Swedish wording, [n] where precedent wording is used
    citations: list[Citation] = field(default_factory=list)


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
                ("remittent", "Remittenten", "lång"), ("dnr", "Diarienumret", "långt"), ("date", "Datumet", "långt"))


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
        # precedents come from yttranden; a corpus without any searches every document type
        self._filters: dict = {"doc_type": "yttrande"} if corpus.facets()["doc_type"].get("yttrande") else {}
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
        return _pick(cands, self.per_section, self.quoted, relative=relative)

    def cite_lines(self, chosen: list[_Cand], used: list[Citation]) -> list[str]:
        lines = []
        for cand in chosen:
            c = self.sources.cite(cand)
            if c is None:
                continue
            self.quoted.add(c.quote)
            used.append(c)
            lines.append(f"Formulering från {_who(c.chunk)} [{c.n}]: »{c.quote}«")
        return lines

    def closing(self, hits: list[Hit], used: list[Citation]) -> str:
        """'Förvaltningen föreslår att nämnden godkänner …' with the precedent
        closing it follows, when one is found."""
        text = (f"Förvaltningen föreslår att nämnden godkänner förvaltningens tjänsteutlåtande och "
                f"överlämnar det till {self.remittent} som svar på remissen.")

        def score(s, c):
            if not _is_closing(s):
                return None
            f = fold(s)
            return 1.0 + 0.5 * ("overlamna" in f) + 0.3 * ("godkanner" in f) + 0.2 * ("namnden" in f)

        chosen = _pick(self.candidates(hits, score), 1)
        if chosen:
            c = self.sources.cite(chosen[0])
            if c is not None:
                used.append(c)
                text += f" [{c.n}]"
        return text

    def no_precedent(self, heading: str) -> str:
        self.warnings.append(f"Inget prejudikat hittades för avsnittet ”{heading}”.")
        return NO_PRECEDENT

    # -- sections
    def beslut(self) -> DraftSection:
        h = "Förslag till beslut"
        used: list[Citation] = []
        hits = self.hits(h, f"{self.title} {h}",
                         "Förslag till beslut godkänner förvaltningens tjänsteutlåtande och överlämnar det "
                         "som svar på remissen")

        def score(s, c):
            f = fold(s)
            if "overlamna" not in f or _is_closing(s):
                return None
            return 1.0 + 0.5 * ("godkanner" in f) + 0.3 * ("overlamnar det till" in f)

        chosen = _pick(self.candidates(hits, score), self.per_section)
        formula = None
        if chosen:
            formula = adapt_formula(chosen[0].quote, chosen[0].chunk, self.namnd, self.remittent)
        formula = formula or standard_formula(self.namnd, self.remittent)
        paras = [formula]
        lines = self.cite_lines(chosen, used)
        if lines:
            refs = ", ".join(f"[{c.n}]" for c in used)
            paras.append(f"Beslutsformeln följer prejudikat {refs}:")
            paras.extend(lines)
        else:
            paras.append(self.no_precedent(h))
        return DraftSection(h, "\n\n".join(paras), used)

    def sammanfattning(self) -> DraftSection:
        h = "Sammanfattning"
        used: list[Citation] = []
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

        paras = [f"{_upper_first(self.remittent)} har remitterat {self.title} till {self.namnd} för yttrande. "
                 "[Sammanfatta kortfattat förslagets innehåll.]"]
        if self.points:
            paras.append("Förvaltningens huvudsakliga synpunkter:\n" + "\n".join(f"- {p}" for p in self.points))
        lines = self.cite_lines(self.pick(self.candidates(hits, score)), used)
        paras.extend(lines or [self.no_precedent(h)])
        paras.append(self.closing(hits, used))
        return DraftSection(h, "\n\n".join(paras), used)

    def bakgrund(self) -> DraftSection:
        h = "Bakgrund"
        used: list[Citation] = []
        hits = self.hits(h, f"{self.title} {h}", "Bakgrund kommunstyrelsen har remitterat ärendet för yttrande")
        tq = _terms(self.title)

        def score(s, c):
            v, specific = _overlap(tq, s, _BOILERPLATE)
            remitted = "remitter" in fold(s)
            return v + 0.5 * remitted if (specific or remitted) else None

        frame = f"{_upper_first(self.remittent)} har remitterat ärendet {self.title}"
        frame += f" (dnr {self.dnr})" if self.dnr else ""
        frame += f" till {self.namnd} för yttrande."
        if self.date:
            frame += f" Förvaltningens tjänsteutlåtande är daterat den {swedish_date(self.date)}."
        lines = self.cite_lines(self.pick(self.candidates(hits, score)), used)
        paras = [frame] + (lines or [self.no_precedent(h)])
        return DraftSection(h, "\n\n".join(paras), used)

    def beredning(self) -> DraftSection:
        h = "Ärendets beredning"
        used: list[Citation] = []
        hits = self.hits(h, f"{self.title} {h}", "Ärendets beredning ärendet har beretts inom")

        def score(s, c):
            return 1.0 + 0.5 * ("beretts" in fold(s))

        frame = "Ärendet har beretts inom [ange avdelning/enhet] på förvaltningen. [Ange eventuell samverkan.]"
        lines = self.cite_lines(self.pick(self.candidates(hits, score)), used)
        return DraftSection(h, "\n\n".join([frame] + (lines or [self.no_precedent(h)])), used)

    def arendet(self) -> DraftSection:
        h = "Ärendet"
        used: list[Citation] = []
        pts = " ".join(self.points)
        hits = self.hits(h, f"{self.title} {h} {pts}", f"{self.title} {h}")
        tq, pq = _terms(self.title), _terms(pts)

        def score(s, c):
            t, ts = _overlap(tq, s, _BOILERPLATE)
            p, ps = _overlap(pq, s, _BOILERPLATE | _DOMAIN)
            return (t + 0.5 * p) if (ts or ps) else None

        frame = (f"Remissen avser {self.title}. [Beskriv kortfattat förslagets syfte, mål och "
                 "ansvarsfördelning samt vad det innebär för nämnden.]")
        lines = self.cite_lines(self.pick(self.candidates(hits, score)), used)
        return DraftSection(h, "\n\n".join([frame] + (lines or [self.no_precedent(h)])), used)

    def synpunkter(self) -> DraftSection:
        h = "Förvaltningens synpunkter och förslag"
        used: list[Citation] = []
        paras: list[str] = []
        generic = _BOILERPLATE | _DOMAIN
        section_hits = self.hits(h, f"{self.title} {h}", _CLOSING_QUERY)
        if self.points:
            missing = 0
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
                lines = self.cite_lines(chosen, used)
                paras.append(point_opener(point) + " [Utveckla förvaltningens synpunkt.]")
                if lines:
                    paras.extend(lines)
                else:
                    missing += 1
                    paras.append(NO_POINT_PRECEDENT)
            if missing == len(self.points):  # one section-level note instead of one per point
                paras = [p for p in paras if p != NO_POINT_PRECEDENT] + [self.no_precedent(h)]
        else:
            self.warnings.append("Inga nyckelpunkter angavs; avsnittet ”Förvaltningens synpunkter och förslag” "
                                 "innehåller bara allmänna formuleringar ur prejudikaten.")
            tq = _terms(self.title)

            def score(s, c):
                if _is_closing(s):
                    return None
                v, specific = _overlap(tq, s, _BOILERPLATE)
                return v + 0.3 * fold(s).startswith("forvaltning") if specific else None

            paras.append("[Ange förvaltningens synpunkter på remissen.]")
            lines = self.cite_lines(self.pick(self.candidates(section_hits, score)), used)
            paras.extend(lines or [self.no_precedent(h)])
        paras.append(self.closing(section_hits, used))
        return DraftSection(h, "\n\n".join(paras), used)

    def build(self) -> Draft:
        sections = [self.beslut(), self.sammanfattning(), self.bakgrund(), self.beredning(), self.arendet(),
                    self.synpunkter()]
        for s in sections:  # a citation reused within a section is listed once
            s.citations = list({c.n: c for c in s.citations}.values())
        cites = self.sources.citations
        if any(c.chunk.text != c.chunk.original for c in cites):
            names = sorted({c.chunk.namnd or c.chunk.doc_id for c in cites if c.chunk.text != c.chunk.original})
            self.warnings.append("Citat från " + ", ".join(names) + " bygger på OCR-tolkad text; "
                                 "kontrollera ordalydelsen mot originalet.")
        years = re.findall(r"\b((?:19|20)\d\d)\s*[-–]\s*((?:19|20)\d\d)\b", self.title)
        if years:
            period = f"{years[0][0]}-{years[0][1]}"
            older = sorted({c.chunk.period for c in cites if c.chunk.period and c.chunk.period != period})
            if older:
                self.warnings.append("Prejudikaten gäller andra programperioder (" + ", ".join(older) +
                                     "); kontrollera årtal och programnamn i citerade formuleringar.")
        return Draft(input=self.inp, sections=sections, citations=list(cites), warnings=self.warnings)


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
            f"”{c.quote}” ({ch.source})")


def _meta_lines(d: Draft) -> list[tuple[str, str]]:
    i = d.input
    rows = [("Nämnd", _clean(i.namnd)), ("Ärende", f"Svar på remiss från {_clean(i.remittent)}")]
    date = (i.date or "").strip()
    if date:
        rows.append(("Datum", f"{swedish_date(date)} ({date})"))
    if _clean(i.dnr):
        rows.append(("Dnr", _clean(i.dnr)))
    return rows


NOTE = ("Utkast framtaget ur prejudikat. Text markerad [n] är ordagranna formuleringar ur tidigare "
        "yttranden (se Källor) och ska anpassas eller strykas; text inom hakparentes ska fyllas i.")


def _md_para(para: str) -> str:
    """One paragraph of section text as Markdown: every character as itself
    (render.escape_md), our [n] markers kept, and the structure the .docx
    shows too: a lead line with '- ' items is a list, a precedent formula a quote."""
    e = lambda t: keep_citations(escape_md(t))  # noqa: E731
    lines = para.split("\n")
    if len(lines) > 1 and all(ln.startswith("- ") for ln in lines[1:]):
        return "\n".join([e(lines[0]), ""] + [f"- {e(ln[2:])}" for ln in lines[1:]])
    body = "  \n".join(e(ln) for ln in lines)
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


def _x(s: str) -> str:
    """Text python-docx can store (XML 1.0 characters only); never interpreted."""
    return _XML_BAD.sub("", s)


def to_docx(d: Draft, path: Path) -> Path:
    """Write the draft as a Word document: title block, the sections, and the
    citations as a numbered 'Källor' list at the end."""
    from docx import Document as Docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    path = Path(path)
    doc = Docx()
    normal = doc.styles["Normal"]
    rpr = normal.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:val"), "sv-SE")
    doc.core_properties.title = _x(_clean(d.input.title))[:255]
    doc.core_properties.language = "sv-SE"

    doc.add_heading(_x(_clean(d.input.title)), level=0)
    for k, v in _meta_lines(d):
        p = doc.add_paragraph()
        p.add_run(f"{k}: ").bold = True
        p.add_run(_x(v))
    note = doc.add_paragraph()
    note.add_run(NOTE).italic = True

    for s in d.sections:
        doc.add_heading(s.heading, level=1)
        for para in s.text.split("\n\n"):
            lines = para.split("\n")
            if all(ln.startswith("- ") for ln in lines[1:]) and len(lines) > 1:
                doc.add_paragraph(_x(lines[0]))
                for ln in lines[1:]:
                    doc.add_paragraph(_x(ln[2:]), style="List Bullet")
            elif para.startswith("Formulering från"):
                p = doc.add_paragraph()
                p.paragraph_format.left_indent = Pt(18)
                p.add_run(_x(para)).italic = True
            else:
                doc.add_paragraph(_x(para))

    doc.add_heading("Källor", level=1)
    if not d.citations:
        doc.add_paragraph("Inga källor.")
    for c in d.citations:
        p = doc.add_paragraph(_x(source_line(c)))
        p.paragraph_format.left_indent = Pt(18)
        p.paragraph_format.first_line_indent = Pt(-18)
    if d.warnings:
        doc.add_heading("Att kontrollera", level=1)
        for w in d.warnings:
            doc.add_paragraph(_x(w), style="List Bullet")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
