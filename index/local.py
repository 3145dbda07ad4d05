"""The embedded default `Corpus`: generation directories on local disk
(FAISS + BM25 files, written by `index.pipeline.ingest`).

`IndexedCorpus` implements every read of the interface over one loaded
`SearchIndex`; `LocalCorpus` adds loading (lazily, reloading when an ingest
switched CURRENT), the model check and the search settings, and writes
through the ingest pipeline. `MemoryCorpus` (index/memory.py) reuses the reads.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .corpus import FACET_FIELDS, SIMILARITY_SAMPLE, DocRecord, TermStats, term_df, words_df
from .embed import Embedder, make_embedder
from .search import SearchIndex
from .settings import Settings
from .store import IndexMismatchError, IndexNotFoundError, IndexStoreError, current_generation, read_generation
from .types import Chunk, DocMeta, Hit, IngestReport

MAX_QUERY_CHARS = 2000  # the model reads ~512 tokens; longer queries only cost time (10k chars: ~5 s)


class _Derived:
    """What is computed once per loaded index and reused by every call."""

    def __init__(self, index: SearchIndex):
        self.by_doc: dict[str, list[int]] = {}
        self.row: dict[str, int] = {}
        for i, c in enumerate(index.chunks):
            self.by_doc.setdefault(c.doc_id, []).append(i)
            self.row[c.id] = i
        docs = index.manifest.get("documents") or {}
        self.records = {d: DocRecord.from_record(d, rec) for d, rec in sorted(docs.items()) if isinstance(rec, dict)}
        for d, rows in self.by_doc.items():  # an index without a catalogue: describe from the chunks
            if d not in self.records:
                c = index.chunks[rows[0]]
                meta = DocMeta(d, c.title, c.namnd, c.doc_type, c.period, c.dnr, c.date, c.year)
                self.records[d] = DocRecord(d, c.source, meta, max(index.chunks[r].page_end for r in rows), len(rows))
        self.records = dict(sorted(self.records.items()))
        self._vocab: tuple[dict[str, int], list[str]] | None = None
        self._sample: np.ndarray | None = None
        self._lock = threading.Lock()

    def vocab(self, chunks: list[Chunk]) -> tuple[dict[str, int], list[str]]:
        with self._lock:
            if self._vocab is None:
                df = words_df(chunks)
                self._vocab = (df, sorted(df))
            return self._vocab

    def sample(self, n: int) -> np.ndarray:
        with self._lock:
            if self._sample is None:
                rng = np.random.default_rng(0)
                self._sample = np.sort(rng.choice(n, size=min(n, SIMILARITY_SAMPLE), replace=False))
            return self._sample


class IndexedCorpus:
    """The read half of the `Corpus` interface over a `SearchIndex`."""

    settings: Settings

    # -- subclasses provide the live index and the embedder
    @property
    def index(self) -> SearchIndex:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def embedder(self) -> Embedder:  # pragma: no cover - abstract
        raise NotImplementedError

    def _derived(self) -> _Derived:
        index = self.index
        d = getattr(index, "_corpus_derived", None)
        if d is None:
            d = _Derived(index)
            index._corpus_derived = d  # one per loaded index: a reload starts afresh
        return d

    # -- interface
    @property
    def model_id(self) -> str:
        return self.index.model_id

    def __len__(self) -> int:
        return len(self.index)

    def search(self, query: str, *, k: int | None = None, mode: str | None = None,
               filters: dict | None = None) -> list[Hit]:
        s = self.settings.search
        query = (query or "")[:MAX_QUERY_CHARS]
        mode = mode or s.mode
        index = self.index
        embedder = self.embedder if mode in ("dense", "hybrid") else None
        return index.search(query, embedder, k=k or s.k, mode=mode, filters=filters,
                            candidates=s.candidates, rrf_k=s.rrf_k,
                            weights=(s.dense_weight, s.bm25_weight))

    def embed_query(self, text: str) -> np.ndarray:
        embedder, index = self.embedder, self.index
        if len(index) and embedder.model_id != index.model_id:
            raise IndexMismatchError(
                f"the index was built with {index.model_id!r} but the query model is {embedder.model_id!r}; "
                "re-index with `yttra ingest --rebuild` (or set the embedding model back)")
        return np.asarray(embedder.embed_queries([(text or "")[:MAX_QUERY_CHARS]])[0], dtype=np.float32)

    def similarity(self, qvec: np.ndarray, chunk_ids: Sequence[str]) -> np.ndarray:
        index, row = self.index, self._derived().row
        rows = [row.get(cid, -1) for cid in chunk_ids]
        out = np.zeros(len(rows), dtype=np.float32)
        ok = [i for i, r in enumerate(rows) if r >= 0]
        if ok:
            out[ok] = index.vectors[[rows[i] for i in ok]] @ np.asarray(qvec, dtype=np.float32)
        return out

    def similarity_stats(self, qvec: np.ndarray) -> tuple[float, float]:
        index = self.index
        n = len(index)
        if n == 0:
            return 0.0, 0.0
        vecs = index.vectors if n <= SIMILARITY_SAMPLE else index.vectors[self._derived().sample(n)]
        cos = vecs @ np.asarray(qvec, dtype=np.float32)
        return float(cos.mean()), float(cos.std()) if len(cos) > 1 else 0.0

    def facets(self) -> dict[str, dict]:
        out: dict[str, dict] = {f: {} for f in FACET_FIELDS}
        for rec in self._derived().records.values():
            for f in FACET_FIELDS:
                v = getattr(rec.meta, f)
                if v not in (None, ""):
                    out[f][v] = out[f].get(v, 0) + 1
        return {f: dict(sorted(vals.items(), key=lambda kv: str(kv[0]))) for f, vals in out.items()}

    def term_stats(self, terms: Iterable[str]) -> TermStats:
        index = self.index
        vocab_df, vocab_sorted = self._derived().vocab(index.chunks)
        return TermStats(len(index), {t: term_df(t, vocab_df, vocab_sorted) for t in dict.fromkeys(terms)})

    def documents(self, filters: dict | None = None) -> list[DocRecord]:
        records = self._derived().records
        index = self.index
        mask = index.mask(filters)  # the search's own filter: same matching, same FilterError
        if mask is None:
            return list(records.values())
        wanted = {index.chunks[i].doc_id for i in np.flatnonzero(mask)}
        return [r for d, r in records.items() if d in wanted]

    def document(self, doc_id: str) -> DocRecord | None:
        return self._derived().records.get(doc_id)

    def passages(self, doc_id: str) -> list[Chunk]:
        index = self.index
        return [index.chunks[i] for i in self._derived().by_doc.get(doc_id, [])]


class LocalCorpus(IndexedCorpus):
    """The embedded store under settings.index_dir. Thread-safe for reads;
    writes go through the ingest pipeline (which holds the index lock)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.embed)
        return self._embedder

    @property
    def index(self) -> SearchIndex:
        """The live index, reloaded if a newer generation was switched in."""
        index_dir = Path(self.settings.index_dir)
        with self._lock:
            for attempt in (1, 2):
                gen = current_generation(index_dir)
                if gen is None:
                    raise IndexNotFoundError(f"no index in {index_dir}; build it with `yttra ingest` (or `make run`)")
                if self._index is not None and self._index.generation.path.name == gen.name:
                    return self._index
                try:
                    self._index = SearchIndex.from_generation(read_generation(gen))
                    return self._index
                except IndexStoreError:
                    # Two ingests may have switched and pruned this generation since CURRENT was read:
                    # read CURRENT again once before reporting the index as broken.
                    if attempt == 2 or current_generation(index_dir) == gen:
                        raise
        raise AssertionError("unreachable")

    def upsert(self, paths: Sequence) -> IngestReport:
        from .pipeline import ingest

        if not paths:
            return IngestReport()
        return ingest(self.settings, [Path(p) for p in paths], embedder=self.embedder, progress=False)

    def delete(self, doc_ids: Sequence[str]) -> IngestReport:
        from .pipeline import ingest

        if not doc_ids:
            return IngestReport()
        return ingest(self.settings, [], remove=list(doc_ids), embedder=self.embedder, progress=False)
