"""Persistence: one immutable *generation* directory per ingest, switched in
atomically.

    index_dir/
      CURRENT              name of the live generation (replaced atomically)
      gen-<time>-<rand>/   manifest.json, chunks.jsonl, vectors.npy,
                           faiss.index, bm25/ (bm25s arrays + vocab, no pickle)
      .lock                held by a running ingest

A crash at any point leaves CURRENT pointing at a complete generation (the
previous one until the new one is fully written and fsynced).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .types import Chunk

FORMAT_VERSION = 1
CURRENT = "CURRENT"


class IndexStoreError(RuntimeError):
    """The index is missing, unreadable or was built differently; the message says what to run."""


class IndexNotFoundError(IndexStoreError):
    pass


class IndexMismatchError(IndexStoreError):
    pass


@dataclass
class Generation:
    path: Path
    manifest: dict
    chunks: list[Chunk]
    embed_keys: list[str]
    vectors: np.ndarray


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
                    raise IndexStoreError(f"another ingest holds {index_dir / '.lock'}; try again when it has finished")
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def current_generation(index_dir: Path) -> Path | None:
    """The live generation directory, or None when no index was built yet."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    gen = index_dir / name
    if not name or "/" in name or not gen.is_dir():
        raise IndexStoreError(
            f"{index_dir / CURRENT} points at a missing generation {name!r}; "
            "rebuild with `yttra ingest --rebuild`")
    return gen


def write_generation(index_dir: Path, manifest: dict, chunks: list[Chunk], embed_keys: list[str],
                     vectors: np.ndarray, bm25_tokens: list[list[str]]) -> Path:
    """Write a complete new generation and switch CURRENT to it atomically."""
    from .search import build_bm25, build_faiss  # index builders live with their readers

    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f"tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        manifest = {**manifest, "format_version": FORMAT_VERSION, "n_chunks": len(chunks),
                    "dim": int(vectors.shape[1]) if vectors.ndim == 2 else 0}
        lines = (json.dumps({**c.to_dict(), "embed_key": k}, ensure_ascii=False) for c, k in zip(chunks, embed_keys))
        _write(tmp / "chunks.jsonl", ("\n".join(lines) + "\n").encode("utf-8") if chunks else b"")
        with open(tmp / "vectors.npy", "wb") as f:
            np.save(f, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        manifest["faiss"] = build_faiss(vectors, manifest.get("hnsw_threshold", 200_000), tmp / "faiss.index")
        build_bm25(bm25_tokens, tmp / "bm25")
        _write(tmp / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        for p in (tmp / "bm25").glob("*"):
            with open(p, "rb") as f:
                os.fsync(f.fileno())
        _fsync_dir(tmp / "bm25")
        _fsync_dir(tmp)
        gen = index_dir / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        os.rename(tmp, gen)
        _fsync_dir(index_dir)
        pointer = index_dir / f"{CURRENT}.tmp-{uuid.uuid4().hex[:6]}"
        _write(pointer, gen.name.encode("utf-8"))
        os.replace(pointer, index_dir / CURRENT)
        _fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    prune(index_dir, keep=2)
    return gen


def prune(index_dir: Path, keep: int = 2) -> None:
    """Remove stale temp dirs and all but the newest `keep` generations (never the live one)."""
    live = current_generation(index_dir)
    for p in index_dir.glob("tmp-*"):
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    for p in index_dir.glob(f"{CURRENT}.tmp-*"):
        p.unlink(missing_ok=True)
    gens = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for p in gens[keep:]:
        if live is None or p.resolve() != live.resolve():
            shutil.rmtree(p, ignore_errors=True)


def read_generation(gen: Path) -> Generation:
    """Load manifest, chunk table and vectors of one generation."""
    try:
        manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError(f"manifest.json holds {type(manifest).__name__}, not an object")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexMismatchError(
                f"index at {gen} has format {manifest.get('format_version')}, this yttra reads {FORMAT_VERSION}; "
                "rebuild with `yttra ingest --rebuild`")
        chunks, keys = [], []
        with open(gen / "chunks.jsonl", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    keys.append(d.pop("embed_key"))
                    chunks.append(Chunk.from_dict(d))
        vectors = np.load(gen / "vectors.npy", allow_pickle=False)
    except IndexStoreError:
        raise
    except (OSError, EOFError, ValueError, KeyError, TypeError) as e:  # np.load of an empty file: EOFError
        raise IndexStoreError(
            f"index at {gen} is unreadable ({type(e).__name__}: {e}); rebuild with `yttra ingest --rebuild`") from e
    if len(chunks) != manifest.get("n_chunks") or len(vectors) != len(chunks):
        raise IndexStoreError(f"index at {gen} is inconsistent; rebuild with `yttra ingest --rebuild`")
    return Generation(gen, manifest, chunks, keys, vectors)


def read_catalogue(index_dir: Path) -> dict[str, dict]:
    """The live generation's document records (manifest["documents"]) without
    loading chunks or vectors; {} when there is no index or its manifest is damaged."""
    try:
        gen = current_generation(Path(index_dir))
        if gen is None:
            return {}
        manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
        docs = manifest.get("documents") if isinstance(manifest, dict) else None
        return docs if isinstance(docs, dict) else {}
    except (IndexStoreError, OSError, ValueError):
        return {}


def read_current(index_dir: Path) -> Generation:
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexNotFoundError(
            f"no index in {index_dir}; build it with `yttra ingest` (or `make run`)")
    return read_generation(gen)
