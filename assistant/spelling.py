"""A question's misspelt words put right against the corpus's own vocabulary.

Handläggare type fast ("ordningsvaktena", "samordningsuppdarget"): a word that is no Swedish word
(wordfreq does not know it) and occurs nowhere in the corpus, but is one edit (a letter dropped, added,
changed or two swapped) from a word the corpus has, is read as that word. The corpus decides, not a
word list: a real word the corpus lacks ("kameraövervakning") is left as it is, so the answer can still
say that the documents do not mention it.
"""
from __future__ import annotations

import re

from index.corpus import Corpus
from index.textnorm import fold, words

MIN_LETTERS = 6  # shorter words have too many neighbours one edit away
NEAR_PASSAGES = 10  # passages of a search for the question whose words a misspelt word is compared with
LETTERS = "abcdefghijklmnopqrstuvwxyzé"  # folded: å/ä/ö compare as a/a/o
_WORD = re.compile(r"(?<![\w-])[A-Za-zÅÄÖåäöéÉ]+(?![\w-])")


def edits1(word: str) -> set[str]:
    """Every string one edit from `word` (lower case): a letter deleted, two neighbours swapped, a letter
    replaced or inserted."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in LETTERS if c != b[0]}
    inserts = {a + c + b for a, b in splits for c in LETTERS}
    return (deletes | swaps | replaces | inserts) - {word}


def _unknown(word: str) -> bool:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "sv") == 0


def corrected(corpus: Corpus, text: str, k: int = NEAR_PASSAGES) -> str:
    """`text` with each misspelt word put right: a word of MIN_LETTERS or more that is no Swedish word
    (wordfreq), occurs nowhere in the corpus and is one edit from a word of the passages a search for the
    text finds (the search reads meaning as well as words, so it finds them despite the typo); of several
    such words the one those passages use most, none when two are as common. Everything else as typed."""
    from collections import Counter

    from .analyse import in_corpus

    suspects = {m.group() for m in _WORD.finditer(text)
                if len(m.group()) >= MIN_LETTERS and not m.group().isupper() and _unknown(m.group().lower())}
    suspects = {w for w in suspects if not in_corpus(corpus, w.lower())}
    if not suspects:
        return text
    try:
        hits = corpus.search(text, k=k)
    except Exception:  # noqa: BLE001 - no search, no correction: the question as typed
        return text
    near: Counter = Counter()
    written: dict[str, str] = {}  # a folded word as the passages write it ('kyrkogardsnamnden' -> 'kyrkogårdsnämnden')
    for h in hits:
        for x in words(h.chunk.text):
            if len(x) >= MIN_LETTERS - 1:
                f = fold(x.lower())
                near[f] += 1
                written.setdefault(f, x.lower())
    fixes: dict[str, str] = {}
    for w in suspects:
        options = sorted(((near[c], c) for c in edits1(fold(w.lower())) if c in near), reverse=True)
        if options and not (len(options) > 1 and options[0][0] == options[1][0]):
            fixes[w] = written[options[0][1]]
    if not fixes:
        return text
    return _WORD.sub(lambda m: fixes.get(m.group(), m.group()), text)
