"""One app process reuses its Corpus: the Dokument tab's listings, the metadata
save's "is it indexed?" check and the upload's duplicate check ask the corpus the
app holds, not a store opened (and, on PostgreSQL, connected) per call."""

from __future__ import annotations

import pytest

from conftest import HashEmbedder


def _fn(demo, name: str):
    return next(f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == name)


@pytest.fixture
def counted(monkeypatch):
    """Counts of open_corpus calls and new PostgreSQL connections from here on."""
    import psycopg

    import index.corpus

    import threading

    seen = {"open_corpus": 0, "connect": 0}
    here = threading.get_ident()  # the background indexer's thread has its own connection: not counted
    real_open, real_connect = index.corpus.open_corpus, psycopg.connect

    def open_corpus(*a, **kw):
        seen["open_corpus"] += 1
        return real_open(*a, **kw)

    def connect(*a, **kw):
        seen["connect"] += threading.get_ident() == here
        return real_connect(*a, **kw)

    monkeypatch.setattr(index.corpus, "open_corpus", open_corpus)
    monkeypatch.setattr(psycopg, "connect", connect)
    return seen


def test_the_app_asks_its_own_pg_corpus(pg_settings, counted):
    from assistant import documents as docs
    from assistant.app import build_app
    from index.postgres import PgCorpus

    corpus = PgCorpus(pg_settings, HashEmbedder())
    assert corpus.sync(progress=False).ok
    demo = build_app(pg_settings, corpus)
    counted.update(open_corpus=0, connect=0)

    out = _fn(demo, "on_page_load")(None)  # the whole page: table, status, filters, viewer list, form
    assert "a_sdn" in str(out)
    _fn(demo, "on_watch")(None, None)  # the poll after a change: everything listed again
    doc_id = docs.list_documents(pg_settings, corpus)[0].doc_id
    _fn(demo, "on_meta_save")(doc_id, "Ny titel", "", "", "", "", "", None, "", "", False, None)
    assert counted == {"open_corpus": 0, "connect": 0}, counted  # this thread's one connection, reused


def test_documents_functions_take_the_corpus(tiny_settings, counted):
    """With a corpus given, no listing opens another (the embedded store too)."""
    from assistant import documents as docs
    from index.local import LocalCorpus
    from index.pipeline import ingest

    ingest(tiny_settings, progress=False)
    corpus = LocalCorpus(tiny_settings)
    listed = docs.list_documents(tiny_settings, corpus)
    assert listed and all(d.indexed for d in listed)
    assert [c for _, c in docs.document_choices(tiny_settings, corpus=corpus)] == [d.doc_id for d in listed]
    assert docs.pending_files(tiny_settings, corpus) == []
    assert docs.metadata_indexed(tiny_settings, listed[0].doc_id, corpus)
    assert counted["open_corpus"] == 0
