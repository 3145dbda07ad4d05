"""Hybrid search: FAISS (dense, inner product on normalised vectors) + BM25
(bm25s over diacritic-folded, Swedish-stemmed text), fused with reciprocal
rank fusion. Filters on nämnd, document type, programme period and year.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .embed import Embedder
from .store import Generation, IndexMismatchError, IndexStoreError, read_current
from .filters import FILTER_FIELDS, FilterError, active_filters, match_values  # noqa: F401 - re-exported
from .textnorm import lexical_tokens
from .types import Chunk, Hit

MODES = ("dense", "bm25", "hybrid")
HNSW_EF_SEARCH = 512


# ---------------------------------------------------------------- building

def build_faiss(vectors: np.ndarray, hnsw_threshold: int, path: Path) -> str:
    """Exact inner-product index for small corpora, HNSW above the threshold."""
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
    import bm25s

    retriever = bm25s.BM25(k1=1.2, b=0.75)  # Lucene variant
    # An empty document still needs a token so bm25s can index it.
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


# ---------------------------------------------------------------- searching

class SearchIndex:
    """A loaded generation, ready to answer queries. Thread-safe for reads."""

    def __init__(self, chunks: list[Chunk], vectors: np.ndarray, faiss_index, bm25, manifest: dict,
                 generation: Generation | None = None):
        import faiss

        self.generation = generation
        self.manifest = manifest
        self.chunks: list[Chunk] = chunks
        self.vectors = vectors
        self.faiss = faiss_index
        self.bm25 = bm25
        if self.faiss.ntotal != len(self.chunks):
            raise IndexStoreError(f"faiss index holds {self.faiss.ntotal} vectors for {len(self.chunks)} chunks; "
                                  "rebuild with `yttra ingest --rebuild`")
        if isinstance(self.faiss, faiss.IndexHNSW):
            # efSearch 16 (faiss's default) gave recall@10 of 0.34-0.85 in eval/bench; 512 gave 0.92+ at 1M chunks.
            self.faiss.hnsw.efSearch = HNSW_EF_SEARCH
        self._values = {f: sorted({getattr(c, f) for c in self.chunks if getattr(c, f) not in (None, "")},
                                  key=str) for f in FILTER_FIELDS}
        self._column_cache: dict[str, np.ndarray] = {}

    @classmethod
    def from_generation(cls, gen: Generation) -> "SearchIndex":
        """Open the FAISS and BM25 files of a generation read from disk."""
        import bm25s
        import faiss

        try:  # faiss raises RuntimeError, bm25s JSON/numpy errors on damaged files
            faiss_index = faiss.read_index(str(gen.path / "faiss.index"))
            bm25 = bm25s.BM25.load(str(gen.path / "bm25"))
            return cls(gen.chunks, gen.vectors, faiss_index, bm25, gen.manifest, gen)
        except IndexStoreError:
            raise
        except Exception as e:
            raise IndexStoreError(
                f"index at {gen.path} is unreadable ({type(e).__name__}: {' '.join(str(e).split())[:200]}); "
                "rebuild with `yttra ingest --rebuild`") from e

    @classmethod
    def build(cls, chunks: list[Chunk], vectors: np.ndarray, bm25_tokens: list[list[str]], manifest: dict) -> "SearchIndex":
        """Build FAISS (exact) and BM25 in memory, nothing written (the in-memory corpus)."""
        import bm25s
        import faiss

        dim = int(vectors.shape[1]) if vectors.ndim == 2 and vectors.shape[1] else 1
        faiss_index = faiss.IndexFlatIP(dim)
        if len(chunks):
            faiss_index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index([t or [""] for t in bm25_tokens] or [[""]], show_progress=False)
        return cls(chunks, vectors, faiss_index, bm25, manifest)

    @classmethod
    def load(cls, index_dir: Path) -> "SearchIndex":
        return cls.from_generation(read_current(Path(index_dir)))

    @property
    def model_id(self) -> str:
        return self.manifest.get("model_id", "")

    def __len__(self) -> int:
        return len(self.chunks)

    def filter_values(self) -> dict[str, list]:
        """Valid values per filter field (for error messages and UI dropdowns)."""
        return {k: list(v) for k, v in self._values.items()}

    # -- filters
    def _match_values(self, field: str, wanted: Iterable) -> set:
        return match_values(field, wanted, self._values[field])

    def _column(self, field: str) -> np.ndarray:
        """The field's value per chunk as an object array (built once per index)."""
        col = self._column_cache.get(field)
        if col is None:
            col = np.empty(len(self.chunks), dtype=object)
            col[:] = [getattr(c, field) for c in self.chunks]
            self._column_cache[field] = col
        return col

    def mask(self, filters: dict | None) -> np.ndarray | None:
        """Boolean mask of chunks passing the filters (None = no filtering)."""
        active = active_filters(filters)
        if not active:
            return None
        m = np.ones(len(self.chunks), dtype=bool)
        for field, wanted in active.items():
            ok = self._match_values(field, wanted)
            col = self._column(field)
            m &= np.fromiter((v in ok for v in col), dtype=bool, count=len(col))
        return m

    # -- the two halves
    def dense_ranking(self, qvec: np.ndarray, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        import faiss

        total = len(self.chunks) if mask is None else int(mask.sum())
        n = min(n, total)
        if n <= 0:
            return []
        q = np.ascontiguousarray(qvec.reshape(1, -1), dtype=np.float32)
        if mask is None:
            scores, ids = self.faiss.search(q, n)
        else:
            sel = faiss.IDSelectorBatch(np.flatnonzero(mask).astype(np.int64))
            params = (faiss.SearchParametersHNSW(sel=sel, efSearch=max(HNSW_EF_SEARCH, n))
                      if isinstance(self.faiss, faiss.IndexHNSW) else faiss.SearchParameters(sel=sel))
            scores, ids = self.faiss.search(q, n, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def bm25_scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        analyzer = self.manifest.get("analyzer", "stem")
        tokens = [t for t in lexical_tokens(query, analyzer) if t in self.bm25.vocab_dict]
        if not tokens or not len(self.chunks):
            return np.zeros(len(self.chunks), dtype=np.float32)
        weight = None if mask is None else mask.astype(np.float32)
        return np.asarray(self.bm25.get_scores(tokens, weight_mask=weight), dtype=np.float32)

    def bm25_ranking(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        scores = self.bm25_scores(query, mask)
        n = min(n, len(scores))
        if n <= 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

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
        if not query.strip() or not len(self.chunks):
            return []
        n = max(candidates, k)
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if mode in ("dense", "hybrid"):
            if embedder is None:
                raise ValueError("dense and hybrid search need an embedder")
            if embedder.model_id != self.model_id:
                raise IndexMismatchError(
                    f"the index was built with {self.model_id!r} but the query model is {embedder.model_id!r}; "
                    "re-index with `yttra ingest --rebuild` (or set the embedding model back)")
            dense = self.dense_ranking(embedder.embed_queries([query])[0], n, mask)
        if mode in ("bm25", "hybrid"):
            lexical = self.bm25_ranking(query, n, mask)
        d_rank = {i: r for r, (i, _) in enumerate(dense, 1)}
        b_rank = {i: r for r, (i, _) in enumerate(lexical, 1)}
        if mode == "dense":
            fused = dense
        elif mode == "bm25":
            fused = lexical
        else:
            fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]], k=rrf_k, weights=weights)
        return [Hit(self.chunks[i], float(s), r, d_rank.get(i), b_rank.get(i))
                for r, (i, s) in enumerate(fused[:k], 1)]
