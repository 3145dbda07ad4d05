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
from .intake import Duplicates, KnownContents, file_sha256, take_files, text_fingerprint
from .metadata import metadata_entries, resolve_metadata
from .read import ReadError, iter_corpus_files, read_document
from .settings import Settings, relative_source
from .store import IndexStoreError, collect_garbage, current_store, ingest_lock, new_store, switch_current
from .textnorm import lexical_tokens
from .types import Chunk, IngestReport
from .writer import StoreWriter

CODE_VERSION = "9"  # bump when chunking/cleaning changes what a document turns into


def _data_version() -> str:
    """The taxonomy files that shape what a document turns into (headings, OCR context, metadata cues): an
    edit of one re-reads every document on the next ingest, as a code change that bumps CODE_VERSION does."""
    from importlib import resources

    h = hashlib.sha1()
    for name in ("headings.yaml", "ocr_context.yaml", "metadata_cues.yaml"):
        h.update(resources.files("index").joinpath(name).read_bytes())
    return h.hexdigest()[:12]


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


_DATA_VERSION = _data_version()


def _doc_signature(settings: Settings, entry: dict | None) -> str:
    payload = {"chunk": settings.chunk.model_dump(), "entry": entry, "code": CODE_VERSION, "data": _DATA_VERSION}
    return hashlib.sha1(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _process_file(path: Path, settings: Settings, entries: dict) -> tuple[list[Chunk], dict, int]:
    """Read, describe, clean the page layout, repair and chunk one file within
    the per-file budgets of settings.limits (time, text size, passages:
    index.budget). The record keeps the page furniture taken out of the
    passages ("furniture": distinct lines, for metadata). Raises ReadError
    (BudgetError for a file over budget, with its embedding cost)."""
    from .budget import Budget

    MAX_FURNITURE_RECORDED = 40  # distinct furniture lines kept in the record

    budget = Budget(path, settings.limits, settings.chunk)
    doc = read_document(path, check=budget.check)
    budget.text(doc.text)  # refuses a file sure to be over budget before the costly steps
    budget.at("sidlayout / page layout")
    from .chunk import is_known_heading
    from .layout import clean_layout

    # page furniture out and page breaks joined first, then OCR repair of what is left;
    # a passage's span maps back through both (repaired -> cleaned -> original)
    lay = clean_layout(doc.text, doc.page_starts, doc.marks, protected=is_known_heading, check=budget.check)
    budget.at("metadata / metadata")
    # the metadata reads the whole original text, with what the parser and the layout step know
    meta = resolve_metadata(doc.id, doc.text, entries, page_starts=doc.page_starts, marks=doc.marks,
                            furniture=lay.furniture)
    budget.at("OCR-reparation / OCR repair")
    fixed = repair(lay.text, check=budget.check)
    budget.at("uppdelning / chunking")

    def to_original(a: int, b: int) -> tuple[int, int]:
        return lay.to_original_span(*fixed.to_original_span(a, b))

    headings = [(*fixed.to_repaired_span(a, b), level) for a, b, level in lay.headings]
    chunks = chunk_document(doc, settings.chunk, display_text=fixed.text, to_original=to_original,
                            headings=headings, meta=meta, check=budget.check)
    budget.passages(len(chunks))
    record = {"source": doc.source, "sha256": doc.sha256, "meta": meta.to_dict(),
              "pages": doc.n_pages, "repaired_words": len(fixed.edits), "n_chunks": len(chunks),
              "furniture": lay.furniture_lines[:MAX_FURNITURE_RECORDED], "parser_title": lay.title(),
              "text_sha256": text_fingerprint(doc.text)}  # duplicates under another name (index.intake)
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
    are left alone). A file given from outside the corpus folder is copied
    into it first (index.intake: never over another file; report.copied), so
    a later plain ingest keeps it. A file with the same bytes or the same text
    as another document is reported (report.duplicates) and not indexed twice.

    Only what changed is written: the changed documents' passages become one
    new segment and the replaced or removed ones are marked dead, in one
    transaction (index/writer.py); a merge may follow. A different embedding
    model, BM25 analyzer or embedding context (or `rebuild`) writes a complete
    new store instead and switches to it at the end."""
    t0 = time.perf_counter()
    report = IngestReport()
    corpus_dir = Path(settings.corpus_dir)
    embedder = embedder or make_embedder(settings.embed)
    index_dir = Path(settings.index_dir)
    threshold = settings.search.hnsw_threshold
    meta = {"model_id": embedder.model_id, "dim": int(embedder.dim), "analyzer": settings.search.analyzer,
            "context": settings.embed.context}

    with ingest_lock(index_dir, timeout=settings.store.lock_wait_s):
        # read inside the lock: a save made while another ingest held it is
        # what this ingest indexes (read before, the older version could win)
        entries = metadata_entries(corpus_dir / settings.metadata_file)
        collect_garbage(index_dir)
        prev: StoreWriter | None = None
        if not rebuild:
            try:
                path = current_store(index_dir)
                if path is not None:
                    prev = StoreWriter(path, threshold)
                    prev.check()
            except IndexStoreError:
                prev = None  # nothing usable: build from scratch
        same = prev is not None and all(prev.meta.get(k) == v for k, v in meta.items())
        same_vectors = prev is not None and all(prev.meta.get(k) == meta[k] for k in ("model_id", "dim"))
        writer = prev if same else StoreWriter(new_store(index_dir, meta), threshold)
        try:
            # what the index holds, asked for by hash (one indexed lookup per changed file, never every record)
            contents = prev if prev is not None else KnownContents()
            if paths or remove:
                # a file from outside the corpus folder is copied in first, so a later plain ingest keeps it
                files = take_files(paths or (), corpus_dir, contents, report)
                wanted = [Path(f).stem for f in files] + list(remove or ())
                known = prev.records(wanted) if prev else {}
                report.removed = sorted(d for d in dict.fromkeys(remove or ()) if d in known)
            else:
                # every record: what is unchanged is reported (guessed fields, repairs) without being read
                files = iter_corpus_files(corpus_dir)
                known = prev.records() if prev else {}
                seen = {Path(f).stem for f in files}
                report.removed = sorted(d for d in known if d not in seen)

            changed: dict[str, tuple[list[Chunk], dict]] = {}
            dups = Duplicates(contents, report, known)
            for path in files:
                doc_id = Path(path).stem
                entry = entries.get(doc_id)
                sig = _doc_signature(settings, entry)
                old = known.get(doc_id)
                try:
                    sha = file_sha256(Path(path))
                except OSError:
                    sha = ""  # unreadable: _process_file reports it below
                if old and old.get("sha256") == sha and old.get("signature") == sig:
                    rec = old  # unchanged: nothing to read or write
                else:
                    if dups.repeats(path, doc_id, sha256=sha):
                        continue  # the same bytes as another document: not even read
                    try:
                        chunks, rec, _ = _process_file(Path(path), settings, entries)
                    except Exception as e:  # noqa: BLE001 - one bad file must not stop the ingest
                        msg = str(e) if isinstance(e, ReadError) else \
                            f"{Path(path).name}: oväntat fel / unexpected error: {type(e).__name__}: {e}"
                        report.failed.append((relative_source(Path(path)), msg))
                        continue  # a document indexed before keeps its previous version
                    text_sha = rec["text_sha256"]  # _process_file fingerprints the text it read
                    if dups.repeats(path, doc_id, text_sha256=text_sha):
                        continue  # the same text under another name
                    rec["signature"] = sig
                    changed[doc_id] = (chunks, rec)
                    dups.put(doc_id, sha, text_sha)
                guessed = rec.get("meta", {}).get("guessed") or []
                if guessed:
                    report.guessed.append((doc_id, list(guessed)))
                if rec.get("repaired_words"):
                    report.repaired.append((doc_id, rec["repaired_words"]))
            if prev is not None and not same:  # a new store: carry over what did not change
                for doc_id, rec in prev.records().items():
                    if doc_id not in changed and doc_id not in report.removed:
                        changed[doc_id] = (prev.live_chunks(doc_id), rec)

            ordered = sorted(changed)
            texts = [passage_text(c, settings.embed.context) for d in ordered for c in changed[d][0]]
            keys = [embed_key(t) for t in texts]
            cache = prev.vectors_for_keys(keys) if prev is not None and same_vectors and keys else {}
            todo = sorted({k: t for k, t in zip(keys, texts) if k not in cache}.items())
            report.embedded = len(todo)
            if todo:
                cache.update(_embed_all(embedder, todo, settings.embed.batch_size, progress))
            i = 0
            for doc_id in ordered:
                chunks, rec = changed[doc_id]
                part = slice(i, i + len(chunks))
                vecs = (np.stack([cache[k] for k in keys[part]]).astype(np.float32) if chunks
                        else np.zeros((0, embedder.dim), np.float32))
                writer.put(doc_id, chunks, keys[part],
                           [lexical_tokens(t, settings.search.analyzer) for t in texts[part]], vecs, rec)
                i += len(chunks)
            for doc_id in report.removed:
                writer.remove(doc_id)
            stamp = {"chunk": settings.chunk.model_dump(), "code_version": CODE_VERSION,
                     "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "hnsw_threshold": threshold}
            if writer.pending or writer is not prev:
                writer.commit(stamp)
            writer.maintain(full=writer is not prev)
            if writer is not prev:
                switch_current(index_dir, writer.path)
            report.documents = writer.n_documents()
            report.chunks = writer.n_live()
        finally:
            writer.close()
            if prev is not None and prev is not writer:
                prev.close()

    report.reused = report.chunks - report.embedded
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
