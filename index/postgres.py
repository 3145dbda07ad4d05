"""`PgCorpus`: the `Corpus` interface over PostgreSQL + pgvector, for shared
deployments (several app processes or hosts, ingest workers beside them).

Schema (tables prefixed `yttra_`, created by the first writer):

- `yttra_meta`      one row: schema version and what built the index (model id,
                    dimension, analyzer, passage context, lexical method, code
                    version) plus the BM25 statistics (passages, total length),
                    the number of documents (so a write reports it without
                    counting the catalogue) and a generation counter every
                    write bumps (readers cache the catalogue and filter values
                    per generation);
- `yttra_documents` the catalogue: per document the same record ingest writes
                    into the embedded manifest (source, sha256, meta, pages,
                    repaired_words, n_chunks, signature), as jsonb, and its
                    sha256 / text_sha256 as indexed columns (the duplicate
                    check asks for one document by hash: `find_content`);
- `yttra_passages`  every `Chunk` field, the embed key, the vector (HNSW index,
                    inner product on normalised vectors = cosine) and the
                    lexical length; a passage written since the last merge has
                    no vector here (NULL: not in the graph) but in
- `yttra_pending`   (passage, vector) of the passages not yet in the HNSW graph,
                    searched exactly beside it; a writer moves them into the
                    graph in bounded batches once MERGE_AT have gathered (see
                    Writes);
- `yttra_postings`  (term, passage, tf, length) of the BM25 tokens: the same
                    `lexical_tokens` the embedded store indexes, scored with the
                    same Lucene BM25 in SQL from live statistics, so lexical
                    ranking equals the embedded store's (eval/bench/postgres.py
                    measures it against PostgreSQL's Swedish full-text search)
                    while a query's postings fit LEXICAL_POSTINGS_BUDGET; above
                    it the rarest terms pick the candidates and only those are
                    scored in full (eval/bench/pg_lexical.py);
- `yttra_vocab`     folded word -> passage frequency (and its stem), for
                    `term_stats`;
- `yttra_embed_cache` vectors by (model, embed key): re-ingest never embeds a
                    passage text it has embedded before.

Writes: one document = one transaction under a transaction-scoped advisory
lock, touching only that document's rows (and the vocabulary/statistics
counters), so cost follows the document and several processes or hosts can
write safely; a crash loses nothing committed and leaves nothing half-written.
Reads see committed snapshots and never block writers.

A new passage's vector does not go into the HNSW graph at once: inserting it
there costs a graph search per passage that grows with the graph (at a
million passages it was most of the cost of adding one small document). It
goes to `yttra_pending`, which every dense search scans exactly (at most a
few thousand rows: a few ms) and merges with the graph's hits. When MERGE_AT
passages are pending, the writer that noticed moves them into the graph after
its own commit, MERGE_BATCH per transaction (so another writer waits for one
batch at most): every passage enters the graph once, as before, and a
document's own write no longer pays for it (the embedded store's segments
and merges do the same).
"""

from __future__ import annotations

import math
import threading
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .corpus import FACET_FIELDS, SIMILARITY_SAMPLE, DocRecord, TermStats, _stem, derived_cache_dir
from .embed import Embedder, make_embedder
from .filters import FILTER_FIELDS, active_filters, match_values
from .settings import Settings, relative_source
from .store import IndexLockTimeout, IndexMismatchError, IndexNotFoundError, IndexStoreError
from .textnorm import fold, lexical_tokens, words
from .types import Chunk, Hit, IngestReport

SCHEMA_VERSION = 5  # 2: yttra_documents.text_sha256 and the content indexes; 3: yttra_meta.n_documents;
# 4: yttra_pending (vectors not yet in the HNSW graph); 5: vectors stored in the row (STORAGE MAIN) and
# filter indexes that carry the pid (index-only filter scans)
# (an index of an older version is migrated in place: _MIGRATIONS)
LEXICAL = ("bm25", "fts")  # BM25 over lexical_tokens (default) | Swedish full-text search (for comparison)
DEFAULT_LEXICAL = "bm25"
MAX_QUERY_CHARS = 2000
BM25_K1, BM25_B = 1.2, 0.75  # the embedded store's (bm25s, Lucene variant)
EXACT_BELOW = 2_000  # exact dense search up to this many passages (~3 ms); HNSW above (10k exact: ~50 ms)
EF_SEARCH = 400  # hnsw.ef_search (at least the candidates asked for; pgvector's maximum is 1000)
# Above this many passages a hybrid search runs its dense and lexical halves at once, on two
# connections in one exported snapshot (each takes tens of ms at a million passages; below, a few ms).
PARALLEL_FROM = 2_000
MERGE_AT = 2_000  # pending passages (searched exactly: ~3 ms) that start a merge into the HNSW graph
MERGE_BATCH = 250  # passages moved into the graph per transaction (another writer waits for one batch at most)
MAX_SCAN_TUPLES = 50_000  # iterative HNSW scan budget under a filter before falling back to exact
# A filter that lets at most this many passages through is searched exactly, without trying the
# graph first: a passage's vector lies in its row, so the scan costs ~0.6 us a passage (22k
# passages of one nämnd at 1M: 13 ms), while the HNSW scan under a 1-in-40 filter far from the
# query walked up to MAX_SCAN_TUPLES and then fell back to the exact scan anyway (p95 237 ms).
EXACT_FILTERED_BELOW = 40_000
# BM25 scores every posting of the query's terms exactly while they number at most this many (the
# real corpus: a few thousand per question, so results equal bm25s's). Above it only the postings of
# the highest-weighted (rarest) terms within this budget choose LEXICAL_RESCORE candidates, which are
# then scored exactly on every query term: 3-5 ms per 10k postings on 2 cores, against 0.3-0.8 s for
# the ~1M postings of a question at 100k synthetic passages (eval/bench/pg_lexical.py measures the
# latency and the agreement with the exact ranking).
LEXICAL_POSTINGS_BUDGET = 100_000
LEXICAL_RESCORE = 200  # candidates rescored exactly on the capped path (at least 4 × the passages asked for)
_LOCK_KEY = 0x79747472  # 'yttr': the advisory lock every writer takes
_MODES = ("dense", "bm25", "hybrid")
_BM25_SUM = "sum(w.w * o.tf / (o.tf + %s + %s * o.dl))"  # Lucene BM25 of the postings o, query weights w

_CHUNK_COLS = ("chunk_id", "doc_id", "source", "text", "original", "start_char", "end_char", "page", "page_end",
               "section", "title", "namnd", "doc_type", "period", "year", "date", "dnr")
_FIELD_OF = {"chunk_id": "id", "start_char": "start", "end_char": "end"}
_TABLES = ("yttra_pending", "yttra_postings", "yttra_terms", "yttra_vocab", "yttra_passages", "yttra_documents", "yttra_meta")


_CONTENT_INDEXES = ("CREATE INDEX IF NOT EXISTS yttra_documents_sha ON yttra_documents (sha256)",
                    "CREATE INDEX IF NOT EXISTS yttra_documents_text ON yttra_documents (text_sha256)")
# The passage columns a filter selects on. Their indexes carry the pid, so the passages a filter lets
# through are read from the index alone (the filtered BM25's CTE: a year filter's 91k passages at 1M
# read 18k heap pages, 77 ms of 115).
_FILTER_COLUMNS = ("namnd", "doc_type", "period", "year", "section")
_FILTER_INDEXES = tuple(f"CREATE INDEX IF NOT EXISTS yttra_passages_by_{c} ON yttra_passages ({c}) INCLUDE (pid)"
                        for c in _FILTER_COLUMNS)
_CONTENT_KEYS = (("sha256", "sha256"), ("text", "text_sha256"))  # (why, column) of a content match
_PENDING = ("yttra_pending (pid bigint PRIMARY KEY REFERENCES yttra_passages ON DELETE CASCADE, "
            "embedding vector NOT NULL)")
# schema version -> statements that bring an index of that version to the next one (in the writers' lock)
_MIGRATIONS = {
    1: ("ALTER TABLE yttra_documents ADD COLUMN IF NOT EXISTS text_sha256 text NOT NULL DEFAULT ''",
        "UPDATE yttra_documents SET text_sha256 = coalesce(record->>'text_sha256', '') "
        "WHERE text_sha256 = '' AND coalesce(record->>'text_sha256', '') != ''",
        *_CONTENT_INDEXES),
    2: ("ALTER TABLE yttra_meta ADD COLUMN IF NOT EXISTS n_documents bigint NOT NULL DEFAULT 0",
        "UPDATE yttra_meta SET n_documents = (SELECT count(*) FROM yttra_documents)"),
    3: ("ALTER TABLE yttra_passages ALTER COLUMN embedding DROP NOT NULL",  # a catalogue change: no rewrite
        "CREATE TABLE IF NOT EXISTS " + _PENDING),
    # Rows written from now on keep their vector in the row; older rows keep theirs out of line
    # (TOAST: 7 buffer reads a vector) until `VACUUM FULL yttra_passages` rewrites them (README).
    # The filter indexes are built anew with the pid (seconds at 1M passages; searches go on), and
    # the old ones dropped last, so searches wait only for the commit.
    4: ("ALTER TABLE yttra_passages ALTER COLUMN embedding SET STORAGE MAIN",
        *_FILTER_INDEXES,
        *(f"DROP INDEX IF EXISTS yttra_passages_{c}" for c in _FILTER_COLUMNS)),
}


def _schema_sql(dim: int) -> list[str]:
    return [
        "CREATE TABLE yttra_meta (id int PRIMARY KEY CHECK (id = 1), schema_version int NOT NULL, "
        "model_id text NOT NULL, dim int NOT NULL, analyzer text NOT NULL, context text NOT NULL, "
        "lexical text NOT NULL, code_version text NOT NULL, created timestamptz NOT NULL DEFAULT clock_timestamp(), "
        "n_passages bigint NOT NULL DEFAULT 0, total_len bigint NOT NULL DEFAULT 0, generation bigint NOT NULL DEFAULT 0, "
        "n_documents bigint NOT NULL DEFAULT 0)",
        "CREATE TABLE yttra_documents (doc_id text PRIMARY KEY, record jsonb NOT NULL, sha256 text NOT NULL DEFAULT '', "
        "signature text NOT NULL DEFAULT '', n_chunks int NOT NULL DEFAULT 0, updated timestamptz NOT NULL DEFAULT now(), "
        "text_sha256 text NOT NULL DEFAULT '')",
        *_CONTENT_INDEXES,
        "CREATE SEQUENCE IF NOT EXISTS yttra_pid_seq",
        f"CREATE TABLE yttra_passages (pid bigint PRIMARY KEY, chunk_id text NOT NULL UNIQUE, "
        "doc_id text NOT NULL REFERENCES yttra_documents ON DELETE CASCADE, ord int NOT NULL, source text NOT NULL, "
        "text text NOT NULL, original text NOT NULL, start_char int NOT NULL, end_char int NOT NULL, page int NOT NULL, "
        "page_end int NOT NULL, section text NOT NULL, title text NOT NULL, namnd text NOT NULL, doc_type text NOT NULL, "
        "period text NOT NULL, year int, date text NOT NULL, dnr text NOT NULL, embed_key text NOT NULL, "
        f"embedding vector({dim}), dl int NOT NULL, sample_key int NOT NULL, fts tsvector)",
        "ALTER TABLE yttra_passages ALTER COLUMN embedding SET STORAGE MAIN",
        "CREATE INDEX yttra_passages_doc ON yttra_passages (doc_id, ord)",
        *_FILTER_INDEXES,
        "CREATE INDEX yttra_passages_sample ON yttra_passages (sample_key)",
        "CREATE INDEX yttra_passages_hnsw ON yttra_passages USING hnsw (embedding vector_ip_ops)",
        "CREATE TABLE " + _PENDING,
        "CREATE TABLE yttra_postings (term text NOT NULL, pid bigint NOT NULL, tf int NOT NULL, dl int NOT NULL, "
        "PRIMARY KEY (term, pid) INCLUDE (tf, dl))",
        "CREATE INDEX yttra_postings_pid ON yttra_postings (pid)",
        "CREATE TABLE yttra_terms (term text PRIMARY KEY, df int NOT NULL)",
        "CREATE TABLE yttra_vocab (word text PRIMARY KEY, stem text NOT NULL, df int NOT NULL)",
        "CREATE TABLE IF NOT EXISTS yttra_embed_cache (model_id text NOT NULL, embed_key text NOT NULL, "
        "embedding vector NOT NULL, PRIMARY KEY (model_id, embed_key))",
    ]


def _rebuild_hint() -> str:
    return "rebuild with `yttra ingest --rebuild`"


class PgCorpus:
    """The `Corpus` interface over PostgreSQL (settings.store.postgres_dsn).
    Thread-safe: each thread uses its own connection."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, *, dsn: str | None = None,
                 lexical: str | None = None):
        self.settings = settings
        self._embedder = embedder
        self._dsn = dsn or settings.store.postgres_dsn.get_secret_value()
        lexical = lexical or DEFAULT_LEXICAL
        if lexical not in LEXICAL:
            raise ValueError(f"unknown lexical method {lexical!r}; valid: {', '.join(LEXICAL)}")
        self._lexical = lexical  # for a new index; an existing one keeps the method it was built with
        self._local = threading.local()
        self._cache_lock = threading.Lock()
        self._cache: dict = {"version": None}
        self._pool_conns: list = []  # connections of the parallel-search threads (_pool)

    # ------------------------------------------------------------ plumbing
    @property
    def cache_dir(self) -> Path:
        """This host's cache folder for this database (named by a digest of the DSN, never the DSN)."""
        return derived_cache_dir(self.settings, "postgres:" + self._dsn)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.embed)
        return self._embedder

    def _conn(self):
        import psycopg

        conn = getattr(self._local, "conn", None)
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        if not self._dsn:
            raise IndexStoreError("store.backend is postgres but no connection string is set; "
                                  "set YTTRA_STORE__POSTGRES_DSN=postgresql://user:password@host/db")
        try:
            conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=10)
        except psycopg.Error as e:
            raise IndexStoreError(f"cannot connect to PostgreSQL ({type(e).__name__}: "
                                  f"{' '.join(str(e).split())[:200]}); check YTTRA_STORE__POSTGRES_DSN") from e
        self._local.conn = conn
        if threading.current_thread().name.startswith(_POOL_PREFIX):
            with self._cache_lock:
                self._pool_conns.append(conn)  # closed by close(), which another thread calls
        self._local.vector = False
        self._register_vector(conn)
        return conn

    def _register_vector(self, conn) -> None:
        if self._local.vector:
            return
        if conn.execute("SELECT 1 FROM pg_type WHERE typname = 'vector'").fetchone():
            from pgvector.psycopg import register_vector

            register_vector(conn)
            self._local.vector = True

    def close(self) -> None:
        """Close this thread's connection and those the parallel-search threads opened."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        with self._cache_lock:
            pool, self._pool_conns = self._pool_conns, []
        for c in pool:
            c.close()  # a pool thread that uses it again reconnects (_conn checks `closed`)

    def _meta(self, conn=None) -> dict:
        """The stamp and statistics row; raises IndexNotFoundError when there is no index."""
        conn = conn or self._conn()
        row = None
        if conn.execute("SELECT to_regclass('yttra_meta')").fetchone()[0] is not None:
            # every column, whichever schema version wrote them (an older one is migrated below)
            row = conn.execute("SELECT to_jsonb(m) FROM yttra_meta m").fetchone()
        if row is None:
            raise IndexNotFoundError(f"no index in PostgreSQL database {conn.info.dbname!r}; build it with `yttra ingest`")
        meta = dict(row[0])
        meta["version"] = (meta["created"], meta["generation"])  # a rebuild restarts the generation
        if meta["schema_version"] in _MIGRATIONS:
            self._migrate(conn)
            return self._meta(conn)
        if meta["schema_version"] != SCHEMA_VERSION:
            raise IndexMismatchError(f"the PostgreSQL index has schema version {meta['schema_version']}, this "
                                     f"version of yttra reads {SCHEMA_VERSION}; {_rebuild_hint()}")
        self._register_vector(conn)
        return meta

    def _lock(self, conn) -> None:
        """Take the writers' advisory lock for this transaction, waiting at most the store's
        `lock_wait_s` (then IndexLockTimeout, as the embedded store's lock file)."""
        import psycopg

        wait_ms = int(self.settings.store.lock_wait_s * 1000)
        conn.execute(f"SET LOCAL lock_timeout = {wait_ms}")
        try:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        except psycopg.errors.LockNotAvailable as e:
            raise IndexLockTimeout(f"another writer has held the PostgreSQL index lock for more than "
                                   f"{self.settings.store.lock_wait_s:g} s; try again when it has finished "
                                   f"(YTTRA_STORE__LOCK_WAIT_S sets the wait)") from e
        conn.execute("SET LOCAL lock_timeout = 0")  # the rest of the transaction waits as usual

    def _migrate(self, conn) -> None:
        """Bring an index of an older schema version to this one, in place, in
        one transaction under the writers' lock (a writer or reader that got
        there first has done it: nothing is done twice)."""
        import psycopg

        try:
            with conn.transaction():
                self._lock(conn)
                (version,) = conn.execute("SELECT schema_version FROM yttra_meta").fetchone()
                while version in _MIGRATIONS:
                    for stmt in _MIGRATIONS[version]:
                        conn.execute(stmt)
                    version += 1
                    conn.execute("UPDATE yttra_meta SET schema_version = %s", [version])
        except psycopg.Error as e:
            raise IndexMismatchError(
                f"the PostgreSQL index has an older schema version and could not be updated to {SCHEMA_VERSION} "
                f"({type(e).__name__}: {' '.join(str(e).split())[:200]}); run `yttra ingest` as a user that may "
                f"alter the yttra_ tables, or {_rebuild_hint()}") from e

    def _derived(self) -> dict:
        """Catalogue and filter values, reloaded when another writer bumped the generation."""
        conn = self._conn()
        meta = self._meta(conn)
        with self._cache_lock:
            if self._cache["version"] == meta["version"]:
                return self._cache
        docs = conn.execute("SELECT doc_id, record FROM yttra_documents").fetchall()
        records = {d: DocRecord.from_record(d, rec) for d, rec in sorted(docs)}
        passages: dict[str, Counter] = {f: Counter() for f in FILTER_FIELDS if f != "section"}
        for r in records.values():  # passages per filter value (a document's fields are its passages')
            if r.n_chunks > 0:
                for f, counts in passages.items():
                    counts[r.doc_id if f == "doc_id" else getattr(r.meta, f)] += r.n_chunks
        values = {f: sorted((v for v in counts if v not in (None, "")), key=str) for f, counts in passages.items()}
        sections = conn.execute(  # distinct values by a loose index scan: cost grows with the values, not the rows
            "WITH RECURSIVE t AS ((SELECT section FROM yttra_passages ORDER BY section LIMIT 1) UNION ALL "
            "SELECT (SELECT p.section FROM yttra_passages p WHERE p.section > t.section ORDER BY p.section LIMIT 1) "
            "FROM t WHERE t.section IS NOT NULL) SELECT section FROM t WHERE section IS NOT NULL").fetchall()
        values["section"] = sorted((s for (s,) in sections if s), key=str)
        cache = {"version": meta["version"], "meta": meta, "records": records, "values": values,
                 "passages": passages}
        with self._cache_lock:
            self._cache = cache
        return cache

    def _where(self, filters: dict | None, derived: dict, alias: str = "p") -> tuple[str, list, int | None]:
        """SQL conditions for the filters (same matching and FilterError as every store), and at
        most how many passages they let through (from the catalogue; None: no bound known)."""
        clauses, params, bound = [], [], None
        for field, wanted in active_filters(filters).items():
            ok = match_values(field, wanted, derived["values"][field])
            clauses.append(f"{alias}.{field} = ANY(%s)")
            params.append(sorted(ok) if field != "year" else sorted(int(v) for v in ok))
            if field in derived["passages"]:
                n = sum(derived["passages"][field].get(v, 0) for v in ok)
                bound = n if bound is None else min(bound, n)
        return " AND ".join(clauses), params, bound

    # ------------------------------------------------------------ reads
    @property
    def model_id(self) -> str:
        return self._meta()["model_id"]

    def __len__(self) -> int:
        return int(self._meta()["n_passages"])

    def embed_query(self, text: str) -> np.ndarray:
        meta = self._meta()
        self._check_query_model(meta)
        return np.asarray(self.embedder.embed_queries([(text or "")[:MAX_QUERY_CHARS]])[0], dtype=np.float32)

    def _check_query_model(self, meta: dict) -> None:
        if meta["n_passages"] and self.embedder.model_id != meta["model_id"]:
            raise IndexMismatchError(
                f"the index was built with {meta['model_id']!r} but the query model is {self.embedder.model_id!r}; "
                "re-index with `yttra ingest --rebuild` (or set the embedding model back)")

    def search(self, query: str, *, k: int | None = None, mode: str | None = None,
               filters: dict | None = None) -> list[Hit]:
        s = self.settings.search
        query = (query or "")[:MAX_QUERY_CHARS]
        mode = mode or s.mode
        k = s.k if k is None else k
        if mode not in _MODES:
            raise ValueError(f"unknown mode {mode!r}; valid: {', '.join(_MODES)}")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        d = self._derived()
        meta = d["meta"]
        where, params, bound = self._where(filters, d)
        if not query.strip() or not meta["n_passages"]:
            return []
        n = max(s.candidates, k)
        qvec = None
        if mode in ("dense", "hybrid"):
            self._check_query_model(meta)
            qvec = np.asarray(self.embedder.embed_queries([query])[0], dtype=np.float32)
        conn = self._conn()
        with conn.transaction():
            _begin_search(conn)
            lexical_job = None
            if mode == "hybrid" and meta["n_passages"] > PARALLEL_FROM:
                # the two halves at once, on two connections that see the same snapshot
                snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
                lexical_job = _pool().submit(self._lexical_in_snapshot, snapshot, query, n, where, params, meta)
            dense = self._dense(conn, qvec, n, where, params, meta, bound) if qvec is not None else []
            if lexical_job is not None:
                lexical = lexical_job.result()
            else:
                lexical = self._lexical_ranking(conn, query, n, where, params, meta) if mode != "dense" else []
            d_rank = {p: r for r, (p, _) in enumerate(dense, 1)}
            b_rank = {p: r for r, (p, _) in enumerate(lexical, 1)}
            if mode == "dense":
                fused = dense
            elif mode == "bm25":
                fused = lexical
            else:
                from .search import rrf

                fused = rrf([[p for p, _ in dense], [p for p, _ in lexical]], k=s.rrf_k,
                            weights=(s.dense_weight, s.bm25_weight))
            top = fused[:k]
            chunks = self._chunks_by_pid(conn, [p for p, _ in top])
        return [Hit(chunks[p], float(score), r, d_rank.get(p), b_rank.get(p)) for r, (p, score) in enumerate(top, 1)]

    def _dense(self, conn, qvec: np.ndarray, n: int, where: str, params: list, meta: dict,
               bound: int | None = None) -> list[tuple[int, float]]:
        """The n passages nearest the query: the HNSW graph's and the pending passages' (exact),
        merged. Exact when the index is small or the filter lets at most EXACT_FILTERED_BELOW
        passages through (`bound`, from the catalogue)."""
        cond = "p.embedding IS NOT NULL" + (f" AND {where}" if where else "")
        sql = ("SELECT p.pid, p.doc_id, p.ord, -(p.embedding <#> %s) AS score FROM yttra_passages p"
               f" WHERE {cond} ORDER BY p.embedding <#> %s LIMIT %s")
        args = [qvec, *params, qvec, n]
        exact = meta["n_passages"] <= EXACT_BELOW or bool(where and bound is not None and bound <= EXACT_FILTERED_BELOW)
        conn.execute("SET LOCAL hnsw.ef_search = %s" % int(min(1000, max(EF_SEARCH, n))))
        if exact:
            conn.execute("SET LOCAL enable_indexscan = off")  # the planner then scans (or bitmap-filters) exactly
        else:
            conn.execute("SET LOCAL hnsw.iterative_scan = strict_order")
            conn.execute("SET LOCAL hnsw.max_scan_tuples = %s" % MAX_SCAN_TUPLES)
        rows = conn.execute(sql, args).fetchall()
        if not exact and where and len(rows) < n:
            # a selective filter the HNSW scan could not fill: the filtered rows are few, search them exactly
            total = conn.execute(f"SELECT count(*) FROM yttra_passages p WHERE {cond}", params).fetchone()[0]
            if len(rows) < min(n, total):
                conn.execute("SET LOCAL enable_indexscan = off")
                rows = conn.execute(sql, args).fetchall()
            conn.execute("RESET enable_indexscan")
        if exact:
            conn.execute("RESET enable_indexscan")
        rows += conn.execute(  # the passages not yet in the graph (at most a few thousand): exactly
            "SELECT p.pid, p.doc_id, p.ord, -(d.embedding <#> %s) AS score FROM yttra_pending d "
            "JOIN yttra_passages p USING (pid)" + (f" WHERE {where}" if where else "")
            + " ORDER BY d.embedding <#> %s LIMIT %s", [qvec, *params, qvec, n]).fetchall()
        rows.sort(key=lambda r: (-r[3], r[1], r[2]))
        return [(pid, float(score)) for pid, _, _, score in rows[:n]]

    def _lexical_in_snapshot(self, snapshot: str, query: str, n: int, where: str, params: list,
                             meta: dict) -> list[tuple[int, float]]:
        """_lexical_ranking on this (pool) thread's own connection, in the snapshot `search` exported."""
        conn = self._conn()
        with conn.transaction():
            _begin_search(conn, snapshot)
            return self._lexical_ranking(conn, query, n, where, params, meta)

    def _lexical_ranking(self, conn, query: str, n: int, where: str, params: list,
                         meta: dict) -> list[tuple[int, float]]:
        if meta["lexical"] == "fts":
            return self._fts_ranking(conn, query, n, where, params)
        qn = Counter(lexical_tokens(query, meta["analyzer"]))
        if not qn:
            return []
        # Lucene BM25 exactly as bm25s computes it: global statistics (a filter only masks the scores),
        # a query token counted once per occurrence, ties broken by reading order. Statistics and
        # postings are read in this transaction's snapshot; one pass over the query terms' postings.
        n_pass, total = conn.execute("SELECT n_passages, total_len FROM yttra_meta").fetchone()
        df = dict(conn.execute("SELECT term, df FROM yttra_terms WHERE term = ANY(%s)", [list(qn)]).fetchall())
        terms = [t for t in qn if df.get(t)]
        if not terms or not n_pass:
            return []
        weight = {t: qn[t] * math.log(1 + (n_pass - df[t] + 0.5) / (df[t] + 0.5)) for t in terms}
        weights = [weight[t] for t in terms]
        norm = [BM25_K1 * (1 - BM25_B), BM25_K1 * BM25_B / (total / n_pass)]  # tf + k1 (1 - b + b dl / avgdl)
        if sum(df[t] for t in terms) > LEXICAL_POSTINGS_BUDGET:
            rows = self._capped_bm25(conn, terms, weight, df, norm, n, where, params)
        else:
            sql = (_filtered(where) + "s AS (SELECT o.pid, " + _BM25_SUM + " AS score "
                   "FROM unnest(%s::text[], %s::float8[]) AS w(term, w) JOIN yttra_postings o USING (term) "
                   "GROUP BY o.pid), "
                   "top AS (SELECT s.pid, s.score FROM s" + (" JOIN f USING (pid)" if where else "")
                   + " ORDER BY s.score DESC FETCH FIRST %s ROWS WITH TIES) "
                   "SELECT top.pid, p.doc_id, p.ord, top.score FROM top JOIN yttra_passages p USING (pid)")
            rows = conn.execute(sql, [*params, *norm, terms, weights, n]).fetchall()
        rows.sort(key=lambda r: (-np.float32(r[3]), r[1], r[2]))
        return [(pid, float(score)) for pid, _, _, score in rows[:n] if score > 0]

    def _capped_bm25(self, conn, terms: list[str], weight: dict, df: dict, norm: list, n: int, where: str,
                     params: list) -> list[tuple]:
        """(pid, doc_id, ord, score) of the best passages when the query's postings exceed
        LEXICAL_POSTINGS_BUDGET: the rarest terms' postings (within the budget) pick the
        candidates, and the candidates get their exact BM25 over every query term."""
        order = sorted(terms, key=lambda t: (-weight[t], t))
        k, seen = 1, df[order[0]]
        while k < len(order) and seen + df[order[k]] <= LEXICAL_POSTINGS_BUDGET:
            seen += df[order[k]]
            k += 1
        rare = order[:k]
        picked = conn.execute(
            _filtered(where) + "x AS (SELECT o.pid FROM unnest(%s::text[], %s::float8[]) AS w(term, w) "
            "JOIN yttra_postings o USING (term)" + (" JOIN f USING (pid)" if where else "")
            + " GROUP BY o.pid ORDER BY " + _BM25_SUM + " DESC, o.pid LIMIT %s) SELECT pid FROM x",
            [*params, rare, [weight[t] for t in rare], *norm, max(LEXICAL_RESCORE, 4 * n)]).fetchall()
        if not picked:
            return []
        sql = ("WITH s AS (SELECT o.pid, " + _BM25_SUM + " AS score "
               "FROM unnest(%s::text[], %s::float8[]) AS w(term, w) "
               "JOIN yttra_postings o ON o.term = w.term AND o.pid = ANY(%s) GROUP BY o.pid) "
               "SELECT s.pid, p.doc_id, p.ord, s.score FROM s JOIN yttra_passages p USING (pid)")
        return conn.execute(sql, [*norm, terms, [weight[t] for t in terms], [r[0] for r in picked]]).fetchall()

    def _fts_ranking(self, conn, query: str, n: int, where: str, params: list) -> list[tuple[int, float]]:
        lexemes = conn.execute("SELECT lexeme FROM unnest(to_tsvector('swedish', %s))", [fold(query)]).fetchall()
        if not lexemes:
            return []
        tsq = " | ".join("'" + lex.replace("'", "''") + "':*" for (lex,) in lexemes)  # prefix: compounds' heads
        sql = ("SELECT p.pid, p.doc_id, p.ord, ts_rank_cd(p.fts, q, 1) AS score FROM yttra_passages p, "
               "to_tsquery('simple', %s) q WHERE p.fts @@ q" + (f" AND {where}" if where else "")
               + " ORDER BY score DESC FETCH FIRST %s ROWS WITH TIES")
        rows = conn.execute(sql, [tsq, *params, n]).fetchall()
        rows.sort(key=lambda r: (-r[3], r[1], r[2]))
        return [(pid, float(score)) for pid, _, _, score in rows[:n]]

    def _chunks_by_pid(self, conn, pids: list[int]) -> dict[int, Chunk]:
        if not pids:
            return {}
        rows = conn.execute(f"SELECT pid, {', '.join(_CHUNK_COLS)} FROM yttra_passages WHERE pid = ANY(%s)",
                            [pids]).fetchall()
        return {r[0]: _chunk(r[1:]) for r in rows}

    def similarity(self, qvec: np.ndarray, chunk_ids: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(chunk_ids), dtype=np.float32)
        if not len(chunk_ids):
            return out
        conn = self._conn()
        self._meta(conn)
        rows = conn.execute("SELECT p.chunk_id, -(coalesce(p.embedding, d.embedding) <#> %s) FROM yttra_passages p "
                            "LEFT JOIN yttra_pending d USING (pid) WHERE p.chunk_id = ANY(%s)",
                            [np.asarray(qvec, dtype=np.float32), list(chunk_ids)]).fetchall()
        cos = dict(rows)
        for i, cid in enumerate(chunk_ids):
            out[i] = cos.get(cid, 0.0)
        return out

    def similarity_stats(self, qvec: np.ndarray) -> tuple[float, float]:
        conn = self._conn()
        meta = self._meta(conn)
        if not meta["n_passages"]:
            return 0.0, 0.0
        vec = "SELECT coalesce(p.embedding, d.embedding) AS embedding FROM yttra_passages p LEFT JOIN yttra_pending d USING (pid)"
        src = (f"({vec}) s" if meta["n_passages"] <= SIMILARITY_SAMPLE else
               f"({vec} ORDER BY p.sample_key LIMIT {SIMILARITY_SAMPLE}) s")
        mean, std, n = conn.execute(f"SELECT avg(c), stddev_pop(c), count(*) FROM (SELECT -(embedding <#> %s) AS c "
                                    f"FROM {src}) x", [np.asarray(qvec, dtype=np.float32)]).fetchone()
        return float(mean or 0.0), float(std or 0.0) if n > 1 else 0.0

    def facets(self) -> dict[str, dict]:
        out: dict[str, dict] = {f: {} for f in FACET_FIELDS}
        for rec in self._derived()["records"].values():
            for f in FACET_FIELDS:
                v = getattr(rec.meta, f)
                if v not in (None, ""):
                    out[f][v] = out[f].get(v, 0) + 1
        return {f: dict(sorted(vals.items(), key=lambda kv: str(kv[0]))) for f, vals in out.items()}

    def term_stats(self, terms: Iterable[str]) -> TermStats:
        terms = [t for t in dict.fromkeys(terms)]
        conn = self._conn()
        meta = self._meta(conn)
        df = dict.fromkeys(terms, 0)
        if terms:
            # the semantics of index.corpus.term_df: a prefix, or for 5+ letters any infix or the same stem
            rows = conn.execute(
                "SELECT t, coalesce(sum(v.df), 0) FROM unnest(%s::text[]) t JOIN yttra_vocab v ON "
                "(CASE WHEN length(t) >= 5 THEN strpos(v.word, t) > 0 OR v.stem = t ELSE starts_with(v.word, t) END) "
                "GROUP BY t", [terms]).fetchall()
            df.update({t: int(n) for t, n in rows})
        return TermStats(int(meta["n_passages"]), df)

    def documents(self, filters: dict | None = None) -> list[DocRecord]:
        d = self._derived()
        records = d["records"]
        where, params, _ = self._where(filters, d)
        if not where:
            return list(records.values())
        wanted = {r for (r,) in self._conn().execute(
            f"SELECT DISTINCT p.doc_id FROM yttra_passages p WHERE {where}", params).fetchall()}
        return [r for doc_id, r in records.items() if doc_id in wanted]

    def document(self, doc_id: str) -> DocRecord | None:
        return self._derived()["records"].get(doc_id)

    def find_content(self, sha256: str, text_sha256: str = "", *, exclude=()) -> tuple[str, str] | None:
        """(doc_id, 'sha256' | 'text') of a document (not in `exclude`) with these
        bytes or, failing that, this text, lowest doc id first; None when there is
        none (or no index). One indexed lookup per hash."""
        if not (sha256 or text_sha256):
            return None
        conn = self._conn()
        try:
            self._meta(conn)
        except IndexNotFoundError:
            return None
        exclude = set(exclude)
        for (why, col), value in zip(_CONTENT_KEYS, (sha256, text_sha256)):
            if value:
                rows = conn.execute(f"SELECT doc_id FROM yttra_documents WHERE {col} = %s ORDER BY doc_id",
                                    [value]).fetchall()
                ids = [d for (d,) in rows if d not in exclude]
                if ids:
                    return ids[0], why
        return None

    def doc_ids(self) -> set[str]:
        """The ids of every indexed document (no record read); empty when there is no index."""
        conn = self._conn()
        try:
            self._meta(conn)
        except IndexNotFoundError:
            return set()
        return {d for (d,) in conn.execute("SELECT doc_id FROM yttra_documents").fetchall()}

    def passages(self, doc_id: str) -> list[Chunk]:
        conn = self._conn()
        self._meta(conn)
        rows = conn.execute(f"SELECT {', '.join(_CHUNK_COLS)} FROM yttra_passages WHERE doc_id = %s ORDER BY ord",
                            [doc_id]).fetchall()
        return [_chunk(r) for r in rows]

    # ------------------------------------------------------------ writes
    def _stamp(self) -> dict:
        from .pipeline import CODE_VERSION

        s = self.settings
        return {"schema_version": SCHEMA_VERSION, "model_id": self.embedder.model_id, "dim": int(self.embedder.dim),
                "analyzer": s.search.analyzer, "context": s.embed.context, "lexical": self._lexical,
                "code_version": CODE_VERSION}

    def _ensure_schema(self, conn) -> dict:
        """Create the schema if missing (inside the writer's locked transaction) and
        check that this writer builds what the index holds."""
        import psycopg

        want = self._stamp()
        try:
            meta = self._meta(conn)
        except IndexNotFoundError:
            meta = None
        except IndexMismatchError:
            raise
        if meta is not None:
            for key in ("model_id", "dim", "analyzer", "context", "lexical", "code_version"):
                if meta[key] != want[key]:
                    if not meta["n_passages"] and not conn.execute("SELECT 1 FROM yttra_documents LIMIT 1").fetchone():
                        self._drop(conn)  # nothing indexed yet: start afresh with this writer's settings
                        meta = None
                        break
                    raise IndexMismatchError(
                        f"the PostgreSQL index was built with {key} {meta[key]!r} but this ingest uses {want[key]!r}; "
                        f"{_rebuild_hint()} (or set it back)")
        if meta is None:
            try:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            except psycopg.Error as e:
                raise IndexStoreError(f"pgvector is not available in this PostgreSQL ({' '.join(str(e).split())[:200]}); "
                                      "install the extension or ask the database owner to run CREATE EXTENSION vector") from e
            self._local.vector = False
            self._register_vector(conn)
            for stmt in _schema_sql(want["dim"]):
                conn.execute(stmt)
            if self._lexical == "fts":
                conn.execute("CREATE INDEX yttra_passages_fts ON yttra_passages USING gin (fts)")
            conn.execute("INSERT INTO yttra_meta (id, schema_version, model_id, dim, analyzer, context, lexical, "
                         "code_version) VALUES (1, %s, %s, %s, %s, %s, %s, %s)",
                         [want[k] for k in ("schema_version", "model_id", "dim", "analyzer", "context", "lexical",
                                            "code_version")])
            meta = self._meta(conn)
        return meta

    def _drop(self, conn) -> None:
        for t in _TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {t} CASCADE")
        conn.execute("DROP SEQUENCE IF EXISTS yttra_pid_seq")

    def rebuild(self) -> None:
        """Drop the index (the embedding cache stays): the next write starts afresh."""
        conn = self._conn()
        with conn.transaction():
            self._lock(conn)
            self._drop(conn)
        with self._cache_lock:
            self._cache = {"version": None}

    def _locked(self, conn) -> dict:
        self._lock(conn)
        return self._ensure_schema(conn)

    def _vectors(self, conn, keys: list[str], texts: list[str], report: IngestReport) -> dict[str, np.ndarray]:
        """Vectors for the passage texts: from the cache, the rest embedded (and cached)."""
        from .pipeline import _embed_all

        model = self.embedder.model_id
        uniq = dict(zip(keys, texts))
        found = dict(conn.execute("SELECT embed_key, embedding FROM yttra_embed_cache WHERE model_id = %s "
                                  "AND embed_key = ANY(%s)", [model, list(uniq)]).fetchall()) if uniq else {}
        found = {k: _np(v) for k, v in found.items()}
        todo = sorted((k, t) for k, t in uniq.items() if k not in found)
        report.embedded += len(todo)
        report.reused += len(keys) - len(todo)
        if todo:
            new = _embed_all(self.embedder, todo, self.settings.embed.batch_size, False)
            conn.execute("INSERT INTO yttra_embed_cache (model_id, embed_key, embedding) "
                         "SELECT %s, k, v::vector FROM unnest(%s::text[], %s::text[]) AS x(k, v) "
                         "ON CONFLICT DO NOTHING",
                         [model, list(new), [_vec_literal(v) for v in new.values()]])
            found.update({k: _np(v) for k, v in new.items()})
        return found

    def _remove_rows(self, conn, doc_id: str) -> None:
        """Delete one document's passages, postings and vocabulary counts (inside the locked transaction)."""
        old = conn.execute("SELECT pid, text, dl FROM yttra_passages WHERE doc_id = %s", [doc_id]).fetchall()
        if old:
            pids = [r[0] for r in old]
            tdf = conn.execute("SELECT term, count(*) FROM yttra_postings WHERE pid = ANY(%s) GROUP BY term",
                               [pids]).fetchall()
            conn.execute("UPDATE yttra_terms t SET df = t.df - x.n FROM unnest(%s::text[], %s::int[]) AS x(term, n) "
                         "WHERE t.term = x.term", [[r[0] for r in tdf], [r[1] for r in tdf]])
            conn.execute("DELETE FROM yttra_terms WHERE term = ANY(%s) AND df <= 0", [[r[0] for r in tdf]])
            conn.execute("DELETE FROM yttra_postings WHERE pid = ANY(%s)", [pids])
            dec = _word_df(r[1] for r in old)
            conn.execute("UPDATE yttra_vocab v SET df = v.df - x.n FROM unnest(%s::text[], %s::int[]) AS x(w, n) "
                         "WHERE v.word = x.w", [list(dec), list(dec.values())])
            conn.execute("DELETE FROM yttra_vocab WHERE word = ANY(%s) AND df <= 0", [list(dec)])
            conn.execute("UPDATE yttra_meta SET n_passages = n_passages - %s, total_len = total_len - %s",
                         [len(old), sum(r[2] for r in old)])
        # the document's row (its passages go with it: ON DELETE CASCADE) and the kept document count
        conn.execute("WITH d AS (DELETE FROM yttra_documents WHERE doc_id = %s RETURNING 1) "
                     "UPDATE yttra_meta SET n_documents = n_documents - (SELECT count(*) FROM d)", [doc_id])

    def _write_document(self, doc_id: str, chunks: list[Chunk], record: dict, report: IngestReport, *,
                        to_graph: bool = False) -> None:
        """Replace one document's rows in one transaction. Its vectors go to yttra_pending
        (merged into the HNSW graph later: merge_pending), or with `to_graph` straight into
        yttra_passages (a bulk load that builds the graph afterwards)."""
        from .pipeline import embed_key, passage_text

        s = self.settings
        texts = [passage_text(c, s.embed.context) for c in chunks]
        keys = [embed_key(t) for t in texts]
        tokens = [lexical_tokens(t, s.search.analyzer) for t in texts]
        conn = self._conn()
        with conn.transaction():
            meta = self._locked(conn)
            vecs = self._vectors(conn, keys, texts, report)
            self._remove_rows(conn, doc_id)
            from psycopg.types.json import Jsonb

            conn.execute("INSERT INTO yttra_documents (doc_id, record, sha256, text_sha256, signature, n_chunks) "
                         "VALUES (%s, %s, %s, %s, %s, %s)",
                         [doc_id, Jsonb(record), record.get("sha256") or "", record.get("text_sha256") or "",
                          record.get("signature", ""), len(chunks)])
            if chunks:
                pids = [r[0] for r in conn.execute("SELECT nextval('yttra_pid_seq') FROM generate_series(1, %s)",
                                                   [len(chunks)]).fetchall()]
                fts = meta["lexical"] == "fts"
                cols = ("pid", "ord", *_CHUNK_COLS, "embed_key", "embedding", "dl", "sample_key")
                with conn.cursor().copy(f"COPY yttra_passages ({', '.join(cols)}) FROM STDIN") as cp:
                    for i, (pid, c, key, toks) in enumerate(zip(pids, chunks, keys, tokens)):
                        cp.write_row((pid, i, *_chunk_values(c), key, _vec_literal(vecs[key]) if to_graph else None,
                                      max(1, len(toks)), zlib.crc32(c.id.encode()) & 0x7FFFFFFF))
                if not to_graph:
                    with conn.cursor().copy("COPY yttra_pending (pid, embedding) FROM STDIN") as cp:
                        for pid, key in zip(pids, keys):
                            cp.write_row((pid, _vec_literal(vecs[key])))
                if fts:
                    conn.execute("UPDATE yttra_passages p SET fts = to_tsvector('swedish', x.t) FROM "
                                 "unnest(%s::bigint[], %s::text[]) AS x(pid, t) WHERE p.pid = x.pid",
                                 [pids, [fold(t) for t in texts]])
                with conn.cursor().copy("COPY yttra_postings (term, pid, tf, dl) FROM STDIN") as cp:
                    for pid, toks in zip(pids, tokens):
                        dl = max(1, len(toks))
                        for term, tf in Counter(toks or [""]).items():
                            cp.write_row((term, pid, tf, dl))
                tdf: Counter = Counter()
                for toks in tokens:
                    tdf.update(set(toks or [""]))
                conn.execute("INSERT INTO yttra_terms (term, df) SELECT * FROM unnest(%s::text[], %s::int[]) "
                             "ON CONFLICT (term) DO UPDATE SET df = yttra_terms.df + excluded.df",
                             [list(tdf), list(tdf.values())])
                inc = _word_df(c.text for c in chunks)
                conn.execute("INSERT INTO yttra_vocab (word, stem, df) SELECT * FROM unnest(%s::text[], %s::text[], "
                             "%s::int[]) ON CONFLICT (word) DO UPDATE SET df = yttra_vocab.df + excluded.df",
                             [list(inc), [_stem(w) for w in inc], list(inc.values())])
                conn.execute("UPDATE yttra_meta SET n_passages = n_passages + %s, total_len = total_len + %s",
                             [len(chunks), sum(max(1, len(t)) for t in tokens)])
            conn.execute("UPDATE yttra_meta SET generation = generation + 1, n_documents = n_documents + 1")

    def n_pending(self) -> int:
        """Passages whose vectors are not yet in the HNSW graph (searched exactly until merged)."""
        try:
            self._meta()
        except IndexNotFoundError:
            return 0
        return int(self._conn().execute("SELECT count(*) FROM yttra_pending").fetchone()[0])

    def merge_pending(self, *, at: int | None = None, batch: int | None = None) -> int:
        """Move the pending vectors into the HNSW graph once at least `at` (MERGE_AT) are
        pending, `batch` (MERGE_BATCH) per transaction under the writers' lock, oldest first;
        returns how many moved. A crash between batches leaves the rest pending (still
        searched); nothing a search sees changes but the path to the vector."""
        at = MERGE_AT if at is None else at
        batch = MERGE_BATCH if batch is None else batch
        if self.n_pending() < max(1, at):
            return 0
        conn, moved = self._conn(), 0
        while True:
            with conn.transaction():
                self._lock(conn)
                n = conn.execute(
                    "WITH m AS (DELETE FROM yttra_pending WHERE pid IN (SELECT pid FROM yttra_pending ORDER BY pid "
                    "LIMIT %s) RETURNING pid, embedding), u AS (UPDATE yttra_passages p SET embedding = m.embedding "
                    "FROM m WHERE p.pid = m.pid RETURNING 1) SELECT count(*) FROM u", [batch]).fetchone()[0]
            moved += n
            if n < batch:
                return moved

    def _known(self, doc_ids: Sequence[str] | None = None) -> dict[str, tuple[str, str, int, dict]]:
        """doc_id -> (sha256, signature, n_chunks, record) of what the index holds (of `doc_ids`, or all)."""
        try:
            self._meta()
        except IndexNotFoundError:
            return {}
        sql = "SELECT doc_id, sha256, signature, n_chunks, record FROM yttra_documents"
        rows = self._conn().execute(sql + (" WHERE doc_id = ANY(%s)" if doc_ids is not None else ""),
                                    [list(doc_ids)] if doc_ids is not None else []).fetchall()
        return {r[0]: tuple(r[1:]) for r in rows}

    def _ingest_files(self, files: Sequence[Path], report: IngestReport, progress: bool = False) -> None:
        """Index the corpus files that changed. A file with the bytes or the text of
        another document is reported and skipped (index.intake.Duplicates); its own
        older version, if indexed, is put in report.removed for the caller to delete."""
        from tqdm import tqdm

        from .intake import Duplicates, file_sha256
        from .metadata import metadata_entries
        from .pipeline import _doc_signature, _process_file
        from .read import ReadError

        entries = metadata_entries(Path(self.settings.corpus_dir) / self.settings.metadata_file)
        self._check_writer()  # creates the schema, or raises on another model before any work
        known = self._known([Path(f).stem for f in files])
        dups = Duplicates(self, report, known)  # asks this index by hash: one lookup per changed file
        written = 0  # passages written since the last look at the pending vectors
        for path in tqdm(files, desc="Indexerar / indexing", unit="doc", disable=not progress, leave=False):
            path = Path(path)
            doc_id = path.stem
            sig = _doc_signature(self.settings, entries.get(doc_id))
            old = known.get(doc_id)
            try:
                sha = file_sha256(path)
            except OSError:
                sha = ""
            if old and old[2] > 0 and old[0] == sha and old[1] == sig:
                rec = old[3]
                report.reused += old[2]
            else:
                if dups.repeats(path, doc_id, sha256=sha):
                    continue  # the same bytes as another document: not even read
                try:
                    chunks, rec, _ = _process_file(path, self.settings, entries)
                except Exception as e:  # noqa: BLE001 - one bad file must not stop the ingest; its old rows stay
                    msg = str(e) if isinstance(e, ReadError) else \
                        f"{path.name}: oväntat fel / unexpected error: {type(e).__name__}: {e}"
                    report.failed.append((relative_source(path), msg))
                    continue
                if dups.repeats(path, doc_id, text_sha256=rec["text_sha256"]):
                    continue  # the same text under another name
                rec["signature"] = sig
                self._write_document(doc_id, chunks, rec, report)
                dups.put(doc_id, sha, rec["text_sha256"])
                written += len(chunks)
                if written >= MERGE_AT:  # a long ingest keeps the exactly searched rows few
                    self.merge_pending()
                    written = 0
            guessed = (rec.get("meta") or {}).get("guessed") or []
            if guessed:
                report.guessed.append((doc_id, list(guessed)))
            if rec.get("repaired_words"):
                report.repaired.append((doc_id, rec["repaired_words"]))

    def _check_writer(self) -> None:
        conn = self._conn()
        with conn.transaction():
            self._locked(conn)

    def _finish(self, report: IngestReport, t0: float) -> IngestReport:
        try:
            meta = self._meta()
            report.chunks = int(meta["n_passages"])
            report.documents = int(meta["n_documents"])  # kept by the writers: no count over the catalogue
        except IndexNotFoundError:
            pass
        report.seconds = time.perf_counter() - t0
        return report

    def upsert(self, paths: Sequence) -> IngestReport:
        """Add or update these files (a file from elsewhere is copied into the corpus folder first)."""
        if not paths:
            return IngestReport()
        return self.sync(paths, progress=False)

    def delete(self, doc_ids: Sequence[str]) -> IngestReport:
        report = IngestReport()
        if not doc_ids:
            return report
        t0 = time.perf_counter()
        try:
            self._meta()
        except IndexNotFoundError:
            return report
        conn = self._conn()
        for doc_id in dict.fromkeys(doc_ids):
            with conn.transaction():
                self._lock(conn)
                if conn.execute("SELECT 1 FROM yttra_documents WHERE doc_id = %s", [doc_id]).fetchone():
                    self._remove_rows(conn, doc_id)
                    conn.execute("UPDATE yttra_meta SET generation = generation + 1")
                    report.removed.append(doc_id)
        report.removed.sort()
        return self._finish(report, t0)

    def sync(self, paths: Sequence | None = None, *, remove: Sequence[str] | None = None,
             progress: bool = True) -> IngestReport:
        """`ingest` for this store: paths=None (and no `remove`) syncs the whole
        corpus folder (new, changed and removed files; unchanged ones skipped by
        sha256 + signature); explicit paths add or update just those files, a
        file from outside the corpus folder copied in first (index.intake, as
        the embedded store's ingest does: never over another file,
        report.copied); `remove` drops those document ids. A file with the same
        bytes or text as another document is reported (report.duplicates) and
        not indexed twice."""
        from .intake import take_files
        from .read import iter_corpus_files

        t0 = time.perf_counter()
        report = IngestReport()
        if paths or remove:
            files = take_files(paths or (), Path(self.settings.corpus_dir), self, report)
            gone = list(remove or ())
        else:
            files = iter_corpus_files(Path(self.settings.corpus_dir))
            seen = {f.stem for f in files}
            gone = sorted(d for d in self.doc_ids() if d not in seen)
        report.removed = list(gone)  # (documents being removed are no one's original)
        if files:
            self._ingest_files(files, report, progress)
        elif not gone:
            self._check_writer()  # an empty sync still creates the (empty) index and checks the model
        # and the older versions of files that now repeat another document
        report.removed = self.delete(report.removed).removed if report.removed else []
        if files:
            self.merge_pending()  # after the documents' own commits, when MERGE_AT have gathered
        return self._finish(report, t0)


# ---------------------------------------------------------------- helpers

_POOL = None
_POOL_LOCK = threading.Lock()
_POOL_PREFIX = "yttra-pg-lexical"


def _pool():
    """Threads for the lexical half of parallel hybrid searches (each keeps its own connections)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            from concurrent.futures import ThreadPoolExecutor

            _POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix=_POOL_PREFIX)
        return _POOL


def _begin_search(conn, snapshot: str | None = None) -> None:
    """Start a search's read-only snapshot transaction (the exported `snapshot`, if given)."""
    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    if snapshot:
        from psycopg import sql as pgsql

        conn.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(snapshot)))
    # psycopg prepares a statement run 5 times, and PostgreSQL then may plan it once for any
    # parameters: with a filter that generic plan hashes the postings instead of the filtered
    # passages (year filter at 100k: 130 ms against 25 ms). Plan each search for its values.
    conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")


def _filtered(where: str) -> str:
    """`WITH` and, under a filter, the CTE `f` of the passages it lets through: built once (from
    the filter columns' indexes) and hash-joined with the query terms' postings, instead of one
    passage lookup per posting (a year filter at 100k passages: 130 ms of 133)."""
    return f"WITH f AS MATERIALIZED (SELECT p.pid FROM yttra_passages p WHERE {where}), " if where else "WITH "


def _chunk(row: Sequence) -> Chunk:
    return Chunk(**{_FIELD_OF.get(col, col): v for col, v in zip(_CHUNK_COLS, row)})


def _chunk_values(c: Chunk) -> tuple:
    return tuple(getattr(c, _FIELD_OF.get(col, col)) for col in _CHUNK_COLS)


def _np(v) -> np.ndarray:
    """A pgvector value (numpy array or pgvector.Vector) as float32."""
    return np.asarray(v.to_numpy() if hasattr(v, "to_numpy") else v, dtype=np.float32)


def _vec_literal(v: np.ndarray) -> str:
    return "[" + ",".join(repr(float(x)) for x in np.asarray(v, dtype=np.float32)) + "]"


def _word_df(texts: Iterable[str]) -> dict[str, int]:
    """Passage frequency of every folded word (index.corpus.words_df over texts)."""
    df: Counter = Counter()
    for t in texts:
        df.update({fold(w) for w in words(t)})
    return dict(df)


def sync(settings: Settings, paths: Sequence | None = None, *, remove: Sequence[str] | None = None,
         rebuild: bool = False, embedder: Embedder | None = None, progress: bool = True) -> IngestReport:
    """Build or update the PostgreSQL index (the `ingest` of this backend)."""
    corpus = PgCorpus(settings, embedder)
    try:
        if rebuild:
            corpus.rebuild()
        return corpus.sync(paths, remove=remove, progress=progress)
    finally:
        corpus.close()
