"""What metadata.yaml costs one ingest: adding one document to the embedded
store (the real `index.pipeline.ingest`) next to a metadata.yaml of 5, 335
and about 3,355 entries (the catalogues of the 5-document, 10k- and
100k-passage benchmark corpora), with the time spent reading metadata.yaml
(cProfile) apart.

    .venv/bin/python -m eval.bench.metadata_cost [--entries 5,335,3355] [--rounds 5]
        [--label after] [--out eval/bench/metadata_results.json]

Each round writes a new yttrande (eval/bench/update.SMALL_DOC) into the corpus
folder, appends its entry to metadata.yaml (as a save from the app does) and
ingests that one file; the embedder is a word-hash stand-in (no model time).
Timed rounds run without a profiler (the read is timed by wrapping
index.pipeline's metadata read); one extra warm round runs under
cProfile for the list of the most expensive functions.
"warm" rounds follow earlier reads in the same process (the app, a
benchmark); "cold" rounds first empty index.metadata's entry cache, as a new
`yttra ingest` process starts. The synthetic entries are the real entries
copied under new ids and written by yaml.safe_dump (as the first PostgreSQL
benchmark wrote its catalogue). Results go under results[label] in the JSON file, so a run
of the code before a change (label "before") and after it sit side by side.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import statistics
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


class WordHashEmbedder:
    """Deterministic bag-of-words vectors: ingest runs without a model."""

    model_id = "bench-hash-256"
    dim = 256

    def embed_passages(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, zlib.crc32(w.encode()) % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    embed_queries = embed_passages


def catalogue(copies: int) -> str:
    """metadata.yaml text: the real entries plus `copies` copies of each under new ids."""
    import yaml

    meta = yaml.safe_load((REPO / "corpus" / "metadata.yaml").read_text(encoding="utf-8")) or {}
    out = dict(meta)
    for doc_id in sorted(meta):
        for i in range(copies):
            out[f"{doc_id}_c{i:04d}"] = dict(meta[doc_id])
    return yaml.safe_dump(out, allow_unicode=True, sort_keys=True)


def _forget() -> None:
    """Empty index.metadata's in-process caches (the code before the change has none)."""
    import index.metadata as md

    if hasattr(md, "clear_caches"):
        md.clear_caches()
    else:
        for name in ("_BLOCKS", "_PARSED"):
            getattr(md, name, {}).clear()


def measure(entries: int, rounds: int, work: Path) -> dict:
    from eval.bench.update import SMALL_DOC
    from index.metadata import load_metadata_file
    from index import pipeline

    read = getattr(pipeline, "metadata_entries", None) or load_metadata_file  # what ingest reads with
    from index.pipeline import ingest
    from index.settings import Settings

    corpus = work / f"corpus_{entries}"
    corpus.mkdir(parents=True)
    for f in (REPO / "corpus").glob("*.txt"):
        shutil.copy(f, corpus / f.name)
    meta = corpus / "metadata.yaml"
    meta.write_text(catalogue(max(0, round(entries / 5) - 1)), encoding="utf-8")
    n_entries = len(load_metadata_file(meta))
    settings = Settings(corpus_dir=corpus, index_dir=work / f"index_{entries}")
    emb = WordHashEmbedder()
    assert ingest(settings, embedder=emb, progress=False).ok
    times: dict[str, list[float]] = {"warm": [], "cold": []}
    read_s: dict[str, list[float]] = {"warm": [], "cold": []}
    reads: list[float] = []

    def timed_read(path):  # what the ingest spends reading metadata.yaml
        t = time.perf_counter()
        try:
            return read(path)
        finally:
            reads.append(time.perf_counter() - t)

    top: list[str] = []
    for r in range(2 * rounds + 1):
        kind = "cold" if r % 2 else "warm"
        doc = corpus / f"bench_{entries}_{r}.txt"
        doc.write_text(SMALL_DOC.format(place=f"Område {r}"), encoding="utf-8")
        with meta.open("a", encoding="utf-8") as f:
            f.write(f'"{doc.stem}":\n  namnd: "Kommunstyrelsen"\n  doc_type: yttrande\n  year: 2024\n')
        if kind == "cold":
            _forget()
        if r == 2 * rounds:  # one more warm round under cProfile: where the time goes
            prof = cProfile.Profile()
            prof.enable()
            assert ingest(settings, [doc], embedder=emb, progress=False).ok
            prof.disable()
            rows = sorted(pstats.Stats(prof).stats.items(), key=lambda kv: -kv[1][3])[:12]
            top = [f"{v[3]:.4f} s cumulative  {Path(k[0]).name}:{k[1]}({k[2]})" for k, v in rows]
            break
        reads.clear()
        name = "metadata_entries" if hasattr(pipeline, "metadata_entries") else "load_metadata_file"
        setattr(pipeline, name, timed_read)
        try:
            t = time.perf_counter()
            rep = ingest(settings, [doc], embedder=emb, progress=False)
            times[kind].append(time.perf_counter() - t)
        finally:
            setattr(pipeline, name, read)
        assert rep.ok, rep.failed
        read_s[kind].append(sum(reads))
    res = {"entries": n_entries}
    for kind in times:
        res[f"ingest_one_{kind}_s"] = round(statistics.median(times[kind]), 4)
        res[f"metadata_read_{kind}_s"] = round(statistics.median(read_s[kind]), 4)
    res["top_functions_warm_profiled"] = top
    res["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps({k: v for k, v in res.items() if not k.startswith("top_")}), flush=True)
    return res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", default="5,335,3355")
    ap.add_argument("--rounds", type=int, default=5, help="warm and cold rounds each (median reported)")
    ap.add_argument("--label", default="after", help="key of this run in the JSON file (e.g. before / after)")
    ap.add_argument("--out", type=Path, default=REPO / "eval" / "bench" / "metadata_results.json")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="yttra-metacost-"))
    run = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
           "cpus": os.cpu_count(), "rounds": args.rounds, "sizes": []}
    try:
        for n in [int(x) for x in args.entries.split(",") if x.strip()]:
            run["sizes"].append(measure(n, args.rounds, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    data = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    data[args.label] = run
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} [{args.label}]")


if __name__ == "__main__":
    main()
