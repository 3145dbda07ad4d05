"""PostgreSQL lexical (BM25) search latency, and how the capped ranking of large
corpora (index.postgres.LEXICAL_POSTINGS_BUDGET) agrees with the exact one.

    python -m eval.bench.pg_lexical [--pgdata /tmp/yttra-pgprofile] [--passages 100000]
        [--rounds 2] [--out eval/bench/pg_lexical.json]

Reads the store eval/bench/pg_profile.py keeps in --pgdata (database
yttra_profile_<passages>: the update benchmark's synthetic corpus; build it with
`python -m eval.bench.pg_profile --passages N --pgdata DIR`). Per case (bm25
unfiltered, filtered by the middle nämnd, by the latest year; hybrid) p50/p95 in
ms of PgCorpus.search over the questions of eval/questions.jsonl, k=5, query
vectors from the cache (no model runs), `--rounds` passes after one warm-up
pass. Then the same bm25 searches with the cap lifted (exact BM25 over every
posting) and with it: the exact path's latency, and the agreement of the two
top-50 lists (the candidates hybrid fusion takes): shared passages, and shared
source passages (the synthetic documents are copies of the 5 real ones with 15 %
of words dropped, so near-copies of one real passage tie almost evenly; the
source passage is what a reader would get).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _pct(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {"p50": round(statistics.median(ms), 1), "p95": round(ms[max(0, int(0.95 * len(ms)) - 1)], 1),
            "max": round(ms[-1], 1), "n": len(ms)}


def _source(doc_id: str, ord_: int, n_real: int) -> tuple:
    """The real passage a synthetic one copies (update.synthetic_docs: document j copies real document j % n)."""
    return (int(doc_id[3:]) % n_real if doc_id.startswith("syn") else doc_id, ord_)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pgdata", type=Path, default=Path("/tmp/yttra-pgprofile"))
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/yttra-pgprofile-work"))
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", type=Path, default=REPO / "eval" / "bench" / "pg_lexical.json")
    args = ap.parse_args(argv)
    from urllib.parse import urlsplit, urlunsplit

    import pgserver

    import index.postgres as pg
    from eval.bench.postgres import BenchEmbedder, _settings
    from eval.bench.update import real_base
    from index.settings import Settings

    os.environ.setdefault("XDG_RUNTIME_DIR", str(args.workdir))
    server = pgserver.get_server(args.pgdata, cleanup_mode=None)
    dsn = urlunsplit(urlsplit(server.get_uri())._replace(path=f"/yttra_profile_{args.passages}"))
    base = real_base(Settings(corpus_dir=REPO / "corpus", index_dir=args.workdir / "unused"),
                     args.workdir / "real_vectors.npz")
    s = _settings(args.workdir / f"corpus_{args.passages}", args.workdir / "index", dsn)
    corpus = pg.PgCorpus(s, BenchEmbedder(base))
    questions = base["questions"]
    facets = corpus.facets()
    namnd, years = list(facets["namnd"]), list(facets["year"])
    cases = {"bm25": ("bm25", None), "bm25_filter_namnd": ("bm25", {"namnd": namnd[len(namnd) // 2]}),
             "bm25_filter_year": ("bm25", {"year": years[-1]}), "hybrid": ("hybrid", None)}

    def timed(mode, filters, rounds):
        ms = []
        for _ in range(rounds):
            for q in questions:
                t = time.perf_counter()
                corpus.search(q, k=5, mode=mode, filters=filters)
                ms.append(1000 * (time.perf_counter() - t))
        return ms

    out: dict = {"passages": len(corpus), "budget": pg.LEXICAL_POSTINGS_BUDGET, "rescore": pg.LEXICAL_RESCORE,
                 "loadavg_at_start": [round(x, 2) for x in os.getloadavg()], "queries": len(questions)}
    for name, (mode, f) in cases.items():
        timed(mode, f, 1)  # warm-up: the pages these queries touch in memory
        out[name] = _pct(timed(mode, f, args.rounds))
        print(name, json.dumps(out[name]), flush=True)
    n_real = len(base["docs"])
    capped = [corpus.search(q, k=50, mode="bm25") for q in questions]
    saved = pg.LEXICAL_POSTINGS_BUDGET
    pg.LEXICAL_POSTINGS_BUDGET = 10**12
    try:
        out["bm25_exact"] = _pct(timed("bm25", None, 1))
        exact = [corpus.search(q, k=50, mode="bm25") for q in questions]
    finally:
        pg.LEXICAL_POSTINGS_BUDGET = saved
    print("bm25_exact", json.dumps(out["bm25_exact"]), flush=True)
    agree: dict = {}
    for k in (5, 10, 50):
        same, same_src = [], []
        for a, b in zip(exact, capped):
            ea, eb = {h.chunk.id for h in a[:k]}, {h.chunk.id for h in b[:k]}
            sa = {_source(h.chunk.doc_id, h.chunk.page * 10**6 + h.chunk.start, n_real) for h in a[:k]}
            sb = {_source(h.chunk.doc_id, h.chunk.page * 10**6 + h.chunk.start, n_real) for h in b[:k]}
            if ea:
                same.append(len(ea & eb) / len(ea))
                same_src.append(len(sa & sb) / len(sa))
        agree[f"passages@{k}"] = round(statistics.mean(same), 3)
        agree[f"sources@{k}"] = round(statistics.mean(same_src), 3)
    out["agreement_with_exact"] = agree
    out["identical_top5"] = sum([h.chunk.id for h in a[:5]] == [h.chunk.id for h in b[:5]]
                                for a, b in zip(exact, capped))
    out["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=1), flush=True)
    corpus.close()
    data = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    data[str(args.passages)] = out
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
