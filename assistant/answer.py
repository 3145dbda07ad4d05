"""Extractive answers (default, no LLM): pick the sentences that answer the
question from the top passages, group them by document/nämnd, cite each
with [n], and abstain with a fixed phrase when the evidence is weak.

Every quote shown is a contiguous, verbatim span of its chunk's displayed
text; `compose` checks that with `verify_quote` before returning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.corpus import Corpus
from index.textnorm import STOPWORDS_SV, char_ngrams, fold, normalize_ws, words
from index.types import Answer, Citation, Hit

from .analyse import _names, mentioned_namnder, namnd_keys, unknown_body
from .quotes import quotable, sentence_spans, verify_quote

NO_ANSWER = "Jag hittar inget i underlaget som besvarar frågan."

# Words that make a question about amounts: the answer must contain a number.
_QUANTITY = re.compile(r"^\s*(hur (många|mycket|stor|stort|lång|länge|ofta)|vad kostar|vilken summa|hur hög)", re.I)
_NUMBER = re.compile(r"(?<![\d/\-])(?!(?:19|20)\d\d\b)\d+(?:[ ,.]\d+)*(?![\d/\-])|\b(halv|halvera\w*|dubbl\w*|hälften|"
                     r"tredjedel|fjärdedel|procent|miljon\w*|kronor|två|tre|fyra|fem|sex|sju|åtta|nio|tio|"
                     r"tjugo|hundra|tusen)\b", re.I)  # a year or a dnr is not an amount
_DNR_QUESTION = re.compile(r"\b(dnr|diarienummer|diarienumret)\b", re.I)
MIN_TOPIC_OVERLAP = 0.01  # at least one topic word must occur; calibrated on eval/questions.jsonl (eval/RESULTS.md)
_PERIOD = re.compile(r"\b(20\d\d)\s*[-–—]\s*(20\d\d)\b")
_FOLLOWUP = re.compile(r"^\s*(och|men|samt|även|också)\b|\b(det|detta|dem|dessa|denna|den frågan|samma)\b\s*\??\s*$", re.I)


@dataclass(frozen=True)
class Evidence:
    """A candidate sentence: where it is, and how well it matches."""

    hit: Hit
    start: int
    end: int
    score: float

    @property
    def text(self) -> str:
        return self.hit.chunk.text[self.start:self.end]


# ------------------------------------------------------------- question analysis

# Question words that say nothing about the topic ("Vad tyckte nämnden om …").
_NON_TOPIC = re.compile(
    r"^(sag|tyck|ans[aå]g|anser|skriv|skrev|svar|men[ae]|ser|nämnd|namnd|stadsdelsn|förvaltning|forvaltning|"
    r"program|trygghetsprogram|yttrand|remiss|hur|vilk|finns|står|star|handl|gäll|gall|olika|beskriv)", re.I)


def _content_grams(text: str) -> set[str]:
    kept = " ".join(w for w in words(text.lower()) if w not in STOPWORDS_SV and len(w) > 2)
    return set(char_ngrams(kept))


def topic_grams(question: str, known: list[str]) -> list[set[str]]:
    """The question's topic words, each as its set of 4-grams: without
    stopwords, question verbs, generic document words and the names of
    nämnder (those become filters)."""
    keys = [k for n in known for k in namnd_keys(n)]
    kept = dict.fromkeys(w for w in words(question.lower())
                         if w not in STOPWORDS_SV and len(w) > 2 and not _NON_TOPIC.match(w)
                         and not any(_names(fold(w), k) for k in keys) and not w.isdigit())
    return [set(char_ngrams(w)) for w in kept]


def topic_overlap(topic: list[set[str]], sentence: str) -> float:
    """Share of topic words found in the sentence. A topic word is found when
    most of its 4-grams occur in one sentence word ('vakter' is in
    'ordningsvakternas'), so compounds and inflections match but stray
    4-grams shared with unrelated words do not."""
    if not topic:
        return 1.0
    sent = [set(char_ngrams(w)) for w in words(sentence.lower()) if len(w) > 2]
    found = sum(1 for g in topic if any(len(g & s) >= 0.6 * len(g) for s in sent))
    return found / len(topic)


def is_followup(question: str) -> bool:
    return bool(_FOLLOWUP.search(question)) and len(words(question)) <= 14


def rewrite_query(question: str, history: list[str] | None) -> str:
    """A follow-up ('Och vad tyckte Kyrkogårdsnämnden om det?') is searched
    together with the previous question so 'det' gets its topic back."""
    if history and is_followup(question):
        return f"{history[-1]} {question}"
    return question


# ------------------------------------------------------------- evidence

def rank_sentences(question: str, hits: list[Hit], per_hit: int = 3) -> list[Evidence]:
    """Score every sentence of the hits by lexical overlap with the question
    (character 4-grams of content words, so compounds and inflections match)
    plus the hit's retrieval rank."""
    q = _content_grams(question)
    out: list[Evidence] = []
    for h in hits:
        scored = []
        for a, b in sentence_spans(h.chunk.text):
            sent = h.chunk.text[a:b]
            if not quotable(sent):
                continue  # headings, letterheads, signatures, list intros
            s = _content_grams(sent)
            overlap = len(q & s) / (len(q) or 1)
            scored.append(Evidence(h, a, b, overlap + 0.5 / (h.rank + 1)))
        scored.sort(key=lambda e: -e.score)
        out.extend(scored[:per_hit])
    return sorted(out, key=lambda e: -e.score)


def _drop_near_duplicates(evidence: list[Evidence], overlap: float = 0.8) -> list[Evidence]:
    """Keep the best of sentences that say the same (overlapping passages, a
    summary repeating the body): content-word overlap >= `overlap`."""
    kept: list[tuple[Evidence, set[str]]] = []
    for e in evidence:
        ws = {w for w in words(fold(e.text.lower())) if w not in STOPWORDS_SV}
        if any(ws and k and len(ws & k) / min(len(ws), len(k)) >= overlap for _, k in kept):
            continue
        kept.append((e, ws))
    return [e for e, _ in kept]


def _merge_adjacent(evs: list[Evidence]) -> list[tuple[Hit, int, int]]:
    """Join sentences of the same chunk that follow each other into one quote span."""
    spans = sorted(((e.hit, e.start, e.end) for e in evs), key=lambda t: (t[0].chunk.id, t[1]))
    merged: list[tuple[Hit, int, int]] = []
    for hit, a, b in spans:
        if merged and merged[-1][0].chunk.id == hit.chunk.id and not hit.chunk.text[merged[-1][2]:a].strip():
            merged[-1] = (hit, merged[-1][1], b)
        else:
            merged.append((hit, a, b))
    return merged


# ------------------------------------------------------------- composition

def _source_phrase(h: Hit) -> str:
    c = h.chunk
    bits = [str(c.year)] if c.year else []
    if c.period:
        bits.append(f"om programmet {c.period.replace('-', '–')}")
    return f"{c.namnd or c.doc_id}" + (f" ({', '.join(bits)})" if bits else "")


def compose(question: str, hits: list[Hit], *, topic: list[set[str]] | None = None, max_docs: int = 3,
            per_doc: int = 2, min_topic: float = MIN_TOPIC_OVERLAP) -> tuple[str, list[Citation], list[str]]:
    """Answer text with [n] markers, its citations and warnings. With a
    `topic`, sentences far below the best topical match are left out."""
    evidence = rank_sentences(question, hits)
    if topic:
        overlaps = {id(e): topic_overlap(topic, e.text) for e in evidence}
        floor = max(min_topic, 0.5 * max(overlaps.values(), default=0.0))
        evidence = [e for e in evidence if overlaps[id(e)] >= floor]
    evidence = _drop_near_duplicates(evidence)
    by_doc: dict[str, list[Evidence]] = {}
    order: list[str] = []
    for e in evidence:
        d = e.hit.chunk.doc_id
        if d not in by_doc:
            if len(order) >= max_docs:
                continue
            by_doc[d] = []
            order.append(d)
        if len(by_doc[d]) < per_doc:
            by_doc[d].append(e)
    order.sort(key=lambda d: min(e.hit.rank for e in by_doc[d]))
    citations: list[Citation] = []
    paragraphs: list[str] = []
    warnings: list[str] = []
    for d in order:
        quotes = []
        for hit, a, b in sorted(_merge_adjacent(by_doc[d]), key=lambda t: (t[0].rank, t[1])):
            quote = normalize_ws(hit.chunk.text[a:b])
            if not verify_quote(quote, hit.chunk):  # the guarantee: never show an unverifiable quote
                warnings.append(f"Citat kunde inte verifieras och togs bort ({hit.chunk.source}).")
                continue
            n = len(citations) + 1
            citations.append(Citation(n, hit.chunk, quote, hit.score))
            quotes.append(f"»{quote}« [{n}]")
        if quotes:
            paragraphs.append(f"**{_source_phrase(by_doc[d][0].hit)}** skriver: " + " … ".join(quotes))
    if not paragraphs:
        return NO_ANSWER, [], warnings
    intro = ("Underlaget tar upp frågan i ett dokument:" if len(paragraphs) == 1
             else f"Underlaget tar upp frågan i {len(paragraphs)} dokument:")
    return intro + "\n\n" + "\n\n".join(paragraphs), citations, warnings


def abstain_reason(question: str, hits: list[Hit], known: list[str], topic: list[set[str]],
                   min_topic: float = MIN_TOPIC_OVERLAP) -> str | None:
    """Why the corpus cannot answer, or None. Rules, each measured on the eval
    set's `none` questions (see eval/RESULTS.md):
      1. nothing was retrieved;
      2. the question asks what a body said that has no document here;
      3. it names a nämnd and a programme period that none of its documents concern;
      4. it asks for an amount and no retrieved sentence on the topic contains one;
      5. no retrieved sentence shares enough of the question's topic words."""
    if not hits:
        return "Inga passager matchade frågan."
    body = unknown_body(question, known)
    if body:
        return f"Underlaget innehåller inget yttrande från {body}."
    period = _PERIOD.search(question)
    named = mentioned_namnder(question, known)
    if period and named:
        wanted = f"{period.group(1)}-{period.group(2)}"
        docs = {(h.chunk.namnd, h.chunk.period) for h in hits}
        if not any(n == nn and p == wanted for n in named for nn, p in docs):
            have = sorted({p for nn, p in docs if nn in named and p})
            return (f"Underlaget innehåller {named[0]}s yttrande om programmet "
                    f"{', '.join(have) or 'en annan period'}, men inget om {wanted.replace('-', '–')}.")
    ranked = rank_sentences(question, hits[:5])
    if _QUANTITY.search(question):
        if not any(_NUMBER.search(e.text) for e in ranked[:6]):
            return "Frågan gäller ett antal eller belopp, och inga sådana uppgifter finns i de träffade passagerna."
    if topic:
        best = max((topic_overlap(topic, e.text) for e in ranked), default=0.0)
        if best < min_topic:
            return "De närmaste passagerna handlar inte om frågans ämne."
    return None


def _answer_topic(corpus: Corpus, question: str, query: str, filters: dict, k: int, llm,
                  min_topic: float) -> Answer:
    """The topic answerer: retrieve, pick the sentences that answer, cite them."""
    known = list(corpus.facets()["namnd"])
    hits = corpus.search(query, k=k, filters=filters)
    topic = [] if _DNR_QUESTION.search(question) else topic_grams(query, known)
    reason = abstain_reason(question, hits, known, topic, min_topic)
    if reason:
        return Answer(question, NO_ANSWER, abstained=True, related=hits[:3], warnings=[reason],
                      query=query, filters=filters)
    if llm is not None and getattr(llm, "enabled", False):
        from .llm import llm_answer

        ans = llm_answer(llm, question, hits)
        ans.query, ans.filters = query, filters
        if ans.abstained:
            ans.related = hits[:3]
        return ans
    text, citations, warnings = compose(query, hits, topic=topic, min_topic=min_topic)
    return Answer(question, text, citations, abstained=not citations, related=[] if citations else hits[:3],
                  warnings=warnings, query=query, filters=filters)


def _unanswerable(req) -> str:
    """Why the question cannot be answered from this corpus at all ('' when it may be)."""
    if req.unknown_namnd:
        return f"Underlaget innehåller inget yttrande från {req.unknown_namnd}."
    if req.unknown_period:
        version = req.unknown_period.replace("-", "–")
        if req.namnder:
            return f"Underlaget innehåller inget yttrande från {req.namnder[0]} om programmet {version}."
        return f"Inget dokument i underlaget gäller programmet {version}."
    return ""


def answer(corpus: Corpus, question: str, *, history: list[str] | None = None,
           filters: dict | None = None, k: int = 8, llm=None, min_topic: float = MIN_TOPIC_OVERLAP) -> Answer:
    """Answer a Swedish question from the corpus: analyse it (type, nämnder,
    programme version, documents, topic; follow-ups keep the previous turn's),
    then let the answerer for its type answer, always with citations."""
    from .analyse import analyse
    from .answerers import answer_catalogue, answer_change, answer_stance, answer_summary

    question = (question or "").strip()
    if not question:
        return Answer(question="", text="Skriv en fråga.", abstained=True)
    question = question[:2000]
    req = analyse(question, corpus, history)
    ui_filters = {key: v for key, v in (filters or {}).items() if v not in (None, "", [], ())}
    reason = _unanswerable(req)
    if reason:
        try:
            related = corpus.search(req.topic or question, k=3)
        except Exception:  # noqa: BLE001 - the closest passages are a courtesy
            related = []
        ans = Answer(question, NO_ANSWER, abstained=True, related=related, warnings=[reason], query=question,
                     filters=ui_filters)
    elif req.qtype in ("catalogue", "summary", "stance") and not ui_filters:
        ans = {"catalogue": answer_catalogue, "summary": answer_summary, "stance": answer_stance}[req.qtype](corpus, req)
        if ans.abstained and not ans.related:
            ans.related = corpus.search(req.topic or question, k=3, filters=req.filters() or None)
    elif req.qtype == "change" and not ui_filters and (changed := answer_change(corpus, req)) is not None:
        ans = changed
    else:
        query = rewrite_query(question, history) if not req.followup or not req.topic else \
            " ".join(x for x in (question, req.topic) if x)
        if req.qtype == "change":
            query += " nytt ändrat jämfört med tidigare program"
        ans = _answer_topic(corpus, question, query, {**req.filters(), **ui_filters}, k, llm, min_topic)
    ans.request = req.to_dict()
    return ans