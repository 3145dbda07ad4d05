"""BM25 over segments with global statistics.

Lucene BM25 as bm25s's "lucene" method computes it (k1=1.2, b=0.75):

    idf(t)     = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))
    score(d,q) = sum over query tokens t (repeats count) of idf(t) * tf / (tf + k1 * (1 - b + b * dl(d) / avgdl))

N, avgdl and df are summed over the live rows of every segment, so a corpus
split over many segments scores like the same corpus in one (and like bm25s
on the same tokens: tests/test_store.py cross-checks). Segments keep raw tf
and dl, which is what lets a new segment be written without touching the
others.

Top-n (`LexicalStats.top`), exact and about twice as fast as computing the
formula for every posting: a big segment also stores each posting's tf part
at its own avgdl (`Segment.imp`); summed with the idf weights they give a
score that is off from the exact one by at most |avgdl / segment avgdl - 1|
of itself (plus the fixed-point rounding of the stored impacts, and float
rounding), since the tf part moves by at most that factor with avgdl. Every
row whose upper bound reaches the n-th best lower bound is then scored
exactly (its postings looked up), and the n best exact scores are the answer:
the same rows and scores as scoring everything exactly (`scores`). A small
segment is scored exactly straight away.

Exact scores are always summed per row in the same order (tokens by
(df, token), each contribution computed the same way), so a row's score has
the same bits whichever path or thread computed it, however the corpus is
split into segments.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

import numpy as np

from .segment import B, IMPACT_ERROR, IMPACT_SCALE, K1, Segment, smallest_tf_part

APPROX_MIN_ROWS = 50_000  # segments at least this big are ranked with stored impacts first
THREAD_MIN_POSTINGS = 1_000_000  # batches this big are scored on two threads
EXACT_CANDIDATES_MAX = 200_000  # more candidates than this in a segment: score it all exactly instead
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(2, thread_name_prefix="yttra-bm25")
    return _POOL


def _contribution(tf: np.ndarray, norm: np.ndarray, idf: np.float32) -> np.ndarray:
    """idf * tf / (tf + norm), float32, always in this operation order (so a row's score has the
    same bits whichever path computed it). `norm` is a fresh array and is overwritten."""
    tfv = tf.astype(np.float32)
    norm += tfv
    np.divide(tfv, norm, out=norm)
    norm *= idf
    return norm


def _top_values(x: np.ndarray, n: int) -> np.ndarray:
    """The n largest positive values of x (fewer if it has fewer), in no particular order: one pass
    with a threshold that about 4n values pass (estimated on a sample), then a partition of those."""
    if len(x) > 64 * n:
        step = max(1, n // 2)
        sample = x[::step]
        m = max(1, 4 * n // step)  # sample values above the threshold: ~4n values of x
        t0 = np.partition(sample, len(sample) - m)[len(sample) - m]
        if t0 > 0:
            sel = x[x >= t0]
            if len(sel) >= n:
                return np.partition(sel, len(sel) - n)[len(sel) - n:]
    pos = x[x > 0]
    return pos if len(pos) <= n else np.partition(pos, len(pos) - n)[len(pos) - n:]


def _impact_error(avgdl: float, seg: Segment) -> float:
    """d such that a row's impact score is within a factor 1 -+ d of its exact score: the tf part
    moves by at most |avgdl / segment avgdl - 1| with the global avgdl; uint16 impacts are within
    IMPACT_ERROR of the tf part, so within e = IMPACT_ERROR / (the segment's smallest tf part) of it
    relatively (exact = impact score x (1 +- that) / (1 -+ e)); plus float rounding."""
    d = abs(avgdl / seg.avgdl - 1)
    e = IMPACT_ERROR / smallest_tf_part(seg.dl, seg.avgdl) if seg.imp.dtype == np.uint16 else 0.0
    return (d + e + d * e + 2 * e * e * (1 + d)) * (1 + 1e-6) + 2e-5


class _Token:
    __slots__ = ("df", "text", "idf", "lists")

    def __init__(self, df, text, idf, lists):
        self.df, self.text, self.idf, self.lists = df, text, idf, lists


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
        self._error: dict[int, float] = {}  # segment -> _impact_error (computed once)

    def _bound(self, i: int) -> float:
        if i not in self._error:
            self._error[i] = _impact_error(self.avgdl, self.segments[i])
        return self._error[i]

    def norm(self, i: int) -> np.ndarray:
        """k1 * (1 - b + b * dl / avgdl) per row of segment i (computed once)."""
        v = self._norm[i]
        if v is None:
            dl = np.asarray(self.segments[i].dl, np.float32)
            v = self._norm[i] = (K1 * (1 - B + B * dl / np.float32(self.avgdl))).astype(np.float32)
        return v

    def _tokens(self, tokens: Sequence[str]) -> list[_Token]:
        """The query's tokens present in live rows, rarest first, with global df and idf, and their
        postings per segment: (segment, lo, hi) slices of the segment's arrays."""
        out = []
        for text, weight in Counter(tokens).items():
            df, lists = 0, []
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
                    lists.append((i, lo, hi))
            if df:
                idf = weight * math.log(1 + (self.n - df + 0.5) / (df + 0.5))
                out.append(_Token(df, text, np.float32(idf), lists))
        out.sort(key=lambda t: (t.df, t.text))
        return out

    # -- accumulating
    def _add(self, acc: list[np.ndarray | None], toks: Sequence[_Token], segs: set[int], exact: bool) -> None:
        """Add the tokens' contributions (exact, or from stored impacts) for the segments `segs`, each
        row's in token order. Big batches run on two threads, each taking half of every segment's
        rows: the same additions in the same order per row, so the same bits as one thread."""
        work = 0
        for tok in toks:
            for i, lo, hi in tok.lists:
                if i in segs:
                    if acc[i] is None:
                        acc[i] = np.zeros(len(self.segments[i]), np.float32)
                    if exact:
                        self.norm(i)
                    work += hi - lo
        if work < THREAD_MIN_POSTINGS or (os.cpu_count() or 1) < 2:
            self._add_part(acc, toks, segs, exact, 0, 1)
        else:
            list(_pool().map(lambda k: self._add_part(acc, toks, segs, exact, k, 2), range(2)))

    def _add_part(self, acc, toks, segs, exact: bool, part: int, parts: int) -> None:
        for tok in toks:
            for i, lo, hi in tok.lists:
                if i not in segs:
                    continue
                seg = self.segments[i]
                if parts > 1:
                    n = len(seg)
                    a, b = np.searchsorted(seg.rows[lo:hi], [n * part // parts, n * (part + 1) // parts])
                    lo, hi = lo + int(a), lo + int(b)
                if hi <= lo:
                    continue
                rows = seg.rows[lo:hi]  # unique within a posting list: add.at is numpy's fast scatter-add
                if exact:
                    np.add.at(acc[i], rows, _contribution(seg.tf[lo:hi], np.take(self._norm[i], rows), tok.idf))
                else:
                    w = np.float32(tok.idf / IMPACT_SCALE) if seg.imp.dtype == np.uint16 else tok.idf
                    np.add.at(acc[i], rows, seg.imp[lo:hi] * w)

    def _exact_rows(self, i: int, rows: np.ndarray, toks: Sequence[_Token]) -> np.ndarray:
        """Exact scores of the given rows (ascending) of segment i, by looking up their postings."""
        seg, out = self.segments[i], np.zeros(len(rows), np.float32)
        norm = self.norm(i)
        for tok in toks:
            for j, lo, hi in tok.lists:
                if j != i:
                    continue
                plist = seg.rows[lo:hi]
                p = np.minimum(np.searchsorted(plist, rows), len(plist) - 1)
                hit = plist[p] == rows
                if hit.any():
                    out[hit] += _contribution(seg.tf[lo:hi][p[hit]], np.take(norm, rows[hit]), tok.idf)
        return out

    # -- the two entry points
    def scores(self, tokens: Sequence[str]) -> list[np.ndarray]:
        """Exact BM25 score of every row of every segment (0 for deleted rows and rows without a query token)."""
        acc: list[np.ndarray | None] = [None] * len(self.segments)
        if self.n:
            self._add(acc, self._tokens(tokens), set(range(len(self.segments))), exact=True)
        out = [np.zeros(len(s), np.float32) if a is None else a for s, a in zip(self.segments, acc)]
        for sc, a in zip(out, self.alive):
            if a is not None:
                sc[~a] = 0.0
        return out

    def top(self, tokens: Sequence[str], n: int, allowed: Sequence[np.ndarray | None]) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """The n best rows with a positive score among `allowed` (per segment; None = all rows; deleted
        rows must be excluded by the caller's masks), plus any tied with the n-th:
        [(segment, rows, exact scores)]; the same rows and scores `scores` gives."""
        if not self.n or n <= 0:
            return []
        toks = self._tokens(tokens)
        big = {i for i, s in enumerate(self.segments) if len(s) >= APPROX_MIN_ROWS}
        acc: list[np.ndarray | None] = [None] * len(self.segments)
        self._add(acc, toks, set(range(len(self.segments))) - big, exact=True)
        self._add(acc, toks, big, exact=False)
        # lower / upper bounds of each row's exact score: (1 -+ d) x the impact score (d = 0 when exact)
        parts = []
        for i, sc in enumerate(acc):
            if sc is None:
                continue
            if allowed[i] is not None:
                sc = np.where(allowed[i], sc, np.float32(0))
            d = self._bound(i) if i in big else 0.0
            parts.append((i, sc, d))
        if not parts:
            return []
        lows = np.concatenate([_top_values(sc, n) * np.float32(1 - d) for _, sc, d in parts])
        if not len(lows):
            return []
        theta = float(np.partition(lows, len(lows) - n)[len(lows) - n]) if len(lows) >= n else 0.0
        cands = []
        for i, sc, d in parts:  # every row whose upper bound reaches theta, a lower bound of the n-th best
            rows = (np.flatnonzero(sc >= np.float32(theta / (1 + d) * (1 - 1e-6))) if theta > 0
                    else np.flatnonzero(sc > 0))
            rows = rows[sc[rows] > 0]
            if i not in big:
                cands.append((i, rows, sc[rows]))
            elif len(rows) > EXACT_CANDIDATES_MAX:
                full: list[np.ndarray | None] = [None] * len(self.segments)
                self._add(full, toks, {i}, exact=True)
                cands.append((i, rows, full[i][rows]))
            elif len(rows):
                cands.append((i, rows, self._exact_rows(i, rows, toks)))
        # the n best exact scores, ties included (every row left out is below the n-th: its upper
        # bound is under theta, a lower bound of the n-th best exact score)
        vals = np.concatenate([v for _, _, v in cands]) if cands else np.zeros(0, np.float32)
        if len(vals) > n:
            cut = float(np.partition(vals, len(vals) - n)[len(vals) - n])
            cands = [(i, r[v >= cut], v[v >= cut]) for i, r, v in cands]
        return [(i, r, v) for i, r, v in cands if len(r)]
