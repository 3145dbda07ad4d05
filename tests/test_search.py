import numpy as np
import pytest

from index.pipeline import ingest
from index.retriever import Retriever
from index.search import FilterError, SearchIndex, rrf
from index.settings import Settings
from index.store import IndexMismatchError, IndexNotFoundError


def test_rrf_matches_hand_computation():
    fused = rrf([[1, 2, 3], [3, 1]], k=60)
    expected = {1: 1 / 61 + 1 / 62, 2: 1 / 62, 3: 1 / 63 + 1 / 61}
    assert [i for i, _ in fused] == sorted(expected, key=lambda i: -expected[i])
    for i, s in fused:
        assert s == pytest.approx(expected[i])


def test_rrf_weights_and_ties():
    assert rrf([[1], [2]], k=60)[0][0] == 1  # tie: first appearance wins
    assert rrf([[1], [2]], k=60, weights=[1.0, 2.0])[0][0] == 2
    assert rrf([], k=60) == []


@pytest.fixture
def tiny_index(tiny_settings):
    rep = ingest(tiny_settings, progress=False)
    assert rep.ok and rep.chunks > 0
    return Retriever(tiny_settings)


def test_modes_all_find_the_obvious_passage(tiny_index):
    for mode in ("dense", "bm25", "hybrid"):
        hits = tiny_index.search("ordningsvakter i offentliga miljöer", k=3, mode=mode)
        assert hits[0].chunk.doc_id == "a_sdn", mode
        assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_folded_query_finds_diacritic_text(tiny_index):
    hits = tiny_index.search("begravningsplatser forvaltningen stalls", k=1, mode="bm25")
    assert hits and hits[0].chunk.doc_id == "b_kyrk"


def test_filters_restrict_results_and_list_valid_values(tiny_index):
    hits = tiny_index.search("trygghet", k=10, filters={"namnd": "Kyrkogårdsnämnden"})
    assert hits and {h.chunk.namnd for h in hits} == {"Kyrkogårdsnämnden"}
    hits = tiny_index.search("trygghet", k=10, filters={"namnd": "spånga"})  # substring, case/diacritics-insensitive
    assert {h.chunk.doc_id for h in hits} == {"a_sdn"}
    assert {h.chunk.year for h in tiny_index.search("trygghet", k=10, filters={"year": 2023})} == {2023}
    assert {h.chunk.period for h in tiny_index.search("trygghet", k=10, filters={"period": "2024–2027"})} == {"2024-2027"}
    with pytest.raises(FilterError, match="Kyrkogårdsnämnden"):
        tiny_index.search("trygghet", filters={"namnd": "Trafiknämnden"})
    with pytest.raises(FilterError, match="valid: namnd, doc_type, period, year"):
        tiny_index.search("trygghet", filters={"colour": "blue"})
    with pytest.raises(FilterError, match="2021"):
        tiny_index.search("trygghet", filters={"year": 1999})


def test_dense_filter_with_faiss_selector(tiny_index):
    hits = tiny_index.search("ordningsvakter", k=10, mode="dense", filters={"doc_type": "yttrande", "year": 2023})
    assert hits and all(h.chunk.doc_id == "b_kyrk" for h in hits)


def test_empty_query_and_k_validation(tiny_index):
    assert tiny_index.search("   ") == []
    assert tiny_index.search("?!", mode="bm25") == []
    with pytest.raises(ValueError, match="k must be"):
        tiny_index.index.search("x", None, k=0, mode="bm25")
    with pytest.raises(ValueError, match="valid: dense, bm25, hybrid"):
        tiny_index.search("x", mode="fuzzy")


def test_k_larger_than_corpus_returns_all(tiny_index):
    hits = tiny_index.search("trygghet", k=500, mode="dense")
    assert len(hits) == len(tiny_index.index)


def test_model_mismatch_is_a_clear_error(tiny_index, tiny_settings):
    class OtherModel:
        model_id = "sentence-transformers/some-other-model"
        dim = 384

        def embed_queries(self, texts):
            return np.zeros((len(texts), 384), np.float32)

    r = Retriever(tiny_settings, embedder=OtherModel())  # a stand-in: only its id matters here
    with pytest.raises(IndexMismatchError, match="yttra ingest --rebuild"):
        r.search("trygghet", mode="hybrid")
    assert r.search("trygghet", mode="bm25")  # lexical search needs no model


def test_missing_index_says_how_to_build(tmp_path):
    r = Retriever(Settings(corpus_dir=tmp_path, index_dir=tmp_path / "nothing"))
    with pytest.raises(IndexNotFoundError, match="yttra ingest"):
        r.search("trygghet")


def test_empty_corpus_gives_empty_results(tmp_path):
    (tmp_path / "corpus").mkdir()
    s = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    rep = ingest(s, progress=False)
    assert rep.ok and rep.chunks == 0
    assert Retriever(s).search("trygghet") == []


def test_save_load_same_results(tiny_index, tiny_settings):
    a = tiny_index.search("kommunikation och trygghet", k=5)
    b = SearchIndex.load(tiny_settings.index_dir).search(
        "kommunikation och trygghet", tiny_index.embedder, k=5)
    assert [(h.chunk.id, round(h.score, 6)) for h in a] == [(h.chunk.id, round(h.score, 6)) for h in b]
