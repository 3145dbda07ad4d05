"""The library behind the app's "Dokument" tab (no Gradio here): list the
corpus, show a document page by page, accept uploads, edit metadata.yaml.

Uploads are checked server-side (count, size, type, content sniffing, a full
parse) before anything is written, then written atomically inside corpus_dir,
never over a different file (name_2.pdf instead)."""

from __future__ import annotations

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
from index.metadata import FIELDS, check_fields, load_metadata_file, resolve_metadata
from index.read import ReadError, iter_corpus_files, read_document
from index.settings import Settings, relative_source
from index.store import IndexStoreError, current_generation
from index.types import IngestReport

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # per file
MAX_UPLOAD_FILES = 10  # per upload
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
    pages: int = 0
    n_chunks: int = 0
    repaired_words: int = 0
    guessed: list[str] = field(default_factory=list)
    indexed: bool = False


def _manifest_documents(settings: Settings) -> dict[str, dict]:
    """manifest["documents"] of the live index generation ({} when none)."""
    try:
        gen = current_generation(Path(settings.index_dir))
        if gen is None:
            return {}
        manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
        docs = manifest.get("documents") if isinstance(manifest, dict) else None
        return docs if isinstance(docs, dict) else {}  # a damaged manifest reads as "nothing indexed"
    except (IndexStoreError, OSError, ValueError):
        return {}


def list_documents(settings: Settings) -> list[DocumentInfo]:
    """Every supported file in corpus_dir, with its metadata: from the live
    index when the file is indexed as it is now, else read from the file."""
    docs = _manifest_documents(settings)
    entries: dict | None = None
    out = []
    for path in iter_corpus_files(Path(settings.corpus_dir)):
        doc_id, rec = path.stem, docs.get(path.stem)
        if rec and rec.get("sha256") == hashlib.sha256(path.read_bytes()).hexdigest():
            meta = {k: v for k, v in rec.get("meta", {}).items() if k in FIELDS}
            out.append(DocumentInfo(doc_id, rec.get("source", relative_source(path)), **meta,
                                    pages=rec.get("pages", 0), n_chunks=rec.get("n_chunks", 0),
                                    repaired_words=rec.get("repaired_words", 0),
                                    guessed=list(rec.get("meta", {}).get("guessed", [])), indexed=True))
            continue
        try:
            doc = read_document(path)
        except ReadError as e:
            out.append(DocumentInfo(doc_id, relative_source(path), title=f"(kunde inte läsas: {e.sv})"))
            continue
        if entries is None:
            entries = load_metadata_file(Path(settings.corpus_dir) / settings.metadata_file)
        meta = resolve_metadata(doc_id, doc.text, entries)
        out.append(DocumentInfo(doc_id, doc.source, **{k: getattr(meta, k) for k in FIELDS},
                                pages=doc.n_pages, repaired_words=len(repair(doc.text).edits),
                                guessed=list(meta.guessed), indexed=False))
    return out


def _find(settings: Settings, doc_id: str) -> Path:
    for path in iter_corpus_files(Path(settings.corpus_dir)):
        if path.stem == doc_id:
            return path
    raise KeyError(f"Dokumentet {doc_id!r} finns inte i korpusmappen / no such document")


def document_pages(settings: Settings, doc_id: str) -> list[dict]:
    """[{page, text (repaired), original, repaired (page has edits)}] per page."""
    doc = read_document(_find(settings, doc_id))
    fixed = repair(doc.text)
    bounds = list(doc.page_starts) + [len(doc.text)]
    pages = []
    for n, (a, b) in enumerate(zip(bounds, bounds[1:]), 1):
        ra, rb = fixed.to_repaired_span(a, b)
        pages.append({"page": n, "text": fixed.text[ra:rb], "original": doc.text[a:b],
                      "repaired": any(e.start < b and e.end > a for e in fixed.edits)})
    return pages


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


def _sniff(name: str, data: bytes) -> None:
    mb = MAX_UPLOAD_BYTES // (1024 * 1024)
    if not data:
        raise UploadError(f"{name}: filen är tom / file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
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
    if suffix == ".txt":
        if b"\x00" in data:
            raise UploadError(f"{name}: textfilen innehåller binärdata (NUL) / text file contains NUL bytes")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                data.decode("cp1252")
            except UnicodeDecodeError:
                    raise UploadError(f"{name}: textfilen är varken UTF-8 eller Windows-1252 / not UTF-8 or cp1252 text") from None


def _write_temp(folder: Path, data: bytes, prefix: str, suffix: str) -> str:
    """A fsynced temp file in `folder` (same file system, so os.replace is atomic)."""
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o644)
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


def save_uploads(settings: Settings, files: list[tuple[str, bytes]]) -> list[Path]:
    """Check every file, then write them all into corpus_dir (atomically, no
    overwrites). Nothing is written when any file is rejected."""
    if not files:
        raise UploadError("Inga filer att ladda upp / no files to upload")
    if len(files) > MAX_UPLOAD_FILES:
        raise UploadError(f"Högst {MAX_UPLOAD_FILES} filer per uppladdning (fick {len(files)}) / too many files")
    checked = []
    for raw_name, data in files:
        name = safe_filename(raw_name)
        _sniff(name, bytes(data))
        checked.append((name, bytes(data)))
    corpus = Path(settings.corpus_dir)
    corpus.mkdir(parents=True, exist_ok=True)
    root = corpus.resolve()
    with _WRITE_LOCK:
        plan, taken, temps, seen = [], set(), [], {}
        try:
            for name, data in checked:
                if (name, data) in seen:  # the same file twice in one upload
                    plan.append((seen[name, data], None))
                    continue
                final, exists = _free_name(corpus, name, data, taken)
                target = (corpus / final).resolve()
                if not target.is_relative_to(root) or target.parent != root:
                    raise UploadError(f"{name}: ogiltig sökväg / path outside the corpus folder")
                taken.add(Path(final).stem.lower())
                seen[name, data] = target
                if exists:
                    plan.append((target, None))
                    continue
                temps.append(tmp := _write_temp(root, data, ".upload-", Path(final).suffix))
                try:
                    read_document(Path(tmp))  # the indexer must be able to read it
                except ReadError as e:
                    raise UploadError(f"{name}: {e.sv} / {e.en}") from e
                plan.append((target, tmp))
            for target, tmp in plan:
                if tmp is not None:
                    os.replace(tmp, target)
        finally:
            for tmp in temps:
                if os.path.exists(tmp):
                    os.unlink(tmp)
    return list(dict.fromkeys(t for t, _ in plan))


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


def update_metadata(settings: Settings, doc_id: str, fields: dict) -> dict:
    """Set fields of doc_id's entry in metadata.yaml (atomically, keeping the
    comments and all other entries). Returns the saved, validated entry."""
    import yaml

    _find(settings, doc_id)
    new = check_fields(dict(fields))
    path = Path(settings.corpus_dir) / settings.metadata_file
    with _WRITE_LOCK:
        entries = load_metadata_file(path)
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        merged = {**entries.get(doc_id, {}), **new}
        entry = {k: merged[k] for k in FIELDS if k in merged}
        expected = (yaml.safe_load(text) or {}) if text.strip() else {}
        expected[doc_id] = entry
        out = _replace_entry(text, doc_id, _entry_block(doc_id, entry))
        try:
            same = yaml.safe_load(out) == expected
        except yaml.YAMLError:
            same = False
        if not same:  # unusual layout (flow style, ...): header + a full dump
            header = "".join(re.match(r"(?:[ \t]*(?:#[^\n]*)?\n)*", text).group(0))
            entries[doc_id] = entry
            out = header + "\n".join(_entry_block(d, e) for d, e in entries.items())
        tmp = _write_temp(path.parent, out.encode("utf-8"), ".metadata-", ".yaml")
        try:
            saved = load_metadata_file(Path(tmp))[doc_id]  # must round-trip before it goes live
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return saved


def upload_and_index(settings: Settings, files: list[tuple[str, bytes]],
                     progress: Callable[[float, str], None] | None = None) -> tuple[list[Path], IngestReport]:
    """save_uploads, then index just those files; `progress(fraction, message)`."""
    from index.pipeline import ingest

    step = progress or (lambda f, m: None)
    step(0.0, f"Sparar {len(files)} fil(er)…")
    saved = save_uploads(settings, files)
    step(0.3, f"Indexerar {len(saved)} fil(er)…")
    report = ingest(settings, paths=saved, progress=False)
    step(1.0, f"Klart: {len(saved)} fil(er) sparade, {report.chunks} avsnitt i indexet"
              + (f", {len(report.failed)} misslyckades" if report.failed else ""))
    return saved, report
