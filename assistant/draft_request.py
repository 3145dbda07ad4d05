"""A whole draft asked for in the chat: "skriv ett utkast till yttrande om
samverkan för Skarpnäcks stadsdelsnämnd".

The question is read for what the Skriv yttrande tab asks for (the nämnd that
answers, the programme version, the key points) and the same draft is built
(`draft.build_draft`): every body sentence rests on earlier responses, cited
[n]. What the question does not give is a placeholder the officer fills in.
The cue is taxonomy.yaml `draft_request`; the words that only ask for a draft
(not what it is about) are `draft_request_words`.
"""

from __future__ import annotations

import re

from index.corpus import Corpus
from index.textnorm import STOPWORDS_SV, fold, words
from index.types import Answer

from .analyse import _PERIOD, Request, cue_regex, taxonomy_words
from .draft import DraftInput, build_draft, section_text

NAMND_PLACEHOLDER = "[Nämndens namn]"


def draft_requested(question: str) -> bool:
    """Does the question ask for a whole response to be written (not for one part of it, which the
    phrasing answerer shows from precedent)?"""
    return bool(cue_regex("draft_request").search(fold(question.lower())))


def remiss_title(corpus: Corpus, period: str) -> str:
    """The title of the remiss, from the catalogue: the title of a document on `period` (the newest
    version when none is asked) up to its first ' – ' ('Stockholms stads trygghetsprogram 2024–2027'),
    with the asked period put in when no document concerns it. '' when the catalogue has no titles."""
    docs = [d.meta for d in corpus.documents() if d.meta.title and d.meta.period]
    if not docs:
        return ""
    on = [d for d in docs if d.period == period] if period else []
    newest = max(docs, key=lambda d: (d.period, d.year or 0))
    base = (on[0] if on else newest).title.split(" – ")[0].strip()
    if period and not on:
        a, b = period.split("-")
        base = _PERIOD.sub(f"{a}–{b}", base) if _PERIOD.search(base) else f"{base} {a}–{b}"
    return base


_ABOUT = re.compile(r"(?<!\w)(?:om|kring|angående|gällande|med fokus på|som tar upp)\s+(.+?)(?=\s+(?:för|åt|från|till|i)\s|[?.!\s]*$)",
                    re.IGNORECASE)


def _stem(word: str) -> str:
    f = fold(word.lower())
    return f[:max(5, len(f) - 3)]


def _asks_for_draft(word: str) -> bool:
    """A word that only asks for a draft ('skriv', 'utkast': taxonomy.yaml `draft_request_words`)."""
    return fold(word.lower()).startswith(taxonomy_words("draft_request_words"))


def _points(question: str, req: Request, title: str) -> str:
    """The draft's key point: what the question says the response should be about ('… om samverkan med
    polisen för Skarpnäcks stadsdelsnämnd' -> 'samverkan med polisen'); '' when it names only the remiss
    itself (its title's words, a version, the words that ask for a draft: taxonomy.yaml `draft_request_words`)."""
    m = _ABOUT.search(question)
    if not m:
        return ""
    phrase = _PERIOD.sub(" ", m.group(1)).strip(" ,")
    generic = {fold(w.lower()) for w in words(title)} | {fold(w.lower()) for n in req.namnder for w in words(n)}
    content = [w for w in words(phrase) if fold(w.lower()) not in generic and len(w) > 2
               and w.lower() not in STOPWORDS_SV and not _asks_for_draft(w)
               and not any(_stem(w) in g for g in generic)]  # 'programmet' of 'trygghetsprogram'
    return phrase if content else ""


def answer_draft(corpus: Corpus, req: Request, question: str) -> Answer:
    """The draft as a chat answer: each section's body with its sources' [n] after every sentence and
    what is left to write; the sources' quotes are the answer's citations."""
    title = remiss_title(corpus, req.period or req.unknown_period) or "[Remissens titel]"
    namnd = req.namnder[0] if len(req.namnder) == 1 else (req.unknown_namnd or NAMND_PLACEHOLDER)
    points = _points(question, req, title)
    if not points and "topic" in req.inherited:  # "skriv ett yttrande om det": the previous turn's topic
        points = " ".join(w for w in req.topic.split() if not _asks_for_draft(w))
    inp = DraftInput(title=title, namnd=namnd, points=points)
    draft = build_draft(corpus, inp)
    lines = [f"Utkast till yttrande över {inp.title} för {namnd}, byggt på formuleringar ur tidigare yttranden "
             "i underlaget (källa [n] efter varje mening). Fliken »Skriv yttrande« ger samma utkast som Word-fil "
             "och låter dig ange remittent, diarienummer och datum.", ""]
    for section in draft.sections:
        lines += [f"**{section.heading}**", ""]
        if text := section_text(section.paras, inline=True):
            lines += [text, ""]
    return Answer(question, "\n".join(lines).rstrip(), citations=draft.citations, warnings=draft.warnings,
                  query=inp.points, filters={})
