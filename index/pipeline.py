"""Ingest: read -> metadata -> OCR repair -> chunk -> embed -> store.

Incremental: a document whose bytes, metadata entry and chunk settings are
unchanged keeps its chunks without being read again, and any chunk whose
embedding text was embedded before (same model) keeps its vector. A file
that fails to read is reported and, if it was indexed before, keeps its
previous chunks: one bad file never loses data or stops the ingest.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunk import chunk_document, embedding_text
from .clean import repair
from .embed import Embedder, make_embedder
from .metadata import load_metadata_file, resolve_metadata
from .read import ReadError, iter_corpus_files, read_document
from .settings import Settings, relative_source
from .store import IndexStoreError, ingest_lock, read_current, write_generation
from .textnorm import lexical_tokens
from .types import Chunk, IngestReport

CODE_VERSION = "2"  # bump when chunking/cleaning changes what a document turns into


def passage_text(c: Chunk, context: str = "namnd") -> str:
    """What the embedder and BM25 see for a chunk: optional context (the
    nämnd, and the section heading), then the passage with hyphenation and
    line breaks normalised."""
    body = embedding_text(c.text)
    if context == "none":
        return body
    if context == "namnd":
        return f"{c.namnd}.\n{body}"
    section = c.section.split(" › ")[-1]
    return f"{c.namnd}. {section}.\n{body}"


def embed_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _doc_signature(settings: Settings, entry: dict | None) -> str:
    payload = {"chunk": settings.chunk.model_dump(), "entry": entry, "code": CODE_VERSION}
    return hashlib.sha1(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class _DocState:
    chunks: list[Chunk]
    record: dict


def _process_file(path: Path, settings: Settings, entries: dict) -> tuple[list[Chunk], dict, int]:
    """Read, describe, repair and chunk one file. Raises ReadError."""
    doc = read_document(path)
    meta = resolve_metadata(doc.id, doc.text, entries)
    fixed = repair(doc.text)
    chunks = chunk_document(doc, settings.chunk, display_text=fixed.text,
                            to_original=fixed.to_original_span, meta=meta)
    record = {"source": doc.source, "sha256": doc.sha256, "meta": meta.to_dict(),
              "pages": doc.n_pages, "repaired_words": len(fixed.edits), "n_chunks": len(chunks)}
    return chunks, record, len(fixed.edits)


def check_file(path: Path, settings: Settings, entries: dict | None = None) -> dict:
    """Everything ingest does to one file short of embedding and storing it
    (read, metadata, OCR repair, chunking): the upload check runs this, so
    what it accepts the indexer can index. Returns the document's index
    record; raises ReadError for any problem, unexpected ones included."""
    try:
        return _process_file(Path(path), settings, entries or {})[1]
    except ReadError:
        raise
    except Exception as e:  # noqa: BLE001 - reported as this file's problem, like ingest does
        raise ReadError(path, f"kan inte indexeras: oväntat fel ({type(e).__name__}: {e})",
                        f"cannot be indexed: unexpected error ({type(e).__name__}: {e})") from e


def ingest(settings: Settings, paths: list[Path] | None = None, *, rebuild: bool = False,
           embedder: Embedder | None = None, progress: bool = True,
           remove: list[str] | None = None) -> IngestReport:
    """Build or update the index under settings.index_dir.

    paths=None (and no `remove`) syncs the whole corpus folder (new, changed
    and removed files); explicit paths add or update just those files and keep
    the rest; `remove` drops those document ids from the index (their files
    are left alone)."""
    t0 = time.perf_counter()
    report = IngestReport()
    corpus_dir = Path(settings.corpus_dir)
    embedder = embedder or make_embedder(settings.embed)
    index_dir = Path(settings.index_dir)

    with ingest_lock(index_dir):
        # read inside the lock: a save made while another ingest held it is
        # what this ingest indexes (read before, the older version could win)
        entries = load_metadata_file(corpus_dir / settings.metadata_file)
        prev = None
        if not rebuild:
            try:
                prev = read_current(index_dir)
            except IndexStoreError:
                prev = None  # nothing usable: build from scratch
        same_model = prev is not None and prev.manifest.get("model_id") == embedder.model_id
        prev_docs: dict[str, _DocState] = {}
        cache: dict[str, np.ndarray] = {}
        if prev is not None:
            for c in prev.chunks:
                prev_docs.setdefault(c.doc_id, _DocState([], prev.manifest["documents"].get(c.doc_id, {})))
                prev_docs[c.doc_id].chunks.append(c)
            for doc_id, rec in prev.manifest.get("documents", {}).items():
                prev_docs.setdefault(doc_id, _DocState([], rec))
            if same_model:
                cache = {k: v for k, v in zip(prev.embed_keys, prev.vectors)}

        if paths or remove:
            files = []
            for p in paths or ():
                p = Path(p)
                files.extend(iter_corpus_files(p) if p.is_dir() else [p])
            keep = {d: st for d, st in prev_docs.items() if d not in set(remove or ())}  # untouched documents stay
            report.removed = sorted(d for d in (remove or ()) if d in prev_docs)
        else:
            files = iter_corpus_files(corpus_dir)
            keep = {}
            seen = {Path(f).stem for f in files}
            report.removed = sorted(d for d in prev_docs if d not in seen)

        new_docs: dict[str, _DocState] = dict(keep)
        for path in files:
            doc_id = Path(path).stem
            entry = entries.get(doc_id)
            sig = _doc_signature(settings, entry)
            old = prev_docs.get(doc_id)
            try:
                sha = _file_sha256(Path(path))
            except OSError:
                sha = ""  # unreadable: _process_file reports it below
            if old and old.chunks and old.record.get("sha256") == sha and old.record.get("signature") == sig:
                new_docs[doc_id] = old
                rec = old.record
            else:
                try:
                    chunks, rec, _ = _process_file(Path(path), settings, entries)
                except Exception as e:  # noqa: BLE001 - one bad file must not stop the ingest
                    msg = str(e) if isinstance(e, ReadError) else \
                        f"{Path(path).name}: oväntat fel / unexpected error: {type(e).__name__}: {e}"
                    report.failed.append((relative_source(Path(path)), msg))
                    if old:
                        new_docs[doc_id] = old  # keep what we had
                    continue
                rec["signature"] = sig
                new_docs[doc_id] = _DocState(chunks, rec)
            guessed = rec.get("meta", {}).get("guessed") or []
            if guessed:
                report.guessed.append((doc_id, list(guessed)))
            if rec.get("repaired_words"):
                report.repaired.append((doc_id, rec["repaired_words"]))

        ordered = sorted(new_docs)
        chunks = [c for d in ordered for c in new_docs[d].chunks]
        texts = [passage_text(c, settings.embed.context) for c in chunks]
        keys = [embed_key(t) for t in texts]
        todo = sorted({k: t for k, t in zip(keys, texts) if k not in cache}.items())
        report.embedded, report.reused = len(todo), len(keys) - len(todo)
        if todo:
            cache.update(_embed_all(embedder, todo, settings.embed.batch_size, progress))
        dim = embedder.dim
        vectors = (np.stack([cache[k] for k in keys]).astype(np.float32) if keys
                   else np.zeros((0, dim), np.float32))

        unchanged = (prev is not None and same_model and not report.embedded and
                     prev.manifest.get("analyzer") == settings.search.analyzer and
                     [c.id for c in prev.chunks] == [c.id for c in chunks] and
                     prev.manifest.get("documents") == {d: new_docs[d].record for d in ordered})
        if not unchanged:
            manifest = {
                "model_id": embedder.model_id,
                "chunk": settings.chunk.model_dump(),
                "code_version": CODE_VERSION,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "hnsw_threshold": settings.search.hnsw_threshold,
                "analyzer": settings.search.analyzer,
                "documents": {d: new_docs[d].record for d in ordered},
            }
            write_generation(index_dir, manifest, chunks, keys, vectors, [lexical_tokens(t, settings.search.analyzer) for t in texts])

    report.documents = len(new_docs)
    report.chunks = len(chunks)
    report.seconds = time.perf_counter() - t0
    return report


def _embed_all(embedder: Embedder, todo: list[tuple[str, str]], batch: int, progress: bool) -> dict[str, np.ndarray]:
    from tqdm import tqdm

    out: dict[str, np.ndarray] = {}
    bar = tqdm(total=len(todo), desc="Bäddar in / embedding", unit="chunk", disable=not progress,
               file=sys.stderr, leave=False)
    for i in range(0, len(todo), batch):
        part = todo[i:i + batch]
        vecs = embedder.embed_passages([t for _, t in part])
        out.update({k: v for (k, _), v in zip(part, vecs)})
        bar.update(len(part))
    bar.close()
    return out
