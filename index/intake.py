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
`Duplicates` for each file it indexes. Both ask the store for one document by
hash (`Contents.find_content`: an indexed lookup), never for every record, so
adding one document costs that document, not the corpus.

Pure functions at the core; file IO in `take_in` and `_copy_new`.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Collection, Iterable, Mapping, Protocol

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


Match = tuple[str, str]  # (doc_id, 'sha256' | 'text')


class Contents(Protocol):
    """What an index holds, asked for by content: the store's side of the
    duplicate check (index.writer.StoreWriter, index.postgres.PgCorpus,
    `KnownContents` in memory)."""

    def find_content(self, sha256: str, text_sha256: str = "", *, exclude: Collection[str] = ()) -> Match | None:
        """One document (not in `exclude`) with these bytes ('sha256') or,
        failing that, this text ('text'), lowest doc id first; None when there
        is none. An empty hash matches nothing. One indexed lookup."""
        ...

    def doc_ids(self) -> set[str]:
        """The ids of every document (no records read): `take_in` asks for them
        only to find corpus files not indexed yet."""
        ...


class KnownContents:
    """`Contents` over known contents in memory, hashed by bytes and by text (a
    lookup costs one document, not all). Mutable: `add` replaces a document's
    contents, `discard` forgets it."""

    def __init__(self, known: Iterable[Known] = ()):
        self._docs: dict[str, Known] = {}
        self._by: dict[str, dict[str, set[str]]] = {"sha256": {}, "text": {}}
        for k in known:
            self.add(k)

    @classmethod
    def from_records(cls, records: Mapping[str, dict]) -> "KnownContents":
        return cls(known_from_records(records))

    def add(self, k: Known) -> None:
        self.discard(k.doc_id)
        self._docs[k.doc_id] = k
        for why, value in (("sha256", k.sha256), ("text", k.text_sha256)):
            if value:
                self._by[why].setdefault(value, set()).add(k.doc_id)

    def discard(self, doc_id: str) -> None:
        k = self._docs.pop(doc_id, None)
        if k is None:
            return
        for why, value in (("sha256", k.sha256), ("text", k.text_sha256)):
            ids = self._by[why].get(value)
            if ids is not None:
                ids.discard(doc_id)
                if not ids:
                    del self._by[why][value]

    def find_content(self, sha256: str, text_sha256: str = "", *, exclude: Collection[str] = ()) -> Match | None:
        for why, value in (("sha256", sha256), ("text", text_sha256)):
            ids = sorted(set(self._by[why].get(value, ())) - set(exclude)) if value else []
            if ids:
                return ids[0], why
        return None

    def doc_ids(self) -> set[str]:
        return set(self._docs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._docs

    def __len__(self) -> int:
        return len(self._docs)


def find_live(contents: Contents, sha256: str, text_sha256: str, counts: Callable[[str], bool], *,
              self_id: str = "") -> Match | None:
    """`contents.find_content`, but only a document for which `counts(doc_id)`
    holds (e.g. its file is still in the corpus folder): one that does not is
    excluded and the store asked again. Each try is one indexed lookup, and
    documents sharing a hash are few (duplicates are refused), so this stays
    O(1) in the corpus size. `self_id` never counts."""
    skip = {self_id} if self_id else set()
    while True:
        hit = contents.find_content(sha256, text_sha256, exclude=skip)
        if hit is None or counts(hit[0]):
            return hit
        skip.add(hit[0])


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


def same_bytes_in(corpus_dir: Path, sha256: str, size: int, *,
                  hash_of: Callable[[Path], str] = file_sha256) -> Known | None:
    """The corpus file with these bytes (only files of the same size are
    hashed: a file of another size cannot have them), indexed or not; None
    when there is none."""
    if not sha256 or not Path(corpus_dir).is_dir():
        return None
    for p in iter_corpus_files(corpus_dir):
        try:
            if p.stat().st_size == size and hash_of(p) == sha256:
                return Known(p.stem, sha256)
        except OSError:
            continue
    return None


def take_in(paths: Iterable[Path], corpus_dir: Path, contents: Contents,
            text_of: Callable[[Path], str] | None = None) -> list[Intake]:
    """Bring the given files into `corpus_dir` (folders: their supported files).

    A file already in the corpus folder stays where it is. A file from
    elsewhere is checked against what the corpus holds: the index's documents
    whose file is still in the folder (`contents`: asked by hash, one lookup
    per file), corpus files with the same bytes, and the text of corpus files
    not indexed yet; the same bytes or the same text -> reported as a
    duplicate, not copied; else copied in under a free name. A file that does
    not exist, or whose type is not supported, is passed on as it is, for the
    indexer to report. `text_of` reads a file's text (default:
    index.read.read_document); a file it cannot read is passed on too. The
    index is asked nothing when every file is already in the corpus folder."""
    corpus_dir = Path(corpus_dir)
    text_of = text_of or (lambda p: read_document(p).text)
    out: list[Intake] = []
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(iter_corpus_files(p) if p.is_dir() else [p])
    if all(inside(p, corpus_dir) for p in files):
        return [Intake(p, p) for p in files]
    # only documents whose file is still there count
    here = {p.stem for p in iter_corpus_files(corpus_dir)} if corpus_dir.is_dir() else set()
    taken: set[str] = set()
    added = KnownContents()  # files copied in by this call
    unindexed: KnownContents | None = None  # text fingerprints of corpus files not indexed yet (read once, if needed)
    for p in files:
        if inside(p, corpus_dir) or not p.is_file() or p.suffix.lower() not in SUPPORTED_SUFFIXES:
            out.append(Intake(p, p))
            continue
        sha = file_sha256(p)
        hit = (find_live(contents, sha, "", here.__contains__)
               or _as_match(same_bytes_in(corpus_dir, sha, p.stat().st_size)) or added.find_content(sha))
        text_sha = ""
        if hit is None:
            try:
                text_sha = text_fingerprint(text_of(p))
            except (ReadError, OSError):
                out.append(Intake(p, p))  # unreadable: ingest reports it (and does not copy it)
                continue
            if unindexed is None:
                unindexed = KnownContents(unindexed_texts(corpus_dir, contents.doc_ids(), text_of))
            hit = (find_live(contents, "", text_sha, here.__contains__) or unindexed.find_content("", text_sha)
                   or added.find_content("", text_sha))
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
        added.add(Known(target.stem, sha, text_sha))
        out.append(Intake(p, target, copied_to=target))
    return out


def _as_match(k: Known | None) -> Match | None:
    return (k.doc_id, "sha256") if k is not None else None


def unindexed_texts(corpus_dir: Path, indexed: Collection[str], text_of) -> list[Known]:
    """Text fingerprints of corpus files the index holds no document of
    (`indexed`: its doc ids; they are about to be indexed; an unreadable one
    is skipped)."""
    out = []
    if not Path(corpus_dir).is_dir():
        return out
    for p in iter_corpus_files(corpus_dir):
        if p.stem in indexed:
            continue
        try:
            out.append(Known(p.stem, "", text_fingerprint(text_of(p))))
        except (ReadError, OSError):
            continue
    return out


# --------------------------------------------------------------------------- in an ingest (every store)


def take_files(paths: Iterable[Path], corpus_dir: Path, contents: Contents, report: IngestReport) -> list[Path]:
    """`take_in` for an ingest given explicit paths: the corpus files to index.
    Files copied in go to report.copied, duplicates to report.duplicates."""
    taken = take_in(paths, corpus_dir, contents)
    report.copied = [(str(t.given), relative_source(t.copied_to)) for t in taken if t.copied_to]
    report.duplicates = [(str(t.given), t.duplicate_of, t.why) for t in taken if t.duplicate_of]
    return [t.path for t in taken if t.path is not None]


class Duplicates:
    """Which document a file repeats, as an ingest goes through its files.

    Asks the index (`contents`, as it was before this ingest: one lookup by
    hash per file, so an ingest where nothing changed asks nothing) and knows
    what this ingest has indexed so far (`put`). An index document this ingest
    removes (report.removed), re-indexes (`put`) or found to repeat another
    does not count as its index version. `indexed` holds the doc ids the index
    has a version of."""

    def __init__(self, contents: Contents, report: IngestReport, indexed: Collection[str] = ()):
        self._contents, self._report, self._indexed = contents, report, indexed
        self._mine = KnownContents()  # put by this ingest
        self._gone: set[str] = set()  # found to repeat another document

    def _counts(self, doc_id: str) -> bool:
        """Does the index's version of doc_id still count as what the corpus holds?"""
        return doc_id not in self._gone and doc_id not in self._mine and doc_id not in self._report.removed

    def find(self, doc_id: str, sha256: str = "", text_sha256: str = "") -> Match | None:
        """(doc_id, why) of another document with these bytes or, failing that, this text."""
        for sha, text in ((sha256, ""), ("", text_sha256)):
            if sha or text:
                hit = (find_live(self._contents, sha, text, self._counts, self_id=doc_id)
                       or self._mine.find_content(sha, text, exclude=(doc_id,)))
                if hit is not None:
                    return hit
        return None

    def repeats(self, path: Path, doc_id: str, *, sha256: str = "", text_sha256: str = "") -> bool:
        """Does the file (document `doc_id`) have the bytes (sha256) or the text
        of another document? Then it is reported (report.duplicates) and must not
        be indexed, and its own older version (other content, indexed before)
        leaves the index (report.removed: the caller removes it)."""
        hit = self.find(doc_id, sha256, text_sha256)
        if hit is None:
            return False
        self._report.duplicates.append((relative_source(Path(path)), *hit))
        if doc_id in self._indexed and doc_id not in self._report.removed:
            self._report.removed.append(doc_id)
        self._gone.add(doc_id)
        self._mine.discard(doc_id)
        return True

    def put(self, doc_id: str, sha256: str, text_sha256: str) -> None:
        """The document as this ingest indexes it."""
        self._gone.discard(doc_id)
        self._mine.add(Known(doc_id, sha256, text_sha256))
