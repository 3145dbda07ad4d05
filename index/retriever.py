"""The one object callers (CLI, app, eval) search through.

It loads the live index generation lazily, reloads when an ingest switched
CURRENT, checks that the configured embedding model built the index, and
applies the search settings.
"""

from __future__ import annotations

import threading
from pathlib import Path

from .embed import Embedder, make_embedder
from .search import SearchIndex
from .settings import Settings
from .store import IndexNotFoundError, IndexStoreError, current_generation, read_generation
from .types import Hit


MAX_QUERY_CHARS = 2000  # the model reads ~512 tokens; longer queries only cost time (10k chars: ~5 s)


class Retriever:
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
                    self._index = SearchIndex(read_generation(gen))
                    return self._index
                except IndexStoreError:
                    # Two ingests may have switched and pruned this generation since CURRENT was read:
                    # read CURRENT again once before reporting the index as broken.
                    if attempt == 2 or current_generation(index_dir) == gen:
                        raise
        raise AssertionError("unreachable")

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
