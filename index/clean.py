"""OCR diacritic repair for Swedish text that lost its å/ä/ö.

Some scanned PDFs come out of OCR with 'Förvaltningen' as 'Forvaltningen' or
'FOrvaltningen', 'är' as '&r' or 'ar', 'öka' as '6ka' or 'dka', 'gäller' as
'géller', 'avgränsningarna' as 'avgréansningarna', 'I programmet' as
'| programmet'. Such text neither matches queries lexically nor embeds well.

Approach (pure functions, no IO):
  * Lexicon: wordfreq's Swedish list (word -> Zipf frequency), indexed by a
    *skeleton* in which å/ä -> a and ö -> o, so one lookup returns every
    diacritic variant of a stripped word.
  * Confusion table: each OCR character expands to the letters it may stand
    for (a -> a/å/ä, o -> o/ö, é -> é/ä/å/ö, & -> ä/å, 6 -> ö, d -> d/ä/å/ö,
    and two-character smears like 'éa', 'é&', 'd&', 'oé' -> one letter).
    A candidate must match the token position by position.
  * A candidate replaces the token only when it is clearly more frequent
    (see `_accept`); unknown compounds are split into a known head and a
    repairable tail ('stadsdels' + 'förvaltningarnas').
  * Detection is per document: the damage score is the share of word tokens
    that the word repair would change. Clean Swedish scores ~0, so clean
    documents are returned untouched; precision beats recall throughout.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property, lru_cache

# Tokens: runs of letters/digits plus '&' (an OCR stand-in for ä/å).
_TOKEN = re.compile(r"(?:[^\W_]|&)+")
_YEAR = re.compile(r"\s+(?:1[89]|20)\d\d\b")
_SKELETON = str.maketrans("åäö", "aao")

MIN_TOKENS = 20  # below this a document is too short to judge
DAMAGE_THRESHOLD = 0.05  # clean corpus files score < 0.01, the OCR file ~0.25
MAX_VARIANTS = 256  # candidate readings (slot lists) tried per token
# Longest token the repair looks at. The longest word in wordfreq's Swedish
# list has 33 letters, the longest in the corpus ~30 ('stadsdelsnämndsförvaltningen'
# style compounds); 40 leaves room for a compound plus an OCR smear. Longer
# runs are glued words or junk (some PDF exports drop every space): never
# repaired, so no token costs more than a bounded amount of work.
MAX_REPAIR_LETTERS = 40

# Two-character OCR smears of one diacritic letter ('avgréansningarna').
_PAIRS = frozenset({"éa", "aé", "oé", "é&", "&é", "&a", "a&", "d&", "dé"})
_AA = ("a", frozenset("äå"))  # (skeleton char, letters a slot may become)
_OO = ("o", frozenset("ö"))
# Domain words the general lexicon ranks too low to be trusted as repairs.
_EXTRA = {"tjänsteutlåtande": 3.0}


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
    """(word -> zipf, skeleton -> words). Loaded once (~1 s)."""
    import math

    from wordfreq import get_frequency_dict

    lex = {w: round(math.log10(f * 1e9), 2) for w, f in get_frequency_dict("sv").items() if w.isalpha()}
    lex.update(_EXTRA)
    index: dict[str, list[str]] = {}
    for w in lex:
        index.setdefault(w.translate(_SKELETON), []).append(w)
    return lex, {k: tuple(v) for k, v in index.items()}


@lru_cache(maxsize=1)
def _skeletons() -> list[str]:
    """Every lexicon skeleton, sorted: a reading whose skeleton is no prefix of
    one of them cannot become a word, so `_slots` drops it early."""
    return sorted(_lexicon()[1])


def _is_prefix(prefix: str) -> bool:
    sk = _skeletons()
    i = bisect_left(sk, prefix)
    return i < len(sk) and sk[i].startswith(prefix)


_A_SLOT = ("a", frozenset("aåä"), False)
_O_SLOT = ("o", frozenset("oö"), False)
_E_SLOTS = (("é", frozenset("é"), False), (*_AA, False), (*_OO, False))
_D_SLOTS = (("d", frozenset("d"), False), (*_AA, True), (*_OO, True))
_SMEAR_SLOTS = ((*_AA, False), (*_OO, False))


def _slots(word: str) -> list[list[tuple[str, frozenset, bool]]]:
    """Readings of a lower-case token through the confusion table that can be
    lexicon words, at most MAX_VARIANTS of them. A reading is one slot per
    output letter: (skeleton char, letters allowed there, whether it reads a
    'd' as ä/ö/å). Smears ('éa') give shorter readings. An iterative
    depth-first walk (the order a recursive one would take) that drops a
    partial reading as soon as its skeleton starts no lexicon word: cost is
    bounded by MAX_VARIANTS * len(word) prefix checks whatever the token, and
    no input can exhaust the stack."""
    out: list[list[tuple[str, frozenset, bool]]] = []
    # (position, slots so far, their skeleton, a 'd' was read as ä/ö/å)
    stack: list[tuple[int, tuple, str, bool]] = [(0, (), "", False)]
    budget = MAX_VARIANTS * max(1, len(word))  # partial readings expanded, at most
    while stack and len(out) < MAX_VARIANTS and budget > 0:
        budget -= 1
        i, acc, skel, dsub = stack.pop()
        if i == len(word):
            out.append(list(acc))
            continue
        opts: tuple = ()
        if word[i : i + 2] in _PAIRS:  # smear: two chars read as one letter
            opts = tuple((i + 2, o) for o in _SMEAR_SLOTS)
        c = word[i]
        if c == "a":
            one = (_A_SLOT,)
        elif c == "o":
            one = (_O_SLOT,)
        elif c == "é":
            one = _E_SLOTS
        elif c == "&":
            one = ((*_AA, False),)
        elif c == "6":
            one = ((*_OO, False),)
        elif c == "d" and not dsub:  # at most one d -> ä/ö/å
            one = _D_SLOTS
        else:
            one = ((c.translate(_SKELETON), frozenset(c), False),)
        opts += tuple((i + 1, o) for o in one)
        nxt = [(j, acc + (o,), skel + o[0], dsub or o[2]) for j, o in opts if _is_prefix(skel + o[0])]
        stack.extend(reversed(nxt))  # first option on top: explored first
    return out


@lru_cache(maxsize=65536)
def _best(word: str) -> tuple[str, float, bool]:
    """Most frequent lexicon word (other than `word`) the token may stand for:
    (candidate, zipf, used a d-substitution). ('', 0, False) if none."""
    lex, index = _lexicon()
    best = ("", 0.0, False)
    for slots in _slots(word):
        for cand in index.get("".join(s[0] for s in slots), ()):
            if cand == word or len(cand) != len(slots):
                continue
            if not all(ch in s[1] for ch, s in zip(cand, slots)):
                continue
            dsub = [ch for ch, s in zip(cand, slots) if s[2] and ch != "d"]
            # 'd' mostly stands for ä/ö ('dka' is 'öka', not 'åka'): handicap å
            f = lex[cand] - (1.0 if "å" in dsub else 0.0)
            if f > best[1]:
                best = (cand, f, bool(dsub))
    return best


def _accept(word: str, f0: float, cand: str, f1: float, dsub: bool) -> bool:
    """Thresholds (Zipf units; +1.0 = ten times as frequent)."""
    if not cand:
        return False
    if any(c in "&6" for c in word) or ("é" in word and f0 == 0):
        return f1 >= 1.0  # OCR junk is never a word: any known reading wins
    if dsub:  # 'd' is a real letter: only fix rare/unknown words, by a wide margin
        return f0 < 2.5 and f1 >= max(f0 + 1.5, 2.0)
    if f0 == 0:
        return f1 >= 1.5
    return f1 >= f0 + 1.0  # 'for' -> 'för', 'mal' -> 'mål', 'sa' -> 'så'


@lru_cache(maxsize=65536)
def _repair_lower(word: str, depth: int = 0) -> str:
    """Repair one lower-case token; returns it unchanged when unsure."""
    if len(word) > MAX_REPAIR_LETTERS:
        return word
    lex, _ = _lexicon()
    f0 = lex.get(word, 0.0)
    cand, f1, dsub = _best(word)
    if _accept(word, f0, cand, f1, dsub):
        return cand
    if f0 > 0 or depth > 1 or len(word) < 7:
        return word
    # Unknown word: genitive/linking 's' ('förvaltningarna' + 's') ...
    if word.endswith("s"):
        stem = _repair_lower(word[:-1], depth + 1)
        if stem != word[:-1] and stem in lex:
            return stem + "s"
    # ... or a compound: common head + known tail, longest tail first; at
    # least one part must change ('trygghets' + 'omradet', 'aldre' + 'perspektiv').
    for i in range(3, len(word) - 3):
        head, tail = word[:i], word[i:]
        new_tail = _repair_lower(tail, depth + 1)
        if new_tail not in lex and not (new_tail.endswith("s") and new_tail[:-1] in lex):
            continue
        new_head = _repair_lower(head, depth + 1)
        if new_head == head and new_tail == tail:
            continue
        h = max(lex.get(new_head, 0.0), lex.get(new_head[:-1], 0.0) if new_head.endswith("s") else 0.0)
        if h >= 2.5:  # heads must be common words ('stadsdel', 'trygghet')
            return new_head + new_tail
    return word


def _digits_ok(token: str) -> bool:
    """Digits are only touched as '6' for 'ö' inside a letter word ('6ka')."""
    if not any(c.isdigit() for c in token):
        return True
    return sum(c.isalpha() for c in token) >= 2 and all(c.isalpha() or c in "6&" for c in token)


def repair_word(word: str) -> str:
    """Repair a single token, keeping its case pattern ('FOrvaltningen' ->
    'Förvaltningen', 'Arendet' -> 'Ärendet'). Acronyms are left alone."""
    if len(word) > MAX_REPAIR_LETTERS:
        return word  # glued words or junk, not one word: leave it (bounded cost)
    letters = [c for c in word if c.isalpha()]
    if len(word) < 2 or not letters or not _digits_ok(word):
        return word
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word  # EAV, NOA, ANDT
    if any(c.isupper() and c != "O" for c in word[1:]):
        return word  # mixed case other than OCR's mid-word 'O' for 'ö'
    new = _repair_lower(word.lower())
    if new == word.lower():
        return word
    return new[0].upper() + new[1:] if word[0].isupper() else new


@dataclass(frozen=True)
class Edit:
    start: int  # offsets into the ORIGINAL text
    end: int
    original: str
    replacement: str


class _SpanMap:
    """Maps positions through sorted, non-overlapping (src_a, src_b, dst_a,
    dst_b) edit spans by binary search: O(log edits) per position, so mapping
    every chunk of a long repaired document stays O(n log n), not quadratic.
    Text outside edits shifts; a position strictly inside an edit snaps
    outward to the edit's border, so an edit partly inside a span maps whole."""

    def __init__(self, spans: list[tuple[int, int, int, int]]):
        self.spans = spans
        self.starts = [s[0] for s in spans]

    def pos(self, p: int, is_end: bool) -> int:
        j = bisect_left(self.starts, p)  # spans[:j] start before p
        if j:
            sa, sb, da, db = self.spans[j - 1]
            if p < sb:
                return db if is_end else da  # inside an edit
        if j < len(self.spans) and self.spans[j][0] == p:
            return self.spans[j][2]
        return p + (self.spans[j - 1][3] - self.spans[j - 1][1] if j else 0)

    def map(self, start: int, end: int) -> tuple[int, int]:
        return self.pos(start, False), self.pos(end, True)


@dataclass(frozen=True)
class Repair:
    text: str
    edits: tuple[Edit, ...]
    damaged: bool
    score: float

    def to_original_span(self, start: int, end: int) -> tuple[int, int]:
        """[start, end) of the repaired text -> span of the original text."""
        return self._to_original.map(start, end)

    def to_repaired_span(self, start: int, end: int) -> tuple[int, int]:
        """[start, end) of the original text -> span of the repaired text."""
        return self._to_repaired.map(start, end)

    def _spans(self) -> list[tuple[int, int, int, int]]:
        """(orig_start, orig_end, repaired_start, repaired_end) per edit."""
        out, shift = [], 0
        for e in self.edits:
            out.append((e.start, e.end, e.start + shift, e.start + shift + len(e.replacement)))
            shift += len(e.replacement) - len(e.original)
        return out

    # computed once per Repair (not per chunk); cached_property writes to the
    # instance __dict__ directly, which a frozen dataclass allows
    @cached_property
    def _to_repaired(self) -> _SpanMap:
        return _SpanMap(self._spans())

    @cached_property
    def _to_original(self) -> _SpanMap:
        return _SpanMap([(da, db, sa, sb) for sa, sb, da, db in self._spans()])


def _word_tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text) if len(t) >= 2 and any(c.isalpha() for c in t)]


def lexicon_share(text: str) -> float:
    """Share of word tokens (len >= 2, with a letter; OCR junk like '&r' and
    '6ka' counts as a miss) found in the Swedish lexicon."""
    lex, _ = _lexicon()
    toks = _word_tokens(text)
    return sum(t.lower() in lex for t in toks) / len(toks) if toks else 1.0


CHECK_EVERY = 4096  # tokens between calls of a budget's check() (index.budget)


def damage_score(text: str, check=None) -> float:
    """Share of word tokens the word repair would change (clean Swedish ~0).
    `check()`, if given, runs every CHECK_EVERY tokens (it raises to stop)."""
    toks = _word_tokens(text)
    changed = 0
    for i, t in enumerate(toks):
        if check and i % CHECK_EVERY == 0:
            check()
        changed += repair_word(t) != t
    return changed / len(toks) if toks else 0.0


def is_damaged(text: str) -> bool:
    return len(_word_tokens(text)) >= MIN_TOKENS and damage_score(text) >= DAMAGE_THRESHOLD


_PIPE_NEXT = re.compile(r"\s+([^\W\d_])")


def _pipe_is_i(text: str, i: int) -> bool:
    """'| programmet' at a sentence start is OCR for 'I programmet'. Looks only
    at the whitespace around position i (no copies of the text: linear overall)."""
    after = _PIPE_NEXT.match(text, i + 1)
    if not after or not after.group(1).islower():
        return False
    j = i - 1
    while j >= 0 and text[j].isspace():
        j -= 1
    return j < 0 or text[j] in ".!?:"


def repair(text: str, *, force: bool = False, check=None) -> Repair:
    """Repair a damaged text (or any text with force=True). `check()`, if
    given, runs every CHECK_EVERY tokens: a time budget raises to stop."""
    score = damage_score(text, check)
    damaged = len(_word_tokens(text)) >= MIN_TOKENS and score >= DAMAGE_THRESHOLD
    if not (damaged or force):
        return Repair(text=text, edits=(), damaged=False, score=score)
    edits: list[Edit] = []
    for i, m in enumerate(_TOKEN.finditer(text)):
        if check and i % CHECK_EVERY == 0:
            check()
        tok, new = m.group(), repair_word(m.group())
        if tok.lower() == "ar" and _YEAR.match(text, m.end()):
            new = tok[0].translate(str.maketrans("aA", "åÅ")) + tok[1:]  # 'ar 2025' -> 'år 2025'
        if new != tok:
            edits.append(Edit(m.start(), m.end(), tok, new))
    edits += [Edit(i, i + 1, "|", "I") for i, c in enumerate(text) if c == "|" and _pipe_is_i(text, i)]
    edits.sort(key=lambda e: e.start)
    out, last = [], 0
    for e in edits:
        out += [text[last : e.start], e.replacement]
        last = e.end
    out.append(text[last:])
    return Repair(text="".join(out), edits=tuple(edits), damaged=damaged, score=score)
