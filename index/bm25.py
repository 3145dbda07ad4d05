"""BM25 over segments with global statistics.

Lucene BM25 as bm25s's "lucene" method computes it (k1=1.2, b=0.75):

    idf(t)     = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))
    score(d,q) = sum over query tokens t (repeats count) of idf(t) * tf / (tf + k1 * (1 - b + b * dl(d) / avgdl))

N, avgdl and df are summed over the live rows of every segment, so a corpus
split over many segments scores exactly like the same corpus in one (and like
bm25s on the same tokens: tests/test_store.py cross-checks). Segments keep raw
tf and dl, which is what lets a new segment be written without touching the
others.

Top-n without scoring every posting (`LexicalStats.top`): the query's tokens
are taken rarest first and scored into per-segment accumulators; common
tokens (most of the postings of a character-n-gram query, little of the
score) are added only for the best `CANDIDATES` rows, looked up in their
sorted posting lists. The result is exact, not approximate: it is accepted
only when the n-th best complete score beats every row left out, i.e. the
best partial score outside the candidates plus an upper bound of what the
remaining tokens can add (each segment stores, per term, the largest tf part
of its postings). Otherwise more tokens are scored fully, in the end all.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Sequence

import numpy as np

from .segment import B, K1, Segment
CANDIDATES = 2048  # rows completed by lookups before the bound check
CHECKS = (0.1, 0.25, 0.5)  # fractions of the query's postings after which the bound is checked
PRUNE_MIN_POSTINGS = 2_000_000  # below this many postings per query, scoring them all is faster (eval/bench)


def _contribution(tf: np.ndarray, norm: np.ndarray, idf: np.float32) -> np.ndarray:
    """idf * tf / (tf + norm), float32, always in this operation order (so a row's score has the
    same bits whichever path computed it). `norm` is a fresh array and is overwritten."""
    tfv = tf.astype(np.float32)
    norm += tfv
    np.divide(tfv, norm, out=norm)
    norm *= idf
    return norm


class _Token:
    __slots__ = ("df", "text", "idf", "lists", "ub")

    def __init__(self, df, text, idf, lists, ub):
        self.df, self.text, self.idf, self.lists, self.ub = df, text, idf, lists, ub


class LexicalStats:
    """Global BM25 statistics of a set of segments with some rows deleted."""

    def __init__(self, segments: Sequence[Segment], alive: Sequence[np.ndarray | None]):
        self.segments, self.alive = list(segments), list(alive)
        n = sum(len(s) if a is None else int(a.sum()) for s, a in zip(self.segments, self.alive))
        total = sum(int(s.dl.sum(dtype=np.int64)) if a is None else int(s.dl[a].sum(dtype=np.int64))
                    for s, a in zip(self.segments, self.alive))
        self.n = n
        self.avgdl = total / n if n else 1.0
        self._norm: list[np.ndarray | None] = [None] * len(self.segments)
        self._dead_df: dict[tuple[int, int], int] = {}  # (segment, term) -> postings on dead rows

    def norm(self, i: int) -> np.ndarray:
        """k1 * (1 - b + b * dl / avgdl) per row of segment i (computed once)."""
        v = self._norm[i]
        if v is None:
            dl = np.asarray(self.segments[i].dl, np.float32)
            v = self._norm[i] = (K1 * (1 - B + B * dl / np.float32(self.avgdl))).astype(np.float32)
        return v

    def _tokens(self, tokens: Sequence[str]) -> list[_Token]:
        """The query's tokens present in live rows, rarest first, with global df, idf and score bounds."""
        out = []
        for text, weight in Counter(tokens).items():
            df, lists, bound = 0, [], 0.0
            for i, (seg, a) in enumerate(zip(self.segments, self.alive)):
                t = seg.terms.get(text)
                if t < 0:
                    continue
                lo, hi = int(seg.indptr[t]), int(seg.indptr[t + 1])
                dead = 0
                if a is not None:
                    dead = self._dead_df.get((i, t))
                    if dead is None:
                        dead = self._dead_df[(i, t)] = int(hi - lo - a[seg.rows[lo:hi]].sum())
                if hi - lo - dead > 0:
                    df += hi - lo - dead
                    lists.append((i, seg.rows[lo:hi], seg.tf[lo:hi]))
                    bound = max(bound, float(seg.impmax[t]) * max(1.0, self.avgdl / seg.avgdl))
            if df:
                idf = weight * math.log(1 + (self.n - df + 0.5) / (df + 0.5))
                out.append(_Token(df, text, np.float32(idf), lists, idf * bound * (1 + 1e-5)))
        out.sort(key=lambda t: (t.df, t.text))
        return out

    def _add(self, acc: list[np.ndarray | None], tok: _Token) -> None:
        for i, rows, tf in tok.lists:
            if acc[i] is None:
                acc[i] = np.zeros(len(self.segments[i]), np.float32)
            # rows are unique within a posting list; add.at is numpy's fast scatter-add
            np.add.at(acc[i], rows, _contribution(tf, self.norm(i)[rows], tok.idf))

    def scores(self, tokens: Sequence[str]) -> list[np.ndarray]:
        """BM25 score of every row of every segment (0 for deleted rows and rows without a query token)."""
        acc: list[np.ndarray | None] = [None] * len(self.segments)
        if self.n:
            for tok in self._tokens(tokens):
                self._add(acc, tok)
        out = [np.zeros(len(s), np.float32) if a is None else a for s, a in zip(self.segments, acc)]
        for sc, a in zip(out, self.alive):
            if a is not None:
                sc[~a] = 0.0
        return out

    def top(self, tokens: Sequence[str], n: int, allowed: Sequence[np.ndarray | None]) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """The n best rows with a positive score among `allowed` (per segment; None = all rows; deleted
        rows must be excluded by the caller's masks), plus any tied with the n-th:
        [(segment, rows, scores)]. Exact: the same rows and scores as `scores` gives."""
        if not self.n or n <= 0:
            return []
        toks = self._tokens(tokens)
        total = sum(t.df for t in toks)
        tails = np.concatenate([np.cumsum([t.ub for t in toks][::-1])[::-1], [0.0]])
        acc: list[np.ndarray | None] = [None] * len(self.segments)
        done, checks = 0, ([c * total for c in CHECKS] if total >= PRUNE_MIN_POSTINGS else [])
        for k, tok in enumerate(toks):
            self._add(acc, tok)
            done += tok.df
            if k + 1 < len(toks) and checks and done >= checks[0]:
                while checks and done >= checks[0]:
                    checks.pop(0)
                res = self._try_bound(acc, allowed, toks[k + 1:], float(tails[k + 1]), n)
                if res is not None:
                    return res
        return self._select(acc, allowed, n)

    def _masked(self, acc, allowed) -> list[np.ndarray | None]:
        out = []
        for sc, a in zip(acc, allowed):
            if sc is None:
                out.append(None)
            else:
                out.append(np.where(a, sc, np.float32(0)) if a is not None else sc)
        return out

    def _select(self, acc, allowed, n) -> list[tuple[int, np.ndarray, np.ndarray]]:
        parts = [(i, sc) for i, sc in enumerate(self._masked(acc, allowed)) if sc is not None]
        pos = [(i, np.flatnonzero(sc > 0)) for i, sc in parts]
        vals = np.concatenate([sc[p] for (_, sc), (_, p) in zip(parts, pos)]) if parts else np.zeros(0, np.float32)
        if len(vals) > n:
            thr = np.partition(vals, len(vals) - n)[len(vals) - n]
            pos = [(i, p[sc[p] >= thr]) for (i, sc), (_, p) in zip(parts, pos)]
        return [(i, p, sc[p]) for (i, sc), (_, p) in zip(parts, pos) if len(p)]

    def _try_bound(self, acc, allowed, rest: list[_Token], tail: float, n: int):
        """Complete the best CANDIDATES partial rows with the remaining tokens; return the exact
        top-n if no other row can reach it, else None. Candidates that can no longer reach the
        top-n are dropped as tokens are added, and the attempt stops as soon as the bound fails."""
        masked = self._masked(acc, allowed)
        parts = [(i, sc) for i, sc in enumerate(masked) if sc is not None]
        if not parts:
            return None
        vals = np.concatenate([sc for _, sc in parts]) if len(parts) > 1 else parts[0][1]
        # Any threshold is correct (rows at or below it are bounded, rows above it completed); one that
        # leaves about CANDIDATES rows above it, estimated from a sample, keeps the work small.
        step = max(1, len(vals) // (64 * CANDIDATES))
        sample = vals[::step]
        k = max(1, len(sample) - int(CANDIDATES * len(sample) / len(vals)))
        pm = float(np.partition(sample, k - 1)[k - 1]) if len(sample) >= k else 0.0
        if pm <= 0:
            return None
        limit = (pm + tail) * (1 + 1e-5) + 1e-6  # the n-th best must beat this
        cand = {i: np.flatnonzero(sc > pm) for i, sc in parts}
        cur = {i: sc[r] for i, sc in parts for r in (cand[i],)}
        left = np.concatenate([np.cumsum([t.ub for t in rest][::-1])[::-1], [0.0]])
        for j, tok in enumerate(rest):
            for i, rows, tf in tok.lists:
                r = cand.get(i)
                if r is None or not len(r):
                    continue
                p = np.minimum(np.searchsorted(rows, r), len(rows) - 1)
                hit = rows[p] == r
                if hit.any():
                    cur[i][hit] += _contribution(tf[p[hit]], self.norm(i)[r[hit]], tok.idf)
            if j % 4 == 3 or j + 1 == len(rest):
                vals = np.concatenate(list(cur.values()))
                if len(vals) < n:
                    return None
                remaining = float(left[j + 1]) * (1 + 1e-5) + 1e-6
                if float(np.partition(vals + remaining, len(vals) - n)[len(vals) - n]) <= limit:
                    return None  # even the best completion cannot beat the rows left out
                lower = float(np.partition(vals, len(vals) - n)[len(vals) - n])  # the n-th best is at least this
                for i in cand:
                    keep = cur[i] + remaining >= lower
                    cand[i], cur[i] = cand[i][keep], cur[i][keep]
        vals = np.concatenate(list(cur.values()))
        theta = float(np.partition(vals, len(vals) - n)[len(vals) - n])
        if not theta > limit:
            return None
        return [(i, cand[i][cur[i] >= theta], cur[i][cur[i] >= theta]) for i in cand if len(cand[i])]
