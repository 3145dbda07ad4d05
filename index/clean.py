"""OCR diacritic repair for Swedish text that lost its å/ä/ö.

Some scanned PDFs come out of OCR with 'Förvaltningen' as 'Forvaltningen' or
'FOrvaltningen', 'är' as '&r' or 'ar', 'öka' as '6ka' or 'dka', 'gäller' as
'géller', 'avgränsningarna' as 'avgréansningarna', 'I programmet' as
'| programmet'. Such text neither matches queries lexically nor embeds well.

Approach (pure functions, no IO besides the lexicon and one small data file):
  * Lexicon: wordfreq's Swedish list (word -> Zipf frequency), indexed by a
    *skeleton* in which å/ä -> a and ö -> o, so one lookup returns every
    diacritic variant of a stripped word.
  * Confusion table: each OCR character expands to the letters it may stand
    for (a -> a/å/ä, o -> o/ö, é -> é/ä/å/ö, & -> ä/å, 6 -> ö, d -> d/ä/å/ö,
    and two-character smears like 'éa', 'é&', 'd&', 'oé' -> one letter).
    A reading must match the token position by position (`_readings`).
  * Unknown compounds are split into known parts, each restored
    ('lagesbilder' -> 'läges' + 'bilder', `_compound`).
  * Detection is per document: the damage score is the share of word tokens
    that the context-free word repair (`repair_word`, conservative: a known
    word only gives way to a reading ten times as frequent) would change.
    Clean Swedish scores ~0, so clean documents are returned untouched.
  * Repair of a damaged document is a noisy-channel choice per token among its
    readings (`_choose`): Zipf frequency of the reading
      + context cues from the neighbouring words (index/ocr_context.yaml:
        'att nå', 'som råder', 'Här kan' (no two finite verbs in a row),
        'ett år', 'bör vara', 'trygg, säker och välskött'), with word classes
        derived from wordfreq by checking inflected forms (`_classes`)
      + the document's own vocabulary (readings attested intact, or
        unambiguously repaired, elsewhere in the same document)
      - the channel cost of the restorations it needs, estimated per document
        (how many å/ä/ö were stripped, read as 'd', or survived: a document
        whose diacritics mostly survived makes every restoration expensive).
    A known word is replaced only when another reading beats it by a margin:
    precision beats recall throughout.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

# Tokens: runs of letters/digits plus '&' (an OCR stand-in for ä/å).
_TOKEN = re.compile(r"(?:[^\W_]|&)+")
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


_PLAIN = (_A_SLOT, _O_SLOT)


@lru_cache(maxsize=65536)
def _readings(word: str) -> tuple[tuple[str, float, int, int], ...]:
    """Every lexicon word a lower-case token may stand for, most frequent
    first: (reading, zipf, plain, dsub). `plain` counts letters restored from a
    bare a/o (the commonest damage), `dsub` letters read from a 'd' (+1 more for
    a 'd' read as å: 'dka' is 'öka', not 'åka'). The token itself is included
    (0, 0) when it is a word; é/&/6/smear readings cost nothing extra (every
    reading of such a token has to decode them)."""
    lex, index = _lexicon()
    found: dict[str, tuple[str, float, int, int]] = {}
    if word in lex:
        found[word] = (word, lex[word], 0, 0)
    for slots in _slots(word):
        for cand in index.get("".join(s[0] for s in slots), ()):
            if cand == word or len(cand) != len(slots):
                continue
            if not all(ch in s[1] for ch, s in zip(cand, slots)):
                continue
            plain = sum(1 for ch, s in zip(cand, slots) if s in _PLAIN and ch in "åäö")
            dsub = sum((2 if ch == "å" else 1) for ch, s in zip(cand, slots) if s[2] and ch != "d")
            old = found.get(cand)
            if old is None or (plain + 10 * dsub) < (old[2] + 10 * old[3]):
                found[cand] = (cand, lex[cand], plain, dsub)
    return tuple(sorted(found.values(), key=lambda r: -r[1]))


def _best(word: str) -> tuple[str, float, bool]:
    """Most frequent reading other than `word` (d-read å handicapped by 1.0):
    (candidate, zipf, used a d-substitution); ('', 0, False) if none."""
    best = ("", 0.0, False)
    for cand, f, _plain, dsub in _readings(word):
        if cand != word:
            f -= 1.0 if dsub > 1 else 0.0  # crude, as before: only for the å handicap
            if f > best[1]:
                best = (cand, f, dsub > 0)
    return best


def _accept(word: str, f0: float, cand: str, f1: float, dsub: bool) -> bool:
    """Context-free thresholds (Zipf units; +1.0 = ten times as frequent)."""
    if not cand:
        return False
    if any(c in "&6" for c in word) or ("é" in word and f0 == 0):
        return f1 >= 1.0  # OCR junk is never a word: any known reading wins
    if dsub:  # 'd' is a real letter: only fix rare/unknown words, by a wide margin
        return f0 < 2.5 and f1 >= max(f0 + 1.5, 2.0)
    if f0 == 0:
        return f1 >= 1.5
    return f1 >= f0 + 1.0  # 'for' -> 'för', 'mal' -> 'mål', 'sa' -> 'så'


# Compound splitting: log10 probability of a part is zipf - 9; linking 's'.
# Long words are rare in wordfreq ('förvaltningarna' 1.7) but seldom junk; short
# ones must be common ('läge' 4.7).
_PART_PLAIN_COST = 0.1
_PART_FINITE_COST = 1.0  # a present-tense verb as a part: rare, but 'rör', 'fläckar' are nouns too
_PART_DSUB_COST = 2.0  # a 'd' read as ä/ö inside a compound ('kdksrenovering'): only with strong parts
_COMPOUND_MARGIN = 0.5  # restored split must beat the best split as written by this much
_MAX_PARTS = 4
_OOV_LOG10P = -13.0  # an unknown but correct word: about a 2-part compound of common parts


_VOWELS = frozenset("aeiouyåäöé")
_MAX_PART_LETTERS = 24  # 'kommunfullmäktige' 17, 'överenskommelsen' 16: bounds the work per token


def _d_skeletons(sub: str) -> list[str]:
    """Skeletons of a marker-free part: as written, and with one 'd' read as ä/å (a) or ö (o)."""
    sk = sub.translate(_SKELETON)
    out = [sk]
    for i, c in enumerate(sk):
        if c == "d":
            out += [sk[:i] + "a" + sk[i + 1 :], sk[:i] + "o" + sk[i + 1 :]]
    return out


@lru_cache(maxsize=65536)
def _viable(sub: str) -> bool:
    """Whether some reading of `sub` begins a lexicon word."""
    if any(c in "é&6" for c in sub):
        return bool(_slots(sub))
    return any(_is_prefix(sk) for sk in _d_skeletons(sub))


def _not_a_part(word: str) -> bool:
    """Auxiliaries, pronouns, conjunctions and sentence adverbs do not make
    compounds ('ärsmedelvärde' is a wrong split); prepositions and numerals do
    ('överskott', 'tvåfamiljshus'). Other finite verbs cost _PART_FINITE_COST."""
    cues = _cues()
    return word in cues.pronouns or word in cues.conjunctions or word in cues.subjects or word in cues.finite


def _part_min_zipf(n: int) -> float:
    return 3.0 if n <= 3 else 2.5 if n == 4 else 2.0 if n <= 8 else 1.0


@lru_cache(maxsize=8192)
def _part_options(sub: str, first: bool) -> tuple[tuple[str, float, bool], ...]:
    """Readings of a compound part: (reading, log10 p - cost, unchanged). Two
    letters only as the first part ('el' + 'installatör', 'år' + 's' + ...)."""
    if len(sub) < (2 if first else 3):
        return ()
    if not any(c in "é&6" for c in sub) and not any(sk in _lexicon()[1] for sk in _d_skeletons(sub)):
        return ()  # no word has this skeleton (dict look-ups instead of a walk)
    out = []
    for cand, f, plain, dsub in _readings(sub):
        if f < _part_min_zipf(len(cand)) or (len(cand) == 2 and f < 4.5) or (dsub and len(cand) < 4):
            continue
        if not any(c not in _VOWELS for c in cand) or _not_a_part(cand):
            continue  # 'ååå' is in wordfreq; 'är', 'vi', 'och' are no parts of a compound
        cost = plain * _PART_PLAIN_COST + dsub * _PART_DSUB_COST + (len(sub) - len(cand)) * SMEAR_COST
        if "fin" in _classes(cand):
            cost += _PART_FINITE_COST  # 'äter' + 'laddning' < 'åter' + 'laddning'; 'rör' (also a noun) still fits
        out.append((cand, f - 9.0 - cost, cand == sub))
    return tuple(out)


@lru_cache(maxsize=16384)
def _compound(word: str) -> str:
    """An unknown lower-case token split into known parts, each restored
    ('lagesbilder' -> 'lägesbilder', 'koksrenovering' -> 'köksrenovering').
    Returns the token itself unless a restored split beats every split that
    keeps the token as written ('persondagar' = person + dagar stays). Dynamic
    programming over split points: O(len^2) part look-ups, each cached."""
    n = len(word)
    if n < 6 or n > MAX_REPAIR_LETTERS or word in _lexicon()[0]:
        return word
    neg = float("-inf")
    # per position: best split of word[:i] (score, text, parts, ends in a linking 's'),
    # and the best split that keeps every part as written (score, parts)
    best: list[tuple[float, str, int, bool]] = [(neg, "", 0, False)] * (n + 1)
    same: list[tuple[float, int]] = [(neg, 0)] * (n + 1)
    best[0], same[0] = (0.0, "", 0, False), (0.0, 0)
    for i in range(n):
        if best[i][0] == neg:
            continue
        for j in range(i + 2, n + 1):
            sub = word[i:j]
            if j - i > _MAX_PART_LETTERS or not _viable(sub):
                break  # no lexicon word starts like this: longer parts cannot either
            for cand, lp, unchanged in _part_options(sub, i == 0):
                ends = [(j, "")] + ([(j + 1, "s")] if j < n and word[j] == "s" else [])
                for k, link in ends:
                    if best[i][2] < _MAX_PARTS and best[i][0] + lp > best[k][0]:
                        best[k] = (best[i][0] + lp, best[i][1] + cand + link, best[i][2] + 1, bool(link))
                    if unchanged and same[i][0] != neg and same[i][1] < _MAX_PARTS and same[i][0] + lp > same[k][0]:
                        same[k] = (same[i][0] + lp, same[i][1] + 1)
    score, text, _parts, _link = best[n]
    floor = same[n][0]
    if any(c in "åäö" for c in word):  # diacritics survived: likely a correct word we do not know
        floor = max(floor, _OOV_LOG10P)
    if score == neg or text == word or score < floor + _COMPOUND_MARGIN:
        return word
    return text


@lru_cache(maxsize=65536)
def _repair_lower(word: str) -> str:
    """Context-free repair of one lower-case token; unchanged when unsure."""
    if len(word) > MAX_REPAIR_LETTERS:
        return word
    lex, _ = _lexicon()
    f0 = lex.get(word, 0.0)
    cand, f1, dsub = _best(word)
    if _accept(word, f0, cand, f1, dsub):
        return cand
    if f0 > 0:
        return word
    return _compound(word)


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


def _scan(text: str, check=None) -> list[tuple[re.Match, str]]:
    """Every token with its context-free repair (`repair_word`)."""
    out = []
    for i, m in enumerate(_TOKEN.finditer(text)):
        if check and i % CHECK_EVERY == 0:
            check()
        tok = m.group()
        out.append((m, repair_word(tok) if _is_word_token(tok) else tok))
    return out


_LETTER = re.compile(r"[^\W\d_]")


def _is_word_token(tok: str) -> bool:
    return len(tok) >= 2 and _LETTER.search(tok) is not None


def _score(scan: list[tuple[re.Match, str]]) -> tuple[float, int]:
    words = [(m.group(), new) for m, new in scan if _is_word_token(m.group())]
    return (sum(t != new for t, new in words) / len(words) if words else 0.0), len(words)


def damage_score(text: str, check=None) -> float:
    """Share of word tokens the word repair would change (clean Swedish ~0).
    `check()`, if given, runs every CHECK_EVERY tokens (it raises to stop)."""
    return _score(_scan(text, check))[0]


def is_damaged(text: str) -> bool:
    return len(_word_tokens(text)) >= MIN_TOKENS and damage_score(text) >= DAMAGE_THRESHOLD


# --------------------------------------------------------------------------- context


@dataclass(frozen=True)
class _Cues:
    """The word lists and weights of ocr_context.yaml."""

    weights: dict[str, float]
    infinitive_markers: frozenset[str]
    modals: frozenset[str]
    midfield: frozenset[str]
    subjects: frozenset[str]
    finite: frozenset[str]
    determiners: frozenset[str]
    conjunctions: frozenset[str]
    pronouns: frozenset[str]

    @cached_property
    def function_words(self) -> frozenset[str]:
        return self.determiners | self.conjunctions | self.subjects | self.midfield | self.pronouns | {"att"}


CONTEXT_FILE = Path(__file__).with_name("ocr_context.yaml")


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    import yaml

    raw = yaml.safe_load(CONTEXT_FILE.read_text(encoding="utf-8"))
    words = {k: frozenset(str(w).lower() for w in raw[k]) for k in (
        "infinitive_markers", "modals", "midfield_adverbs", "subjects", "finite_verbs", "determiners", "conjunctions",
        "pronouns")}
    return _Cues(weights={k: float(v) for k, v in raw["weights"].items()},
                 infinitive_markers=words["infinitive_markers"], modals=words["modals"],
                 midfield=words["midfield_adverbs"], subjects=words["subjects"], finite=words["finite_verbs"],
                 determiners=words["determiners"], conjunctions=words["conjunctions"], pronouns=words["pronouns"])


def _zc(word: str) -> float:
    """Zipf of a word form, 0 for a bare form that is mostly stripped text:
    wordfreq counts 'nar' (3.5) and 'nadde' only because the web has text that
    lost its diacritics ('när' 6.6, 'nådde'), so they say nothing about 'na'."""
    lex, index = _lexicon()
    f = lex.get(word, 0.0)
    if f and not any(c in "åäö" for c in word):
        if any(lex[v] >= f + 1.5 for v in index.get(word, ())):
            return 0.0
    return f


@lru_cache(maxsize=65536)
def _classes(word: str) -> frozenset[str]:
    """Word classes of a lower-case word, from its inflected forms in wordfreq:
    'inf' (infinitive: 'nå' has 'når' and 'nådde'; passive 'nås'), 'fin'
    (present tense: 'råder' of 'råda'/'rådde'; irregular ones from the cue
    file), 'adj' ('säker' has 'säkert' and 'säkra'), 'modal'."""
    cues, out = _cues(), set()
    if word in cues.finite:
        out.add("fin")
    if word in cues.modals:
        out.add("modal")
    if out or word in cues.function_words:
        return frozenset(out)  # closed-class words: the lists say it all ('för' is no verb)
    if _is_inf(word):
        out.add("inf")
    if _is_present(word):
        out.add("fin")
    z = _zc
    if (z(word + "t") >= 2.5 or word.endswith("t")) and z(word + "a") >= 2.5:
        out.add("adj")
    elif word[-2:] in ("er", "el", "en") and z(word + "t") >= 2.5 and z(word[:-2] + word[-1] + "a") >= 2.5:
        out.add("adj")  # säker -> säkert, säkra; enkel -> enkelt, enkla
    return frozenset(out)


@lru_cache(maxsize=65536)
def _is_inf(word: str) -> bool:
    z = _zc
    if len(word) < 2:
        return False
    if word.endswith("s") and len(word) >= 3 and _is_inf(word[:-1]):
        return True  # passive: 'nås', 'göras'
    if word.endswith("a") and len(word) >= 3:
        st = word[:-1]
        pres = max(z(word + "r"), z(st + "er"))
        past = max(z(st + "ade"), z(st + "de"), z(st + "te"), z(st + "dde"), z(st + "at"), z(st + "t"), z(st + "it"))
        return pres >= 2.5 and past >= 2.0
    if word[-1] in "åeiouyö":
        return z(word + "r") >= 3.0 and max(z(word + "dde"), z(word + "tt")) >= 2.0
    return False


def _is_present(word: str) -> bool:
    if len(word) < 3 or not word.endswith("r"):
        return False
    if _is_inf(word[:-1]) and not word.endswith("er"):
        return True  # 'ändrar', 'når'
    if word.endswith("er"):
        st = word[:-2]
        # 'råder' (rådde); strong verbs by their supine ('äter', ätit)
        return _is_inf(st + "a") and max(_zc(st + "de"), _zc(st + "te"), _zc(st + "dde"), _zc(st + "it")) >= 1.5
    return False


# Inflection and derivation endings: what may follow a stem inside one word.
_ENDINGS = frozenset("""a e n t s er ar or en et na ns ts es ern erna arna orna ens ets ers ande ende ning ningen
    ningar ningarna ningens ing het heten hets lig ligt liga ligen isk iskt iska ade de te dde at it ad d na nas
    are aren arna ast aste re st""".split())


@lru_cache(maxsize=65536)
def _tail_ok(tail: str, depth: int = 0) -> bool:
    """Whether `tail` may follow a stem: an ending, a known word (a compound's
    second part, after a linking 's'), or an ending then one of those
    ('het' + 's' + 'program')."""
    lex, _ = _lexicon()
    if tail in _ENDINGS or (len(tail) >= 3 and lex.get(tail, 0) >= 3.0):
        return True
    if tail[:1] == "s" and len(tail) >= 4 and lex.get(tail[1:], 0) >= 3.0:
        return True
    return depth == 0 and any(tail[:k] in _ENDINGS and _tail_ok(tail[k:], 1) for k in range(1, min(8, len(tail))))


def _stem_attested(r: str, doc: "_Doc") -> bool:
    """A reading whose stem the document attests ('prövar' after 'prövning')."""
    if doc.parts[r]:
        return True
    return any(r[-k:] in _ENDINGS and doc.parts[r[:-k]] for k in range(1, min(8, len(r) - 3)))


@dataclass
class _Doc:
    """What the document itself says: channel costs (log10) of a bare a/o and
    of a 'd' standing for å/ä/ö, and the readings attested in it."""
    cost_plain: float
    cost_d: float
    attested: Counter
    parts: Counter


def _doc_model(scan: list[tuple[re.Match, str]]) -> _Doc:
    lex, _ = _lexicon()
    intact = stripped = dsubs = markers = 0
    attested: Counter = Counter()
    for m, first in scan:
        tok = m.group()
        low, new = tok.lower(), first.lower()
        if not _is_word_token(tok):
            continue
        if any(c in "åäö" for c in low) and (low in lex or new == low):  # seen intact
            intact += sum(c in "åäö" for c in low)
            attested[low] += 1
            continue
        if new == low:
            continue
        mk = sum(c in "é&6" for c in low)
        markers += mk
        hit = next((r for r in _readings(low) if r[0] == new), None)
        if hit:
            stripped += hit[2]
            dsubs += bool(hit[3])
        else:  # a compound
            stripped += max(0, sum(c in "åäö" for c in new) - mk)
        if low not in lex:  # junk with one clear reading: evidence for that word
            rivals = [r for r in _readings(low) if r[0] != new and r[1] >= max(2.5, lex.get(new, 0.0) - 2.5)]
            if not rivals:
                attested[new] += 1
    parts: Counter = Counter()  # stems and first parts of attested words ('pröv' of 'prövning', 'säker' of
    for w, n in attested.items():  # 'säkerhetsprogram'), where they carry the diacritics
        for i in range(4, len(w)):
            if any(c in "åäö" for c in w[:i]) and _tail_ok(w[i:]):
                parts[w[:i]] += n
    total = intact + stripped + dsubs + markers
    p_plain = (stripped + 1) / (total + 2)
    p_d = (dsubs + 0.05) / (total + 2)
    return _Doc(-math.log10(p_plain), -math.log10(p_d), attested, parts)


_BOUNDARY = re.compile(r"[.!?:;()\[\]\"”“»«]|\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?]\s*$|\n\s*\n")


@dataclass(frozen=True)
class _Slot:
    """A token in context: its lower-case word (first-pass repair until the
    final choice is made) and how it is joined to the previous token."""
    word: str
    sep: str  # 'plain', 'comma', 'per' ('/'), 'break'
    number: bool
    year: bool


def _sep_kind(sep: str) -> str:
    if sep.endswith("/") and not any(c.isspace() for c in sep):
        return "per"  # 'kr/år', 'kWh/m²/år'
    if _BOUNDARY.search(sep) or not sep or "-" in sep or "–" in sep:
        return "break"
    if "," in sep:
        return "comma"
    return "plain" if sep.strip() == "" else "break"


def _context_bonus(cls: frozenset, slots: list[_Slot], i: int, cues: _Cues) -> float:
    """Sum of the cue weights (ocr_context.yaml) that fire for a reading of
    token i with word classes `cls`."""
    w = cues.weights
    b = 0.0
    me = slots[i]
    left = slots[i - 1] if i > 0 and me.sep != "break" else None
    right = slots[i + 1] if i + 1 < len(slots) and slots[i + 1].sep != "break" else None
    verb = "fin" in cls or "inf" in cls
    if left is not None and me.sep in ("plain", "per"):
        lw = left.word
        if me.sep == "per" or (left.number and not left.year) or lw in cues.determiners:
            if verb and "adj" not in cls:
                b += w["verb_after_determiner"]
        elif lw in cues.infinitive_markers or (lw in cues.pronouns and i > 1 and slots[i - 1].sep == "plain"
                                               and slots[i - 2].word in cues.modals):  # 'Kan jag ändra'
            if "inf" in cls:
                b += w["infinitive_after_marker"]
            elif "fin" in cls:
                b += w["finite_after_marker"]
        if lw in cues.subjects and "fin" in cls:
            b += w["finite_after_subject"]
    if right is not None and right.sep == "plain":
        if right.year:
            b += -w["noun_before_year"] if verb else w["noun_before_year"]
        elif "fin" in cls and "fin" in _classes(right.word) and "inf" not in _classes(right.word) \
                and right.word not in cues.conjunctions:
            b += w["finite_before_finite"]
    if "modal" in cls:  # an infinitive next, past adverbs and a pronoun ('bör inte vara', 'bör det framgå')
        j = i + 1
        while j < len(slots) and j <= i + 3 and slots[j].sep == "plain" and (
                slots[j].word in cues.midfield or slots[j].word in cues.pronouns):
            j += 1
        inf = j < len(slots) and slots[j].sep == "plain" and "inf" in _classes(slots[j].word)
        b += w["modal_with_infinitive"] if inf else w["modal_without_infinitive"]
    for other in _conjuncts(slots, i, cues):
        oc = _classes(other)
        if "adj" in cls and "adj" in oc:
            b += w["coordinated_class"]
        elif "fin" in cls and "fin" not in oc and "adj" in oc:
            b -= w["coordinated_class"]
    return b


def _conjuncts(slots: list[_Slot], i: int, cues: _Cues) -> list[str]:
    """Words coordinated with token i: 'trygg, [séker] och valskott'."""
    out = []
    if i > 0 and slots[i].sep == "comma":
        out.append(slots[i - 1].word)
    elif i > 1 and slots[i].sep == "plain" and slots[i - 1].word in cues.conjunctions and slots[i - 1].sep != "break":
        out.append(slots[i - 2].word)
    if i + 1 < len(slots):
        nxt = slots[i + 1]
        if nxt.sep == "comma":
            out.append(nxt.word)
        elif nxt.sep == "plain" and nxt.word in cues.conjunctions and i + 2 < len(slots) and slots[i + 2].sep == "plain":
            out.append(slots[i + 2].word)
    return out


SMEAR_COST = 1.0  # 'dé' -> 'ä' is rarer than 'd' + 'é' -> 'ä' (8 smears to ~90 single marks in 001)
REPLACE_MARGIN = 0.3  # a known word gives way only to a reading this much better (Zipf units)
MAX_READINGS = 8


def _choose(tok: str, low: str, first: str, slots: list[_Slot], i: int, doc: _Doc, cues: _Cues) -> str:
    """The reading of token i (lower case) that scores best in its context."""
    lex, _ = _lexicon()
    reads = [r for r in _readings(low) if r[1] >= 1.0][:MAX_READINGS]
    own = low in lex
    if not reads or (own and len(reads) == 1):
        return first.lower()
    w = cues.weights
    best, best_s, own_s = low, float("-inf"), float("-inf")
    for r, f, plain, dsub in reads:
        s = f - plain * doc.cost_plain - dsub * doc.cost_d - (len(low) - len(r)) * SMEAR_COST
        s += _context_bonus(_classes(r), slots, i, cues)
        if r != low and any(c in "åäö" for c in r):
            if doc.attested[r]:
                s += w["attested_in_document"]
            elif _stem_attested(r, doc):
                s += w["attested_as_part"]  # 'prövar' after 'prövning', 'miljön' after 'miljöer'
        if r == low:
            own_s = s
        if s > best_s:
            best, best_s = r, s
    if own:
        return best if best != low and best_s >= own_s + REPLACE_MARGIN else low
    # junk ('&r', 'séker', 'ndmnder'): the best reading if it is a plausible word at all
    floor = 1.0 if any(c in "&6é" for c in low) else 1.5
    f, plain, dsub = next((fr, p, d) for r, fr, p, d in reads if r == best)
    if f - dsub * doc.cost_d >= floor:
        return best
    return first.lower()


def _recase(tok: str, new_low: str) -> str:
    if new_low == tok.lower():
        return tok
    return new_low[0].upper() + new_low[1:] if tok[0].isupper() else new_low


def _eligible(tok: str) -> bool:
    """The tokens `repair_word` would look at (not acronyms, numbers, mixed case)."""
    if len(tok) > MAX_REPAIR_LETTERS or len(tok) < 2 or not _is_word_token(tok) or not _digits_ok(tok):
        return False
    letters = [c for c in tok if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return False
    return not any(c.isupper() and c != "O" for c in tok[1:])


_CHUNK = re.compile(r"\S+")
_DOMAIN = re.compile(r"[^\W_]\.(?:se|com|nu|org|net|eu|info|io)\b")


def _urlish(chunk: str) -> bool:
    """A whitespace-delimited chunk that is a web or mail address (linear)."""
    return "://" in chunk or "www." in chunk or "@" in chunk or _DOMAIN.search(chunk) is not None


def _repair_tokens(text: str, scan: list[tuple[re.Match, str]]) -> list[str]:
    """The chosen form of every token, in order."""
    cues = _cues()
    doc = _doc_model(scan)
    slots, prev_end = [], 0
    for m, first in scan:
        tok = m.group()
        slots.append(_Slot(word=first.lower(), sep=_sep_kind(text[prev_end:m.start()]),
                           number=tok.isdigit(), year=tok.isdigit() and len(tok) == 4 and tok[:2] in ("18", "19", "20")))
        prev_end = m.end()
    skip = [False] * len(scan)
    starts = [m.start() for m, _f in scan]
    for u in _CHUNK.finditer(text):  # web and mail addresses are not Swedish words
        if not _urlish(u.group()):
            continue
        k = bisect_left(starts, u.start())
        while k < len(starts) and starts[k] < u.end():
            skip[k] = True
            k += 1
    out = []
    for i, (m, first) in enumerate(scan):
        tok = m.group()
        if skip[i] or not _eligible(tok):
            out.append(tok)
            continue
        new = _choose(tok, tok.lower(), first, slots, i, doc, cues)
        slots[i] = _Slot(new, slots[i].sep, slots[i].number, slots[i].year)  # later tokens see the choice
        fixed = _recase(tok, new)
        if tok[0] == "6" and fixed[0] == "ö":  # '6ppet' opening a sentence was 'Öppet'
            before = text[scan[i - 1][0].end() if i else 0 : m.start()]
            if not before or _SENTENCE_END.search(before):
                fixed = "Ö" + fixed[1:]
        out.append(fixed)
    return out


_PIPE = re.compile(r"\|")
_PIPE_NEXT = re.compile(r"\s+([^\W\d_])")


def _pipe_is_i(text: str, i: int) -> bool:
    """'| programmet' at a sentence start is OCR for 'I programmet'. Looks only
    at the whitespace around position i (no copies of the text: linear overall).
    A capital after it ('| Stockholm') counts only when the line has no other '|'."""
    after = _PIPE_NEXT.match(text, i + 1)
    if not after:
        return False
    if not after.group(1).islower():
        line_end = text.find("\n", i + 1)
        if "|" in text[i + 1 : line_end if line_end >= 0 else len(text)]:
            return False
        line_start = text.rfind("\n", 0, i) + 1
        if "|" in text[line_start:i]:
            return False
    j = i - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    if j >= 0 and text[j] == "\n" and after.group(1).islower():
        line_end = text.find("\n", i + 1)
        return "|" not in text[i + 1 : line_end if line_end >= 0 else len(text)]  # '| samband med' opening a line
    while j >= 0 and text[j].isspace():
        j -= 1
    return j < 0 or text[j] in ".!?:"


def repair(text: str, *, force: bool = False, check=None) -> Repair:
    """Repair a damaged text (or any text with force=True). `check()`, if
    given, runs every CHECK_EVERY tokens: a time budget raises to stop."""
    scan = _scan(text, check)
    score, n_words = _score(scan)
    damaged = n_words >= MIN_TOKENS and score >= DAMAGE_THRESHOLD
    if not (damaged or force):
        return Repair(text=text, edits=(), damaged=False, score=score)
    if check:
        check()
    edits: list[Edit] = []
    for (m, _first), new in zip(scan, _repair_tokens(text, scan)):
        if new != m.group():
            edits.append(Edit(m.start(), m.end(), m.group(), new))
    edits += [Edit(p.start(), p.end(), "|", "I") for p in _PIPE.finditer(text) if _pipe_is_i(text, p.start())]
    edits.sort(key=lambda e: e.start)
    out, last = [], 0
    for e in edits:
        out += [text[last : e.start], e.replacement]
        last = e.end
    out.append(text[last:])
    return Repair(text="".join(out), edits=tuple(edits), damaged=damaged, score=score)
