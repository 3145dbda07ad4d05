"""PostgreSQL BM25 above index.postgres.LEXICAL_POSTINGS_BUDGET: the rarest query
terms choose the candidates, and every passage returned carries its exact BM25
(the same as bm25s, what the embedded store computes), best first."""

from __future__ import annotations

import pytest

from conftest import HashEmbedder


def test_capped_bm25_returns_exact_scores_of_the_rarest_terms_passages(pg_settings, monkeypatch):
    import index.postgres as pg

    corpus = pg.PgCorpus(pg_settings, HashEmbedder())
    assert corpus.sync(progress=False).ok
    n = len(corpus)
    queries = ("ordningsvakter i offentliga miljöer", "trygghet och kommunikation", "Begravningsplatser")
    exact = {q: {h.chunk.id: h.score for h in corpus.search(q, k=n, mode="bm25")} for q in queries}

    calls = []
    capped = pg.PgCorpus._capped_bm25
    monkeypatch.setattr(pg.PgCorpus, "_capped_bm25", lambda self, *a: calls.append(1) or capped(self, *a))
    monkeypatch.setattr(pg, "LEXICAL_POSTINGS_BUDGET", 0)  # every query takes the capped path
    monkeypatch.setattr(pg, "LEXICAL_RESCORE", n)
    for q in queries:
        hits = corpus.search(q, k=n, mode="bm25")
        assert hits and len(calls) == queries.index(q) + 1
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        for h in hits:
            assert h.score == pytest.approx(exact[q][h.chunk.id], rel=1e-9)
        assert set(h.chunk.id for h in hits) <= set(exact[q])
    # a budget the query fits: the exact path, nothing capped
    monkeypatch.setattr(pg, "LEXICAL_POSTINGS_BUDGET", 10**9)
    calls.clear()
    assert {h.chunk.id: h.score for h in corpus.search(queries[0], k=n, mode="bm25")} == exact[queries[0]]
    assert not calls


def test_filters_apply_on_the_capped_path(pg_settings, monkeypatch):
    import index.postgres as pg

    corpus = pg.PgCorpus(pg_settings, HashEmbedder())
    assert corpus.sync(progress=False).ok
    monkeypatch.setattr(pg, "LEXICAL_POSTINGS_BUDGET", 0)
    doc = corpus.documents()[0].doc_id
    hits = corpus.search("trygghet", k=50, mode="bm25", filters={"doc_id": doc})
    assert hits and {h.chunk.doc_id for h in hits} == {doc}
