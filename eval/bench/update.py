"""Update-cost benchmark of the embedded store: add / change / delete one
document, amortised adds (merges included), cold start and peak RSS of
`yttra search`, and query latency, on the real 5-document corpus and on
synthetic corpora of 10k-1M passages.

    .venv/bin/python -m eval.bench.update [--sizes 10000,100000,1000000] [--rounds 5]
        [--out eval/bench/results.json] [--plot eval/bench/update_cost.png]

Writes results["update"] into the results file (the rest of it is kept) and
a plot of update cost and latency against corpus size.

How the synthetic corpora are made (vectors from a cache, so only indexing is
timed): the real corpus is read, repaired and chunked once and its passages
embedded once with the real model. Copy j of real document d becomes a new
document (own doc id, one of 40 nämnder, year 2015-2025, period by year);
each passage keeps its section and pages, drops 15 % of its words (seeded),
and gets the real vector of its source passage plus Gaussian noise shaped
like the real vectors' spread (eval/bench/scale.synth_vectors), re-normalised.
The store is written through the store's own writer (StoreWriter: the code
`ingest` writes with), in commits of 50k passages merged into one segment
at the end, as `yttra ingest --rebuild` would leave it.

The measured operations go through the real `index.pipeline.ingest` on a
real file: a new yttrande of 8-9 passages (read, OCR check, chunk, write), a
change to it (one sentence edited, a section appended) and its deletion; the
embedder serves cached real vectors (texts it has not seen get the vector of
a real passage chosen by hash), so the model's time is excluded everywhere
except the cold `yttra search`, which loads the model and embeds the query as
a user's process does. Each size runs in fresh processes: one builds (its
peak RSS is the build's), one measures operations and queries (its peak RSS
is the steady state), and `yttra search` runs as its own process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

from index.settings import REPO_ROOT, Settings

NAMNDER = [f"{p} stadsdelsnämnd" for p in (
    "Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby", "Bromma", "Kungsholmen", "Norrmalm", "Östermalm",
    "Södermalm", "Enskede-Årsta-Vantör", "Skarpnäck", "Farsta", "Älvsjö", "Hägersten-Älvsjö", "Skärholmen")] + [
    "Kyrkogårdsnämnden", "Trafiknämnden", "Kulturnämnden", "Idrottsnämnden", "Socialnämnden", "Miljö- och hälsoskyddsnämnden",
    "Stadsbyggnadsnämnden", "Exploateringsnämnden", "Fastighetsnämnden", "Utbildningsnämnden", "Arbetsmarknadsnämnden",
    "Äldrenämnden", "Överförmyndarnämnden", "Servicenämnden", "Kommunstyrelsen", "Revisorskollegiet",
    "Valnämnden", "Stockholms Stadshus AB", "Micasa Fastigheter", "Svenska Bostäder", "Familjebostäder",
    "Stockholmshem", "Stockholm Vatten och Avfall", "Stockholms Hamn", "Bostadsförmedlingen", "Stockholm Parkering"]
SMALL_DOC = ("Till\nKommunstyrelsen\n\nSammanfattning\nFörvaltningen föreslår fler trygghetsvandringar i {place} under "
             "hösten, tillsammans med polisen och lokala föreningar.\n\nBakgrund\n" + "\n\n".join(
                 f"Ordningsvakter kan vara ett komplement i område {i}, men förvaltningen betonar att det förebyggande "
                 f"arbetet med unga och föräldrar är viktigare på lång sikt. Kameraövervakning bör utvärderas ({i})."
                 for i in range(12)) + "\n")
CHANGE = "\n\nÖvrigt\nFörvaltningen vill också se över belysningen längs gångstråken i {place}.\n"


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class PeakMemory:
    """Samples a process's resident memory every 20 ms: peaks of the anonymous part (heap: what the
    process allocated) and of the file-backed part (pages of memory-mapped index files, which the
    kernel can drop and re-read under memory pressure), in MB (Linux /proc)."""

    def __init__(self, pid: int | str = "self"):
        import threading

        self.status = Path(f"/proc/{pid}/status")
        self.anon = self.file = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> None:
        try:
            fields = dict(line.split(":", 1) for line in self.status.read_text().splitlines() if ":" in line)
        except OSError:
            return
        if "RssAnon" in fields:
            self.anon = max(self.anon, int(fields["RssAnon"].split()[0]) / 1024)
            self.file = max(self.file, int(fields["RssFile"].split()[0]) / 1024)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.sample()

    def stop(self) -> dict:
        self.sample()
        self._stop.set()
        self._thread.join()
        return {"peak_anon_mb": round(self.anon, 1), "peak_file_mb": round(self.file, 1)}


def _pct(xs: list[float]) -> dict:
    ms = np.array(xs) * 1000
    return {"p50": round(float(np.percentile(ms, 50)), 2), "p95": round(float(np.percentile(ms, 95)), 2)}


# ---------------------------------------------------------------- the real corpus, embedded once

def real_base(settings: Settings, cache: Path) -> dict:
    """Chunks of the real corpus with their records, real passage vectors and question vectors (cached in `cache`)."""
    from index.embed import make_embedder
    from index.metadata import load_metadata_file
    from index.pipeline import _doc_signature, _process_file, passage_text
    from index.read import iter_corpus_files

    entries = load_metadata_file(Path(settings.corpus_dir) / settings.metadata_file)
    docs = []
    for p in iter_corpus_files(Path(settings.corpus_dir)):
        chunks, rec, _ = _process_file(p, settings, entries)
        rec["signature"] = _doc_signature(settings, entries.get(p.stem))
        docs.append((chunks, rec))
    texts = [passage_text(c, settings.embed.context) for cs, _ in docs for c in cs]
    questions = [json.loads(x)["question"] for x in (REPO_ROOT / "eval/questions.jsonl").read_text("utf-8").splitlines()
                 if x.strip()]
    if cache.exists():
        z = np.load(cache, allow_pickle=False)
        vectors, qvecs, model_id = z["vectors"], z["qvecs"], str(z["model_id"])
    else:
        emb = make_embedder(settings.embed)
        vectors = np.asarray(emb.embed_passages(texts), np.float32)
        qvecs = np.asarray(emb.embed_queries(questions), np.float32)
        model_id = emb.model_id
        np.savez(cache, vectors=vectors, qvecs=qvecs, model_id=np.array(model_id))
    return {"docs": docs, "texts": texts, "vectors": vectors, "questions": questions, "qvecs": qvecs,
            "model_id": model_id}


class CachedEmbedder:
    """Real vectors for texts seen before (the real passages and the questions); others get the
    vector of a real passage chosen by a hash of the text. No model runs."""

    def __init__(self, base: dict):
        self.model_id, self.dim = base["model_id"], int(base["vectors"].shape[1])
        self.vectors = base["vectors"]
        self.known = dict(zip(base["texts"], base["vectors"]))
        self.queries = dict(zip(base["questions"], base["qvecs"]))

    def embed_passages(self, texts):
        return np.stack([self.known.get(t, self.vectors[zlib.crc32(t.encode()) % len(self.vectors)]) for t in texts])

    def embed_queries(self, texts):
        return np.stack([self.queries.get(t, self.vectors[zlib.crc32(t.encode()) % len(self.vectors)]) for t in texts])


# ---------------------------------------------------------------- building a synthetic store

def build_synthetic(settings: Settings, base: dict, n_target: int, seed: int = 0) -> dict:
    """Write a store of about n_target passages of copied real documents; returns what it took."""
    from eval.bench.scale import synth_vectors
    from index.chunk import chunk_id
    from index.pipeline import CODE_VERSION, embed_key, passage_text
    from index.store import new_store, switch_current
    from index.textnorm import lexical_tokens
    from index.types import Chunk
    from index.writer import StoreWriter

    rng = np.random.default_rng(seed)
    analyzer, context = settings.search.analyzer, settings.embed.context
    t0 = time.perf_counter()
    meta = {"model_id": base["model_id"], "dim": int(base["vectors"].shape[1]), "analyzer": analyzer,
            "context": context}
    path = new_store(Path(settings.index_dir), meta)
    writer = StoreWriter(path, settings.search.hnsw_threshold)
    stamp = {"chunk": settings.chunk.model_dump(), "code_version": CODE_VERSION,
             "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "hnsw_threshold": settings.search.hnsw_threshold}
    offsets = np.cumsum([0] + [len(cs) for cs, _ in base["docs"]])
    tokens_seen: dict[str, str] = {}
    n = pending = j = 0
    commits = 0
    while n < n_target:
        d = j % len(base["docs"])
        chunks, rec = base["docs"][d]
        doc_id = f"syn{j:07d}"
        namnd, year = NAMNDER[j % len(NAMNDER)], 2015 + j % 11
        period = "2018-2021" if year < 2020 else "2020-2023" if year < 2024 else "2024-2027"
        src = np.arange(offsets[d], offsets[d + 1])
        vecs = synth_vectors(base["vectors"], src, rng)
        new, keys, toks = [], [], []
        for i, c in enumerate(chunks):
            w = c.text.split(" ")
            keep = rng.random(len(w)) >= 0.15
            text = " ".join(x for x, k in zip(w, keep) if k) or c.text
            ch = Chunk(id=chunk_id(doc_id, text, i), doc_id=doc_id, source=f"corpus/{doc_id}.txt", text=text,
                       original=text, start=c.start, end=c.end, page=c.page, page_end=c.page_end, section=c.section,
                       title=f"{c.title} (kopia {j})", namnd=namnd, doc_type=c.doc_type, period=period, year=year,
                       date="", dnr=f"{c.dnr}-{j}")
            pt = passage_text(ch, context)
            new.append(ch)
            keys.append(embed_key(pt))
            toks.append([tokens_seen.setdefault(t, t) for t in lexical_tokens(pt, analyzer)])
        meta_rec = {**rec["meta"], "doc_id": doc_id, "namnd": namnd, "year": year, "period": period,
                    "title": f"{rec['meta'].get('title', '')} (kopia {j})", "guessed": []}
        writer.put(doc_id, new, keys, toks, vecs, {**rec, "source": f"corpus/{doc_id}.txt", "meta": meta_rec,
                                                    "sha256": hashlib.sha256(doc_id.encode()).hexdigest(),
                                                    "n_chunks": len(new), "repaired_words": 0})
        n += len(new)
        pending += len(new)
        j += 1
        if pending >= 50_000:
            writer.commit(stamp)
            commits += 1
            pending = 0
    writer.commit(stamp)
    write_s = time.perf_counter() - t0
    t = time.perf_counter()
    writer.maintain(full=True)
    merge_s = time.perf_counter() - t
    switch_current(Path(settings.index_dir), path)
    kind = [s.kind for s in writer.open_segments().values()]
    writer.close()
    return {"n": n, "documents": j, "build_s": round(time.perf_counter() - t0, 1), "write_s": round(write_s, 1),
            "final_merge_s": round(merge_s, 1), "segments": kind, "build_rss_mb": _rss_mb(),
            "store_mb": round(sum(p.stat().st_size for p in path.iterdir()) / 2**20, 1)}


# ---------------------------------------------------------------- measuring one store

def measure_ops(settings: Settings, base: dict, rounds: int, amortised: int, workdir: Path) -> dict:
    """add / change / delete one document `rounds` times; then `amortised` consecutive adds (merges
    included) and their deletion in one ingest."""
    from index.pipeline import ingest

    emb = CachedEmbedder(base)
    docs = workdir / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[float]] = {"add": [], "change": [], "delete": []}
    for r in range(rounds):
        place = f"Område {r}"
        p = docs / f"bench_remiss_{r}.txt"
        p.write_text(SMALL_DOC.format(place=place), encoding="utf-8")
        for op in ("add", "change", "delete"):
            if op == "change":
                p.write_text(SMALL_DOC.format(place=place).replace("hösten", "våren") + CHANGE.format(place=place),
                             encoding="utf-8")
            t = time.perf_counter()
            rep = (ingest(settings, [], remove=[p.stem], embedder=emb, progress=False) if op == "delete" else
                   ingest(settings, [p], embedder=emb, progress=False))
            out[op].append(time.perf_counter() - t)
            assert rep.ok, rep.failed
    res = {f"{op}_s": round(statistics.median(v), 4) for op, v in out.items()}
    res.update({f"{op}_all_s": [round(x, 4) for x in v] for op, v in out.items()})
    # amortised: many single-document adds in a row, with whatever merges the policy runs
    import index.writer as writer_mod

    merges = []
    real = writer_mod.StoreWriter._merge
    writer_mod.StoreWriter._merge = lambda self, ids: merges.append(len(ids)) or real(self, ids)
    try:
        times = []
        for r in range(amortised):
            p = docs / f"bench_many_{r}.txt"
            p.write_text(SMALL_DOC.format(place=f"Kvarter {r}"), encoding="utf-8")
            t = time.perf_counter()
            ingest(settings, [p], embedder=emb, progress=False)
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        ingest(settings, [], remove=[f"bench_many_{r}" for r in range(amortised)], embedder=emb, progress=False)
        del_many = time.perf_counter() - t
    finally:
        writer_mod.StoreWriter._merge = real
    res.update({"amortised_adds": amortised, "amortised_add_mean_s": round(float(np.mean(times)), 4),
                "amortised_add_max_s": round(float(np.max(times)), 4), "amortised_merges": len(merges),
                f"delete_{amortised}_in_one_s": round(del_many, 4)})
    return res


def measure_queries(settings: Settings, base: dict, workdir: Path) -> dict:
    """p50/p95 per mode and filter over the question set; the query vectors are precomputed, so the
    query embedding is excluded. Measured as an incrementally updated store is: three small documents
    added since the bulk build (a second segment, and a global avgdl that differs from the big
    segment's, so BM25 ranks with impacts and rescores its candidates). The hybrid pass runs twice:
    the first touches the memory-mapped postings for the first time in this process."""
    from index.local import LocalCorpus
    from index.pipeline import ingest

    emb = CachedEmbedder(base)
    docs = workdir / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for r in range(3):
        p = docs / f"bench_kept_{r}.txt"
        p.write_text(SMALL_DOC.format(place=f"Stadsdel {r}"), encoding="utf-8")
        ingest(settings, [p], embedder=emb, progress=False)
    corpus = LocalCorpus(settings, emb)
    t = time.perf_counter()
    corpus.search(base["questions"][0], k=5)  # first query: loads the index (cold, in-process)
    first_s = time.perf_counter() - t
    namnd = corpus.index.filter_values()["namnd"]
    cases = {"hybrid": ("hybrid", None), "hybrid_filter_namnd": ("hybrid", {"namnd": namnd[len(namnd) // 2]}),
             "hybrid_filter_year": ("hybrid", {"year": corpus.index.filter_values()["year"][-1]}),
             "dense": ("dense", None), "bm25": ("bm25", None)}
    out = {"first_query_in_process_s": round(first_s, 3)}
    times = []
    for q in base["questions"]:
        t = time.perf_counter()
        corpus.search(q, k=5)
        times.append(time.perf_counter() - t)
    out["hybrid_first_pass"] = _pct(times[1:])
    for name, (mode, f) in cases.items():
        times = []
        for q in base["questions"]:
            t = time.perf_counter()
            corpus.search(q, k=5, mode=mode, filters=f)
            times.append(time.perf_counter() - t)
        out[name] = _pct(times[1:])
    index = corpus.index
    out["segments"] = len(index.segments)
    out["avgdl_vs_biggest_segment"] = round(index.lex.avgdl / max(index.segments, key=len).avgdl, 6)
    for r in range(3):  # leave the store as it was built
        ingest(settings, [], remove=[f"bench_kept_{r}"], embedder=emb, progress=False)
    return out


def cold_search(index_dir: Path, question: str, mode: str, repeats: int = 5) -> dict:
    """Wall time and peak RSS of a fresh `yttra search` process (python -m assistant.cli)."""
    wrapper = ("import json, resource, subprocess, sys, time\n"
               "from eval.bench.update import PeakMemory\n"
               "t = time.perf_counter()\n"
               "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
               "mem = PeakMemory(p.pid)\n"
               "err = p.communicate()[1]\n"
               "wall = time.perf_counter() - t\n"
               "print(json.dumps({'wall': wall, 'maxrss': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,\n"
               "                  'rc': p.returncode, **mem.stop(), 'err': err.decode()[-300:]}))\n")
    times, rss, anon, filed = [], [], [], []
    for _ in range(repeats):
        res = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "assistant.cli", "search", question,
                              "--mode", mode, "--index-dir", str(index_dir)], capture_output=True, text=True,
                             cwd=REPO_ROOT, timeout=600)
        r = json.loads(res.stdout.strip().splitlines()[-1])
        if r["rc"] != 0:
            raise RuntimeError(f"yttra search failed: {r['err']}")
        times.append(r["wall"])
        rss.append(r["maxrss"] / 1024)
        anon.append(r["peak_anon_mb"])
        filed.append(r["peak_file_mb"])
    return {"s": round(statistics.median(times), 3), "all_s": [round(x, 3) for x in times],
            "rss_mb": round(max(rss), 1), "peak_anon_mb": round(max(anon), 1), "peak_file_mb": round(max(filed), 1)}


# ---------------------------------------------------------------- driver

def _child(args) -> dict:
    """One step for one size in this (fresh) process."""
    mem = PeakMemory()
    settings = Settings(corpus_dir=REPO_ROOT / "corpus", index_dir=Path(args.workdir) / "index")
    base = real_base(settings, Path(args.cache))
    if args.step == "build":
        if args.n == 0:  # the real corpus through the real pipeline
            from index.pipeline import ingest

            t = time.perf_counter()
            rep = ingest(settings, embedder=CachedEmbedder(base), progress=False)
            res = {"n": rep.chunks, "documents": rep.documents, "build_s": round(time.perf_counter() - t, 2),
                   "segments": ["flat"], "build_rss_mb": _rss_mb()}
        else:
            res = build_synthetic(settings, base, args.n)
        res["build_memory"] = mem.stop()
        return res
    res = {"ops": measure_ops(settings, base, args.rounds, args.amortised, Path(args.workdir)),
           "queries": measure_queries(settings, base, Path(args.workdir))}
    res["ops_queries_rss_mb"] = _rss_mb()
    res["ops_queries_memory"] = mem.stop()
    return res


def run_size(n: int, workdir: Path, cache: Path, rounds: int, amortised: int, reuse: bool = False) -> dict:
    out: dict = {}
    saved = workdir / "build.json"
    for step in ("build", "measure"):
        if step == "build" and reuse and saved.exists() and (workdir / "index" / "CURRENT").exists():
            out.update(json.loads(saved.read_text("utf-8")))  # a store built by an earlier run (--reuse)
            continue
        res = subprocess.run([sys.executable, "-m", "eval.bench.update", "--child", step, "--n", str(n),
                              "--workdir", str(workdir), "--cache", str(cache), "--rounds", str(rounds),
                              "--amortised", str(amortised)], capture_output=True, text=True, cwd=REPO_ROOT)
        if res.returncode != 0:
            raise RuntimeError(f"{step} n={n} failed:\n{res.stderr[-3000:]}")
        out.update(json.loads(res.stdout.strip().splitlines()[-1]))
        if step == "build":
            saved.write_text(res.stdout.strip().splitlines()[-1], "utf-8")
    q = json.loads((REPO_ROOT / "eval/questions.jsonl").read_text("utf-8").splitlines()[0])["question"]
    out["cold_search_hybrid"] = cold_search(workdir / "index", q, "hybrid")
    out["cold_search_bm25"] = cold_search(workdir / "index", q, "bm25")
    return out


def summarise(sizes: list[dict]) -> list[dict]:
    base = sizes[0]
    rows = []
    for s in sizes:
        o, q = s["ops"], s["queries"]
        row = {"passages": s["n"], "documents": s["documents"], "build_s": s["build_s"],
               "add_s": o["add_s"], "change_s": o["change_s"], "delete_s": o["delete_s"]}
        for op in ("add", "change", "delete"):
            row[f"{op}_x"] = round(o[f"{op}_s"] / base["ops"][f"{op}_s"], 2)
        row.update({"amortised_add_s": o["amortised_add_mean_s"], "amortised_max_s": o["amortised_add_max_s"],
                    "merges": o["amortised_merges"],
                    "cold_search_s": s["cold_search_hybrid"]["s"],
                    "cold_x": round(s["cold_search_hybrid"]["s"] / base["cold_search_hybrid"]["s"], 2),
                    "cold_bm25_s": s["cold_search_bm25"]["s"],
                    "rss_search_mb": s["cold_search_hybrid"]["rss_mb"], "rss_ops_mb": s["ops_queries_rss_mb"],
                    "rss_build_mb": s["build_rss_mb"],
                    "anon_search_mb": s["cold_search_hybrid"].get("peak_anon_mb"),
                    "file_search_mb": s["cold_search_hybrid"].get("peak_file_mb"),
                    "anon_ops_mb": s.get("ops_queries_memory", {}).get("peak_anon_mb"),
                    "file_ops_mb": s.get("ops_queries_memory", {}).get("peak_file_mb"),
                    "anon_build_mb": s.get("build_memory", {}).get("peak_anon_mb"),
                    "file_build_mb": s.get("build_memory", {}).get("peak_file_mb"),
                    "hybrid_first_p50": q.get("hybrid_first_pass", {}).get("p50"),
                    "hybrid_first_p95": q.get("hybrid_first_pass", {}).get("p95"),
                    "query_segments": q.get("segments"), "avgdl_ratio": q.get("avgdl_vs_biggest_segment"),
                    "hybrid_p50": q["hybrid"]["p50"], "hybrid_p95": q["hybrid"]["p95"],
                    "filtered_p50": q["hybrid_filter_namnd"]["p50"], "filtered_p95": q["hybrid_filter_namnd"]["p95"],
                    "year_p95": q["hybrid_filter_year"]["p95"], "dense_p95": q["dense"]["p95"],
                    "bm25_p95": q["bm25"]["p95"]})
        rows.append(row)
    return rows


def update_markdown(update: dict) -> str:
    """The update-cost section of eval/RESULTS.md (eval/sweep.py's bench_markdown appends it)."""
    rows, meta = update.get("table", []), update.get("meta", {})
    out = ["## Update cost of the embedded store", "",
           f"From `eval/bench/results.json` (key `update`), written by `.venv/bin/python -m eval.bench.update` "
           f"(started {meta.get('started', '?')}, {meta.get('cpus', '?')} CPUs, load average at start "
           f"{', '.join(f'{x:.1f}' for x in meta.get('loadavg_at_start', []))}; the machine was shared). "
           f"Median of {meta.get('rounds', '?')} rounds per operation; ×: ratio to the same operation on the "
           "5-document corpus.", "",
           "How: " + " ".join(str(meta.get("method", "")).split()), "",
           "| passages | docs | add s (×) | change s (×) | delete s (×) | add, amortised s (max) | merges "
           "| cold `yttra search` s (×) | cold, bm25 s | hybrid p50 / p95 ms | hybrid, first pass p50 / p95 ms "
           "| filtered (nämnd) p50 / p95 ms | filtered (year) p95 | dense p95 | bm25 p95 |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(
            f"| {r['passages']:,} | {r['documents']:,} | {r['add_s']:.3f} ({r['add_x']}) | {r['change_s']:.3f} "
            f"({r['change_x']}) | {r['delete_s']:.3f} ({r['delete_x']}) | {r['amortised_add_s']:.3f} "
            f"({r['amortised_max_s']:.3f}) | {r['merges']} | {r['cold_search_s']:.2f} ({r['cold_x']}) | "
            f"{r['cold_bm25_s']:.2f} | {r['hybrid_p50']} / {r['hybrid_p95']} | "
            f"{r.get('hybrid_first_p50')} / {r.get('hybrid_first_p95')} | {r['filtered_p50']} / {r['filtered_p95']} | "
            f"{r['year_p95']} | {r['dense_p95']} | {r['bm25_p95']} |")
    out += ["", "Memory, peak MB: RSS as the OS reports it (maximum resident set), and its two parts sampled every "
            "20 ms: heap (anonymous memory the process allocated) and mapped index files (pages of the "
            "memory-mapped segment files and HNSW graph; shared with the page cache, dropped and re-read by the "
            "kernel under memory pressure).", "",
            "| passages | segments (queried) | `yttra search`: RSS / heap / mapped | operations + queries: "
            "RSS / heap / mapped | bulk build: RSS / heap / mapped |",
            "|---|---|---|---|---|"]
    for r, s in zip(rows, update.get("sizes", [])):
        out.append(f"| {r['passages']:,} | {', '.join(s.get('segments', []))} ({r.get('query_segments')}) | "
                   f"{r['rss_search_mb']:.0f} / {r.get('anon_search_mb')} / {r.get('file_search_mb')} | "
                   f"{r['rss_ops_mb']:.0f} / {r.get('anon_ops_mb')} / {r.get('file_ops_mb')} | "
                   f"{r['rss_build_mb']:.0f} / {r.get('anon_build_mb')} / {r.get('file_build_mb')} |")
    before = update.get("before")
    if before:
        out += ["", "Before (the previous store: one immutable generation directory per ingest, rewritten whole; "
                + before.get("method", "") + "):", "",
                "| passages | add s (×) | change s (×) | delete s (×) | cold `yttra search` s | peak RSS search MB |",
                "|---|---|---|---|---|---|"]
        b0 = before["rows"][0]
        out += [f"| {b['passages']:,} | {b['add_s']} ({b['add_s'] / b0['add_s']:.1f}) | {b['change_s']} "
                f"({b['change_s'] / b0['change_s']:.1f}) | {b['delete_s']} ({b['delete_s'] / b0['delete_s']:.1f}) | "
                f"{b.get('cold_search_s', '')} | {b.get('rss_search_mb', '')} |" for b in before["rows"]]
    if rows:
        big = rows[-1]
        out += ["", f"Goals (issue 9) at the largest size measured ({big['passages']:,} passages): "
                f"add/change/delete ≤ 1.5× the 5-document figure: {big['add_x']} / {big['change_x']} / {big['delete_x']}; "
                f"hybrid p95 ≤ 60 ms: {big['hybrid_p95']} ms (first pass {big.get('hybrid_first_p95')} ms, filtered "
                f"{big['filtered_p95']} / {big['year_p95']} ms); peak RSS ≤ 4 GB: search "
                f"{big['rss_search_mb'] / 1024:.2f} GB (heap {(big.get('anon_search_mb') or 0) / 1024:.2f}), operations "
                f"and queries {big['rss_ops_mb'] / 1024:.2f} GB (heap {(big.get('anon_ops_mb') or 0) / 1024:.2f}), bulk "
                f"build {big['rss_build_mb'] / 1024:.2f} GB (heap {(big.get('anon_build_mb') or 0) / 1024:.2f}); "
                f"cold `yttra search` {big['cold_search_s']:.2f} s ({big['cold_x']}× the 5-document figure)."]
    if update.get("plot"):
        out += ["", f"Plot: `eval/bench/{Path(str(update['plot']).split()[-1]).name}`."]
    return "\n".join(out) + "\n"


def plot(update: dict, path: Path) -> str:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no plot (results are in the JSON)"
    rows = update["table"]
    n = [r["passages"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    ax = axes[0]
    for op, mark in (("add", "o-"), ("change", "s-"), ("delete", "^-")):
        ax.plot(n, [r[f"{op}_s"] for r in rows], mark, label=f"{op} one document")
    ax.plot(n, [r["amortised_add_s"] for r in rows], "x--", label="add, amortised (merges incl.)")
    before = update.get("before", {}).get("rows", [])
    if before:
        ax.plot([b["passages"] for b in before], [b["add_s"] for b in before], "o:", color="grey",
                label="add one, before (generation store)")
    ax.set(xscale="log", yscale="log", xlabel="passages", ylabel="seconds (in-process ingest call)",
           title="Update cost")
    ax.legend(fontsize=8)
    ax = axes[1]
    for key, label in (("hybrid", "hybrid"), ("filtered", "hybrid, nämnd filter"), ("bm25", "BM25 only"),
                       ("dense", "dense only")):
        col = f"{key}_p95"
        ax.plot(n, [r[col] for r in rows], "o-", label=f"{label} p95")
    ax.plot(n, [r["hybrid_p50"] for r in rows], "o--", label="hybrid p50")
    ax.plot(n, [r.get("hybrid_first_p95") or 0 for r in rows], "x:", label="hybrid p95, first pass")
    ax.axhline(60, color="red", lw=0.8, ls=":", label="goal p95 60 ms")
    ax.set(xscale="log", yscale="log", xlabel="passages", ylabel="ms (query embedding excluded)",
           title="Query latency")
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.plot(n, [r["cold_search_s"] for r in rows], "o-", label="cold `yttra search` (hybrid), s")
    ax.plot(n, [r["cold_bm25_s"] for r in rows], "s-", label="cold `yttra search --mode bm25`, s")
    ax2 = ax.twinx()
    ax2.plot(n, [r["rss_search_mb"] / 1024 for r in rows], "^--", color="purple", label="peak RSS search, GB")
    ax2.plot(n, [(r.get("anon_search_mb") or 0) / 1024 for r in rows], "^:", color="purple", label="  of it heap, GB")
    ax2.plot(n, [r["rss_build_mb"] / 1024 for r in rows], "v--", color="brown", label="peak RSS build, GB")
    ax2.plot(n, [(r.get("anon_build_mb") or 0) / 1024 for r in rows], "v:", color="brown", label="  of it heap, GB")
    ax.set(xscale="log", xlabel="passages", ylabel="seconds", title="Cold start and memory")
    ax.set_ylim(bottom=0)
    ax2.set_ylim(bottom=0)
    ax2.set_ylabel("GB")
    ax.legend(fontsize=8, loc="upper left")
    ax2.legend(fontsize=8, loc="center left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return f"plot written to {path}"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m eval.bench.update", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="synthetic sizes (passages); 0 = the real corpus "
                    "(always run first, as the baseline)")
    ap.add_argument("--rounds", type=int, default=5, help="add/change/delete rounds per size (median reported)")
    ap.add_argument("--amortised", type=int, default=40, help="consecutive single-document adds per size")
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "eval/bench/results.json")
    ap.add_argument("--plot", type=Path, default=REPO_ROOT / "eval/bench/update_cost.png")
    ap.add_argument("--workdir", type=Path, default=None, help="where stores are built (default: a temp dir)")
    ap.add_argument("--before", type=Path, default=None, help="JSON of the old store's numbers to include")
    ap.add_argument("--keep", action="store_true", help="keep the built stores")
    ap.add_argument("--reuse", action="store_true", help="reuse stores kept in --workdir by an earlier run "
                    "(the measuring step's operations leave them as they were)")
    ap.add_argument("--child", choices=("build", "measure"), help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--cache", default="", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        a.step = a.child
        print(json.dumps(_child(a)))
        return {}
    sys.stdout.reconfigure(line_buffering=True)
    work = Path(a.workdir or tempfile.mkdtemp(prefix="yttra-update-"))
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "real_vectors.npz"
    sizes = [0] + [int(x) for x in a.sizes.split(",") if x.strip() and int(x)]
    data = json.loads(a.out.read_text("utf-8")) if a.out.exists() else {}
    update = {"meta": {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count(),
                       "machine": platform.processor() or platform.machine(), "loadavg_at_start": os.getloadavg(),
                       "rounds": a.rounds, "amortised": a.amortised,
                       "hnsw_threshold": Settings().search.hnsw_threshold,
                       "method": __doc__[__doc__.index("How the synthetic"):].strip()},
              "sizes": []}
    if a.before and a.before.exists():
        update["before"] = json.loads(a.before.read_text("utf-8"))
    for n in sizes:
        t = time.perf_counter()
        wd = work / f"n{n}"
        res = run_size(n, wd, cache, a.rounds, a.amortised, a.reuse)
        res["seconds"] = round(time.perf_counter() - t, 1)
        res["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        update["sizes"].append(res)
        update["table"] = summarise(update["sizes"])
        print(json.dumps(update["table"][-1]))
        data["update"] = update
        a.out.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
        if not a.keep and not a.reuse and n:
            import shutil

            shutil.rmtree(wd / "index", ignore_errors=True)
    update["plot"] = plot(update, a.plot)
    print(update["plot"])
    data["update"] = update
    a.out.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
    return update


if __name__ == "__main__":
    main()
