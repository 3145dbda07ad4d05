"""Bringing files into the corpus folder, so that what is indexed is kept.

The corpus folder is the source of truth: a plain `yttra ingest` indexes what
it holds and drops what it no longer holds. A file given from elsewhere is
therefore copied in first (`take_in`), under its own name when that is free
and under a free one ('remiss_2.pdf') when another file has the name: a file
is never overwritten, and nothing is ever deleted here.

The same document must not be indexed twice. Two files are the same document
when their bytes are the same (sha256) or, failing that, when their extracted
texts are the same up to whitespace (`text_fingerprint`: a PDF saved again, a
.txt export of it). `find_duplicate` says which document a file repeats; the
indexer and the app's upload skip such a file and say so.

Every store's ingest uses the same two steps (the embedded one in
index.pipeline, PostgreSQL in index.postgres): `take_files` before indexing,
`Duplicates` for each file it indexes.

Pure functions at the core; file IO in `take_in` and `_copy_new`.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

from .read import SUPPORTED_SUFFIXES, ReadError, iter_corpus_files, read_document
from .settings import relative_source
from .types import IngestReport

MAX_NAME_TRIES = 10_000


def text_fingerprint(text: str) -> str:
    """sha256 of a document's text with whitespace collapsed (NFC): the same for
    a PDF and its re-saved copy, or a PDF and its text export."""
    norm = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class Known:
    """What identifies an indexed (or corpus) document's content."""

    doc_id: str
    sha256: str = ""
    text_sha256: str = ""


def known_from_records(records: Mapping[str, dict]) -> list[Known]:
    """Known contents of the index's document records ({doc_id: record})."""
    return [Known(d, str(r.get("sha256") or ""), str(r.get("text_sha256") or "")) for d, r in records.items()]


def find_duplicate(sha256: str, text_sha256: str, known: Iterable[Known], *, self_id: str = "") -> tuple[str, str] | None:
    """(doc_id, why) of a known document with the same bytes ('sha256') or the
    same text ('text'); None when there is none. `self_id` (the file's own doc
    id) never counts as its duplicate."""
    text_hit = None
    for k in known:
        if k.doc_id == self_id:
            continue
        if sha256 and k.sha256 == sha256:
            return k.doc_id, "sha256"
        if text_sha256 and k.text_sha256 == text_sha256 and text_hit is None:
            text_hit = (k.doc_id, "text")
    return text_hit


def duplicate_message(name: str, doc_id: str, why: str) -> str:
    """One line, Swedish / English, for a file skipped as a duplicate."""
    sv = "samma innehåll" if why == "sha256" else "samma text"
    en = "same bytes" if why == "sha256" else "same text"
    return (f"{name}: dubblett av {doc_id} ({sv}) – indexeras inte igen / "
            f"duplicate of {doc_id} ({en}) – not indexed again")


# --------------------------------------------------------------------------- taking files in


@dataclass(frozen=True)
class Intake:
    """What happened to one file given to ingest.

    `path` is the corpus file to index (None: nothing to index); `copied_to`
    the corpus file a file from elsewhere was copied to; `duplicate_of` the
    doc id whose content it repeats (why: 'sha256' | 'text')."""

    given: Path
    path: Path | None
    copied_to: Path | None = None
    duplicate_of: str = ""
    why: str = ""

    @property
    def renamed(self) -> bool:
        return self.copied_to is not None and self.copied_to.name != self.given.name

    def message(self) -> str:
        """One line for the user (Swedish / English); '' when the file was already in the corpus."""
        if self.duplicate_of:
            return duplicate_message(self.given.name, self.duplicate_of, self.why)
        if self.copied_to is not None:
            to = relative_source(self.copied_to)
            note = (f" (namnet {self.given.name} var upptaget av en annan fil / the name was taken by another file)"
                    if self.renamed else "")
            return f"Kopierade {self.given} till {to}{note} / copied {self.given} to {to}"
        return ""


def inside(path: Path, folder: Path) -> bool:
    """Is `path` a file directly in `folder` (symlinks and '..' resolved)?"""
    try:
        return Path(path).resolve().parent == Path(folder).resolve()
    except OSError:
        return False


def free_name(folder: Path, name: str, taken: Iterable[str] = ()) -> str:
    """`name`, or 'stem_2.suffix', 'stem_3.suffix', …: the first whose stem (the
    doc id, compared case-insensitively across suffixes) no file in `folder` and
    nothing in `taken` has. Hidden and lock-file prefixes are dropped, as the
    corpus listing would skip such a file."""
    stem, suffix = os.path.splitext(name)
    stem = stem.lstrip(".").removeprefix("~$").strip() or "dokument"
    stems = {p.stem.lower() for p in Path(folder).iterdir()} | {t.lower() for t in taken}
    for i in range(1, MAX_NAME_TRIES):
        cand = stem if i == 1 else f"{stem}_{i}"
        if cand.lower() not in stems:
            return cand + suffix
    raise ReadError(Path(folder) / name, "för många filer med samma namn i korpusmappen",
                    "too many files with this name in the corpus folder")


def _copy_new(src: Path, target: Path) -> None:
    """Copy src to target atomically, failing (FileExistsError) rather than
    replacing a file that appeared meanwhile; no partial file is ever visible."""
    import shutil
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=".intake-", suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        os.link(tmp, target)  # atomic, and never over an existing file
    finally:
        os.unlink(tmp)


def corpus_known(corpus_dir: Path, records: Mapping[str, dict], *, size: int | None = None) -> list[Known]:
    """Known contents: the index records, plus the corpus files the index does
    not hold as they are (hashed only when `size` matches, if given: a file of
    another size cannot have the same bytes)."""
    known = known_from_records(records)
    if not Path(corpus_dir).is_dir():
        return known
    for p in iter_corpus_files(corpus_dir):
        rec = records.get(p.stem)
        if rec is not None:
            continue
        try:
            if size is None or p.stat().st_size == size:
                known.append(Known(p.stem, file_sha256(p)))
        except OSError:
            continue
    return known


def take_in(paths: Iterable[Path], corpus_dir: Path, records: Mapping[str, dict] | Callable[[], Mapping[str, dict]],
            text_of: Callable[[Path], str] | None = None) -> list[Intake]:
    """Bring the given files into `corpus_dir` (folders: their supported files).

    A file already in the corpus folder stays where it is. A file from
    elsewhere is checked against what the corpus holds (`records`: the index's
    document records; corpus files not indexed yet count too): the same bytes
    or the same text -> reported as a duplicate, not copied; else copied in
    under a free name. A file that does not exist, or whose type is not
    supported, is passed on as it is, for the indexer to report. `text_of`
    reads a file's text (default: index.read.read_document); a file it cannot
    read is passed on too. `records` may be a function returning them: it is
    called only when a file from elsewhere is given."""
    corpus_dir = Path(corpus_dir)
    text_of = text_of or (lambda p: read_document(p).text)
    out: list[Intake] = []
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(iter_corpus_files(p) if p.is_dir() else [p])
    if all(inside(p, corpus_dir) for p in files):
        return [Intake(p, p) for p in files]
    records = records() if callable(records) else records
    if corpus_dir.is_dir():  # only documents whose file is still there count
        stems = {p.stem for p in iter_corpus_files(corpus_dir)}
        records = {d: r for d, r in records.items() if d in stems}
    else:
        records = {}
    taken: set[str] = set()
    added: list[Known] = []  # files copied in by this call
    unindexed: list[Known] | None = None  # text fingerprints of corpus files not indexed yet (read once, if needed)
    for p in files:
        if inside(p, corpus_dir) or not p.is_file() or p.suffix.lower() not in SUPPORTED_SUFFIXES:
            out.append(Intake(p, p))
            continue
        sha = file_sha256(p)
        known = corpus_known(corpus_dir, records, size=p.stat().st_size) + added
        hit = find_duplicate(sha, "", known)
        text_sha = ""
        if hit is None:
            try:
                text_sha = text_fingerprint(text_of(p))
            except (ReadError, OSError):
                out.append(Intake(p, p))  # unreadable: ingest reports it (and does not copy it)
                continue
            if unindexed is None:
                unindexed = unindexed_texts(corpus_dir, records, text_of)
            texts = [k for k in known_from_records(records) if k.text_sha256] + unindexed + added
            hit = find_duplicate("", text_sha, texts)
        if hit is not None:
            out.append(Intake(p, None, duplicate_of=hit[0], why=hit[1]))
            continue
        corpus_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(100):  # another writer may take the name between choosing and linking it
            target = corpus_dir / free_name(corpus_dir, p.name, taken)
            try:
                _copy_new(p, target)
                break
            except FileExistsError:
                taken.add(target.stem)
        else:
            raise ReadError(p, "kunde inte hitta ett ledigt filnamn i korpusmappen",
                            "could not find a free file name in the corpus folder")
        taken.add(target.stem)
        added.append(Known(target.stem, sha, text_sha))
        out.append(Intake(p, target, copied_to=target))
    return out


def unindexed_texts(corpus_dir: Path, records: Mapping[str, dict], text_of) -> list[Known]:
    """Text fingerprints of corpus files the index holds no record of (they are
    about to be indexed; an unreadable one is skipped)."""
    out = []
    for p in iter_corpus_files(corpus_dir):
        if p.stem in records:
            continue
        try:
            out.append(Known(p.stem, "", text_fingerprint(text_of(p))))
        except (ReadError, OSError):
            continue
    return out


# --------------------------------------------------------------------------- in an ingest (every store)


def take_files(paths: Iterable[Path], corpus_dir: Path, records: Callable[[], Mapping[str, dict]],
               report: IngestReport) -> list[Path]:
    """`take_in` for an ingest given explicit paths: the corpus files to index.
    Files copied in go to report.copied, duplicates to report.duplicates."""
    taken = take_in(paths, corpus_dir, records)
    report.copied = [(str(t.given), relative_source(t.copied_to)) for t in taken if t.copied_to]
    report.duplicates = [(str(t.given), t.duplicate_of, t.why) for t in taken if t.duplicate_of]
    return [t.path for t in taken if t.path is not None]


class Duplicates:
    """Which document a file repeats, as an ingest goes through its files.

    Knows the index's contents (`records()`: its document records, asked for
    on first use only, so an ingest where nothing changed reads nothing;
    documents already in report.removed then do not count) and what this
    ingest has indexed so far (`put`). `indexed` holds the doc ids the index
    has a version of."""

    def __init__(self, records: Callable[[], Mapping[str, dict]], report: IngestReport, indexed=()):
        self._records, self._report, self._indexed = records, report, indexed
        self._known: list[Known] | None = None

    def _contents(self) -> list[Known]:
        if self._known is None:
            gone = set(self._report.removed)
            self._known = [k for k in known_from_records(self._records()) if k.doc_id not in gone]
        return self._known

    def repeats(self, path: Path, doc_id: str, *, sha256: str = "", text_sha256: str = "") -> bool:
        """Does the file (document `doc_id`) have the bytes (sha256) or the text
        of another document? Then it is reported (report.duplicates) and must not
        be indexed, and its own older version (other content, indexed before)
        leaves the index (report.removed: the caller removes it)."""
        hit = find_duplicate(sha256, text_sha256, self._contents(), self_id=doc_id)
        if hit is None:
            return False
        self._report.duplicates.append((relative_source(Path(path)), *hit))
        if doc_id in self._indexed and doc_id not in self._report.removed:
            self._report.removed.append(doc_id)
        self._known = [k for k in self._contents() if k.doc_id != doc_id]
        return True

    def put(self, doc_id: str, sha256: str, text_sha256: str) -> None:
        """The document as this ingest indexes it."""
        self._known = [k for k in self._contents() if k.doc_id != doc_id] + [Known(doc_id, sha256, text_sha256)]
