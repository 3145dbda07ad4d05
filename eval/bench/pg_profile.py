"""Where one document's upsert into PostgreSQL spends its time, at a given size:
every SQL statement and COPY timed (grouped by statement), and the Python side
under cProfile.

    python -m eval.bench.pg_profile [--passages 100000] [--rounds 5] [--pgdata DIR]
        [--out eval/bench/pg_profile.json]

--passages 0 is the real 5-document corpus (the baseline). The server's
data folder (--pgdata) is kept, so the synthetic store
(eval/bench/postgres.build: the update benchmark's corpus) is built once and
reused by later runs. The operations are eval/bench/update.one_doc_ops's (add,
change, change_metadata, delete of one small yttrande). Also reported: the
server settings that decide whether the indexes stay in memory, and the size
of every table and index.
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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pgdata", type=Path, default=Path("/tmp/yttra-pgprofile"))
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/yttra-pgprofile-work"))
    ap.add_argument("--out", type=Path, default=REPO / "eval" / "bench" / "pg_profile.json",
                    help="results go under the size's key (the file keeps other sizes)")
    args = ap.parse_args(argv)

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
