"""Filter semantics shared by every store: which fields can be filtered, how a
wanted value matches the indexed values, and the error that lists valid ones.

Pure functions over value lists, so the embedded store, the in-memory store
and PostgreSQL match filters identically (the contract tests check it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from .textnorm import fold

FILTER_FIELDS = ("namnd", "doc_type", "period", "year", "doc_id", "section")
# Fields whose filter values may be partial: a section filter "Synpunkter" matches the chunk section
# "Synpunkter och förslag › Samverkan"; a list of sections fails only when none of them exists.
PARTIAL_FIELDS = ("section",)


class FilterError(ValueError):
    """Unknown filter field or value; the message lists the valid ones."""


def active_filters(filters: dict | None) -> dict[str, list]:
    """The filters that constrain anything, each as a list of wanted values;
    raises FilterError for an unknown field."""
    if not filters:
        return {}
    active = {k: v for k, v in filters.items() if v not in (None, "", [], ())}
    unknown = set(active) - set(FILTER_FIELDS)
    if unknown:
        raise FilterError(f"unknown filter field(s) {sorted(unknown)}; valid: {', '.join(FILTER_FIELDS)}")
    return {k: ([v] if isinstance(v, (str, int)) else list(v)) for k, v in active.items()}


@lru_cache(maxsize=16)
def _folded(valid: tuple) -> tuple[tuple[str, ...], dict[str, list]]:
    """The valid values folded, and the values by their folded form: computed once per value list, so
    a filter of thousands of documents (every copy of one nämnd's yttrande at 1M passages) costs one
    lookup per wanted value, not a fold of every valid value per wanted value (20 s per question)."""
    folded = tuple(fold(str(v)) for v in valid)
    exact: dict[str, list] = {}
    for v, f in zip(valid, folded):
        exact.setdefault(f, []).append(v)
    return folded, exact


def match_values(field: str, wanted: Iterable, valid: list) -> set:
    """The indexed values of `field` (from `valid`) that the wanted values select.
    Case and diacritics are ignored; names may be given in part ("kyrkogårds");
    a section heading selects its own subsections. Raises FilterError listing
    the valid values when a wanted value matches nothing."""
    chosen: set = set()
    missing = []
    folded, exact = _folded(tuple(valid)) if field != "year" else ((), {})
    for w in wanted:
        if field == "year":
            try:
                w = int(w)
            except (TypeError, ValueError):
                raise FilterError(f"year must be a number, got {w!r}; valid: {', '.join(map(str, valid))}")
            hits = [v for v in valid if v == w]
        else:
            fw = fold(str(w)).strip()
            hits = list(exact.get(fw, ())) or [v for v, f in zip(valid, folded) if fw and fw in f]
            if field == "period":
                hits = hits or [v for v, f in zip(valid, folded) if f.replace("–", "-") == fw.replace("–", "-")]
            if field == "section":  # a heading matches its own subsections, not other headings that contain it
                hits = [v for v, f in zip(valid, folded) if f == fw or f.startswith(fw + " › ")] or \
                    [v for v in valid if fold(str(v).split(" › ")[0]).rstrip(":").strip() == fw.rstrip(":")]
        if not hits:
            missing.append(w)
        chosen.update(hits)
    if missing and (field not in PARTIAL_FIELDS or not chosen):
        shown = valid if len(valid) <= 40 else valid[:40] + ["…"]
        raise FilterError(
            f"unknown {field} {missing[0]!r} / okänt värde för {field}; valid: {', '.join(map(str, shown)) or '(none indexed)'}")
    return chosen
