"""The library behind the app's "Dokument" tab (no Gradio here): list the
corpus, show a document page by page, accept uploads, edit metadata.yaml.

Uploads are checked server-side (count and size from settings, type, content
sniffing, then the indexer's own read -> repair -> chunk steps) before
anything is written, then written atomically inside corpus_dir, never over a
different file (name_2.pdf instead). Listing never fails because of one
document: whatever goes wrong with it becomes its status."""

from __future__ import annotations

import datetime
import bisect
import contextlib
import dataclasses
import errno
import hashlib
import io
import json
import os
import re
import tempfile
import threading
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from index.clean import repair
from index.corpus import Corpus, DocRecord
from index.intake import (
    Known, KnownContents, Match, duplicate_message, find_live, same_bytes_in, text_fingerprint, unindexed_texts,
)
from index.intake import file_sha256 as index_file_sha256
from index.metadata import (
    FIELDS, check_fields, edit_entry_text, load_metadata_file, parse_metadata, resolve_metadata,
)
from index.read import ReadError, iter_corpus_files, read_document
from index.settings import Settings, relative_source
from index.store import IndexStoreError, read_catalogue
from index.types import IngestReport

from .outputs import write_atomic

ALLOWED_SUFFIXES = (".pdf", ".docx", ".txt")
MAX_NAME_CHARS = 120
_NAME_OK = re.compile(r"[A-Za-z0-9ÅÄÖåäöÉé._ -]")
_WRITE_LOCK = threading.Lock()  # one writer at a time within this process


class UploadError(ValueError):
    """A rejected upload; str() is one line: '<svenska> / <english>'."""


@dataclass
class DocumentInfo:
    doc_id: str
    source: str
    title: str = ""
    namnd: str = ""
    doc_type: str = "other"
    period: str = ""
    dnr: str = ""
    date: str = ""
    year: int | None = None
    remiss_dnr: str = ""
    handlaggare: str = ""
    pages: int = 0
    n_chunks: int = 0
    repaired_words: int = 0
    guessed: list[str] = field(default_factory=list)
    indexed: bool = False


# DocumentInfo of unindexed files by (path, sha256, metadata entry): a page
# load lists the corpus, and must not re-read every unindexed file each time
# (and never runs the OCR repair: that is the indexer's job, in the
# background). Bounded; failures to read are cached too.
_INFO_CACHE: dict[tuple[str, str, str], tuple | ReadError] = {}
_INFO_CACHE_MAX = 512
# sha256 of corpus files by (path, size, mtime_ns, ctime_ns): listing does not re-hash unchanged files
_SHA_CACHE: dict[tuple[str, int, int, int], str] = {}
_SHA_CACHE_MAX = 4096
_CACHE_LOCK = threading.Lock()


def _remember(cache: dict, key, value, limit: int) -> None:
    """Put `value` in a bounded cache, dropping the oldest entries beyond `limit`."""
    with _CACHE_LOCK:
        while len(cache) >= limit:
            cache.pop(next(iter(cache)), None)
        cache[key] = value


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, cached while its size and times are unchanged."""
    st = Path(path).stat()
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if (sha := _SHA_CACHE.get(key)) is None:
        sha = index_file_sha256(path)
        _remember(_SHA_CACHE, key, sha, _SHA_CACHE_MAX)
    return sha


def _failed_info(path: Path, why: str) -> DocumentInfo:
    return DocumentInfo(path.stem, relative_source(path), title=f"(kunde inte läsas: {why})")


def _describe(settings: Settings, path: Path, rec: dict | None, state: dict) -> DocumentInfo:
    """One corpus file's DocumentInfo: from its index record when the file is
    indexed as it is now, else read from the file (once per version of the
    file and its metadata entry; never OCR-repaired: a page load stays cheap)."""
    doc_id = path.stem
    sha = file_sha256(path)
    if rec and rec.get("sha256") == sha:
        meta = {k: v for k, v in rec.get("meta", {}).items() if k in FIELDS}
        return DocumentInfo(doc_id, rec.get("source", relative_source(path)), **meta,
                            pages=rec.get("pages", 0), n_chunks=rec.get("n_chunks", 0),
                            repaired_words=rec.get("repaired_words", 0),
                            guessed=list(rec.get("meta", {}).get("guessed", [])), indexed=True)
    if "entries" not in state:
        state["entries"] = load_metadata_file(Path(settings.corpus_dir) / settings.metadata_file)
    hit = _read_meta(path, sha, state["entries"])
    if isinstance(hit, ReadError):
        return _failed_info(path, hit.sv)
    meta, pages, source = hit
    return DocumentInfo(doc_id, source, **{k: getattr(meta, k) for k in FIELDS},
                        pages=pages, guessed=list(meta.guessed), indexed=False)


def _read_meta(path: Path, sha: str, entries: dict):
    """(DocMeta, pages, source) of an unindexed file, or the ReadError reading
    it raised; cached by (path, sha256, its metadata.yaml entry), so page loads
    and metadata forms read a file once, never repair it."""
    entry = json.dumps(entries.get(path.stem), sort_keys=True, ensure_ascii=False, default=str)
    key = (str(path), sha, entry)
    if (hit := _INFO_CACHE.get(key)) is None:
        try:
            doc = read_document(path)
            hit = (resolve_metadata(path.stem, doc.text, entries), doc.n_pages, doc.source)
        except ReadError as e:
            hit = e
        _remember(_INFO_CACHE, key, hit, _INFO_CACHE_MAX)
    return hit


@contextlib.contextmanager
def _opened(settings: Settings, corpus: Corpus | None):
    """The corpus to ask: the one given (the app's), else the store the
    settings select, opened for this call (nothing is loaded until asked)."""
    if corpus is not None:
        yield corpus
        return
    from index.corpus import open_corpus

    opened = open_corpus(settings)
    try:
        yield opened
    finally:
        if callable(close := getattr(opened, "close", None)):
            close()


def _record(r: DocRecord) -> dict:
    """A catalogue entry as the index record's fields this module reads."""
    return {"source": r.source, "sha256": r.sha256, "meta": r.meta.to_dict(), "pages": r.pages,
            "n_chunks": r.n_chunks, "repaired_words": r.repaired_words}


def _catalogue(settings: Settings, corpus: Corpus | None = None) -> dict[str, dict]:
    """{doc_id: record} of the live index of the store the settings select (the
    given corpus: `Corpus.documents()`; PostgreSQL with store.backend =
    postgres; else the embedded store's catalogue, read without loading the
    index); {} when there is no index or it cannot be read."""
    if corpus is None and settings.store.backend != "postgres":
        return read_catalogue(Path(settings.index_dir))
    try:
        with _opened(settings, corpus) as c:
            return {r.doc_id: _record(r) for r in c.documents()}
    except (IndexStoreError, OSError, ValueError):
        return {}


def list_documents(settings: Settings, corpus: Corpus | None = None) -> list[DocumentInfo]:
    """Every supported file in corpus_dir, with its metadata: from the live
    index (`corpus`, or the store the settings select) when the file is
    indexed as it is now, else read from the file. A file that cannot be read
    or described, for whatever reason, is listed with the reason as its
    title; it never stops the listing of the others."""
    docs = _catalogue(settings, corpus)
    state: dict = {}
    out = []
    for path in iter_corpus_files(Path(settings.corpus_dir)):
        try:
            out.append(_describe(settings, path, docs.get(path.stem), state))
        except Exception as e:  # noqa: BLE001 - one bad document must not take down the listing
            out.append(_failed_info(path, f"oväntat fel / unexpected error: {type(e).__name__}: {str(e)[:200]}"))
    return out


def pending_files(settings: Settings, corpus: Corpus | None = None) -> list[Path]:
    """Corpus files the live index (`corpus`, or the store the settings select)
    does not hold as they are now: no record, other bytes (sha256), or
    metadata.yaml values other than the indexed ones (a broken metadata.yaml:
    bytes only). Hashes are cached, nothing is read or repaired: cheap enough
    for app start (the catch-up after a kill)."""
    docs = _catalogue(settings, corpus)
    entries = _entries_or_empty(settings)
    out = []
    for path in iter_corpus_files(Path(settings.corpus_dir)):
        rec = docs.get(path.stem) or {}
        try:
            same = rec.get("sha256") == file_sha256(path)
        except OSError:
            same = False
        meta = rec.get("meta") or {}
        entry = entries.get(path.stem) or {}
        if not same or any(meta.get(k) != v for k, v in entry.items() if k in FIELDS):
            out.append(path)
    return out


def deleted_documents(settings: Settings, indexed: list) -> list:
    """The index's documents (DocRecords, from Corpus.documents()) whose file
    is no longer in the corpus folder: what a whole-corpus `yttra ingest`
    removes ("Borttaget ur indexet"), by the same rule (no corpus file with
    the doc id as its name). Nothing when the folder itself is missing: a
    wrong corpus_dir or an unmounted share is a mistake, not the deletion of
    every document."""
    folder = Path(settings.corpus_dir)
    if not folder.is_dir():
        return []
    here = {p.stem for p in iter_corpus_files(folder)}
    return [r for r in indexed if r.doc_id not in here]


def _find(settings: Settings, doc_id: str) -> Path:
    for path in iter_corpus_files(Path(settings.corpus_dir)):
        if path.stem == doc_id:
            return path
    raise KeyError(f"Dokumentet {doc_id!r} finns inte i korpusmappen / no such document")


def document_path(settings: Settings, doc_id: str) -> Path:
    """The corpus file of doc_id; KeyError when there is none."""
    return _find(settings, doc_id)


def document_pages(settings: Settings, doc_id: str) -> list[dict]:
    """[{page, text (repaired), original, repaired (page has edits)}] per page.
    Raises KeyError for an unknown document, ValueError (one bilingual line)
    when the file cannot be read or repaired. Cached per version of the file:
    turning pages does not re-read and re-repair the document."""
    return file_pages(_find(settings, doc_id))


# Pages of documents by (path, sha256): the viewer turns pages, and citation
# links look up the page of a quote, without reading and repairing the file again.
_PAGES_CACHE: dict[tuple[str, str], list[dict]] = {}
_PAGES_CACHE_MAX = 16


def file_pages(path: Path) -> list[dict]:
    """document_pages of the corpus file at `path` (copies: callers may change them)."""
    path = Path(path)
    key = (str(path), file_sha256(path))
    if (pages := _PAGES_CACHE.get(key)) is None:
        pages = _read_pages(path)
        _remember(_PAGES_CACHE, key, pages, _PAGES_CACHE_MAX)
    return [dict(p) for p in pages]


def _read_pages(path: Path) -> list[dict]:
    doc_id = path.stem
    try:
        doc = read_document(path)
        fixed = repair(doc.text)
    except ReadError as e:
        raise ValueError(str(e)) from e
    except Exception as e:  # noqa: BLE001 - shown as this document's error, never a crash
        raise ValueError(f"{doc_id}: kunde inte läsas, oväntat fel / could not be read, unexpected error: "
                         f"{type(e).__name__}: {str(e)[:200]}") from e
    bounds = list(doc.page_starts) + [len(doc.text)]
    ends = [e.end for e in fixed.edits]  # edits are sorted and disjoint: ends are sorted too
    pages = []
    for n, (a, b) in enumerate(zip(bounds, bounds[1:]), 1):
        ra, rb = fixed.to_repaired_span(a, b)
        j = bisect.bisect_right(ends, a)  # first edit ending after a
        pages.append({"page": n, "text": fixed.text[ra:rb], "original": doc.text[a:b],
                      "repaired": j < len(ends) and fixed.edits[j].start < b})
    return pages


def quote_page(source: str, quote: str, first: int, last: int) -> int:
    """The page, first..last, on which `quote` (from a passage of the document
    at `source`, a Chunk's source) stands, or where it starts when it runs over
    a page break; `first` when that cannot be told (file gone, changed, unreadable)."""
    from index.settings import REPO_ROOT

    from .render import find_quote

    if last <= first or not quote:
        return first
    path = Path(source) if Path(source).is_absolute() else REPO_ROOT / source
    try:
        pages = file_pages(path)[first - 1:last]
    except (OSError, ValueError, KeyError):
        return first
    best, page = 0, first  # the page with most of the quote; the first of equals (where it starts)
    for p in pages:
        hit = find_quote(p["text"], quote)
        if hit and hit[2] > best:
            best, page = hit[2], p["page"]
    return page


def doc_label(d: DocumentInfo) -> str:
    """'nämnd · år · titel' for dropdowns and headings (the file name when all three are unknown)."""
    year = str(d.year) if d.year else (d.date or "")[:4]
    title = " ".join((d.title or "").split())
    if len(title) > 80:
        title = title[:79].rstrip() + "…"
    parts = [x for x in (" ".join((d.namnd or "").split()), year, title) if x]
    return " · ".join(parts) if parts else Path(d.source).name


def document_choices(settings: Settings, documents: list[DocumentInfo] | None = None,
                     corpus: Corpus | None = None) -> list[tuple[str, str]]:
    """(label, doc id) per document for a dropdown (`documents`, else list_documents
    asked of `corpus`); a label two documents share gets the file name added."""
    documents = list_documents(settings, corpus) if documents is None else documents
    labels = [doc_label(d) for d in documents]
    seen: dict[str, int] = {}
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
    return [(lab if seen[lab] == 1 else f"{lab} ({Path(d.source).name})", d.doc_id)
            for lab, d in zip(labels, documents)]


def _clean_char(c: str) -> str:
    if _NAME_OK.fullmatch(c):
        return c
    base = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
    return base if base and all(_NAME_OK.fullmatch(x) for x in base) else "_"


def safe_filename(name: str) -> str:
    """A safe corpus file name for an uploaded file's name (basename only,
    NFC, restricted characters, lower-case suffix, at most 120 characters)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise UploadError("Filnamnet innehåller otillåtna tecken / file name contains control characters")
    base = re.split(r"[\\/]", name)[-1].strip()
    if base in ("", ".", ".."):
        raise UploadError("Ogiltigt filnamn / invalid file name")
    if base.startswith("."):
        raise UploadError(f"Dolda filer ({base}) tas inte emot / hidden files are not accepted")
    stem, suffix = os.path.splitext(base)
    suffix = suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadError(f"Filtypen '{suffix or '(ingen)'}' stöds inte – använd {', '.join(ALLOWED_SUFFIXES)}"
                          f" / file type not supported")
    stem = "".join(map(_clean_char, stem)).strip(" .")
    if not stem:
        raise UploadError("Ogiltigt filnamn / invalid file name")
    return stem[:MAX_NAME_CHARS - len(suffix)].rstrip(" .") + suffix


def _sniff(name: str, data: bytes, max_mb: int) -> None:
    """Cheap checks of one upload (size from settings, format by magic bytes).
    Text encodings are not judged here: the reader's decoding is, in check_upload."""
    mb = max_mb
    if not data:
        raise UploadError(f"{name}: filen är tom / file is empty")
    if len(data) > max_mb * 1024 * 1024:
        raise UploadError(f"{name}: filen är större än {mb} MB / file is larger than {mb} MB")
    suffix = Path(name).suffix
    if suffix == ".pdf" and not data.startswith(b"%PDF-"):
        raise UploadError(f"{name}: filen är ingen PDF / file is not a PDF")
    if suffix == ".docx":
        try:
            ok = data.startswith(b"PK\x03\x04") and "word/document.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            ok = False
        if not ok:
            raise UploadError(f"{name}: filen är inget Word-dokument (.docx) / file is not a DOCX document")


def _write_temp(folder: Path, data: bytes, prefix: str, suffix: str) -> str:
    """A fsynced temp file in `folder` (same file system, so os.replace is
    atomic). A failed write (a full disk) removes the temp file before raising:
    no 0-byte or partial `.upload-*` file is ever left in the corpus folder."""
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _free_name(corpus: Path, name: str, data: bytes, taken: set[str]) -> tuple[str, bool]:
    """(file name, already there with this content). Doc ids (stems) must be
    unique across suffixes, so a clash with any corpus file adds _2, _3, ..."""
    stems = {p.stem.lower() for p in corpus.iterdir() if p.is_file()} | taken
    stem, suffix = os.path.splitext(name)
    for i in range(1, 10_000):
        cand = stem if i == 1 else f"{stem[:MAX_NAME_CHARS - len(suffix) - 6]}_{i}"
        path = corpus / (cand + suffix)
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return cand + suffix, True
        if cand.lower() not in stems:
            return cand + suffix, False
    raise UploadError(f"{name}: för många filer med samma namn / too many files with this name")


def check_upload(settings: Settings, name: str, data: bytes) -> dict:
    """Run exactly what the indexer runs on a file (read -> metadata -> OCR
    repair -> chunk; index.pipeline.check_file), within the same per-file
    budgets (settings.limits), on a private temp copy, so an accepted upload
    is one the indexer can index. Returns the file's index record (n_chunks:
    its passages); raises UploadError (over budget: with the embedding cost)."""
    from index.pipeline import check_file

    with tempfile.TemporaryDirectory(prefix="yttra-check-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            rec = check_file(path, settings, _entries_or_empty(settings))
            if not rec.get("text_sha256"):  # what tells the same document under another name
                rec["text_sha256"] = text_fingerprint(read_document(path).text)
            return rec
        except ReadError as e:
            raise UploadError(f"{name}: {e.sv} / {e.en}") from e


class SaveError(UploadError):
    """Writing accepted uploads failed (e.g. a full disk). `saved` lists the
    files that are in the corpus folder all the same, `not_saved` the names
    that are not; str() says both, one line."""

    def __init__(self, saved: list[Path], not_saved: list[str], err: OSError):
        self.saved, self.not_saved, self.err = saved, not_saved, err
        why = os.strerror(err.errno) if err.errno else str(err)
        full = " (disken är full)" if err.errno == errno.ENOSPC else ""
        parts = [f"Kunde inte skriva till korpusmappen{full}: {why}."]
        if not_saved:
            parts.append(f"Sparades inte: {', '.join(not_saved)}.")
        if saved:
            parts.append(f"Sparades men är inte indexerade: {', '.join(p.name for p in saved)}.")
        parts.append(f"Inga tillfälliga filer ligger kvar / could not write to the corpus folder: {why}; "
                     f"not saved: {', '.join(not_saved) or '–'}; saved, not indexed: "
                     f"{', '.join(p.name for p in saved) or '–'}")
        super().__init__(" ".join(parts))


def save_uploads(settings: Settings, files: list[tuple[str, bytes]], *,
                 records: dict | None = None, corpus: Corpus | None = None) -> list[Path]:
    """Check every file, then write them all into corpus_dir (atomically, no
    overwrites). Nothing is written when any file is rejected; a failed write
    (full disk) leaves no temp file and raises SaveError saying which files
    were and were not saved. `records`, if given, receives {saved path: the
    check's index record} (its n_chunks gives the embedding cost). A file
    with the bytes or the text of a document the corpus holds (asked of
    `corpus`, or of the store the settings select) is not written again."""
    with _opened(settings, corpus) as store:
        return _save_uploads(settings, files, records, _CorpusContents(settings, store, given=corpus))


def _save_uploads(settings: Settings, files: list[tuple[str, bytes]], records: dict | None,
                  contents: "_CorpusContents") -> list[Path]:
    if not files:
        raise UploadError("Inga filer att ladda upp / no files to upload")
    most = settings.app.max_upload_files
    if len(files) > most:
        raise UploadError(f"Högst {most} filer per uppladdning (fick {len(files)}) / at most {most} files per upload")
    checked = []
    for raw_name, data in files:
        name = safe_filename(raw_name)
        _sniff(name, bytes(data), settings.app.max_upload_mb)
        checked.append((name, bytes(data)))
    found = {}
    for name, data in dict.fromkeys(checked):  # outside the write lock: this is the slow part
        found[name, data] = check_upload(settings, name, data)
    contents.look()  # what the corpus folder holds now, to find the same document under another name
    corpus = Path(settings.corpus_dir)
    corpus.mkdir(parents=True, exist_ok=True)
    root = corpus.resolve()
    dups: dict[tuple[str, bytes], tuple[str, str]] = {}
    with _WRITE_LOCK:
        plan, taken, temps, seen, done, planned = [], set(), [], {}, [], []
        try:
            for name, data in checked:
                if (name, data) in seen:  # the same file twice in one upload
                    plan.append((seen[name, data], None))
                    continue
                final, exists = _free_name(corpus, name, data, taken)
                sha = hashlib.sha256(data).hexdigest()
                text_sha = str(found[name, data].get("text_sha256") or "")
                hit = None if exists else _duplicate(corpus, data, sha, text_sha, contents, planned)
                if hit is not None:  # the same content under another name: kept once, not indexed twice
                    dups[name, data] = hit[:2]
                    seen[name, data] = hit[2]
                    plan.append((hit[2], None))
                    continue
                target = (corpus / final).resolve()
                if not target.is_relative_to(root) or target.parent != root:
                    raise UploadError(f"{name}: ogiltig sökväg / path outside the corpus folder")
                taken.add(Path(final).stem.lower())
                seen[name, data] = target
                planned.append((Known(target.stem, sha, text_sha), target))
                if exists:  # already there with this content
                    plan.append((target, None))
                    done.append(target)
                    continue
                temps.append(tmp := _write_temp(root, data, ".upload-", Path(final).suffix))
                plan.append((target, tmp))
            for target, tmp in plan:
                if tmp is not None:
                    os.replace(tmp, target)
                    done.append(target)
        except OSError as e:  # a full disk, a read-only folder: say exactly what is where
            saved = list(dict.fromkeys(done))
            names = [n for (n, d) in checked if seen.get((n, d)) not in saved]
            raise SaveError(saved, list(dict.fromkeys(names)), e) from e
        finally:
            for tmp in temps:
                if os.path.exists(tmp):
                    os.unlink(tmp)
    if records is not None:
        for (name, data), target in seen.items():
            records[target] = found.get((name, data), {})
            if (name, data) in dups:  # the app says so: upload_notes(records)
                doc_id, why = dups[name, data]
                records[target] = {**records[target], "duplicate_of": doc_id, "duplicate_why": why,
                                   "uploaded_as": name}
    return list(dict.fromkeys(t for t, _ in plan))


class _CorpusContents:
    """What the corpus holds, for the upload's duplicate check: the index's
    documents whose file is still in the folder (`Corpus.find_content`: one
    lookup by hash, in whichever store the settings select), corpus files with
    the same bytes, indexed or not (only files of the same size are hashed),
    and the text of corpus files the index does not hold yet (read once, when
    a text is first looked for). A store that cannot be read counts as empty,
    as the listing does."""

    def __init__(self, settings: Settings, store: Corpus, *, given: Corpus | None = None):
        self.settings, self.store, self.given = settings, store, given
        self.folder = Path(settings.corpus_dir)
        self.here: set[str] = set()
        self._unindexed: KnownContents | None = None

    def look(self) -> None:
        """Note the files in the corpus folder (the documents that count)."""
        self.here = {p.stem for p in iter_corpus_files(self.folder)} if self.folder.is_dir() else set()
        self._unindexed = None

    def _indexed(self, sha: str, text_sha: str) -> Match | None:
        try:
            return find_live(self.store, sha, text_sha, self.here.__contains__)
        except (IndexStoreError, OSError, ValueError):
            return None

    def by_bytes(self, sha: str, size: int) -> Match | None:
        if hit := self._indexed(sha, ""):
            return hit
        k = same_bytes_in(self.folder, sha, size, hash_of=file_sha256)
        return (k.doc_id, "sha256") if k is not None else None

    def by_text(self, text_sha: str) -> Match | None:
        if not text_sha:
            return None
        if hit := self._indexed("", text_sha):
            return hit
        if self._unindexed is None:
            indexed = set(_catalogue(self.settings, self.given))  # the catalogue the listing reads; its ids
            self._unindexed = KnownContents(unindexed_texts(self.folder, indexed, lambda p: read_document(p).text))
        return self._unindexed.find_content("", text_sha)


def _duplicate(corpus: Path, data: bytes, sha: str, text_sha: str, contents: _CorpusContents,
               planned: list[tuple[Known, Path]]) -> tuple[str, str, Path] | None:
    """(doc id, 'sha256' | 'text', its file) of a corpus document, or of a file
    earlier in this upload, with the same bytes or text as `data`; else None."""
    earlier = KnownContents(k for k, _ in planned)
    hit = (contents.by_bytes(sha, len(data)) or earlier.find_content(sha)
           or contents.by_text(text_sha) or earlier.find_content("", text_sha))
    if hit is None:
        return None
    path = next((p for k, p in planned if k.doc_id == hit[0]), None) or \
        next((p.resolve() for p in iter_corpus_files(corpus) if p.stem == hit[0]), None)
    return (*hit, path) if path is not None else None


def upload_notes(records: dict) -> list[str]:
    """One line per uploaded file that was the same document as one already in
    the corpus (from save_uploads' `records`): Swedish / English."""
    return [duplicate_message(r.get("uploaded_as", p.name), r["duplicate_of"], r.get("duplicate_why", ""))
            for p, r in records.items() if r.get("duplicate_of")]


def _entry_block(doc_id: str, entry: dict) -> str:
    """One entry in the file's own style: quoted id, double-quoted strings."""
    q = lambda v: "null" if v is None else str(v) if isinstance(v, int) else json.dumps(v, ensure_ascii=False)
    return q(doc_id) + ":\n" + "".join(f"  {k}: {q(v)}\n" for k, v in entry.items())


def _replace_entry(text: str, doc_id: str, block: str) -> str:
    """`text` with doc_id's entry replaced by `block` (appended when absent);
    everything else, comments included, stays as it was."""
    lines = text.splitlines()
    key = re.compile(rf"""^(?:{re.escape(doc_id)}|"{re.escape(doc_id)}"|'{re.escape(doc_id)}')\s*:\s*(?:#.*)?$""")
    start = next((i for i, ln in enumerate(lines) if key.match(ln)), None)
    if start is None:
        return "\n".join(lines).rstrip("\n") + ("\n\n" if lines else "") + block
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t"):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[:start] + block.rstrip("\n").split("\n") + lines[end:]) + "\n"


HISTORY_DIR = ".metadata-history"  # inside corpus_dir: every save keeps the previous file here
HISTORY_KEEP = 50  # newest copies kept


@dataclass
class MetaForm:
    """What the metadata form shows for one document: the metadata.yaml entry,
    else the values guessed from the text (listed in `guessed`)."""
    doc_id: str
    values: dict  # FIELDS -> value; year int | None, the rest str
    guessed: list[str] = field(default_factory=list)
    note: str = ""  # the document could not be read (only the file's values are shown)


@dataclass
class MetaSave:
    """What a save did: the fields it wrote (empty: nothing was written), the
    fields left blank in the form and therefore kept, the entry now in the
    file, and the copy of the file as it was before (None when nothing was written)."""
    changed: dict
    kept_blank: list[str]
    entry: dict
    backup: Path | None = None


class MetadataConflict(ValueError):
    """The file changed under the form since it was loaded; str() is one line '<svenska> / <english>'."""


def metadata_problem(settings: Settings) -> str | None:
    """The one-line error that makes metadata.yaml unusable, or None when it reads fine."""
    try:
        load_metadata_file(Path(settings.corpus_dir) / settings.metadata_file)
    except ValueError as e:
        return str(e)
    return None


def _entries_or_empty(settings: Settings) -> dict:
    """metadata.yaml's entries, or {} when it cannot be read (metadata_problem says why)."""
    try:
        return load_metadata_file(Path(settings.corpus_dir) / settings.metadata_file)
    except ValueError:
        return {}


def _form(settings: Settings, doc_id: str, path: Path, entries: dict) -> MetaForm:
    try:
        hit = _read_meta(path, file_sha256(path), entries)
    except OSError as e:
        hit = ReadError(path, f"kan inte läsa filen ({e.strerror})", f"cannot read the file ({e.strerror})")
    if isinstance(hit, ReadError):
        entry = entries.get(doc_id, {})
        values = {k: entry.get(k, None if k == "year" else "") for k in FIELDS}
        return MetaForm(doc_id, values, note=f"Dokumentet kunde inte läsas ({hit.sv}); bara värdena i filen visas.")
    meta = hit[0]
    return MetaForm(doc_id, {k: getattr(meta, k) for k in FIELDS}, list(meta.guessed))


def metadata_form(settings: Settings, doc_id: str) -> MetaForm:
    """The current metadata of doc_id as the edit form shows it. Raises
    KeyError for an unknown document, MetadataError when metadata.yaml is broken."""
    path = _find(settings, doc_id)
    return _form(settings, doc_id, path, load_metadata_file(Path(settings.corpus_dir) / settings.metadata_file))


def metadata_indexed(settings: Settings, doc_id: str, corpus: Corpus | None = None) -> bool:
    """True when the live index (`corpus`, or the store the settings select)
    holds doc_id, as the file is now, with the metadata the form shows."""
    try:
        form = metadata_form(settings, doc_id)
        rec = _catalogue(settings, corpus).get(doc_id) or {}
        same_file = rec.get("sha256") == file_sha256(_find(settings, doc_id))
    except (ValueError, KeyError, OSError):
        return False
    meta = rec.get("meta") or {}
    return same_file and all(meta.get(k) == v for k, v in form.values.items())


def _blank(value) -> bool:
    return value is None or not str(value).strip()


def save_metadata(settings: Settings, doc_id: str, form: dict, *, base: dict | None = None,
                  clear_blank: bool = False) -> MetaSave:
    """Save what the user changed in the metadata form of doc_id.

    A field is written only when its form value differs from `base` (the
    values the form was loaded with; default: the current ones), so an
    unchanged form writes nothing. A field left blank never overwrites a
    value unless `clear_blank` (the user ticked "töm fält som lämnats tomma"):
    it is kept and listed in `kept_blank`. A changed field that someone else
    changed in the file since `base` raises MetadataConflict. Every write
    keeps the previous file in corpus/.metadata-history/."""
    path = _find(settings, doc_id)
    blank = {k for k in FIELDS if k in form and _blank(form[k])}
    new = check_fields({k: form[k] for k in FIELDS if k in form and k not in blank})
    if clear_blank:
        new.update(check_fields({k: "" for k in blank}))
    meta_path = Path(settings.corpus_dir) / settings.metadata_file
    with _WRITE_LOCK:
        entries = load_metadata_file(meta_path)
        current = _form(settings, doc_id, path, entries).values
        base = current if base is None else {**current, **check_fields({k: v for k, v in base.items() if k in FIELDS})}
        kept = [k for k in FIELDS if k in blank and not clear_blank and not _blank(base[k])]
        changes = {k: v for k, v in new.items() if v != base[k]}
        conflicts = [k for k in changes if current[k] != base[k] and current[k] != changes[k]]
        if conflicts:
            raise MetadataConflict(f"{', '.join(conflicts)} har ändrats i {settings.metadata_file} sedan formuläret "
                                   f"laddades – ladda om dokumentet och gör ändringen igen / changed in the file since "
                                   f"the form was loaded; reload and edit again")
        if not changes:
            return MetaSave({}, kept, dict(entries.get(doc_id, {})))
        entry, backup = _write_changes(meta_path, entries, doc_id, changes)
    return MetaSave(changes, kept, entry, backup)


def update_metadata(settings: Settings, doc_id: str, fields: dict) -> dict:
    """Set fields of doc_id's entry in metadata.yaml (exactly as given, ""
    included), changing only those values in the file's text; nothing is
    written when they are already so. Returns the saved, validated entry.
    The app uses save_metadata, which never blanks a field by accident."""
    _find(settings, doc_id)
    new = check_fields(dict(fields))
    path = Path(settings.corpus_dir) / settings.metadata_file
    with _WRITE_LOCK:
        entries = load_metadata_file(path)
        old = entries.get(doc_id, {})
        changes = {k: v for k, v in new.items() if k not in old or old[k] != v}
        if not changes:
            return dict(old)
        return _write_changes(path, entries, doc_id, changes)[0]


def _write_changes(path: Path, entries: dict, doc_id: str, changes: dict) -> tuple[dict, Path | None]:
    """Write `changes` into doc_id's entry of metadata.yaml (caller holds
    _WRITE_LOCK): the smallest text edit that reads back as intended, else
    the entry rewritten, else the whole file from its header. The previous
    file goes to the history first; the new one replaces it atomically."""
    text = path.read_bytes().decode("utf-8") if path.exists() else ""  # bytes: CRLF line ends stay
    merged = {**entries.get(doc_id, {}), **changes}
    entry = {k: merged[k] for k in FIELDS if k in merged}
    expected = {**entries, doc_id: entry}

    def whole() -> str:
        header = "".join(re.match(r"(?:[ \t]*(?:#[^\n]*)?\n)*", text).group(0))
        return header + "\n".join(_entry_block(d, e) for d, e in expected.items())

    for make in (lambda: edit_entry_text(text, doc_id, changes),
                 lambda: _replace_entry(text, doc_id, _entry_block(doc_id, entry)), whole):
        out = make()
        try:
            if out is not None and parse_metadata(out, str(path)) == expected:
                break
        except ValueError:
            continue
    else:
        raise ValueError(f"{path.name}: ändringen kunde inte skrivas så att filen läses tillbaka likadant – filen är "
                         f"orörd / the change could not be written so that the file reads back the same; file unchanged")
    backup = _keep_history(path) if path.exists() else None
    write_atomic(path, out.encode("utf-8"))
    return entry, backup


def metadata_history(settings: Settings) -> list[Path]:
    """Saved previous versions of metadata.yaml, oldest first."""
    path = Path(settings.corpus_dir) / settings.metadata_file
    return sorted((path.parent / HISTORY_DIR).glob(f"{path.stem}-*{path.suffix}"))


def _keep_history(path: Path) -> Path:
    """Copy `path` into HISTORY_DIR as <stem>-<time><suffix>; keep the newest HISTORY_KEEP copies."""
    folder = path.parent / HISTORY_DIR
    folder.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}-{stamp}{path.suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}-{stamp}-{n}{path.suffix}"
    write_atomic(target, path.read_bytes())
    for old in sorted(folder.glob(f"{path.stem}-*{path.suffix}"))[:-HISTORY_KEEP]:
        old.unlink(missing_ok=True)
    return target


def reindex_document(settings: Settings, doc_id: str) -> IngestReport:
    """Re-index just doc_id (after a metadata change); the rest of the index is kept."""
    from index.corpus import sync_corpus as ingest  # the backend the settings choose

    return ingest(settings, paths=[_find(settings, doc_id)], progress=False)


class NotIndexedError(RuntimeError):
    """Files were saved into the corpus folder but indexing them failed."""

    def __init__(self, saved: list[Path], err: Exception):
        self.saved, self.err = saved, err
        names = ", ".join(p.name for p in saved)
        super().__init__(f"Sparade {names} i korpusmappen men kunde inte indexera: {err} – filerna indexeras vid "
                         f"nästa start av appen eller med `yttra ingest` / saved {names} but indexing failed")


def upload_and_index(settings: Settings, files: list[tuple[str, bytes]],
                     progress: Callable[[float, str], None] | None = None, *,
                     corpus: Corpus | None = None) -> tuple[list[Path], IngestReport]:
    """save_uploads (duplicates asked of `corpus`, or of the store the settings
    select), then index just those files; `progress(fraction, message)`."""
    from index.corpus import sync_corpus as ingest  # the backend the settings choose

    step = progress or (lambda f, m: None)
    step(0.0, f"Sparar {len(files)} fil(er)…")
    records: dict = {}
    saved = save_uploads(settings, files, records=records, corpus=corpus)
    step(0.3, f"Indexerar {len(saved)} fil(er)…")
    try:
        report = ingest(settings, paths=saved, progress=False)
    except Exception as e:  # noqa: BLE001 - the files are saved: say so, do not claim the upload failed
        raise NotIndexedError(saved, e) from e
    notes = upload_notes(records)
    step(1.0, f"Klart: {len(saved)} fil(er) sparade, {report.chunks} avsnitt i indexet"
              + (f", {len(report.failed)} misslyckades" if report.failed else "")
              + (f". {' '.join(notes)}" if notes else ""))
    report.duplicates += [(r.get("uploaded_as", ""), r["duplicate_of"], r.get("duplicate_why", ""))
                          for r in records.values() if r.get("duplicate_of")]
    return saved, report
