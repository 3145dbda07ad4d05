"""Enumerations in passages, for questions that ask for a list ("Vilka
fokusområden har programmet?"): the answer should quote the list itself,
not a sentence that merely names the subject.

Pure functions over a passage's text and a sentence span in it. An
enumeration is either inline (three or more short items separated by commas,
the last by och/samt/eller) or a sentence ending in a colon followed by two or
more list lines (bullets, numbers or short lines). A sentence that introduces
the subject and is followed by "Dessa är …" takes that continuation along.
The cue words are data (assistant/taxonomy.yaml: list_cues, list_continuations).
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.textnorm import fold
from .quotes import _OPEN_END, LIST_ITEM as _BULLET

MAX_ITEM_WORDS = 7  # an inline list item is a phrase, not a clause
MAX_LINE_WORDS = 14  # a list line without a bullet is short
_FINAL = re.compile(r"\s+(?:och|samt|eller)\s+", re.I)


@lru_cache(maxsize=1)
def _cues() -> tuple[re.Pattern, tuple[str, ...]]:
    from .analyse import taxonomy_data

    data = taxonomy_data()
    cues = data.get("list_cues") or []
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(c) for c in cues) + r")(?!\w)") if cues else re.compile(r"$^")
    return pattern, tuple(fold(c) for c in data.get("list_continuations") or ())


def asks_for_list(question: str) -> bool:
    """Does the question ask for several things by name (a cue at its start or after a comma)?"""
    pattern, _ = _cues()
    q = fold((question or "").lower()).strip()
    m = pattern.search(q)
    return bool(m) and (m.start() == 0 or q[:m.start()].rstrip().endswith((",", ":")))


def inline_items(sentence: str) -> list[str]:
    """The items of an inline enumeration in `sentence` ([] when there is none):
    the last clause after a colon or 'är/omfattar', split at commas and the
    final och/samt/eller; three or more short items."""
    body = sentence.rstrip(" .;")
    m = re.search(r"(?::|\b(?:är|omfattar|utgörs av|innefattar|nämligen))\s+(?=\S)", body)
    if m:
        body = body[m.end():]
    parts = [p.strip() for p in re.split(r",\s*", body)]
    if len(parts) < 2:
        return []
    last = _FINAL.split(parts[-1], maxsplit=1)
    if len(last) != 2:
        return []
    items = parts[:-1] + last
    # the first item may carry the sentence's lead-in ("Staden arbetar med skolan"): not length-checked
    if len(items) < 3 or any(not i or len(i.split()) > MAX_ITEM_WORDS for i in items[1:]):
        return []
    return items


def _list_lines_end(text: str, pos: int, *, bullets_only: bool = False, after_colon: bool = False) -> tuple[int, int]:
    """From `pos` (just after the sentence that introduces a list), the end of
    the list lines that follow and how many items there are. Items are bullet
    or numbered lines, or (when no item has a bullet and `bullets_only` is
    false) short lines without a final full stop; a lower-case line continues
    the item before it (a line broken by the layout). `after_colon`: the list follows a colon, so its
    first item may start in lower case."""
    end, n, bulleted, prev_open, prev, lower = pos, 0, False, False, "", False
    for m in re.finditer(r"[^\n]*\n?", text[pos:]):
        line = m.group(0)
        if not line:
            break
        stripped = line.strip()
        if not stripped:
            continue
        if _BULLET.match(line):
            n, bulleted = n + 1, True
        elif n and prev_open and (stripped[0].islower() or stripped[0] == "(") \
                and (not after_colon or _OPEN_END.search(prev)):
            pass  # continues the previous item, also with its source in brackets ('… sent en kväll⏎(trygghets-
            # mätningen).'); after a colon, items start in lower case: only a line the layout broke after an open
            # word continues one, '… hot och våld mot⏎anställda')
        elif not bulleted and not bullets_only and len(stripped.split()) <= MAX_LINE_WORDS \
                and stripped[-1] not in ".!?" and (n or after_colon or stripped[0].isupper()) \
                and not (lower and stripped[0].isupper()):  # items in lower case: a capital starts the text after
            lower = lower or (not n and stripped[0].islower())
            n += 1
        else:
            break
        end = pos + m.start() + len(line.rstrip())
        prev_open, prev = stripped[-1] not in ".!?;", stripped
    return end, n


def lead_in(sentence: str, items: list[str]) -> str:
    """The part of a sentence before its inline list: the first item is taken
    to be as long as the longest of the others (it carries the lead-in)."""
    k = max(len(i.split()) for i in items[1:])
    first = items[0].split()
    head = " ".join(first[:-k]) if len(first) > k else ""
    cut = sentence.find(items[0])
    return (sentence[:cut] if cut >= 0 else "") + " " + head


def enumeration_end(text: str, start: int, end: int, next_span: tuple[int, int] | None = None,
                    about=lambda lead: True) -> int | None:
    """Where the enumeration that the sentence text[start:end] holds or
    introduces ends (an offset in `text`), or None when it holds none: the
    sentence's own end for an inline list; the end of the list lines after a
    closing colon; the end of the next sentence when that one continues the
    list ("Dessa är a, b och c."). `about(lead)` says whether the words that
    introduce the list name the question's subject: a list whose items merely
    include the subject ("en blandning av teorier, verksamheter och …") is not
    a list of it."""
    sentence = text[start:end]
    if items := inline_items(sentence):
        return end if about(lead_in(sentence, items)) else None
    if not about(sentence):
        return None
    if sentence.rstrip().endswith(":"):  # after a colon the items may start in lower case ('… fyra områden:⏎ individens …')
        e, n = _list_lines_end(text, end, after_colon=True)
        return e if n >= 2 else None
    if sentence.rstrip()[-1:] not in ".!?":  # "… inom ramen för fem fokusområden" + numbered lines
        e, n = _list_lines_end(text, end, bullets_only=True)
        if n >= 2:
            return e
    if next_span:
        a, b = next_span
        between = text[end:a]
        if between.count("\n") <= 2 and not between.strip():
            nxt = fold(text[a:b].lower())
            _, continuations = _cues()
            if any(nxt.startswith(c) for c in continuations):
                if inline_items(text[a:b]):
                    return b
                if text[a:b].rstrip().endswith(":"):
                    e, n = _list_lines_end(text, b)
                    return e if n >= 2 else None
    return None


# Three or more items named in the running text: "A, B, C och D"
_INLINE_LIST = re.compile(r"\w+, (\w+ ){0,2}\w+, (\w+ ){0,3}\w+ (och|samt|eller) \w+")


_WITH_ITS_LIST = re.compile(r":[ \t]*\n")  # a colon ending a line inside the span: its list follows in it


def holds_list(span: str) -> bool:
    """Does the span hold a list intro with its items (a colon ending one of its lines)?"""
    return bool(_WITH_ITS_LIST.search(span))


def list_end(text: str, start: int, end: int, about=lambda lead: True) -> int | None:
    """`enumeration_end` with the next sentence looked up in `text`; a span that already holds the list it
    introduces (a colon ending one of its lines: evidence.Scorer.sentences takes such an intro with its
    items) ends where it does."""
    from .quotes import sentence_spans

    if holds_list(text[start:end]):
        return end if about(text[start:end]) else None
    after = [sp for sp in sentence_spans(text) if sp[0] >= end]
    found = enumeration_end(text, start, end, after[0] if after else None, about)
    if found is None and (count := stated_count(text[start:end])) >= 2 and about(text[start:end]):
        # "Målen följs upp med åtta gemensamma indikatorer. … ." and then eight numbered lines: the list the
        # count announces, a sentence or two on (as many items as it says, so no other list is taken for it)
        for pos in [end] + [b for _, b in after[:MAX_SENTENCES_TO_LIST]]:
            e, n = _list_lines_end(text, pos, bullets_only=True)
            if n == count:
                return e
    return found


MAX_SENTENCES_TO_LIST = 2  # sentences between a count that announces a list and its items


def stated_count(sentence: str) -> int:
    """The count a sentence gives of something ('följs upp med åtta gemensamma indikatorer', '5 fokusområden'):
    the largest number, as a word or in digits, before another word; 0 when it gives none."""
    from .analyse import number_value

    counts = [number_value(w) for w in re.findall(r"(?<![\w\-–/.])(\w+)(?=\s+\w)", sentence)]
    return max((c for c in counts if 2 <= c <= 30), default=0)


def promote_lists(ranked: list, about=lambda text: True, *, window: int = 12, min_share: float = 0.5,
                  instances=lambda text: 0) -> list:
    """For a list question: the best-ranked sentences that hold or introduce an
    enumeration of the topic (lexical coverage at least `min_share` of the best
    among the top `window`), extended to the whole enumeration. When such lists
    are about as relevant as the best sentence (relevance within `min_share`),
    they are the answer on their own; otherwise they go first and the rest keep
    their order. `ranked` holds evidence.Scored; `about(text)` says whether a
    text names the question's subject; `instances(text)` how many kinds of it the
    text names ('rutinaktivitetsteorin', 'Broken Windows-teorin' for 'teorier'): two
    or more hold a list too, whatever the layout left of its bullets."""
    from dataclasses import replace

    head = ranked[:window]
    best_lex = max((s.lex for s in head), default=0.0)
    if best_lex <= 0:
        return ranked
    lists, rest = [], []
    for i, s in enumerate(ranked):
        e = None
        if i < window and s.lex >= min_share * best_lex:
            e = list_end(s.chunk.text, s.start, s.end, about)
            if e is None and instances(s.text) >= 2:
                e = s.end
        if e is not None:
            lists.append(replace(s, end=max(e, s.end)))
        else:
            rest.append(s)
    if not lists:
        return ranked
    top = ranked[0]
    if rest and rest[0] is top and _INLINE_LIST.search(top.text):
        # the best sentence names its items in the running text ("stadsbyggnadsnämnden, trafiknämnden,
        # miljönämnden och stadsdelsnämnderna har ett särskilt ansvar …"): it answers the list question first
        lists.insert(0, rest.pop(0))
    # a list of kinds of the subject before a list the subject is an item of ('teorier, metoder, arbetssätt …')
    lists.sort(key=lambda x: instances(x.text) < 2)
    covered = [(x.chunk.id, x.start, x.end) for x in lists]
    rest = [s for s in rest if not any(s.chunk.id == c and a <= s.start < b for c, a, b in covered)]
    if max(x.rel for x in lists) >= min_share * ranked[0].rel:
        return lists
    return lists + rest
