"""The embedded segment store: updates touch only what changed, results equal a
from-scratch rebuild, deleted passages never come back, BM25 equals bm25s,
readers keep working across ingests, damaged files are clear errors.

Fast: the deterministic HashEmbedder, tiny corpora in tmp_path."""

from __future__ import annotations

import dataclasses

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import HashEmbedder, write_corpus
from index import writer as writer_mod
from index.local import LocalCorpus
from index.pipeline import ingest
from index.search import MODES, SearchIndex, build_bm25
from index.segment import SegmentBuilder, open_segment
from index.settings import Settings
from index.store import (DB, IndexStoreError, current_generation, current_store, read_catalogue, read_current)
from index.textnorm import fold, lexical_tokens, words

REPO = Path(__file__).resolve().parent.parent
REBUILD = "rebuild with `yttra ingest --rebuild`"

NAMNDER = ["Spånga-Tensta stadsdelsnämnd", "Kyrkogårdsnämnden", "Trafiknämnden", "Idrottsnämnden",
           "Socialnämnden", "Kulturnämnden"]
TOPICS = ["ordningsvakter i offentliga miljöer", "trygghetsvandringar och belysning i parker",
          "brottsförebyggande arbete med unga", "kameraövervakning vid tunnelbanan",
          "samverkan med fastighetsägare mot klotter", "begravningsplatser ska vara trygga att besöka"]
QUERIES = ["ordningsvakter", "belysning i parker", "brottsförebyggande unga", "trygghet", "kameraövervakning klotter"]
FILTERS = [None, {"namnd": "kyrkogårds"}, {"year": 2022}, {"section": "Bakgrund"}]


def _doc(i: int, version: int = 0) -> str:
    t = TOPICS[i % len(TOPICS)]
    u = TOPICS[(i + 2) % len(TOPICS)]
    extra = f"\n\nÖvrigt\nTillägg version {version}: nämnden vill följa upp {u} (insats {i}-{version}).\n" if version else ""
    head = f"Dokument nummer {i}" + (f", version {version}" if version else "") + "."
    return (f"Till\nKommunstyrelsen\n\nSammanfattning\nFörvaltningen är positiv till {t}. {head}\n\n"
            f"Bakgrund\nÄrendet gäller {t} och {u}. Trygghetsprogrammet följs upp årligen av nämnden.\n\n"
            f"Förvaltningens synpunkter\nFörvaltningen föreslår att {u} prioriteras i område {i}." + extra)


def _meta(ids) -> str:
    return "".join(f"d{i:02d}:\n  namnd: {NAMNDER[i % len(NAMNDER)]}\n  doc_type: yttrande\n  period: 2020-2023\n"
                   f"  year: {2020 + i % 4}\n  title: Dokument {i}\n  dnr: KS 2021/{i}\n  date: ''\n" for i in ids)


class CountingEmbedder(HashEmbedder):
    def __init__(self):
        self.seen: list[str] = []

    def embed_passages(self, texts):
        self.seen.extend(texts)
        return super().embed_passages(texts)


@pytest.fixture
def emb():
    return CountingEmbedder()


def _corpus(tmp_path: Path, ids=range(6)) -> Settings:
    root = write_corpus(tmp_path / "corpus", {f"d{i:02d}.txt": _doc(i) for i in ids}, _meta(range(40)))
    return Settings(corpus_dir=root, index_dir=tmp_path / "index")


def _segment_files(settings) -> set[str]:
    return {p.name for p in current_store(settings.index_dir).glob("seg-*.bin")}


def _segment_docs(settings, name: str) -> set[str]:
    seg = open_segment(current_store(settings.index_dir) / name)
    return {seg.values["doc_id"][int(c)] for c in np.unique(seg.codes["doc_id"])}


def _tombstones(settings) -> dict[str, int]:
    with sqlite3.connect(current_store(settings.index_dir) / DB) as conn:
        return dict(conn.execute("SELECT p.doc_id, COUNT(*) FROM passages p JOIN placement r ON r.pid = p.pid "
                                 "WHERE r.dead = 1 GROUP BY p.doc_id"))


# ---------------------------------------------------------------- updates cost what changed

def test_add_change_delete_touch_only_that_document(tmp_path, emb):
    s = _corpus(tmp_path)
    assert ingest(s, embedder=emb, progress=False).ok
    before = _segment_files(s)
    sizes = {n: (current_store(s.index_dir) / n).stat() for n in before}

    # add one document: one new segment holding only it; only its passages embedded
    new = s.corpus_dir / "d20.txt"
    new.write_text(_doc(20), encoding="utf-8")
    emb.seen.clear()
    rep = ingest(s, [new], embedder=emb, progress=False)
    from index.pipeline import passage_text

    d20 = [c for c in read_current(s.index_dir).chunks if c.doc_id == "d20"]
    n_new = len(d20)
    # only its passages are embedded (a passage identical to one already indexed comes from the vector cache)
    assert rep.ok and 0 < rep.embedded == len(emb.seen) <= n_new
    assert set(emb.seen) <= {passage_text(c, s.embed.context) for c in d20}
    added = _segment_files(s) - before
    assert len(added) == 1 and _segment_docs(s, added.pop()) == {"d20"}
    for n, st in sizes.items():  # the other segments are not rewritten
        assert (current_store(s.index_dir) / n).stat().st_mtime_ns == st.st_mtime_ns

    # change it: again one segment with only it; unchanged passages come from the vector cache
    files = _segment_files(s)
    new.write_text(_doc(20, version=1), encoding="utf-8")
    emb.seen.clear()
    rep = ingest(s, [new], embedder=emb, progress=False)
    changed = _segment_files(s) - files
    assert len(changed) == 1 and _segment_docs(s, changed.pop()) == {"d20"}
    assert 0 < rep.embedded == len(emb.seen) < sum(1 for c in read_current(s.index_dir).chunks if c.doc_id == "d20")
    assert all("version 1" in t for t in emb.seen)
    assert _tombstones(s) == {"d20": n_new}

    # delete it: no segment written, nothing embedded, its passages are tombstones
    files = _segment_files(s)
    emb.seen.clear()
    rep = ingest(s, [], remove=["d20"], embedder=emb, progress=False)
    assert rep.removed == ["d20"] and rep.embedded == 0 and not emb.seen
    assert _segment_files(s) <= files
    assert "d20" not in read_catalogue(s.index_dir)
    assert {c.doc_id for c in read_current(s.index_dir).chunks} == {f"d{i:02d}" for i in range(6)}


def test_compact_merges_everything_into_one_segment(tmp_path, emb):
    s = _corpus(tmp_path)
    ingest(s, embedder=emb, progress=False)
    for i in (20, 21):
        p = s.corpus_dir / f"d{i}.txt"
        p.write_text(_doc(i), encoding="utf-8")
        ingest(s, [p], embedder=emb, progress=False)
    ingest(s, [], remove=["d01"], embedder=emb, progress=False)
    before = [(h.chunk.id, h.score) for h in LocalCorpus(s, emb).search("trygghet", k=10)]
    assert len(LocalCorpus(s, emb).index.segments) == 3
    assert writer_mod.compact(s.index_dir, s.search.hnsw_threshold)
    corpus = LocalCorpus(s, emb)
    assert len(corpus.index.segments) == 1
    assert all(a is None for a in corpus.index.alive)
    _block_equal([(h.chunk.id, h.score) for h in corpus.search("trygghet", k=10)], before)


def test_passage_ids_are_never_reused(tmp_path, emb):
    """A reader holding an old state maps hits to passages by id: an id freed by garbage collection
    must not come back for a different passage."""
    from index.store import collect_garbage

    s = _corpus(tmp_path)
    ingest(s, embedder=emb, progress=False)
    p = s.corpus_dir / "d20.txt"
    p.write_text(_doc(20), encoding="utf-8")
    ingest(s, [p], embedder=emb, progress=False)

    def pids(doc):
        with sqlite3.connect(current_store(s.index_dir) / DB) as conn:
            return [r for (r,) in conn.execute("SELECT pid FROM passages WHERE doc_id = ?", (doc,))]

    old = pids("d20")
    ingest(s, [], remove=["d20"], embedder=emb, progress=False)  # its segment is all dead: dropped
    collect_garbage(s.index_dir, grace=0.0)  # ... and its rows deleted
    assert pids("d20") == []
    p.write_text(_doc(20, version=2), encoding="utf-8")
    ingest(s, [p], embedder=emb, progress=False)
    assert min(pids("d20")) > max(old)


def test_a_different_analyzer_or_context_rewrites_the_store(tmp_path, emb):
    """BM25 tokens or embedding texts built differently cannot share a store: a new one is written
    (unchanged documents carried over, vectors reused where the embedding text is the same) and
    switched in at the end; it equals a fresh rebuild."""
    s = _corpus(tmp_path)
    ingest(s, embedder=emb, progress=False)
    first = current_store(s.index_dir)
    stem = s.with_overrides(search__analyzer="stem")
    emb.seen.clear()
    rep = ingest(stem, embedder=emb, progress=False)
    assert rep.ok and rep.embedded == 0 and not emb.seen  # same model, same texts: every vector reused
    assert current_store(s.index_dir) != first and read_current(s.index_dir).manifest["analyzer"] == "stem"
    fresh = stem.with_overrides(index_dir=tmp_path / "fresh")
    ingest(fresh, rebuild=True, embedder=emb, progress=False)
    for q in QUERIES:
        a = [(h.chunk.id, h.score) for h in LocalCorpus(stem, emb).search(q, k=8, mode="bm25")]
        b = [(h.chunk.id, h.score) for h in LocalCorpus(fresh, emb).search(q, k=8, mode="bm25")]
        _block_equal(a, b)
    ctx = stem.with_overrides(embed__context="namnd_section")
    emb.seen.clear()
    rep = ingest(ctx, embedder=emb, progress=False)
    assert rep.embedded == rep.chunks == len(set(emb.seen))  # other embedding texts: all embedded anew
    assert read_current(s.index_dir).manifest["context"] == "namnd_section"


def test_noop_ingest_commits_nothing(tmp_path, emb):
    s = _corpus(tmp_path)
    ingest(s, embedder=emb, progress=False)
    v, files = current_generation(s.index_dir), _segment_files(s)
    emb.seen.clear()
    rep = ingest(s, embedder=emb, progress=False)
    assert rep.embedded == 0 and not emb.seen and rep.reused == rep.chunks
    assert current_generation(s.index_dir) == v and _segment_files(s) == files


# ---------------------------------------------------------------- same results as a rebuild

def _block_equal(a: list, b: list) -> None:
    """Same ranking: scores equal position by position; ids equal up to order among equal scores
    (the last group may be cut differently at k)."""
    assert len(a) == len(b), (a, b)
    assert [round(x[1], 4) for x in a] == [round(x[1], 4) for x in b], (a, b)
    groups: list[list[int]] = []
    for i in range(len(a)):
        if groups and abs(a[i][1] - a[groups[-1][0]][1]) < 1e-5:
            groups[-1].append(i)
        else:
            groups.append([i])
    for g in groups[:-1]:
        assert {a[i][0] for i in g} == {b[i][0] for i in g}, (a, b)


def _snapshot(corpus) -> dict:
    out = {"len": len(corpus), "facets": corpus.facets(), "docs": [d for d in corpus.documents()],
           "terms": corpus.term_stats(["trygg", "ordningsvak", "belysning", "insats", "zzz"]),
           "passages": {d.doc_id: [c.id for c in corpus.passages(d.doc_id)] for d in corpus.documents()}}
    return out


def _assert_same_as_rebuild(s: Settings, tmp_path: Path, emb) -> None:
    fresh = s.with_overrides(index_dir=tmp_path / "rebuilt")
    assert ingest(fresh, rebuild=True, embedder=emb, progress=False).ok
    a, b = LocalCorpus(s, emb), LocalCorpus(fresh, emb)
    assert len(b.index.segments) == 1
    sa, sb = _snapshot(a), _snapshot(b)
    assert sa == sb
    for q in QUERIES:
        for mode in MODES:
            for f in FILTERS:
                ra = [(h.chunk.id, h.score) for h in a.search(q, k=8, mode=mode, filters=f)]
                rb = [(h.chunk.id, h.score) for h in b.search(q, k=8, mode=mode, filters=f)]
                _block_equal(ra, rb)
        np.testing.assert_array_equal(np.sort(a.index.bm25_scores(q)[a.index.bm25_scores(q) > 0]),
                                      np.sort(b.index.bm25_scores(q)[b.index.bm25_scores(q) > 0]))


def test_results_equal_a_rebuild_after_upserts_deletes_and_merges(tmp_path, emb, monkeypatch):
    monkeypatch.setattr(writer_mod, "MERGE_FACTOR", 3)  # merge often
    s = _corpus(tmp_path, range(4))
    assert ingest(s, embedder=emb, progress=False).ok
    rng = np.random.default_rng(7)
    live = set(range(4))
    merges = []
    real_merge = writer_mod.StoreWriter._merge
    monkeypatch.setattr(writer_mod.StoreWriter, "_merge", lambda self, ids: merges.append(ids) or real_merge(self, ids))
    for step in range(24):
        op = rng.choice(["add", "change", "delete", "sync"], p=[0.4, 0.3, 0.2, 0.1])
        if op == "add" or not live:
            i = 4 + step
            p = s.corpus_dir / f"d{i:02d}.txt"
            p.write_text(_doc(i), encoding="utf-8")
            ingest(s, [p], embedder=emb, progress=False)
            live.add(i)
        elif op == "change":
            i = int(rng.choice(sorted(live)))
            p = s.corpus_dir / f"d{i:02d}.txt"
            p.write_text(_doc(i, version=step), encoding="utf-8")
            ingest(s, [p], embedder=emb, progress=False)
        elif op == "delete":
            i = int(rng.choice(sorted(live)))
            (s.corpus_dir / f"d{i:02d}.txt").unlink()
            assert ingest(s, [], remove=[f"d{i:02d}"], embedder=emb, progress=False).removed == [f"d{i:02d}"]
            live.discard(i)
        else:
            i = int(rng.choice(sorted(live)))
            (s.corpus_dir / f"d{i:02d}.txt").write_text(_doc(i, version=100 + step), encoding="utf-8")
            ingest(s, embedder=emb, progress=False)
        with sqlite3.connect(current_store(s.index_dir) / DB) as conn:
            n_seg = conn.execute("SELECT COUNT(*) FROM segments WHERE dropped_at IS NULL").fetchone()[0]
        assert n_seg <= 10  # at most MERGE_FACTOR - 1 per size tier
    assert len(merges) >= 3
    assert {d for d in read_catalogue(s.index_dir)} == {f"d{i:02d}" for i in live}
    _assert_same_as_rebuild(s, tmp_path, emb)


def test_tombstoned_passages_are_never_returned(tmp_path, emb):
    s = _corpus(tmp_path)
    ingest(s, embedder=emb, progress=False)
    corpus = LocalCorpus(s, emb)
    old_ids = {c.id for c in corpus.passages("d01")} | {c.id for c in corpus.passages("d04")}
    (s.corpus_dir / "d01.txt").write_text(_doc(1, version=3), encoding="utf-8")
    ingest(s, [s.corpus_dir / "d01.txt"], embedder=emb, progress=False)
    ingest(s, [], remove=["d04"], embedder=emb, progress=False)
    live_ids = {c.id for d in corpus.documents() for c in corpus.passages(d.doc_id)}
    gone = old_ids - live_ids
    assert gone and _tombstones(s)
    for q in QUERIES + [_doc(1), _doc(4)]:
        for mode in MODES:
            for f in FILTERS + [{"doc_id": "d01"}, {"namnd": NAMNDER[1]}]:
                hits = corpus.search(q, k=100, mode=mode, filters=f)
                ids = [h.chunk.id for h in hits]
                assert len(ids) == len(set(ids)) and set(ids) <= live_ids and not set(ids) & gone
                assert all(h.chunk.doc_id != "d04" for h in hits)
                assert all("Dokument nummer 1." not in h.chunk.text for h in hits)
    from index.search import FilterError

    with pytest.raises(FilterError):  # the deleted document is no longer a valid filter value
        corpus.search("trygghet", filters={"doc_id": "d04"})
    assert corpus.passages("d04") == []
    assert len(corpus) == len(live_ids)


# ---------------------------------------------------------------- BM25 = bm25s

@pytest.mark.parametrize("analyzer", ["ngram", "stem"])
def test_bm25_scores_equal_bm25s_across_segments_and_deletions(analyzer, tmp_path):
    texts = [_doc(i, version=i % 3) for i in range(30)] + ["", "Kyrkogårdsnämnden ordningsvakter ordningsvakter"]
    tokens = [lexical_tokens(t, analyzer) for t in texts]
    dim = 8
    vecs = np.eye(dim, dtype=np.float32)[np.arange(len(texts)) % dim]
    dead = {3, 7, 8, 20, 31}
    segs, dead_pids = [], []
    for lo, hi in ((0, 10), (10, 25), (25, len(texts))):  # three segments, some rows deleted
        b = SegmentBuilder(dim)
        for pid in range(lo, hi):
            b.add(pid, pid, tokens[pid], {fold(w) for w in words(texts[pid])},
                  {"doc_id": f"x{pid:02d}", "section": "", "namnd": "", "doc_type": "other", "period": "",
                   "year": None}, vecs[pid])
        segs.append(b.finish())
        dead_pids.append(np.array(sorted(p for p in dead if lo <= p < hi), np.int64))
    index = SearchIndex(segs, dead_pids, None, {"analyzer": analyzer})
    live = [i for i in range(len(texts)) if i not in dead]
    build_bm25([tokens[i] for i in live], tmp_path / "ref")
    import bm25s

    ref = bm25s.BM25.load(str(tmp_path / "ref"))
    for q in QUERIES + ["Kyrkogårdsnämnden ordningsvakter ordningsvakter", "zzzz"]:
        qt = [t for t in lexical_tokens(q, analyzer) if t in ref.vocab_dict]
        expected = ref.get_scores(qt) if qt else np.zeros(len(live))
        mine = index.bm25_scores(q)
        np.testing.assert_allclose(mine[live], expected, rtol=1e-5, atol=1e-6)
        assert not mine[sorted(dead)].any()


@pytest.mark.parametrize("analyzer,impacts", [("ngram", "uint16"), ("stem", "uint16"), ("stem", "float32")])
def test_bm25_top_n_with_stored_impacts_is_exact(analyzer, impacts, monkeypatch):
    """The top-n ranked first with impacts stored at each segment's own avgdl (then candidates scored
    exactly) returns exactly the rows and scores of scoring every posting exactly, with segments whose
    avgdl differs from the global one, deletions and filters; with the uint16 impact codes segments are
    written with, and with the float32 impacts of format-2 segments."""
    import index.bm25 as bm25_mod

    monkeypatch.setattr(bm25_mod, "APPROX_MIN_ROWS", 500)
    rng = np.random.default_rng(11)
    vocab = [f"{a}{b}" for a in ("trygg", "brott", "polis", "park", "skol", "buss", "ljus", "vakt") for b in
             ("het", "are", "en", "ning", "ande", "arna", "or", "ets", "snämnd", "sarbete")]
    p = 1 / np.arange(1, len(vocab) + 1)
    texts = [" ".join(rng.choice(vocab, size=int(rng.integers(5, 40 if i < 2000 else 80)), p=p / p.sum()))
             for i in range(3000)]  # the later segments have longer rows: their avgdl is off the global one
    segs, dead = [], []
    for lo, hi in ((0, 2000), (2000, 2900), (2900, 3000)):
        b = SegmentBuilder(4)
        for pid in range(lo, hi):
            b.add(pid, 0, lexical_tokens(texts[pid], analyzer), set(), {"doc_id": f"x{pid:04d}", "section": "",
                  "namnd": "A" if pid % 3 else "B", "doc_type": "other", "period": "", "year": None}, np.ones(4))
        seg = b.finish()
        assert seg.imp.dtype == np.uint16
        if impacts == "float32":  # a format-2 segment: the tf parts themselves
            seg = dataclasses.replace(seg, imp=_tf_parts(seg))
        segs.append(seg)
        dead.append(np.array([q for q in range(lo, hi) if q % 17 == 0], np.int64))
    index = SearchIndex(segs, dead, None, {"analyzer": analyzer})
    assert abs(index.lex.avgdl / segs[0].avgdl - 1) > 0.05
    for q in range(40):
        query = " ".join(rng.choice(vocab, size=int(rng.integers(1, 8))))
        for filters in (None, {"namnd": "B"}):
            mask = index.mask(filters)
            allowed = [index._allowed(i, mask) for i in range(len(segs))]
            tokens = lexical_tokens(query, analyzer)
            exact = index.lex.scores(tokens)
            for n in (5, 20):
                got = {(i, int(r)): float(x) for i, rows, sc in index.lex.top(tokens, n, allowed)
                       for r, x in zip(rows, sc)}
                vals = np.concatenate([np.where(a if a is not None else True, e, 0) for e, a in zip(exact, allowed)])
                cut = np.sort(vals[vals > 0])[::-1][min(n, int((vals > 0).sum())) - 1]
                want = {(i, int(r)): float(e[r]) for i, (e, a) in enumerate(zip(exact, allowed))
                        for r in np.flatnonzero((e >= cut) & (e > 0) & (a if a is not None else True))}
                assert got == want, (query, filters, n)


def _tf_parts(seg) -> np.ndarray:
    """Each posting's tf part at the segment's avgdl in float32, as format-2 segments store it."""
    rows = seg.rows
    norm = 1.2 * (1 - 0.75 + 0.75 * seg.dl.astype(np.float64) / seg.avgdl)
    tf = seg.tf.astype(np.float64)
    return (tf / (tf + norm[rows])).astype(np.float32)


def test_bm25_top_n_is_exact_at_near_ties_of_stored_impacts(monkeypatch):
    """Many rows whose scores are close (different tf patterns, close lengths), cut at 400+ places: the
    top-n must still be exact. (With float16 impacts and no rounding term in the bound, 81 of these
    cut-offs came out wrong; the uint16 codes round about 20 times finer.)"""
    import index.bm25 as bm25_mod

    monkeypatch.setattr(bm25_mod, "APPROX_MIN_ROWS", 100)
    rng = np.random.default_rng(5)
    b = SegmentBuilder(4)
    for pid in range(4000):
        toks = (["aa"] * int(rng.integers(1, 4)) + ["bb"] * int(rng.integers(1, 4)) + ["cc"] * int(rng.integers(0, 3))
                + ["zz"] * int(rng.integers(0, 300)))
        b.add(pid, 0, toks, set(), {"doc_id": f"x{pid}", "section": "", "namnd": "A", "doc_type": "other",
                                    "period": "", "year": None}, np.ones(4))
    seg = b.finish()
    assert seg.imp.dtype == np.uint16
    index = SearchIndex([seg], [np.zeros(0, np.int64)], None, {"analyzer": "stem"})
    for q in (["aa", "bb"], ["aa", "bb", "cc"], ["aa", "cc"], ["bb", "cc"]):
        exact = index.lex.scores(q)[0]
        order = np.sort(exact)[::-1]
        for n in range(1, 3000, 7):
            got = {int(r) for _, rows, _ in index.lex.top(q, n, [None]) for r in rows}
            assert got == set(np.flatnonzero(exact >= order[n - 1]).tolist()), (q, n)


def test_impacts_are_uint16_codes_within_the_stated_error():
    from index.segment import IMPACT_ERROR, IMPACT_SCALE, impacts, smallest_tf_part

    rows = np.array([0, 1, 2, 0, 2], np.int32)
    tf = np.array([1, 3, 1, 7, 2], np.uint16)
    dl = np.array([10, 40, 200], np.int32)
    got = impacts(rows, tf, dl, 50.0)
    norm = 1.2 * (1 - 0.75 + 0.75 * dl[rows] / 50.0)
    want = tf / (tf + norm)
    assert got.dtype == np.uint16
    assert np.all(np.abs(got / IMPACT_SCALE - want) <= IMPACT_ERROR / 2)
    assert want.min() >= smallest_tf_part(dl, 50.0) > 0


def test_a_segment_whose_impacts_do_not_match_its_format_is_refused(tmp_path):
    from index.segment import SegmentError, write

    b = SegmentBuilder(4)
    b.add(1, 0, ["trygghet"], set(), {"doc_id": "x1", "section": "", "namnd": "A", "doc_type": "other",
                                     "period": "", "year": None}, np.ones(4))
    seg = b.finish()
    path = write(dataclasses.replace(seg, imp=seg.imp.astype(np.float16)), tmp_path / "seg-1.bin", 10**9)
    with pytest.raises(SegmentError, match="rebuild the index"):
        open_segment(path)


def test_bm25_of_an_ingested_store_equals_bm25s(tmp_path, emb):
    s = _corpus(tmp_path)
    ingest(s, embedder=emb, progress=False)
    (s.corpus_dir / "d02.txt").write_text(_doc(2, version=5), encoding="utf-8")
    ingest(s, [s.corpus_dir / "d02.txt"], embedder=emb, progress=False)
    from index.pipeline import passage_text

    gen = read_current(s.index_dir)
    tokens = [lexical_tokens(passage_text(c, s.embed.context), s.search.analyzer) for c in gen.chunks]
    build_bm25(tokens, tmp_path / "ref")
    import bm25s

    ref = bm25s.BM25.load(str(tmp_path / "ref"))
    index = LocalCorpus(s, emb).index
    order = {c.id: i for i, c in enumerate(gen.chunks)}
    for q in QUERIES:
        mine = index.bm25_scores(q)
        live = index.live_ids()
        got = np.zeros(len(gen.chunks), np.float32)
        for g, c in zip(live, index.chunks_at(live)):
            got[order[c.id]] = mine[g]
        qt = [t for t in lexical_tokens(q, s.search.analyzer) if t in ref.vocab_dict]
        np.testing.assert_allclose(got, ref.get_scores(qt), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- readers across ingests

def test_reader_opened_before_an_ingest_keeps_working(tmp_path, emb, monkeypatch):
    s = _corpus(tmp_path)
    ingest(s, embedder=emb, progress=False)
    reader = LocalCorpus(s, emb)
    old = reader.index
    before = [h.chunk.id for h in old.search("ordningsvakter", emb, k=5)]
    n_old = len(old)

    new = s.corpus_dir / "d30.txt"
    new.write_text(_doc(30), encoding="utf-8")
    ingest(s, [new], embedder=emb, progress=False)
    ingest(s, [], remove=["d00"], embedder=emb, progress=False)

    # the index object loaded before still answers from the old state
    assert len(old) == n_old and [h.chunk.id for h in old.search("ordningsvakter", emb, k=5)] == before
    assert all(p.doc_id == "d00" for p in old.passages("d00")) and old.passages("d00")
    # the same corpus object and a new one see the change
    for c in (reader, LocalCorpus(s, emb)):
        assert "d30" in [d.doc_id for d in c.documents()] and "d00" not in [d.doc_id for d in c.documents()]
        assert c.passages("d00") == [] and c.passages("d30")
    assert reader.index is not old

    # a full merge drops the old segment, and its file and dead rows go after the grace period:
    # the old state still answers from its open memory maps (live passages keep their ids) ...
    from index.search import StaleIndexError
    from index.store import collect_garbage
    from index.writer import StoreWriter

    w = StoreWriter(current_store(s.index_dir), s.search.hnsw_threshold)
    assert w.maintain(full=True)
    w.close()
    collect_garbage(s.index_dir, grace=0.0)
    assert not (old.generation[0] / old.segments[0].path.name).exists()
    hits = old.search("kameraövervakning", emb, k=3, mode="bm25", filters={"doc_id": "d03"})
    assert hits and all(h.chunk.doc_id == "d03" for h in hits)
    # ... and a passage deleted since is reported as a stale state, which the corpus answers by reloading
    with pytest.raises(StaleIndexError):
        old.search("ordningsvakter", emb, k=3, mode="bm25", filters={"doc_id": "d00"})
    hits = reader.search("ordningsvakter", k=50)
    assert hits and all(h.chunk.doc_id != "d00" for h in hits)


def test_reader_in_another_process_sees_old_or_new(tmp_path, emb):
    """A subprocess reads while this process ingests: every answer is one state or the other."""
    s = _corpus(tmp_path)
    ingest(s, embedder=emb, progress=False)
    script = (
        "import sys, json; sys.path.insert(0, 'tests')\n"
        "from conftest import HashEmbedder\nfrom index.local import LocalCorpus\nfrom index.settings import Settings\n"
        f"s = Settings(corpus_dir={str(s.corpus_dir)!r}, index_dir={str(s.index_dir)!r})\n"
        "c = LocalCorpus(s, HashEmbedder())\n"
        "for _ in range(150):\n"
        "    idx = c.index  # one state: its documents and a search over it\n"
        "    docs = sorted(idx.doc_ids(None))\n"
        "    hits = sorted({h.chunk.doc_id for h in idx.search('trygghet', None, k=200, mode='bm25')})\n"
        "    print(json.dumps([len(idx), docs, hits]), flush=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True)
    states = set()
    for i in range(6):
        p = s.corpus_dir / f"d{40 + i}.txt"
        p.write_text(_doc(40 + i), encoding="utf-8")
        ingest(s, [p], embedder=emb, progress=False)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0
    for line in out.splitlines():
        n, docs, hits = json.loads(line)
        assert hits == docs  # each search sees exactly the documents of one committed state
        states.add(len(docs))
    assert states <= set(range(6, 13))


# ---------------------------------------------------------------- damaged files

@pytest.mark.parametrize("damage", ["truncate", "missing", "garbage", "empty"])
def test_damaged_segment_is_a_clear_error(damage, tmp_path, emb):
    s = _corpus(tmp_path)
    ingest(s, embedder=emb, progress=False)
    seg = sorted(current_store(s.index_dir).glob("seg-*.bin"))[0]
    if damage == "truncate":
        seg.write_bytes(seg.read_bytes()[:-100])
    elif damage == "missing":
        seg.unlink()
    elif damage == "garbage":
        seg.write_bytes(os.urandom(seg.stat().st_size))
    else:
        seg.write_bytes(b"")
    with pytest.raises(IndexStoreError, match=REBUILD) as e:
        LocalCorpus(s, emb).search("trygghet")
    assert "\n" not in str(e.value) and seg.stem in str(e.value)
    rep = ingest(s, embedder=emb, progress=False)  # a plain ingest notices it and rebuilds
    assert rep.ok and LocalCorpus(s, emb).search("trygghet")


def test_hnsw_segment_and_damaged_faiss_file(tmp_path, emb):
    body = "\n\n".join(f"Stycke {i}: {TOPICS[i % 6]} i område {i} med {TOPICS[(i * 7) % 6]}." for i in range(1100))
    root = write_corpus(tmp_path / "corpus", {"stor.txt": "Sammanfattning\n" + body + "\n"})
    s = Settings(corpus_dir=root, index_dir=tmp_path / "index").with_overrides(
        search__hnsw_threshold=1000, chunk__size=100, chunk__overlap=0)
    assert ingest(s, embedder=emb, progress=False).chunks >= 1000
    corpus = LocalCorpus(s, emb)
    [seg] = corpus.index.segments
    assert seg.kind == "hnsw32"
    from index.segment import open_segment

    # one copy of the vectors is read: the graph's (memory-mapped .faiss), equal to the .bin's
    bare = open_segment(seg.path, with_faiss=False)
    assert seg.vectors.base.owner is seg.faiss and not seg.vectors.flags.writeable
    assert np.array_equal(seg.vectors, bare.vectors) and not np.shares_memory(seg.vectors, bare.vectors)
    flat = s.with_overrides(index_dir=tmp_path / "flat", search__hnsw_threshold=100_000)
    ingest(flat, embedder=emb, progress=False)
    q = "kameraövervakning vid tunnelbanan i område 17"
    a = [h.chunk.id for h in corpus.search(q, k=5, mode="dense")]
    b = [h.chunk.id for h in LocalCorpus(flat, emb).search(q, k=5, mode="dense")]
    assert a[0] == b[0]
    import index.search as search_mod

    exact = [h.chunk.id for h in corpus.search(q, k=5, mode="dense", filters={"doc_id": "stor"})]
    assert exact == b  # a filtered search over few rows is exact
    search_mod.EXACT_FILTERED_MAX = 0  # the graph walk with a selector
    try:
        hits = corpus.search(q, k=5, mode="dense", filters={"doc_id": "stor"})
    finally:
        search_mod.EXACT_FILTERED_MAX = 50_000
    assert hits and hits[0].chunk.id == b[0]
    import faiss

    other = faiss.IndexHNSWFlat(bare.dim, 32, faiss.METRIC_INNER_PRODUCT)  # a graph over other vectors
    other.add(np.ascontiguousarray(-np.asarray(bare.vectors)))
    faiss.write_index(other, str(seg.path.with_suffix(".faiss")))
    again = open_segment(seg.path)
    assert getattr(again.vectors.base, "owner", None) is None and np.array_equal(again.vectors, bare.vectors)
    seg.path.with_suffix(".faiss").write_bytes(b"garbage")
    with pytest.raises(IndexStoreError, match=REBUILD):
        LocalCorpus(s, emb).search("trygghet")


def test_old_generation_format_asks_for_a_rebuild(tmp_path, emb):
    s = _corpus(tmp_path)
    gen = s.index_dir / "gen-20240101T000000-abcdef"
    gen.mkdir(parents=True)
    (gen / "manifest.json").write_text(json.dumps({"format_version": 1}), encoding="utf-8")
    (s.index_dir / "CURRENT").write_text(gen.name, encoding="utf-8")
    with pytest.raises(IndexStoreError, match=REBUILD):
        LocalCorpus(s, emb).search("trygghet")
    assert ingest(s, embedder=emb, progress=False).ok  # a plain ingest replaces it
    assert LocalCorpus(s, emb).search("trygghet")


# ---------------------------------------------------------------- kill inside the commit and the merge

KILLER = """
import os, sys, time
sys.path.insert(0, "tests")
from conftest import HashEmbedder
import index.writer as w
from index.pipeline import ingest
from index.settings import Settings

stage = sys.argv[1]
def marked(fn):
    def run(*a, **k):
        print("in", flush=True)
        time.sleep(0.001)
        return fn(*a, **k)
    return run
if stage == "commit":
    w.StoreWriter.commit = marked(w.StoreWriter.commit)
else:
    w.MERGE_FACTOR = 2
    w.StoreWriter._merge = marked(w.StoreWriter._merge)
s = Settings(corpus_dir=sys.argv[2], index_dir=sys.argv[3])
ingest(s, embedder=HashEmbedder(), progress=False)
print("done", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["commit", "merge"])
def test_sigkill_inside_commit_or_merge_leaves_one_consistent_state(stage, tmp_path, emb):
    s = _corpus(tmp_path)
    ingest(s, embedder=emb, progress=False)
    rng = np.random.default_rng(3)
    outcomes = {"old": 0, "new": 0}
    for run in range(8):
        old = {c.id for c in read_current(s.index_dir).chunks}
        (s.corpus_dir / f"d{50 + run}.txt").write_text(_doc(50 + run), encoding="utf-8")
        proc = subprocess.Popen([sys.executable, "-c", KILLER, stage, str(s.corpus_dir), str(s.index_dir)],
                                cwd=REPO, stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline()  # blocks until the commit / merge starts (or the ingest ends)
        if line.strip() == "in":
            time.sleep(float(rng.uniform(0, 0.08)))
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        gen = read_current(s.index_dir)  # one consistent state
        ids = {c.id for c in gen.chunks}
        assert len(gen.chunks) == len(gen.vectors) == len(ids)
        assert {c.doc_id for c in gen.chunks} == {d for d, r in gen.manifest["documents"].items() if r["n_chunks"]}
        state = "new" if f"d{50 + run}" in gen.manifest["documents"] else "old"
        if state == "old":
            assert ids == old
        outcomes[state] += 1
        assert LocalCorpus(s, emb).search("trygghet", k=3)
        assert ingest(s, embedder=emb, progress=False).ok  # the next ingest completes and cleans up
        _assert_consistent_files(s)
    assert sum(outcomes.values()) == 8


def _assert_consistent_files(s: Settings) -> None:
    store = current_store(s.index_dir)
    with sqlite3.connect(store / DB) as conn:
        names = {n for (n,) in conn.execute("SELECT name FROM segments")}
        live = {n for (n,) in conn.execute("SELECT name FROM segments WHERE dropped_at IS NULL")}
    files = {p.stem for p in store.glob("seg-*.bin")}
    assert live <= files and files <= names, (live, files, names)
