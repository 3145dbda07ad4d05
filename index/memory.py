"""`MemoryCorpus`: the `Corpus` interface with everything in memory.

For unit tests of the assistant and for throw-away corpora: documents go
through the same read -> metadata -> repair -> chunk steps as the ingest
pipeline and the same embedder, but nothing is written to disk. Every write
rebuilds the in-memory FAISS (exact) and BM25 indexes, so it suits small
corpora only.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Collection, Sequence

import numpy as np

from .embed import Embedder
from .local import IndexedCorpus
from .search import SearchIndex
from .settings import Settings, relative_source
from .textnorm import lexical_tokens
from .types import Chunk, IngestReport


class MemoryCorpus(IndexedCorpus):
    def __init__(self, settings: Settings, embedder: Embedder, chunks: Sequence[Chunk] = (),
                 records: dict[str, dict] | None = None):
        self.settings = settings
        self._embedder = embedder
        self._chunks: dict[str, list[Chunk]] = {}
        self._records: dict[str, dict] = {}
        self._lock = threading.Lock()
        for c in chunks:
            self._chunks.setdefault(c.doc_id, []).append(c)
        for d, cs in self._chunks.items():
            self._records[d] = (records or {}).get(d) or _record_from_chunks(cs)
        self._index = self._build()

    @classmethod
    def from_paths(cls, settings: Settings, embedder: Embedder, paths: Sequence) -> "MemoryCorpus":
        corpus = cls(settings, embedder)
        corpus.upsert(paths)
        return corpus

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    @property
    def index(self) -> SearchIndex:
        return self._index

    def _build(self) -> SearchIndex:
        from .pipeline import passage_text

        chunks = [c for d in sorted(self._chunks) for c in self._chunks[d]]
        texts = [passage_text(c, self.settings.embed.context) for c in chunks]
        dim = self._embedder.dim
        vectors = (np.asarray(self._embedder.embed_passages(texts), dtype=np.float32) if texts
                   else np.zeros((0, dim), np.float32))
        analyzer = self.settings.search.analyzer
        manifest = {"model_id": self._embedder.model_id, "analyzer": analyzer,
                    "documents": {d: self._records[d] for d in sorted(self._records)}}
        return SearchIndex.build(chunks, vectors, [lexical_tokens(t, analyzer) for t in texts], manifest)

    def find_content(self, sha256: str, text_sha256: str = "", *,
                     exclude: Collection[str] = ()) -> tuple[str, str] | None:
        """Over the records in memory (hashed on each call: small corpora only)."""
        from .intake import KnownContents

        with self._lock:
            known = KnownContents.from_records(self._records)
        return known.find_content(sha256, text_sha256, exclude=exclude)

    def upsert(self, paths: Sequence) -> IngestReport:
        from .metadata import metadata_entries
        from .pipeline import _process_file
        from .read import ReadError, iter_corpus_files

        report = IngestReport()
        if not paths:
            return report
        with self._lock:  # metadata read inside the lock: a save just before is never lost
            entries = metadata_entries(Path(self.settings.corpus_dir) / self.settings.metadata_file)
            for p in paths:
                p = Path(p)
                for path in (iter_corpus_files(p) if p.is_dir() else [p]):
                    try:
                        chunks, rec, n_repaired = _process_file(path, self.settings, entries)
                    except ReadError as e:
                        report.failed.append((relative_source(path), str(e)))
                        continue
                    self._chunks[path.stem] = chunks
                    self._records[path.stem] = rec
                    if n_repaired:
                        report.repaired.append((path.stem, n_repaired))
            self._index = self._build()
            report.documents, report.chunks = len(self._records), len(self._index)
        return report

    def delete(self, doc_ids: Sequence[str]) -> IngestReport:
        report = IngestReport()
        if not doc_ids:
            return report
        with self._lock:
            for d in doc_ids:
                if self._records.pop(d, None) is not None:
                    self._chunks.pop(d, None)
                    report.removed.append(d)
            self._index = self._build()
            report.documents, report.chunks = len(self._records), len(self._index)
        return report


def _record_from_chunks(chunks: list[Chunk]) -> dict:
    c = chunks[0]
    meta = {"doc_id": c.doc_id, "title": c.title, "namnd": c.namnd, "doc_type": c.doc_type, "period": c.period,
            "dnr": c.dnr, "date": c.date, "year": c.year, "guessed": []}
    return {"source": c.source, "meta": meta, "pages": max(x.page_end for x in chunks), "n_chunks": len(chunks)}
