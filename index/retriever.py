"""Kept for callers of the old name: `Retriever` is the embedded `LocalCorpus`
(index/local.py), the default implementation of the `Corpus` interface."""

from .local import MAX_QUERY_CHARS, LocalCorpus as Retriever  # noqa: F401
