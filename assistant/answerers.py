"""Answerers for the question types that are not plain topic look-ups:
catalogue (facts about the documents), summary (one document in brief) and
stance (positions and rankings across documents). Each takes the analysed
`Request` and the `Corpus` and returns an `Answer` whose every quote is a
verbatim span of a cited passage.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from index.corpus import Corpus, DocRecord, term_matches
from index.metaguess import iso_dates
from index.textnorm import analyze, fold, normalize_ws, words
from index.types import Answer, Chunk, Citation

from .analyse import (Request, cue_regex, catalogue_words, cue_text, expand_body_abbreviations, is_company, namnd_keys,
                      periods_named, taxonomy, taxonomy_data, taxonomy_words, versions_named, without_cues, yes_no_lead)
from .compare import STANCE_SENTENCES, detect_stance, find_cues, ranked_sentences
from .compare import THRESHOLD as COMPARE_THRESHOLD
from .draft import section_family, swedish_date
from .evidence import MAX_LIST_PASSAGES, Scorer, completed, cut_at_end, leans_back, opens_with
from .enumeration import asks_for_list, holds_list as _holds_list, list_end
from .quotes import DECLARED, quotable, sentence_spans, verify_quote, without_heading
from .stance_store import stance_key, store_for

NO_ANSWER = "Jag hittar inget i underlaget som besvarar frågan."
MAX_SUMMARY_POINTS = 4
MAX_TOPIC_POINTS = 5  # sentences of a summary of what one document says on a topic
MAX_LIST_DOCS = 30


# ------------------------------------------------------------------ sentences

@dataclass(frozen=True)
class Sentence:
    chunk: Chunk
    start: int
    end: int
    order: float  # reading order within the document
    chunk_i: int = -1  # the passage's position in the document (document_sentences), -1 when not known

    @property
    def text(self) -> str:
        return normalize_ws(self.chunk.text[self.start:self.end])

    @property
    def family(self) -> str | None:
        return section_family(self.chunk.section)


def is_body_sentence(text: str) -> bool:
    """A quotable sentence (`quotes.quotable`) that is also whole: 5+ words (3+ for a verdict of its own
    on the proposal: 'Förvaltningen tillstyrker förslaget.'), starting like a sentence and ending in
    sentence punctuation (not cut at a chunk edge)."""
    t = normalize_ws(text)
    n = len(words(t))
    if (n < 5 and not (n >= 3 and _OWN.match(t) and DECLARED.search(t))) or not quotable(t):
        return False
    return bool(re.match(r"^[\"»”(A-ZÅÄÖÉ0-9•\-–]", t)) and bool(re.search(r"[.!?»”)]$", t))


def completed_at(passages: list[Chunk], i: int) -> Chunk:
    """Passage i of a document's passages, its last sentence completed from the next (`completed`)."""
    return completed(passages[i], *passages[i + 1:i + 1 + MAX_LIST_PASSAGES])


def document_sentences(corpus: Corpus, doc_id: str) -> list[Sentence]:
    """Body sentences of one document in reading order, each once (passages overlap)."""
    out: list[Sentence] = []
    seen: set[str] = set()
    passages = corpus.passages(doc_id)
    for i, chunk in enumerate(completed_at(passages, k) for k in range(len(passages))):  # whole across a boundary
        for a, b in sentence_spans(chunk.text):
            t = normalize_ws(chunk.text[a:b])
            if t in seen or not is_body_sentence(t):
                continue
            seen.add(t)
            out.append(Sentence(chunk, a, b, len(out), i))
    return out


_OWN = re.compile(r"^((förvaltningen|nämnden|kontoret|förvaltningarna|bolaget|styrelsen|"
                  r"[a-zåäö\-]+(förvaltningen|nämnden|kontoret|bolaget)|vi)\b(?!s)"
                  r"|(förvaltningens|nämndens|kontorets|förvaltningarnas|bolagets|styrelsens) (uppfattning|bedömning|åsikt|ståndpunkt)\b"
                  # the subject after the verb, an adverbial first ('I övrigt är förvaltningen kritisk …',
                  # 'Sammantaget anser nämnden …'): Swedish puts the verb second
                  r"|([a-zåäö]+ ){1,3}(är|var|anser|ansåg|ser|menar|bedömer|ställer|tycker|vill|föreslår|välkomnar|delar|"
                  r"instämmer|saknar|efterfrågar|avstyrker|tillstyrker) (förvaltningen|nämnden|kontoret|förvaltningarna|"
                  r"bolaget|styrelsen|[a-zåäö\-]+(förvaltningen|nämnden|kontoret|bolaget))\b)",
                  re.I)
_ACCOUNT = re.compile(r"^(i (förslaget|programmet|remissen)|enligt (förslaget|programmet)|(förslaget|programmet|"
                      r"trygghetsprogrammet) (innehåller|beskriver|lyfter|anger|tar upp|har|ska|fokuserar|utgör))", re.I)


def voice(text: str) -> str:
    """'own' (the nämnd's position), 'account' (what the programme says) or ''."""
    if _ACCOUNT.match(text):
        return "account"
    if _OWN.match(text):
        return "own"
    return ""


class _Cites:
    """Numbers citations in order of use; the same quote keeps its number."""

    def __init__(self) -> None:
        self.items: list[Citation] = []
        self._by_quote: dict[tuple[str, str], int] = {}

    def add(self, chunk: Chunk, quote: str, score: float = 0.0) -> int | None:
        quote = without_heading(quote, chunk.section)
        if not verify_quote(quote, chunk):
            return None
        key = (chunk.doc_id, quote)
        if key not in self._by_quote:
            self.items.append(Citation(len(self.items) + 1, chunk, quote, score))
            self._by_quote[key] = len(self.items)
        return self._by_quote[key]

    def sentence(self, s: Sentence) -> str:
        n = self.add(s.chunk, s.text)
        return f"»{without_heading(s.text, s.chunk.section)}« [{n}]" if n else ""


RESTATED = 0.8  # share of a stance sentence's words another sentence repeats when it restates it


def _grounds(corpus: Corpus, stated: list[Sentence], n: int = 2) -> list[Sentence]:
    """The reasons a document gives for a stance it states: the sentences right after the stance
    sentence in reading order ('Förvaltningen ställer sig positiv … Staden har fortsatt stora
    utmaningar …'), within its section, across passage boundaries, up to the next stance of its own
    ('Vidare anser förvaltningarna …' is another view, not a reason), at most n. Where the body restates
    the stance (most of its words: 'Vidare anser förvaltningarna att …' for the summary's 'Vidare anser
    kulturförvaltningarna att …'), its reasons are read there; the first stated sentence with any wins."""
    for s in stated:
        sents = document_sentences(corpus, s.chunk.doc_id)
        # the proposed decision, also where the body repeats it at its end, states no reason
        decided = [set(words(fold(without_heading(x.text, x.chunk.section).lower())))
                   for x in sents if x.family == "Förslag till beslut"]
        mine = set(words(fold(s.text.lower())))
        at = [k for k, x in enumerate(sents)
              if mine and len(mine & set(words(fold(x.text.lower())))) >= RESTATED * len(mine)]
        at.sort(key=lambda k: (sents[k].family == "Sammanfattning", -k))  # the body's, the last, first
        for i in at:
            out: list[Sentence] = []
            for x in sents[i + 1:]:
                if x.chunk.section != sents[i].chunk.section or len(out) >= n \
                        or any(find_cues(x.text)):
                    break
                xw = set(words(fold(x.text.lower())))
                if x.family == "Förslag till beslut" or any(d and len(d & xw) >= RESTATED * len(d) for d in decided):
                    break
                out.append(x)
            if out:
                return out
    return []


def _both_counts(d, positive_first: bool) -> str:
    """'10 meningar med stöd, 1 med kritik eller ändringsönskemål' (the side asked about first)."""
    sides = [(len(d.positive), "med stöd"), (len(d.critical), "med kritik eller ändringsönskemål")]
    (n, said), (m, other) = sides if positive_first else sides[::-1]
    return f"{_sentences_n(n)} {said}, {m} {other}"


def _who(rec: DocRecord) -> str:
    m = rec.meta
    bits = [b for b in (str(m.year) if m.year else "", f"om programmet {m.period.replace('-', '–')}" if m.period else "") if b]
    return f"{m.namnd or rec.doc_id}" + (f" ({', '.join(bits)})" if bits else "")


def _scope(corpus: Corpus, req: Request, *, responses_only: bool = True) -> list[DocRecord]:
    if req.doc_ids:
        wanted = set(req.doc_ids)
        return [d for d in corpus.documents() if d.doc_id in wanted]
    filters = {"period": req.period} if req.period else None
    docs = corpus.documents(filters)
    if req.namnder:
        docs = [d for d in docs if d.meta.namnd in req.namnder]
    if responses_only:
        docs = [d for d in docs if d.meta.doc_type != "program"]
    return docs


def _sentences_n(n: int) -> str:
    return f"{n} mening" if n == 1 else f"{n} meningar"


def _abstain(req: Request, reason: str) -> Answer:
    return Answer(req.question, NO_ANSWER, abstained=True, warnings=[reason], query=req.question,
                  filters=req.filters())


# ------------------------------------------------------------------ catalogue

_LABELLED = {
    "contact": re.compile(r"(?:Handläggare|Kontaktperson)[ \t]*:?[ \t]*\n?[ \t]*([A-ZÅÄÖ][\wåäöéü\-]+(?:[ \t]+[A-ZÅÄÖ][\wåäöéü\-]+){1,3})"),
    "recipient": re.compile(r"(?m)^[ \t]*Till[ \t]*:?[ \t]*\n?[ \t]*([A-ZÅÄÖ][^\n]{2,80})"),
    "phone": re.compile(r"(?:Telefon(?:nummer)?|Tfn|Tel)\.?[ \t]*:?[ \t]*\n?[ \t]*(\+?\d[\d \t\-]{4,16}\d)"),
    "email": re.compile(r"(?:(?:E-post|E-mail|Epost|Mejl|Mail)[ \t]*:?[ \t]*\n?[ \t]*)?([\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+)"),
}
_ANYWHERE = ("phone", "email")
_FIELD_LABEL = {"contact": "Handläggare", "recipient": "Mottagare", "phone": "Telefon", "email": "E-post"}
_NAMEY = re.compile(r"^(?:[A-ZÅÄÖ][\wåäöéü\-]+[ \t]*){1,8}$")


def _name_lines(chunk: Chunk, lines: list[str], offsets: list[int], i: int) -> tuple[str, str] | None:
    """(quote, names) of the one or two name lines right above line i of a chunk."""
    above: list[int] = []
    j = i - 1
    while j >= 0 and len(above) < 2 and (not lines[j].strip() or _NAMEY.match(lines[j].strip())):
        if lines[j].strip():
            above.insert(0, j)
        j -= 1
    if not above or sum(len(lines[k].split()) for k in above) < 2:
        return None
    return (chunk.text[offsets[above[0]]:offsets[above[-1]] + len(lines[above[-1]])].strip(),
            " ".join(lines[k].strip() for k in above))


_GLUE = re.compile(r"(?<=[a-zåäöéü])(?=[A-ZÅÄÖ])")  # a lower-case letter right before a capital


def clean_names(names: str) -> str:
    """Names of a signature block as text extraction leaves them, put straight: two columns of
    signatories glued ('Toni Mellblom Victoria CallenmarkVictoria Callenmark') are split at the
    glue and a name repeated right after itself is kept once ('Toni Mellblom Victoria Callenmark')."""
    ws = names.split()
    glued = {w: _GLUE.sub(" ", w).split() for w in ws}
    # 'CallenmarkVictoria' -> two words when 'Victoria' also stands alone ('McDonald' stays whole)
    ws = [p for w in ws for p in (glued[w] if any(x in ws for x in glued[w][1:]) else [w])]
    out: list[str] = []
    for w in ws:
        out.append(w)
        for n in (3, 2, 1):  # a name of n words just repeated
            if len(out) >= 2 * n and out[-n:] == out[-2 * n:-n] and (n > 1 or w[:1].isupper()):
                del out[-n:]
                break
    return " ".join(out)


def _asked_role(question: str) -> tuple[str, str]:
    """The office a 'vem var …?' question asks for: (folded, as written) ('ordforande', 'ordförande');
    ('', '') if none."""
    offices = taxonomy_words("offices")
    for w in words(question):
        f = fold(w.lower())
        if f in offices or f.endswith(taxonomy().titles):  # 'ordförande', the signature titles ('…direktör')
            return f, w.lower()
    return "", ""


_PERSON = r"([A-ZÅÄÖ][a-zåäöéü]+(?:[ -][A-ZÅÄÖ][a-zåäöéü]+)+(?: \([A-ZÅÄÖ]{1,3}\))?)"


def _role_in_text(corpus: Corpus, rec: DocRecord, role: str) -> tuple[Chunk, str, str] | None:
    """(passage, sentence, name) of the first body sentence that names the office with a person after it
    ('Ordföranden Linnea Ström (S) yrkade bifall …', 'nämndens ordförande Per Lind'), or None."""
    for chunk in corpus.passages(rec.doc_id):
        for a, b in sentence_spans(chunk.text):
            sent = normalize_ws(chunk.text[a:b])
            folded = fold(sent.lower())  # (one letter for one: its offsets are the sentence's)
            at = folded.find(role) if len(folded) == len(sent) else -1
            if at < 0 or (at and folded[at - 1].isalpha()) or not is_body_sentence(sent):
                continue
            if m := re.match(rf"\w*,? {_PERSON}", sent[at:]):
                return chunk, sent, m.group(1)
    return None


def _signature(corpus: Corpus, rec: DocRecord) -> list[tuple[Chunk, str, str]]:
    """The signature block as [(chunk, quote, names)]: a short line whose word
    ends in a title of taxonomy.yaml `signatory_titles` ('Förvaltningschef',
    'Stadsdelsdirektör'), with the names on the line itself ('Svante Borg,
    Förvaltningschef') or on the one or two lines above it, which may end the
    previous passage. Searched from the end of the document; [] if none."""
    titles = taxonomy().titles
    passages = corpus.passages(rec.doc_id)[-6:]
    for k in range(len(passages) - 1, -1, -1):
        chunk = passages[k]
        lines = chunk.text.split("\n")
        offsets = [0]
        for ln in lines:
            offsets.append(offsets[-1] + len(ln) + 1)
        for i, line in enumerate(lines):
            ws = [fold(w.lower()) for w in words(line)]
            if not ws or len(ws) > 6 or not any(w.endswith(t) for w in ws for t in titles):
                continue
            same = re.match(r"^\s*((?:[A-ZÅÄÖ][\wåäöéü\-]+ ){1,3}[A-ZÅÄÖ][\wåäöéü\-]+),", line)
            if same:
                return [(chunk, line.strip(), same.group(1))]
            got = _name_lines(chunk, lines, offsets, i)
            if got:
                quote = chunk.text[chunk.text.index(got[0]):offsets[i] + len(line)].strip()
                return [(chunk, quote, got[1])]
            if k > 0 and not "".join(lines[:i]).strip():  # the names end the previous passage
                prev = passages[k - 1]
                plines = prev.text.rstrip().split("\n")
                poffs = [0]
                for ln in plines:
                    poffs.append(poffs[-1] + len(ln) + 1)
                got = _name_lines(prev, plines, poffs, len(plines))
                if got:
                    return [(prev, got[0], got[1]), (chunk, line.strip(), "")]
    return []


_DNR_IN_TEXT = re.compile(r"\bdnr:?\s*([A-ZÅÄÖ]{0,4}\s?[\d-]+/\d{4})", re.I)


def _programme_dnr(corpus: Corpus, period: str, k: int = 20) -> tuple[Chunk, str, str] | None:
    """(passage, sentence, dnr) of a sentence that names the programme version `period` and gives a
    diarienummer beside it ("… säkerhetsprogram 2018-2021” (dnr 171-1309/2017)"), among the passages a
    search for both finds (not a scan of every document); None when none does."""
    want = period.replace("–", "-")
    for hit in corpus.search(f"dnr {want}", k=k):
        text = hit.chunk.text
        for a, b in sentence_spans(text):
            sent = normalize_ws(text[a:b])
            m = _DNR_IN_TEXT.search(sent)
            if m and periods_named(sent) == {want}:
                return hit.chunk, without_heading(sent, hit.chunk.section), m.group(1).strip()
    return None


def _evidence(corpus: Corpus, rec: DocRecord, needles: list[str]) -> tuple[Chunk, str] | None:
    """The first passage line of the document holding one of the needles (folded): title block
    first, then any page (a letterhead repeated on a later page also counts)."""
    fneedles = [fold(n) for n in needles if n]
    fallback = None
    for chunk in corpus.passages(rec.doc_id):
        at = 0
        for line in chunk.text.splitlines(keepends=True):
            fl = fold(line)
            if line.strip() and any(n in fl for n in fneedles):
                quote, cut = _whole_sentence(chunk, at, line.strip())
                if quote.count("(") > quote.count(")"):
                    pass  # a line the extraction cut ('… 2020-2023 (KS'): never quoted
                elif not cut:
                    return chunk, quote
                else:
                    fallback = fallback or (chunk, quote)  # the passage cut its sentence: the next one holds it whole
            at += len(line)
    return fallback


def _whole_sentence(chunk: Chunk, at: int, line: str) -> tuple[str, bool]:
    """(quote, cut): the whole body sentence a passage line at offset `at` belongs to (a line of a
    paragraph is a fragment: '… och så även inom Enskede-Årsta-Vantörs'), or the line itself in a
    title block; cut = the sentence runs past the passage's end."""
    lead = len(chunk.text[at:]) - len(chunk.text[at:].lstrip())
    for a, b in sentence_spans(chunk.text):
        if a <= at + lead < b:
            sent = normalize_ws(chunk.text[a:b])
            if is_body_sentence(sent) and len(sent) <= MAX_FIELD_SENTENCE:
                return sent, False
            return line, cut_at_end(chunk.text, a, b)
    return line, False


MAX_FIELD_SENTENCE = 400  # a field quoted from a longer sentence shows its line instead


_DOC_TYPE_WORD = {"yttrande": "Yttrande", "tjänsteutlåtande": "Tjänsteutlåtande", "tjansteutlatande": "Tjänsteutlåtande",
                  "program": "Program", "protokoll": "Protokoll"}
_DATE = r"(\d{4}-\d{2}-\d{2}|\d{1,2} (?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december) \d{4})"
_DATE_RX = re.compile(r"(?<!\d)" + _DATE + r"(?!\d)", re.I)
_DEADLINE = re.compile(r"(?:remisstid(?:en)?(?: löper ut| går ut)?|(?:svar|yttrande|svara)\w* senast(?: den)?|senast den)"
                       r"[ \t:]*(?:den[ \t]+)?" + _DATE, re.I)


def _type_line(corpus: Corpus, rec: DocRecord, *labels: str) -> tuple[Chunk, str] | None:
    """A line of the document that starts with a document-type word ('Tjänsteutlåtande, Dnr …')."""
    want = tuple(fold(x.lower()) for x in labels)
    for chunk in corpus.passages(rec.doc_id):
        for line in chunk.text.splitlines():
            fl = fold(line.strip().lower())
            if line.strip()[:1].isupper() and any(re.match(re.escape(w) + r"(?![a-z])", fl) for w in want) \
                    and len(line.split()) <= 8:
                return chunk, line.strip()
    return None


def _first_sentence(corpus: Corpus, rec: DocRecord, rx: re.Pattern) -> tuple[Chunk, str, re.Match] | None:
    """(chunk, the sentence holding it, the match) of the document's first match of `rx`."""
    for chunk in corpus.passages(rec.doc_id):
        m = rx.search(chunk.text)
        if m:
            spans = sentence_spans(chunk.text)
            a, b = next(((x, y) for x, y in spans if x <= m.start() < y), (m.start(), m.end()))
            return chunk, normalize_ws(chunk.text[a:b]), m
    return None


def _deadline(corpus: Corpus, rec: DocRecord) -> tuple[Chunk, str, str] | None:
    """The remiss's answer-by date as the document states it, with the sentence saying so."""
    got = _first_sentence(corpus, rec, _DEADLINE)
    return (got[0], got[1], got[2].group(1)) if got else None


# "Yttrande till kommunstyrelsen", "… överlämnar det till kommunstyrelsen som svar på remissen": the
# body a response goes to, a name ending in an organisation word
_SENT_TO = re.compile(r"(?:[Yy]ttrande|[Ss]var|[Rr]emissvar|överlämna\w*(?:\s+\S+){0,6}?)\s+till\s+"
                      r"((?:[A-ZÅÄÖa-zåäö\-]+\s+){0,3}?[A-ZÅÄÖa-zåäö\-]*(?:styrelsen|nämnden|fullmäktige|kontoret|"
                      r"förvaltningen|rådet|myndigheten|departementet))(?!\w)")


def _labelled(corpus: Corpus, rec: DocRecord, field: str) -> tuple[Chunk, str, str] | None:
    """(chunk, quote, value) of a labelled title-block field such as 'Handläggare\\nNamn'."""
    chunks = corpus.passages(rec.doc_id)
    for chunk in chunks if field in _ANYWHERE else chunks[:4]:  # a phone or e-mail may stand in the closing address block
        m = _LABELLED[field].search(chunk.text)
        if m:
            return chunk, chunk.text[m.start():m.end()].strip(), m.group(1).strip()
    return None


def _sent_to(corpus: Corpus, rec: DocRecord) -> tuple[Chunk, str, str] | None:
    """(chunk, sentence, body) the response is sent or handed over to, where the document first says so."""
    got = _first_sentence(corpus, rec, _SENT_TO)
    if got is None:
        return None
    value = normalize_ws(got[2].group(1))
    return got[0], got[1], value[:1].upper() + value[1:]


_MEETING = re.compile(r"(?i)sammantr[aä]d\w*[^\n]{0,30}?" + _DATE)


def _meeting(corpus: Corpus, rec: DocRecord) -> tuple[Chunk, str, str] | None:
    """(passage, line, date) of the meeting the document names for it ('… sammanträdet den 18 november 2031',
    'Sammanträdesdatum: 2027-10-26'), or None."""
    for chunk in corpus.passages(rec.doc_id):
        for line in chunk.text.splitlines():
            if m := _MEETING.search(line):
                return chunk, line.strip(), m.group(1)
    return None


def _when(rec: DocRecord) -> tuple[int, str] | None:
    """When a document was written, to order by: (year, ISO date or "")."""
    m = rec.meta
    year = m.year or (int(m.date[:4]) if m.date[:4].isdigit() else 0)
    return (int(year), m.date or "") if year else None


_KIND = re.compile(r"(?<!\w)(\w{3,}?)(namnd|forvaltning|styrelse)(er|ar|erna|arna|en|s)?(?!\w)")


def _of_kind(docs: list[DocRecord], q: str) -> list[DocRecord]:
    """Only the documents of the kind of body the question names ("vilka stadsdelsnämnder …": nämnder
    whose name says 'stadsdelsnämnd'), when any is; otherwise all of them."""
    q = fold(expand_body_abbreviations(q).lower())  # "vilken sdn …": the kind by its short form
    stems = [m.group(1) + m.group(2) for m in _KIND.finditer(q)]
    if not stems:
        return docs
    # a kind named by what it is not ("facknämnder": the nämnder that are no stadsdelsnämnd; taxonomy.yaml
    # `body_kind_complements`)
    others = taxonomy_data().get("body_kind_complements") or {}
    unlike = [others[st] for st in stems if st in others]
    if unlike:
        kind = [d for d in docs if d.meta.namnd and not any(u in fold(d.meta.namnd.lower()) for u in unlike)]
        return kind or docs
    kind = [d for d in docs if any(st in fold((d.meta.namnd or "").lower()) for st in stems)]
    return kind or docs


def _list_line(corpus: Corpus, rec: DocRecord, cites: _Cites, req: Request) -> str:
    """One document of a catalogue list: nämnd, date, dnr (and version), cited where its text says so."""
    m = rec.meta
    # the line that says what the document is: its dnr, else the line naming its programme version, else one
    # naming the nämnd (any sentence naming it, "… inom Enskede-Årsta-Vantörs stadsdelsområde", says less)
    period = [m.period.replace("–", "-"), m.period.replace("-", "–")] if m.period else []
    ev = next((got for needles in ([m.dnr, m.title], period, namnd_keys(m.namnd)) if any(needles)
               and (got := _evidence(corpus, rec, needles))), None)
    n = cites.add(*ev) if ev else None
    facts = [x for x in (swedish_date(m.date) if m.date else (str(m.year) if m.year else ""),
                         f"dnr {m.dnr}" if m.dnr else "",
                         f"programmet {m.period.replace('-', '–')}" if m.period and not req.period else "") if x]
    return (f"- **{m.namnd or rec.doc_id}**" + (f" – {', '.join(facts)}" if facts else "")
            + (f" [{n}]" if n else " (uppgift från metadata; ej funnen i dokumentets text)"))


_ASKED_YEAR = re.compile(r"(?<![\d/–-])((?:19|20)\d\d)(?![\d/]|\s*[–-]\s*(?:19|20)?\d\d)")


def _asked_year(question: str) -> int | None:
    """The one bare year a question names ('finns det något yttrande från 2017?'), not a programme
    period ('2018-2021') nor a diarienummer ('KS 2019/1939')."""
    years = {int(m.group(1)) for m in _ASKED_YEAR.finditer(question)}
    return years.pop() if len(years) == 1 else None


def _dated_line(corpus: Corpus, rec: DocRecord, year: int) -> tuple[Chunk, str] | None:
    """A line of the document's first pages dating it in `year`, else its first sentence dated in that
    year; never the remiss's answer-by date."""

    def dated(text: str) -> bool:
        return any(str(year) in (m.group(1)[:4], m.group(1)[-4:]) for m in _DATE_RX.finditer(text)) \
            and not _DEADLINE.search(text)

    passages = corpus.passages(rec.doc_id)
    for chunk in passages[:3]:  # the title block's date line
        for line in chunk.text.splitlines():
            if dated(line) and len(line.split()) <= 12:
                return chunk, line.strip()
    return _first_whole_sentence(passages, dated)  # else the first sentence dated in that year ('… förvaltningsgrupp 7 november 2017')


def _first_whole_sentence(passages: list[Chunk], test) -> tuple[Chunk, str] | None:
    """(passage, sentence) of the first whole sentence (not cut at the passage's end) that passes `test`, or
    None; `_first_sentence` finds a regex's first match and the sentence around it."""
    for chunk in passages:
        for a, b in sentence_spans(chunk.text):
            sent = normalize_ws(chunk.text[a:b])
            if test(sent) and not cut_at_end(chunk.text, a, b):
                return chunk, sent
    return None


def _field_lines(corpus: Corpus, req: Request, docs: list, field: str, cites: "_Cites") -> list[str]:
    """One line per document in scope (at most 8) stating one catalogue field, cited where the text has it."""
    q = cue_text(req.question)
    lines: list[str] = []
    for rec in docs[:8]:
        m = rec.meta
        who = _who(rec)
        if field in ("signed", "role"):  # "vem var ordförande?": the signature block, when it names that office
            role, written = _asked_role(req.question) if field == "role" else ("", "")
            parts = _signature(corpus, rec)
            if role and (not parts or not any(role in fold(q.lower()) for _, q, _ in parts)) \
                    and (named := _role_in_text(corpus, rec, role)):
                # a minute names the office in its text ('Ordföranden Linnea Ström (S) yrkade bifall …')
                n = cites.add(named[0], named[1])
                lines.append(f"- {who}: {written} **{named[2]}**" + (f" [{n}]" if n else ""))
                continue
            if not parts or (role and not any(role in fold(q.lower()) for _, q, _ in parts)):
                lines.append(f"- {who}: " + (f"dokumentet anger ingen {written or 'sådan befattning'}." if field == "role"
                                             else "ingen underskrift hittades i dokumentet."))
                continue
            ns = [n for n in (cites.add(c, q) for c, q, _ in parts) if n]
            title = parts[-1][1] if len(parts) > 1 else ""
            # a date on the signature line ('Svante Borg, Förvaltningschef  2023-11-21'): when it was signed
            dated = next((d for _, q, _ in parts for d in iso_dates(q)), "")
            lines.append(f"- {who}: undertecknat av **{clean_names(parts[0][2])}**" + (f" ({title})" if title else "")
                         + (f" den {dated}" if dated else "") + "".join(f" [{n}]" for n in ns))
            continue
        if field == "meeting":  # 'Till Miljö- och hälsoskyddsnämnden, sammanträdet den 18 november 2031'
            # (a dated sentence on what the question names, "… i förvaltningsgruppen", or no meeting line: when, as
            # any date question)
            got = None if req.topic and _dated_on(corpus, rec, req.topic) else _meeting(corpus, rec)
            if got is None:
                lines += _field_lines(corpus, req, [rec], "date", cites)
                continue
            n = cites.add(got[0], got[1])
            lines.append(f"- {who}: sammanträdet **{got[2]}**" + (f" [{n}]" if n else ""))
            continue
        if field == "recipient":
            got, sent = _labelled(corpus, rec, field), _sent_to(corpus, rec)
            if got is None and sent is None:
                lines.append(f"- {who}: uppgiften finns inte i dokumentets sidhuvud.")
                continue
            first = got or sent
            line = f"- {who}: Mottagare **{first[2]}**" + (f" [{n}]" if (n := cites.add(first[0], first[1])) else "")
            if got and sent and fold(sent[2].lower()) != fold(got[2].lower()):  # the memo to the nämnd, the answer onwards
                n2 = cites.add(sent[0], sent[1])
                line += f"; svaret överlämnas till **{sent[2]}**" + (f" [{n2}]" if n2 else "")
            lines.append(line)
            continue
        if field in ("contact", "phone", "email"):
            got = _labelled(corpus, rec, field)
            known = getattr(m, "handlaggare", "") if field == "contact" else ""
            if got is None and known:  # from the catalogue (metadata.yaml or the title block), cited where the text has it
                ev = _evidence(corpus, rec, [known])
                n = cites.add(*ev) if ev else None
                lines.append(f"- {who}: Handläggare **{known}**" + (f" [{n}]" if n else " (från metadata)"))
                continue
            if got is None:
                lines.append(f"- {who}: " + {"phone": "dokumentet anger inget telefonnummer.",
                                             "email": "dokumentet anger ingen e-postadress."}.get(
                    field, "uppgiften finns inte i dokumentets sidhuvud."))
                continue
            chunk, quote, value = got
            n = cites.add(chunk, quote)
            label = _FIELD_LABEL[field]
            lines.append(f"- {who}: {label} **{value}**" + (f" [{n}]" if n else ""))
            continue
        if field == "deadline":  # "Remisstid 2021-02-21", "för yttrande senast den 20 december 2023"
            got = _deadline(corpus, rec)
            if got is None:
                lines.append(f"- {who}: dokumentet anger ingen svarstid för remissen.")
                continue
            chunk, quote, value = got
            n = cites.add(chunk, quote)
            lines.append(f"- {who}: sista svarsdag **{value}**" + (f" [{n}]" if n else ""))
            continue
        if field == "year":  # "vilket år skrev X sitt yttrande?": the catalogue's year, cited where a line dates it
            when = _when(rec)
            if when is None:
                lines.append(f"- {who}: dokumentet anger inget år.")
                continue
            ev = _evidence(corpus, rec, [m.date, swedish_date(m.date)]) if m.date else _dated_line(corpus, rec, when[0])
            n = cites.add(*ev) if ev else None
            lines.append(f"- {who}: år **{when[0]}**" + (f" [{n}]" if n else " (från metadata)"))
            continue
        if field == "doctype":
            label = _DOC_TYPE_WORD.get(m.doc_type or "", "")
            if not label:
                lines.append(f"- {who}: dokumenttypen är okänd.")
                continue
            ev = _type_line(corpus, rec, label)
            n = cites.add(*ev) if ev else None
            lines.append(f"- {who}: dokumentet är ett **{label.lower()}**" + (f" [{n}]" if n else " (från metadata)"))
            other = _type_line(corpus, rec, *(w for w in dict.fromkeys(_DOC_TYPE_WORD.values()) if w != label))
            if other:  # a tjänsteutlåtande that became the nämnd's yttrande: say what the document calls itself
                n2 = cites.add(*other)
                if n2:
                    lines.append(f"  I dokumentet självt står »{other[1]}« [{n2}].")
            continue
        value = {"dnr": m.dnr, "date": swedish_date(m.date) if m.date else "",
                 "period": m.period.replace("-", "–") if m.period else ""}[field]
        if not value and field == "date" and (on := _dated_on(corpus, rec, req.topic)) is not None:
            # "när var det uppe i förvaltningsgruppen?": the sentence that dates what the question names
            n = cites.add(*on)
            lines.append(f"- {who}: dokumentet anger inget datum för sig självt, men skriver »{on[1]}«" + (f" [{n}]" if n else ""))
            continue
        if not value:
            lines.append(f"- {who}: dokumentet anger inget {dict(dnr='diarienummer', date='datum', period='programversion')[field]}.")
            continue
        needles = {"dnr": [m.dnr, *re.findall(r"\d{4}/\d+", m.dnr)], "date": [m.date, swedish_date(m.date)], "period": [m.period, m.period.replace("-", "–")]}[field]
        ev = _evidence(corpus, rec, needles)
        n = cites.add(*ev) if ev else None
        label = {"dnr": "diarienummer", "date": "datum", "period": "programversion"}[field]
        lines.append(f"- {who}: {label} **{value}**" + (f" [{n}]" if n else " (från metadata)"))
    return lines


def _asked_apart(q: str, at: int) -> bool:
    """Does a cue at `at` open a question of its own: within its first words ('vem *skrev under*'), or right
    after 'och'/'samt' ('… och när skrevs det?'), not inside a clause of another ('vem var ordförande när
    yttrandet beslutades')?"""
    before = q[:at].split()
    return len(before) <= 2 or bool({"och", "samt", "plus"} & set(before[-3:]))


# the catalogue fields answered by a list of documents; every other field a document states once, and several
# can be asked together ("vem var handläggare och när skrevs det?")
_LISTING_FIELDS = ("list", "order", "period")


def _dated_on(corpus: Corpus, rec: DocRecord, topic: str) -> tuple[Chunk, str] | None:
    """A sentence of the document with a full date and a word of the topic ('… förvaltningsgrupp 7 november
    2017' for 'förvaltningsgruppen'), or None."""
    terms = analyze(topic or "")
    if not terms:
        return None
    return _first_whole_sentence(corpus.passages(rec.doc_id), lambda sent: bool(_DATE_RX.search(sent)) and any(
        term_matches(t, fold(w.lower())) for t in terms for w in words(sent)))


def answer_catalogue(corpus: Corpus, req: Request) -> Answer:
    q = cue_text(req.question)
    tax = taxonomy()
    field = next((f for f, rx in tax.catalogue_fields if rx.search(q)), "list")
    fields = [field]
    if field not in _LISTING_FIELDS:
        # "när är X daterat och vem är handläggare?": every field of the document the question asks for, in the
        # question's order; a cue inside another's words is that one ('vem *skrev under*' is no 'vem skrev')
        spans: list[tuple[int, int, str]] = []
        for f, rx in tax.catalogue_fields:
            m = rx.search(q)
            if m and f not in _LISTING_FIELDS and not any(a < m.end() and m.start() < b for a, b, _ in spans) \
                    and (f == field or _asked_apart(q, m.start())):
                spans.append((m.start(), m.end(), f))
        fields = [f for _, _, f in sorted(spans)] or [field]
    docs = _of_kind(_scope(corpus, req), q)
    if field not in _LISTING_FIELDS and not req.namnder and not req.doc_ids and _PROGRAMME_OBJECT.search(q) \
            and not _RESPONSE_OBJECT.search(q):
        # "vem är kontaktperson för förslaget till trygghetsprogram 2032–2035?": the programme's own document
        programmes = [d for d in _scope(corpus, req, responses_only=False) if d.meta.doc_type == "program"]
        docs = programmes or docs
    if field == "list" and cue_regex("not_responded_cues").search(q):
        # "vilka nämnder har inte svarat?": the index holds the responses that came in, not who stayed silent
        return _abstain(req, "Underlaget innehåller bara de yttranden som kommit in; vilka som inte svarat framgår "
                        "inte. Yttranden finns från " + ", ".join(dict.fromkeys(d.meta.namnd or d.doc_id for d in docs)) + ".")
    year = _asked_year(req.question) if field == "list" and not req.period and not req.doc_ids else None
    if year:  # "vilka dokument är från 2021?": the documents of that year
        docs = [d for d in docs if (_when(d) or (0, ""))[0] == year]
        if not docs:
            return _abstain(req, f"Underlaget innehåller inga yttranden från {year}.")
    if not docs:
        what = f"om programmet {req.period.replace('-', '–')}" if req.period else "som matchar frågan"
        return _abstain(req, f"Underlaget innehåller inga yttranden {what}.")
    cites = _Cites()
    lines: list[str] = []
    if field == "order":
        dated = [d for d in docs if _when(d)]
        if not dated:
            return _abstain(req, "Dokumenten i underlaget anger inget datum eller år att ordna efter.")
        oldest = bool(set(q.split()) & tax.oldest_words)
        best = min(map(_when, dated)) if oldest else max(map(_when, dated))
        tied = [d for d in dated if _when(d) == best]
        head = ("Det äldsta" if oldest else "Det senaste") + " dokumentet i underlaget" + \
            (f" om programmet {req.period.replace('-', '–')}" if req.period else "") + \
            (":" if len(tied) == 1 else f" (flera från samma tid, {len(tied)} st):")
        text = head + "\n\n" + "\n".join(_list_line(corpus, rec, cites, req) for rec in tied[:MAX_LIST_DOCS])
        return Answer(req.question, text, cites.items, query=req.question, filters=req.filters())
    if field == "list" or (field in ("date", "period") and not req.namnder and len(docs) > 1):
        lines = [_list_line(corpus, rec, cites, req) for rec in docs[:MAX_LIST_DOCS]]
        scope = f" om programmet {req.period.replace('-', '–')}" if req.period else (f" år {year}" if year else "")
        # the remiss they answer, when the catalogue gives them one ('KS 2027/1150')
        remisses = sorted({d.meta.remiss_dnr for d in docs if getattr(d.meta, "remiss_dnr", "")})
        scope += f" (remiss {remisses[0]})" if len(remisses) == 1 and len(docs) > 1 else ""
        head = (f"{len(docs)} nämnder har yttrat sig{scope} i underlaget:" if len(docs) > 1
                else f"En nämnd har yttrat sig{scope} i underlaget:")
        text = head + "\n\n" + "\n".join(lines)
        if len(docs) > MAX_LIST_DOCS:
            text += f"\n\n… och {len(docs) - MAX_LIST_DOCS} till."
        return Answer(req.question, text, cites.items, query=req.question, filters=req.filters())
    for f in fields:
        lines += _field_lines(corpus, req, docs, f, cites)
    if field == "dnr" and not cites.items and req.period and not req.namnder and "program" in q:
        # "vad hade 2018 års program för dnr?": the responses have none, but a text may name the programme's own
        got = _programme_dnr(corpus, req.period)
        if got is not None:
            chunk, quote, dnr = got
            n = cites.add(chunk, quote)
            return Answer(req.question, f"Programmet {req.period.replace('-', '–')} har diarienummer **{dnr}** enligt "
                          f"{chunk.namnd or chunk.doc_id}" + (f" [{n}]" if n else "") + ".", cites.items,
                          query=req.question, filters=req.filters())
    if not cites.items and all(("anger inget" in ln or "anger ingen" in ln or "finns inte" in ln or "hittades" in ln)
                               for ln in lines):
        return _abstain(req, " ".join(ln.lstrip("- ") for ln in lines[:3]))
    return Answer(req.question, "\n".join(lines), cites.items, query=req.question, filters=req.filters())


# ------------------------------------------------------------------ summary

def _central(sents: list[Sentence]) -> list[tuple[Sentence, float]]:
    """Sentences scored by how much of the document's recurring vocabulary they
    carry (a term counts when it occurs in several sentences), the nämnd's own
    voice and stance cues weighing extra."""
    terms = [set(t for t in analyze(s.text) if len(t) >= 4) for s in sents]
    df: dict[str, int] = {}
    for ts in terms:
        for t in ts:
            df[t] = df.get(t, 0) + 1
    out = []
    for s, ts in zip(sents, terms):
        recurring = sum(1 for t in ts if df[t] >= 2)
        score = recurring / (len(ts) ** 0.5 or 1)
        v = voice(s.text)
        if v == "own":
            score += 1.5
        elif v == "account":
            score -= 0.5
        pos, crit = find_cues(s.text)
        score += 0.5 * bool(pos or crit)
        out.append((s, score))
    return out


def _distinct(a: str, b: str) -> bool:
    x, y = set(analyze(a)), set(analyze(b))
    return not x or not y or len(x & y) / min(len(x), len(y)) < 0.6


def _most_central(sents: list[Sentence], n: int) -> list[Sentence]:
    """The n most central sentences (`_central`), each distinct from those chosen before it."""
    chosen: list[Sentence] = []
    for s, _score in sorted(_central(sents), key=lambda t: -t[1]):
        if len(chosen) >= n:
            break
        if all(_distinct(s.text, c.text) for c in chosen):
            chosen.append(s)
    return chosen


_VOICE_LABEL = {"own": "Förvaltningens bedömning: ", "account": "Om förslaget: ", "": ""}


def voice_label(text: str, namnd: str, labels: dict[str, str], section: str = "") -> str:
    """How an answer line presents a quote, from `labels` by its `voice` (the responder's own view, or its
    account of the proposal); a company's own view is the company's ('Nämndens synpunkt: ' -> 'Bolagets
    synpunkt: '); in a section where members record a view of their own (index/headings.yaml `dissent`), its
    'vi' is theirs, not the nämnd's: the section's heading ('Reservation: ')."""
    from index.chunk import heading_taxonomy

    if section and heading_taxonomy().is_dissent(section):
        return section.split(" › ")[-1].strip() + ": "
    v = voice(text)
    if v == "own" and is_company(namnd):
        return "Bolagets " + labels[v].split(" ", 1)[1]
    return labels[v]


def _voice_label(s: Sentence) -> str:
    return voice_label(s.text, s.chunk.namnd, _VOICE_LABEL, s.chunk.section)


def _declares(s: Sentence) -> bool:
    """Does the sentence declare the responder's own stance on the proposal as a whole (`DECLARED`)?"""
    return voice(s.text) == "own" and bool(DECLARED.search(s.text))


def _verdict(views: list[Sentence]) -> Sentence | None:
    """The response's own first judgement of the proposal, in reading order: the first own-voice sentence
    with a stance cue ('Förvaltningen tycker att det är bra med ett gemensamt program …'). A tjänsteutlåtande
    states its verdict first, in its summary; a summary of it starts there."""
    return next((s for s in sorted(views, key=lambda x: x.order)
                 if voice(s.text) == "own" and any(find_cues(s.text))), None)


def _heading_match(heading: str, asked: set[str]) -> set[str]:
    """The topic terms a section heading names ('Programmets mål och begreppsdefinitioner' names 'begrepp',
    'mal', 'programmet'), when every content word of the heading is one of them; else the empty set."""
    stems = set(analyze(heading))
    named = {t for t in asked if any(term_matches(t, h) for h in stems)}
    return named if stems and all(any(term_matches(t, h) for t in asked) for h in stems) else set()


def _topic_sections(sents: list[Sentence], topic: str) -> list[Sentence]:
    """The sentences of the sections the document heads with the topic's words, when those headings
    together name every term of the topic ('Samverkan' and 'Samordning' for 'samverkan och samordning';
    not 'Samordning' alone for 'resursbehovet för samordningen')."""
    asked = set(analyze(topic))
    named: dict[str, set[str]] = {}
    for s in sents:
        if s.chunk.section and s.chunk.section not in named:
            named[s.chunk.section] = _heading_match(s.chunk.section.split(" › ")[-1], asked)
    covered = set().union(*named.values()) if named else set()
    if not asked or covered != asked:
        return []
    return [s for s in sents if named.get(s.chunk.section)]


def summarise_document_on(corpus: Corpus, rec: DocRecord, topic: str, cites: _Cites,
                          max_points: int = MAX_TOPIC_POINTS) -> str:
    """What one document says on a topic ("Sammanfatta vad EAV skriver om samverkan"): the
    document's stance on it and the sentences Jämför and the stance answerer read on it (the shared
    scorer, `_topic_views`), in reading order. "" when no sentence of the document is on the topic:
    the caller then summarises the whole document (a topic that is only a word of the request,
    "i några punkter", matches nothing)."""
    scorer = Scorer(corpus, topic)
    ds = document_stance(corpus, rec, topic, scorer)
    views = sorted(ds.positive + ds.critical + ds.other, key=lambda s: s.order)
    # sections the document heads with the topic's words ("Samverkan") are its own account of the topic
    named = _topic_sections(document_sentences(corpus, rec.doc_id), topic)
    if named:  # the most central sentences of each such section in turn, read in document order
        by_section: dict[str, list[Sentence]] = {}
        for s in named:
            by_section.setdefault(s.chunk.section, []).append(s)
        ranked = [_most_central(ss, max_points) for ss in by_section.values()]
        picks = [r[i] for i in range(max_points) for r in ranked if i < len(r)]
        views = sorted(picks[:max_points], key=lambda s: s.order)
    elif len(views) > max_points:
        views = _topic_views(corpus, rec, scorer, max_points)
    if not views:
        return ""
    label = _STANCE_LABEL.get(ds.stance, ds.stance)
    head = f"**{_who(rec)}** om »{topic}«" + (f" ({label})" if ds.stance in ("positiv", "kritisk", "blandad") else "") + ":"
    lines = [f"- {_voice_label(s)}{x}" for s in views if (x := cites.sentence(s))]
    return head + "\n" + "\n".join(lines) if lines else ""


_LENGTH = re.compile(r"(?<!\w)(\d{1,2}|[a-z]+) (meningar|mening|punkter|punkt|rader|rad)(?!\w)(?! (per|for varje|om varje))")


def asked_length(q: str) -> int:
    """The number of sentences a summary request asks for ("tre meningar max", "i 2 punkter"; the folded
    question): 0 when none ("en rad per nämnd" asks per document, not in all)."""
    m = _LENGTH.search(q)
    if not m:
        return 0
    from .analyse import number_value

    return min(number_value(m.group(1)), MAX_SUMMARY_POINTS + 1)


def summarise_section(corpus: Corpus, rec: DocRecord, section: str, cites: _Cites,
                      max_points: int = MAX_TOPIC_POINTS) -> str:
    """One section of one document in brief ("sammanfatta reservationen"): its most central distinct
    sentences, in reading order, under the section's own heading; "" when the document lacks it."""
    sents = [s for s in document_sentences(corpus, rec.doc_id) if s.chunk.section == section]
    picked = sorted(_most_central(sents, max_points), key=lambda s: s.order)
    lines = [f"- {x}" for s in picked if (x := cites.sentence(s))]
    return f"**{_who(rec)}**, avsnittet »{section.split(' › ')[-1]}«:\n" + "\n".join(lines) if lines else ""


def summarise_document(corpus: Corpus, rec: DocRecord, cites: _Cites, max_points: int = MAX_SUMMARY_POINTS,
                       with_decision: bool = True, max_quotes: int | None = None) -> str:
    """`max_quotes`: the most sentences quoted in all ("max två meningar"), the proposed decision (when the
    document has one and it is wanted) among them; else `max_points` points besides the decision."""
    sents = document_sentences(corpus, rec.doc_id)
    if not sents:
        return ""
    decision = [s for s in sents if s.family == "Förslag till beslut"]
    if max_quotes:  # the verdict first among them
        max_points = max(1, max_quotes - (1 if decision and with_decision else 0))
    views = [s for s in sents if s.family in ("Sammanfattning", "Förvaltningens synpunkter och förslag")] or sents
    stance_sents = [s.text for s in views if voice(s.text) == "own"] or [s.text for s in views[:8]]
    stance, cues = detect_stance(stance_sents)
    # the response's own word on the proposal as a whole ("I övrigt är förvaltningen kritisk till förslaget")
    # outweighs the count of its cues
    declared = [s for s in views if _declares(s)]
    stance = _declared_side(declared) or stance
    stance_text = {"positiv": "i huvudsak positiv", "kritisk": "i huvudsak kritisk",
                   "blandad": "positiv men med invändningar", "neutral": "neutral (inga tydliga ställningstaganden)"}[stance]
    parts = [f"**{_who(rec)}** är {stance_text} till förslaget."]
    if decision and with_decision:
        parts.append("Förslag till beslut: " + cites.sentence(decision[0]))
    rest = [s for s in views if s not in decision]
    if max_points == 1 and stance in ("blandad", "kritisk"):
        # one point for a response with objections ("en rad per nämnd"): its most central objection, not a
        # central sentence of support that hides them
        objecting = [s for s in rest if voice(s.text) == "own" and (find_cues(s.text)[1] or requests_change(s.text))]
        rest = objecting or rest
    # the verdict, then the most central points (within an asked-for length, the verdict is one of them)
    lead = (next((s for s in declared if s in rest), None) or _verdict(rest)) if max_points >= 2 else None
    budget = max_points - (lead is not None and bool(max_quotes))
    central = _most_central([s for s in rest if s is not lead], budget + (lead is not None))
    chosen = ([lead] if lead else []) + [s for s in central if lead is None or _distinct(s.text, lead.text)][:budget]
    chosen.sort(key=lambda s: s.order)
    if chosen:
        parts.append("Huvudsakliga synpunkter:\n" + "\n".join(
            f"- {_voice_label(s)}{cites.sentence(s)}" for s in chosen))
    return "\n\n".join(p for p in parts if p)


_PROGRAMME_OBJECT = re.compile(r"(?<!\w)(\w*programmet|\w*programmen|forslaget|\w+sprogram)(?!\w)")
_RESPONSE_OBJECT = re.compile(r"(?<!\w)(yttrande\w*|remissvar\w*|svar|svaret|svaren|tjansteutlatande\w*|\w*namnd\w*)(?!\w)")
_DESCRIBES = ("Ärendet", "Bakgrund", "Sammanfattning")  # section families where a response retells the programme


def _programme_sentences(corpus: Corpus, docs: list[DocRecord], period: str) -> tuple[list[Sentence], bool]:
    """(sentences that state what the programme says, from the programme itself?): the programme
    documents' own text when the index has one, else what the responses retell of it (their account
    voice, and what their background sections say in no voice of their own), never of another version."""
    from .answer import about_other_period

    own = [d for d in docs if d.meta.doc_type == "program"]
    if own:
        return [s for d in own for s in document_sentences(corpus, d.doc_id)], True
    out = []
    for d in docs:
        for s in document_sentences(corpus, d.doc_id):
            v = voice(s.text)
            if (v == "account" or (s.family in _DESCRIBES and v != "own")) and \
                    not (period and about_other_period(s.text, period)):
                out.append(s)
    return out, False


def _names_parts(text: str) -> bool:
    """Does the sentence name a programme's parts: a number of them ("fyra fokusområden", "fem
    fokusområden") or what was added to it ("har arbetet mot välfärdsbrott … inkluderats")?"""
    f = fold(text.lower())
    return bool(_counted_parts().search(f) or _ADDED.search(f))


_ADDED = re.compile(r"\b(har|hade) (\w+ ){1,8}(inkluderats|tillkommit|lagts till|tillforts)\b")  # folded text


@lru_cache(maxsize=1)
def _counted_parts() -> re.Pattern:
    """A number of a programme's parts ("fyra fokusområden"; taxonomy.yaml `number_words`), on folded text."""
    numbers = [w for w in taxonomy_words("number_words") if " " not in w and w not in ("en", "ett")]
    return re.compile(r"(?<!\w)(" + "|".join(numbers) + r"|\d+) \w*(omraden|delar|mal|strategier|perspektiv)\b")


def summarise_programme(corpus: Corpus, req: Request, cites: _Cites, max_points: int = MAX_SUMMARY_POINTS,
                        of: list[DocRecord] | None = None) -> str:
    """What a programme version contains, in its central sentences (document order), each cited; from
    the documents `of` (one nämnd's account of it) when given."""
    docs = of if of is not None else corpus.documents({"period": req.period} if req.period else None)
    sents, own = _programme_sentences(corpus, docs, req.period)
    topic = stance_topic(corpus, req.topic)
    if topic:  # "kort om vad det nya programmet säger om välfärdsbrott": the sentences on it, if any
        scorer = Scorer(corpus, topic)
        on = {(s.chunk.id, s.start) for d in docs for s in _topic_views(corpus, d, scorer, 2 * max_points)}
        narrowed = [s for s in sents if (s.chunk.id, s.start) in on]
        topic, sents = (topic, narrowed) if narrowed else ("", sents)
    pool = [s for s in sents if not leans_back(s.text)]
    # what the programme is made of: a sentence naming its parts ("fyra fokusområden: …", "A, B, C och D")
    # or what was added, up to half the points, then the most central ones
    parts = _most_central([s for s in pool if _names_parts(s.text)], max_points // 2) if not topic else []
    chosen = parts + [s for s in _most_central([s for s in pool if s not in parts], max_points)
                      if all(_distinct(s.text, c.text) for c in parts)][:max_points - len(parts)]
    if not chosen:
        return ""
    order = {d.doc_id: i for i, d in enumerate(docs)}
    chosen.sort(key=lambda s: (order.get(s.chunk.doc_id, 0), s.order))
    version = (f"Programmet {req.period.replace('-', '–')}" if req.period else "Programmet") + (
        f" om »{topic}«" if topic else "")
    names = list(dict.fromkeys(d.meta.namnd or d.doc_id for d in docs))
    tellers = ((", ".join(names[:-1]) + " och " if len(names) > 1 else "") + names[-1]
               if of is not None and len(names) <= 3 else "yttrandena")
    head = f"{version} i korthet, ur programtexten:" if own else \
        f"{version} i korthet, så som {tellers} återger det (programtexten finns inte i underlaget):"
    lines = [f"- {cites.sentence(s)}" + ("" if own else f" ({s.chunk.namnd or s.chunk.doc_id})") for s in chosen]
    return head + "\n\n" + "\n".join(ln for ln in lines if ln.strip() != "-")


_CRITIQUE_SUMMARY = re.compile(r"\b(kritik\w*|invandning\w*|brister|svagheter|andringsforslag\w*|"
                               r"andringsonskemal\w*|forbattringsforslag\w*|forbattringsomraden)\b")


ONE_DOC_POINTS = 5  # objections listed when the question asks about one document's


def _summarise_critique(corpus: Corpus, req: Request, docs: list[DocRecord], cites: _Cites,
                        per_doc: int = 2) -> str:
    """The objections and requests for change of each document in scope (the stance method's critical
    sentences on the topic, or overall), at most `per_doc` each, in reading order; the documents without
    any named at the end. '' when none has any."""
    topic = stance_topic(corpus, req.topic)
    scorer = Scorer(corpus, topic) if topic else None
    said, silent = [], []
    for rec in docs[:MAX_LIST_DOCS]:
        ds = document_stance(corpus, rec, topic, scorer)
        picked: list[Sentence] = []
        critical = sorted(ds.critical, key=lambda s: s.order)
        if per_doc > 2:  # one document's main objections: one per section first, then the rest in reading order
            firsts = {s.chunk.section: s for s in reversed(critical)}
            critical = sorted(firsts.values(), key=lambda s: s.order) + [s for s in critical if s not in firsts.values()]
        for s in critical:  # each objection once ('Dock bör …' / '… men anser att det bör …')
            if len(picked) < per_doc and all(_distinct(s.text, o.text) for o in picked):
                picked.append(s)
        picked.sort(key=lambda s: s.order)
        points = [x for x in (cites.sentence(s) for s in picked) if x]
        if points:
            said.append(f"**{_who(rec)}**:\n" + "\n".join(f"- {p}" for p in points))
        else:
            silent.append(rec.meta.namnd or rec.doc_id)
    if not said:
        return ""
    scope = f" om programmet {req.period.replace('-', '–')}" if req.period else ""
    return (f"Kritik och ändringsönskemål i {len(said)} av {len(said) + len(silent)} yttranden{scope}:\n\n"
            + "\n\n".join(said) + (f"\n\nIngen tydlig kritik: {', '.join(silent)}." if silent else ""))


def answer_summary(corpus: Corpus, req: Request) -> Answer:
    q = cue_text(req.question)
    # "… som HL beskriver det", "vad innehöll programmet 2018-2021, enligt yttrandet?": the responses' account
    account = bool(req.doc_ids or _RESPONSE_OBJECT.search(q)) and _PROGRAMME_OBJECT.search(q) \
        and cue_regex("programme_account_cues").search(q)
    from .answer import _OF_PROGRAMME

    # "sammanfatta vad stadsdelsnämnderna ska göra enligt förslaget": the programme's text, whoever it names
    of_programme = not req.namnder and not req.doc_ids and bool(_OF_PROGRAMME.search(q)) and not _CRITIQUE_SUMMARY.search(q)
    if account or of_programme or (not req.namnder and not req.doc_ids and _PROGRAMME_OBJECT.search(q)
                                   and not _RESPONSE_OBJECT.search(q)
                                   and not _CRITIQUE_SUMMARY.search(q)):  # "sammanfatta kritiken mot programmet": the responses' critique
        # what the programme contains, or ("… som HL beskriver det") what one nämnd's response retells of it
        cites = _Cites()
        if account:  # "kyrkogårdsförvaltningens beskrivning av …": the account asked for, no topic
            asks = taxonomy_words("programme_account_words")
            req = replace(req, topic=" ".join(w for w in req.topic.split() if not fold(w.lower()).startswith(asks)))
        text = summarise_programme(corpus, req, cites, of=_scope(corpus, req) if account else None)
        if not cites.items:
            return _abstain(req, "Underlaget innehåller ingen text som beskriver programmet"
                            + (f" {req.period.replace('-', '–')}." if req.period else "."))
        return Answer(req.question, text, cites.items, query=req.question, filters=req.filters())
    docs = _scope(corpus, req)
    if not req.namnder:  # "vad tyckte stadsdelsnämnderna i stort": the nämnder of that kind
        docs = _of_kind(docs, q)
    if not docs:
        return _abstain(req, "Inget dokument i underlaget matchar frågan.")
    cites = _Cites()
    if _CRITIQUE_SUMMARY.search(q):  # "sammanfatta kritiken i remissvaren": each one's objections, in reading order
        text = _summarise_critique(corpus, req, docs, cites, per_doc=2 if len(docs) > 1 else ONE_DOC_POINTS)
        if text:
            return Answer(req.question, text, cites.items, query=req.question, filters=req.filters())
    # a part of the named document ("sammanfatta reservationen i trafiknämnden", "… förslaget till beslut"):
    # that section's central sentences, from the documents' own headings
    from .answer import named_section

    section = named_section(corpus, req, req.question) if req.doc_ids else None
    # (its views, "sammanfatta EAV:s synpunkter och förslag", are what a summary of the whole document is made of)
    if section and section_family(section) != "Förvaltningens synpunkter och förslag":
        text = "\n\n".join(p for p in (summarise_section(corpus, rec, section, cites) for rec in docs[:3]) if p)
        if cites.items:
            return Answer(req.question, text, cites.items, query=req.question, filters=req.filters())
    # the document named ("kort sammanfattning av X:s svar"): no topic to summarise it on
    plain = set(taxonomy_words("summary_plain_words"))
    topic = " ".join(w for w in stance_topic(corpus, req.topic).split()
                     if not _KIND.fullmatch(fold(w.lower())) and fold(w.lower()) not in plain)
    if len(docs) > 1 and not req.namnder and topic:
        # "ge en överblick över hur yttrandena ser på samverkan": what each says on it
        on = [(rec, summarise_document_on(corpus, rec, topic, cites, max_points=2)) for rec in docs[:MAX_LIST_DOCS]]
        said = [p for _, p in on if p]
        if said:
            silent = [rec.meta.namnd or rec.doc_id for rec, p in on if not p]
            text = (f"{len(said)} av {len(on)} yttranden" + (f" om programmet {req.period.replace('-', '–')}"
                    if req.period else "") + f" tar upp »{topic}«:\n\n" + "\n\n".join(said)
                    + (f"\n\nTar inte upp det: {', '.join(silent)}." if silent else ""))
            return Answer(req.question, text, cites.items, query=req.question, filters=req.filters())
    if len(docs) > 1 and not req.namnder:
        paragraphs = [summarise_document(corpus, rec, cites, max_points=1) for rec in docs[:6]]
        intro = f"Underlaget innehåller {len(docs)} yttranden" + (
            f" om programmet {req.period.replace('-', '–')}" if req.period else "") + ". I korthet:"
        text = intro + "\n\n" + "\n\n".join(p for p in paragraphs if p)
    else:
        n = asked_length(q)  # "tre meningar max": the decision and the points within that many quotes
        text = "\n\n".join(p for p in ((topic and summarise_document_on(corpus, rec, topic, cites))
                                        or summarise_document(corpus, rec, cites, with_decision=n != 1, max_quotes=n or None)
                                        for rec in docs[:3]) if p)
    if not cites.items:
        return _abstain(req, "Dokumentet innehåller ingen brödtext som kan citeras.")
    return Answer(req.question, text, cites.items, query=req.question, filters=req.filters())


# ------------------------------------------------------------------ stance and ranking

_RANK_MOST = re.compile(r"\bmest\b|\bstorst\w*\b|\bflest\b|\b(rangordna|ranka|rankning|sortera|ordna)\w*\b")
_RANK_LEAST = re.compile(r"\bminst\b")
_WITHOUT = re.compile(r"\butan (\w+ ){0,4}?(invandning|kritik|forbehall|reservation|anmarkning|stod|beromm|andring|fortydligand|synpunkt|negativ|kritisk)\w*")
_WANTS_POSITIVE = re.compile(r"\b(positiv\w*|bra|noj\w*|stod\w*|bakom|valkomna\w*|tillstyrk\w*|instamm\w*|styrk\w*|fordel\w*|berom\w*|lovord\w*|"
                             r"(hall\w*|holl) med|gillar|gillade)\b")
_WANTS_CHANGE = re.compile(r"\b(andring\w*|forandring\w*|tillagg|fortydligand\w*|forbattring\w*|invandning\w*|kritik\w*|kritisk\w*|negativ\w*|avstyrk\w*"
                           # "när de vill att något ändras": a wish for change, said with a passive verb
                           r"|(vill|ville|onskar|onskade) (ha )?(att )?(\w+ ){0,2}(andras|forandras|forbattras|justeras|kompletteras|fortydligas|goras om))\b")
# A request for change to the programme (counted as critique): the programme or a passive form as its object,
# not any "behöver" ("arbetet behöver stärkas" motivates the programme, it does not criticise it).
_REQUEST = re.compile(r"\b((programmet|förslaget|trygghetsprogrammet|dokumentet|texten|avsnittet|skrivningen|det|detta)"
                      r" (bör|behöver|borde|skulle (kunna|behöva))\b|(bör|behöver|borde)( \w+){0,3} (förtydligas|"
                      r"tydliggöras|kompletteras|ändras|framgå|utvecklas|preciseras|ses över|läggas till|omfatta|"
                      r"inkludera|klargöras|lyftas fram)\b|önskar|efterfrågar|efterlyser|saknar|saknas|"
                      r"föreslår att .{0,40}(kompletteras|förtydligas|ändras)"
                      # a change proposed with the programme as its subject ('föreslår att programmet anger …')
                      r"|föreslår att (programmet|förslaget|trygghetsprogrammet|texten|avsnittet|skrivningen) \w+"
                      # or in the passive ('föreslår att antalet indikatorer … begränsas'), not the response's own
                      # way to the kommunstyrelse ('… att tjänsteutlåtandet överlämnas …')
                      r"|föreslår att (?![^.]*(tjänsteutlåtande|yttrande|remissvar|svar på remiss))[^.]{0,80}\b\w{4,}as\b)",
                      re.I)


@lru_cache(maxsize=1)
def _imperative() -> re.Pattern:
    """A sentence that opens with an editing verb in the imperative (taxonomy.yaml `edit_imperatives`)."""
    verbs = sorted(taxonomy_words("edit_imperatives"), key=len, reverse=True)
    return re.compile(r"^(" + "|".join(re.escape(v) for v in verbs) + r") (?!(att|om|sig|det|detta)\b)\w", re.I)


def requests_change(text: str) -> bool:
    """Does the sentence ask for a change of the proposal: a need or wish put on it (`_REQUEST`), or an
    instruction to edit it ('Komplettera avsnittet med …', 'Lägg till ett avsnitt om …')?"""
    return bool(_REQUEST.search(text) or _imperative().match(normalize_ws(text)))


# "Vad kritiserade X?", "Vilka invändningar hade X?": asks WHAT the objections were, not whether there were any
_ASKS_WHAT_CRITIQUE = re.compile(r"\b(vad|vilka|vilket|vilken)\b.*\b(kritiser\w*|invand\w*|kritik\w*|ifragasatt?e?\w*|"
                                 r"brister|svagheter|nackdelar|andring\w*|forandring\w*|onskemal\w*|onskade|onskar|"
                                 r"efterlyste|efterlyser|saknade|forbattring\w*|andra|forandra|forbattra)\b"
                                 r"|\b(nagra|nagon|nagot|nan|nana|nat) (brister|svagheter|nackdelar|invandning\w*|kritik\w*|problem"
                                 r"|betankligheter|farhagor|tveksamheter|forbehall|reservationer)\b")
MAX_CRITIQUE_POINTS = 5
# The reply to a yes/no stance question, by the document's stance and whether the question asks for
# critique (or changes) rather than support.
_YES_NO = {("positiv", False): "Ja.", ("blandad", False): "Ja, men med invändningar.", ("kritisk", False): "Nej.",
           ("positiv", True): "Nej.", ("blandad", True): "Ja, på några punkter.", ("kritisk", True): "Ja."}
# "Ställde de sig bakom förslaget, eller hade de något att anmärka på?": two alternatives, no yes/no question
_ALTERNATIVE = re.compile(r"(?<!\w)eller (\w+ ){0,2}(hade|har|var|ar|ville|vill|fanns|finns|tyckte|tycker|sag|ser|ansag|anser"
                          r"|onskade|onskar|gjorde|kritiserade|stallde)(?!\w)")
_ALL_OF_THEM = re.compile(r"\b(alla|samtliga|bada|bagge)\b")
_ASKS_AGAINST = re.compile(r"\b(emot|invand\w*|missnoj\w*|tveksam\w*|ifragasat\w*|brist\w*|saknade|saknar|betankligh\w*"
                           r"|farhag\w*|orolig\w*|nackdel\w*|svaghet\w*|forbehall\w*|reservation\w*)\b")
_STANCE_LABEL = {"positiv": "positiv", "kritisk": "kritisk", "blandad": "positiv men med invändningar",
                 "neutral": "varken tydligt positiv eller kritisk"}


@dataclass
class _DocStance:
    rec: DocRecord
    stance: str
    positive: Sequence[Sentence]  # a list, or a _LazySentences for a memoised overall stance
    critical: Sequence[Sentence]
    other: Sequence[Sentence] = field(default_factory=list)  # on the topic, no stance cue


def _topic_views(corpus: Corpus, rec: DocRecord, scorer: Scorer, n: int = STANCE_SENTENCES) -> list[Sentence]:
    """The document's body sentences on the scorer's topic: Jämför's evidence
    (compare.ranked_sentences, the shared scorer) above Jämför's threshold, the
    n (STANCE_SENTENCES) most relevant, in reading order."""
    chunks = corpus.passages(rec.doc_id)
    if not chunks:
        return []
    in_order, ranked = ranked_sentences(scorer, chunks)
    out: list[Sentence] = []
    seen: set[str] = set()
    for s in ranked:
        if s.rel < COMPARE_THRESHOLD or len(out) >= n:
            break
        t = normalize_ws(s.text)
        if t in seen or not is_body_sentence(t):
            continue
        seen.add(t)
        out.append(Sentence(chunks[s.chunk_i], s.span[0], s.span[1], s.chunk_i * 10 ** 6 + s.span[0]))
        reply = _reply_to(in_order, s) or _reservation_after(in_order, s)
        if reply is not None and normalize_ws(reply.text) not in seen and is_body_sentence(normalize_ws(reply.text)):
            seen.add(normalize_ws(reply.text))  # "I programmet anges X. Förvaltningarna instämmer helt med ovanstående …"
            out.append(Sentence(chunks[reply.chunk_i], reply.span[0], reply.span[1], reply.chunk_i * 10 ** 6 + reply.span[0]))
    return sorted(out, key=lambda x: x.order)


def _reply_to(in_order: list, s) -> object | None:
    """The nämnd's reply to a sentence retelling the programme ('I programmet anges …' -> 'Förvaltningarna
    instämmer helt med ovanstående, men …'): its first own-voice sentence within the next three, when
    it points back (taxonomy.yaml `reply_references`); None otherwise."""
    if voice(normalize_ws(s.text)) != "account":
        return None
    i = next((k for k, x in enumerate(in_order) if x is s), None)
    if i is None:
        return None
    refs = taxonomy_words("reply_references")
    for nxt in in_order[i + 1:i + 4]:  # the retelling may go on a sentence or two ('Vidare framhålls …')
        t = normalize_ws(nxt.text)
        if voice(t) == "own":
            return nxt if leans_back(t) or any(r in words(fold(t.lower())) for r in refs) else None
    return None


def _reservation_after(in_order: list, s) -> object | None:
    """The sentence right after `s` when it opens with a contrast (taxonomy.yaml `contrast_openings`:
    'Samtidigt är det viktigt att hålla ihop de båda programmen …'): the reservation to what `s` says,
    which names the topic by pointing back only; None otherwise."""
    i = next((k for k, x in enumerate(in_order) if x is s), None)
    if i is None or i + 1 >= len(in_order):
        return None
    nxt = in_order[i + 1]
    return nxt if _is_reservation(nxt.text) else None


def _is_reservation(text: str) -> bool:
    """A sentence opening with a contrast ('Samtidigt är det viktigt att …') or stating a need it points
    back for ('Här ser förvaltningen ett behov av …'): a reservation to what goes before."""
    return _opens_with_contrast(text) or _need_pointing_back(text)


def _need_pointing_back(text: str) -> bool:
    """Does the sentence point back to the one before and state a need or a request there (taxonomy.yaml
    `improvements` evidence: 'Här ser förvaltningen ett behov av vidareutvecklad samordning …')?"""
    from .analyse import taxonomy

    t = normalize_ws(text)
    return leans_back(t) and any(ev.search(fold(t.lower())) for _, ev in taxonomy().improvements)


def _follows_with_need(s, views: list) -> bool:
    """Is `s` a sentence going on from one before it among `views` to state a need ('Här ser förvaltningen
    ett behov av …' after the ordningsvakter): a request on the topic, counted as critique."""
    return _need_pointing_back(s.text) and any(v.order < s.order for v in views)


def _opens_with_contrast(text: str) -> bool:
    return opens_with(text, taxonomy_words("contrast_openings"))


class _DocPassages:
    """One document's passages, completed across their boundaries as document_sentences reads them,
    fetched from the corpus on first use."""

    def __init__(self, corpus: Corpus, doc_id: str) -> None:
        self.corpus, self.doc_id = corpus, doc_id
        self._passages: list[Chunk] | None = None
        self._done: dict[int, Chunk] = {}

    def chunk(self, i: int) -> Chunk | None:
        if self._passages is None:
            self._passages = self.corpus.passages(self.doc_id)
        ps = self._passages
        if not 0 <= i < len(ps):
            return None  # the document changed under the memo: its sentences are dropped, never misplaced
        if i not in self._done:
            self._done[i] = completed_at(ps, i)
        return self._done[i]


class _LazySentences(Sequence):
    """Stance sentences kept as positions (passage, span, order): the length is known without reading the
    document, the Sentence objects are built from its passages when the sentences themselves are used
    (a ranking counts the sentences of every document and quotes those of a few)."""

    def __init__(self, doc: _DocPassages, refs: array) -> None:
        self._doc, self._refs = doc, refs
        self._items: list[Sentence] | None = None

    def _list(self) -> list[Sentence]:
        if self._items is None:
            r, out = self._refs, []
            for k in range(0, len(r), 4):
                c = self._doc.chunk(r[k])
                if c is not None and r[k + 2] <= len(c.text):
                    out.append(Sentence(c, r[k + 1], r[k + 2], r[k + 3], r[k]))
            self._items = out
        return self._items

    def __len__(self) -> int:
        return len(self._refs) // 4 if self._items is None else len(self._items)

    def __getitem__(self, i):
        return self._list()[i]

    def __iter__(self):
        return iter(self._list())

    def __add__(self, other) -> list[Sentence]:
        return [*self, *other]

    def __radd__(self, other) -> list[Sentence]:
        return [*other, *self]


@dataclass(frozen=True)
class _StanceMemo:
    """A document's overall stance as kept between questions: the label and its sentences' positions
    (16 bytes a sentence), not the sentences: holding Sentence objects kept every document's passages
    alive (1.4 GB of heap at 33,560 documents after one ranking question)."""

    stance: str
    refs: tuple[array, array, array]  # positive, critical, other: (chunk_i, start, end, order) each

    @classmethod
    def of(cls, ds: _DocStance) -> "_StanceMemo | None":
        if any(s.chunk_i < 0 for s in (*ds.positive, *ds.critical, *ds.other)):
            return None
        return cls(ds.stance, tuple(array("i", [v for s in lst for v in (s.chunk_i, s.start, s.end, s.order)])
                                    for lst in (ds.positive, ds.critical, ds.other)))

    def view(self, corpus: Corpus, rec: DocRecord) -> _DocStance:
        doc = _DocPassages(corpus, rec.doc_id)
        return _DocStance(rec, self.stance, *(_LazySentences(doc, r) for r in self.refs))


_OVERALL: "OrderedDict[tuple, _StanceMemo]" = OrderedDict()  # overall stances of documents read in this process
MAX_CACHED_STANCES = 100_000
_OVERALL_LOCK = threading.Lock()


def document_stance(corpus: Corpus, rec: DocRecord, topic: str = "", scorer: Scorer | None = None) -> _DocStance:
    """Stance of one document: its own-voice sentences in the summary and
    synpunkter sections, or — with a topic — the sentences Jämför would read on
    that topic (one stance method for both), cue phrases counted per sentence;
    a request for change ('bör', 'behöver', 'saknar') counts as critique. The
    overall stance depends on the document alone, so it is kept per process for
    the document's content and metadata (file hash, passage count, catalogue entry) in
    this corpus, as a `_StanceMemo`: "Vem var mest kritisk?" reads every document once,
    not on every question, and quotes from the few it names."""
    key = (rec.doc_id, rec.sha256, rec.n_chunks, repr(rec.meta), id(corpus))  # metadata: the quotes' labels
    if not topic and rec.sha256:
        with _OVERALL_LOCK:
            memo = _OVERALL.get(key)
            if memo is not None:
                _OVERALL.move_to_end(key)
        if memo is None and (kept := _kept_stance(corpus, rec)) is not None:  # read by an earlier process
            memo = _remember(key, kept)
        if memo is not None:
            return memo.view(corpus, rec)
    out = _document_stance(corpus, rec, topic, scorer)
    if not topic and rec.sha256 and (memo := _StanceMemo.of(out)) is not None:
        _remember(key, memo)
        if (disk := store_for(corpus)) is not None:
            with contextlib.suppress(sqlite3.Error):
                disk.put(_stance_key(rec), memo.stance, memo.refs)
        return memo.view(corpus, rec)  # a ranking holds every document's stance at once: positions, not passages
    return out


def _remember(key: tuple, memo: _StanceMemo) -> _StanceMemo:
    with _OVERALL_LOCK:
        _OVERALL[key] = memo
        while len(_OVERALL) > MAX_CACHED_STANCES:
            _OVERALL.popitem(last=False)
    return memo


def _stance_key(rec: DocRecord) -> str:
    """The stance store's key of one document version (its id, content, passages and catalogue entry)."""
    return stance_key(rec.doc_id, rec.sha256, rec.n_chunks, repr(rec.meta))


def _kept_stance(corpus: Corpus, rec: DocRecord) -> _StanceMemo | None:
    """The document version's overall stance as an earlier process read it (assistant.stance_store)."""
    disk = store_for(corpus)
    if disk is None:
        return None
    try:
        row = disk.get(_stance_key(rec))
    except sqlite3.Error:
        return None
    return None if row is None else _StanceMemo(*row)


def warm_stances(corpus: Corpus) -> int:
    """Read every document's overall stance once (the app does it in the background at start, so the
    first ranking question does not wait for it: 16 s at 100k passages on 2 cores), from the stance store
    for the documents an earlier process read (assistant.stance_store). Returns how many."""
    n = 0
    for rec in corpus.documents():
        document_stance(corpus, rec)
        n += 1
    if (disk := store_for(corpus)) is not None:
        with contextlib.suppress(sqlite3.Error):
            disk.flush()
    return n


def _document_stance(corpus: Corpus, rec: DocRecord, topic: str = "", scorer: Scorer | None = None) -> _DocStance:
    if topic:
        views = _topic_views(corpus, rec, scorer or Scorer(corpus, topic))
        if not views:
            return _DocStance(rec, "ej berört", [], [])
    else:
        sents = document_sentences(corpus, rec.doc_id)
        views = [s for s in sents if s.family in ("Sammanfattning", "Förvaltningens synpunkter och förslag")] or sents
    pos, crit, other = [], [], []
    reserved = False  # on a topic, a sentence set against the one before is a reservation to it
    for s in views:
        if voice(s.text) == "account":
            continue
        p, c = find_cues(s.text)
        contrast = bool(topic) and _opens_with_contrast(s.text)
        if p and not c and not contrast:
            pos.append(s)
            continue
        reservation = contrast or (bool(topic) and _follows_with_need(s, views))
        if c or requests_change(s.text) or reservation:
            crit.append(s)
            reserved = reserved or reservation
        else:
            other.append(s)
    stance = detect_stance([s.text for s in pos + crit])[0] if (pos or crit) else "neutral"
    if crit and not pos and not any(find_cues(s.text)[0] for s in crit):
        stance = "kritisk"  # 'instämmer helt …, men anser att det bör …' is support with a reservation, not critique
    elif stance == "positiv" and reserved:
        stance = "blandad"  # support, then 'Samtidigt är det viktigt att …' or 'Här ser … ett behov av …'
    if not topic and (declared := _declared_side([s for s in pos + crit if voice(s.text) == "own"])):
        stance = declared  # its own word on the proposal as a whole outweighs the count of its cues
    return _DocStance(rec, stance, pos, crit, other)


NOT_ADDRESSED = "tar inte upp"  # the stance answerer's refusal when no response takes a stance on the topic


def not_addressed(ans: Answer) -> bool:
    """Did the stance answerer refuse because no response in scope takes a stance on the topic?"""
    return ans.abstained and any(f" {NOT_ADDRESSED} »" in w for w in ans.warnings)


def _declared_side(sents: Sequence[Sentence]) -> str:
    """The stance the sentences declare on the proposal as a whole (`DECLARED`: 'I övrigt är förvaltningen
    kritisk till förslaget'): 'positiv', 'kritisk', 'blandad' when both are declared, '' when none is."""
    sides = {"kritisk" if (m.group(1) or m.group(2)).lower().startswith(("krit", "neg", "tvek", "avst")) else "positiv"
             for s in sents if (m := DECLARED.search(s.text))}
    return "blandad" if len(sides) == 2 else (sides.pop() if sides else "")


def stance_topic(corpus: Corpus, topic: str) -> str:
    """What a stance question is about, in words: the topic without the words that
    ask which way or how strongly (taxonomy.yaml `stance_words`) and without words
    of the catalogue's titles ("Stödde X förslaget till trygghets- och
    säkerhetsprogram?" asks for the overall stance: every word left is a title
    word). "" = the overall stance."""
    stance_words = taxonomy().stance_words
    title_words = catalogue_words(corpus, ("title",))
    keep = [w for w in words(topic or "") if analyze(w) and not fold(w.lower()).startswith(stance_words)]
    # a title word, or its inflection ('säkerhetsprogrammet' of the title's 'säkerhetsprogram')
    if all(any(term_matches(t, tw) or (len(tw) >= 6 and fold(w.lower()).startswith(tw)) for tw in title_words)
           for w in keep for t in analyze(w)):
        return ""
    return " ".join(keep)


def dissent_sentences(corpus: Corpus, doc_id: str) -> list[Sentence]:
    """The sentences of a document's sections where members record a view besides the decision
    (index/headings.yaml `dissent`: 'Reservation', 'Särskilt uttalande'), in reading order."""
    from index.chunk import heading_taxonomy

    return [s for s in document_sentences(corpus, doc_id) if heading_taxonomy().is_dissent(s.chunk.section)]


def _declared_decision(corpus: Corpus, rec: DocRecord) -> Sentence | None:
    """The sentence of the document's (proposed) decision that declares its verdict on the proposal
    ('Stadsbyggnadsnämnden avstyrker delvis förslaget …'; `DECLARED`), None without one."""
    return next((s for s in document_sentences(corpus, rec.doc_id) if _in_decision(s) and DECLARED.search(s.text)),
                None)


def _in_decision(s: Sentence) -> bool:
    """Is the sentence in the section 'Förslag till beslut' or under a minute's 'Beslut'?"""
    from index.chunk import heading_taxonomy

    return s.family == "Förslag till beslut" or heading_taxonomy().is_decision(s.chunk.section)


def decision_line(corpus: Corpus, rec: DocRecord, cites: _Cites) -> str:
    """The document's (proposed) decision, its first sentence quoted: the section 'Förslag till beslut', or a
    minute's 'Beslut' ('Nämnden beslutar'); "" without one."""
    first = next((s for s in document_sentences(corpus, rec.doc_id) if _in_decision(s)), None)
    quote = cites.sentence(first) if first else ""
    label = "Förslag till beslut" if first is not None and first.family == "Förslag till beslut" else "Beslut"
    return f"{label}: {quote}" if quote else ""


def dissent_line(corpus: Corpus, rec: DocRecord, cites: _Cites) -> str:
    """One line on the document's dissent section, its opening sentence quoted (who and what); "" without one."""
    sents = dissent_sentences(corpus, rec.doc_id)
    quote = cites.sentence(sents[0]) if sents else ""
    return f"Utöver beslutet finns avsnittet »{sents[0].chunk.section.split(' › ')[-1]}«: {quote}" if quote else ""


def answer_party(corpus: Corpus, req: Request, parties: Sequence[str]) -> Answer:
    """What members of a party said ("sammanfatta V:s särskilda uttalande", "var vänsterpartiet nöjda?"): the
    section of the minute where they record it (index/headings.yaml `dissent`), whole; else the sentences that
    name the party. Abstains, saying so, when no document in scope names the party."""
    from .analyse import names_party, party_name

    titles = [party_name(p) for p in parties]
    who = ", ".join(titles[:-1]) + " och " + titles[-1] if len(titles) > 1 else titles[0]
    cites = _Cites()
    parts: list[str] = []
    for rec in _scope(corpus, req)[:MAX_LIST_DOCS]:
        sents = document_sentences(corpus, rec.doc_id)
        naming = [s for s in sents if any(names_party(s.text, p) for p in parties)]
        if not naming:
            continue
        dissent = {s.chunk.section for s in dissent_sentences(corpus, rec.doc_id)}
        section = next((s.chunk.section for s in naming if s.chunk.section in dissent), None)
        picked = [s for s in sents if s.chunk.section == section] if section else naming
        picked = sorted(_most_central(picked, MAX_TOPIC_POINTS) if len(picked) > MAX_TOPIC_POINTS else picked,
                        key=lambda s: s.order)
        if req.qtype == "stance":
            label = _STANCE_LABEL.get(stance := detect_stance([s.text for s in picked])[0], stance)
        lines = [f"- {x}" for s in picked if (x := cites.sentence(s))]
        if lines:
            where = f", avsnittet »{section.split(' › ')[-1]}«" if section else ""
            lean = f" ({label})" if req.qtype == "stance" and stance != "neutral" else ""
            parts.append(f"**{who}** i {_who(rec)}{where}{lean}:\n" + "\n".join(lines))
    if not parts:
        return _abstain(req, f"Underlaget nämner inte {who}" + (f" i {' eller '.join(req.namnder)}s dokument"
                                                               if req.namnder else "") + ".")
    return Answer(req.question, "\n\n".join(parts), cites.items, query=req.question, filters=req.filters())


def answer_stance(corpus: Corpus, req: Request) -> Answer:
    docs = _scope(corpus, req)
    if not req.namnder:  # "vilken av stadsdelsnämnderna var mest kritisk?": the nämnder of that kind
        docs = _of_kind(docs, cue_text(req.question))
    if not docs:
        return _abstain(req, "Inget yttrande i underlaget matchar frågan.")
    q = fold(req.question.lower())
    # "positiva utan invändningar": the negated cue asks to exclude, not to find, critique
    only = bool(_WITHOUT.search(q))
    q = _WITHOUT.sub(" ", q)
    topic = stance_topic(corpus, req.topic)
    if topic and req.doc_ids:  # "varför reserverade de sig?": the part of the minute that says so
        from .answer import named_section

        section = named_section(corpus, replace(req, topic=topic), req.question)
        if section and section in {s.chunk.section for s in dissent_sentences(corpus, req.doc_ids[0])}:
            cites = _Cites()
            text = "\n\n".join(p for p in (summarise_section(corpus, rec, section, cites) for rec in docs[:3]) if p)
            if cites.items:
                return Answer(req.question, text, cites.items, query=req.question, filters=req.filters())
    scorer = Scorer(corpus, topic, dense_text=req.topic) if topic else None
    stances = [document_stance(corpus, rec, topic, scorer) for rec in docs]
    if scorer and all(d.stance == "ej berört" for d in stances):
        if req.namnder:  # "höll Kulturförvaltningen med om det?": say whose response lacks it
            return _abstain(req, " och ".join(dict.fromkeys(_who(d.rec) for d in stances)) + f" {NOT_ADDRESSED} »{topic}«.")
        return _abstain(req, f"Inget av yttrandena i underlaget {NOT_ADDRESSED} »{topic}«.")
    cites = _Cites()
    want_pos = bool(_WANTS_POSITIVE.search(q)) and not _WANTS_CHANGE.search(q)

    def evidence(ds: _DocStance, positive: bool, n: int = 2) -> str:
        sel = ds.positive if positive else ds.critical
        if scorer:  # on a topic: the sentences that speak to it most, shown in reading order
            sel = sorted(sorted(sel, key=lambda s: -scorer.coverage(s.text)[0])[:n], key=lambda s: s.order)
        else:  # on the proposal: its own word on the whole of it first ('Förvaltningen tillstyrker förslaget.')
            sel = sorted(sel, key=lambda s: not _declares(s))
        sel = sel[:n]
        return " ".join(x for x in (cites.sentence(s) for s in sel) if x)

    if (_RANK_MOST.search(q) or _RANK_LEAST.search(q)) and len(req.namnder) != 1:
        # a ranking across nämnder; of one nämnd, "HL:s största invändning" asks for its objections
        key = (lambda d: len(d.positive) - len(d.critical)) if want_pos else (lambda d: len(d.critical) - 0.5 * len(d.positive))
        # on the proposal as a whole, a response's own verdict on it outweighs the count of its cues: one that
        # rejects it, even in part ('avstyrker förslaget delvis'), is more critical than one that asks for much
        # but supports it, and never the most positive
        verdict = {d.rec.doc_id: _declared_side([s for s in d.critical + d.positive if _declares(s)])
                   for d in stances} if not scorer else {}
        rejects = (lambda d: -(verdict.get(d.rec.doc_id) == "kritisk")) if want_pos else \
            (lambda d: {"kritisk": 1.0, "blandad": 0.5}.get(verdict.get(d.rec.doc_id, ""), 0.0))
        ranked = sorted(stances, key=lambda d: (-rejects(d), -key(d), d.rec.doc_id))
        if _RANK_LEAST.search(q):
            ranked.reverse()
        top = ranked[0]
        if scorer and not (top.positive if want_pos else top.critical):
            # "Vad tyckte den mest kritiska om resurserna?": the most critical overall, then what it says on the topic
            overall = sorted((document_stance(corpus, d.rec) for d in stances), key=lambda d: (-key(d), d.rec.doc_id))
            if _RANK_LEAST.search(q):
                overall.reverse()
            head = overall[0]
            on_topic = next(d for d in stances if d.rec.doc_id == head.rec.doc_id)
            said = " ".join(x for x in (cites.sentence(s) for s in
                                        (on_topic.critical + on_topic.positive + on_topic.other)[:2]) if x)
            if (head.positive if want_pos else head.critical) and said:
                kind = "positiva synpunkter" if want_pos else "kritiska synpunkter eller ändringsönskemål"
                return Answer(req.question, f"**{head.rec.meta.namnd or head.rec.doc_id}** har flest {kind} överlag "
                              f"({_sentences_n(len(head.positive if want_pos else head.critical))}). Om »{topic}« skriver "
                              f"den: {said}", cites.items, query=req.question, filters=req.filters())
        least = bool(_RANK_LEAST.search(q))
        # "minst kritisk": the one with the fewest objections may have none; it is the answer when it takes
        # a stance at all (its support is the evidence)
        if not ((top.positive or top.critical) if least else (top.positive if want_pos else top.critical)):
            return _abstain(req, "Inget av yttrandena innehåller tydliga " + ("positiva" if want_pos else "kritiska")
                            + " ställningstaganden" + (f" om {req.topic}" if req.topic else "") + ".")
        if _RANK_LEAST.search(q):  # "minst positiv": the fewest in relation to the other side, said so
            lines = [f"Minst {'positiv' if want_pos else 'kritisk'} är **{top.rec.meta.namnd or top.rec.doc_id}** "
                     f"({_both_counts(top, True)})"
                     + (": " + ev if (ev := evidence(top, not want_pos)) else ".")]
        else:  # the order weighs support against critique: both counts, so that it can be followed
            # (ranked first by its verdict: the decision that says so leads, 'avstyrker delvis förslaget')
            decided = _declared_decision(corpus, top.rec) if not want_pos and verdict.get(top.rec.doc_id) == "kritisk" else None
            lead = f"{decided.chunk.section.split(' › ')[0]}: {quoted} " if decided and (quoted := cites.sentence(decided)) else ""
            lines = [f"**{top.rec.meta.namnd or top.rec.doc_id}** är mest {'positiv' if want_pos else 'kritisk'} "
                     f"({_both_counts(top, want_pos)}): " + lead + evidence(top, want_pos, 1 if lead else 2)]
        if least:  # and what the nämnd says most
            others = [d for d in ranked[1:] if d.positive or d.critical]
            if others:
                lines.append("Därefter:\n" + "\n".join(
                    f"- {d.rec.meta.namnd or d.rec.doc_id}: {_sentences_n(len(d.positive))} med stöd, {len(d.critical)} "
                    "med kritik – " + evidence(d, len(d.positive) >= len(d.critical), 1) for d in others[:5]))
        elif others := [d for d in ranked[1:] if (d.positive if want_pos else d.critical)]:
            lines.append("Därefter:\n" + "\n".join(
                f"- {d.rec.meta.namnd or d.rec.doc_id}: {_both_counts(d, want_pos)} – "
                + evidence(d, want_pos, 1) for d in others[:5]))
        lines.append(("Den som avstyrker förslaget, helt eller delvis, räknas som mer kritisk än den som tillstyrker det. "
                      if any(v == "kritisk" for v in verdict.values()) else "")
                     + "Rangordningen bygger på antalet meningar där nämnden själv uttrycker kritik eller "
                     "önskar ändringar (bör, behöver, saknar …) respektive stöd.")
        return Answer(req.question, "\n\n".join(lines), cites.items, query=req.question, filters=req.filters())

    asks_why = bool(cue_regex("reason_cues").search(q))
    asks_decision = any(w.startswith(tuple(taxonomy_words("decision_verbs"))) for w in q.split())
    if len(stances) == 1 or req.namnder:
        # "Vad kritiserade de?" / "Vilka invändningar hade X?": the objections themselves, in reading order
        objections = not want_pos and bool(_ASKS_WHAT_CRITIQUE.search(q))
        lead = yes_no_lead(req.question)
        asks_critique = bool(_WANTS_CHANGE.search(q) or _ASKS_AGAINST.search(q)
                             or lead in taxonomy_words("yes_no_request_leads"))
        parts = []
        for d in stances[:4]:
            if d.stance == "ej berört":
                parts.append(f"**{_who(d.rec)}** tar inte upp »{topic}« i sitt yttrande.")
                continue
            # no objection stated, but a reservation ('Samtidigt är det viktigt att …', 'Här ser förvaltningen ett
            # behov av …'): what an asker after objections can take up, shown as such
            reserved = [s for s in d.other if _is_reservation(s.text)] \
                if (objections or asks_critique) and not want_pos and not d.critical else []
            reply = _YES_NO.get((d.stance, asks_critique), "") if lead and not asks_why and not _ALTERNATIVE.search(q) else ""
            if reply and reserved and asks_critique:
                reply = "Inga uttalade invändningar, men förbehåll."
            if reply:  # "Var EAV positiva?": the answer to the question asked, then the evidence
                parts.append(reply)
            label = _STANCE_LABEL.get(d.stance, d.stance)
            crit = [x for x in (cites.sentence(s) for s in d.critical[:MAX_CRITIQUE_POINTS]) if x] if objections else []
            held = [x for x in (cites.sentence(s) for s in reserved[:MAX_CRITIQUE_POINTS]) if x]
            if held and not crit:
                parts.append(f"**{_who(d.rec)}** är {label} och framför ingen uttalad kritik, men har dessa förbehåll "
                             "och önskemål:\n" + "\n".join(f"- {x}" for x in held))
            elif crit:
                parts.append(f"**{_who(d.rec)}** är {label}. Invändningar och ändringsönskemål:\n"
                             + "\n".join(f"- {x}" for x in crit))
            elif objections:
                ev = evidence(d, True, 1)
                if not ev and scorer and d.other:  # on the topic, without a stance cue: what it says there
                    said = " ".join(x for x in (cites.sentence(s) for s in d.other[:2]) if x)
                    parts.append(f"**{_who(d.rec)}** framför ingen tydlig invändning om »{topic}«, men skriver: {said}"
                                 if said else f"**{_who(d.rec)}** framför ingen tydlig invändning om »{topic}«.")
                    continue
                parts.append(f"**{_who(d.rec)}** är {label} och framför ingen tydlig kritik" + (": " + ev if ev else "."))
            else:
                ev = " ".join(x for x in (evidence(d, True, 1), evidence(d, False, 2)) if x)
                if not ev and d.other:  # on the topic, but no stance cue: show what it says
                    ev = " ".join(x for x in (cites.sentence(s) for s in d.other[:2]) if x)
                parts.append(f"**{_who(d.rec)}** är {label}" + (": " + ev if ev else "."))
                why = [x for x in (cites.sentence(s) for s in _grounds(corpus, (d.positive if want_pos or not d.critical
                                                                          else d.critical)[:3])) if x] if asks_why else []
                if why:  # "varför är de positiva?": what the document says right after its stance
                    parts.append("Skälen som anges:\n" + "\n".join(f"- {x}" for x in why))
            if not scorer and asks_decision and (decided := decision_line(corpus, d.rec, cites)):
                parts.append(decided)  # "tillstyrkte X förslaget?": what it decided, in its own words
            if not scorer and (other_view := dissent_line(corpus, d.rec, cites)):
                parts.append(other_view)  # "avstyrkte X programmet?": members who did, beside the decision
        return Answer(req.question, "\n\n".join(parts), cites.items, query=req.question, filters=req.filters())

    # "Vilka var emot …, och var det nån som tyckte det var bra?": both sides asked, in clauses of their own
    clauses = re.split(r"[,;?]|\s(?:och|eller|men)\s", q)
    if any(_WANTS_POSITIVE.search(c) for c in clauses) and any(
            (_WANTS_CHANGE.search(c) or _ASKS_AGAINST.search(c)) and not _WANTS_POSITIVE.search(c) for c in clauses):
        sides = [("Emot eller med invändningar:", [d for d in stances if d.critical], False),
                 ("För:", [d for d in stances if d.positive], True)]
        lines = [head + "\n" + "\n".join(f"- **{d.rec.meta.namnd or d.rec.doc_id}**: " + evidence(d, pos, 1) for d in found)
                 for head, found, pos in sides if found]
        if lines:
            return Answer(req.question, "\n\n".join(lines), cites.items, query=req.question, filters=req.filters())
    # "Vilka ville ha ändringar?" / "Vilka var positiva?": a list with evidence
    match = [d for d in stances if (d.positive if want_pos else d.critical)
             and not (only and (d.critical if want_pos else d.positive))]
    if not match:
        addressed = [d for d in stances if d.stance != "ej berört" and (d.positive or d.critical or d.other)]
        if not (scorer and addressed):
            return _abstain(req, "Inget yttrande i underlaget uttrycker det frågan gäller.")
        # "Var någon emot att …?" – no one was: say so, and show what those who take it up say
        lines = [f"- **{d.rec.meta.namnd or d.rec.doc_id}** ({ {'blandad': 'positiv men med invändningar', 'neutral': 'ingen tydlig hållning'}.get(d.stance, d.stance)}): "
                 + " ".join(x for x in (cites.sentence(s) for s in (d.positive + d.critical + d.other)[:1]) if x)
                 for d in addressed]
        head = ("Inget yttrande uttrycker tydligt stöd" if want_pos else "Inget yttrande framför kritik")
        return Answer(req.question, f"{head} i fråga om »{topic}«. Så här skriver de som tar upp det:\n"
                      + "\n".join(lines), cites.items, query=req.question, filters=req.filters())
    head = ("Dessa nämnder uttrycker stöd:" if want_pos else "Dessa nämnder framför kritik eller önskar ändringar:")
    if yes_no_lead(req.question) and _ALL_OF_THEM.search(q) and len(stances) > 1:  # "var alla positiva?": yes or no first
        head = (f"Ja, alla {len(stances)} " if len(match) == len(stances) else f"Nej, {len(match)} av {len(stances)} ") \
            + ("uttrycker stöd:" if want_pos else "framför kritik eller önskar ändringar:")
    lines = [f"- **{d.rec.meta.namnd or d.rec.doc_id}**: " + evidence(d, want_pos, 1) for d in match]
    return Answer(req.question, head + "\n" + "\n".join(lines), cites.items, query=req.question, filters=req.filters())


# ------------------------------------------------------------------ change between versions

MAX_CHANGE_ALONE = 5  # change sentences quoted from the one document that describes a version's change
TOPIC_COVERAGE_SHARE = 0.75  # a change sentence holds this share of a phrase topic's terms (IDF-weighted) when some sentence has the phrase
OTHER_VERSION_SHARE = 0.8  # another version's document is shown when its best sentence scores this share of the asked version's


def _listed(s: Sentence, about) -> Sentence:
    """`s` extended to the enumeration of the topic it holds or introduces ('… inom ramen för fem
    fokusområden' and its numbered lines; `about(text)`: does the text name the topic); `s` itself when it
    holds none."""
    e = list_end(s.chunk.text, s.start, s.end, about)
    return replace(s, end=e) if e is not None and e > s.end else s


def _list_intros(by_text: dict, sentences: list[Sentence], about) -> list[Sentence]:
    """The scored sentences that are no body sentence because they introduce a list of the topic
    ('… ska bedrivas inom ramen för fem fokusområden' before numbered lines, '… är följande:'), each
    extended to its list; `by_text` learns the extended texts."""
    have = {s.text for s in sentences}
    out = []
    for text, ev in list(by_text.items()):
        if text in have or ev.lex <= 0 or text.rstrip()[-1:] in ".!?":
            continue
        e = list_end(ev.chunk.text, ev.start, ev.end, about)
        if e is not None and (e > ev.end or _holds_list(text)):
            before = [s.order for s in sentences if s.chunk.start + s.start < ev.chunk.start + ev.start]
            s = Sentence(ev.chunk, ev.start, e, max(before, default=-1) + 0.5)  # in reading order
            by_text[s.text] = ev
            out.append(s)
    return out


def answer_change(corpus: Corpus, req: Request) -> Answer | None:
    """What is new or different in a programme version, from the documents
    that describe the change; None when none does (the topic answerer then
    searches). Without a topic: the sentences of the version's documents that
    describe a change (taxonomy.yaml `change_cues`). With a topic ("Har
    antalet fokusområden ändrats?"): the sentences on that topic (the shared
    evidence scorer) in the documents about this version and the one before,
    per version, so the reader sees what each says."""
    from .evidence import Scorer

    periods = sorted(corpus.facets().get("period", {}), key=lambda p: str(p).split("-")[0])
    period = req.period or (periods[-1] if periods else "")
    if not period:
        return None
    i = periods.index(period) if period in periods else len(periods) - 1
    earlier = periods[:i]
    later = periods[i + 1:i + 2]  # the version that replaced it says why and how it was revised
    rx = taxonomy().change_cues
    topic = without_cues(req.topic, rx)
    scorer = Scorer(corpus, topic) if len(analyze(topic)) else None
    revised = bool(taxonomy().revision.search(cue_text(req.question))  # why/how it was revised: the next version says
                   or cue_regex("membership_cues").search(fold(req.question.lower())))  # … and what it added
    versions = ([period] + earlier[-1:] + (later if revised else [])) if scorer else [period] + later
    against = earlier[-1] if earlier else ""  # the version the head says the asked one is compared with
    if scorer and later and ({fold(w.lower()) for w in words(req.question)} & taxonomy().following or not earlier):
        # "… och behölls de i nästa version?", or a change in the first version there is: against the next
        versions, against = [period] + later, later[0]
    if later and cue_regex("present_cues").search(cue_text(req.question)):
        versions = [period] + periods[i + 1:]  # "… och hur är det idag?": the asked version and the newer ones
    if scorer and not req.period:  # "Har antalet X ändrats mellan programversionerna?": every version, newest first
        versions = periods[::-1][:4]
    named = [p for p in periods[::-1] if p in versions_named(req.question, periods)]
    if len(named) >= 2:  # "skillnaden mellan programmet 2018-2021 och 2020–2023": exactly those, newest first
        versions = named[:4]
    q = fold(req.question.lower())  # an amount asked for ("antalet …"): sentences stating one of its kind first
    amounts = [ev for cue, ev in taxonomy().quantities if cue.search(q)]
    from .answer import _counted_noun

    if amounts and (counted := _counted_noun(q, topic)):  # "har antalet indikatorer ändrats?": 'från tolv till åtta'
        amounts.append(counted)
    listing = asks_for_list(req.question)
    about = (lambda text: scorer.coverage(text)[0] > 0) if scorer else None  # does a text name the topic
    lists: set[int] = set()  # the list intros' ids
    cites = _Cites()
    paragraphs = []
    target_best = 0.0  # with a topic: how well the asked version's documents speak to it
    candidates: list[tuple[int, DocRecord, list]] = []
    for vi, version in enumerate(versions):
        docs = [d for d in corpus.documents({"period": version}) if not req.namnder or d.meta.namnd in req.namnder]
        for rec in docs[:6]:
            scored = []
            sentences = document_sentences(corpus, rec.doc_id)
            if scorer:
                by_text = {x.text: x for x in scorer.sentences(corpus.passages(rec.doc_id))}
                # "… inom ramen för fem fokusområden" + numbered lines: no body sentence, but the list; also when
                # the question compares versions on it ("skillnaden i fokusområden mellan …"): what each lists
                if listing or len(named) >= 2 or amounts:  # "… inom ramen för fem fokusområden" states how many
                    intros = _list_intros(by_text, sentences, about)
                    sentences, lists = sentences + intros, {id(x) for x in intros}
            for s in sentences:
                n = len(rx.findall(fold(s.text.lower())))
                if scorer:
                    ev = by_text.get(s.text)
                    if vi > 0 and len(named) < 2 and not (n or voice(s.text) == "account" or (
                            _PROGRAMME_OBJECT.search(fold(s.text.lower())) and not any(find_cues(s.text)))):
                        continue  # a version not asked about: what it says of that programme, not its other views
                    if ev is not None and ev.lex > 0:
                        states = any(a.search(fold(s.text.lower())) for a in amounts)
                        listed = _listed(s, about) if listing or len(named) >= 2 else s  # "vilka fokusområden …": the list itself
                        is_list = listed is not s or id(s) in lists
                        scored.append((listed, ev.rel + 0.2 * bool(n) + 0.3 * (states or is_list), ev.lex))
                elif n and voice(s.text) != "own" or (n >= 2):
                    # (one that names another version of the catalogue sets the two side by side)
                    other = any(p != rec.meta.period and p in versions_named(s.text, periods) for p in periods)
                    scored.append((s, n + 0.5 * bool(re.search(r"\d{4}", s.text)) + other, 1.0))
            candidates.append((vi, rec, scored))
    # a topic of several words that the documents use as a phrase ("otillåten påverkan"): a sentence with
    # only the commoner of its words ("kriminell påverkan") is about something else
    tw = [re.escape(fold(w.lower())) for w in topic.split()]
    phrase = re.compile(r"(?<!\w)" + r"\w*\s+".join(tw) + r"\w*") if len(tw) >= 2 else None
    used = phrase is not None and any(phrase.search(fold(s.text.lower())) for _, _, scored in candidates for s, _, _ in scored)
    best_lex = max((lex for _, _, scored in candidates for _, _, lex in scored), default=0.0) if used else 0.0
    for vi, rec, scored in candidates:
        scored = [(s, sc) for s, sc, lex in scored if lex >= TOPIC_COVERAGE_SHARE * best_lex]
        scored.sort(key=lambda t: -t[1])
        if scorer and scored and vi == 0:
            target_best = max(target_best, scored[0][1])
        elif scorer and scored and scored[0][1] < OTHER_VERSION_SHARE * target_best:
            continue  # another version's document that says less on the topic than the asked version's
        floor = 0.6 * scored[0][1] if scored and scorer else 0.0
        chosen: list[Sentence] = []
        # without a topic, the change the version's documents describe: more of it when one document tells it all
        alone = sum(1 for v, _, sc in candidates if v == vi and sc) == 1
        for s, sc in scored:
            if len(chosen) >= (2 if scorer else (MAX_CHANGE_ALONE if alone else 3)) or sc < floor:
                break
            if all(_distinct(s.text, c.text) for c in chosen):
                chosen.append(s)
        chosen.sort(key=lambda s: s.order)
        if chosen:
            verb = "" if scorer else " om förändringen"  # the topic's words need not read as a phrase
            paragraphs.append(f"**{_who(rec)}** skriver{verb}: "
                              + " ".join(x for x in (cites.sentence(s) for s in chosen) if x))
    if not cites.items:
        return None
    vs = f" jämfört med programmet {against.replace('-', '–')}" if against and len(versions) == 2 else ""
    if len(named) >= 2:
        vs = " jämfört med programmet " + " och ".join(v.replace("-", "–") for v in versions[1:])
        period = versions[0]
    head = (f"Om programmet {period.replace('-', '–')}{vs} skriver underlaget:" if len(versions) <= 2 else
            "Om programversionerna " + ", ".join(v.replace("-", "–") for v in versions) + " skriver underlaget:")
    return Answer(req.question, head + "\n\n" + "\n\n".join(paragraphs), cites.items, query=req.question,
                  filters=req.filters())
