"""Performance benchmarks: real-corpus ingest/query latency, then synthetic scale runs.

    .venv/bin/python -m eval.bench.run [--quick] [--sizes 10000,100000,1000000]
        [--out eval/bench/results.json] [--plot eval/bench/recall_latency.png]

Prints tables and a recommendation for SearchSettings.hnsw_threshold and efSearch;
writes everything to JSON (after each size, so a long run leaves partial results).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from index.settings import REPO_ROOT, SearchSettings

from .real import bench_real
from . import scale
from .scale import EF_SEARCH as EF, bench_size, word_table


def table(rows: list[dict], cols: list[str]) -> str:
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in cols] for r in rows]
    widths = [max([len(c)] + [len(x[i]) for x in cells]) for i, c in enumerate(cols)]
    fmt = lambda xs: "  ".join(x.rjust(w) for x, w in zip(xs, widths))
    return "\n".join([fmt(cols), fmt(["-" * w for w in widths])] + [fmt(x) for x in cells])


def recommend(runs: list[dict], threshold: int, target_ms: float, floor: float) -> dict:
    flat = {s["n"]: r for s in runs for r in s["dense"] if r["index"] == "flat"}
    n_big = max(flat)
    ms_per_chunk = flat[n_big]["p95_ms"] / n_big  # flat search is linear in n; the largest size has the least overhead
    flat_limit = int(target_ms / ms_per_chunk)
    per_size = []
    for s in runs:
        hnsw = [r for r in s["dense"] if r["index"] == "hnsw32"]
        ok = [r for r in hnsw if r["recall10"] >= floor]
        app = next(r for r in s["dense"] if r["index"] == "hnsw32-app")
        per_size.append({"n": s["n"], "flat_p95_ms": flat[s["n"]]["p95_ms"],
                         "ef_for_floor": ok[0]["param"] if ok else None, "p95_ms_at_that_ef": ok[0]["p95_ms"] if ok else None,
                         "recall10_ef16_k10": hnsw[0]["recall10"], "app_path_recall10": app["recall10"],
                         "app_path_recall50": app["recall50"], "app_ef": app["param"]})
    efs = [p["ef_for_floor"] for p in per_size]
    ef = None if None in efs else max(efs)
    suggest = float(f"{0.8 * flat_limit:.2g}")
    bm25 = {r["analyzer"]: r["p95_ms"] for s in runs if s["n"] == n_big for r in s["bm25"]}
    lines = [f"Flat (exact) p95 ~ {ms_per_chunk * 1e6:.0f} ms per 1M chunks (measured at n={n_big:,}): "
             f"under {target_ms:g} ms up to ~{flat_limit:,} chunks.",
             f"hnsw_threshold = {threshold:,}: flat p95 there ~ {ms_per_chunk * threshold:.0f} ms, so "
             + ("the numbers support it" if ms_per_chunk * threshold <= target_ms else "it is too high")
             + f"; switching at ~{suggest:,.0f} chunks (80 % of the limit) meets the target with margin.",
             (f"HNSW32 needs efSearch >= {ef} for recall@10 >= {floor} at every measured size" if ef else
              f"HNSW32 misses recall@10 >= {floor} at some size even with efSearch={max(EF)}") + ".",
             f"App path (dense_ranking, 50 candidates, efSearch {per_size[0]['app_ef']} as SearchIndex sets it; faiss does "
             "not raise efSearch to k): recall@10 " + ", ".join(f"{p['app_path_recall10']:.2f} at {p['n']:,}" for p in per_size)
             + (" -> below the floor" if min(p["app_path_recall10"] for p in per_size) < floor else " -> fine") + ".",
             f"BM25 p95 at n={n_big:,}: " + ", ".join(f"{k} {v:g} ms" for k, v in bm25.items())
             + " (a hybrid query also pays the query embedding, see the real-corpus table).",
             f"Caveat: recall comes from synthetic vectors ({runs[-1]['copies_per_real_chunk']:g} noisy copies per real "
             "chunk at the largest n): near-equidistant neighbours make ANN harder than on a real corpus, so the "
             "efSearch needed is an upper bound; latencies and bytes do not depend on this."]
    return {"target_p95_ms": target_ms, "recall_floor": floor, "current_threshold": threshold,
            "flat_limit_chunks": flat_limit, "suggested_threshold": suggest, "ef_search": ef, "per_size": per_size,
            "text": lines}


def plot(runs: list[dict], path: Path) -> str:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no plot (results are in the JSON)"
    fig, axes = plt.subplots(1, len(runs), figsize=(5 * len(runs), 4), squeeze=False)
    for ax, s in zip(axes[0], runs):
        for kind in sorted({r["index"] for r in s["dense"]}):
            rs = [r for r in s["dense"] if r["index"] == kind]
            ax.plot([r["p95_ms"] for r in rs], [r["recall10"] for r in rs], "o-", label=kind)
        ax.set(title=f"n = {s['n']:,}", xlabel="p95 latency (ms)", ylabel="recall@10", xscale="log")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    return f"plot written to {path}"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m eval.bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes (2k, 5k) and 15 questions: a smoke run")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "eval/bench/results.json")
    ap.add_argument("--plot", type=Path, default=REPO_ROOT / "eval/bench/recall_latency.png")
    ap.add_argument("--vectors", choices=("cov", "iso", "random"), default="cov", help="synthetic vectors (see scale.py)")
    ap.add_argument("--no-ivf", action="store_true")
    ap.add_argument("--lib-max", type=int, default=100_000, help="largest n built with bm25s itself too (slow)")
    ap.add_argument("--target-ms", type=float, default=50.0)
    ap.add_argument("--recall-floor", type=float, default=0.95)
    ap.add_argument("--query-threads", type=int, default=1,
                    help="FAISS threads while timing single queries in the scale runs (0 = FAISS default)")
    a = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows up in a nohup log
    scale.QUERY_THREADS = a.query_threads
    sizes = [2000, 5000] if a.quick else [int(x) for x in a.sizes.split(",")]
    questions = [json.loads(x)["question"] for x in (REPO_ROOT / "eval/questions.jsonl").read_text("utf-8").splitlines()
                 if x.strip()][: 15 if a.quick else None]
    import faiss

    out = {"meta": {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count(), "faiss_threads":
                    faiss.omp_get_max_threads(), "query_threads": a.query_threads,
                    "loadavg_at_start": os.getloadavg(), "machine": platform.processor() or platform.machine(),
                    "vectors": a.vectors, "sizes": sizes, "queries": 200}, "scale": []}
    real, base = bench_real(REPO_ROOT / "corpus", questions)
    out["real"] = real
    print(f"\n== Real corpus: {real['documents']} documents, {real['pages']} pages, {real['chunks']} chunks")
    print(table([real], ["pages_per_s", "chunks_per_s_embedded", "read_s", "repair_chunk_s", "embed_s",
                         "ingest_cold_except_embedding_s", "reingest_unchanged_s", "reingest_embedded"]))
    print(f"\nQuery latency over {real['questions']} questions (ms; first query excluded; dense/hybrid include query embedding)")
    print(table([{"mode": m, **v} for m, v in real["latency_ms"].items()], ["mode", "p50", "p95"]))

    vocab_words, docs = word_table(base["texts"])
    for n in sizes:
        t = time.perf_counter()
        s = bench_size(n, base["vectors"], base["qvecs"], vocab_words, docs, questions, vectors=a.vectors,
                       ivf=not a.no_ivf, lib_max=a.lib_max)
        s["seconds"] = round(time.perf_counter() - t, 1)
        out["scale"].append(s)
        print(f"\n== n = {n:,} synthetic chunks ({a.vectors} vectors; {s['seconds']} s)")
        print(table(s["dense"], ["index", "param", "build_s", "p50_ms", "p95_ms", "recall10", "recall50", "bytes_per_chunk"]))
        print(table(s["bm25"], ["analyzer", "build_s", "lib_build_s", "tokenize_s_est", "p50_ms", "p95_ms", "bm25s_p50_ms", "bm25s_p95_ms",
                                "bytes_per_chunk", "distinct_tokens_per_chunk", "vocab"]))
        a.out.write_text(json.dumps(out, indent=1, ensure_ascii=False), "utf-8")

    out["recommendation"] = recommend(out["scale"], SearchSettings().hnsw_threshold, a.target_ms, a.recall_floor)
    print("\n== Recommendation (p95 < %g ms per dense query, recall@10 >= %g)" % (a.target_ms, a.recall_floor))
    print(table(out["recommendation"]["per_size"], list(out["recommendation"]["per_size"][0])))
    print("\n".join("- " + x for x in out["recommendation"]["text"]))
    out["plot"] = plot(out["scale"], a.plot)
    print(out["plot"])
    a.out.write_text(json.dumps(out, indent=1, ensure_ascii=False), "utf-8")
    print(f"results written to {a.out}")
    return out


if __name__ == "__main__":
    main()
