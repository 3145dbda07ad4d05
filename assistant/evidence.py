"""The one evidence scorer: how well a sentence of the corpus answers a topic.

Jämför, the topic answerer, the stance and change answerers and Skriv
yttrande all rank sentences with it, so "relevant" means the same everywhere:

    relevance(s) = LEX_WEIGHT * L(s) + DENSE_WEIGHT * D(c)

L(s)  lexical coverage: the IDF-weighted share of the topic's content terms
      (folded, stopwords dropped, Swedish stems; a stem matches a compound that
      contains it) found in the sentence. IDF comes from `Corpus.term_stats`,
      so rare, specific words weigh more than words every passage has.
D(c)  semantic support of the sentence's passage: the cosine between topic and
      passage (the index's multilingual embedding) as a z-score against the
      whole corpus for this topic, clipped to [0, Z_FULL] and divided by Z_FULL.
      Raw cosines are not comparable between topics; z-scores are.

`Evidence.answerability()` turns the best evidence into the features the
abstention decision is calibrated on (assistant/abstention.yaml).
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Iterable, Sequence

import numpy as np
import yaml

from index.corpus import Corpus, term_matches
from index.textnorm import analyze, fold, normalize_ws, words
from index.types import Chunk

from .quotes import quotable, sentence_spans

LEX_WEIGHT = 0.6
DENSE_WEIGHT = 0.4
Z_FULL = 5.0
MIN_SENTENCE_WORDS = 4  # headings ('Samverkan') are not evidence
MAX_UNIT_CHARS = 500  # a sentence with the one leaning back on it ("Detta är kommunstyrelsens ansvar.")
COMPOUND_MIN = 8  # a topic term this long may be a compound whose parts a sentence names apart


def leans_back(sentence: str) -> bool:
    """Does the sentence start with a word that points back to the one before
    (taxonomy.yaml `discourse_continuations`: "Detta är kommunstyrelsens ansvar.")?"""
    from .analyse import taxonomy

    ws = words(fold(sentence.lower()))
    head = ws[:2]
    if opens_with(sentence, (c for c in taxonomy().continuations if " " in c)):
        return True  # 'På motsvarande sätt är det med …'
    if not head or head[0] not in taxonomy().continuations:
        return False
    # "Det övergripande målet …", "Den nya lagen …": a determiner before an adjective or participle
    # (weak forms end in -a/-e) opens a new subject; "Det leder till …", "Detta är …" point back
    return not (head[0] in ("det", "den", "denna", "dessa") and len(head) > 1 and re.search(r"(a|e)$", head[1])
                and len(head[1]) > 3)


def opens_with(sentence: str, phrases: Iterable[str]) -> bool:
    """Does the sentence open with one of the (folded) phrases, as whole words ('samtidigt', 'på motsvarande
    sätt'; its first four words are read)?"""
    opening = " ".join(words(fold(sentence.lower()))[:4]) + " "
    return any(opening.startswith(c + " ") for c in phrases)


def _is_heading(text: str, section: str) -> bool:
    """Is the 'sentence' the passage's section heading (or one of its parents)?"""
    t = fold(normalize_ws(text).lower()).rstrip(".:")
    return bool(section) and any(t == fold(p.strip().lower()) for p in section.split("›"))


def cut_at_start(text: str, a: int) -> bool:
    """Is the span at `a` the tail of a sentence the passage boundary cut ('verksamhet i alla delar
    av staden, …'): the passage's first words, starting in lower case? Such a tail is no quote."""
    head = text[:a]
    return not head.strip() and text[a:].lstrip()[:1].islower()


MAX_ITEM_LINE_WORDS = 14  # a list item on its own line is short (as enumeration.MAX_LINE_WORDS)
_ITEM_MARKER = re.compile(r"\s*(\d{1,2}[.)]|[a-z][.)]|[-–•*▪◦·])\s*$")
_ENDS_SENTENCE = tuple('.!?:;»”"\')…')


def cut_at_end(text: str, a: int, b: int) -> bool:
    """Is the span ending at `b` the head of a sentence the passage boundary cut ('… att Stockholm ska
    vara en trygg,'): the passage's last words, without a sentence's closing punctuation? Its whole
    sentence is in the next passage (passages overlap); the head alone is no quote."""
    if text[b:].strip() or text[:b].rstrip().endswith(_ENDS_SENTENCE):
        return False
    span = text[a:b].strip()
    ws = span.split()
    marker = text[text.rfind("\n", 0, a) + 1:a]  # '5. ' before 'Bygga gott säkerhetsskydd': a numbered item
    if span[:1].islower() and "\n" in text[:a][-3:] and len(ws) <= MAX_ITEM_LINE_WORDS:
        return False  # a short line in lower case after a line break: an item of a list whose bullets were lost
    if not ws or span[:1] in "•-–*·" or _ITEM_MARKER.match(marker) or sum(w[:1].isupper() for w in ws) > len(ws) / 2:
        return False  # a list item or a name/signature line ends without a full stop
    return span[-1:] == "," or span[-1:].islower()


def completed(chunk: Chunk, nxt: Chunk | None = None, *later: Chunk) -> Chunk:
    """The passage with the sentence its end cuts completed from `nxt` (`_sentence_completed`), and a
    numbered or bulleted list its end cuts completed too, from `nxt` and the passages `later` after it
    (`_list_completed`, at most MAX_LIST_TAIL characters)."""
    out = _sentence_completed(chunk, nxt)
    for following in (nxt, *later):
        longer = _list_completed(out, following)
        if longer is out:
            break
        out = longer
        if following is None or not longer.text.endswith(following.text.rstrip()[-40:]):
            break  # the list ended inside that passage
    return out


MAX_LIST_TAIL = 1500  # characters of a list's remaining items read on from the passages after it
MAX_LIST_PASSAGES = 4  # passages read on for them
_ITEM_LINE = re.compile(r"^\s*(?:[-–•*▪◦·]|\d{1,2}[.)])\s+\S")


def _list_completed(chunk: Chunk, nxt: Chunk | None) -> Chunk:
    """The passage with the list its end cuts ('8 gemensamma indikatorer … 1. Andel invånare …' and the
    items 2–8 in the next passage) completed from `nxt`, the next passage of the same section: the list
    is what a 'vilka'-question asks for, and half of it answers it wrongly. Items are numbered or bulleted
    lines (enumeration's list lines); unchanged when the passage does not end in one, or the rest of the
    list is longer than MAX_LIST_TAIL."""
    from .enumeration import _list_lines_end

    if nxt is None or nxt.section != chunk.section:
        return chunk
    lines = chunk.text.rstrip().split("\n")
    last = next((i for i in range(len(lines) - 1, max(-1, len(lines) - 4), -1) if _ITEM_LINE.match(lines[i])), None)
    if last is None:
        return chunk
    on = _read_on(chunk, nxt, "\n")  # (a list's items are lines)
    if on is None:
        return chunk
    start = sum(len(x) + 1 for x in lines[:last])
    end, n = _list_lines_end(on.text, start, bullets_only=True)
    if end <= len(chunk.text.rstrip()) or end - len(chunk.text) > MAX_LIST_TAIL \
            or end - start - len(lines[last]) > MAX_LIST_TAIL:
        return chunk
    return on.upto(end)


@dataclass(frozen=True)
class _ReadOn:
    """A passage joined with the next one of its document (neighbouring passages overlap by a few words, or
    meet with only whitespace between): `text` is the two, the overlap once; `upto(end)` is the passage
    extended to `end` of that text (text, original, end and last page; id, section and start kept)."""

    chunk: Chunk
    nxt: Chunk
    sep: str
    k: int
    o_k: int
    contiguous: bool

    @property
    def text(self) -> str:
        return self.chunk.text + self.sep + self.nxt.text[self.k:]

    def upto(self, end: int) -> Chunk:
        c, nxt = self.chunk, self.nxt
        added = max(0, end - len(c.text) - len(self.sep))
        return replace(c, text=self.text[:end], original=c.original + self.sep + nxt.original[self.o_k:self.o_k + added],
                       end=nxt.start + self.o_k + added if self.contiguous or self.o_k else c.end,
                       page_end=max(c.page_end, nxt.page))


def _read_on(chunk: Chunk, nxt: Chunk, sep: str) -> _ReadOn | None:
    """`chunk` and `nxt` joined (`_ReadOn`), `sep` between them when they meet without overlap; None when
    they neither meet nor overlap."""
    contiguous = nxt.start >= chunk.end  # passages stripped at their edges: only whitespace between
    k = 0 if contiguous else _overlap(chunk.text, nxt.text)
    o_k = 0 if contiguous else _overlap(chunk.original, nxt.original)
    if k is None or o_k is None:
        return None
    return _ReadOn(chunk, nxt, sep if contiguous else "", k, o_k, contiguous)


def _sentence_completed(chunk: Chunk, nxt: Chunk | None) -> Chunk:
    """The passage with the sentence its end cuts completed from `nxt`, the next passage of its document
    (passages overlap by a few words only, so a long sentence across a boundary is whole in neither),
    and the sentence after it when that one leans back on it. Same id, section and start; text,
    original, end and last page extended to that sentence's end. The passage unchanged when its last
    sentence is whole or nothing follows."""
    if nxt is None:
        return chunk
    spans = sentence_spans(chunk.text)
    if not spans:
        return chunk
    cut = cut_at_end(chunk.text, *spans[-1])
    if not cut and (nxt.section != chunk.section or not leans_back(nxt.text[:MAX_UNIT_CHARS])):
        return chunk  # whole, and the next passage does not go on from it
    on = _read_on(chunk, nxt, " ")
    if on is None:
        return chunk
    joined = on.text
    spans = sentence_spans(joined)
    i = next((i for i, (a, b) in enumerate(spans) if b > len(chunk.text)), None)
    if i is None or spans[i][1] - len(chunk.text) > MAX_UNIT_CHARS:
        return chunk
    if not cut and (spans[i][0] < len(chunk.text) or not leans_back(joined[spans[i][0]:spans[i][1]])):
        return chunk
    end = spans[i][1]  # the cut sentence completed, or ('Här ser förvaltningen …' opening the next passage) the one leaning back
    if cut and i + 1 < len(spans) and leans_back(joined[spans[i + 1][0]:spans[i + 1][1]]) \
            and spans[i + 1][1] - len(chunk.text) <= MAX_UNIT_CHARS:
        end = spans[i + 1][1]  # 'På motsvarande sätt …' says nothing without the completed sentence
    return on.upto(end)


@lru_cache(maxsize=8)
def _name_regex(known: tuple[str, ...]) -> re.Pattern:
    """Words naming one of the `known` nämnder with a body word, for the Scorer (built once per catalogue)."""
    from .analyse import namnd_keys

    keys = sorted({k for n in known for k in namnd_keys(n)}, key=len, reverse=True)
    return re.compile(r"^(" + "|".join(map(re.escape, keys)) + r")s?(namnd|forvaltning|stadsdels|styrelse)\w*$") \
        if keys else re.compile(r"(?!)")


@lru_cache(maxsize=1)
def _bound_suffixes() -> frozenset[str]:
    """taxonomy.yaml `bound_suffixes`, stemmed as compound parts are."""
    from index.corpus import _stem

    from .analyse import taxonomy_words

    return frozenset(_stem(w) for w in taxonomy_words("bound_suffixes"))


def _linking_s(word: str) -> list[int]:
    """Where a compound's tail may start after a linking s ('trygghets|rad' -> 9), rightmost first: an s
    after a head of four letters or more, three or more letters before the end, not a doubled s (a head
    ending in s takes none: 'säkerhets|samordnare')."""
    return [i for i in range(len(word) - 3, 4, -1) if word[i - 1] == "s" and word[i - 2] != "s"]


def compound_parts(corpus: Corpus, word: str, seam_only: bool = False) -> list[str]:
    """A (folded or stemmed) compound as the two stemmed parts the corpus has ('resursbehov' -> 'resur',
    'behov'; a linking s dropped), split at a linking s first, then anywhere with the longest head first;
    [] when it does not split so. `seam_only`: only
    at a linking s ('samordnings|ansvar' -> 'samordning', 'ansv'), each part standing in other words of
    the corpus than this one (a word the corpus has: 'samordningsan' + 'svar' would be a split too)."""
    from index.corpus import _stem

    # at a linking s first ('trygghets|arb' of 'trygghetsarbetet', whose tail may be a three-letter stem), then
    # anywhere, the longest head first
    # (a head ending in s takes no linking s: 'säkerhets|samordnare' splits as 'säkerhet' + 'samordnare', not
    # 'säkerhets' + 'amordnare')
    seams = [(_stem(word[:i - 1]), _stem(word[i:])) for i in _linking_s(word)]
    splits = seams if seam_only else list(dict.fromkeys(seams + [
        (_stem(head), _stem(word[i:])) for i in range(len(word) - 4, 3, -1)
        for head in dict.fromkeys((word[:i], word[:i - 1] if word[i - 1] == "s" else word[:i])) if len(head) >= 4]))
    if not splits:
        return []
    splits = [(a, b) for a, b in splits if len(a) >= 4 and len(b) >= 3]  # 'för'+'eningsliv' is no split of 'föreningsliv'
    # a derivational suffix is no word of its own ('reserv'+'ation' is no compound of 'reservation')
    splits = [(a, b) for a, b in splits if b not in _bound_suffixes()]
    if not splits:
        return []
    df = corpus.term_stats([word, *(p for pair in splits for p in pair)]).df
    n = df.get(word, 0) if seam_only else 0
    return next(([a, b] for a, b in splits if df.get(a, 0) > n and df.get(b, 0) > n), [])


def linking_seams(corpus: Corpus, terms: Sequence[str]) -> dict[str, int]:
    """Where a compound term's linking s stands ('trygghets|rad' -> 8): the last s after a head the corpus
    has as a word of its own ('trygghet'), with three letters or more after it; for `matches`, so that
    'trygghetsråd' is no 'trygghetsprogrammet'. Terms shorter than COMPOUND_MIN have none."""
    from index.corpus import _stem

    cands = {t: [(i - 1, _stem(t[:i - 1])) for i in _linking_s(t)] for t in terms if len(t) >= COMPOUND_MIN}
    heads = {h for cs in cands.values() for _, h in cs}
    if not heads:
        return {}
    df = corpus.term_stats(sorted(heads)).df
    return {t: next(i for i, h in cs if df.get(h)) for t, cs in cands.items() if any(df.get(h) for _, h in cs)}


HEAD_TERM_LEN = 4  # a stem this short matches as a prefix only (index.corpus.term_matches), never inside a compound
WORD_ZIPF = 1.0  # a form this common in Swedish at large (wordfreq) is a word of its own, not a compound's tail


def compound_head(corpus: Corpus, term: str, word: str) -> str:
    """The stem of a short word the corpus has only as the head of compounds, with the linking s before it
    ('vakterna' -> 'svakt', carried by 'ordningsvakterna'), for a four-letter stem in no passage of its
    own; '' otherwise. The s and the word must not make another Swedish word ('kola' -> 'skola'), so that
    the match stays at a seam."""
    from wordfreq import zipf_frequency

    if len(term) != HEAD_TERM_LEN or zipf_frequency("s" + word.lower(), "sv") >= WORD_ZIPF:
        return ""
    head = "s" + term
    return head if corpus.term_stats([head]).df.get(head) else ""


def body_kin(term: str) -> tuple[str, ...]:
    """The same bodies by another body word (taxonomy.yaml `body_heads`): a compound term ending in one
    stands for its modifier with the others, and for the modifier alone when that is a word of six letters or
    more ('stadsdelsnamnd' -> 'stadsdelsforvaltning', 'stadsdel': the documents say 'stadsdelarna';
    'facknamnd' -> 'fackforvaltning', not 'fack', which 'fackliga' starts)."""
    from .analyse import taxonomy_words

    heads = taxonomy_words("body_heads")
    for h in heads:
        if term.endswith(h) and len(term) >= len(h) + 4:
            mod = term[:-len(h)]
            base = mod[:-1] if mod.endswith("s") and not mod.endswith("ss") else mod
            return tuple([mod + o for o in heads if o != h] + ([base] if len(base) >= 6 else []))
    return ()


def _overlap(a: str, b: str, longest: int = 400, shortest: int = 12) -> int | None:
    """How many leading characters of `b` repeat the end of `a` (neighbouring passages overlap): the
    longest such run of at least `shortest`; None when none does."""
    for k in range(min(longest, len(a), len(b)), shortest - 1, -1):
        if a.endswith(b[:k]):
            return k
    return None


_COORDINATED = re.compile(r"(\w{2,})- (?:och|eller|samt|respektive) (\w{5,})")


_HYPHENS = ("-", "\ufe63", "\uff0d")  # the characters `fold` turns into or keeps as '-'


@lru_cache(maxsize=1 << 18)
def fold_word(word: str) -> str:
    """`fold` of one word, remembered: the scorers fold the same words millions of times (Jämför over
    100k passages: 3.6M calls)."""
    return fold(word)


def coordinated_compounds(text: str) -> set[str]:
    """The compounds a coordination leaves implied, folded: 'mål- och intressekonflikter' says
    'målkonflikter' too. The second word's head is not marked, so every tail of four letters or more is
    tried ('malntressekonflikter' … 'malkonflikter' … 'malter'); only a topic term can match one."""
    if not any(h in text for h in _HYPHENS):
        return set()  # no coordination without a hyphen (the common case: no fold of the whole text)
    out = set()
    for m in _COORDINATED.finditer(fold(text.lower())):
        first, second = m.group(1), m.group(2)
        out.update(first + second[i:] for i in range(1, len(second) - 3))
    return out


def _with_list(text: str, a: int, b: int) -> int:
    """The end of the list that the sentence text[a:b], ending in a colon, introduces (its lines
    after it); `b` when no list follows (the intro alone is no quote)."""
    from .enumeration import list_end

    e = list_end(text, a, b)
    return e if e is not None and e > b else b


def evidence_units(text: str) -> list[tuple[int, int]]:
    """The spans evidence is scored on: every sentence, and a sentence joined
    with the next when that one leans back on it (it says nothing alone)."""
    spans = sentence_spans(text)
    out = list(spans)
    for (a, _), (c, d) in zip(spans, spans[1:]):
        if d - a <= MAX_UNIT_CHARS and leans_back(text[c:d]):
            out.append((a, d))
    return out


def matches(term: str, word: str, seam: int | None = None) -> bool:
    """`index.corpus.term_matches`, plus derivations that stemming keeps apart:
    a long term matches a word sharing all but its last three letters
    ('kommunicer' ~ 'kommunikation', 'samordn' ~ 'samordningsansvar'; past the compound's linking s at
    `seam`, at least three more: 'säkerhetsråd' is no 'säkerhetsarbete'), and a
    noun in -ning the words of its verb's root of five letters or more
    ('forskning' ~ 'forskare', 'invandning' ~ 'invander', 'bedomning' ~ 'bedomde')."""
    if term_matches(term, word):
        return True
    n = max(6, len(term) - 3)
    if seam is not None:  # the term's linking s ('sakerhets|rad'): the head is shared by other compounds
        n = max(n, seam + 4)  # ('säkerhetsarbete'), so the tail's start is shared too
    if len(term) >= 7 and len(word) >= n and word[:n] == term[:n]:
        return True
    root = len(term) - 4
    return root >= 5 and term.endswith("ning") and len(word) >= root + 2 and word[:root] == term[:root]


FOLDED_WORD_ZIPF = 4.0  # a folded form this common in Swedish at large is a word of its own ('bra' of 'brå')


@lru_cache(maxsize=4096)
def _folds_onto_word(word: str) -> bool:
    """Does the lower-case word fold onto another common Swedish word ('brå' -> 'bra', 'råd' -> 'rad',
    'män' -> 'man'), so that folded text cannot tell them apart?"""
    from wordfreq import zipf_frequency

    folded = fold(word)
    return folded != word and zipf_frequency(folded, "sv") >= FOLDED_WORD_ZIPF


def _inflects(written: str, base: str) -> bool:
    """Is `written` the lower-case word `base` or an inflection of it (taxonomy.yaml `inflection_endings`:
    'rådet', 'Brå:s'), not another word it begins ('bråk')?"""
    from .analyse import taxonomy_words

    return written == base or (written.startswith(base) and written[len(base):] in taxonomy_words("inflection_endings"))


@lru_cache(maxsize=1)
def _verb_particles() -> tuple[str, ...]:
    """taxonomy.yaml `verb_particles`, folded."""
    from .analyse import taxonomy_words

    return tuple(fold(p) for p in taxonomy_words("verb_particles"))


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, list[str]]:
    """taxonomy.yaml `colloquial_synonyms` as topic terms: everyday term -> the documents' terms."""
    from .analyse import taxonomy_data

    out: dict[str, list[str]] = {}
    for word, alts in (taxonomy_data().get("colloquial_synonyms") or {}).items():
        for t in topic_terms(str(word)):
            out.setdefault(t, []).extend(x for a in alts for x in topic_terms(str(a)))
    return out


def topic_terms(topic: str) -> list[str]:
    """Content terms of a topic: folded, stopwords dropped, Swedish stems, unique."""
    return list(dict.fromkeys(map(_without_definite_et, analyze(topic))))


_DOUBLED = re.compile(r"([bcdfghjklmnpqrstvwxz])\1$")


def _without_definite_et(term: str) -> str:
    """A stem still in the neuter definite form, which the Snowball stemmer leaves whole ('syftet',
    'arbetet', 'ansvaret', 'programmet'), as the word's root ('syft', 'arbet', 'ansvar', 'program'),
    so that it matches the indefinite form and the other inflections as a prefix."""
    if len(term) >= 6 and term.endswith("et") and not term.endswith("het"):
        root = term[:-2]
        return _DOUBLED.sub(r"\1", root) if len(root) >= 5 else root
    return term


@dataclass(frozen=True)
class Scored:
    """One sentence of a passage with its evidence scores."""

    chunk: Chunk
    start: int
    end: int
    lex: float  # IDF-weighted share of the topic's terms in the sentence (0..1)
    dense: float  # the passage's semantic support (0..1)
    z: float  # the passage's cosine as a z-score against the corpus
    found: frozenset[str] = frozenset()  # topic terms the sentence contains
    rank: int = 0  # retrieval rank of the passage (0 = not from a search)

    @property
    def rel(self) -> float:
        return LEX_WEIGHT * self.lex + DENSE_WEIGHT * self.dense

    @property
    def text(self) -> str:
        return normalize_ws(self.chunk.text[self.start:self.end])

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.chunk.id, self.start, self.end)


@dataclass
class Scorer:
    """Scores sentences against one topic over one corpus (built once per question)."""

    corpus: Corpus
    topic: str
    dense_text: str = ""  # what the dense part compares passages with (default: the topic)
    terms: list[str] = field(init=False)
    idf: dict[str, float] = field(init=False)
    df: dict[str, int] = field(init=False)  # passages holding each term
    absent: frozenset[str] = field(init=False, default=frozenset())
    _qvec: np.ndarray | None = field(init=False, default=None)
    _stats: tuple[float, float] = field(init=False, default=(0.0, 0.0))
    _names_rx: re.Pattern | None = field(init=False, default=None)
    _passages: dict = field(init=False, default_factory=dict)  # doc_id -> {passage id: the next passage}, read once
    _parts: dict = field(init=False, default_factory=dict)  # compound term -> its two parts the corpus has
    _all_parts: frozenset = field(init=False, default=frozenset())  # every compound term's parts
    _word_match: dict = field(init=False, default_factory=dict)  # folded word -> (terms, parts) it matches
    _word_is_name: dict = field(init=False, default_factory=dict)  # folded word -> does it name a nämnd
    _alts: dict = field(init=False, default_factory=dict)  # term -> its particle compound ('folj' -> 'uppfolj')
    _exact: dict = field(init=False, default_factory=dict)  # term -> the word as written ('bra' -> 'brå')
    _seams: dict = field(init=False, default_factory=dict)  # compound term -> index of its linking s
    _kin: dict = field(init=False, default_factory=dict)  # body term -> the same bodies by another body word

    def __post_init__(self) -> None:
        self.terms = [t for t in topic_terms(self.topic) if not self._names().match(t)]  # 'kulturförvaltningen' names, is no topic
        stats = self.corpus.term_stats(self.terms) if self.terms else None
        if stats and any(not stats.df.get(t) for t in self.terms):
            heads = {t: h for w in words(self.topic) for t in topic_terms(w)
                     if t in self.terms and not stats.df.get(t) and (h := compound_head(self.corpus, t, w))}
            self.terms = list(dict.fromkeys(p for t in self.terms for p in
                                            ([t] if stats.df.get(t) else [heads[t]] if t in heads
                                             else compound_parts(self.corpus, t) or [t])))
            stats = self.corpus.term_stats(self.terms)
        if stats and any(not stats.df.get(t) and t in _synonyms() for t in self.terms):
            # 'jobb' in no passage: the documents say 'arbet' (taxonomy.yaml `colloquial_synonyms`)
            self.terms = list(dict.fromkeys(s for t in self.terms for s in
                                            ([t] if stats.df.get(t) or t not in _synonyms() else _synonyms()[t])))
            stats = self.corpus.term_stats(self.terms)
        # 'uppfölj' of 'följas upp' is another form of 'följ': either counts, as the one term
        particles = _verb_particles()
        self._alts = {b: a for a in self.terms for b in self.terms
                      if a != b and a.startswith(particles) and any(a == p + b for p in particles)}
        if self._alts:
            self.terms = [t for t in self.terms if t not in self._alts.values()]
            stats = self.corpus.term_stats(self.terms)
        self.idf = {t: stats.idf(t) for t in self.terms} if stats else {}
        self.df = {t: stats.df.get(t, 0) for t in self.terms} if stats else {}
        self.absent = frozenset(t for t in self.terms if stats and not stats.df.get(t))  # in no passage at all
        # 'Brå' is no 'bra', 'råd' no 'rad': a word that folds onto another common word is matched as written
        self._exact = {t: lw for w in words(self.topic) if (lw := w.lower()) != fold(lw) and _folds_onto_word(lw)
                       for t in topic_terms(w) if t in self.terms}
        # 'välfärdsbrott' is also said as 'brottslighet … mot välfärdssystemen': both parts in one sentence
        self._parts = {t: ps for t in self.terms if len(t) >= COMPOUND_MIN
                       and (ps := compound_parts(self.corpus, t, seam_only=bool(self.df.get(t))))}
        self._all_parts = frozenset(p for ps in self._parts.values() for p in ps)
        # where a compound's linking s stands ('sakerhets|rad'), for `matches`
        self._seams = {t: i - 1 for t, ps in self._parts.items() if (i := t.find(ps[1], 4)) > 0 and t[i - 1] == "s"}
        self._seams.update(linking_seams(self.corpus, [t for t in self.terms if t not in self._seams]))
        self._kin = {t: kin for t in self.terms if (kin := body_kin(t))}
        dense_text = self.dense_text or self.topic
        if dense_text.strip() and len(self.corpus):
            self._qvec = self.corpus.embed_query(dense_text)
            self._stats = self.corpus.similarity_stats(self._qvec)

    # -- parts
    @property
    def written(self) -> bool:
        """Has the topic a word matched as written ('Brå')?"""
        return bool(self._exact)

    def writes(self, text: str) -> bool:
        """Does `text` write one of the topic's words matched as written ('Brå', 'Brå:s')?"""
        ws = {w.lower() for w in words(text)}
        return any(_inflects(w, base) for base in self._exact.values() for w in ws)

    def coverage(self, text: str) -> tuple[float, frozenset[str]]:
        """(IDF-weighted share of topic terms in `text`, the terms found)."""
        total = sum(self.idf.values())
        if not total:
            return 0.0, frozenset()
        ws = ({fold_word(w) for w in words(text)} | coordinated_compounds(text)) - self.name_words(text)
        hit: set[str] = set()
        parts_hit: set[str] = set()
        for w in ws:  # what each word matches, worked out once per word and question
            known = self._word_match.get(w)
            if known is None:
                known = self._word_match[w] = (frozenset(t for t in self.terms if matches(t, w, self._seams.get(t))
                                                     or (t in self._alts and matches(self._alts[t], w))
                                                     or any(matches(k, w) for k in self._kin.get(t, ()))),
                                               frozenset(p for p in self._all_parts if matches(p, w)))
            hit |= known[0]
            parts_hit |= known[1]
        found = frozenset(t for t in self.terms if t in hit
                          or (t in self._parts and all(p in parts_hit for p in self._parts[t])))
        if self._exact and found & self._exact.keys():
            written = {w.lower() for w in words(text)}
            found = frozenset(t for t in found if t not in self._exact or any(_inflects(w, self._exact[t]) for w in written))
        return sum(self.idf[t] for t in found) / total, found

    def kinds_named(self, text: str, terms: Iterable[str]) -> int:
        """How many distinct words of `text` name a kind of one of `terms` (a listed noun's), the term as a
        compound's head ('rutinaktivitetsteorin', 'windows-teorin' for 'teori'), not the word itself ('teorier')."""
        tokens = re.findall(r"\w+(?:-\w+)*", fold(text.lower()))  # hyphenated compounds whole
        return len({w for w in tokens for t in terms if len(t) >= 4 and t in w[1:] and not w.startswith(t)})

    def completed(self, chunk: Chunk) -> Chunk:
        """`completed(chunk, the passages after it)`, the document's passages read once per question."""
        following = self._passages.get(chunk.doc_id)
        if following is None:
            try:
                doc = self.corpus.passages(chunk.doc_id)
            except Exception:  # noqa: BLE001 - a store without passage access: the passage as it is
                doc = []
            following = self._passages[chunk.doc_id] = {a.id: doc[i + 1:i + 1 + MAX_LIST_PASSAGES]
                                                         for i, a in enumerate(doc)}
        return completed(chunk, *following.get(chunk.id, ()))

    def name_words(self, text: str) -> set[str]:
        """The words of `text` that name a nämnd of the corpus with its body word ('Kyrkogårdsförvaltningen',
        'kyrkogårdsnämnden'): they say who writes, not what about, so they cover no topic term
        ('kyrkogårdarna' is not covered by the author's name)."""
        rx = self._names()
        is_name = self._word_is_name
        out = set()
        for x in words(text):
            w = fold_word(x.lower())
            named = is_name.get(w)
            if named is None:
                named = is_name[w] = bool(rx.match(w))
            if named:
                out.add(w)
        return out

    def _names(self) -> re.Pattern:
        """A nämnd's distinctive word with its body word ('kyrkogardsforvaltningen', 'kulturnamnd')."""
        if self._names_rx is None:
            try:
                known = tuple(sorted(self.corpus.facets().get("namnd", {})))
            except Exception:  # noqa: BLE001 - a corpus without facets names no one
                known = ()
            self._names_rx = _name_regex(known)
        return self._names_rx

    def passage_z(self, chunks: Sequence[Chunk]) -> np.ndarray:
        """Each passage's cosine with the topic as a z-score against the corpus."""
        if self._qvec is None or not chunks:
            return np.zeros(len(chunks), dtype=np.float32)
        cos = self.corpus.similarity(self._qvec, [c.id for c in chunks])
        mean, sd = self._stats
        return (cos - mean) / sd if sd > 1e-9 else np.zeros_like(cos)

    # -- the scorer
    def sentences(self, chunks: Sequence[Chunk], ranks: Sequence[int] | None = None, *,
                  quotable_only: bool = True, joined: bool = False) -> list[Scored]:
        """Every sentence of the passages, scored; each distinct sentence once
        (neighbouring passages overlap), keeping its best-supported occurrence.
        `joined`: also a sentence together with the next one when that one leans
        back on it (`evidence_units`; for answers that quote content, not for
        phrasing, which compares formulations sentence by sentence)."""
        chunks = [self.completed(c) for c in chunks] if quotable_only else list(chunks)
        z = self.passage_z(chunks)
        best: dict[str, Scored] = {}
        order: list[str] = []
        for i, chunk in enumerate(chunks):
            dense = float(np.clip(z[i], 0.0, Z_FULL) / Z_FULL)
            for a, b in (evidence_units(chunk.text) if joined else sentence_spans(chunk.text)):
                listed = quotable_only and chunk.text[a:b].rstrip().endswith(":")
                if listed:  # '… värna fyra övergripande områden:' with its items (a list ends where its items do)
                    b = _with_list(chunk.text, a, b)
                text = chunk.text[a:b]
                if len(words(text)) < MIN_SENTENCE_WORDS or (quotable_only and not quotable(text)) \
                        or _is_heading(text, chunk.section) or (quotable_only and (
                            cut_at_start(chunk.text, a) or (not listed and cut_at_end(chunk.text, a, b)))):
                    continue
                lex, found = self.coverage(text)
                s = Scored(chunk, a, b, lex, dense, float(z[i]), found, ranks[i] if ranks else 0)
                norm = normalize_ws(text)
                if norm not in best:
                    order.append(norm)
                    best[norm] = s
                elif s.rel > best[norm].rel:
                    best[norm] = s
        return [best[t] for t in order]

    def rank(self, scored: Iterable[Scored]) -> list[Scored]:
        return sorted(scored, key=lambda s: (-s.rel, -s.lex, s.rank or 10 ** 6, s.chunk.id, s.start))

    def answerability(self, ranked: Sequence[Scored], top: int = 5) -> dict[str, float]:
        """Features of the best evidence for the abstention decision:
        best      relevance of the best sentence
        lex       lexical coverage of the best-covering sentence among the top ones
        z         best passage z-score among them
        missing   IDF share of topic terms that no top sentence contains
        rare_gap  the highest IDF of a topic term no top sentence contains,
                  relative to the highest IDF of any topic term (0 = none missing)
        absent    IDF share of topic terms that occur in no passage of the corpus"""
        head = list(ranked[:top])
        found = set().union(*(s.found for s in head)) if head else set()
        total = sum(self.idf.values()) or 1.0
        missing = [t for t in self.terms if t not in found]
        max_idf = max(self.idf.values(), default=0.0) or 1.0
        return {
            "best": head[0].rel if head else 0.0,
            "lex": max((s.lex for s in head), default=0.0),
            "z": max((s.z for s in head), default=0.0),
            "missing": sum(self.idf[t] for t in missing) / total if self.terms else 0.0,
            "rare_gap": max((self.idf[t] for t in missing), default=0.0) / max_idf,
            "absent": sum(self.idf[t] for t in self.absent) / total if self.terms else 0.0,
        }


# ------------------------------------------------------------------ calibrated decision

@dataclass(frozen=True)
class Calibration:
    """A logistic model over `Scorer.answerability` features, fitted on the dev
    split of the answer set (eval/calibrate.py) and stored as data."""

    weights: dict[str, float]
    bias: float
    threshold: float  # answer when p(answerable) >= threshold

    def probability(self, features: dict[str, float]) -> float:
        x = self.bias + sum(w * features.get(k, 0.0) for k, w in self.weights.items())
        return float(1.0 / (1.0 + np.exp(-x)))

    def answerable(self, features: dict[str, float]) -> bool:
        return self.probability(features) >= self.threshold


@lru_cache(maxsize=1)
def calibration() -> Calibration:
    data = yaml.safe_load(resources.files("assistant").joinpath("abstention.yaml").read_text(encoding="utf-8"))
    return Calibration({k: float(v) for k, v in data["weights"].items()}, float(data["bias"]),
                       float(data["threshold"]))
