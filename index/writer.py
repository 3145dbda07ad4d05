"""Writing the embedded store: one segment + one SQLite transaction per change
set, and the merge policy that keeps the number of segments small.

Used by `index.pipeline.ingest` under the ingest lock (one writer at a time);
readers in other processes see a commit all at once or not at all.

Merge policy (size-tiered, like an LSM tree): a segment's tier is
floor(log_F(live rows)); when a tier holds F segments they are merged into
one, so a passage is rewritten O(log_F n) times over its life and the
amortised cost of adding a document stays proportional to the document.
Segments whose rows are all dead are dropped without rewriting; a segment
with at least half its rows dead is rewritten alone. Merges whose output
would reach `hnsw_threshold` rows (an HNSW build: minutes at a million
passages) are left to `compact` / `yttra ingest --rebuild` unless `full`.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
import uuid
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from . import segment as seg_mod
from .segment import Segment, SegmentBuilder
from .store import (REBUILD, IndexStoreError, StoreReader, _fsync_dir, _meta, add_content_columns, connect,
                    content_keys, find_content)
from .textnorm import fold, words
from .types import Chunk

MERGE_FACTOR = 8
REWRITE_DEAD_FRACTION = 0.5


@lru_cache(maxsize=1 << 18)
def _fold(word: str) -> str:
    return fold(word)


def passage_words(text: str) -> set[str]:
    """The folded words of a passage (what term statistics count: index.corpus.words_df)."""
    return {_fold(w) for w in words(text)}


class StoreWriter:
    """Pending changes to one store directory, committed atomically."""

    def __init__(self, path: Path, hnsw_threshold: int):
        self.path = Path(path)
        self.hnsw_threshold = hnsw_threshold
        self.conn = connect(self.path)
        self.conn.execute("PRAGMA cache_size = -131072")  # 128 MB: big commits insert into random-key indexes
        try:
            add_content_columns(self.conn)  # a store from before the content columns: migrated once, in place
        except sqlite3.Error as e:
            self.conn.close()
            raise IndexStoreError(f"index at {self.path} is unreadable (sqlite: {e}); {REBUILD}") from e
        self.reader = StoreReader(self.path, with_faiss=False)  # vectors and postings; HNSW graphs are the readers'

        self.meta = _meta(self.conn)
        self.snapshot = self.reader.snapshot()
        self._builder: SegmentBuilder | None = None  # the next segment, fed as documents are put
        self._rows: list[tuple] = []  # (pid, doc_id, seq, chunk_id, embed_key, chunk JSON) for SQLite
        self._pid0 = 0
        self._docs: dict[str, dict | None] = {}  # doc_id -> new record, None = delete
        self.written: list[Path] = []  # segment files written by this writer (for tests and reports)

    def close(self) -> None:
        self.reader.close()
        self.conn.close()

    # -- what is there
    def _q(self, sql: str, args: Sequence = ()) -> list[tuple]:
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.Error as e:
            raise IndexStoreError(f"index at {self.path} is unreadable (sqlite: {e}); {REBUILD}") from e

    def records(self, doc_ids: Sequence[str] | None = None) -> dict[str, dict]:
        if doc_ids is None:
            return {d: json.loads(r) for d, r in self._q("SELECT doc_id, record FROM documents")}
        out = {}
        ids = list(doc_ids)
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            out.update({d: json.loads(r) for d, r in self._q(
                f"SELECT doc_id, record FROM documents WHERE doc_id IN ({','.join('?' * len(part))})", part)})
        return out

    def find_content(self, sha256: str, text_sha256: str = "", *, exclude=()) -> tuple[str, str] | None:
        """index.intake.Contents: one committed document with these bytes or this text (an indexed lookup)."""
        try:
            return find_content(self.conn, sha256, text_sha256, exclude)
        except sqlite3.Error as e:
            raise IndexStoreError(f"index at {self.path} is unreadable (sqlite: {e}); {REBUILD}") from e

    def doc_ids(self) -> set[str]:
        """The committed documents' ids (no record read)."""
        return {d for (d,) in self._q("SELECT doc_id FROM documents")}

    def n_documents(self) -> int:
        n = self.meta.get("n_documents")
        return int(n) if n is not None else int(self._q("SELECT COUNT(*) FROM documents")[0][0])

    def n_live(self) -> int:
        return int(self.meta.get("n_live", 0))

    def open_segments(self) -> dict[int, Segment]:
        return {sid: self.reader.segment(name) for sid, name in self.snapshot.segments}

    def check(self) -> None:
        """Open every live segment (cheap: memory maps): a damaged file fails here."""
        self.open_segments()

    def live_chunks(self, doc_id: str) -> list[Chunk]:
        """The document's live passages in reading order."""
        rows = self._q("SELECT p.chunk FROM passages p JOIN placement r ON r.pid = p.pid "
                       "WHERE p.doc_id = ? AND r.dead = 0 ORDER BY p.seq", (doc_id,))
        return [Chunk.from_dict(json.loads(c)) for (c,) in rows]

    def vectors_for_keys(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of passages with these embedding keys (the vector cache)."""
        out: dict[str, np.ndarray] = {}
        segs = self.open_segments()
        want = list(dict.fromkeys(keys))
        for i in range(0, len(want), 500):
            part = want[i:i + 500]
            for key, pid, sid in self._q(f"SELECT p.embed_key, p.pid, r.segment FROM passages p JOIN placement r "
                                         f"ON r.pid = p.pid WHERE p.embed_key IN ({','.join('?' * len(part))})", part):
                if key in out or sid not in segs:
                    continue
                row = int(segs[sid].rows_of(np.array([pid]))[0])
                if row >= 0:
                    out[key] = np.array(segs[sid].vectors[row], np.float32)
        return out

    # -- changes
    def put(self, doc_id: str, chunks: Sequence[Chunk], keys: Sequence[str], tokens: Sequence[list[str]],
            vectors: np.ndarray, record: dict) -> None:
        """Replace (or add) a document: its passages go into the next segment."""
        if doc_id in self._docs:
            raise ValueError(f"document {doc_id!r} put twice in one commit")
        self._docs[doc_id] = record
        for seq, (c, k, t) in enumerate(zip(chunks, keys, tokens)):
            if self._builder is None:
                self._builder = SegmentBuilder(int(len(vectors[seq])))
                _, self._pid0 = self._next_ids()
            pid = self._pid0 + len(self._rows)
            self._builder.add(pid, seq, t, passage_words(c.text),
                              {"namnd": c.namnd, "doc_type": c.doc_type, "period": c.period, "year": c.year,
                               "doc_id": c.doc_id, "section": c.section}, vectors[seq])
            self._rows.append((pid, c.doc_id, seq, c.id, k, json.dumps(c.to_dict(), ensure_ascii=False)))

    def remove(self, doc_id: str) -> None:
        self._docs[doc_id] = None

    @property
    def pending(self) -> bool:
        return bool(self._docs)

    def _new_name(self, sid: int) -> str:
        return f"seg-{sid:08d}-{uuid.uuid4().hex[:6]}"

    def _next_ids(self) -> tuple[int, int]:
        """The next segment id and passage id. Never reused (kept in meta, not MAX()+1 of what is left
        after garbage collection), so a reader holding an old state can never mistake a new passage
        for one it knew."""
        sid = max(int(self.meta.get("next_segment", 1)), self._q("SELECT COALESCE(MAX(id), 0) + 1 FROM segments")[0][0])
        pid = max(int(self.meta.get("next_pid", 1)), self._q("SELECT COALESCE(MAX(pid), 0) + 1 FROM passages")[0][0])
        return int(sid), int(pid)

    def _write(self, seg: Segment, name: str) -> Path:
        """Write a segment file; the caller builds its HNSW graph (`_graph`) after letting go of `seg`."""
        path = seg_mod.write(seg, self.path / f"{name}.bin", self.hnsw_threshold, graph=False)
        self.written.append(path)
        return path

    def _graph(self, path: Path, n: int) -> None:
        if n >= self.hnsw_threshold:
            seg_mod.build_graph(path)
        _fsync_dir(self.path)

    def commit(self, meta: dict | None = None) -> bool:
        """Write the pending passages as one segment and commit everything in one
        transaction. Returns False (and writes nothing) when nothing is pending."""
        if not self._docs and not meta:
            return False
        sid, _ = self._next_ids()
        rows = self._rows
        name = None
        if self._builder is not None:
            name = self._new_name(sid)
            self._graph(self._write(self._builder.finish(), name), len(rows))
        c = self.conn
        try:
            c.execute("BEGIN IMMEDIATE")
            changed = sorted(self._docs)
            newly_dead: Counter = Counter()
            for i in range(0, len(changed), 500):
                part = changed[i:i + 500]
                marks = ",".join("?" * len(part))
                for seg_id, n in c.execute(f"SELECT r.segment, COUNT(*) FROM passages p JOIN placement r "
                                           f"ON r.pid = p.pid WHERE r.dead = 0 AND p.doc_id IN ({marks}) "
                                           f"GROUP BY r.segment", part):
                    newly_dead[seg_id] += n
                c.execute(f"UPDATE placement SET dead = 1 WHERE dead = 0 AND pid IN "
                          f"(SELECT pid FROM passages WHERE doc_id IN ({marks}))", part)
            for seg_id, n in newly_dead.items():
                c.execute("UPDATE segments SET n_dead = n_dead + ? WHERE id = ?", (n, seg_id))
            if name:
                c.execute("INSERT INTO segments(id, name, n_rows) VALUES (?, ?, ?)", (sid, name, len(rows)))
                c.executemany("INSERT INTO passages(pid, doc_id, seq, chunk_id, embed_key, chunk) "
                              "VALUES (?, ?, ?, ?, ?, ?)", rows)
                c.executemany("INSERT INTO placement(pid, segment) VALUES (?, ?)", ((r[0], sid) for r in rows))
            n_docs = self.n_documents()
            for d, rec in self._docs.items():
                existed = c.execute("SELECT 1 FROM documents WHERE doc_id = ?", (d,)).fetchone() is not None
                if rec is None:
                    c.execute("DELETE FROM documents WHERE doc_id = ?", (d,))
                    n_docs -= existed
                else:
                    c.execute("INSERT OR REPLACE INTO documents(doc_id, record, sha256, text_sha256) "
                              "VALUES (?, ?, ?, ?)", (d, json.dumps(rec, ensure_ascii=False), *content_keys(rec)))
                    n_docs += not existed
            n_live = self.n_live() + len(rows) - sum(newly_dead.values())
            ids = {"next_segment": sid + 1, "next_pid": rows[-1][0] + 1} if name else {}
            self._set_meta({**(meta or {}), **ids, "n_live": n_live, "n_documents": n_docs,
                            "version": int(self.meta.get("version", 0)) + 1})
            c.execute("COMMIT")
        except BaseException:
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise
        self._rows, self._docs, self._builder = [], {}, None
        self._refresh()
        return True

    def _set_meta(self, meta: dict) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                              [(k, json.dumps(v, ensure_ascii=False)) for k, v in meta.items()])

    def _refresh(self) -> None:
        self.meta = _meta(self.conn)
        self.snapshot = self.reader.snapshot()

    # -- merging
    def _segment_stats(self) -> list[tuple[int, str, int, int]]:
        return [(int(i), str(n), int(r), int(d)) for i, n, r, d in
                self._q("SELECT id, name, n_rows, n_dead FROM segments WHERE dropped_at IS NULL ORDER BY id")]

    def plan(self, full: bool = False) -> tuple[list[int], list[list[int]]]:
        """(segments to drop, groups of segments to merge) under the policy."""
        stats = self._segment_stats()
        drop = [i for i, _, r, d in stats if d >= r]
        live = [(i, r - d, d / max(r, 1)) for i, _, r, d in stats if d < r]
        if full:
            return drop, ([[i for i, _, _ in live]] if len(live) > 1 or any(f > 0 for _, _, f in live) else [])
        tiers: dict[int, list[tuple[int, int, float]]] = {}
        for s in live:
            tiers.setdefault(int(math.log(max(s[1], 1), MERGE_FACTOR)), []).append(s)
        groups = []
        for tier in sorted(tiers):
            group = tiers[tier]
            if len(group) >= MERGE_FACTOR:
                groups.append([i for i, _, _ in group])
            else:
                groups.extend([i] for i, _, f in group if f >= REWRITE_DEAD_FRACTION)
        n_rows = {i: n for i, n, _ in live}
        return drop, [g for g in groups if sum(n_rows[i] for i in g) < self.hnsw_threshold]

    def maintain(self, full: bool = False, max_rounds: int = 8) -> list[dict]:
        """Drop dead segments and run the merges the policy asks for; returns what was done."""
        done = []
        for _ in range(max_rounds):
            drop, groups = self.plan(full)
            if not drop and not groups:
                break
            if drop:
                self._drop(drop)
                done.append({"dropped": drop})
            for g in groups:
                t = time.perf_counter()
                n = self._merge(g)
                done.append({"merged": g, "rows": n, "seconds": round(time.perf_counter() - t, 3)})
            if full:
                break
        return done

    def _drop(self, ids: list[int]) -> None:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            c.executemany("UPDATE segments SET dropped_at = ? WHERE id = ?", [(time.time(), i) for i in ids])
            self._set_meta({"version": int(self.meta.get("version", 0)) + 1})
            c.execute("COMMIT")
        except BaseException:
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise
        self._refresh()

    def _merge(self, ids: list[int]) -> int:
        segs = self.open_segments()
        dead = self.snapshot.dead
        parts, masks, dead_texts = [], [], []
        for i in ids:
            s = segs[i]
            parts.append(s)
            masks.append(np.isin(s.pids, dead[i]) if i in dead else None)
            if i in dead:
                dead_texts.extend(self.reader.dead_texts([i]))
        wc = Counter(w for t in dead_texts for w in passage_words(t))
        sid, _ = self._next_ids()
        name = self._new_name(sid)
        merged = seg_mod.merge(parts, masks, name=name, dead_words=list(wc), dead_words_df=list(wc.values()))
        n, pids = len(merged), merged.pids.tolist()
        path = self._write(merged, name)
        del merged, parts, segs  # the graph is built from the file: the arrays need not stay in memory
        self.reader.forget([])
        self._graph(path, n)
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            c.execute("INSERT INTO segments(id, name, n_rows) VALUES (?, ?, ?)", (sid, name, n))
            c.executemany("UPDATE placement SET segment = ? WHERE pid = ?", ((sid, p) for p in pids))
            c.executemany("UPDATE segments SET dropped_at = ? WHERE id = ?", [(time.time(), i) for i in ids])
            self._set_meta({"version": int(self.meta.get("version", 0)) + 1, "next_segment": sid + 1})
            c.execute("COMMIT")
        except BaseException:
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise
        self._refresh()
        return n


def compact(index_dir: Path, hnsw_threshold: int) -> list[dict]:
    """Merge every live segment of the index into one (dropping dead rows), HNSW
    builds included: what the size-tiered policy leaves for later at large
    sizes. Takes the ingest lock; readers keep answering meanwhile."""
    from .store import current_store, ingest_lock

    index_dir = Path(index_dir)
    with ingest_lock(index_dir):
        path = current_store(index_dir)
        if path is None:
            return []
        writer = StoreWriter(path, hnsw_threshold)
        try:
            return writer.maintain(full=True)
        finally:
            writer.close()
