"""Where one document's upsert into PostgreSQL spends its time, at a given size:
every SQL statement and COPY timed (grouped by statement), and the Python side
under cProfile.

    python -m eval.bench.pg_profile [--passages 100000] [--rounds 5] [--pgdata DIR]
        [--out eval/bench/pg_profile.json]
    python -m eval.bench.pg_profile --ops-again 0,100000 [--rounds 9] [--pgdata DIR]
        [--results eval/bench/postgres_results.json]

--passages 0 is the real 5-document corpus (the baseline). The server's
data folder (--pgdata) is kept, so the synthetic store
(eval/bench/postgres.build: the update benchmark's corpus) is built once and
reused by later runs. The operations are eval/bench/update.one_doc_ops's (add,
change, change_metadata, delete of one small yttrande). Also reported: the
server settings that decide whether the indexes stay in memory, and the size
of every table and index.

--ops-again SIZES measures the one-document operations again on the kept
stores of those sizes (built by earlier runs), the sizes interleaved on one
running server (eval/bench/update.interleaved_ops: a fresh client process per
size and round, two untimed rounds, one timed), and puts the medians into
eval/bench/postgres_results.json's sizes (their other numbers are kept) and
into this file under "ops_interleaved"; the cold `yttra search` of those sizes
is measured again the same way (cold_again).

--queries-again SIZES measures query latency (update.query_cases: a warming pass, then the
timed one) and `compare`/`ask` (update.measure_answers) again on the kept stores of those
sizes, one size after the other on one running server, and puts them into
postgres_results.json's sizes (their other numbers are kept). --vacuum-full first rewrites
each store's passages table (VACUUM FULL: what moves vectors written before schema 5 into
their rows; README, PostgreSQL) and times it.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import statistics
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class StatementTimer:
    """Times psycopg's Connection.execute and Cursor.copy per statement (normalised text)."""

    def __init__(self):
        self.times: dict[str, list[float]] = defaultdict(list)
        self.on = False

    def key(self, sql) -> str:
        return re.sub(r"\s+", " ", str(sql))[:110]

    def install(self):
        import psycopg

        timer, execute, copy = self, psycopg.Connection.execute, psycopg.Cursor.copy

        def timed_execute(conn, query, params=None, **kw):
            t = time.perf_counter()
            try:
                return execute(conn, query, params, **kw)
            finally:
                if timer.on:
                    timer.times[timer.key(query)].append(time.perf_counter() - t)

        class TimedCopy:
            def __init__(self, cm, sql):
                self.cm, self.sql = cm, sql

            def __enter__(self):
                self.t = time.perf_counter()
                return self.cm.__enter__()

            def __exit__(self, *exc):
                try:
                    return self.cm.__exit__(*exc)
                finally:
                    if timer.on:
                        timer.times[timer.key(self.sql)].append(time.perf_counter() - self.t)

        psycopg.Connection.execute = timed_execute
        psycopg.Cursor.copy = lambda cur, statement, *a, **kw: TimedCopy(copy(cur, statement, *a, **kw), statement)


def _dsn(admin: str, passages: int) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(admin)._replace(path=f"/yttra_profile_{passages}"))


def _kept_settings(args, admin: str, n: int):
    """Settings of the kept store of n passages (its corpus folder copy in --workdir, its database on `admin`'s server)."""
    from eval.bench.postgres import _settings
    from eval.bench.update import corpus_copy

    return _settings(corpus_copy(args.workdir / f"corpus_{n}"), args.workdir / "index", _dsn(admin, n))


def _real_base(args) -> dict:
    from eval.bench.update import real_base
    from index.settings import Settings

    return real_base(Settings(corpus_dir=REPO / "corpus", index_dir=args.workdir / "unused"),
                     args.workdir / "real_vectors.npz")


def ops_round(args) -> dict:
    """One round of update.one_doc_ops on the kept store of --passages, in this fresh process
    (metadata.yaml read once, two untimed rounds, then the timed one)."""
    import pgserver

    from eval.bench.postgres import BenchEmbedder
    from eval.bench.update import fsync_probe, one_doc_ops
    from index.metadata import metadata_entries
    from index.postgres import PgCorpus

    server = pgserver.get_server(args.pgdata, cleanup_mode="stop")
    s = _kept_settings(args, server.get_uri(), args.passages)
    corpus = PgCorpus(s, BenchEmbedder(_real_base(args)))
    try:
        metadata_entries(Path(s.corpus_dir) / "metadata.yaml")
        ops = (lambda p: corpus.upsert([p]), lambda d: corpus.delete([d]))
        one_doc_ops(Path(s.corpus_dir), 2, *ops, tag="warmup_remiss")  # (psycopg prepares a statement run 5 times)
        probe = fsync_probe(args.workdir)
        res = one_doc_ops(Path(s.corpus_dir), 1, *ops, tag=f"again_remiss_{args.round}")
    finally:
        corpus.close()
    return {**{k: v for k, v in res.items() if not k.endswith("_all_s")}, "fsync_ms": probe}


def cold_again(args, admin: str, sizes: list[int], repeats: int = 5) -> dict:
    """eval/bench/postgres.cold_part on the kept stores, one run of each size in turn (`repeats` times)."""
    import statistics

    from eval.bench.postgres import cold_part

    runs: dict = {n: [] for n in sizes}
    load = [round(x, 2) for x in os.getloadavg()]
    for _ in range(repeats):
        for n in sizes:
            runs[n].append(cold_part(_kept_settings(args, admin, n), repeats=1))
    note = (f"again, sizes interleaved ({repeats} runs of each in turn, the stores of eval/bench/pg_profile.py); "
            f"load avg {load} -> {[round(x, 2) for x in os.getloadavg()]}")
    return {n: {"cli_search_process_s": round(statistics.median(r["cli_search_process_s"] for r in rs), 3),
                "all_s": [r["cli_search_process_s"] for r in rs],
                "open_and_first_bm25_query_ms": round(statistics.median(r["open_and_first_bm25_query_ms"]
                                                                        for r in rs), 1),
                "measured": note} for n, rs in runs.items()}


def ops_again(args) -> str:
    import subprocess
    import sys

    import pgserver

    from eval.bench.update import interleaved_ops

    os.environ.setdefault("XDG_RUNTIME_DIR", str(args.workdir))
    server = pgserver.get_server(args.pgdata, cleanup_mode="stop")  # one server for every round (warm, as in use)
    sizes = [int(x) for x in args.ops_again.split(",") if x.strip()]
    try:
        import psycopg

        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            have = {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}
        missing = [n for n in sizes if f"yttra_profile_{n}" not in have]
        if missing:
            raise SystemExit(f"no kept store for {missing} in {args.pgdata}: run --passages N first")

        def run_round(n: int, r: int) -> dict:
            res = subprocess.run([sys.executable, "-m", "eval.bench.pg_profile", "--ops-round", "--passages", str(n),
                                  "--round", str(r), "--pgdata", str(args.pgdata), "--workdir", str(args.workdir)],
                                 capture_output=True, text=True, cwd=REPO)
            if res.returncode != 0:
                raise RuntimeError(f"ops round n={n} failed:\n{res.stderr[-3000:]}")
            return json.loads(res.stdout.strip().splitlines()[-1])

        again = interleaved_ops(run_round, sizes, args.rounds)
        cold = cold_again(args, server.get_uri(), sizes)
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            settings = {k: conn.execute(f"SHOW {k}").fetchone()[0] for k in ("shared_buffers", "synchronous_commit")}
    finally:
        server.cleanup()
    for ops in again.values():
        ops["measured"] += (f"; the stores of eval/bench/pg_profile.py ({args.pgdata}, the same corpus), "
                            f"server {settings}")
    data = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    data["ops_interleaved"] = {str(n): ops for n, ops in again.items()}
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if args.results.exists():
        res = json.loads(args.results.read_text(encoding="utf-8"))
        for size in res.get("sizes", []):
            if size.get("target") in again and "ops" in size and size["target"] != 0:
                size["ops"].update(again[size["target"]])
                size["cold_start"] = {**size.get("cold_start", {}), **cold[size["target"]]}  # (RSS: the full run's)
                if 0 in again:  # the ratios: to the 5-document figures of the same rounds, not another run's
                    size["base_ops"] = {k: v for k, v in again[0].items() if k.endswith("_s")}
                    size["base_cold_s"] = cold[0]["cli_search_process_s"]
        args.results.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return "; ".join(f"{n:,}: " + ", ".join(f"{k} {v}" for k, v in ops.items() if k.endswith("_s")
                                            and not k.endswith("_all_s"))
                     for n, ops in again.items())


def queries_again(args) -> str:
    import pgserver
    import psycopg

    from eval.bench.postgres import BenchEmbedder, _db_mb, _load
    from eval.bench.update import measure_answers, query_cases
    from index.postgres import PgCorpus

    os.environ.setdefault("XDG_RUNTIME_DIR", str(args.workdir))
    server = pgserver.get_server(args.pgdata, cleanup_mode="stop")
    base = _real_base(args)
    out: dict = {}
    try:
        for n in [int(x) for x in args.queries_again.split(",") if x.strip()]:
            dsn = _dsn(server.get_uri(), n)
            corpus = PgCorpus(_kept_settings(args, server.get_uri(), n), BenchEmbedder(base))
            res: dict = {"n": len(corpus), "pending": corpus.n_pending()}  # (migrates an older schema)
            if args.vacuum_full:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute("SET maintenance_work_mem = '6GB'")
                    t = time.perf_counter()
                    conn.execute("VACUUM FULL yttra_passages")
                    conn.execute("VACUUM ANALYZE yttra_passages")
                    res["vacuum_full_s"] = round(time.perf_counter() - t, 1)
            load = _load()
            query_cases(corpus, base["questions"])  # warms the caches, as a running app's have been
            res["queries"] = query_cases(corpus, base["questions"])
            res["answers"] = measure_answers(corpus)
            res["db_mb"] = _db_mb(dsn)
            res["measured"] = (f"again on the kept store of eval/bench/pg_profile.py ({args.pgdata}) after a warming "
                               f"pass; load avg {load} -> {_load()}")
            corpus.close()
            out[n] = res
            print(f"{n}: {json.dumps(res)}", flush=True)
    finally:
        server.cleanup()
    if args.results.exists():
        data = json.loads(args.results.read_text(encoding="utf-8"))
        for size in data.get("sizes", []):
            if size.get("target") in out:
                r = out[size["target"]]
                size.update({k: r[k] for k in ("queries", "answers", "db_mb")}, queries_measured=r["measured"])
                size.pop("queries_exact", None)  # measured on the earlier schema
        args.results.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return "; ".join(f"{n:,}: hybrid p95 {r['queries']['hybrid']['p95']} ms" for n, r in out.items())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pgdata", type=Path, default=Path("/tmp/yttra-pgprofile"))
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/yttra-pgprofile-work"))
    ap.add_argument("--out", type=Path, default=REPO / "eval" / "bench" / "pg_profile.json",
                    help="results go under the size's key (the file keeps other sizes)")
    ap.add_argument("--ops-again", default="", help="sizes (kept stores) to measure the operations of again, "
                    "interleaved")
    ap.add_argument("--results", type=Path, default=REPO / "eval" / "bench" / "postgres_results.json",
                    help="--ops-again puts its medians into this file's sizes")
    ap.add_argument("--queries-again", default="", help="sizes (kept stores) to measure query, compare and ask "
                    "latency of again")
    ap.add_argument("--vacuum-full", action="store_true", help="with --queries-again: VACUUM FULL each store first")
    ap.add_argument("--ops-round", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--round", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.ops_round:
        args.workdir.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(args.workdir))
        print(json.dumps(ops_round(args)))
        return
    if args.ops_again:
        args.workdir.mkdir(parents=True, exist_ok=True)
        print(ops_again(args))
        return
    if args.queries_again:
        args.workdir.mkdir(parents=True, exist_ok=True)
        print(queries_again(args))
        return

    import psycopg
    import pgserver

    from eval.bench.postgres import BenchEmbedder, _settings, build
    from eval.bench.update import corpus_copy, one_doc_ops, real_base
    from index.metadata import load_metadata_file
    from index.postgres import PgCorpus
    from index.settings import Settings

    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(args.workdir))
    server = pgserver.get_server(args.pgdata, cleanup_mode="stop")
    admin = server.get_uri()
    name = f"yttra_profile_{args.passages}"
    from urllib.parse import urlsplit, urlunsplit

    dsn = urlunsplit(urlsplit(admin)._replace(path="/" + name))
    base = real_base(Settings(corpus_dir=REPO / "corpus", index_dir=args.workdir / "unused"),
                     args.workdir / "real_vectors.npz")
    emb = BenchEmbedder(base)
    s = _settings(corpus_copy(args.workdir / f"corpus_{args.passages}"), args.workdir / "index", dsn)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    corpus = PgCorpus(s, emb)
    out: dict = {"passages": args.passages, "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]}
    if not exists:
        out["build"] = {k: v for k, v in build(corpus, s, base, emb, args.passages, 10**9).items() if k != "progress"}
        print("built", json.dumps(out["build"]), flush=True)
    out["n"] = len(corpus)
    with psycopg.connect(dsn, autocommit=True) as conn:
        out["settings"] = {k: conn.execute(f"SHOW {k}").fetchone()[0] for k in
                           ("shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size",
                            "synchronous_commit", "max_wal_size")}
        out["relations_mb"] = {r[0]: round(r[1] / 2**20, 1) for r in conn.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') ORDER BY 2 DESC").fetchall()}
    load_metadata_file(Path(s.corpus_dir) / "metadata.yaml")
    ops = one_doc_ops(Path(s.corpus_dir), args.rounds, lambda p: corpus.upsert([p]), lambda d: corpus.delete([d]),
                      tag="plain_remiss")  # no profiler: the times to compare
    out["ops"] = {k: v for k, v in ops.items() if not k.endswith("_all_s")}
    out["ops_loadavg"] = [round(x, 2) for x in os.getloadavg()]
    print("ops", json.dumps(out["ops"]), flush=True)
    timer = StatementTimer()
    timer.install()
    prof = cProfile.Profile()
    timer.on = True
    prof.enable()
    t = time.perf_counter()
    ops = one_doc_ops(Path(s.corpus_dir), args.rounds, lambda p: corpus.upsert([p]), lambda d: corpus.delete([d]),
                      tag="profile_remiss")
    total = time.perf_counter() - t
    prof.disable()
    timer.on = False
    out["ops_profiled"] = {k: v for k, v in ops.items() if not k.endswith("_all_s")}
    sql = sorted(((k, sum(v), len(v), statistics.median(v)) for k, v in timer.times.items()), key=lambda x: -x[1])
    out["sql"] = [{"statement": k, "total_s": round(tot, 4), "calls": n, "median_ms": round(1000 * med, 2),
                   "per_round_ms": round(1000 * tot / args.rounds, 1)} for k, tot, n, med in sql]
    out["sql_total_per_round_ms"] = round(1000 * sum(x[1] for x in sql) / args.rounds, 1)
    out["ops_total_per_round_ms"] = round(1000 * total / args.rounds, 1)
    rows = sorted(pstats.Stats(prof).stats.items(), key=lambda kv: -kv[1][3])[:25]
    out["python_top"] = [f"{v[3] / args.rounds * 1000:.1f} ms/round cumulative  {Path(k[0]).name}:{k[1]}({k[2]})"
                         for k, v in rows]
    out["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    corpus.close()
    data = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    data[str(args.passages)] = out
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in out.items() if k != "python_top"}, ensure_ascii=False, indent=1))
    server.cleanup()


if __name__ == "__main__":
    main()
