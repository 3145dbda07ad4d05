"""Documents' overall stances kept on disk between processes (the IO edge of `answerers.document_stance`).

A ranking question ("Vem var mest kritisk?") needs every document's overall stance. Reading them costs
time proportional to the corpus (258 s on one core at 1M passages); the app reads them in the background
at start and keeps them in memory, and this store keeps them across restarts: one SQLite row per
document version, in the corpus's `cache_dir`. A row is keyed by what the stance was read from (the
document's id, content hash, passage count and catalogue entry) and by the stance method itself (a
digest of the code and taxonomy it is read with), so a changed document or a changed method is read
afresh and an old row is never served (it stays, 550 bytes, until the cache folder is deleted). It is a
cache: a missing, unreadable or read-only file only means reading the documents again; nothing is lost
with it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from array import array
from functools import lru_cache
from pathlib import Path

COMMIT_EVERY = 500  # rows written between commits while warming (a crash loses at most these, to be read again)
_METHOD_FILES = ("answerers.py", "compare.py", "quotes.py", "evidence.py", "analyse.py", "taxonomy.yaml")


@lru_cache(maxsize=1)
def method_digest() -> str:
    """A digest of the code and data the stance is read with: any change to them reads stances afresh."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in _METHOD_FILES:
        h.update(name.encode())
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


def stance_key(doc_id: str, sha256: str, n_chunks: int, meta: str) -> str:
    """The row key of one document version's stance under the current method."""
    raw = json.dumps([doc_id, sha256, n_chunks, meta, method_digest()])
    return hashlib.sha256(raw.encode()).hexdigest()


class StanceStore:
    """key -> (stance label, three position arrays) in one SQLite file; thread-safe."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, timeout=5.0)
        self._conn.execute("CREATE TABLE IF NOT EXISTS stances (key TEXT PRIMARY KEY, stance TEXT NOT NULL, "
                           "positive BLOB NOT NULL, critical BLOB NOT NULL, other BLOB NOT NULL)")
        self._conn.commit()
        self._pending = 0

    def get(self, key: str) -> tuple[str, tuple[array, array, array]] | None:
        with self._lock:
            row = self._conn.execute("SELECT stance, positive, critical, other FROM stances WHERE key = ?",
                                     (key,)).fetchone()
        if row is None:
            return None
        refs = []
        for blob in row[1:]:
            a = array("i")
            a.frombytes(blob)
            refs.append(a)
        return row[0], (refs[0], refs[1], refs[2])

    def put(self, key: str, stance: str, refs: tuple[array, array, array]) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO stances VALUES (?, ?, ?, ?, ?)",
                               (key, stance, *(r.tobytes() for r in refs)))
            self._pending += 1
            if self._pending >= COMMIT_EVERY:
                self._conn.commit()
                self._pending = 0

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self._conn.commit()
                self._pending = 0

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM stances").fetchone()[0]


_STORES: dict[Path, StanceStore | None] = {}
_STORES_LOCK = threading.Lock()


def store_for(corpus) -> StanceStore | None:
    """The corpus's stance store (one per cache folder and process), None when the corpus has no cache
    folder or the file cannot be opened (read-only disk): the stances are then read as before."""
    folder = getattr(corpus, "cache_dir", None)
    if folder is None:
        return None
    path = Path(folder) / "stances.sqlite"
    with _STORES_LOCK:
        if path not in _STORES:
            try:
                _STORES[path] = StanceStore(path)
            except (OSError, sqlite3.Error):
                _STORES[path] = None
        return _STORES[path]
