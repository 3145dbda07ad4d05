"""Jämför nämnder: one row per document saying whether, and how, it addresses a
topic. Transparent and deterministic, no language model.

How a row is decided (also returned, in Swedish, as `Comparison.method`):

1. Evidence per sentence. Every sentence s of every chunk c of the document gets
       relevance(s) = LEX_WEIGHT * L(s) + DENSE_WEIGHT * D(c)
   L(s)  lexical coverage: the IDF-weighted share of the topic's content words
         (folded, stopwords dropped, Swedish stems) that occur in s. A stem
         matches a word that contains it (compounds: 'ordningsvak' matches
         'ordningsvakternas'); stems shorter than 5 letters must start the word.
         IDF is computed over all chunks of the index, so rare, specific words
         ('polis') weigh more than common ones ('samverkan').
   D(c)  dense support: the cosine between topic and chunk (multilingual-e5)
         as a z-score against all chunks of the index for this topic,
         clipped to [0, Z_FULL] and divided by Z_FULL. Cosines alone are not
         comparable between topics; the z-score is, and it is the same yardstick
         for every document.
2. The document's relevance is the maximum over its sentences. At or above
   THRESHOLD the topic counts as addressed; below it the row says "ej berört"
   and shows no passage (a weak passage would suggest a position the
   document does not take).
3. Key passage: among the sentences above the threshold, the one with the
   highest lexical coverage (then: whole sentences before fragments cut at a
   chunk edge, sentences with a cue phrase first, relevance), plus its neighbour in the same chunk when that one
   also names the topic; quoted verbatim (whitespace collapsed).
4. Stance: cue phrases (POSITIVE_CUES / CRITICAL_CUES) searched in the
   document's most relevant sentences above the threshold, on diacritic-folded
   text: positive only -> positiv, critical only -> kritisk, both -> blandad,
   none -> neutral. The cues found are returned with the row.
5. Large corpora: when the documents compared hold more than SCAN_MAX passages,
   only documents with a passage among the topic's CANDIDATES best lexical and
   CANDIDATES best dense hits (Corpus.search) are read and scored as above; the
   others are listed as "ej berört" from the catalogue. Up to SCAN_MAX passages
   (the real corpus, one nämnd's documents) every document is read, as before.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.corpus import Corpus
from index.textnorm import fold, normalize_ws, words
from index.types import Chunk, Citation

from .evidence import DENSE_WEIGHT, LEX_WEIGHT, MIN_SENTENCE_WORDS, Z_FULL, Scorer, topic_terms  # noqa: F401
from .exports import display_source, excel_csv, write_xlsx
from .quotes import sentence_spans, verify_quote
from .render import csv_cell, md_cell

STANCES = ("positiv", "kritisk", "blandad", "neutral", "ej berört")

# Calibrated on the real corpus (see tests/test_compare.py and the module
# docstring): topics a document names get >= 0.6 from the lexical part alone;
# a dense-only passage needs z >= 5 (boilerplate chunks such as "Attesterat av"
# reach z ~ 4).
THRESHOLD = 0.4  # the weights and Z_FULL are the shared evidence scorer's (assistant/evidence.py)
STANCE_SENTENCES = 5  # most relevant sentences read for cue phrases
MAX_QUOTE_CHARS = 450
SCAN_MAX = 20_000  # passages: up to this many, every compared document is read and scored
CANDIDATES = 1_000  # above it: the documents of the topic's best lexical and dense hits (this many each)

# label -> folded regex alternatives (matched at word boundaries)
POSITIVE_CUES: dict[str, tuple[str, ...]] = {
    "positiv": ("positiv", "positivt", "positiva"),
    "bra att": ("bra att", "bra med", "bra satt"),
    "välkomnar": ("valkomnar",),
    "ställer sig bakom": ("staller sig bakom",),
    "instämmer": ("instammer",),
    "stöder": ("stoder", "stodjer"),
    "ser fördelar": (r"ser (?:\w+ ){0,2}fordelar",),
    "viktigt komplement": ("viktigt komplement",),
    "ser positivt": ("ser positivt",),
    # agreement in the officialese of a response ("Kontoret delar programmets inriktning", "tillstyrker")
    "delar inriktningen": (r"delar (?:\w+ ){0,2}(?:inriktning|inriktningen|bedomning|bedomningen|synsatt|synsattet|"
                           r"ambition|ambitionen|ambitionerna|intentioner|intentionerna)",),
    "tillstyrker": ("tillstyrker", "tillstyrks"),
    "värdefullt": (r"(?:ser|anser|bedomer) (?:\w+ ){0,3}(?:som )?vardefull(?:t|a)?",),
}
CRITICAL_CUES: dict[str, tuple[str, ...]] = {
    "saknar": ("saknar",),
    "otydlig": ("otydlig", "otydligt", "otydliga"),
    "oklart": ("oklart",),
    "behöver förtydligas": (r"behover (?:\w+ )?fortydligas",),
    "önskar ett förtydligande": ("onskar ett fortydligande",),
    "bör framgå tydligare": (r"bor (?:det )?framga tydligare",),
    "kritisk": ("kritisk", "kritiska"),
    "brist": ("brist", "brister", "bristen", "bristerna"),
    # challenges *with* the proposal, not the city's challenges the programme answers
    "utmaningar med": (r"(?:ser|finns|innebar|medfor) (?:\w+ ){0,3}utmaningar(?: \w+){0,2} med",
                       r"utmaningar med (?:programmet|forslaget|skrivningen|uppdraget|\w+uppdraget)"),
    "kan bli mycket bättre": ("kan bli mycket battre",),
    # a negated improvement ("mycket text som inte gör programmets intentioner tydligare")
    "inte tydligare": (r"inte (?:gor|blir|gjort|blivit) (?:\w+ ){0,3}(?:tydligare|klarare|enklare|battre)",
                       r"(?:gor|blir) (?:\w+ ){0,3}inte (?:tydligare|klarare|enklare|battre)"),
    "dock": ("dock",),
    # the decision itself, wholly or in part ("Kontoret avstyrker vidare skrivningen om …", "avstyrker förslaget delvis")
    "avstyrker": ("avstyrker", "avstyrks", "avstyrka", "avstyrkt"),
}


def _compile(cues: dict[str, tuple[str, ...]]) -> list[tuple[str, re.Pattern]]:
    return [(label, re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)")) for label, alts in cues.items()]


_NEGATED = re.compile(r"(?<!\w)(inte|ej|icke|knappast|aldrig|inga|ingen|inget)(?: \w+)?\s*$")
_NEGATION = re.compile(r"(?<!\w)(inte|ej|inga|ingen|inget)(?!\w)")
_POS = _compile(POSITIVE_CUES)
_CRIT = _compile(CRITICAL_CUES)

METHOD = (
    "Varje mening i dokumentet får en relevans = {lw} × ordtäckning + {dw} × semantiskt stöd. "
    "Ordtäckning är den IDF-viktade andelen av ämnets innehållsord (utan diakritiska tecken, "
    "ordstammar, delar av sammansättningar räknas) som finns i meningen; semantiskt stöd är "
    "avsnittets cosinuslikhet med ämnet (multilingual-e5) som z-värde mot alla avsnitt i indexet, "
    "begränsat till 0–{zf:g} och delat med {zf:g}. Dokumentets relevans är dess bästa menings. "
    "Under {th} räknas ämnet som ”ej berört” och inget citat visas. Nyckelcitatet är den bästa "
    "meningen (ev. med grannmeningen), ordagrant. Ställningstagandet avgörs av signalord i de "
    "{ns} mest relevanta meningarna över tröskeln: bara positiva signalord ger ”positiv”, bara "
    "kritiska ”kritisk”, båda ”blandad”, inga ”neutral”. Signalorden visas i tabellen."
).format(lw=LEX_WEIGHT, dw=DENSE_WEIGHT, zf=Z_FULL, th=THRESHOLD, ns=STANCE_SENTENCES)


@dataclass
class CompareRow:
    doc_id: str
    namnd: str
    title: str
    year: int | None
    date: str
    period: str
    stance: str  # one of STANCES
    cues: list[str] = field(default_factory=list)  # cue phrases that decided the stance
    citation: Citation | None = None  # key passage; None when "ej berört"
    relevance: float = 0.0  # evidence score behind the addressed / not-addressed decision

    @property
    def addressed(self) -> bool:
        return self.stance != "ej berört"


@dataclass
class Comparison:
    topic: str
    rows: list[CompareRow]
    method: str = METHOD


# ---------------------------------------------------------------- stance

def find_cues(text: str) -> tuple[list[str], list[str]]:
    """(positive, critical) cue labels found in `text` (diacritic-folded, word
    boundaries; a cue inside a longer cue's match, e.g. 'positivt' inside
    'ser positivt', is not counted twice)."""
    t = normalize_ws(fold(text))
    found: list[tuple[int, int, str, bool]] = []
    for cues, positive in ((_POS, True), (_CRIT, False)):
        for label, rx in cues:
            for m in rx.finditer(t):
                found.append((m.start(), m.end(), label, positive))
    # a negated positive cue ("inte positiv", "ser inga fördelar") is critique
    found = [(a, b, "inte " + label, False) if positive and (_NEGATED.search(t[max(0, a - 20):a]) or _NEGATION.search(t[a:b])) else (a, b, label, positive)
             for a, b, label, positive in found]
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: list[tuple[int, int]] = []
    pos: list[str] = []
    crit: list[str] = []
    for a, b, label, positive in found:
        if any(a < y and x < b for x, y in taken):
            continue
        taken.append((a, b))
        out = pos if positive else crit
        if label not in out:
            out.append(label)
    return pos, crit


def detect_stance(sentences: list[str]) -> tuple[str, list[str]]:
    """Stance of a list of sentences and the cues that decided it."""
    pos: list[str] = []
    crit: list[str] = []
    for s in sentences:
        p, c = find_cues(s)
        pos += [x for x in p if x not in pos]
        crit += [x for x in c if x not in crit]
    if pos and crit:
        return "blandad", pos + crit
    if pos:
        return "positiv", pos
    if crit:
        return "kritisk", crit
    return "neutral", []


# ---------------------------------------------------------------- evidence

@dataclass
class _Sent:
    chunk_i: int
    span: tuple[int, int]
    text: str
    lex: float
    dense: float
    cos: float

    @property
    def rel(self) -> float:
        return LEX_WEIGHT * self.lex + DENSE_WEIGHT * self.dense


def _doc_sentences(chunks: list[Chunk], scorer: Scorer, dense: np.ndarray, cos: np.ndarray) -> list[_Sent]:
    """Every sentence of the document's passages (neighbours kept for the quote),
    with the shared scorer's lexical coverage."""
    out: list[_Sent] = []
    for i, chunk in enumerate(chunks):
        text = chunk.text
        for a, b in sentence_spans(text):
            if len(words(text[a:b])) < MIN_SENTENCE_WORDS:
                continue
            lex, _ = scorer.coverage(text[a:b])
            out.append(_Sent(i, (a, b), text[a:b], lex, float(dense[i]), float(cos[i])))
    return out


def ranked_sentences(scorer: Scorer, chunks: list[Chunk]) -> tuple[list[_Sent], list[_Sent]]:
    """One document's sentences scored on the topic (reading order) and ranked
    best first: the evidence Jämför and the stance answerer both read."""
    z = scorer.passage_z(chunks)
    dense = np.clip(z, 0.0, Z_FULL) / Z_FULL
    sents = _doc_sentences(chunks, scorer, dense, z)
    return sents, sorted(sents, key=lambda s: (-s.rel, -s.lex, -s.cos, s.chunk_i, s.span))


def _quote(best: _Sent, sents: list[_Sent], chunk: Chunk) -> str:
    """The best sentence, with its neighbour in the same chunk when that one
    also names the topic and the quote stays short."""
    same = [s for s in sents if s.chunk_i == best.chunk_i]
    same.sort(key=lambda s: s.span)
    k = next(j for j, s in enumerate(same) if s is best)
    a, b = best.span
    for j in (k + 1, k - 1):
        if 0 <= j < len(same) and same[j].lex > 0:
            na, nb = same[j].span
            if max(b, nb) - min(a, na) <= MAX_QUOTE_CHARS:
                a, b = min(a, na), max(b, nb)
                break
    q = normalize_ws(chunk.text[a:b])
    if not verify_quote(q, chunk):  # cannot happen: q is a slice of chunk.text
        raise RuntimeError(f"quote not verbatim in {chunk.id}")
    return q


# ---------------------------------------------------------------- compare

def compare(corpus: Corpus, topic: str, *, filters: dict | None = None) -> Comparison:
    """One row per document (those passing `filters`), ordered by year."""
    if not topic or not topic.strip():
        raise ValueError("ämnet är tomt / the topic is empty")
    docs = corpus.documents(filters)  # raises FilterError on unknown fields/values

    # the shared evidence scorer: IDF-weighted lexical coverage + the passage's dense z-score
    scorer = Scorer(corpus, topic)

    rows: list[CompareRow] = []
    read = _candidates(corpus, topic, filters) if sum(r.n_chunks for r in docs) > SCAN_MAX else None
    for rec in docs:
        if read is not None and rec.doc_id not in read:  # no passage near the topic: not read
            if rec.n_chunks:
                m = rec.meta
                rows.append(CompareRow(doc_id=rec.doc_id, namnd=m.namnd, title=m.title, year=m.year, date=m.date,
                                       period=m.period, stance="ej berört"))
            continue
        chunks = corpus.passages(rec.doc_id)
        if not chunks:
            continue
        first = chunks[0]
        sents, ranked = ranked_sentences(scorer, chunks)
        relevance = ranked[0].rel if ranked else 0.0
        row = CompareRow(doc_id=rec.doc_id, namnd=first.namnd, title=first.title, year=first.year,
                         date=first.date, period=first.period, stance="ej berört", relevance=round(relevance, 4))
        if ranked and relevance >= THRESHOLD:
            # quote: most topic words first, then whole sentences before fragments cut at a
            # chunk edge, then sentences that carry a cue phrase (they show the position)
            best = min((s for s in ranked if s.rel >= THRESHOLD),
                       key=lambda s: (-s.lex, s.text[:1].islower(), not any(find_cues(s.text)),
                                      -s.rel, s.chunk_i, s.span))
            chunk = chunks[best.chunk_i]
            quote = _quote(best, sents, chunk)
            top: list[str] = []
            for s in ranked:
                if s.rel < THRESHOLD or len(top) >= STANCE_SENTENCES:
                    break
                t = normalize_ws(s.text)
                if t not in top:  # neighbouring chunks overlap
                    top.append(t)
            row.stance, row.cues = detect_stance(top)
            row.citation = Citation(0, chunk, quote, round(relevance, 4))
        rows.append(row)

    rows.sort(key=lambda r: (r.year is None, r.year or 0, r.date or "9999", r.namnd, r.doc_id))
    n = 0
    for r in rows:  # number the citations in table order
        if r.citation is not None:
            n += 1
            r.citation = Citation(n, r.citation.chunk, r.citation.quote, r.citation.score)
    return Comparison(topic=topic.strip(), rows=rows, method=METHOD)


def _candidates(corpus: Corpus, topic: str, filters: dict | None) -> set[str]:
    """Documents with a passage among the topic's CANDIDATES best lexical and dense hits."""
    out: set[str] = set()
    for mode in ("bm25", "dense"):
        out.update(h.chunk.doc_id for h in corpus.search(topic, k=CANDIDATES, mode=mode, filters=filters))
    return out


# ---------------------------------------------------------------- output

CSV_HEADER = ["nämnd", "år", "datum", "programversion", "ställningstagande", "nyckelcitat", "källa", "signalord"]

# The downloads for Excel (Jämför tab): Swedish headers, one row per document.
EXPORT_HEADER = ["Nämnd", "Dokument", "År", "Datum", "Programversion", "Ställningstagande", "Nyckelcitat",
                 "Källa", "Avsnitt", "Signalord"]
EXPORT_WIDTHS = {"Nämnd": 28, "Dokument": 40, "År": 7, "Datum": 12, "Programversion": 15,
                 "Ställningstagande": 17, "Nyckelcitat": 80, "Källa": 34, "Avsnitt": 30, "Signalord": 24}


def source_of(c: Citation) -> str:
    """'corpus/<file>, s. N, <avsnitt>': never a server path (exports.display_source)."""
    ch = c.chunk
    where = f"{display_source(ch.source)}, s. {ch.pages}"
    return f"{where}, {ch.section}" if ch.section else where


def to_csv(c: Comparison) -> str:
    """RFC 4180 CSV (',' separated; the CLI's --csv). For Excel, see to_excel_csv."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; and a CR inside a cell gets quoted
    w.writerow(CSV_HEADER)
    for r in c.rows:  # every cell through csv_cell: document text never runs as a spreadsheet formula
        w.writerow([csv_cell(x) for x in (
            r.namnd or r.doc_id, r.year or "", r.date, r.period, r.stance,
            r.citation.quote if r.citation else "", source_of(r.citation) if r.citation else "",
            "; ".join(r.cues))])
    return buf.getvalue()


def export_rows(c: Comparison) -> list[list]:
    """The comparison as rows under EXPORT_HEADER; Källa is 'corpus/<file>, s. N'."""
    rows = []
    for r in c.rows:
        cit = r.citation
        rows.append([r.namnd or r.doc_id, r.title, r.year if r.year else "", r.date, r.period, r.stance,
                     cit.quote if cit else "",
                     f"{display_source(cit.chunk.source)}, s. {cit.chunk.pages}" if cit else "",
                     cit.chunk.section if cit else "", ", ".join(r.cues)])
    return rows


def to_excel_csv(c: Comparison) -> bytes:
    """';'-separated UTF-8 with BOM: opens in Swedish Excel by double-click,
    one column per field, å/ä/ö intact."""
    return excel_csv(EXPORT_HEADER, export_rows(c))


def to_xlsx(c: Comparison, path) -> Path:
    """The comparison as an Excel workbook: sheet 'Jämförelse' (EXPORT_HEADER)
    and sheet 'Om jämförelsen' (topic and method)."""
    about = [["Ämne", c.topic], ["Dokument", len(c.rows)],
             ["Berör ämnet", sum(r.addressed for r in c.rows)], ["Metod", c.method]]
    return write_xlsx(Path(path), [("Jämförelse", EXPORT_HEADER, export_rows(c)),
                                   ("Om jämförelsen", ["Uppgift", "Värde"], about)],
                      title=f"Jämförelse: {c.topic}", widths={**EXPORT_WIDTHS, "Uppgift": 18, "Värde": 100})


_cell = md_cell  # untrusted text in a Markdown table cell


def to_markdown(c: Comparison) -> str:
    lines = [f"### Jämförelse: {_cell(c.topic)}", "",
             "| Nämnd | År | Programversion | Ställningstagande | Nyckelcitat | Signalord |",
             "|---|---|---|---|---|---|"]
    for r in c.rows:
        quote = f"”{_cell(r.citation.quote)}” [{r.citation.n}]" if r.citation else "–"
        lines.append(f"| {_cell(r.namnd or r.doc_id)} | {_cell(r.year or '')} | {_cell(r.period)} | "
                     f"{_cell(r.stance)} | {quote} | {_cell(', '.join(r.cues)) or '–'} |")
    cites = [r.citation for r in c.rows if r.citation]
    if cites:
        lines += ["", "**Källor**", ""]
        for ct in cites:
            lines.append(f"[{ct.n}] {_cell(ct.chunk.label)}: {_cell(source_of(ct))}")
    lines += ["", f"*Metod:* {_cell(c.method)}"]
    return "\n".join(lines) + "\n"
