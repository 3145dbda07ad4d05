"""Real corpus: ingest throughput by stage, incremental re-ingest, query latency per mode."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from index.chunk import chunk_document
from index.clean import repair
from index.embed import make_embedder
from index.metadata import load_metadata_file, resolve_metadata
from index.pipeline import ingest, passage_text
from index.read import iter_corpus_files, read_document
from index.retriever import Retriever
from index.search import MODES
from index.settings import Settings
from index.store import read_current

from .scale import _timed


class _Cached:
    """The real embedder, but passages embedded by the stage run are served from memory,
    so the cold ingest does not embed everything a second time."""

    def __init__(self, inner, texts, vectors):
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.known = dict(zip(texts, vectors))

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts):
        if all(t in self.known for t in texts):
            return np.stack([self.known[t] for t in texts])
        return self.inner.embed_passages(texts)


def bench_real(corpus_dir: Path, questions: list[str]) -> tuple[dict, dict]:
    """Returns (results, base) where base holds the real chunk texts, their vectors and the question vectors."""
    with tempfile.TemporaryDirectory(prefix="yttra-bench-") as tmp:
        settings = Settings(corpus_dir=corpus_dir, index_dir=Path(tmp) / "index")
        embedder = make_embedder(settings.embed)
        entries = load_metadata_file(Path(corpus_dir) / settings.metadata_file)
        read_s = prep_s = 0.0
        chunks = []
        for path in iter_corpus_files(corpus_dir):
            t = time.perf_counter()
            doc = read_document(path)
            t1 = time.perf_counter()
            fixed = repair(doc.text)
            chunks += chunk_document(doc, settings.chunk, display_text=fixed.text, to_original=fixed.to_original_span,
                                     meta=resolve_metadata(doc.id, doc.text, entries))
            read_s, prep_s = read_s + t1 - t, prep_s + time.perf_counter() - t1
        texts = [passage_text(c, settings.embed.context) for c in chunks]
        bs = settings.embed.batch_size
        embedder.embed_passages(texts[:1])  # load the model outside the timing
        t = time.perf_counter()
        vectors = np.concatenate([embedder.embed_passages(texts[i:i + bs]) for i in range(0, len(texts), bs)])
        embed_s = time.perf_counter() - t

        t = time.perf_counter()
        cold = ingest(settings, embedder=_Cached(embedder, texts, vectors), progress=False)
        store_s = time.perf_counter() - t
        t = time.perf_counter()
        again = ingest(settings, embedder=embedder, progress=False)
        incr_s = time.perf_counter() - t
        pages = sum(d["pages"] for d in read_current(settings.index_dir).manifest["documents"].values())

        retriever = Retriever(settings, embedder)
        latency = {"embed_query": _timed(lambda q: embedder.embed_queries([q]), questions)[:2]}
        for mode in MODES:
            latency[mode] = _timed(lambda q: retriever.search(q, mode=mode), questions)[:2]
    res = {"documents": cold.documents, "pages": pages, "chunks": len(chunks), "questions": len(questions) - 1,
           "read_s": round(read_s, 3), "repair_chunk_s": round(prep_s, 3), "pages_per_s": round(pages / (read_s + prep_s), 1),
           "embed_s": round(embed_s, 2), "chunks_per_s_embedded": round(len(chunks) / embed_s, 1),
           "ingest_cold_except_embedding_s": round(store_s, 2),  # read, chunk, tokenize, write, FAISS, BM25
           "cold_build_total_s_est": round(store_s + embed_s, 2),
           "reingest_unchanged_s": round(incr_s, 3), "reingest_embedded": again.embedded,
           "latency_ms": {m: {"p50": v[0], "p95": v[1]} for m, v in latency.items()},
           "loadavg_after": [round(x, 2) for x in os.getloadavg()]}
    return res, {"texts": texts, "vectors": vectors, "qvecs": embedder.embed_queries(questions)}
