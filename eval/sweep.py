"""Parameter sweeps judged by the eval harness: chunk size/overlap, passage
context and fusion settings. Each chunking configuration is indexed into a
temporary directory (vectors shared through an in-memory cache, so a
passage is embedded once per sweep), then every retrieval setting is run on
the question set.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embed import Embedder
from index.pipeline import ingest
from index.retriever import Retriever
from index.settings import Settings

from . import retrieval as ev


class CachedEmbedder:
    """Memoises passage/query vectors by text (same model id as the wrapped one)."""

    def __init__(self, inner: Embedder):
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self._p: dict[str, np.ndarray] = {}
        self._q: dict[str, np.ndarray] = {}

    def _get(self, texts, cache, fn):
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        if todo:
            cache.update(zip(todo, fn(todo)))
        return np.stack([cache[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_passages(self, texts):
        return self._get(list(texts), self._p, self.inner.embed_passages)

    def embed_queries(self, texts):
        return self._get(list(texts), self._q, self.inner.embed_queries)


@dataclass
class SweepRow:
    size: int
    overlap: int
    context: str
    analyzer: str
    mode: str
    rrf_k: int
    candidates: int
    dense_weight: float
    metrics: dict


def sweep(base: Settings, questions: list[ev.Question], embedder: Embedder, *,
          sizes=(300, 400, 500, 600, 800, 1200), overlaps=(0, 50), contexts=("none", "namnd", "namnd_section"),
          analyzers=("stem", "ngram", "stem+ngram"),
          rrf_ks=(5, 10, 60), candidates=(50,), dense_weights=(1.0, 1.5), log=print) -> list[SweepRow]:
    cached = CachedEmbedder(embedder)
    rows: list[SweepRow] = []
    with tempfile.TemporaryDirectory(prefix="yttra-sweep-") as tmp:
        for size, overlap, context, analyzer in itertools.product(sizes, overlaps, contexts, analyzers):
            if overlap >= size:
                continue
            s = base.with_overrides(index_dir=Path(tmp) / f"{size}-{overlap}-{context}-{analyzer}",
                                    chunk__size=size, chunk__overlap=overlap, embed__context=context,
                                    search__analyzer=analyzer)
            rep = ingest(s, embedder=cached, progress=False)
            r = Retriever(s, embedder=cached)
            for mode in ("dense", "bm25"):
                res = ev.run(lambda q: r.index.search(q, cached, k=10, mode=mode, candidates=100), questions)
                rows.append(SweepRow(size, overlap, context, analyzer, mode, 0, 0, 0.0, res["all"]))
            for rk, cand, dw in itertools.product(rrf_ks, candidates, dense_weights):
                res = ev.run(lambda q: r.index.search(q, cached, k=10, mode="hybrid", candidates=cand,
                                                      rrf_k=rk, weights=(dw, 1.0)), questions)
                rows.append(SweepRow(size, overlap, context, analyzer, "hybrid", rk, cand, dw, res["all"]))
            best = max((x for x in rows if (x.size, x.overlap, x.context, x.analyzer) == (size, overlap, context, analyzer)),
                       key=lambda x: (x.metrics["MRR@10"], x.metrics["R@2000ch"]))
            log(f"size={size} overlap={overlap} context={context} analyzer={analyzer} chunks={rep.chunks}: best {best.mode} "
                f"rrf_k={best.rrf_k} cand={best.candidates} w={best.dense_weight} "
                f"MRR={best.metrics['MRR@10']:.3f} R@2000ch={best.metrics['R@2000ch']:.3f}")
    return rows


def _key(x: SweepRow) -> tuple:
    """Selection rule: chunk-size-neutral recall first (larger chunks inflate
    rank metrics by covering more text per hit), then MRR@10."""
    return (-round(x.metrics["R@2000ch"], 3), -x.metrics["MRR@10"])


def format_rows(rows: list[SweepRow], top: int | None = None) -> str:
    rows = sorted(rows, key=_key)
    if top:
        rows = rows[:top]
    cols = ("R@1", "R@5", "R@10", "MRR@10", "nDCG@10", "R@2000ch")
    out = ["| size | overlap | context | analyzer | mode | rrf_k | cand | w_dense | " + " | ".join(cols) + " |",
           "|" + "---|" * (8 + len(cols))]
    for x in rows:
        fusion = (str(x.rrf_k), str(x.candidates), f"{x.dense_weight:g}") if x.mode == "hybrid" else ("", "", "")
        out.append(f"| {x.size} | {x.overlap} | {x.context} | {x.analyzer} | {x.mode} | " + " | ".join(fusion) + " | "
                   + " | ".join(f"{x.metrics[c]:.3f}" for c in cols) + " |")
    return "\n".join(out)


def results_markdown(settings: Settings, main: dict[str, dict], rows: list[SweepRow] | None,
                     n_questions: int, command: str) -> str:
    """The body of eval/RESULTS.md: the chosen settings, the main table and the sweep."""
    s = settings
    parts = [
        "# Retrieval results",
        "",
        f"Generated by `{command}` — do not edit by hand.",
        "",
        f"Question set: `eval/questions.jsonl` ({n_questions} questions; metrics over the answerable ones). "
        "A hit is relevant when it covers the middle of a gold phrase's span in the source text; "
        "`R@2000ch` is the chunk-size-neutral recall (a gold phrase ends within the first 2,000 characters "
        "of the concatenated ranked passages).",
        "",
        "## Chosen settings",
        "",
        f"- embedding model: `{s.embed.backend}` (context prefix: `{s.embed.context}`)",
        f"- chunk size {s.chunk.size} characters, overlap {s.chunk.overlap}",
        f"- BM25 analyzer: `{s.search.analyzer}`",
        f"- fusion: RRF k={s.search.rrf_k}, {s.search.candidates} candidates per list, "
        f"weights dense {s.search.dense_weight:g} / BM25 {s.search.bm25_weight:g}",
        "",
        "## Per configuration and job (k = 10)",
        "",
        ev.format_table(main),
        "",
        "Latency (retrieval only, this machine): " + "; ".join(
            f"{m} p50 {r['latency_ms']['p50']:.1f} ms / p95 {r['latency_ms']['p95']:.1f} ms" for m, r in main.items()),
    ]
    if rows:
        best_per_size = [min((r for r in rows if r.size == size and r.mode == "hybrid"), key=_key)
                         for size in sorted({r.size for r in rows})]
        parts += ["", "## Chunk size: best hybrid configuration per size", "",
                  "Chosen by R@2000ch (the chunk-size-neutral recall), then MRR@10. Larger chunks raise MRR "
                  "because one hit covers more text, but fewer gold phrases fit in the first 2,000 characters.",
                  "", format_rows(best_per_size),
                  "", "## Sweep (best 25 by R@2000ch, then MRR@10)", "", format_rows(rows, top=25), "",
                  "## Sweep: single halves per configuration", "",
                  format_rows([r for r in rows if r.mode != "hybrid"])]
    return "\n".join(parts) + "\n"


def bench_markdown(bench: dict) -> str:
    """The benchmark section of eval/RESULTS.md from eval/bench/results.json
    (written by `python -m eval.bench.run`)."""
    r = bench.get("real", {})
    lat = r.get("latency_ms", {})
    out = ["## Performance benchmarks", "",
           "From `eval/bench/results.json`, written by `.venv/bin/python -m eval.bench.run "
           "--sizes 10000,100000,1000000` (started " + str(bench.get("meta", {}).get("started", "?")) + ").", "",
           f"Real corpus: {r.get('documents')} documents, {r.get('pages')} pages, {r.get('chunks')} chunks; "
           f"read+repair+chunk {r.get('pages_per_s')} pages/s, embedding {r.get('chunks_per_s_embedded')} chunks/s, "
           f"re-ingest of an unchanged corpus {r.get('reingest_unchanged_s')} s.", "",
           "| query (real corpus) | p50 ms | p95 ms |", "|---|---|---|"]
    out += [f"| {m} | {v.get('p50')} | {v.get('p95')} |" for m, v in lat.items()]
    out += ["", "| chunks | index | param | build s | p50 ms | p95 ms | recall@10 | bytes/chunk |",
            "|---|---|---|---|---|---|---|---|"]
    for run in bench.get("scale", []):
        for d in run.get("dense", []):
            out.append(f"| {run['n']:,} | {d['index']} | {d.get('param') if d.get('param') is not None else ''} | "
                       f"{d['build_s']} | {d['p50_ms']} | {d['p95_ms']} | {d['recall10']} | {d['bytes_per_chunk']} |")
    out += ["", "| chunks | BM25 analyzer | p50 ms | p95 ms | bytes/chunk |", "|---|---|---|---|---|"]
    for run in bench.get("scale", []):
        for b in run.get("bm25", []):
            out.append(f"| {run['n']:,} | {b['analyzer']} | {b['p50_ms']} | {b['p95_ms']} | {b['bytes_per_chunk']} |")
    out += ["", "Recommendation from the benchmark run:", ""]
    out += [f"- {t}" for t in bench.get("recommendation", {}).get("text", [])]
    out += ["", "Acted on: exact flat search up to `search.hnsw_threshold` = 400,000 chunks, HNSW above; "
            "HNSW efSearch set to 512 on load (`index.search.HNSW_EF_SEARCH`)."]
    if bench.get("update"):  # the embedded store's update cost (eval/bench/update.py)
        from eval.bench.update import update_markdown

        out += ["", update_markdown(bench["update"])]
    return "\n".join(out) + "\n"
