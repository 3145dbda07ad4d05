"""The one door between the assistant and the index: the `Corpus` interface.

The assistant, the CLI, the app and the eval search, list and update the
corpus only through these methods; none of them reads store files or builds
its own word index. Two implementations share this contract (and one test
suite, tests/test_corpus_contract.py):

- `LocalCorpus` (index/local.py): the embedded default over generation
  directories (FAISS + BM25 files) written by `index.pipeline.ingest`;
- `MemoryCorpus` (index/memory.py): everything in memory, for unit tests and
  small throw-away corpora;
- `PgCorpus` (index/postgres.py): PostgreSQL + pgvector, for shared deployments.

`open_corpus(settings)` picks the implementation the settings ask for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Collection, Iterable, Protocol, Sequence, runtime_checkable

import numpy as np

from .types import Chunk, DocMeta, Hit, IngestReport


@dataclass(frozen=True)
class DocRecord:
    """One catalogue entry: a document's metadata and what the index holds of it."""

    doc_id: str
    source: str
    meta: DocMeta
    pages: int = 0
    n_chunks: int = 0
    repaired_words: int = 0
    sha256: str = ""

    @property
    def guessed(self) -> tuple[str, ...]:
        return self.meta.guessed

    @classmethod
    def from_record(cls, doc_id: str, rec: dict) -> "DocRecord":
        """From a manifest "documents" entry (tolerant of missing keys)."""
        meta = dict(rec.get("meta") or {})
        known = {k: meta[k] for k in DocMeta.__dataclass_fields__ if k in meta and k != "doc_id"}
        known["guessed"] = tuple(known.get("guessed") or ())
        return cls(doc_id=doc_id, source=str(rec.get("source", "")), meta=DocMeta(doc_id=doc_id, **known),
                   pages=int(rec.get("pages") or 0), n_chunks=int(rec.get("n_chunks") or 0),
                   repaired_words=int(rec.get("repaired_words") or 0), sha256=str(rec.get("sha256", "")))


@dataclass(frozen=True)
class TermStats:
    """Passage frequencies of terms: df[t] = passages holding a word that `term_matches` t."""

    n_passages: int
    df: dict[str, int] = field(default_factory=dict)

    def idf(self, term: str) -> float:
        """BM25-style IDF, always > 0 (a term in every passage still weighs a little)."""
        n, df = self.n_passages, min(self.df.get(term, 0), self.n_passages)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))


@runtime_checkable
class Corpus(Protocol):
    """What the assistant may ask of an index. Filters are a dict over
    `FILTER_FIELDS` (namnd, doc_type, period, year, doc_id, section); an unknown
    field or value raises `FilterError` listing the valid ones."""

    @property
    def model_id(self) -> str: ...

    @property
    def cache_dir(self) -> "Path | None":
        """A local folder for data derived from this corpus's passages (caches: safe to delete, rebuilt on
        demand), bound to the store and to how its passages were cut; None when there is none."""
        ...

    def __len__(self) -> int: ...

    def search(self, query: str, *, k: int | None = None, mode: str | None = None,
               filters: dict | None = None) -> list[Hit]: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def similarity(self, qvec: np.ndarray, chunk_ids: Sequence[str]) -> np.ndarray:
        """Cosine of the query vector with each given passage (0 for unknown ids)."""
        ...

    def similarity_stats(self, qvec: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of the query's cosine over the corpus (a
        fixed sample of at most `SIMILARITY_SAMPLE` passages on large corpora)."""
        ...

    def facets(self) -> dict[str, dict]:
        """Filter values with document counts: {field: {value: n_documents}}."""
        ...

    def term_stats(self, terms: Iterable[str]) -> TermStats: ...

    def documents(self, filters: dict | None = None) -> list[DocRecord]:
        """The catalogue, in doc-id order (only documents passing `filters`)."""
        ...

    def passages(self, doc_id: str) -> list[Chunk]:
        """All passages of one document in reading order ([] for an unknown id)."""
        ...

    def find_content(self, sha256: str, text_sha256: str = "", *,
                     exclude: Collection[str] = ()) -> tuple[str, str] | None:
        """(doc_id, 'sha256' | 'text') of an indexed document (not in `exclude`)
        with these bytes or, failing that, this text (index.intake.text_fingerprint),
        lowest doc id first; None when there is none or no index yet. An
        indexed lookup in the stores: the duplicate check of one file costs one
        document, not the catalogue."""
        ...

    def upsert(self, paths: Sequence) -> IngestReport: ...

    def delete(self, doc_ids: Sequence[str]) -> IngestReport: ...


SIMILARITY_SAMPLE = 20_000
FACET_FIELDS = ("namnd", "doc_type", "period", "year")


# ------------------------------------------------------------- shared helpers

@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    from .textnorm import _stemmer

    return _stemmer().stemWord(word)


def term_matches(term: str, word: str) -> bool:
    """Does a folded word carry the (folded, stemmed) term? A word starting
    with the term, a compound containing a term of 5+ letters
    ('ordningsvak' in 'ordningsvakternas'), or a word with the same stem."""
    return word.startswith(term) or (len(term) >= 5 and term in word) or _stem(word) == term


def words_df(chunks: Sequence[Chunk]) -> dict[str, int]:
    """Passage frequency of every folded word."""
    from .textnorm import fold, words

    df: dict[str, int] = {}
    for c in chunks:
        for w in {fold(w) for w in words(c.text)}:
            df[w] = df.get(w, 0) + 1
    return df


def term_df(term: str, vocab_df: dict[str, int], vocab_sorted: list[str]) -> int:
    """Passages holding a word that matches `term`: the sum over matching
    vocabulary words, an upper bound when one passage holds several (e.g.
    'polis' and 'polisen'), which is what an IDF weight needs."""
    import bisect

    total = 0
    if len(term) >= 5:  # infix matches: scan the vocabulary once
        for w, n in vocab_df.items():
            if term in w or _stem(w) == term:
                total += n
        return total
    i = bisect.bisect_left(vocab_sorted, term)
    seen = set()
    while i < len(vocab_sorted) and vocab_sorted[i].startswith(term):
        seen.add(vocab_sorted[i])
        total += vocab_df[vocab_sorted[i]]
        i += 1
    return total


def derived_cache_dir(settings, store: str) -> Path:
    """`Corpus.cache_dir` of a store (named by `store`: 'local', a database) under settings.index_dir: one
    folder per store and chunking, so positions cached of one cut of the passages never meet another."""
    import hashlib
    import json

    key = json.dumps([store, settings.chunk.model_dump(mode="json")], sort_keys=True)
    return Path(settings.index_dir) / "cache" / hashlib.sha256(key.encode()).hexdigest()[:16]


def open_corpus(settings, embedder=None) -> "Corpus":
    """The corpus the settings select: the embedded store by default, PostgreSQL
    + pgvector with settings.store.backend == "postgres"."""
    if settings.store.backend == "postgres":
        from .postgres import PgCorpus

        return PgCorpus(settings, embedder)
    from .local import LocalCorpus

    return LocalCorpus(settings, embedder)


def sync_corpus(settings, paths=None, *, remove=None, rebuild: bool = False, embedder=None,
                progress: bool = True) -> IngestReport:
    """Build or update the index of the backend the settings select (what
    `yttra ingest`, the app's upload and re-index do): paths=None (and no
    `remove`) syncs the whole corpus folder; explicit paths add or update just
    those files; `remove` drops those document ids."""
    if settings.store.backend == "postgres":
        from .postgres import sync

        return sync(settings, paths, remove=remove, rebuild=rebuild, embedder=embedder, progress=progress)
    from .pipeline import ingest

    return ingest(settings, paths, rebuild=rebuild, embedder=embedder, progress=progress, remove=remove)
