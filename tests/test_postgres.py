"""PgCorpus on a real PostgreSQL + pgvector (started by the `pg_server` fixture,
no mocks): the CLI end to end, writes that touch only their document's rows,
a second process seeing the changes, concurrent writers, the model stamp, bad
files, BM25 equal to the reference implementation, and eval numbers equal to
the embedded store's on the real corpus. The contract suite
(tests/test_corpus_contract.py) runs on PgCorpus as well."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import CORPUS, REPO, HashEmbedder

runner = CliRunner()


def _rows(dsn: str, sql: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def _exec(dsn: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)


def _pg_env(monkeypatch, dsn: str) -> None:
    monkeypatch.setenv("YTTRA_STORE__BACKEND", "postgres")
    monkeypatch.setenv("YTTRA_STORE__POSTGRES_DSN", dsn)


def _hash_corpus(settings):
    from index.postgres import PgCorpus

    return PgCorpus(settings, HashEmbedder())


def _consistent(dsn: str) -> None:
    """The counters kept by the writers equal a recount from the rows."""
    from collections import Counter

    from index.textnorm import fold, words

    (n, total, n_docs), = _rows(dsn, "SELECT n_passages, total_len, n_documents FROM yttra_meta")
    assert (n, total) == tuple(_rows(dsn, "SELECT count(*), coalesce(sum(dl), 0) FROM yttra_passages")[0])
    assert [(n_docs,)] == _rows(dsn, "SELECT count(*) FROM yttra_documents")
    assert _rows(dsn, "SELECT count(*) FROM yttra_postings o LEFT JOIN yttra_passages p USING (pid) "
                      "WHERE p.pid IS NULL") == [(0,)]
    assert dict(_rows(dsn, "SELECT term, df FROM yttra_terms")) == \
        dict(_rows(dsn, "SELECT term, count(*) FROM yttra_postings GROUP BY term"))
    df: Counter = Counter()
    for (text,) in _rows(dsn, "SELECT text FROM yttra_passages"):
        df.update({fold(w) for w in words(text)})
    assert dict(_rows(dsn, "SELECT word, df FROM yttra_vocab")) == dict(df)
    # every passage has its vector in exactly one place: the HNSW graph's column or the pending table
    assert _rows(dsn, "SELECT count(*) FROM yttra_passages p LEFT JOIN yttra_pending d USING (pid) "
                      "WHERE (p.embedding IS NULL) = (d.pid IS NULL)") == [(0,)]
    docs = dict(_rows(dsn, "SELECT doc_id, n_chunks FROM yttra_documents"))
    per_doc = dict(_rows(dsn, "SELECT doc_id, count(*) FROM yttra_passages GROUP BY doc_id"))
    assert {d: n for d, n in docs.items() if n} == per_doc


# ---------------------------------------------------------------- fast-ish (tiny corpus, hash embedder)

def test_bm25_equals_reference_implementation(pg_settings):
    """Lexical scores in SQL equal bm25s (what the embedded store uses) over the same tokens."""
    import bm25s

    from index.pipeline import passage_text
    from index.textnorm import lexical_tokens

    corpus = _hash_corpus(pg_settings)
    assert corpus.sync(progress=False).ok
    chunks = [c for d in corpus.documents() for c in corpus.passages(d.doc_id)]
    toks = [lexical_tokens(passage_text(c, pg_settings.embed.context), "ngram") for c in chunks]
    ref = bm25s.BM25(k1=1.2, b=0.75)
    ref.index(toks, show_progress=False)
    for q in ("ordningsvakter i offentliga miljöer", "trygghet trygghet", "Begravningsplatser", "kommunikation"):
        qt = [t for t in lexical_tokens(q, "ngram") if t in ref.vocab_dict]
        want = np.asarray(ref.get_scores(qt))
        hits = corpus.search(q, k=len(chunks), mode="bm25")
        got = {h.chunk.id: h.score for h in hits}
        for c, w in zip(chunks, want):
            assert got.get(c.id, 0.0) == pytest.approx(float(w), rel=1e-4, abs=1e-5), (q, c.id)


def test_filtered_bm25_is_the_unfiltered_ranking_restricted(pg_settings):
    """A filter masks BM25 scores (global statistics) on both lexical paths: the filtered hits are
    the unfiltered hits of the passages it lets through, same scores, same order."""
    import index.postgres as pg

    corpus = _hash_corpus(pg_settings)
    assert corpus.sync(progress=False).ok
    n = len(corpus)
    for budget in (pg.LEXICAL_POSTINGS_BUDGET, 1):  # the exact path, then the capped one
        pg.LEXICAL_POSTINGS_BUDGET, saved = budget, pg.LEXICAL_POSTINGS_BUDGET
        try:
            for q in ("trygghet i parker", "ordningsvakter och belysning"):
                every = [(h.chunk.doc_id, h.chunk.id, round(h.score, 5)) for h in corpus.search(q, k=n, mode="bm25")]
                for f, keep in (({"namnd": "kyrkogårds"}, {"b_kyrk"}), ({"doc_id": "a_sdn"}, {"a_sdn"})):
                    got = [(h.chunk.doc_id, h.chunk.id, round(h.score, 5))
                           for h in corpus.search(q, k=n, mode="bm25", filters=f)]
                    want = [x for x in every if x[0] in keep]
                    # (the capped path picks candidates by the rarest terms: a subset, possibly empty)
                    assert (got and got == want) if budget > 1 else set(got) <= set(want), (q, f, budget)
        finally:
            pg.LEXICAL_POSTINGS_BUDGET = saved


def test_upsert_and_delete_touch_only_their_document(pg_settings):
    corpus = _hash_corpus(pg_settings)
    dsn = corpus._dsn
    assert corpus.sync(progress=False).ok
    # xmin = the transaction that wrote a row: rows rewritten by a later write get a new one
    before = dict(_rows(dsn, "SELECT chunk_id, xmin::text FROM yttra_passages WHERE doc_id = 'a_sdn'"))
    doc_before = _rows(dsn, "SELECT xmin::text FROM yttra_documents WHERE doc_id = 'a_sdn'")
    b_rows = dict(_rows(dsn, "SELECT chunk_id, xmin::text FROM yttra_passages WHERE doc_id = 'b_kyrk'"))
    b_path = pg_settings.corpus_dir / "b_kyrk.txt"
    b_path.write_text(b_path.read_text(encoding="utf-8") + "\nUppföljning\nBelysningen vid entréerna ses över.\n",
                      encoding="utf-8")
    rep = corpus.upsert([b_path])
    assert rep.ok and rep.documents == 2
    assert dict(_rows(dsn, "SELECT chunk_id, xmin::text FROM yttra_passages WHERE doc_id = 'a_sdn'")) == before
    assert _rows(dsn, "SELECT xmin::text FROM yttra_documents WHERE doc_id = 'a_sdn'") == doc_before
    b_after = dict(_rows(dsn, "SELECT chunk_id, xmin::text FROM yttra_passages WHERE doc_id = 'b_kyrk'"))
    assert len({x for x in b_after.values()}) == 1 and set(b_after.values()).isdisjoint(b_rows.values())
    assert corpus.search("belysningen vid entréerna", k=1, mode="bm25")[0].chunk.doc_id == "b_kyrk"
    _consistent(dsn)
    # re-upserting an unchanged document writes nothing
    (gen,), = _rows(dsn, "SELECT generation FROM yttra_meta")
    assert corpus.upsert([b_path]).ok
    assert _rows(dsn, "SELECT generation FROM yttra_meta") == [(gen,)]
    rep = corpus.delete(["b_kyrk", "not-there"])
    assert rep.removed == ["b_kyrk"] and rep.documents == 1
    assert dict(_rows(dsn, "SELECT chunk_id, xmin::text FROM yttra_passages WHERE doc_id = 'a_sdn'")) == before
    assert _rows(dsn, "SELECT count(*) FROM yttra_passages WHERE doc_id = 'b_kyrk'") == [(0,)]
    assert [d.doc_id for d in corpus.documents()] == ["a_sdn"]
    _consistent(dsn)


def test_sync_folder_adds_changes_removes_and_keeps_bad_files_rows(pg_settings):
    from index.postgres import sync

    emb = HashEmbedder()
    rep = sync(pg_settings, embedder=emb, progress=False)
    assert rep.ok and rep.documents == 2 and rep.embedded > 0
    again = sync(pg_settings, embedder=emb, progress=False)
    assert again.ok and again.embedded == 0 and again.reused == rep.chunks  # unchanged: skipped
    corpus = _hash_corpus(pg_settings)
    a_before = [c.id for c in corpus.passages("a_sdn")]
    (pg_settings.corpus_dir / "a_sdn.txt").write_bytes(b"")  # a good document turned bad
    (pg_settings.corpus_dir / "c_ny.txt").write_text("Sammanfattning\nParkerna får ny belysning.\n", encoding="utf-8")
    (pg_settings.corpus_dir / "b_kyrk.txt").unlink()
    rep = sync(pg_settings, embedder=emb, progress=False)
    assert [f for f, _ in rep.failed] and "a_sdn" in rep.failed[0][0]
    assert rep.removed == ["b_kyrk"]
    assert [d.doc_id for d in corpus.documents()] == ["a_sdn", "c_ny"]
    assert [c.id for c in corpus.passages("a_sdn")] == a_before  # the previous rows stay
    assert corpus.search("ordningsvakternas roll", k=1)[0].chunk.doc_id == "a_sdn"
    _consistent(corpus._dsn)


# ---------------------------------------------------------------- intake: files from outside, duplicates

NEW = ("Sammanfattning\nTrafiknämnden vill ha bättre belysning i gångtunnlar och vid busshållplatser.\n\n"
       "Bakgrund\nTrygghetsprogrammet 2028–2031 lyfter fram stadens offentliga miljö.\n")


def _doc_ids(settings) -> list[str]:
    return [d.doc_id for d in _hash_corpus(settings).documents()]


def test_cli_outside_file_is_copied_in_and_survives_a_plain_sync(pg_settings, tmp_path, monkeypatch):
    """`yttra ingest FILE` on PostgreSQL: a file from outside the corpus folder is
    copied in (the original stays), and the plain ingest after it keeps it."""
    from assistant.cli import app

    _pg_env(monkeypatch, pg_settings.store.postgres_dsn.get_secret_value())
    cli = ["ingest", "-q", "--corpus-dir", str(pg_settings.corpus_dir)]
    assert runner.invoke(app, cli).exit_code == 0
    outside = tmp_path / "inkommet" / "ny_remiss.txt"
    outside.parent.mkdir()
    outside.write_text(NEW, encoding="utf-8")
    res = runner.invoke(app, [*cli, str(outside)])
    assert res.exit_code == 0, res.output
    kept = pg_settings.corpus_dir / "ny_remiss.txt"
    assert f"Kopierade {outside} till " in res.output and "Indexerade 3 dokument" in res.output
    assert kept.read_text(encoding="utf-8") == NEW and outside.exists()
    res = runner.invoke(app, cli)  # the plain ingest: the copy is in the corpus folder, so it stays
    assert res.exit_code == 0, res.output
    assert "Borttaget" not in res.output and "Indexerade 3 dokument" in res.output
    assert "ny_remiss" in _doc_ids(pg_settings)
    [rec] = [d for d in _hash_corpus(pg_settings).documents() if d.doc_id == "ny_remiss"]
    assert rec.source.endswith(f"{kept.parent.name}/ny_remiss.txt")


def test_name_clash_from_outside_keeps_both(pg_settings, tmp_path):
    from index.postgres import sync

    assert sync(pg_settings, embedder=HashEmbedder(), progress=False).ok
    original = (pg_settings.corpus_dir / "b_kyrk.txt").read_bytes()
    other = tmp_path / "b_kyrk.txt"
    other.write_text(NEW, encoding="utf-8")
    rep = sync(pg_settings, [other], embedder=HashEmbedder(), progress=False)
    assert rep.ok and [Path(t).name for _, t in rep.copied] == ["b_kyrk_2.txt"]
    assert (pg_settings.corpus_dir / "b_kyrk.txt").read_bytes() == original  # never overwritten
    assert _doc_ids(pg_settings) == ["a_sdn", "b_kyrk", "b_kyrk_2"]


def test_duplicate_under_another_name_is_reported_not_indexed_twice(pg_settings, tmp_path):
    """The same bytes or the same text as an indexed document, from outside or
    inside the corpus folder: reported, not copied, not indexed again."""
    from index.postgres import sync

    emb = HashEmbedder()
    assert sync(pg_settings, embedder=emb, progress=False).ok
    dsn = pg_settings.store.postgres_dsn.get_secret_value()
    before = _rows(dsn, "SELECT count(*) FROM yttra_passages")
    copy = tmp_path / "samma_som_a.txt"
    copy.write_bytes((pg_settings.corpus_dir / "a_sdn.txt").read_bytes())
    text = (pg_settings.corpus_dir / "b_kyrk.txt").read_text(encoding="utf-8")
    resaved = tmp_path / "kyrk_export.txt"  # a BOM and CRLF: other bytes, the same text
    resaved.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    rep = sync(pg_settings, [copy, resaved], embedder=emb, progress=False)
    assert rep.ok and not rep.copied
    assert rep.duplicates == [(str(copy), "a_sdn", "sha256"), (str(resaved), "b_kyrk", "text")]
    assert not (pg_settings.corpus_dir / "samma_som_a.txt").exists()
    assert _rows(dsn, "SELECT count(*) FROM yttra_passages") == before and _doc_ids(pg_settings) == ["a_sdn", "b_kyrk"]
    # inside the corpus folder: indexed once, reported at every sync, never deleted
    (pg_settings.corpus_dir / "z_kopia.txt").write_bytes((pg_settings.corpus_dir / "a_sdn.txt").read_bytes())
    for _ in range(2):
        rep = sync(pg_settings, embedder=emb, progress=False)
        assert rep.ok and rep.documents == 2 and rep.embedded == 0
        assert [(Path(f).name, d, w) for f, d, w in rep.duplicates] == [("z_kopia.txt", "a_sdn", "sha256")]
    assert (pg_settings.corpus_dir / "z_kopia.txt").exists()
    _consistent(dsn)


def test_a_file_changed_into_a_copy_of_another_leaves_the_pg_index(pg_settings):
    from index.postgres import sync

    emb = HashEmbedder()
    (pg_settings.corpus_dir / "c.txt").write_text(NEW, encoding="utf-8")
    assert sync(pg_settings, embedder=emb, progress=False).documents == 3
    (pg_settings.corpus_dir / "c.txt").write_bytes((pg_settings.corpus_dir / "a_sdn.txt").read_bytes())
    rep = sync(pg_settings, embedder=emb, progress=False)
    assert [d[1] for d in rep.duplicates] == ["a_sdn"] and rep.removed == ["c"]
    assert _doc_ids(pg_settings) == ["a_sdn", "b_kyrk"] and (pg_settings.corpus_dir / "c.txt").exists()
    _consistent(pg_settings.store.postgres_dsn.get_secret_value())


def test_upsert_of_an_outside_file_copies_it_in(pg_settings, tmp_path):
    """PgCorpus.upsert takes files in as the embedded store's does (the app's upload path)."""
    corpus = _hash_corpus(pg_settings)
    assert corpus.sync(progress=False).ok
    outside = tmp_path / "ny.txt"
    outside.write_text(NEW, encoding="utf-8")
    rep = corpus.upsert([outside])
    assert rep.ok and [Path(t).name for _, t in rep.copied] == ["ny.txt"]
    assert (pg_settings.corpus_dir / "ny.txt").exists() and "ny" in _doc_ids(pg_settings)
    again = corpus.upsert([outside])
    assert again.duplicates == [(str(outside), "ny", "sha256")] and not again.copied


def test_find_content_is_an_indexed_lookup(pg_settings):
    corpus = _hash_corpus(pg_settings)
    assert corpus.sync(progress=False).ok
    dsn = corpus._dsn
    (sha, text), = _rows(dsn, "SELECT record->>'sha256', record->>'text_sha256' FROM yttra_documents "
                              "WHERE doc_id = 'a_sdn'")
    assert _rows(dsn, "SELECT sha256, text_sha256 FROM yttra_documents WHERE doc_id = 'a_sdn'") == [(sha, text)]
    assert corpus.find_content(sha) == ("a_sdn", "sha256") and corpus.find_content("x", text) == ("a_sdn", "text")
    assert corpus.find_content(sha, text, exclude=["a_sdn"]) is None
    assert corpus.doc_ids() == {"a_sdn", "b_kyrk"}
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:  # the planner can answer from an index (tiny tables scan)
        conn.execute("SET enable_seqscan = off")
        for col in ("sha256", "text_sha256"):
            plan = " ".join(r[0] for r in conn.execute(
                f"EXPLAIN SELECT doc_id FROM yttra_documents WHERE {col} = 'x' ORDER BY doc_id").fetchall())
            assert "yttra_documents_" in plan and "Seq Scan" not in plan, plan


def test_a_schema_1_index_is_migrated_in_place(pg_settings, tmp_path):
    """An index written before the text_sha256 column (schema version 1): the first
    reader or writer adds it, fills it from the records and indexes it; nothing is rebuilt."""
    from index.postgres import SCHEMA_VERSION

    corpus = _hash_corpus(pg_settings)
    assert corpus.sync(progress=False).ok
    dsn = corpus._dsn
    corpus.close()
    for sql in ("DROP INDEX yttra_documents_sha", "DROP INDEX yttra_documents_text",
                "ALTER TABLE yttra_documents DROP COLUMN text_sha256", "UPDATE yttra_meta SET schema_version = 1"):
        _exec(dsn, sql)
    passages = _rows(dsn, "SELECT pid, chunk_id FROM yttra_passages ORDER BY pid")
    fresh = _hash_corpus(pg_settings)
    (text,), = _rows(dsn, "SELECT record->>'text_sha256' FROM yttra_documents WHERE doc_id = 'b_kyrk'")
    assert fresh.find_content("", text) == ("b_kyrk", "text")  # migrated on first use
    assert _rows(dsn, "SELECT schema_version FROM yttra_meta") == [(SCHEMA_VERSION,)] and SCHEMA_VERSION == 5
    assert _rows(dsn, "SELECT count(*) FROM yttra_documents WHERE text_sha256 = record->>'text_sha256'") == [(2,)]
    assert _rows(dsn, "SELECT pid, chunk_id FROM yttra_passages ORDER BY pid") == passages  # nothing rebuilt
    resaved = tmp_path / "kyrk_export.txt"
    resaved.write_bytes((pg_settings.corpus_dir / "b_kyrk.txt").read_bytes().replace(b"\n", b"\r\n"))
    rep = fresh.sync([resaved], progress=False)
    assert rep.ok and rep.duplicates == [(str(resaved), "b_kyrk", "text")]
    _consistent(dsn)


def test_a_schema_2_index_is_migrated_to_a_kept_document_count(pg_settings, tmp_path):
    """An index written before yttra_meta.n_documents (schema version 2): the first reader or
    writer adds the column and counts the catalogue once; writes keep the count from then on
    (a write reports it without counting), and nothing is rebuilt."""
    corpus = _hash_corpus(pg_settings)
    assert corpus.sync(progress=False).ok
    dsn = corpus._dsn
    corpus.close()
    for sql in ("ALTER TABLE yttra_meta DROP COLUMN n_documents", "UPDATE yttra_meta SET schema_version = 2"):
        _exec(dsn, sql)
    passages = _rows(dsn, "SELECT pid, chunk_id FROM yttra_passages ORDER BY pid")
    fresh = _hash_corpus(pg_settings)
    assert len(fresh.documents()) == 2  # migrated on first use
    assert _rows(dsn, "SELECT schema_version, n_documents FROM yttra_meta") == [(5, 2)]
    assert _rows(dsn, "SELECT pid, chunk_id FROM yttra_passages ORDER BY pid") == passages  # nothing rebuilt
    new = tmp_path / "ny_remiss.txt"
    new.write_text("Yttrande om trygghet i parker och belysning längs gångvägar.\n", encoding="utf-8")
    rep = fresh.sync([new], progress=False)
    assert rep.ok and rep.documents == 3
    _consistent(dsn)
    rep = fresh.delete(["ny_remiss"])
    assert rep.removed == ["ny_remiss"] and rep.documents == 2
    assert fresh.delete(["ny_remiss"]).documents == 2  # deleting what is not there changes no count
    _consistent(dsn)


def test_a_schema_3_index_is_migrated_to_pending_vectors(pg_settings, tmp_path):
    """An index whose vectors are all in the graph (schema version 3, embedding NOT NULL, no
    yttra_pending): the first reader or writer allows passages outside the graph and adds the
    pending table; nothing is rebuilt, the graph is kept, and the next write goes pending."""
    corpus = _hash_corpus(pg_settings)
    assert corpus.sync(progress=False).ok
    dsn = corpus._dsn
    corpus.close()
    for sql in ("UPDATE yttra_passages p SET embedding = d.embedding FROM yttra_pending d WHERE p.pid = d.pid",
                "DROP TABLE yttra_pending", "ALTER TABLE yttra_passages ALTER COLUMN embedding SET NOT NULL",
                "UPDATE yttra_meta SET schema_version = 3"):
        _exec(dsn, sql)
    passages = _rows(dsn, "SELECT pid, chunk_id, xmin::text FROM yttra_passages ORDER BY pid")
    fresh = _hash_corpus(pg_settings)
    hits = fresh.search("belysning", k=3, mode="dense")  # migrated on first use
    assert hits and _rows(dsn, "SELECT schema_version FROM yttra_meta") == [(5,)]
    assert _rows(dsn, "SELECT pid, chunk_id, xmin::text FROM yttra_passages ORDER BY pid") == passages
    new = tmp_path / "ny_remiss.txt"
    new.write_text("Yttrande om belysning längs gångvägar i parker.\n", encoding="utf-8")
    assert fresh.sync([new], progress=False).ok
    assert fresh.n_pending() == len(fresh.passages("ny_remiss")) > 0
    assert fresh.search("belysning längs gångvägar i parker", k=1, mode="dense")[0].chunk.doc_id == "ny_remiss"
    _consistent(dsn)


def test_new_passages_are_searched_pending_and_merged_into_the_graph(pg_settings, tmp_path, monkeypatch):
    """A write puts its vectors in yttra_pending (not the HNSW graph); dense search finds them
    there, exactly, beside the graph's hits; merge_pending moves them into the graph in batches
    once MERGE_AT have gathered, and the ranking and scores stay what they were."""
    import index.postgres as pg

    corpus = _hash_corpus(pg_settings)
    dsn = corpus._dsn
    assert corpus.sync(progress=False).ok
    n = len(corpus)
    assert corpus.n_pending() == n < pg.MERGE_AT  # nothing in the graph yet
    assert _rows(dsn, "SELECT count(*) FROM yttra_passages WHERE embedding IS NOT NULL") == [(0,)]
    queries = ("belysning i parker", "ordningsvakter", "begravningsplatser och trygghet")
    before = {q: [(h.chunk.id, round(h.score, 5)) for h in corpus.search(q, k=n, mode="dense")] for q in queries}
    assert all(len(v) == n for v in before.values())
    assert corpus.merge_pending() == 0  # below MERGE_AT: nothing moves
    assert corpus.merge_pending(at=n, batch=3) == n  # all of them, three per transaction
    assert corpus.n_pending() == 0
    assert _rows(dsn, "SELECT count(*) FROM yttra_passages WHERE embedding IS NULL") == [(0,)]
    _consistent(dsn)
    for q in queries:
        assert [(h.chunk.id, round(h.score, 5)) for h in corpus.search(q, k=n, mode="dense")] == before[q]
    # the graph's hits and the pending passages together, on the HNSW path, under a filter too
    monkeypatch.setattr(pg, "EXACT_BELOW", 0)
    new = tmp_path / "ny_remiss.txt"
    new.write_text("Yttrande från Kyrkogårdsnämnden om belysning längs gångvägar vid begravningsplatser.\n",
                   encoding="utf-8")
    assert corpus.sync([new], progress=False).ok
    k_new = len(corpus.passages("ny_remiss"))
    assert corpus.n_pending() == k_new
    q = "belysning längs gångvägar vid begravningsplatser"
    hits = corpus.search(q, k=n + k_new, mode="dense")
    assert len(hits) == n + k_new and hits[0].chunk.doc_id == "ny_remiss"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    both = corpus.search("belysning", k=50, mode="hybrid", filters={"doc_id": ["ny_remiss", "b_kyrk"]})
    assert {h.chunk.doc_id for h in both} == {"ny_remiss", "b_kyrk"}
    sims = corpus.similarity(corpus.embed_query(q), [h.chunk.id for h in hits])
    assert np.allclose(sims, [h.score for h in hits], atol=1e-5)  # a pending passage has its vector too
    # a sync that brings MERGE_AT passages merges them after its commits
    monkeypatch.setattr(pg, "MERGE_AT", k_new + 1)
    other = tmp_path / "annan_remiss.txt"
    other.write_text("Yttrande om trygghet i tunnelbanan och kameraövervakning.\n", encoding="utf-8")
    assert corpus.sync([other], progress=False).ok
    assert corpus.n_pending() == 0
    _consistent(dsn)
    assert corpus.delete(["ny_remiss", "annan_remiss"]).ok
    _consistent(dsn)


def test_adding_one_document_reads_no_other_record_on_pg(pg_settings, tmp_path, monkeypatch):
    """An add asks PostgreSQL by hash: only the added file's own record is read (before issue 9 the
    duplicate check and the intake read every document's record)."""
    from index.postgres import PgCorpus

    corpus = _hash_corpus(pg_settings)
    assert corpus.sync(progress=False).ok
    calls = []
    real_known, real_ids = PgCorpus._known, PgCorpus.doc_ids
    monkeypatch.setattr(PgCorpus, "_known", lambda self, doc_ids=None: calls.append(
        None if doc_ids is None else sorted(doc_ids)) or real_known(self, doc_ids))
    monkeypatch.setattr(PgCorpus, "doc_ids", lambda self: calls.append("doc_ids") or real_ids(self))
    new = pg_settings.corpus_dir / "c_ny.txt"
    new.write_text(NEW, encoding="utf-8")
    assert corpus.upsert([new]).ok
    twin = tmp_path / "tvilling.txt"
    twin.write_bytes(NEW.replace("\n", "\r\n").encode("utf-8"))
    rep = corpus.upsert([twin])
    assert rep.duplicates == [(str(twin), "c_ny", "text")]
    assert calls == [["c_ny"], "doc_ids"], calls  # doc ids only for take_in's unindexed files, no record
    calls.clear()
    assert corpus.sync(progress=False).ok  # a plain sync lists the ids to find removed files
    assert calls[0] == "doc_ids" and None not in calls


def test_model_mismatch_is_a_clear_error_and_rebuild_fixes_it(pg_settings):
    from index.postgres import PgCorpus, sync
    from index.store import IndexMismatchError

    class OtherModel(HashEmbedder):
        model_id = "test-hash-other"

    assert sync(pg_settings, embedder=HashEmbedder(), progress=False).ok
    other = PgCorpus(pg_settings, OtherModel())
    with pytest.raises(IndexMismatchError, match=r"test-hash-256.*--rebuild"):
        other.search("trygghet", k=3)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        other.upsert([pg_settings.corpus_dir / "a_sdn.txt"])
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        sync(pg_settings, embedder=OtherModel(), progress=False)
    assert other.search("trygghet", k=3, mode="bm25")  # lexical search needs no model
    rep = sync(pg_settings, embedder=OtherModel(), rebuild=True, progress=False)
    assert rep.ok and rep.documents == 2
    assert other.model_id == "test-hash-other" and other.search("trygghet", k=3)


def test_no_index_and_no_dsn_are_clear_errors(pg_settings):
    from index.postgres import PgCorpus
    from index.store import IndexNotFoundError, IndexStoreError

    with pytest.raises(IndexNotFoundError, match="yttra ingest"):
        len(_hash_corpus(pg_settings))
    no_dsn = pg_settings.with_overrides(store__postgres_dsn="")
    with pytest.raises(IndexStoreError, match="YTTRA_STORE__POSTGRES_DSN"):
        PgCorpus(no_dsn, HashEmbedder()).search("x")


def test_filtered_dense_search_fills_k_beyond_the_exact_threshold(pg_settings, monkeypatch):
    """With HNSW (exact search off) a selective filter still returns every matching passage;
    a filter the catalogue bounds below EXACT_FILTERED_BELOW passages is searched exactly
    without the graph, with the same result."""
    import index.postgres as pg

    corpus = _hash_corpus(pg_settings)
    assert corpus.sync(progress=False).ok
    assert corpus.merge_pending(at=1) == len(corpus)  # the vectors in the graph
    monkeypatch.setattr(pg, "EXACT_BELOW", 0)
    monkeypatch.setattr(pg, "EXACT_FILTERED_BELOW", 0)
    n_b = len(corpus.passages("b_kyrk"))
    d = corpus._derived()
    assert corpus._where({"namnd": "kyrkogårds"}, d)[2] == n_b  # the catalogue's bound is the passage count
    assert corpus._where({"namnd": "kyrkogårds", "doc_id": ["a_sdn", "b_kyrk"]}, d)[2] == n_b  # the smallest
    assert corpus._where({"section": "Bakgrund"}, d)[2] is None  # a passage field: no bound
    seen = []
    real = pg.PgCorpus._dense
    monkeypatch.setattr(pg.PgCorpus, "_dense", lambda self, conn, *a: seen.append(
        conn.execute("SHOW enable_indexscan").fetchone()) or real(self, conn, *a))
    hits = corpus.search("trygghet", k=50, mode="dense", filters={"namnd": "kyrkogårds"})
    assert len(hits) == n_b and {h.chunk.doc_id for h in hits} == {"b_kyrk"}
    for exact_below, exact_filtered in ((10**9, 0), (0, 10**9)):
        monkeypatch.setattr(pg, "EXACT_BELOW", exact_below)
        monkeypatch.setattr(pg, "EXACT_FILTERED_BELOW", exact_filtered)
        exact = corpus.search("trygghet", k=50, mode="dense", filters={"namnd": "kyrkogårds"})
        assert [(h.chunk.id, round(h.score, 6)) for h in exact] == [(h.chunk.id, round(h.score, 6)) for h in hits]
    import psycopg

    with psycopg.connect(corpus._dsn, autocommit=True) as conn:  # a filter's passages come from its index alone
        conn.execute("VACUUM yttra_passages")
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_bitmapscan = off")
        for col, val in (("namnd", "'Kyrkogårdsnämnden'"), ("year", "2024"), ("section", "'x'")):
            plan = " ".join(r[0] for r in conn.execute(
                f"EXPLAIN SELECT p.pid FROM yttra_passages p WHERE p.{col} = ANY(ARRAY[{val}])").fetchall())
            assert f"Index Only Scan using yttra_passages_by_{col}" in plan, plan


def test_a_schema_4_index_is_migrated_to_vectors_in_the_row(pg_settings, tmp_path):
    """An index whose vectors may lie out of line and whose filter indexes hold no pid (schema
    version 4): the first reader or writer stores new vectors in the row and builds the filter
    indexes with the pid; no passage is rewritten and the search results stay the same."""
    from index.postgres import _FILTER_COLUMNS

    corpus = _hash_corpus(pg_settings)
    assert corpus.sync(progress=False).ok
    dsn = corpus._dsn
    cases = [("belysning i parker", None), ("ordningsvakter", {"namnd": "kyrkogårds"}), ("trygghet", {"year": 2023})]

    def run(c):
        return [[(h.chunk.id, round(h.score, 6)) for h in c.search(q, k=5, mode="hybrid", filters=f)]
                for q, f in cases]

    before = run(corpus)
    corpus.close()
    for sql in ("ALTER TABLE yttra_passages ALTER COLUMN embedding SET STORAGE EXTERNAL",
                *(f"DROP INDEX yttra_passages_by_{c}" for c in _FILTER_COLUMNS),
                *(f"CREATE INDEX yttra_passages_{c} ON yttra_passages ({c})" for c in _FILTER_COLUMNS),
                "UPDATE yttra_meta SET schema_version = 4"):
        _exec(dsn, sql)
    passages = _rows(dsn, "SELECT pid, chunk_id, xmin::text FROM yttra_passages ORDER BY pid")
    fresh = _hash_corpus(pg_settings)
    assert run(fresh) == before and any(before)  # migrated on first use
    assert _rows(dsn, "SELECT schema_version FROM yttra_meta") == [(5,)]
    assert _rows(dsn, "SELECT attstorage FROM pg_attribute WHERE attrelid = 'yttra_passages'::regclass "
                      "AND attname = 'embedding'") == [("m",)]
    indexes = dict(_rows(dsn, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'yttra_passages'"))
    for c in _FILTER_COLUMNS:
        assert f"yttra_passages_{c}" not in indexes and f"({c}) INCLUDE (pid)" in indexes[f"yttra_passages_by_{c}"]
    assert _rows(dsn, "SELECT pid, chunk_id, xmin::text FROM yttra_passages ORDER BY pid") == passages
    _consistent(dsn)


def test_parallel_hybrid_search_equals_the_sequential_one(pg_settings, monkeypatch):
    """Above PARALLEL_FROM a hybrid search runs its lexical half on a second connection in the
    snapshot the first exported: the same hits, scores and ranks as one connection's search,
    with and without a filter, and a write between searches is seen by both halves."""
    import index.postgres as pg

    corpus = _hash_corpus(pg_settings)
    assert corpus.sync(progress=False).ok
    cases = [("belysning i parker", None), ("ordningsvakter och trygghet", {"namnd": "kyrkogårds"}),
             ("begravningsplatser", {"doc_id": ["a_sdn"]})]

    def run(cases=cases):
        return [[(h.chunk.doc_id, h.chunk.id, round(h.score, 6), h.dense_rank, h.bm25_rank)
                 for h in corpus.search(q, k=8, mode="hybrid", filters=f)] for q, f in cases]

    monkeypatch.setattr(pg, "PARALLEL_FROM", 10**9)
    sequential = run()
    monkeypatch.setattr(pg, "PARALLEL_FROM", 0)
    assert run() == sequential and any(sequential)
    corpus.delete(["a_sdn"])
    after = run(cases[:2])
    assert after[0] and all(h[0] != "a_sdn" for hits in after for h in hits)
    monkeypatch.setattr(pg, "PARALLEL_FROM", 10**9)
    assert run(cases[:2]) == after
    assert corpus._pool_conns  # the lexical half ran on a pool thread's own connection
    corpus.close()
    assert not corpus._pool_conns


_WRITER = textwrap.dedent("""
    import sys
    sys.path[:0] = [{tests!r}, {repo!r}]
    from conftest import HashEmbedder
    from index.postgres import PgCorpus
    from index.settings import Settings
    s = Settings(corpus_dir={corpus!r}).with_overrides(store__backend="postgres", store__postgres_dsn={dsn!r})
    c = PgCorpus(s, HashEmbedder())
    for i in range(4):
        for p in sys.argv[1:]:
            with open(p, "a", encoding="utf-8") as f:
                f.write(f"Version {{i}}: belysning och trygghet i parken.\\n")
            assert c.upsert([p]).ok
    print(len(c))
""")


@pytest.mark.slow
def test_concurrent_writers_in_two_processes(pg_settings, tmp_path):
    corpus = _hash_corpus(pg_settings)
    assert corpus.sync(progress=False).ok
    files = []
    for i in range(6):
        f = pg_settings.corpus_dir / f"w{i}.txt"
        f.write_text(f"Sammanfattning\nSkrivare {i} lägger till text om trygghet i parker nummer {i}.\n",
                     encoding="utf-8")
        files.append(str(f))
    script = _WRITER.format(tests=str(REPO / "tests"), repo=str(REPO), corpus=str(pg_settings.corpus_dir),
                            dsn=corpus._dsn)
    procs = [subprocess.Popen([sys.executable, "-c", script, *files[i::2]], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert [d.doc_id for d in corpus.documents()] == ["a_sdn", "b_kyrk"] + [f"w{i}" for i in range(6)]
    _consistent(corpus._dsn)


# ---------------------------------------------------------------- real corpus, real model, the CLI

@pytest.fixture(scope="module")
def real_pg(pg_server):
    """A database with the real corpus ingested through `yttra ingest` (real bundled model)."""
    import uuid

    import psycopg

    from conftest import _pg_dsn

    db = "real_" + uuid.uuid4().hex[:8]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    yield _pg_dsn(pg_server, db)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def _real(corpus):
    """The real corpus indexed (whichever test of this module runs first builds it)."""
    from index.store import IndexNotFoundError

    try:
        if len(corpus) and len(corpus.documents()) == 5:
            return corpus
    except IndexNotFoundError:
        pass
    assert corpus.sync(progress=False).ok
    return corpus


def _cli_env(dsn: str, corpus_dir: Path = CORPUS) -> dict:
    env = dict(os.environ, YTTRA_STORE__BACKEND="postgres", YTTRA_STORE__POSTGRES_DSN=dsn,
               YTTRA_CORPUS_DIR=str(corpus_dir))
    return env


@pytest.mark.integration
def test_cli_ingest_search_ask_on_postgres(real_pg, monkeypatch):
    from assistant.cli import app

    _pg_env(monkeypatch, real_pg)
    monkeypatch.setenv("YTTRA_CORPUS_DIR", str(CORPUS))
    res = runner.invoke(app, ["ingest", "-q"])
    assert res.exit_code == 0, res.output
    assert "Indexerade 5 dokument" in res.output and "PostgreSQL" in res.output
    res = runner.invoke(app, ["ingest", "-q"])  # unchanged: nothing embedded again
    assert res.exit_code == 0 and "(0 nya inbäddningar" in res.output, res.output
    res = runner.invoke(app, ["search", "ordningsvakter", "--json", "-k", "3"])
    assert res.exit_code == 0, res.output
    hits = json.loads(res.output)["results"]
    assert len(hits) == 3 and all(h["page"] >= 1 and h["namnd"] for h in hits)
    assert any("ordningsvakt" in h["text"].lower() for h in hits)
    res = runner.invoke(app, ["search", "trygghet", "--json", "--namnd", "kyrkogårds", "-k", "5"])
    assert res.exit_code == 0, res.output
    assert {h["namnd"] for h in json.loads(res.output)["results"]} == {"Kyrkogårdsnämnden"}
    # (not "… om trygghet på begravningsplatser": the corpus never mentions begravningsplatser, and the
    # assistant now says so instead of quoting Kyrkogårdsnämnden's general text)
    res = runner.invoke(app, ["ask", "Vad säger Kyrkogårdsnämnden om välfärdsbrott?", "--json"])
    assert res.exit_code == 0, res.output
    ans = json.loads(res.output)
    assert ans["citations"] and any(c["namnd"] == "Kyrkogårdsnämnden" for c in ans["citations"])


@pytest.mark.integration
def test_a_second_process_sees_changes(real_pg, corpus_copy, tmp_path, monkeypatch):
    """One process writes (`yttra ingest FILE`), another reads (`yttra search`), and back.
    (A copy of the corpus folder: the file given from outside is copied into it.)"""
    from index.postgres import PgCorpus
    from index.settings import load_settings

    _pg_env(monkeypatch, real_pg)
    monkeypatch.setenv("YTTRA_CORPUS_DIR", str(CORPUS))
    corpus = _real(PgCorpus(load_settings()))
    n0 = len(corpus)
    docs0 = [d.doc_id for d in corpus.documents()]  # caches the catalogue of this generation
    new = tmp_path / "zz_ny.txt"
    new.write_text("Sammanfattning\nNämnden föreslår fler gatlyktor längs cykelstråken i Rinkeby.\n", encoding="utf-8")
    yttra = [sys.executable, "-m", "assistant.cli"]
    done = subprocess.run([*yttra, "ingest", "-q", str(new)], env=_cli_env(real_pg, corpus_copy), capture_output=True,
                          text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (corpus_copy / "zz_ny.txt").exists() and not (CORPUS / "zz_ny.txt").exists()
    assert [d.doc_id for d in corpus.documents()] == sorted(docs0 + ["zz_ny"]) and len(corpus) > n0
    assert corpus.search("gatlyktor cykelstråken", k=1)[0].chunk.doc_id == "zz_ny"
    found = subprocess.run([*yttra, "search", "gatlyktor längs cykelstråken", "--json", "-k", "1"],
                           env=_cli_env(real_pg), capture_output=True, text=True, cwd=REPO, timeout=300)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["results"][0]["doc_id"] == "zz_ny"
    assert corpus.delete(["zz_ny"]).removed == ["zz_ny"]
    gone = subprocess.run([*yttra, "search", "gatlyktor längs cykelstråken", "--json", "-k", "3"],
                          env=_cli_env(real_pg), capture_output=True, text=True, cwd=REPO, timeout=300)
    assert gone.returncode == 0 and all(h["doc_id"] != "zz_ny" for h in json.loads(gone.stdout)["results"])
    assert len(corpus) == n0


@pytest.mark.integration
@pytest.mark.slow
def test_eval_numbers_equal_the_embedded_store(real_pg, real_settings, monkeypatch):
    """The retrieval eval (what `yttra eval` runs) on PostgreSQL vs the embedded store, real corpus.
    Each question is embedded once (MemoEmbedder) and reused by both stores and modes."""
    from eval import retrieval as ev
    from eval.bench.postgres import MemoEmbedder
    from index.corpus import open_corpus
    from index.embed import make_embedder
    from index.postgres import PgCorpus
    from index.settings import REPO_ROOT, load_settings

    _pg_env(monkeypatch, real_pg)
    monkeypatch.setenv("YTTRA_CORPUS_DIR", str(CORPUS))
    pg_settings = load_settings()
    emb = MemoEmbedder(make_embedder(pg_settings.embed))
    pg = _real(PgCorpus(pg_settings, emb))
    local = open_corpus(real_settings, emb)
    qs = ev.load_questions(REPO_ROOT / "eval" / "questions.jsonl", CORPUS)
    for mode in ("dense", "bm25", "hybrid"):
        a = ev.run(lambda q: pg.search(q, k=10, mode=mode), qs)["all"]
        b = ev.run(lambda q: local.search(q, k=10, mode=mode), qs)["all"]
        assert a["n"] == b["n"]
        for key in b:
            assert a[key] == pytest.approx(b[key], abs=0.01), (mode, key, a[key], b[key])


def test_a_held_writer_lock_times_out_after_the_setting(pg_settings):
    """Issue 12 caveat: PostgreSQL's advisory lock waited without a limit. Another session holding it makes
    a write give up after store.lock_wait_s with IndexLockTimeout (the app retries such jobs)."""
    import time

    import psycopg

    from index.store import IndexLockTimeout

    corpus = _hash_corpus(pg_settings)
    assert corpus.sync(progress=False).ok
    settings = pg_settings.model_copy(update={"store": pg_settings.store.model_copy(update={"lock_wait_s": 1.0})})
    short = _hash_corpus(settings)
    from index.postgres import _LOCK_KEY

    with psycopg.connect(corpus._dsn, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
        try:
            t0 = time.monotonic()
            with pytest.raises(IndexLockTimeout):
                short.delete(["a_sdn"])
            assert time.monotonic() - t0 < 30
        finally:
            other.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
    assert short.delete(["a_sdn"]).ok  # once released, the write goes through
