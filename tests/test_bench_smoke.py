"""Smoke test of the benchmark's core functions on a tiny synthetic corpus (no model,
no timing assertions). The benchmark itself: `python -m eval.bench.run [--quick]`."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from eval.bench import scale
from eval.bench.run import recommend, table
from index.search import build_bm25
from index.textnorm import lexical_tokens

TEXTS = [
    "Spånga-Tensta stadsdelsnämnd. Förslag till beslut.\nFörvaltningen är positiv till ordningsvakternas roll.",
    "Kyrkogårdsnämnden. Sammanfattning.\nTrygghetsprogrammet ska öka tryggheten på begravningsplatser.",
    "Idrottsnämnden. Ärendet.\nBrottsförebyggande arbete i offentliga miljöer och trygghetsskapande åtgärder.",
    "Socialnämnden. Bakgrund.\nRiktade sociala insatser för unga som riskerar att hamna i kriminalitet år 2025.",
]
QUESTIONS = ["Vad säger nämnden om ordningsvakter?", "trygghet på begravningsplatser", "sociala insatser för unga"]


@pytest.mark.parametrize("analyzer", ["ngram", "stem"])
def test_cached_tokens_and_bm25_arrays_match_bm25s(analyzer, tmp_path):
    vocab, docs = scale.word_table(TEXTS)
    src = np.random.default_rng(0).integers(0, len(docs), 60)
    words, doc = scale.synth_docs(docs, src, seed=1)
    tokens, ptr, ids = scale.token_table(vocab, analyzer)
    tok, tdoc = scale._doc_tokens(words, doc, ptr, ids)
    joined = [" ".join(vocab[i] for i in words[doc == j]) for j in range(len(src))]
    lists = [lexical_tokens(t, analyzer) for t in joined]
    for j in range(len(src)):  # tokenize-once-per-word == tokenizing the joined text
        assert Counter(tokens[i] for i in tok[tdoc == j]) == Counter(lists[j])
    mine = scale.load_bm25(*scale.build_bm25_arrays(lambda: iter([(tok, tdoc, 0, len(src))]), len(src), len(tokens)),
                           len(src), tokens)
    import bm25s

    build_bm25(lists, tmp_path / "bm25")
    lib = bm25s.BM25.load(str(tmp_path / "bm25"))
    for q in QUESTIONS:
        qt = lexical_tokens(q, analyzer)
        np.testing.assert_allclose(mine.get_scores([t for t in qt if t in mine.vocab_dict]),
                                   lib.get_scores([t for t in qt if t in lib.vocab_dict]), rtol=1e-4, atol=1e-5)


def test_bench_size_structure():
    rng = np.random.default_rng(0)
    base, queries = scale._unit(rng.standard_normal((40, 32))), scale._unit(rng.standard_normal((10, 32)))
    vocab, docs = scale.word_table(TEXTS * 10)
    res = scale.bench_size(1500, base, queries, vocab, docs, QUESTIONS, lib_max=2000)
    assert res["n"] == 1500
    kinds = {r["index"] for r in res["dense"]}
    assert {"flat", "hnsw32", "hnsw32-app"} <= kinds and any(k.startswith("ivf") for k in kinds)
    for r in res["dense"]:
        assert {"build_s", "p50_ms", "p95_ms", "recall10", "bytes_per_chunk"} <= set(r)
        assert 0.0 <= r["recall10"] <= 1.0
    assert next(r for r in res["dense"] if r["index"] == "flat")["recall10"] == 1.0
    assert [b["analyzer"] for b in res["bm25"]] == ["ngram", "stem"]
    for b in res["bm25"]:
        assert b["lib_build_s"] is not None and b["bytes_per_chunk"] > 0 and b["distinct_tokens_per_chunk"] > 0
    rec = recommend([res], threshold=200_000, target_ms=50.0, floor=0.95)
    assert rec["per_size"][0]["n"] == 1500 and rec["text"]
    assert "flat" in table(res["dense"], ["index", "recall10"])
