"""The embedded default `Corpus`: a segment store on local disk (SQLite +
memory-mapped segment files, written by `index.pipeline.ingest`).

`IndexedCorpus` implements every read of the interface over one loaded
`SearchIndex`; `LocalCorpus` adds loading (lazily; when an ingest committed,
a reload opens only the new segments), the model check and the search
settings, and writes through the ingest pipeline. `MemoryCorpus`
(index/memory.py) reuses the reads.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Callable, Collection, Iterable, Sequence, TypeVar

import numpy as np

from .corpus import FACET_FIELDS, SIMILARITY_SAMPLE, DocRecord, TermStats, derived_cache_dir, term_df
from .embed import Embedder, make_embedder
from .search import SearchIndex, StaleIndexError
from .settings import Settings
from .store import (IndexMismatchError, IndexNotFoundError, IndexStoreError, StoreReader, current_store)
from .types import Chunk, Hit, IngestReport

MAX_QUERY_CHARS = 2000  # the model reads ~512 tokens; longer queries only cost time (10k chars: ~5 s)
T = TypeVar("T")


class _Derived:
    """What is computed once per loaded index and reused by every call."""

    def __init__(self, index: SearchIndex):
        self.records = {d: DocRecord.from_record(d, rec) for d, rec in sorted(index.records().items())
                        if isinstance(rec, dict)}
        self._sample: np.ndarray | None = None
        self._lock = threading.Lock()

    def sample(self, index: SearchIndex) -> np.ndarray:
        """A fixed sample of at most SIMILARITY_SAMPLE live rows (global ids)."""
        with self._lock:
            if self._sample is None:
                live = index.live_ids()
                if len(live) > SIMILARITY_SAMPLE:
                    rng = np.random.default_rng(0)
                    live = live[np.sort(rng.choice(len(live), size=SIMILARITY_SAMPLE, replace=False))]
                self._sample = live
            return self._sample


class IndexedCorpus:
    """The read half of the `Corpus` interface over a `SearchIndex`."""

    settings: Settings

    @property
    def cache_dir(self) -> Path | None:
        """None: an index held in memory has nowhere to keep caches (LocalCorpus has)."""
        return None

    # -- subclasses provide the live index and the embedder
    @property
    def index(self) -> SearchIndex:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def embedder(self) -> Embedder:  # pragma: no cover - abstract
        raise NotImplementedError

    def _reload(self) -> None:
        """Forget the loaded index (a store-backed corpus reloads on the next access)."""

    def _read(self, fn: Callable[[SearchIndex], T]) -> T:
        """fn(index); once more on a fresh index if the state it was loaded from is gone."""
        try:
            return fn(self.index)
        except StaleIndexError:
            self._reload()
            return fn(self.index)

    def _derived(self, index: SearchIndex | None = None) -> _Derived:
        index = index or self.index
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
        embedder = self.embedder if mode in ("dense", "hybrid") else None
        return self._read(lambda index: index.search(query, embedder, k=k or s.k, mode=mode, filters=filters,
                                                     candidates=s.candidates, rrf_k=s.rrf_k,
                                                     weights=(s.dense_weight, s.bm25_weight)))

    def embed_query(self, text: str) -> np.ndarray:
        embedder, index = self.embedder, self.index
        if len(index) and embedder.model_id != index.model_id:
            raise IndexMismatchError(
                f"the index was built with {index.model_id!r} but the query model is {embedder.model_id!r}; "
                "re-index with `yttra ingest --rebuild` (or set the embedding model back)")
        return np.asarray(embedder.embed_queries([(text or "")[:MAX_QUERY_CHARS]])[0], dtype=np.float32)

    def similarity(self, qvec: np.ndarray, chunk_ids: Sequence[str]) -> np.ndarray:
        def run(index: SearchIndex) -> np.ndarray:
            pids = index.source.pids_for_chunk_ids(list(chunk_ids))
            flat = [(cid, p) for cid in dict.fromkeys(chunk_ids) for p in pids.get(cid, [])]
            live = index.live_gids([p for _, p in flat])
            gid = {}
            for (cid, _), g in zip(flat, live):
                if g is not None:
                    gid.setdefault(cid, g)
            out = np.zeros(len(chunk_ids), dtype=np.float32)
            ok = [i for i, c in enumerate(chunk_ids) if c in gid]
            if ok:
                out[ok] = index.vectors_at([gid[chunk_ids[i]] for i in ok]) @ np.asarray(qvec, dtype=np.float32)
            return out

        return self._read(run)

    def similarity_stats(self, qvec: np.ndarray) -> tuple[float, float]:
        index = self.index
        if len(index) == 0:
            return 0.0, 0.0
        cos = index.vectors_at(self._derived(index).sample(index)) @ np.asarray(qvec, dtype=np.float32)
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
        vocab_df, vocab_sorted = index.word_df()
        return TermStats(len(index), {t: term_df(t, vocab_df, vocab_sorted) for t in dict.fromkeys(terms)})

    def documents(self, filters: dict | None = None) -> list[DocRecord]:
        index = self.index
        records = self._derived(index).records
        mask = index.mask(filters)  # the search's own filter: same matching, same FilterError
        if mask is None:
            return list(records.values())
        wanted = index.doc_ids(mask)
        return [r for d, r in records.items() if d in wanted]

    def document(self, doc_id: str) -> DocRecord | None:
        return self._derived().records.get(doc_id)

    def passages(self, doc_id: str) -> list[Chunk]:
        return self._read(lambda index: index.passages(doc_id))


class LocalCorpus(IndexedCorpus):
    """The embedded store under settings.index_dir. Thread-safe for reads;
    writes go through the ingest pipeline (which holds the index lock)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder
        self._index: SearchIndex | None = None
        self._reader: StoreReader | None = None
        self._lock = threading.Lock()

    @property
    def cache_dir(self) -> Path:
        return derived_cache_dir(self.settings, "local")

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.embed)
        return self._embedder

    def _reload(self) -> None:
        with self._lock:
            self._index = None

    @property
    def index(self) -> SearchIndex:
        """The live index; reloaded (only new segments opened) when an ingest committed since."""
        index_dir = Path(self.settings.index_dir)
        with self._lock:
            for attempt in (1, 2):
                path = current_store(index_dir)
                if path is None:
                    raise IndexNotFoundError(f"no index in {index_dir}; build it with `yttra ingest` (or `make run`)")
                try:
                    if self._reader is None or self._reader.path != path:
                        if self._reader is not None:
                            self._reader.close()
                        self._reader, self._index = StoreReader(path), None
                    if self._index is not None and self._index.generation[1] == self._reader.version():
                        return self._index
                    self._index = SearchIndex.from_reader(self._reader)
                    return self._index
                except IndexStoreError:
                    # A rebuild may have switched stores, or a merge dropped a segment file, since we
                    # looked: look once more before reporting the index as broken.
                    self._index = None
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def find_content(self, sha256: str, text_sha256: str = "", *,
                     exclude: Collection[str] = ()) -> tuple[str, str] | None:
        """One indexed lookup in the live store's catalogue (the index is not loaded for it)."""
        path = current_store(Path(self.settings.index_dir))
        if path is None:
            return None
        with contextlib.closing(StoreReader(path, with_faiss=False)) as reader:
            return reader.find_content(sha256, text_sha256, exclude=exclude)

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
