"""Text normalisation for lexical matching: diacritic folding, tokenising and
Swedish Snowball stemming. Pure functions; used on both index and query side.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_WS = re.compile(r"\s+")

# Short, very frequent Swedish function words. Kept deliberately small: dnr
# fragments, numbers and names must stay searchable.
STOPWORDS_SV = frozenset(
    """och i att det som en på är av för med till den har de inte om ett han
    men var jag sig från vi så kan man när år säger hon under också efter eller
    nu sin där vid mot ska skulle kommer ut få finns vara blir bli hur dessa
    detta denna samt även vilket vilka vilken deras dess vad vem varför the of and""".split()
)


def fold(text: str) -> str:
    """Lower-case and strip diacritics: 'Förvaltningen' -> 'forvaltningen',
    'Ärendet' -> 'arendet', 'é' -> 'e'. Length is not guaranteed to be kept.
    ASCII text (words folded before, OCR text without å/ä/ö) is only lower-cased."""
    low = text.lower()
    if low.isascii():
        return low  # NFKD keeps ASCII as it is
    decomposed = unicodedata.normalize("NFKD", low)
    # NFKD can yield capitals ('ℌ' -> 'H', 'ᴬ' -> 'A', '㎒' -> 'MHz'): lower and decompose once more
    decomposed = unicodedata.normalize("NFKD", decomposed.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_ws(text: str) -> str:
    """Collapse all whitespace runs to one space and strip (for quote checks)."""
    return _WS.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """Word tokens (letters/digits), original case and diacritics kept."""
    return _WORD.findall(text)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer

    return Stemmer.Stemmer("swedish")


def analyze(text: str, *, stem: bool = True, stopwords: bool = True) -> list[str]:
    """The BM25 analyser: fold -> tokenise -> drop stopwords -> Swedish stem.

    Stopwords are matched before folding would merge them with content words
    (e.g. 'år' vs 'ar'), so we test the unfolded lower-case form.
    """
    out: list[str] = []
    for w in words(text.lower()):
        if stopwords and w in STOPWORDS_SV:
            continue
        out.append(fold(w))
    if stem and out:
        out = _stemmer().stemWords(out)
    return out


def char_ngrams(text: str, n: int = 4) -> list[str]:
    """Character n-grams of each folded word, with '_' marking word edges:
    'trygghetsskapande' shares grams with 'trygghet' and 'skapa', so Swedish
    compounds match their parts ('vakter' finds 'ordningsvakternas')."""
    out: list[str] = []
    for w in words(fold(text)):
        w = f"_{w}_"
        out.extend([w] if len(w) <= n else [w[i:i + n] for i in range(len(w) - n + 1)])
    return out


ANALYZERS = ("stem", "ngram", "stem+ngram")


def lexical_tokens(text: str, analyzer: str = "ngram") -> list[str]:
    """Tokens for the BM25 index and its queries.

    stem:       folded words, stopwords dropped, Snowball Swedish stems
    ngram:      character 4-grams of folded words (compound-aware)
    stem+ngram: both
    """
    if analyzer == "stem":
        return analyze(text)
    if analyzer == "ngram":
        return char_ngrams(text)
    if analyzer == "stem+ngram":
        return analyze(text) + char_ngrams(text)
    raise ValueError(f"unknown analyzer {analyzer!r}; valid: {', '.join(ANALYZERS)}")
