"""Persistence: an embedded store that grows by small immutable segments.

    index_dir/
      CURRENT                  name of the live store directory (replaced atomically by a rebuild)
      store-<time>-<rand>/
        index.sqlite           WAL; meta, documents (the catalogue), segments, passages (content,
                               immutable) and placement (segment and tombstone flag per passage)
        seg-<id>-<rand>.bin    one segment: vectors, BM25 postings, filter columns (index/segment.py)
        seg-<id>-<rand>.faiss  HNSW graph of a big segment
      .lock                    held by a running ingest

An ingest writes the changed documents' passages as one new segment file
(fsynced), then commits one SQLite transaction that registers the segment,
inserts the passages, marks the replaced or deleted passages dead
(tombstones) and bumps the version: that commit is the atomic switch, so a
SIGKILL at any point leaves either the old or the new state. Merges combine
small segments (and drop dead rows) the same way. A segment file is deleted
only a grace period after the commit that dropped it, so a reader that
read the old segment list can still open it; readers that hold a file open
keep it regardless. A rebuild writes a complete new store directory and
switches CURRENT.

Passage ids (pid) never change: merges move rows between segments (only the
small `placement` rows are updated), and a passage's row in SQLite (its Chunk,
as JSON) is what search hits are read from.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .segment import Segment, SegmentError, open_segment
from .types import Chunk

FORMAT_VERSION = 2  # 1 = one generation directory per ingest (chunks.jsonl, bm25s files)
CURRENT = "CURRENT"
DB = "index.sqlite"
GRACE_S = 60.0  # a dropped segment's files outlive the commit that dropped it by this long
REBUILD = "rebuild with `yttra ingest --rebuild`"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- sha256 / text_sha256 repeat the record's, indexed: the duplicate check asks for one document by hash
CREATE TABLE IF NOT EXISTS documents(doc_id TEXT PRIMARY KEY, record TEXT NOT NULL,
                                     sha256 TEXT NOT NULL DEFAULT '', text_sha256 TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS segments(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n_rows INTEGER NOT NULL,
                                    n_dead INTEGER NOT NULL DEFAULT 0, dropped_at REAL);
-- a passage's content never changes after insert ...
CREATE TABLE IF NOT EXISTS passages(pid INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, seq INTEGER NOT NULL,
                                    chunk_id TEXT NOT NULL, embed_key TEXT NOT NULL, chunk TEXT NOT NULL);
-- ... where it lives and whether it is deleted (a tombstone) do: small rows, cheap to update
CREATE TABLE IF NOT EXISTS placement(pid INTEGER PRIMARY KEY, segment INTEGER NOT NULL,
                                     dead INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id);
CREATE INDEX IF NOT EXISTS passages_key ON passages(embed_key);
CREATE INDEX IF NOT EXISTS passages_cid ON passages(chunk_id);
CREATE INDEX IF NOT EXISTS placement_dead ON placement(segment) WHERE dead = 1;
"""
CONTENT_INDEXES = ("CREATE INDEX IF NOT EXISTS documents_sha ON documents(sha256)",
                   "CREATE INDEX IF NOT EXISTS documents_text ON documents(text_sha256)")
SCHEMA += "".join(f"{sql};\n" for sql in CONTENT_INDEXES)
CONTENT_KEYS = (("sha256", "sha256"), ("text", "text_sha256"))  # (why, column and record key) of a content match


class IndexStoreError(RuntimeError):
    """The index is missing, unreadable or was built differently; the message says what to run."""


class IndexLockTimeout(IndexStoreError):
    """Another process held the index lock past the wait (a long ingest elsewhere): try again later."""


class IndexNotFoundError(IndexStoreError):
    pass


class IndexMismatchError(IndexStoreError):
    pass


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


@contextlib.contextmanager
def ingest_lock(index_dir: Path, timeout: float = 600.0):
    """Exclusive lock so two ingests never interleave (other processes wait)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise IndexLockTimeout(f"another ingest holds {index_dir / '.lock'}; try again when it has finished")
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# ---------------------------------------------------------------- locating the store

def current_store(index_dir: Path) -> Path | None:
    """The live store directory, or None when no index was built yet."""
    index_dir = Path(index_dir)
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise IndexStoreError(f"cannot read {index_dir / CURRENT} ({e}); {REBUILD}") from e
    path = index_dir / name
    if not name or "/" in name or name.startswith(".") or not path.is_dir():
        raise IndexStoreError(f"{index_dir / CURRENT} points at a missing store {name!r}; {REBUILD}")
    if not (path / DB).is_file():
        if (path / "manifest.json").exists():
            raise IndexMismatchError(
                f"index at {index_dir} has the old generation format (1), this yttra reads format {FORMAT_VERSION}; "
                f"{REBUILD}")
        raise IndexStoreError(f"index at {path} has no {DB}; {REBUILD}")
    return path


@dataclass(frozen=True)
class StoreVersion:
    """Which state of the index is live: the store directory and its commit counter."""

    path: Path
    version: int

    @property
    def name(self) -> str:
        return f"{self.path.name}@{self.version}"


def current_generation(index_dir: Path) -> StoreVersion | None:
    """The live store and version (None when no index was built yet): equal
    before and after an ingest that changed nothing."""
    path = current_store(index_dir)
    if path is None:
        return None
    with contextlib.closing(connect(path)) as conn:
        return StoreVersion(path, int(_meta(conn).get("version", 0)))


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    db = Path(path) / DB
    if not create and not db.is_file():
        raise IndexStoreError(f"index at {path} has no {DB}; {REBUILD}")
    try:
        conn = sqlite3.connect(db, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        if create:
            conn.executescript(SCHEMA)
        return conn
    except sqlite3.Error as e:
        raise IndexStoreError(f"index at {path} is unreadable (sqlite: {e}); {REBUILD}") from e


def _meta(conn: sqlite3.Connection) -> dict:
    try:
        return {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}
    except (sqlite3.Error, ValueError) as e:
        raise IndexStoreError(f"index is unreadable ({type(e).__name__}: {e}); {REBUILD}") from e


def has_content_columns(conn: sqlite3.Connection) -> bool:
    """Does the documents table have the sha256 / text_sha256 columns (stores
    written before them do not, until a writer opens them: `add_content_columns`)?"""
    return {"sha256", "text_sha256"} <= {r[1] for r in conn.execute("PRAGMA table_info(documents)")}


def add_content_columns(conn: sqlite3.Connection) -> bool:
    """Migrate a store written before the content columns, in place and in one
    transaction: add them, fill them from the records, index them. Idempotent
    (False when there was nothing to do); a writer calls it under the ingest
    lock, so the rest of the store (and its format version) stays as it is."""
    if has_content_columns(conn):
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        have = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
        for _, col in CONTENT_KEYS:
            if col not in have:
                conn.execute(f"ALTER TABLE documents ADD COLUMN {col} TEXT NOT NULL DEFAULT ''")
        rows = conn.execute("SELECT doc_id, record FROM documents").fetchall()
        conn.executemany("UPDATE documents SET sha256 = ?, text_sha256 = ? WHERE doc_id = ?",
                         [(*content_keys(_loads(r)), d) for d, r in rows])
        for sql in CONTENT_INDEXES:
            conn.execute(sql)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return True


def _loads(record: str) -> dict:
    try:
        rec = json.loads(record)
    except ValueError:
        return {}
    return rec if isinstance(rec, dict) else {}


def content_keys(record: dict) -> tuple[str, str]:
    """(sha256, text_sha256) of a document record ('' for what it lacks)."""
    return str(record.get("sha256") or ""), str(record.get("text_sha256") or "")


def find_content(conn: sqlite3.Connection, sha256: str, text_sha256: str = "",
                 exclude=()) -> tuple[str, str] | None:
    """(doc_id, 'sha256' | 'text') of a document (not in `exclude`) with these
    bytes or, failing that, this text, lowest doc id first; None when there is
    none. An indexed lookup; a store not migrated yet (no content columns) is
    searched through its records instead (slower, the same answer)."""
    if not (sha256 or text_sha256):
        return None
    exclude = set(exclude)
    columns = has_content_columns(conn)
    for (why, col), value in zip(CONTENT_KEYS, (sha256, text_sha256)):
        if not value:
            continue
        if columns:
            ids = [d for (d,) in conn.execute(f"SELECT doc_id FROM documents WHERE {col} = ? ORDER BY doc_id",
                                              (value,))]
        else:
            ids = [d for d, r in conn.execute("SELECT doc_id, record FROM documents ORDER BY doc_id")
                   if _loads(r).get(col) == value]
        ids = [d for d in ids if d not in exclude]
        if ids:
            return ids[0], why
    return None


# ---------------------------------------------------------------- reading

@dataclass
class Snapshot:
    """One committed state: meta, the live segments and their dead rows."""

    path: Path
    version: int
    meta: dict
    segments: list[tuple[int, str]]  # (segment id, file name stem)
    dead: dict[int, np.ndarray]  # segment id -> dead pids


class StoreReader:
    """Reads one store directory: snapshots, opened segments (cached by name,
    so a reload opens only new segments) and passages by pid. Thread-safe."""

    def __init__(self, path: Path, *, with_faiss: bool = True):
        self.path = Path(path)
        self.conn = connect(self.path)
        self.with_faiss = with_faiss
        self._lock = threading.RLock()
        self._segments: dict[str, Segment] = {}

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    def _query(self, sql: str, args: Sequence = ()) -> list[tuple]:
        with self._lock:
            try:
                return self.conn.execute(sql, args).fetchall()
            except sqlite3.Error as e:
                raise IndexStoreError(f"index at {self.path} is unreadable (sqlite: {e}); {REBUILD}") from e

    def version(self) -> int:
        rows = self._query("SELECT value FROM meta WHERE key = 'version'")
        return int(json.loads(rows[0][0])) if rows else 0

    def snapshot(self) -> Snapshot:
        with self._lock:
            try:
                self.conn.execute("BEGIN")  # one read transaction: a committed state, whole
                try:
                    return self._snapshot()
                finally:
                    self.conn.execute("COMMIT")
            except sqlite3.Error as e:
                raise IndexStoreError(f"index at {self.path} is unreadable (sqlite: {e}); {REBUILD}") from e

    def _snapshot(self) -> Snapshot:
        """The state as of the caller's read transaction."""
        meta = _meta(self.conn)
        if meta.get("format_version") != FORMAT_VERSION:
            raise IndexMismatchError(f"index at {self.path} has format {meta.get('format_version')}, this yttra reads "
                                     f"{FORMAT_VERSION}; {REBUILD}")
        segs = self.conn.execute("SELECT id, name FROM segments WHERE dropped_at IS NULL ORDER BY id").fetchall()
        dead: dict[int, list[int]] = {}
        for seg, pid in self.conn.execute("SELECT segment, pid FROM placement WHERE dead = 1 AND segment IN "
                                          "(SELECT id FROM segments WHERE dropped_at IS NULL)"):
            dead.setdefault(seg, []).append(pid)
        return Snapshot(self.path, int(meta.get("version", 0)), meta, [(int(i), str(n)) for i, n in segs],
                        {k: np.sort(np.array(v, np.int64)) for k, v in dead.items()})

    def segment(self, name: str) -> Segment:
        with self._lock:
            seg = self._segments.get(name)
            if seg is None:
                try:
                    seg = open_segment(self.path / f"{name}.bin", self.with_faiss)
                except SegmentError as e:
                    raise IndexStoreError(f"index at {self.path}: segment {name} is unreadable ({e}); {REBUILD}") from e
                self._segments[name] = seg
            return seg

    def forget(self, keep: Iterable[str]) -> None:
        """Drop cached segments that are no longer live (their mmaps close when unused)."""
        keep = set(keep)
        with self._lock:
            for name in [n for n in self._segments if n not in keep]:
                del self._segments[name]

    # -- passages, immutable per pid
    def chunks(self, pids: Sequence[int]) -> dict[int, Chunk]:
        out: dict[int, Chunk] = {}
        pids = [int(p) for p in pids]
        for i in range(0, len(pids), 500):
            part = pids[i:i + 500]
            rows = self._query(f"SELECT pid, chunk FROM passages WHERE pid IN ({','.join('?' * len(part))})", part)
            for pid, data in rows:
                out[pid] = Chunk.from_dict(json.loads(data))
        return out

    def doc_pids(self, doc_id: str) -> list[tuple[int, int]]:
        """(pid, seq) of every stored passage of the document, dead ones included."""
        return [(int(p), int(s)) for p, s in self._query("SELECT pid, seq FROM passages WHERE doc_id = ?", (doc_id,))]

    def pids_for_chunk_ids(self, chunk_ids: Sequence[str]) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        ids = list(dict.fromkeys(chunk_ids))
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            for cid, pid in self._query(
                    f"SELECT chunk_id, pid FROM passages WHERE chunk_id IN ({','.join('?' * len(part))})", part):
                out.setdefault(cid, []).append(int(pid))
        return out

    def dead_texts(self, segment_ids: Sequence[int]) -> list[str]:
        """Texts of the dead passages of the given segments (for word statistics)."""
        out = []
        for sid in segment_ids:
            out.extend(json.loads(c)["text"] for (c,) in self._query(
                "SELECT p.chunk FROM placement r JOIN passages p ON p.pid = r.pid WHERE r.dead = 1 AND r.segment = ?",
                (sid,)))
        return out

    def records(self) -> dict[str, dict]:
        return {d: json.loads(r) for d, r in self._query("SELECT doc_id, record FROM documents ORDER BY doc_id")}

    def find_content(self, sha256: str, text_sha256: str = "", *, exclude=()) -> tuple[str, str] | None:
        """index.intake.Contents.find_content over this store (one indexed lookup)."""
        with self._lock:
            try:
                return find_content(self.conn, sha256, text_sha256, exclude)
            except sqlite3.Error as e:
                raise IndexStoreError(f"index at {self.path} is unreadable (sqlite: {e}); {REBUILD}") from e


def open_reader(index_dir: Path) -> StoreReader:
    path = current_store(index_dir)
    if path is None:
        raise IndexNotFoundError(f"no index in {index_dir}; build it with `yttra ingest` (or `make run`)")
    return StoreReader(path)


def read_catalogue(index_dir: Path) -> dict[str, dict]:
    """The live index's document records without loading passages or vectors;
    {} when there is no index or it is damaged."""
    try:
        path = current_store(Path(index_dir))
        if path is None:
            return {}
        reader = StoreReader(path)
        try:
            return reader.records()
        finally:
            reader.close()
    except (IndexStoreError, OSError, ValueError):
        return {}


@dataclass
class Generation:
    """Everything live in the index, materialised (for tests and tools, O(passages)):
    chunks in (doc_id, reading order), their embedding keys and vectors, and a
    manifest with the meta fields and the document records."""

    path: Path
    manifest: dict
    chunks: list[Chunk]
    embed_keys: list[str]
    vectors: np.ndarray


def read_current(index_dir: Path) -> Generation:
    reader = open_reader(Path(index_dir))
    try:
        with reader._lock:
            reader.conn.execute("BEGIN")  # one read transaction: the snapshot and its passages
            try:
                snap = reader._snapshot()
                rows = reader.conn.execute(
                    "SELECT p.pid, r.segment, p.embed_key, p.chunk FROM passages p JOIN placement r ON r.pid = p.pid "
                    "WHERE r.dead = 0 ORDER BY p.doc_id, p.seq").fetchall()
                records = {d: json.loads(r) for d, r in
                           reader.conn.execute("SELECT doc_id, record FROM documents ORDER BY doc_id")}
            finally:
                reader.conn.execute("COMMIT")
        segs = {sid: reader.segment(name) for sid, name in snap.segments}
        chunks, keys, vecs = [], [], []
        for pid, sid, key, data in rows:
            seg = segs.get(sid)
            row = int(seg.rows_of(np.array([pid]))[0]) if seg is not None else -1
            if row < 0:
                raise IndexStoreError(f"index at {reader.path} is inconsistent (passage {pid}); {REBUILD}")
            chunks.append(Chunk.from_dict(json.loads(data)))
            keys.append(key)
            vecs.append(np.asarray(seg.vectors[row], np.float32))
        dim = int(snap.meta.get("dim", 0))
        manifest = {**snap.meta, "documents": records, "n_chunks": len(chunks)}
        vectors = np.stack(vecs) if vecs else np.zeros((0, dim), np.float32)
        return Generation(reader.path, manifest, chunks, keys, vectors)
    except sqlite3.Error as e:
        raise IndexStoreError(f"index at {reader.path} is unreadable (sqlite: {e}); {REBUILD}") from e
    finally:
        reader.close()


# ---------------------------------------------------------------- writing

def new_store(index_dir: Path, meta: dict) -> Path:
    """An empty store directory (not live until `switch_current`)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / f"store-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    path.mkdir()
    with contextlib.closing(connect(path, create=True)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v, ensure_ascii=False)) for k, v in
                                                           {**meta, "format_version": FORMAT_VERSION, "version": 0,
                                                            "n_live": 0}.items()])
        conn.execute("COMMIT")
    _fsync_dir(path)
    return path


def switch_current(index_dir: Path, path: Path) -> None:
    _fsync_dir(path)
    pointer = index_dir / f"{CURRENT}.tmp-{uuid.uuid4().hex[:6]}"
    _write(pointer, path.name.encode("utf-8"))
    os.replace(pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)


def collect_garbage(index_dir: Path, *, grace: float = GRACE_S) -> None:
    """Under the ingest lock: remove store directories that are not live, stale
    pointer temp files, old-format generations, and in the live store the files
    of segments dropped more than `grace` seconds ago and files no commit references."""
    index_dir = Path(index_dir)
    try:
        live = current_store(index_dir)
    except IndexStoreError:
        live = None
    now = time.time()
    for p in index_dir.glob(f"{CURRENT}.tmp-*"):
        p.unlink(missing_ok=True)
    for p in list(index_dir.glob("store-*")) + list(index_dir.glob("gen-*")) + list(index_dir.glob("tmp-*")):
        if p.is_dir() and (live is None or p.resolve() != live.resolve()) and now - p.stat().st_mtime > grace:
            shutil.rmtree(p, ignore_errors=True)
    if live is None:
        return
    try:
        with contextlib.closing(connect(live)) as conn:
            rows = conn.execute("SELECT id, name, dropped_at FROM segments").fetchall()
            old = [(i, n) for i, n, d in rows if d is not None and now - d > grace]
            if old:
                conn.execute("BEGIN IMMEDIATE")
                for sid, _ in old:  # only dead rows are left in a dropped segment (merges move the live ones)
                    conn.execute("DELETE FROM passages WHERE pid IN "
                                 "(SELECT pid FROM placement WHERE segment = ? AND dead = 1)", (sid,))
                    conn.execute("DELETE FROM placement WHERE segment = ? AND dead = 1", (sid,))
                    conn.execute("DELETE FROM segments WHERE id = ?", (sid,))
                conn.execute("COMMIT")
    except (sqlite3.Error, IndexStoreError):
        return  # a damaged store: the ingest rebuilds, and a later one removes it
    known = {n for _, n, _ in rows} - {n for _, n in old}
    for p in list(live.glob("seg-*.bin")) + list(live.glob("seg-*.faiss")):
        if p.stem not in known:
            p.unlink(missing_ok=True)
