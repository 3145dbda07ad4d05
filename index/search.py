"""Hybrid search over the segments of one store state: FAISS / exact inner
product (dense, on normalised vectors) + BM25 (diacritic-folded, Swedish
analyzer, global statistics, index/bm25.py), fused with reciprocal rank
fusion. Filters on nämnd, document type, programme period, year, document
and section (index/filters.py).

A `SearchIndex` is one consistent state: its segments (memory-mapped),
their dead rows, and a `source` that turns passage ids into `Chunk`s (the
store's SQLite, or a list in memory). Rows are addressed by a global id:
the segment's offset plus the row. Ties are broken by (doc_id, position in
the document), so a corpus split over many segments ranks exactly like the
same corpus rebuilt into one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Protocol, Sequence

import numpy as np

from .bm25 import LexicalStats
from .embed import Embedder
from .filters import FILTER_FIELDS, FilterError, active_filters, match_values  # noqa: F401 - re-exported
from .segment import Segment, SegmentBuilder
from .store import REBUILD, IndexMismatchError, IndexStoreError, StoreReader, open_reader
from .textnorm import fold, lexical_tokens, words
from .types import Chunk, Hit

MODES = ("dense", "bm25", "hybrid")
HNSW_EF_SEARCH = 512
# A filter that leaves at most this many rows of an HNSW segment is searched exactly over those rows:
# cheaper than a graph walk that must skip almost every node, and exact.
EXACT_FILTERED_MAX = 50_000


class StaleIndexError(IndexStoreError):
    """The state this index was loaded from is gone (a later merge removed rows): reload."""


# ---------------------------------------------------------------- building (bench and reference helpers)

def build_faiss(vectors: np.ndarray, hnsw_threshold: int, path: Path) -> str:
    """Exact inner-product index for small corpora, HNSW above the threshold (as segments build them)."""
    import faiss

    n, dim = (vectors.shape if vectors.ndim == 2 and len(vectors) else (0, 1))
    if n >= hnsw_threshold:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        kind = "hnsw32"
    else:
        index = faiss.IndexFlatIP(dim)
        kind = "flat-ip"
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(path))
    return kind


def build_bm25(token_lists: list[list[str]], path: Path) -> None:
    """The reference: bm25s's Lucene BM25 over the same tokens (tests and benchmarks compare against it)."""
    import bm25s

    retriever = bm25s.BM25(k1=1.2, b=0.75)
    retriever.index([t or [""] for t in token_lists] or [[""]], show_progress=False)
    retriever.save(str(path))


# ---------------------------------------------------------------- fusion

def rrf(ranked: Sequence[Sequence[int]], *, k: int = 60, weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: score(d) = sum_i w_i / (k + rank_i(d)), ranks 1-based.

    Returns (item, score) sorted by score, ties broken by first appearance."""
    weights = weights or [1.0] * len(ranked)
    scores: dict[int, float] = {}
    order: dict[int, int] = {}
    for lst, w in zip(ranked, weights):
        for r, item in enumerate(lst, start=1):
            scores[item] = scores.get(item, 0.0) + w / (k + r)
            order.setdefault(item, len(order))
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))


def _inner(vectors: np.ndarray, q: np.ndarray) -> np.ndarray:
    """vectors @ q, one row at a time with FAISS's kernel: a row's score does not
    depend on which other rows are in the batch (BLAS blocking can change the last
    bit), so a segment split differently ranks identically."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    out = np.empty(len(vectors), np.float32)
    if len(vectors):
        faiss.fvec_inner_products_ny(faiss.swig_ptr(out), faiss.swig_ptr(q), faiss.swig_ptr(vectors),
                                     vectors.shape[1], len(vectors))
    return out


def _top_with_ties(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n largest finite scores plus any tied with the n-th."""
    ok = np.isfinite(scores)
    if len(scores) <= n:
        return np.flatnonzero(ok)
    thr = np.partition(scores, len(scores) - n)[len(scores) - n]
    return np.flatnonzero((scores >= thr) & ok)


# ---------------------------------------------------------------- chunk sources

class ChunkSource(Protocol):
    def chunks(self, pids: Sequence[int]) -> dict[int, Chunk]: ...

    def doc_pids(self, doc_id: str) -> list[tuple[int, int]]: ...

    def pids_for_chunk_ids(self, chunk_ids: Sequence[str]) -> dict[str, list[int]]: ...

    def dead_texts(self, segment_ids: Sequence[int]) -> list[str]: ...

    def records(self) -> dict[str, dict]: ...


class MemorySource:
    """Chunks in a list, pid = position."""

    def __init__(self, chunks: Sequence[Chunk], records: dict[str, dict] | None = None):
        self._chunks = list(chunks)
        self._records = dict(sorted((records or {}).items()))
        self._by_doc: dict[str, list[tuple[int, int]]] = {}
        self._by_cid: dict[str, list[int]] = {}
        for i, c in enumerate(self._chunks):
            rows = self._by_doc.setdefault(c.doc_id, [])
            rows.append((i, len(rows)))
            self._by_cid.setdefault(c.id, []).append(i)

    def chunks(self, pids):
        return {int(p): self._chunks[int(p)] for p in pids if 0 <= int(p) < len(self._chunks)}

    def doc_pids(self, doc_id):
        return list(self._by_doc.get(doc_id, []))

    def pids_for_chunk_ids(self, chunk_ids):
        return {c: self._by_cid[c] for c in chunk_ids if c in self._by_cid}

    def dead_texts(self, segment_ids):
        return []

    def records(self):
        return dict(self._records)


# ---------------------------------------------------------------- searching

class SearchIndex:
    """One loaded state of the index, ready to answer queries. Thread-safe for reads."""

    def __init__(self, segments: Sequence[Segment], dead: Sequence[np.ndarray | None], source: ChunkSource,
                 manifest: dict, *, segment_ids: Sequence[int] | None = None, generation=None):
        import faiss

        self.segments = list(segments)
        self.segment_ids = list(segment_ids) if segment_ids is not None else list(range(len(self.segments)))
        self.source = source
        self.manifest = manifest
        self.generation = generation  # (store path, version) for a store-backed index
        self.alive: list[np.ndarray | None] = []
        for s, d in zip(self.segments, dead):
            if d is None or not len(d):
                self.alive.append(None)
            else:
                a = np.ones(len(s), bool)
                rows = s.rows_of(d)
                a[rows[rows >= 0]] = False
                self.alive.append(a)
        self.offsets = np.concatenate([[0], np.cumsum([len(s) for s in self.segments])]).astype(np.int64)
        self.n_rows = int(self.offsets[-1])
        self._n = sum(len(s) if a is None else int(a.sum()) for s, a in zip(self.segments, self.alive))
        self.lex = LexicalStats(self.segments, self.alive)
        for s in self.segments:
            if s.faiss is not None and isinstance(s.faiss, faiss.IndexHNSW):
                # efSearch 16 (faiss's default) gave recall@10 of 0.34-0.85 in eval/bench; 512 gave 0.92+ at 1M chunks.
                s.faiss.hnsw.efSearch = HNSW_EF_SEARCH
        self._values: dict[str, list] | None = None
        self._words: tuple[dict[str, int], list[str]] | None = None
        self._records: dict[str, dict] | None = None
        self._live_ids: np.ndarray | None = None

    # -- construction
    @classmethod
    def build(cls, chunks: list[Chunk], vectors: np.ndarray, bm25_tokens: list[list[str]], manifest: dict) -> "SearchIndex":
        """One in-memory segment, nothing written (the in-memory corpus)."""
        dim = int(vectors.shape[1]) if vectors.ndim == 2 and vectors.shape[1] else 1
        b = SegmentBuilder(dim)
        seq: dict[str, int] = {}
        for i, (c, toks) in enumerate(zip(chunks, bm25_tokens)):
            s = seq[c.doc_id] = seq.get(c.doc_id, -1) + 1
            b.add(i, s, toks, {fold(w) for w in words(c.text)}, _values(c), vectors[i])
        return cls([b.finish()], [None], MemorySource(chunks, manifest.get("documents")), manifest)

    @classmethod
    def from_reader(cls, reader: StoreReader) -> "SearchIndex":
        snap = reader.snapshot()
        segs = [reader.segment(name) for _, name in snap.segments]
        reader.forget(name for _, name in snap.segments)
        return cls(segs, [snap.dead.get(sid) for sid, _ in snap.segments], reader, snap.meta,
                   segment_ids=[sid for sid, _ in snap.segments], generation=(snap.path, snap.version))

    @classmethod
    def load(cls, index_dir: Path) -> "SearchIndex":
        return cls.from_reader(open_reader(Path(index_dir)))

    @property
    def model_id(self) -> str:
        return self.manifest.get("model_id", "")

    def __len__(self) -> int:
        return self._n

    # -- rows
    def _locate(self, gids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        seg = np.searchsorted(self.offsets, gids, side="right") - 1
        return seg, gids - self.offsets[seg]

    def pids(self, gids: Sequence[int]) -> list[int]:
        seg, row = self._locate(np.asarray(gids, np.int64))
        return [int(self.segments[s].pids[r]) for s, r in zip(seg, row)]

    def chunks_at(self, gids: Sequence[int]) -> list[Chunk]:
        pids = self.pids(gids)
        found = self.source.chunks(pids)
        missing = [p for p in pids if p not in found]
        if missing:
            raise StaleIndexError(f"passages {missing[:3]} are gone from the index; reload it")
        return [found[p] for p in pids]

    def live_gids(self, pids: Sequence[int]) -> list[int | None]:
        """The global id of each pid in this state, None where it is not live here."""
        pids = np.asarray(pids, np.int64)
        out: list[int | None] = [None] * len(pids)
        for i, (s, a) in enumerate(zip(self.segments, self.alive)):
            rows = s.rows_of(pids)
            for j in np.flatnonzero(rows >= 0):
                if a is None or a[rows[j]]:
                    out[j] = int(self.offsets[i] + rows[j])
        return out

    def vectors_at(self, gids: Sequence[int]) -> np.ndarray:
        gids = np.asarray(gids, np.int64)
        dim = self.segments[0].dim if self.segments else int(self.manifest.get("dim", 1) or 1)
        out = np.zeros((len(gids), dim), np.float32)
        seg, row = self._locate(gids)
        for s in np.unique(seg):
            k = seg == s
            out[k] = self.segments[s].vectors[row[k]]
        return out

    def live_ids(self) -> np.ndarray:
        """Global ids of all live rows, ascending (built once)."""
        if self._live_ids is None:
            parts = [np.arange(len(s)) + o if a is None else np.flatnonzero(a) + o
                     for s, a, o in zip(self.segments, self.alive, self.offsets)]
            self._live_ids = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
        return self._live_ids

    def passages(self, doc_id: str) -> list[Chunk]:
        """The document's live passages in reading order."""
        pairs = sorted(self.source.doc_pids(doc_id), key=lambda ps: ps[1])
        live = self.live_gids([p for p, _ in pairs])
        return self.chunks_at([g for g in live if g is not None])

    def records(self) -> dict[str, dict]:
        if self._records is None:
            self._records = self.source.records()
        return self._records

    def word_df(self) -> tuple[dict[str, int], list[str]]:
        """Passage frequency of every folded word of the live passages, and the words sorted."""
        if self._words is None:
            df: dict[str, int] = {}
            for s in self.segments:
                for w, n in zip(s.words.strings(), s.words_df.tolist()):
                    df[w] = df.get(w, 0) + n
            dead = [sid for sid, a in zip(self.segment_ids, self.alive) if a is not None]
            for t in self.source.dead_texts(dead) if dead else ():
                for w in {fold(w) for w in words(t)}:
                    if w in df:
                        df[w] -= 1
            df = {w: n for w, n in df.items() if n > 0}
            self._words = (df, sorted(df))
        return self._words

    # -- filters
    def filter_values(self) -> dict[str, list]:
        """Valid values per filter field (for error messages and UI dropdowns)."""
        if self._values is None:
            vals: dict[str, set] = {f: set() for f in FILTER_FIELDS}
            for s, a in zip(self.segments, self.alive):
                for f in FILTER_FIELDS:
                    codes = s.codes[f] if a is None else s.codes[f][a]
                    used = np.flatnonzero(np.bincount(codes, minlength=len(s.values[f])))
                    vals[f].update(s.values[f][int(i)] for i in used)
            self._values = {f: sorted((v for v in vals[f] if v not in (None, "")), key=str) for f in FILTER_FIELDS}
        return {k: list(v) for k, v in self._values.items()}

    def _match_values(self, field: str, wanted: Iterable) -> set:
        return match_values(field, wanted, self.filter_values()[field])

    def mask(self, filters: dict | None) -> np.ndarray | None:
        """Boolean mask over global ids of live rows passing the filters (None = no filtering)."""
        active = active_filters(filters)
        if not active:
            return None
        oks = {f: self._match_values(f, wanted) for f, wanted in active.items()}
        parts = []
        for s, a in zip(self.segments, self.alive):
            m = np.ones(len(s), bool) if a is None else a.copy()
            for f, ok in oks.items():
                lut = np.fromiter((v in ok for v in s.values[f]), bool, len(s.values[f]))
                m &= lut[s.codes[f]] if len(lut) else False
            parts.append(m)
        return np.concatenate(parts) if parts else np.zeros(0, bool)

    def _allowed(self, i: int, mask: np.ndarray | None) -> np.ndarray | None:
        if mask is None:
            return self.alive[i]
        return mask[self.offsets[i]:self.offsets[i + 1]]

    def doc_ids(self, mask: np.ndarray | None) -> set[str]:
        out: set[str] = set()
        for i, s in enumerate(self.segments):
            allowed = self._allowed(i, mask)
            codes = s.codes["doc_id"] if allowed is None else s.codes["doc_id"][allowed]
            out.update(s.values["doc_id"][int(c)] for c in np.unique(codes))
        return out

    def _ranked(self, cands: list[tuple[float, int, int]], n: int) -> list[tuple[int, float]]:
        """(score, segment, row) -> the n best as (global id, score), ties by (doc_id, seq)."""
        def key(c):
            sc, i, r = c
            s = self.segments[i]
            return (-round(sc, 6), s.value("doc_id", r), int(s.seq[r]))  # float noise below 1e-6 is a tie

        return [(int(self.offsets[i] + r), float(sc)) for sc, i, r in sorted(cands, key=key)[:n]]

    # -- the two halves
    def dense_ranking(self, qvec: np.ndarray, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        import faiss

        q = np.ascontiguousarray(np.asarray(qvec, np.float32).reshape(-1))
        cands: list[tuple[float, int, int]] = []
        for i, s in enumerate(self.segments):
            allowed = self._allowed(i, mask)
            total = len(s) if allowed is None else int(allowed.sum())
            k = min(n, total)
            if k <= 0:
                continue
            if s.faiss is not None and (allowed is None or total > EXACT_FILTERED_MAX):
                params = None
                if allowed is not None:
                    sel = faiss.IDSelectorBitmap(np.packbits(allowed, bitorder="little"))
                    params = faiss.SearchParametersHNSW(sel=sel, efSearch=max(HNSW_EF_SEARCH, k))
                scores, ids = s.faiss.search(q[None], k, params=params)
                cands += [(float(sc), i, int(r)) for r, sc in zip(ids[0], scores[0]) if r >= 0]
                continue
            if allowed is not None and total < len(s) // 4:
                rows = np.flatnonzero(allowed)
                sc = _inner(s.vectors[rows], q)
                top = _top_with_ties(sc, k)
                cands += [(float(sc[j]), i, int(rows[j])) for j in top]
            else:
                sc = _inner(s.vectors, q)
                if allowed is not None:
                    sc[~allowed] = -np.inf
                cands += [(float(sc[r]), i, int(r)) for r in _top_with_ties(sc, k)]
        return self._ranked(cands, n)

    def _segment_bm25(self, query: str, mask: np.ndarray | None) -> list[np.ndarray]:
        analyzer = self.manifest.get("analyzer", "stem")
        out = self.lex.scores(lexical_tokens(query, analyzer))
        for i, sc in enumerate(out):
            allowed = self._allowed(i, mask)
            if allowed is not None:
                sc[~allowed] = 0.0
        return out

    def bm25_scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score per global id (0 for dead or filtered-out rows)."""
        parts = self._segment_bm25(query, mask)
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)

    def bm25_ranking(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        if n <= 0:
            return []
        allowed = [self._allowed(i, mask) for i in range(len(self.segments))]
        tokens = lexical_tokens(query, self.manifest.get("analyzer", "stem"))
        cands = [(float(sc), i, int(r)) for i, rows, scores in self.lex.top(tokens, n, allowed)
                 for r, sc in zip(rows, scores)]
        return self._ranked(cands, n)

    # -- public entry point
    def search(self, query: str, embedder: Embedder | None, *, k: int = 5, mode: str = "hybrid",
               filters: dict | None = None, candidates: int = 50, rrf_k: int = 5,
               weights: tuple[float, float] = (1.0, 1.0)) -> list[Hit]:
        """Top-k hits for `query`. An empty index or query returns []."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        mask = self.mask(filters)
        if not query.strip() or not len(self):
            return []
        n = max(candidates, k)
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if mode in ("dense", "hybrid"):  # checked before anything runs
            if embedder is None:
                raise ValueError("dense and hybrid search need an embedder")
            if embedder.model_id != self.model_id:
                raise IndexMismatchError(
                    f"the index was built with {self.model_id!r} but the query model is {embedder.model_id!r}; "
                    "re-index with `yttra ingest --rebuild` (or set the embedding model back)")
        if mode == "hybrid":  # the lexical half runs meanwhile (numpy and FAISS release the GIL)
            pending = _pool().submit(self.bm25_ranking, query, n, mask)
            try:
                dense = self.dense_ranking(embedder.embed_queries([query])[0], n, mask)
            finally:
                lexical = pending.result()
        elif mode == "dense":
            dense = self.dense_ranking(embedder.embed_queries([query])[0], n, mask)
        else:
            lexical = self.bm25_ranking(query, n, mask)
        d_rank = {i: r for r, (i, _) in enumerate(dense, 1)}
        b_rank = {i: r for r, (i, _) in enumerate(lexical, 1)}
        if mode == "dense":
            fused = dense
        elif mode == "bm25":
            fused = lexical
        else:
            fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]], k=rrf_k, weights=weights)
        top = fused[:k]
        chunks = self.chunks_at([i for i, _ in top])
        return [Hit(c, float(s), r, d_rank.get(i), b_rank.get(i)) for r, ((i, s), c) in enumerate(zip(top, chunks), 1)]


_POOL = None


def _pool():
    """Threads for the lexical half of hybrid searches (a pool of its own: BM25 uses index.bm25's)."""
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(4, thread_name_prefix="yttra-search")
    return _POOL


def _values(c: Chunk) -> dict:
    return {"namnd": c.namnd, "doc_type": c.doc_type, "period": c.period, "year": c.year,
            "doc_id": c.doc_id, "section": c.section}


__all__ = ["MODES", "HNSW_EF_SEARCH", "SearchIndex", "MemorySource", "StaleIndexError", "FilterError", "rrf",
           "build_faiss", "build_bm25", "REBUILD"]
