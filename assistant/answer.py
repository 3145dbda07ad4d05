"""Extractive answers (default, no LLM): pick the sentences that answer the
question from the top passages, group them by document/nämnd, cite each
with [n], and abstain with a fixed phrase when the evidence is weak.

Every quote shown is a contiguous, verbatim span of its chunk's displayed
text; `compose` checks that with `verify_quote` before returning.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Sequence

from index.corpus import Corpus, term_matches
from index.textnorm import STOPWORDS_SV, analyze, fold, normalize_ws, words
from index.types import Answer, Citation, Hit

from .enumeration import asks_for_list, promote_lists
from .analyse import EVERYDAY_ZIPF  # a word this common in Swedish at large is no topic of its own
from .evidence import (MAX_UNIT_CHARS, Scored, Scorer, calibration, compound_head, compound_parts, cut_at_start,
                       leans_back, matches, topic_terms)
from .quotes import LETTERHEAD, quotable, sentence_spans, verify_quote, without_heading
from .spelling import corrected

NO_ANSWER = "Jag hittar inget i underlaget som besvarar frågan."

# Words that make a question about amounts: the answer must contain a number.
_QUANTITY = re.compile(r"^\s*(hur (många|mycket|stor|stort|lång|länge|ofta)|vad kostar|vilken summa|hur hög)", re.I)
_NUMBER = re.compile(r"(?<![\d/\-])(?!(?:19|20)\d\d\b)\d+(?:[ ,.]\d+)*(?![\d/\-])|\b(halv|halvera\w*|dubbl\w*|hälften|"
                     r"tredjedel|fjärdedel|procent|miljon\w*|kronor|två|tre|fyra|fem|sex|sju|åtta|nio|tio|"
                     r"tjugo|hundra|tusen)\b", re.I)  # a year or a dnr is not an amount
RELATIVE_FLOOR = 0.6  # quote sentences within this share of the best sentence's relevance


# ------------------------------------------------------------- the topic answerer

@dataclass
class TopicEvidence:
    """What the topic answerer found for a question: the hits, the scorer and
    the scored sentences (best first), and the answerability features."""

    query: str
    filters: dict
    hits: list[Hit]
    scorer: Scorer
    ranked: list[Scored]
    features: dict[str, float]


# eval/calibrate.py collects what the calibrated model decides on, as the answer path computes it
MODEL_TRACE: ContextVar[list | None] = ContextVar("MODEL_TRACE", default=None)


def topic_text(corpus: Corpus, req, question: str) -> str:
    """What the evidence must be about: the analysed topic, or the question
    itself when the analysis found no topic words; asked for the counterpart of
    something (`counterpart_topic`), the kind of thing it is."""
    topic = req.topic if req.topic and len(analyze(req.topic)) else question
    return counterpart_topic(corpus, topic, question)


def counterpart_topic(corpus: Corpus, topic: str, question: str) -> str:
    """A question after the counterpart of something elsewhere (taxonomy.yaml `correspondence_cues`: 'vad
    motsvarar säkerhetssamordnare i 2020–2023?'): each compound of the topic as its head, the kind of thing
    ('samordnare'), split at its linking s into parts the corpus has; the cue words left out. The topic as
    it is otherwise."""
    from .analyse import cue_regex

    rx = cue_regex("correspondence_cues")
    if not rx.search(fold(question.lower())):
        return topic
    out = []
    for w in topic.split():
        f = fold(w.lower())
        if rx.fullmatch(f):
            continue
        parts = compound_parts(corpus, f, seam_only=True) if len(f) >= 8 else []
        out.append(parts[1] if parts else w)
    return " ".join(out) or topic


def topic_evidence(corpus: Corpus, req, question: str, query: str, filters: dict, k: int) -> TopicEvidence:
    hits = corpus.search(query, k=k, filters=filters or None)
    scorer = Scorer(corpus, topic_text(corpus, req, question), dense_text=query)

    def ranked_over(extra: list) -> list[Scored]:  # the search's passages and those read besides it
        return scorer.rank(scorer.sentences([h.chunk for h in hits] + extra, [h.rank for h in hits] + [0] * len(extra),
                                            joined=True))

    written = _written_passages(corpus, scorer, filters, hits)
    ranked = ranked_over(written)
    if rare := _rare_term_passages(corpus, scorer, filters, ranked, [h.chunk for h in hits] + written, k):
        ranked = ranked_over(written + rare)
    if getattr(req, "period", "") and _asks_within_period(question):
        ranked = [s for s in ranked if not about_other_period(s.text, req.period)]
    features = scorer.answerability(ranked)
    features["quantity_gap"] = float(_quantity_gap(question, [s.text for s in ranked[:6]], getattr(req, "topic", "")))
    return TopicEvidence(query, filters, hits, scorer, ranked, features)


WRITTEN_SCAN_DOCS = 20  # the most documents read whole for a word the index folds onto another one


def _written_passages(corpus: Corpus, scorer: Scorer, filters: dict, hits: list[Hit]) -> list:
    """The passages of the documents in scope that write a topic word the index cannot tell from another
    ('Brå' is 'bra' to the analyser, everywhere), when the search found none of them: read from the
    documents themselves, for a scope of a few documents (a version, a nämnd, a small corpus)."""
    if not scorer.written or any(scorer.writes(h.chunk.text) for h in hits):
        return []
    docs = corpus.documents(filters or None)
    if len(docs) > WRITTEN_SCAN_DOCS:
        return []
    seen = {h.chunk.id for h in hits}
    return [c for d in docs for c in corpus.passages(d.doc_id) if c.id not in seen and scorer.writes(c.text)]


# the noun a list question asks for ("vilka *teorier* …", "vilka olika *metoder* …"): its kinds make a list
_LISTED_NOUN = re.compile(r"(?<!\w)(?:vilka|nagra|vilken typ av|vilka typer av|vilka slags)(?: olika| andra)? (\w{4,})")


def _listed_terms(corpus: Corpus, scorer: Scorer, question: str) -> list[str]:
    """The scorer's terms of the noun a list question asks for (`_LISTED_NOUN`); a compound the scorer split
    by its head ('forskningsteorier' -> 'teori')."""
    m = _LISTED_NOUN.search(fold(question.lower()))
    terms = [t if t in scorer.terms else (compound_parts(corpus, t) or [""])[-1] for t in topic_terms(m.group(1) if m else "")]
    return [t for t in terms if t in scorer.terms]


RARE_TERMS_SOUGHT = 2  # missing topic terms looked up on their own, the rarest first


def _rare_term_passages(corpus: Corpus, scorer: Scorer, filters: dict, ranked: list[Scored], read: list,
                        k: int, top: int = 5) -> list:
    """The passages holding the topic's rarest terms that no top sentence of the search's passages has
    ('Vilken funktion har trygghets- och säkerhetsrådet?': the one passage on the råd loses to many on
    'säkerhetsarbetet'): a lexical search for each such word alone (at most RARE_TERMS_SOUGHT), in the same
    scope, keeping the passages that carry it."""
    found = set().union(*(s.found for s in ranked[:top])) if ranked else set()
    missing = sorted((t for t in scorer.terms if scorer.df.get(t) and t not in found), key=lambda t: -scorer.idf[t])
    seen = {c.id for c in read}
    out: list = []
    for term in missing[:RARE_TERMS_SOUGHT]:
        word = next((w for w in words(scorer.topic) if term in topic_terms(w)), "")
        if not word or verb_form(word.lower()) or _everyday(word):
            # a verb ('kräver') says what is done, an everyday word ('klar', 'platser') is said of many things: the
            # search's passages stand
            continue
        try:
            hits = corpus.search(word, k=k, mode="bm25", filters=filters or None)
        except Exception:  # noqa: BLE001 - a store without a lexical half: the search's passages only
            return out
        for h in hits:
            if h.chunk.id not in seen and term in scorer.coverage(h.chunk.text)[1]:
                seen.add(h.chunk.id)
                out.append(h.chunk)
    return out


def about_other_period(text: str, period: str) -> bool:
    """Does the sentence name programme periods, none of them the asked one? ("Trygghetsprogrammet
    2020-2023 antogs 2021" says nothing of when 2024-2027 was adopted.)"""
    from .analyse import periods_named

    named = periods_named(text)
    return bool(named) and period.replace("–", "-") not in named


def _asks_within_period(question: str) -> bool:
    """Does the question name a programme period itself and ask about that version alone? Not when it
    relates versions ("Vilket program ersätts av …", "… jämfört med det förra"): a sentence naming the
    other version is then the answer. A period resolved from "det gamla programmet" or from a nämnd's
    document does not count (the text may name the version differently)."""
    from .analyse import _YEAR_OF, periods_named, taxonomy

    if not (periods_named(question) or _YEAR_OF.search(question)):
        return False
    q = fold(question.lower())
    if re.search(r"(?<!\w)(vilket|vilken|vilka) (\w+ )?(program\w*|version\w*)", q):
        return False
    return not taxonomy().change_cues.search(q)


QUANTITY_GAP = "Frågan gäller ett antal eller belopp, och inga sådana uppgifter finns i de träffade passagerna."


def _quantity_gap(question: str, sentences: list[str], topic: str = "") -> bool:
    """The question asks for an amount (of a kind: money, a share; taxonomy.yaml
    `quantities`) and none of the best sentences states one."""
    from .analyse import counting_words, taxonomy

    q = fold(question.lower())
    if _asks_who(q):  # "vilken nämnd tycker att det behövs mer pengar?": which body, not how much
        return False
    # 'Vem står för pengarna?' asks who, not how much; 'har de angett någon budget?' asks whether there is one
    # … at the start of any of its sentences ('Stämmer det att X redovisade hur stor andel …? Vilken siffra var det?'),
    # or a claim put to be confirmed ('stämmer det att …', 'är det sant att …')
    asks_what = re.search(r"(^|[?.!,;]\s+)\s*((och|men|samt) )?(vad|hur|vilken|vilket|har|hade|finns|fanns|anger|angav|namner"
                          r"|namnde|stammer det|ar det (sant|sa|riktigt))\b", q)
    counted = _counted_noun(q, topic)
    # "hur många aktörer …": a number before that noun ("minst tre aktörer") states it, not any number (the
    # generic count kind, whose cue is the counting words themselves: "20 december" does not count millions)
    counting = set(counting_words()) if counted else set()
    kinds = [ev for cue, ev in taxonomy().quantities
             if asks_what and (m := cue.search(q)) and m.group(0) not in counting]
    if counted:
        kinds.append(counted)
    if kinds:
        return not any(ev.search(fold(s.lower())) for ev in kinds for s in sentences)
    return bool(_QUANTITY.search(question)) and not any(_NUMBER.search(s) for s in sentences)


_YEAR = re.compile(r"(?<![\d\-–/])((?:19|20)\d\d)(?![\d\-–/])")


def year_amount_gap(question: str, quotes: list[str]) -> str | None:
    """An amount asked for one year ("hur många vandringar gjordes 2026?") that no quote stating a number
    states for that year ('drygt 60 per år sedan 2024' is no count for 2026): the reason, else None. A
    programme version ('2024–2027') or its first year ('2028-programmet') is no such year."""
    from .analyse import _YEAR_OF

    if not _QUANTITY.search(question):
        return None
    versions = {m.group(1) for m in _YEAR_OF.finditer(question) if m.group(1)}
    years = [y for y in _YEAR.findall(question) if y not in versions]
    if len(years) != 1:
        return None
    counted = [q for q in quotes if _NUMBER.search(q)]
    if any(years[0] in q for q in counted):
        return None
    return f"Underlaget anger ingen sådan uppgift för {years[0]}."


_WHICH_N = re.compile(r"(?<!\w)vilka (\w+) (?:\w+ )?(\w{4,})")


def unnamed_members(question: str, quotes: list[str]) -> str | None:
    """"Vilka tre stadsdelsområden …?" asks for the three by name: when a quote states the count ('i tre
    stadsdelsområden') but the quotes name fewer of them (capitalised words inside a sentence) and list
    none, why it cannot be answered; None otherwise."""
    from .analyse import number_value
    from .enumeration import inline_items

    m = _WHICH_N.search(fold(question.lower()))
    n = number_value(m.group(1)) if m else 0
    if n < 2:  # ('vilka en …' is no count)
        return None
    stem = m.group(2)[:max(4, len(m.group(2)) - 2)]
    counted = re.compile(rf"(?<!\w){re.escape(m.group(1))}\s+(\w+\s+){{0,2}}{re.escape(stem)}")
    # (a quote that lists them, inline or after a colon or in numbered items, names them whatever their case)
    if not any(counted.search(fold(q.lower())) for q in quotes) or any(
            inline_items(q) or ":" in q or re.search(r"(?<!\w)\d\.\s", q) for q in quotes):
        return None
    names = {w for q in quotes for w in re.findall(r"(?<=\s)[A-ZÅÄÖ][a-zåäö\-]{2,}", q)}
    written = {fold(w.lower()): w for w in words(question)}
    return None if len(names) >= n else \
        f"Underlaget anger att det gäller {written.get(m.group(1), m.group(1))} {written.get(m.group(2), m.group(2))} men inte vilka."


_SHARE_OF = re.compile(r"(?<!\w)(?:andel|andelen|procent|hur manga procent)\s+(?:av|bland)\s+(?:de |dem |alla )?(\w{4,})")


def population_gap(question: str, quotes: list[str]) -> str | None:
    """"Hur stor andel av kvinnorna …?" asks for a share of that group: when the quotes state shares ('66
    procent av invånarna') but none of them of the group asked about, why it cannot be answered."""
    m = _SHARE_OF.search(fold(question.lower()))
    if not m:
        return None
    stem = m.group(1)[:max(4, len(m.group(1)) - 3)]
    stated = [fold(q.lower()) for q in quotes if re.search(r"\d\s*(%|procent)", q)]
    if not stated or any(re.search(rf"(?<!\w){re.escape(stem)}", q) for q in stated):
        return None
    written = {fold(w.lower()): w for w in words(question)}
    return f"Underlaget anger ingen andel för {written.get(m.group(1), m.group(1))}."


def _asks_who(folded_question: str) -> bool:
    """Does the question ask which body ('vilken nämnd …', 'vilka av stadsdelsnämnderna …': taxonomy.yaml
    `body_kinds`)?"""
    from .analyse import taxonomy_words

    m = re.match(r"\s*((och|men|samt) )?(vilken|vilka|vilket)( av)? (de |dom )?(\w+)", folded_question)
    return bool(m) and m.group(6) in taxonomy_words("body_kinds")


ON_TOPIC_LEX = 0.5  # share of the topic's weighted terms a sentence holds to be on it, for a detail asked of it
ON_TOPIC_DETAILS = ("outcomes", "members")  # the detail is stated in a sentence on the question's topic


def detail_gap(question: str, sentences: list[str], on_topic: list[str] | None = None,
               kinds: tuple | None = None) -> str | None:
    """The question asks for a detail of a kind the evidence must state itself (taxonomy.yaml `laws`:
    which statute, who received the remiss, who prepared the case, in any of `sentences`; `outcomes`:
    what an evaluation showed, `members`: who belongs to a body, in a sentence `on_topic`) and none states one: why it cannot be
    answered; None otherwise. `kinds`: other kinds of the same shape (default: taxonomy().details)."""
    from .analyse import taxonomy

    q = fold(question.lower())
    for key, cue, evidence, missing in taxonomy().details if kinds is None else kinds:
        pool = sentences if key not in ON_TOPIC_DETAILS or on_topic is None else on_topic
        exact = not evidence.flags & re.I  # matched on the text as written (a name's capitals)
        if cue.search(q) and not any(evidence.search(s if exact else fold(s.lower())) for s in pool):
            return f"Underlaget anger inte {missing}."
    return None


def _programme_gap(req, quotes: list[str]) -> str | None:
    """The question names a programme no document in scope concerns ('när antogs säkerhetsprogrammet
    2020-2023?', where every 2020-2023 document answers the trygghetsprogram) and no quote names it: the
    quotes are about another programme. None when one names it or none was named."""
    from .analyse import _programme_keys

    keys = _programme_keys(getattr(req, "unknown_programme", "") or "")
    if not keys or any(k in fold(q.lower()) for k in keys for q in quotes):
        return None
    version = f" {req.period.replace('-', '–')}" if req.period else ""
    return f"Underlaget säger inget om {req.unknown_programme}{version} i det som handlar om frågan."


def time_gap(question: str, quotes: list[str]) -> str | None:
    """The question asks when (taxonomy.yaml `times`) and none of the answer's quotes states a time: why
    the answer does not answer it; None otherwise. Checked on the quotes the answer shows, not on the
    evidence around them: a time in another sentence is no answer to "när fattade nämnden beslut?"."""
    from .analyse import taxonomy

    return detail_gap(question, quotes, kinds=taxonomy().times)


def detail_asked(question: str) -> bool:
    """Does the question ask for a detail of one of the kinds `detail_gap` checks?"""
    from .analyse import taxonomy

    q = fold(question.lower())
    return any(cue.search(q) for _, cue, _, _ in taxonomy().details)


def _counted_noun(folded_question: str, topic: str = "") -> re.Pattern | None:
    """'hur många aktörer …' -> a regex for a number (digits or taxonomy.yaml `number_words`) at most one
    word before that noun's stem; None when the question counts nothing named."""
    from .analyse import taxonomy_words

    m = re.search(r"\b(hur manga|antalet|antal)\s+(\w{4,})(\s+\w{4,})?", folded_question)
    numbers = taxonomy_words("number_words")
    if not m or not numbers:
        return None
    noun = m.group(2)
    if noun in taxonomy_words("function_words") and m.group(3):
        noun = m.group(3).strip()  # "hur många sådana områden …": the noun after the determiner
    if noun in STOPWORDS_SV or noun in taxonomy_words("count_verbs"):
        # "och hur många hade 2018-2021?": a verb; the noun counted is the topic carried over, if any
        noun = next((fold(w.lower()) for w in words(topic) if len(w) >= 4), "")
        if not noun:
            return None
    stem = noun[:max(4, len(noun) - 2)]
    number = r"(\d+|" + "|".join(map(re.escape, numbers)) + r")"
    # the number before the noun ('åtta gemensamma indikatorer'), or after it as a change of count ('antalet
    # indikatorer minskas från tolv till åtta')
    return re.compile(r"(?<!\w)" + number + r"\s+(\w+\s+)?" + re.escape(stem)
                      + r"|" + re.escape(stem) + r"\w*\s+(\w+\s+){0,3}(fran|till)\s+" + number + r"(?!\w)")


def _nämnd_before_members(ranked: list[Scored], question: str) -> tuple[list[Scored], list[Scored]]:
    """(the nämnd's own sentences, those some of its members wrote beside its decision): index/headings.yaml
    `dissent` ('Särskilt uttalande', 'Reservation') go after the nämnd's text on the topic, unless the
    question asks for them (a party, a reservation): "vilka problem ser HÄ med indikatorerna?" is asked of
    the nämnd. Without any own sentence on the topic, the order stays."""
    from index.chunk import heading_taxonomy

    from .analyse import parties_named, taxonomy_words

    asked = parties_named(question) or any(fold(w.lower()).startswith(tuple(taxonomy_words("decision_kinds")))
                                           for w in words(question))
    members = [x for x in ranked if heading_taxonomy().is_dissent(x.chunk.section)]
    own = [x for x in ranked if x not in members]
    if asked or not members or not any(x.lex > 0 for x in own):
        return ranked, []
    return own, members


def _prefer_programme(ranked: list[Scored], share: float = 0.8) -> list[Scored]:
    """When a programme document itself says it (relevance within `share` of the best sentence), its text
    comes before the yttranden's accounts of it: "programmet säger" from the source, not second hand."""
    if not ranked:
        return ranked
    floor = share * ranked[0].rel
    own = [s for s in ranked if s.chunk.doc_type == "program" and s.rel >= floor]
    moved = {id(s) for s in own}
    return own + [s for s in ranked if id(s) not in moved] if own else ranked


NEXT_SENTENCE_TOP = 3  # best sentences whose next sentence may state the asked-for kind of thing


def _told_next(top: list[Scored], kinds: list[re.Pattern], pool: Sequence[Scored] = ()) -> list[Scored]:
    """The best sentences whose next sentence in the passage states a thing of the asked kind, each
    extended over that sentence: the topic is named in one sentence, the detail in the next. A sentence
    closing its passage is followed by the first sentence of the document's next passage when that one is
    among `pool` (the scored sentences); a quote stays within one passage, so that sentence is taken
    itself, after the one it follows, with that one's scores."""
    from dataclasses import replace

    out = []
    for s in top:
        nxt = next(((a, b) for a, b in sentence_spans(s.chunk.text) if a >= s.end), None)
        if nxt and s.chunk.text[s.end:nxt[0]].count("\n\n") <= 1 \
                and any(k.search(fold(s.chunk.text[nxt[0]:nxt[1]])) for k in kinds):
            out.append(replace(s, end=nxt[1]))
        elif not nxt and (t := _opening_next(s, pool)) and any(k.search(fold(t.text)) for k in kinds):
            # it is on the topic by going on from the claim: it carries the claim's relevance
            out.append(replace(t, lex=max(t.lex, s.lex), dense=max(t.dense, s.dense), found=t.found | s.found))
    return out


def _opening_next(s: Scored, pool: Sequence[Scored]) -> Scored | None:
    """The scored sentence opening the passage that follows `s`'s passage in its document, if any."""
    for t in pool:
        c = t.chunk
        if c.doc_id == s.chunk.doc_id and c.id != s.chunk.id and 0 <= c.start - s.chunk.end <= 2 \
                and not c.text[:t.start].strip():
            return t
    return None


def _promote_kinds(ranked: list[Scored], question: str, window: int = 12, min_share: float = 0.5) -> list[Scored]:
    """A question asking for an amount of a kind (taxonomy.yaml `quantities`: "Hur många fokusområden …"),
    an actor (`actors`: "Vem ansvarar …") or an example (`examples`) gets the sentences stating such a
    thing first (among the top `window` with lexical coverage at least `min_share` of the best); a question
    asking which law (`laws`) gets the sentences citing a statute first, whatever their word overlap
    ("Kommunallag (2017:725)" answers "vilken lag" without the word "lag"); a question asking when (`times`)
    gets a best sentence stating a time, or one followed by such a sentence; the rest keep their order."""
    from .analyse import taxonomy

    q = fold(question.lower())
    tax = taxonomy()
    kinds = [ev for cue, ev in (*tax.quantities, *tax.actors, *tax.examples, *tax.improvements, *tax.places)
             if cue.search(q)]
    laws = [ev for cue, ev in tax.laws if cue.search(q)]  # a statute reference answers "vilken lag" by itself
    head = ranked[:window]
    best = max((s.lex for s in head), default=0.0)
    times = [ev for _, cue, ev, _ in tax.times if cue.search(q)]
    if times and best > 0 and not kinds and not laws:
        # "när …?": a sentence as much on the topic as the best one that states a time, else one of the best
        # followed by the sentence stating it ("Ärendet har beretts … De fackliga … informerats … 7 november
        # 2017"); a time elsewhere (a target year in another sentence) does not answer when
        first = [s for s in head if s.lex >= best and any(k.search(fold(s.text)) for k in times)] \
            or _told_next([s for s in head[:NEXT_SENTENCE_TOP] if s.lex >= min_share * best], times)
        moved = {id(s) for s in first}
        return first + [s for s in ranked if id(s) not in moved]
    if not laws and (not kinds or best <= 0):
        return ranked
    first = [s for s in head if (kinds and best > 0 and s.lex >= min_share * best and any(k.search(fold(s.text)) for k in kinds))
             or any(k.search(fold(s.text)) for k in laws)]
    if kinds and not first and head:  # "vem finansierade utvärderingen?": the sentence on it is followed by the
        first = _told_next(head[:NEXT_SENTENCE_TOP], kinds, ranked)  # one stating who ('Studien … har beviljats medel från …')
    elif examples := [ev for cue, ev in tax.examples if cue.search(q)]:
        # "ge ett exempel": a claim on the topic followed by its example ('… ställa olika lagar … mot varandra.
        # Hugga ner buskar kan exempelvis strida mot …') is the example asked for, next to the sentences that
        # carry one inside; in rank order of the claim
        on_topic = [s for s in head if best > 0 and s.lex >= min_share * best]
        inside, claims = {id(s) for s in first}, {id(s) for s in on_topic}
        first = []
        for s in head:
            told = _told_next([s], examples, ranked) if id(s) in claims else []
            extended = [t for t in told if t.chunk.id == s.chunk.id]
            first += extended or ([s] if id(s) in inside else [])
            first += [t for t in told if t.chunk.id != s.chunk.id]
        first = list({(t.chunk.id, t.start): t for t in first}.values())
    moved = {id(s) for s in first}
    return first + [s for s in ranked if id(s) not in moved]


def _missing_words(ev: TopicEvidence, question: str) -> list[str]:
    """The question's words whose terms no top sentence contains, rarest first."""
    found = set().union(*(s.found for s in ev.ranked[:5])) if ev.ranked else set()
    missing = sorted((t for t in ev.scorer.terms if t not in found), key=lambda t: -ev.scorer.idf[t])
    out = []
    names = ev.scorer.name_words(question)  # 'kyrkogårdsnämnden' is who is asked, not what is missing
    for t in missing:
        w = next((w for w in words(question) if term_matches(t, fold(w.lower())) and fold(w.lower()) not in names), "")
        if w and w not in out:
            out.append(w)
    return out


GENERIC_SHARE = 0.1  # a term in at least this share of all passages says little about what is asked


def absent_focus(scorer: Scorer) -> list[str]:
    """The question's topic words that occur nowhere in the corpus, when nothing else
    of the topic is specific: every other term is in many passages, or an everyday
    word. A word counts as absent only when it is not an everyday Swedish word
    (wordfreq zipf < EVERYDAY_ZIPF: 'fick', 'sett' are no topics), not a function word
    (taxonomy.yaml `function_words`) and not a compound of parts the corpus has
    ('bibliotekstudien' = 'bibliotek' + 'studien'). 'Vad säger programmet om
    kameraövervakning?' → ['kameraövervakning'] (`_names_a_topic`)."""
    if not scorer.absent:
        return []
    n = max(1, len(scorer.corpus))
    focus = []
    def word_of(t: str) -> str:
        return next((w for w in words(scorer.topic) if t in analyze(w)), t)

    for t in scorer.terms:
        if t not in scorer.absent:
            # something specific of the topic is in the corpus; not a passive verb ('hur ska klotter
            # *hanteras*'): what is done to the topic, its subject, which the corpus says of other things
            if scorer.df.get(t, 0) / n < GENERIC_SHARE and not (
                    (w := word_of(t).lower()).endswith("s") and verb_form(w)):
                return []
            continue
        word = word_of(t)
        if _names_a_topic(scorer.corpus, word) and not verb_form(word.lower()):
            focus.append(word)  # (a verb the corpus lacks, 'splittades', says what was done, not what about)
    return focus


VERB_FORM_ZIPF = 1.0  # each form of a verb's paradigm is at least this common in Swedish at large (wordfreq)


@lru_cache(maxsize=8192)
def verb_form(word: str) -> bool:
    """Is the (lower-case) word a form of a regular Swedish verb: does Swedish at large (wordfreq) have
    the infinitive, present and past of a stem it ends on? 'hanteras' (hantera, hanterar, hanterade),
    'nämns' (nämna, nämner, nämnde); not 'klotter', 'ordningsvakter', 'samverkan', 'lokala' (lokaler
    and lokalt exist, no past). Irregular verbs are missed, which only keeps a word counted as a topic word."""
    from wordfreq import zipf_frequency

    def common(form: str) -> bool:
        return zipf_frequency(form, "sv") >= VERB_FORM_ZIPF

    for end, cut in (("ades", 3), ("ade", 2), ("ats", 2), ("at", 1), ("as", 1), ("ar", 1), ("a", 0)):
        stem = word[:len(word) - cut]
        if word.endswith(end) and len(stem) >= 4 and all(map(common, (stem, stem + "r", stem + "de"))):
            return True  # first conjugation: hantera, hanterar, hanterade
    for end, cut in (("as", 2), ("er", 2), ("de", 2), ("te", 2), ("s", 1), ("a", 1), ("t", 1)):
        stem = word[:len(word) - cut]
        if word.endswith(end) and len(stem) >= 3 and common(stem + "a") and common(stem + "er") \
                and (common(stem + "de") or common(stem + "te")):
            return True  # second conjugation: nämna, nämner, nämnde
    return False


def _everyday(word: str) -> bool:
    """Is the word an everyday Swedish word (wordfreq zipf >= EVERYDAY_ZIPF: 'klar', 'platser') or a function
    word (taxonomy.yaml `function_words`), said of many things?"""
    from wordfreq import zipf_frequency

    from .analyse import taxonomy

    return fold(word.lower()) in taxonomy().function_words or zipf_frequency(word.lower(), "sv") >= EVERYDAY_ZIPF


def _names_a_topic(corpus: Corpus, word: str) -> bool:
    """Can a word the corpus lacks stand for a topic of its own? Not an everyday Swedish word (wordfreq
    zipf >= EVERYDAY_ZIPF: 'fick', 'sett'), a function word (taxonomy.yaml `function_words`) or a
    compound of parts the corpus has ('bibliotekstudien' = 'bibliotek' + 'studien')."""
    from .analyse import taxonomy

    fw = fold(word.lower())
    return not (_everyday(word) or fw.startswith(taxonomy().elaboration)  # 'exemplet', 'detaljerna' ask to go on, name nothing
                or _known_compound(corpus, fw))


def head_words(question: str) -> list[str]:
    """The words of the noun phrase the question asks about ('Vad säger nämnderna om *kameraövervakning*
    på offentliga platser?'): the run of content words right after the first topic preposition
    (taxonomy.yaml `topic_prepositions`), up to the next function word; a body's short form ('sdn:s',
    'EAV') is no part of it, and a clause after the preposition ('om att programmet …') has none."""
    from .analyse import expand_body_abbreviations, taxonomy, taxonomy_words

    preps = taxonomy_words("topic_prepositions")
    function = taxonomy().function_words
    shape = set(taxonomy_words("format_words"))  # how to answer ("… om lägesbilder överlag"), not what about
    ws = words(expand_body_abbreviations(question))  # 'om sdn:s samordningsansvar': a body's short form is no topic
    folded = [fold(w.lower()) for w in ws]
    out: list[str] = []
    for i, f in enumerate(folded):
        if f not in preps:
            continue
        for w, fw in zip(ws[i + 1:], folded[i + 1:]):
            if len(w) <= 2 or w.isupper() or fw in shape:  # 'HL:s', 'EAV': a short form of a name; 'överlag': a form
                continue
            if w.lower() in STOPWORDS_SV or fw in STOPWORDS_SV or fw in function or fw in preps or fw.isdigit():
                break
            out.append(w)
        break  # the first topic preposition
    return out


_PLACE_PREPOSITIONS = ("i", "pa", "vid")


def place_words(question: str) -> list[str]:
    """Where the asked-about thing is, after the topic preposition: the last word of each place phrase ('om
    otryggheten i *tunnelbanan* och på *pendeltågsstationer*', 'på stadens *begravningsplatser*'), up to a
    function word or a number; a short form in capitals ('i EAV') is no place word."""
    from .analyse import taxonomy, taxonomy_words

    preps = taxonomy_words("topic_prepositions")
    function = taxonomy().function_words
    ws = words(question)
    folded = [fold(w.lower()) for w in ws]
    start = next((i for i, f in enumerate(folded) if f in preps), None)
    if start is None:
        return []
    out: list[str] = []
    for i in range(start + 1, len(ws)):
        if folded[i] not in _PLACE_PREPOSITIONS:
            continue
        run = []
        for w, f in zip(ws[i + 1:], folded[i + 1:]):
            if f in STOPWORDS_SV or f in function or f in preps or f.isdigit() or w.isupper() or len(w) <= 2:
                if f in ("den", "det", "de"):  # 'i den offentliga miljön': the article goes on
                    continue
                break
            run.append(w)
        if run:
            out.append(run[-1])
    return out


def absent_head(corpus: Corpus, question: str) -> list[str]:
    """The words of the question's head noun phrase (`head_words`), or of where it is (`place_words`), that
    occur nowhere in the corpus, by `absent_focus`'s test of a word. A modifier the corpus has ('offentliga
    platser') does not make the head answerable, nor the thing a place the corpus never names ('otryggheten
    i tunnelbanan')."""
    from .analyse import in_corpus

    out: list[str] = []
    for w in dict.fromkeys(head_words(question) + place_words(question)):
        fw = fold(w.lower())
        genitive = w[:-1] if fw.endswith("s") and len(fw) >= 4 else ""
        if not any(in_corpus(corpus, x) for x in (w, genitive) if x) and _names_a_topic(corpus, w) \
                and not any(compound_head(corpus, t, w) for t in topic_terms(w)):  # 'vakterna' of 'ordningsvakterna'
            out.append(w)
    return out


def _known_compound(corpus: Corpus, word: str) -> bool:
    """Is the (folded) word two parts the corpus has, with an optional linking s?"""
    return bool(compound_parts(corpus, word))


def abstain_reason(ev: TopicEvidence, question: str, threshold: float | None = None) -> str | None:
    """Why the evidence does not answer the question, or None. The decision is
    the calibrated model over the evidence features (assistant/abstention.yaml,
    fitted on the dev split by `python -m eval.calibrate`); the reason names
    what is missing."""
    if not ev.hits or not ev.ranked:
        return "Inga passager matchade frågan."
    if ev.features.get("quantity_gap"):
        return QUANTITY_GAP
    # on the topic: most of its (IDF-weighted) terms; "Forskningen på området visar att …" does not state what
    # research found on Broken Windows
    detail = detail_gap(question, [s.text for s in ev.ranked[:12]], [s.text for s in ev.ranked[:12] if s.lex >= ON_TOPIC_LEX])
    if detail:
        return detail
    absent = absent_focus(ev.scorer) or absent_head(ev.scorer.corpus, question)
    # 'vilka remissinstanser …': a word that itself asks for a detail kind, whose evidence detail_gap found
    absent = [w for w in absent if not detail_asked(w)]
    if absent:
        return "Underlaget nämner inte " + " eller ".join(f"»{w}«" for w in absent[:2]) + " någonstans."
    if detail_asked(question):  # "vem beredde ärendet hos X?": the sentence stating it answers, whatever its words
        return None
    cal = calibration()
    if (trace := MODEL_TRACE.get()) is not None:
        trace.append(ev)
    if cal.probability(ev.features) >= (cal.threshold if threshold is None else threshold):
        return None
    missing = _missing_words(ev, question)
    if missing:
        return "Underlaget nämner inte " + " eller ".join(f"»{w}«" for w in missing[:2]) + " i det som handlar om frågan."
    return "De närmaste passagerna handlar inte om frågans ämne."


_VOICE_LABEL = {"own": "Nämndens synpunkt: ", "account": "Återger programmet: ", "": ""}


def _source_phrase(c) -> str:
    if c.doc_type == "program":  # the programme's own text, not a nämnd's account of it
        version = f" {c.period.replace('-', '–')}" if c.period else ""
        return f"Programmet{version} (programtexten{', ' + str(c.year) if c.year else ''})"
    bits = [str(c.year)] if c.year else []
    if c.period:
        bits.append(f"om programmet {c.period.replace('-', '–')}")
    return f"{c.namnd or c.doc_id}" + (f" ({', '.join(bits)})" if bits else "")


def select_evidence(ranked: list[Scored], *, max_docs: int = 3, per_doc: int = 3,
                    relative: float = RELATIVE_FLOOR) -> dict[str, list[Scored]]:
    """The sentences to quote, per document (documents in order of their best
    sentence): each close to the best relevance, no near-duplicates."""
    if not ranked:
        return {}
    floor = relative * ranked[0].rel
    by_doc: dict[str, list[Scored]] = {}
    kept_words: list[set[str]] = []
    for s in ranked:
        if s.rel < floor or (s.lex == 0 and ranked[0].lex > 0):
            continue
        d = s.chunk.doc_id
        if d not in by_doc and len(by_doc) >= max_docs:
            continue
        if len(by_doc.get(d, [])) >= per_doc:
            continue
        ws = {w for w in words(fold(s.text.lower())) if w not in STOPWORDS_SV}
        if any(ws and k and len(ws & k) / min(len(ws), len(k)) >= 0.8 for k in kept_words):
            continue  # overlapping passages, a summary repeating the body
        kept_words.append(ws)
        by_doc.setdefault(d, []).append(s)
    return by_doc


def _stand_alone(text: str, a: int, b: int) -> tuple[int, int]:
    """Widen the quote [a, b) by whole sentences of the same passage so it stands
    on its own: the sentence before when the quote starts by leaning back on it,
    the sentence after when that one leans back on the quote ("Det leder till …"),
    within MAX_UNIT_CHARS."""
    spans = sentence_spans(text)
    i = next((k for k, (x, y) in enumerate(spans) if x <= a < y), None)
    j = next((k for k, (x, y) in enumerate(spans) if x < b <= y), None)
    if i is None or j is None:
        return a, b
    if i > 0 and leans_back(text[a:b]) and b - spans[i - 1][0] <= MAX_UNIT_CHARS \
            and quotable(text[spans[i - 1][0]:spans[i - 1][1]]) and not cut_at_start(text, spans[i - 1][0]):
        a = spans[i - 1][0]
    if j + 1 < len(spans) and leans_back(text[spans[j + 1][0]:spans[j + 1][1]]) \
            and spans[j + 1][1] - a <= MAX_UNIT_CHARS and len(words(text[spans[j + 1][0]:spans[j + 1][1]])) >= 4 \
            and re.search(r"[.!?»”)]\s*$", text[spans[j + 1][0]:spans[j + 1][1]]):
        b = spans[j + 1][1]
    return a, b


def phrase_focused(ranked: list[Scored], topic: str, top: int = 5) -> list[Scored]:
    """A topic of several words that the best evidence uses as a phrase ('organiserad brottslighet'): only
    the sentences with all of its terms, since one with a part ('de fackliga organisationerna', 'brottslighet')
    speaks of something else. The ranking as it is when no top sentence has the phrase."""
    tw = [re.escape(w) for w in (fold(x.lower()) for x in words(topic)) if len(w) >= 3 and w not in STOPWORDS_SV]
    if len(tw) < 2:
        return ranked
    phrase = re.compile(r"(?<!\w)" + r"\w*\s+".join(tw) + r"\w*")
    full = next((s.found for s in ranked[:top] if phrase.search(fold(s.text.lower()))), None)
    if not full:
        return ranked
    return [s for s in ranked if s.found >= full]


def compose(ranked: list[Scored], **kw) -> tuple[str, list[Citation], list[str]]:
    """Answer text with [n] markers, its citations and warnings: per document
    its best sentences, adjacent ones joined, each labelled as the nämnd's own
    view or its account of the programme."""
    from .answerers import voice_label

    citations: list[Citation] = []
    paragraphs: list[str] = []
    warnings: list[str] = []
    for d, sents in select_evidence(ranked, **kw).items():
        spans = sorted(sents, key=lambda s: (s.chunk.id, s.start))
        merged: list[list[Scored]] = []
        for s in spans:
            if merged and merged[-1][-1].chunk.id == s.chunk.id and not s.chunk.text[merged[-1][-1].end:s.start].strip():
                merged[-1].append(s)
            else:
                merged.append([s])
        order = {id(x): i for i, x in enumerate(ranked)}  # the ranking's order (promotions included)
        merged.sort(key=lambda g: min(order.get(id(x), len(order)) for x in g))
        lines = []
        for group in merged:
            chunk = group[0].chunk
            a, b = _stand_alone(chunk.text, group[0].start, group[-1].end)
            quote = without_heading(chunk.text[a:b], chunk.section)  # never 'Bakgrund Kommunstyrelsen har …'
            if not verify_quote(quote, chunk):  # the guarantee: never show an unverifiable quote
                warnings.append(f"Citat kunde inte verifieras och togs bort ({chunk.label}).")
                continue
            n = len(citations) + 1
            citations.append(Citation(n, chunk, quote, round(max(x.rel for x in group), 4)))
            label = "" if chunk.doc_type == "program" else voice_label(quote, chunk.namnd, _VOICE_LABEL, chunk.section)
            lines.append(f"- {label}»{quote}« [{n}]")
        if lines:
            paragraphs.append(f"**{_source_phrase(sents[0].chunk)}**\n" + "\n".join(lines))
    if not paragraphs:
        return NO_ANSWER, [], warnings
    intro = ("Underlaget tar upp frågan i ett dokument:" if len(paragraphs) == 1
             else f"Underlaget tar upp frågan i {len(paragraphs)} dokument:")
    return intro + "\n\n" + "\n\n".join(paragraphs), citations, warnings


def named_section(corpus: Corpus, req, question: str) -> str | None:
    """The section of the question's documents that the question names ("förslaget till beslut i X:s
    ärende" names 'Förslag till beslut'), from the documents' own headings: every content word of the
    heading is in the question (or in one of its compounds), and the heading has two or more of them or covers the whole topic.
    The longest such heading wins; None when the question names no document or no heading."""
    if not req.doc_ids:
        return None
    from index.chunk import heading_taxonomy

    named = _names_terms(question)
    # (a part of the minute named by a follow-up's inherited topic is asked too: "Vilka reserverade sig?" then
    # "varför gjorde de det?"; a topic is no heading otherwise: 'samverkan' is discussed under any)
    named_on = _names_terms(question + (" " + req.topic if req.topic else ""))
    topic = set(analyze(req.topic)) if req.topic else set()
    # the parts of a minute besides the answer (index/headings.yaml `other`: 'Reservation', 'Särskilt
    # uttalande'): named by a word or its verb ('reserverade sig'), only that part holds what is asked
    own_parts = {fold(h.lower()) for h in heading_taxonomy().other}
    # a heading that is the author's name ('AB Familjebostäder' of a letterhead) is who is asked, not which part
    author = set(analyze(" ".join(getattr(req, "namnder", ()))))
    best, best_n = None, 0
    for doc_id in req.doc_ids[:6]:
        for section in {c.section for c in corpus.passages(doc_id) if c.section}:
            stems, authors = _heading_terms(section.split(" › ")[-1])
            if stems and stems <= author:
                continue
            if len(stems - authors) >= 2:
                stems -= authors
            # a one-word heading names a section only of one nämnd's response: asked of two ("är X och Y överens
            # om samordningen?"), it is a topic both may discuss, under any heading
            one_word = len(stems) < 2 and len(req.namnder) < 2
            own = fold(section.split(" › ")[-1].lower()).strip() in own_parts
            if stems and (named_on if own else named)(stems) \
                    and (len(stems) >= 2 or (one_word and (own or (topic and topic <= stems)))) and len(stems) > best_n:
                best, best_n = section, len(stems)
    return best


def _heading_terms(heading: str) -> tuple[set[str], set[str]]:
    """(the heading's stems, those of its author in the genitive): 'Förvaltningens förslag till beslut' is
    named by "X:s förslag till beslut", so the author may go."""
    from .analyse import taxonomy

    subjects = taxonomy().generic_subjects
    authors = set(analyze(" ".join(w for w in words(heading)
                                   if fold(w.lower()).endswith("s") and fold(w.lower())[:-1] in subjects)))
    return set(analyze(heading)), authors


def _names_terms(question: str):
    """A test whether the question names every one of some stems: as a word, or inside one of its
    compounds ('beslutsförslaget' names 'Förslag till beslut')."""
    from .analyse import taxonomy_data

    nouns = taxonomy_data().get("verb_nouns") or {}
    qwords = [fold(w.lower()) for w in words(question)]
    # a verb names its noun ('vad *föreslog* de för *beslut*?' names 'Förslag till beslut'): taxonomy.yaml `verb_nouns`
    qwords += [n for w in qwords for v, n in nouns.items() if w.startswith(v)]
    asked = set(analyze(question)) | set(analyze(" ".join(qwords)))
    # (an adjective's ending aside: 'särskilda uttalandet' names 'Särskilt uttalande')
    return lambda stems: all(st in asked or any(term_matches(st, w) or (len(st) >= 6 and w.startswith(st[:-1]))
                                                for w in qwords) for st in stems)


MAX_LIST_LINES = 8  # lines quoted from a section that is a list (attachments), not sentences
MAX_SECTION_DOCS = 8  # documents quoted when a question asks for one section of all of them
MAX_DISSENT_SENTENCES = 5  # sentences quoted from a reservation or särskilt uttalande asked for by name
WHICH_BODIES_K = 40  # passages searched for the documents of a "vilka nämnder …" question


def named_family(req, question: str) -> str | None:
    """The heading family (index/headings.yaml `families`) that a question about no document in
    particular asks for whole ('Vilka förslag till beslut har nämnderna?' names 'Förslag till
    beslut'): one of the family's headings has two or more content words besides its author
    ('förvaltningens'), all of them in the question, and the question's topic is no more than
    those words. None otherwise."""
    if req.doc_ids:
        return None
    from index.chunk import heading_taxonomy

    named = _names_terms(question)
    topic = set(analyze(req.topic)) if req.topic else set()
    for family, headings in heading_taxonomy().families:
        for heading in headings:
            stems, authors = _heading_terms(heading)
            stems -= authors
            if len(stems) >= 2 and topic <= stems and named(stems):
                return family
    return None


def _answer_family(corpus: Corpus, req, question: str, family: str, filters: dict) -> Answer | None:
    """The opening sentences of one heading family's section in each document in scope, in catalogue
    order ('Vilka förslag till beslut har nämnderna?'); None when no document has that section."""
    from .answerers import _Cites, _scope, _who, document_sentences

    cites = _Cites()
    lines: list[str] = []
    lacking: list[str] = []
    docs = _scope(corpus, req)
    checked = 0
    for rec in docs:
        if len(lines) >= MAX_SECTION_DOCS:
            break  # a large catalogue: the first documents only, and the reader is told how to narrow
        checked += 1
        picked = [x for x in document_sentences(corpus, rec.doc_id) if x.family == family][:2]
        quoted = " ".join(x for x in map(cites.sentence, picked) if x)
        if quoted:
            lines.append(f"- **{_who(rec)}**: {quoted}")
        else:
            lacking.append(_who(rec))
    if not lines:
        return None
    text = f"Avsnittet »{family}« i {len(lines)} dokument:\n\n" + "\n".join(lines)
    if lacking:
        text += f"\n\nUtan ett sådant avsnitt: " + "; ".join(lacking[:MAX_SECTION_DOCS]) \
            + (f" och {len(lacking) - MAX_SECTION_DOCS} till" if len(lacking) > MAX_SECTION_DOCS else "") + "."
    if checked < len(docs):
        text += (f"\n\nVisar de {checked} första av {len(docs)} dokument; avgränsa med nämnd eller "
                 "programversion för att se andra.")
    return Answer(question, text, cites.items, query=question, filters=filters)


def _answer_section(corpus: Corpus, req, question: str, section: str, filters: dict) -> Answer | None:
    """The opening sentences of the named section in each of the question's documents, in document order."""
    from .quotes import quotable, sentence_spans

    from index.chunk import heading_taxonomy

    heading = fold(section.split(" › ")[-1].lower())
    dissent = heading_taxonomy().is_dissent(section)  # members' own view: what they said, not only who they were
    ranked: list[Scored] = []
    for doc_id in req.doc_ids[:6]:
        chunks = sorted((c for c in corpus.passages(doc_id) if c.section == section), key=lambda c: c.start)
        n = 0
        for chunk in chunks:
            for a, b in sentence_spans(chunk.text):
                text = chunk.text[a:b]
                if fold(text.lower()).startswith(heading):  # the heading glued to the first sentence
                    a += len(heading)
                    while a < b and not chunk.text[a].isalnum():
                        a += 1
                    text = chunk.text[a:b]
                if a >= b or not quotable(text):
                    continue
                ranked.append(Scored(chunk, a, b, 1.0 - 0.01 * n, 0.0, 0.0))
                n += 1
            if n >= (MAX_DISSENT_SENTENCES if dissent else 2):
                break
        if not n:  # a list section ('Bilagor' / 'Remissunderlag'): its lines are what it says
            for chunk in chunks:
                for m in re.finditer(r"[^\n]+", chunk.text):
                    line = m.group().strip()
                    a = m.start() + len(m.group()) - len(m.group().lstrip())
                    if not line or fold(line.lower()).rstrip(":") == heading or LETTERHEAD.search(line) \
                            or not any(ch.isalpha() for ch in line) or n >= MAX_LIST_LINES:
                        continue
                    ranked.append(Scored(chunk, a, a + len(line), 1.0 - 0.01 * n, 0.0, 0.0))
                    n += 1
    if not ranked:
        return None
    text, citations, warnings = compose(sorted(ranked, key=lambda s: -s.rel),
                                        **({"per_doc": MAX_DISSENT_SENTENCES} if dissent else {}))
    if not citations:
        return None
    text = text.replace("Underlaget tar upp frågan", f"Avsnittet »{section.split(' › ')[-1]}« finns", 1)
    return Answer(question, text, citations, warnings=warnings, query=question, filters=filters)


def _answer_topic(corpus: Corpus, req, question: str, query: str, filters: dict, k: int, llm,
                  threshold: float | None = None) -> Answer:
    """The topic answerer: retrieve, score the sentences, abstain or cite the best. A question naming a
    section of its documents ('förslaget till beslut') is answered from that section."""
    if (llm is None or not getattr(llm, "enabled", False)) and (section := named_section(corpus, req, question)):
        ans = _answer_section(corpus, req, question, section, filters)
        if ans is not None:
            return ans
    if (llm is None or not getattr(llm, "enabled", False)) and (family := named_family(req, question)):
        ans = _answer_family(corpus, req, question, family, filters)
        if ans is not None:
            return ans
    ev = topic_evidence(corpus, req, question, query, filters, k)
    reason = abstain_reason(ev, question, threshold)
    if reason and reason.startswith("De närmaste") and len(getattr(req, "namnder", ())) == 1 and req.topic \
            and not any(s.found for s in ev.ranked[:10]):  # say whose text lacks it
        reason = f"{req.namnder[0]} tar inte upp »{req.topic}« i sitt yttrande."
    if reason:
        return Answer(question, NO_ANSWER, abstained=True, related=ev.hits[:3], warnings=[reason],
                      query=query, filters=filters)
    ranked, members = _nämnd_before_members(_prefer_programme(_promote_kinds(ev.ranked, question)), question)
    if asks_for_list(question):  # "Vilka fokusområden …?": quote the enumeration itself
        listed = _listed_terms(corpus, ev.scorer, question)
        ranked = promote_lists(ranked, lambda text: ev.scorer.coverage(text)[0] > 0,
                               instances=lambda text: ev.scorer.kinds_named(text, listed))
    ranked = ranked + members
    if llm is not None and getattr(llm, "enabled", False):
        from .llm import llm_answer

        ans = llm_answer(llm, question, _evidence_first(ev.hits, ranked), shape=_shape(question))
        ans.query, ans.filters = query, filters
        if ans.abstained:
            ans.related = ev.hits[:3]
        return ans
    asked = getattr(req, "namnder", ())
    others = "others" in getattr(req, "inherited", ())
    from .analyse import cue_regex, cue_text

    if not asked and not req.doc_ids and req.topic and cue_regex("which_bodies").search(cue_text(question)):
        # "vilka nämnder har synpunkter på samverkan?": every document the search finds, each read apart
        found = list(dict.fromkeys(h.chunk.doc_id for h in corpus.search(query, k=WHICH_BODIES_K, filters=filters or None)))
        wanted = set(found)
        recs = {d.doc_id: d for d in corpus.documents() if d.doc_id in wanted}
        req = replace(req, doc_ids=tuple(d for d in found if d in recs and recs[d].meta.namnd)[:MAX_SECTION_DOCS])
        others = len(req.doc_ids) > 1
    if (others or len(asked) > 1) and req.topic and req.doc_ids:
        # "vad tyckte de andra om det?", "är X och Y överens om samordningen?": each nämnd asked about on the
        # topic, its own best sentences (not only those close to the best of all), and the ones whose text
        # lacks it named; one search per document: a search over all of them fills up with the one that says most
        ranked = sorted((x for d in req.doc_ids[:MAX_SECTION_DOCS]
                         for x in topic_evidence(corpus, req, question, query, {**filters, "doc_id": [d]}, 4).ranked),
                        key=lambda x: -x.rel)
        rarest = max(ev.scorer.terms, key=lambda t: ev.scorer.idf.get(t, 0.0), default="")

        def on_topic(x: Scored) -> bool:  # most of the topic, or its rarest word, also inside a compound ('samverkanspartner')
            return x.lex >= ON_TOPIC_LEX or (len(rarest) >= 5 and rarest in fold(x.text.lower()))

        best: dict[str, float] = {}
        for x in ranked:
            if on_topic(x):
                best[x.chunk.doc_id] = max(best.get(x.chunk.doc_id, 0.0), x.rel)
        ranked = [x for x in ranked if on_topic(x) and x.rel >= RELATIVE_FLOOR * best[x.chunk.doc_id]]
        text, citations, warnings = compose(ranked, max_docs=MAX_SECTION_DOCS, per_doc=2, relative=0.0)
        if others:
            ids = set(req.doc_ids)
            asked = tuple(dict.fromkeys(d.meta.namnd for d in corpus.documents() if d.doc_id in ids and d.meta.namnd))
    else:
        text, citations, warnings = compose(phrase_focused(ranked, req.topic))
    silent = [n for n in asked if not any(c.chunk.namnd == n for c in citations)] \
        if len(asked) > 1 and citations and req.topic else []  # "jämför med X": say whose text lacks it
    if silent:
        text += "\n\n" + "\n".join(f"**{n}**: jag hittar inget om »{req.topic}« i yttrandet." for n in silent)
    if not citations and not warnings:  # every document asked about searched apart, none on the topic: say whose
        who = " och ".join(asked) if asked else "Underlaget"
        warnings = [f"{who} tar inte upp »{req.topic}«." if req.topic else "De närmaste passagerna handlar inte om frågans ämne."]
    return Answer(question, text, citations, abstained=not citations, related=[] if citations else ev.hits[:3],
                  warnings=warnings, query=query, filters=filters)


def _shape(question: str) -> str:
    """What kind of answer the question asks for, in the LLM prompt's words (taxonomy.yaml `answer_shapes`)."""
    from .analyse import taxonomy

    shapes = _answer_shapes()
    q = fold(question.lower())
    if asks_for_list(question):
        return shapes.get("list", "")
    if any(cue.search(q) for cue, _ in taxonomy().quantities):
        return shapes.get("amount", "")
    return shapes.get("topic", "")


def _answer_shapes() -> dict:
    from .analyse import taxonomy_data

    return taxonomy_data().get("answer_shapes") or {}


def _evidence_first(hits: list[Hit], ranked: list[Scored]) -> list[Hit]:
    """The hits, those holding the sentences the extractive answer would quote first (best first)."""
    chosen: list[str] = []
    for sents in select_evidence(ranked).values():
        for s in sents:
            if s.chunk.id not in chosen:
                chosen.append(s.chunk.id)
    order = {cid: i for i, cid in enumerate(chosen)}
    return sorted(hits, key=lambda h: (order.get(h.chunk.id, len(order)), h.rank))


def topic_query(req, question: str, history: list[str] | None) -> str:
    """What the topic answerer searches for: the question, plus what a
    follow-up carried over (the analysis decides what is a follow-up): the
    inherited topic, or the previous question when there is no topic to carry."""
    query = question
    if req.followup:
        query = f"{question} {req.topic}" if req.topic else f"{history[-1]} {question}" if history else question
    if req.qtype == "change":
        query += " nytt ändrat jämfört med tidigare program"
    return query


_OF_PROGRAMME = re.compile(r"(?<!\w)((enligt|i|ur) (det |den )?(\w+ )?(\w*programm?et|\w*programforslaget|forslaget)"
                           r"|(sager|star|skriver|beskriver|anger|sa|stod) (det |den )?(i )?(\w+ )?(\w*programm?et|forslaget)"
                           r"|(\w*programm?et|forslaget) (sager|anger|beskriver|skriver|tar upp|sa|angav))(?!\w)")


def _programme_scope(corpus: Corpus, req, question: str, filters: dict) -> dict:
    """A question that asks what the programme says ("hur snabbt ska klotter tas bort enligt programmet
    2032–2035?", "vad står det i förslaget om …") is asked of the programme's own text when the catalogue
    has it for that version (doc_type 'program'), not of the responses that retell it."""
    if req.namnder or req.doc_ids or "doc_type" in filters or not _OF_PROGRAMME.search(fold(question.lower())):
        return filters
    if not any(d.meta.doc_type == "program" for d in corpus.documents({"period": req.period} if req.period else None)):
        return filters
    return {**filters, "doc_type": ["program"]}


def _with_history(corpus: Corpus, req, question: str) -> dict:
    """The request's filters; a question on a version's history ('när antogs programmet 2020-2023?',
    taxonomy.yaml `version_history_cues`) also reads the documents on the version after it, which tell it."""
    from .analyse import _qwords, cue_regex, taxonomy

    filters = req.filters()
    if "period" not in filters or not cue_regex("version_history_cues").search(fold(question.lower())):
        return filters
    if set(_qwords(question.lower())) & taxonomy().previous:
        # 'vad hände med det gamla programmet när 2020-2023 kom?': the history asked is the earlier version's,
        # which the named version's documents tell
        return filters
    periods = sorted(corpus.facets().get("period", {}), key=lambda p: p.replace("–", "-"))
    norm = [p.replace("–", "-") for p in periods]
    here = req.period.replace("–", "-")
    if here in norm and norm.index(here) + 1 < len(periods):
        filters["period"] = [req.period, periods[norm.index(here) + 1]]
    return filters


def route(req, ui_filters: dict) -> str:
    """Which answerer takes the request: 'unanswerable', a question type, or 'topic'."""
    if _unanswerable(req):
        return "unanswerable"
    if req.qtype in ("catalogue", "summary", "stance", "change", "phrasing") and not ui_filters:
        return req.qtype
    return "topic"


def _unanswerable(req) -> str:
    """Why the question cannot be answered from this corpus at all ('' when it may be)."""
    if req.unknown_namnd:
        return f"Underlaget innehåller inget yttrande från {req.unknown_namnd}."
    if req.unknown_period:
        version = req.unknown_period.replace("-", "–")
        if req.namnder:
            return f"Underlaget innehåller inget yttrande från {req.namnder[0]} om programmet {version}."
        return f"Inget dokument i underlaget gäller programmet {version}."
    if getattr(req, "unknown_programme", "") and (req.qtype != "topic" or _asks_response_to(req.question, req.unknown_programme)):
        # "Vad står det om säkerhetsprogrammet?" may be answered; "vad svarade de på remissen om
        # säkerhetsprogrammet?" asks for a response no document is
        version = f" {req.period.replace('-', '–')}" if req.period else ""
        return f"Inget dokument i underlaget gäller {req.unknown_programme}{version}."
    return ""


def _absent_decision(corpus: Corpus, question: str) -> str:
    """Why a question about a kind of decision or minute no document of the corpus contains cannot be
    answered ('hur brukar reservationerna formuleras?', 'när den avstyrker'; taxonomy.yaml `decision_kinds`):
    quoting other decisions would answer another question. '' when the question names none, or the corpus has it."""
    from .analyse import in_corpus, taxonomy_words

    kinds = tuple(taxonomy_words("decision_kinds"))
    for w in words(question):
        if fold(w.lower()).startswith(kinds) and not in_corpus(corpus, w):
            return f"Underlaget nämner inte »{w}« någonstans."
    return ""


@lru_cache(maxsize=1)
def _dissent_rx() -> re.Pattern:
    from .analyse import taxonomy_words

    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, taxonomy_words("dissent_words"))) + ")")


def _absent_dissent(corpus: Corpus, req, question: str) -> str:
    """Why a question about a reservation or a särskilt uttalande (taxonomy.yaml `dissent_words`) of the
    documents it asks about cannot be answered: none of them has such a section or names one (a
    tjänsteutlåtande written before the nämnd met). '' when it asks none, or one of them has it."""
    from .answerers import dissent_sentences

    def folded(text: str) -> str:
        return " ".join(fold(w.lower()) for w in words(text))

    if not req.doc_ids or not _dissent_rx().search(folded(question)):
        return ""
    for doc_id in req.doc_ids[:MAX_SECTION_DOCS]:
        if dissent_sentences(corpus, doc_id) or any(_dissent_rx().search(folded(c.text)) for c in corpus.passages(doc_id)):
            return ""
    who = " och ".join(dict.fromkeys(req.namnder)) or "Dokumenten frågan gäller"
    return f"{who}: underlaget innehåller ingen reservation, protokollsanteckning eller särskilt uttalande."


def _asks_response_to(question: str, programme: str) -> bool:
    """Does the question ask for a response to the programme (taxonomy.yaml `response_to_cues`, then a
    preposition and at most two words before its name: 'remissen om säkerhetsprogrammet', 'yttrat sig över
    det nya säkerhetsprogrammet'), not what the documents say of it ('svarade de något om hur
    säkerhetsprogrammet …')?"""
    from .analyse import _qwords, cue_regex

    q = " ".join(_qwords(question.lower()))
    key = fold(programme.lower())
    at = q.find(key)
    if at < 0:
        return False
    before = q[:at].split()[-7:]
    m = cue_regex("response_to_cues").search(" ".join(before))
    if not m:
        return False
    preps = ("om", "pa", "over", "kring", "angaende", "till")
    tail = " ".join(before)[m.end():].split()
    if m.group(0).split()[-1] in preps:  # 'svarade på': the verb's own preposition
        return len(tail) <= 2
    return any(w in preps for w in tail) and len(tail) - max(i for i, w in enumerate(tail) if w in preps) - 1 <= 2


def named_in_order(text: str, known: list[str]) -> list[str]:
    """The known nämnder an answer names, in the order it names them (a name inside a longer one
    that is also named does not count on its own)."""
    found = sorted((m.start(), -len(name), name) for name in known if name
                   for m in re.finditer(re.escape(name), text))
    out: list[str] = []
    end = -1
    for i, neg, name in found:
        if i < end:
            continue  # inside a longer name
        end = i - neg
        if name not in out:
            out.append(name)
    return out


def _previous_turn(history: list[str]) -> tuple[str, list[str] | None]:
    """The conversation's last question and the turns before it (as many as analyse() reads), to
    answer it again: ('', None) when there is none."""
    from .analyse import MAX_HISTORY

    turns = [h for h in history if h and h.strip()]
    if not turns:
        return "", None
    return turns[-1], turns[-1 - MAX_HISTORY:-1] or None


def _previous_quoting_answer(corpus: Corpus, history: list[str]) -> Answer | None:
    """The previous turn's answer, recomputed from the history, when it quoted something; else None."""
    previous_question, earlier = _previous_turn(history)
    if not previous_question:
        return None
    prev = answer(corpus, previous_question, history=earlier)
    return None if prev.abstained or not prev.citations else prev


def _answer_location(corpus: Corpus, question: str, history: list[str]) -> Answer | None:
    """'Vilken sida står det på?' after an answer: where each of its quotes stands (document, page,
    section), the same citations again. None when the question asks something else or the previous
    answer cited nothing."""
    from .analyse import analyse, location_rest, topic_is_substantial

    rest = location_rest(question)
    if rest is None:
        return None
    own = analyse(rest, corpus)
    if own.namnder or own.period or topic_is_substantial(own.topic):
        return None  # a question of its own ('vilken sida handlar om skolan?')
    prev = _previous_quoting_answer(corpus, history)
    if prev is None:
        return None
    lines = []
    for c in prev.citations:
        ch = c.chunk
        where = f"s. {ch.pages}" + (f", avsnitt »{ch.section.split(' › ')[-1]}«" if ch.section else "")
        lines.append(f"- [{c.n}] **{ch.namnd or ch.doc_id}**, {ch.title or ch.source}: {where} – »{c.quote}«")
    text = "Citaten i förra svaret står här:\n" + "\n".join(lines)
    return Answer(question, text, list(prev.citations), query=prev.question, filters=prev.filters,
                  request={**prev.request, "type": "catalogue", "followup": True,
                           "inherited": ["answer"]})


def _previous_place(corpus: Corpus, question: str, history: list[str]) -> tuple[str, dict] | None:
    """'vilken lag hänvisar EAV till i samma avsnitt?': the question without the words pointing at the
    place the previous answer quoted (taxonomy.yaml `place_cues`), and filters to that answer's
    documents and sections. None when the question points nowhere or the previous answer quoted nothing."""
    from .analyse import cue_regex, without_cues

    if not cue_regex("place_cues").search(fold(question.lower())):
        return None
    prev = _previous_quoting_answer(corpus, history)
    if prev is None:
        return None
    place: dict = {"doc_id": list(dict.fromkeys(c.chunk.doc_id for c in prev.citations))}
    sections = [s for s in dict.fromkeys(c.chunk.section for c in prev.citations) if s]
    if sections:
        place["section"] = sections
    return without_cues(question, cue_regex("place_cues")), place


_AMONG_THEM = re.compile(r"(?<!\w)av (dem|de|dom|dessa|bada|bagge)(?!\w)")  # 'vilken av dem …' (folded)


def _from_previous_answer(corpus: Corpus, req, question: str, history: list[str]):
    """A follow-up that points into the previous answer's list of nämnder ('Vilken nämnd var mest
    kritisk?' -> 'Vad kritiserade de?'; 'Vilka nämnder svarade …?' -> 'Sammanfatta det första'): the
    request narrowed to the nämnd(er) that answer named, and their documents it cited. The previous
    answer is recomputed from the history (deterministic; its expensive parts are cached; at most
    MAX_HISTORY turns deep)."""
    from .analyse import (MAX_HISTORY, analyse, answer_reference, asks_for_one, asks_why, docs_for, question_type,
                          topic_is_substantial)

    n, word = answer_reference(question)
    if n is None and req.qtype == "stance" and asks_why(question) and not req.namnder and history:
        # "varför?" after "vilken av dem var mest positiv?": the grounds of the nämnd that answer named
        previous_question, earlier = _previous_turn(history)
        if previous_question and asks_for_one(previous_question) \
                and analyse(previous_question, corpus, earlier).qtype == "stance":
            n = 0
    if n is None or req.unknown_namnd or req.unknown_period or (req.namnder and "namnder" not in req.inherited):
        return req
    if n == 0 and asks_for_one(question) and _AMONG_THEM.search(fold(question.lower())) and len(history) >= 2:
        # "vilken av dem är mest positiv?" after a turn on each of two nämnder: all the nämnder asked about
        seen: list[str] = []
        for i in range(max(0, len(history) - MAX_HISTORY), len(history)):
            seen += [x for x in analyse(history[i], corpus, history[:i]).namnder if x not in seen]
        if len(seen) >= 2:
            return replace(req, namnder=tuple(seen), doc_ids=docs_for(corpus.documents(), seen, ""), followup=True,
                           inherited=tuple(dict.fromkeys((*req.inherited, "namnder"))))
    previous_question, earlier = _previous_turn(history)
    if not previous_question:
        return req
    prev_req = analyse(previous_question, corpus, earlier)
    if n == 0 and (prev_req.namnder or prev_req.qtype not in ("stance", "catalogue")):
        return req  # a pronoun after a question on one nämnd already carries it over (analyse)
    prev = answer(corpus, previous_question, history=earlier)
    if prev.abstained:
        return req
    names = named_in_order(prev.text, list(corpus.facets().get("namnd", {}))) or \
        list(dict.fromkeys(c.chunk.namnd for c in prev.citations if c.chunk.namnd))
    if not names or (n != 0 and len(names) < 2) or n > len(names):
        return req
    chosen = [names[n - 1]] if n > 0 else [names[-1]] if n < 0 else names[:1] if asks_for_one(previous_question) else names
    docs = tuple(dict.fromkeys(c.chunk.doc_id for c in prev.citations if c.chunk.namnd in chosen))
    period = req.period if req.period and "period" not in req.inherited else prev_req.period
    if not docs or period != prev_req.period:  # a version named now wins over the one answered before
        docs = docs_for(corpus.documents(), chosen, period)
    topic = " ".join(w for w in req.topic.split() if fold(w.lower()) != word) if word else req.topic
    qtype = req.qtype
    if qtype == "catalogue" == prev_req.qtype and "type" in req.inherited and question_type(question) == "topic":
        qtype = "topic"  # "vad tyckte den andra av dem?" after a list of documents: about that one, not another list
    if qtype == "topic" and not topic_is_substantial(topic):
        qtype = "summary"  # "Sammanfatta det första" / "vad tyckte den sista?": that nämnd's whole view
    return replace(req, namnder=tuple(chosen), doc_ids=docs, topic=topic, qtype=qtype, followup=True,
                   inherited=tuple(dict.fromkeys((*req.inherited, "namnder", "answer"))))


MAX_SHORT_FORM_DOCS = 20  # documents read for the sentence that writes a short form out
COMMON_WORD_ZIPF = 4.5  # a lower-case word this common in Swedish at large (wordfreq) is no short form


def short_form_asked(question: str) -> str:
    """The short form a question asks the meaning of ('vad står Brå för?' -> 'Brå'; taxonomy.yaml
    `abbreviation_cues`), '' when it asks none."""
    from .analyse import taxonomy_data

    pattern = taxonomy_data().get("abbreviation_cues")
    m = re.search(pattern, question.strip(), re.I) if pattern else None
    short = next((g for g in m.groups() if g), "") if m else ""
    # a short form: capitals ('ANDT', 'RSA') or four letters at most ('brå'), not a pronoun or function word
    # ('vad står det för?'); 'vad betyder rådighet?' asks a meaning
    if short.lower() in STOPWORDS_SV or fold(short.lower()) in STOPWORDS_SV:
        return ""
    if short.isupper():
        return short
    from wordfreq import zipf_frequency

    # typed in lower case: a short form only when it is no common Swedish word ('brå', 'sdn'; not 'mål', 'plan')
    return short if len(short) <= 4 and zipf_frequency(short.lower(), "sv") < COMMON_WORD_ZIPF else ""


def _answer_short_form(corpus: Corpus, question: str, short: str, filters: dict) -> Answer:
    """The sentences that write the short form out beside it ('Brå (Brottsförebyggande rådet)', '… tobak
    (ANDT)'), from the documents a search for it finds; a refusal that says so when none does."""
    from .answerers import _Cites, _who, document_sentences

    sf = re.escape(short)
    beside = re.compile(rf"(?<![\w-]){sf}\s*\(([^()]{{4,120}})\)|\(([^()]*?)\b{sf}\)|\(\s*{sf}\s*\)", re.I)
    cites = _Cites()
    lines: list[str] = []
    seen: set[str] = set()
    hits = corpus.search(short, k=MAX_SHORT_FORM_DOCS, filters=filters or None)
    wanted = {h.chunk.doc_id for h in hits}
    recs = {d.doc_id: d for d in corpus.documents() if d.doc_id in wanted}  # the catalogue read once
    for hit in hits:
        if hit.chunk.doc_id in seen:
            continue
        seen.add(hit.chunk.doc_id)
        rec = recs.get(hit.chunk.doc_id)
        for x in document_sentences(corpus, hit.chunk.doc_id):
            if beside.search(x.text) and (q := cites.sentence(x)):
                lines.append(f"- **{_who(rec) if rec else x.chunk.doc_id}**: {q}")
                break
        if len(lines) >= 3:
            break
    if not lines:
        return Answer(question, NO_ANSWER, abstained=True, warnings=[f"Underlaget skriver inte ut vad »{short}« står för."],
                      query=short, filters=filters)
    return Answer(question, f"Så skrivs »{short}« ut i underlaget:\n" + "\n".join(lines), cites.items,
                  query=short, filters=filters)


def answer(corpus: Corpus, question: str, *, history: list[str] | None = None,
           filters: dict | None = None, k: int = 8, llm=None, abstain_threshold: float | None = None) -> Answer:
    """Answer a Swedish question from the corpus: analyse it (type, nämnder,
    programme version, documents, topic; follow-ups keep the previous turn's),
    then let the answerer for its type answer, always with citations.
    `abstain_threshold` overrides the calibrated one (for the trade-off table)."""
    from .analyse import (analyse_one, asker_context, carried_topic, cue_regex, full_periods, office_names,
                          only_parties, parties_named, previous_request, taxonomy)
    from .answerers import answer_catalogue, answer_change, answer_party, answer_stance, answer_summary, not_addressed
    from .draft_request import answer_draft, draft_requested
    from .phrasing import answer_phrasing

    question = (question or "").strip()
    if not question:
        return Answer(question="", text="Skriv en fråga.", abstained=True)
    question = typed = question[:2000]
    question, told = asker_context(question)  # 'Vi har själva … . Nämner någon …?': the asker's situation is context
    if told:
        history = [*(history or []), told]
    # 'samordningsuppdarget' read as the corpus's word, '24-27' as the catalogue's 2024-2027
    # ('SBK' as the nämnd whose diarienummer it heads)
    question = office_names(corpus, full_periods(corpus, corrected(corpus, question)))
    history = [office_names(corpus, full_periods(corpus, corrected(corpus, h))) for h in history] if history else history
    if short := short_form_asked(question):  # "vad står Brå för?": where the documents write it out
        ans = _answer_short_form(corpus, question, short, {k: v for k, v in (filters or {}).items() if v})
        ans.request = {"type": "topic", "topic": short, "followup": bool(history)}
        return ans
    if history and (located := _answer_location(corpus, question, history)) is not None:
        return located
    if history and (placed := _previous_place(corpus, question, history)) is not None:
        rest, place = placed  # the same question asked of the place the previous answer quoted
        ans = answer(corpus, rest, history=history, filters={**(filters or {}), **place}, k=k, llm=llm,
                     abstain_threshold=abstain_threshold)
        if topic := _unnamed_in_quotes(ans):
            # within the quoted sections the asked-for thing must be named: nearby text is no answer there
            ans = Answer(question, NO_ANSWER, abstained=True, related=corpus.search(rest, k=3, filters=place),
                         warnings=[f"Avsnittet som förra svaret citerade nämner inte »{topic}«."], query=rest,
                         filters=place, request=ans.request)
        ans.question = question
        ans.request = {**(ans.request or {}), "followup": True,
                       "inherited": list(dict.fromkeys([*(ans.request or {}).get("inherited", []), "section"]))}
        return ans
    previous = previous_request(corpus, history)  # read once: the analysis and a retry on its topic use it
    req = analyse_one(question, corpus, previous)
    if history:
        req = _from_previous_answer(corpus, req, question, history)
    asked = question
    if "question" in req.inherited:  # "och hos Spånga-Tensta?": the previous question, asked of the new nämnd
        question = req.question
    ui_filters = {key: v for key, v in (filters or {}).items() if v not in (None, "", [], ())}
    # (a stance question is answered with the positions the documents do take: 'avstyrkte någon?' -> none did)
    if req.unknown_namnd and only_parties(req.unknown_namnd):  # 'M och KD' are members of a nämnd, no body
        req = replace(req, unknown_namnd="")
    reason = _unanswerable(req) or (_absent_decision(corpus, asked) if req.qtype != "stance" else "") \
        or _absent_dissent(corpus, req, asked)
    drafting = draft_requested(asked)
    if drafting:  # "skriv ett utkast till yttrande om …": a nämnd or version with no document is input
        ans = answer_draft(corpus, req, asked)
    elif reason:
        try:
            related = corpus.search(req.topic or question, k=3)
        except Exception:  # noqa: BLE001 - the closest passages are a courtesy
            related = []
        ans = Answer(question, NO_ANSWER, abstained=True, related=related, warnings=[reason], query=question,
                     filters=ui_filters)
    elif (parties := parties_named(asked)) and req.qtype in ("topic", "summary", "stance") and not ui_filters:
        ans = answer_party(corpus, req, parties)  # "var V nöjda med beslutet?": what its members said
        if not ans.abstained and _quantity_gap(question, [c.quote for c in ans.citations], req.topic):
            ans = Answer(asked, NO_ANSWER, abstained=True, warnings=[QUANTITY_GAP], query=question, filters=req.filters())
        if ans.abstained and not ans.related:
            ans.related = corpus.search(req.topic or question, k=3, filters=req.filters() or None)
    elif req.qtype in ("catalogue", "summary", "stance", "phrasing") and not ui_filters:
        ans = {"catalogue": answer_catalogue, "summary": answer_summary, "stance": answer_stance,
               "phrasing": answer_phrasing}[req.qtype](corpus, req)
        # "vad kom utvärderingen fram till? sammanfatta resultaten": the evaluation is told of, no result (the
        # kinds a summary's topic is asked for; 'vad skrev remissinstanserna' names the respondents, asks no detail)
        on_topic = tuple(k for k in taxonomy().details if k[0] in ON_TOPIC_DETAILS)
        gap = None if ans.abstained or req.qtype != "summary" else \
            detail_gap(question, [c.quote for c in ans.citations], kinds=on_topic)
        if gap:
            ans = Answer(asked, NO_ANSWER, abstained=True, warnings=[gap], query=question, filters=req.filters())
        if ans.abstained and req.qtype == "stance" and req.topic and not_addressed(ans):
            # "var EAV positiva till X?" where no sentence of its stance on X clears the stance method's bar: what
            # the topic answerer finds on X (its own abstention decides), the nämnd's view labelled as such
            on_topic = _topic_answer(corpus, req, question, asked, history, ui_filters, k, llm, abstain_threshold)
            if not on_topic.abstained:
                ans = on_topic
        if ans.abstained and not ans.related:
            ans.related = corpus.search(req.topic or question, k=3, filters=req.filters() or None)
    elif req.qtype == "change" and not ui_filters and (changed := answer_change(corpus, req)) is not None:
        ans = changed
        quotes = [c.quote for c in ans.citations]
        gap = None if ans.abstained else (detail_gap(question, quotes)
                                          or (QUANTITY_GAP if _quantity_gap(question, quotes, req.topic) else None))
        if gap:  # "vilken ny lagstiftning har programmet uppdaterats med?": the change is told, the law is not named
            ans = Answer(asked, NO_ANSWER, abstained=True,
                         related=corpus.search(req.topic or question, k=3, filters=req.filters() or None),
                         warnings=[gap], query=question, filters=req.filters())
    else:
        ans = _topic_answer(corpus, req, question, asked, history, ui_filters, k, llm, abstain_threshold)
        if ans.abstained and req.followup and "topic" not in req.inherited and req.topic \
                and all(_everyday(w) for w in words(req.topic)) and _points_back(asked) \
                and not cue_regex("mention_questions").search(fold(asked.lower())) \
                and (carried := carried_topic(corpus, previous)) \
                and not set(words(carried.lower())) <= set(words(req.topic.lower())):
            # "vilka tider är det värst enligt dem?" after "vad skriver Norrmalm om nattlivet?": everyday words
            # (no passage says 'värst') ask about an aspect of the previous topic, answered when the two together
            # are; a word of a topic of its own ('tog de upp avhopparverksamheten också?'), a question whether
            # a thing is mentioned ('står det något om polisen där?') or one that swaps the topic ('och om
            # föräldrarna?') asks of that alone
            again = replace(req, topic=f"{carried} {req.topic}", inherited=(*req.inherited, "topic"))
            retried = _topic_answer(corpus, again, question, asked, history, ui_filters, k, llm, abstain_threshold)
            if not retried.abstained and not detail_gap(question, [c.quote for c in retried.citations]):
                ans, req = retried, again
    ans.request = {**req.to_dict(), "type": "draft"} if drafting else req.to_dict()
    ans.question = typed  # as the user typed it (the analysis read it corrected)
    if ui_filters.get("section") and (topic := _unnamed_in_quotes(ans)):
        # a section chosen in the app: the asked-for thing must be named in it, as for "i samma avsnitt"
        ans = Answer(asked, NO_ANSWER, abstained=True, related=ans.related,
                     warnings=[f"Det valda avsnittet nämner inte »{topic}«."], query=ans.query,
                     filters=ans.filters, request=ans.request)
    return ans


def _points_back(question: str) -> bool:
    """Does a question point back at the previous turn with a word of its own ('enligt dem', 'var det'; taxonomy.yaml
    `followup_references`), not as an ellipsis that swaps the topic ('och om föräldrarna?')?"""
    from .analyse import taxonomy

    qw = words(fold(question.lower()))
    return bool(qw) and qw[0] not in ("och", "men", "samt") and bool(set(qw) & taxonomy().references)


def _topic_answer(corpus: Corpus, req, question: str, asked: str, history: list[str] | None, ui_filters: dict,
                  k: int, llm, abstain_threshold: float | None) -> Answer:
    """The topic answerer's answer, refused when the question asks a detail its quotes do not give."""
    ans = _answer_topic(corpus, req, question, topic_query(req, question, history),
                        {**_programme_scope(corpus, req, question, _with_history(corpus, req, question)), **ui_filters},
                        k, llm, abstain_threshold)
    quotes = [c.quote for c in ans.citations]
    # (an amount asked for that no quote states: "hur många var för och emot?" answered with who spoke. An
    # answer of three or more quoted lines is left alone: a list counts by its items, and which lines are
    # items is not told apart from which are quotes here)
    listed = sum(1 for ln in ans.text.splitlines() if ln.lstrip().startswith(("- ", "• ", "1.", "2."))) >= 3
    gap = None if ans.abstained else (time_gap(question, quotes) or year_amount_gap(question, quotes)
                                      or _programme_gap(req, quotes)
                                      or unnamed_members(question, quotes) or population_gap(question, quotes)
                                      or (QUANTITY_GAP if not listed and _quantity_gap(question, quotes, req.topic)
                                          else None))
    if gap:  # "när fattade nämnden beslut?": the quotes are on the decision, none says when
        ans = Answer(asked, NO_ANSWER, abstained=True,
                     related=corpus.search(req.topic or question, k=3, filters=ans.filters or None),
                     warnings=[gap], query=ans.query, filters=ans.filters)
    return ans


def _unnamed_in_quotes(ans: Answer) -> str:
    """The answer's topic when none of its words occurs in any of its quotes ('' otherwise, or when it
    abstained): within a section chosen for the question, nearby text is no answer."""
    topic = (ans.request or {}).get("topic") or ""
    terms = analyze(topic)
    quoted = {fold(w.lower()) for c in ans.citations for w in words(c.quote)}
    if terms and not ans.abstained and not any(matches(t, w) for t in terms for w in quoted):
        return topic
    return ""