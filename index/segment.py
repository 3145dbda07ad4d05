"""One immutable *segment* of the embedded store: the passages one ingest (or
one merge) wrote, as numpy arrays in a single memory-mappable file.

    seg-<id>-<rand>.bin     header (JSON, CRC-checked) + 64-byte aligned raw arrays:
        pids, pids_sorted, pid_rows   passage ids (the SQLite key) and their sorted lookup
        vectors                       float32 [n, dim], L2-normalised
        dl, seq                       BM25 document length; position in the document
        col_<field>, values           int32 codes per filter field; the value of each code (JSON)
        indptr, rows, tf, imp         term -> postings (row, tf, tf part at this segment's avgdl), CSR
                                      over the sorted vocabulary; avgdl
        terms, terms_off              the vocabulary (UTF-8, sorted)
        words, words_off, words_df    folded words of the passage texts and their passage counts
    seg-<id>-<rand>.faiss   HNSW graph, only for segments of at least hnsw_threshold rows; it holds its
                            own copy of the vectors, and an opened segment reads its vectors from that
                            copy only (`_graph_vectors`), so one copy is paged in, not two

Nothing here knows about SQLite, documents or settings: segments are built from
rows (`SegmentBuilder`), merged (`merge`), written (`write`) and opened
(`open_segment`, memory-mapped, so opening costs nothing per passage).
BM25 statistics stay raw (tf, dl) so scores can use global statistics summed
over all segments at query time (index/bm25.py).
"""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .filters import FILTER_FIELDS

SEGMENT_FORMAT = 3  # 3: impacts as uint16 codes (format 2's float32 impacts are still read)
READ_FORMATS = (2, 3)
MAGIC = b"YTTRASEG"
ALIGN = 64
BLOCK_ROWS = 50_000  # rows per in-memory block when building big segments
K1, B = 1.2, 0.75  # Lucene BM25, as index/bm25.py scores


class SegmentError(RuntimeError):
    """A segment file is missing, truncated or not a segment."""


IMPACT_SCALE = 65535  # impacts are stored as uint16 codes round(x * IMPACT_SCALE) of the tf part x in (0, 1]
IMPACT_ERROR = 1.0 / IMPACT_SCALE  # |code / IMPACT_SCALE - x| is at most this (half of it, except a clipped code)


def impacts(rows: np.ndarray, tf: np.ndarray, dl: np.ndarray, avgdl: float) -> np.ndarray:
    """Per posting, the BM25 tf part x = tf / (tf + k1 * (1 - b + b * dl / avgdl)) at this segment's own
    avgdl, computed in blocks so memory stays small, as uint16 fixed-point codes round(x * IMPACT_SCALE)
    (at least 1). index/bm25.py ranks with these and bounds how far the global avgdl and this rounding
    (IMPACT_ERROR, relative to the segment's smallest possible x) can move a score, then scores the
    candidates exactly. Two bytes a posting instead of float32's four: at 1M passages the impacts of a
    query's terms are the biggest thing BM25 reads; and uint16 converts to float32 faster than float16."""
    norm = (K1 * (1 - B + B * np.asarray(dl, np.float32) / np.float32(avgdl))).astype(np.float32)
    out = np.empty(len(rows), np.uint16)
    step = 1 << 22
    for a in range(0, len(rows), step):
        f = tf[a:a + step].astype(np.float32)
        x = np.take(norm, rows[a:a + step])
        x += f
        np.divide(f, x, out=x)
        x *= np.float32(IMPACT_SCALE)
        np.rint(x, out=x)
        np.clip(x, 1, IMPACT_SCALE, out=x)
        out[a:a + step] = x
    return out


def smallest_tf_part(dl: np.ndarray, avgdl: float) -> float:
    """The smallest tf part any posting of a segment can have (tf 1 in its longest row)."""
    longest = float(np.max(dl)) if len(dl) else 0.0
    return 1.0 / (1.0 + K1 * (1 - B + B * longest / avgdl))


# ---------------------------------------------------------------- vocabularies

class Vocab:
    """A sorted string table: UTF-8 bytes + offsets (memory-mapped or in memory);
    the lookup dict is built on first use."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray):
        self.blob, self.offsets = blob, offsets
        self._ids: dict[str, int] | None = None

    @classmethod
    def from_sorted(cls, strings: Sequence[str]) -> "Vocab":
        data = [s.encode("utf-8") for s in strings]
        offsets = np.zeros(len(data) + 1, np.int64)
        if data:
            np.cumsum([len(d) for d in data], out=offsets[1:])
        return cls(np.frombuffer(b"".join(data), np.uint8), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def strings(self) -> list[str]:
        if not len(self):
            return []
        raw = bytes(self.blob)
        off = self.offsets.tolist()
        if raw.isascii():  # byte offsets are character offsets
            text = raw.decode("ascii")
            return [text[a:b] for a, b in zip(off, off[1:])]
        return [raw[a:b].decode("utf-8") for a, b in zip(off, off[1:])]

    def ids(self) -> dict[str, int]:
        if self._ids is None:
            self._ids = {s: i for i, s in enumerate(self.strings())}
        return self._ids

    def get(self, s: str) -> int:
        return self.ids().get(s, -1)


# ---------------------------------------------------------------- the segment

class LazyValues:
    """The per-field value lists of an opened segment, parsed from the file on first use (a big
    segment's doc ids and sections are a large JSON: writers and unfiltered cold starts skip it)."""

    def __init__(self, blob: np.ndarray):
        self._blob, self._data = blob, None

    def _get(self) -> dict:
        if self._data is None:
            self._data = json.loads(bytes(self._blob).decode("utf-8"))
        return self._data

    def __getitem__(self, field):
        return self._get()[field]

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def items(self):
        return self._get().items()



@dataclass
class Segment:
    """The arrays of one segment (views into a memory-mapped file, or in memory)."""

    name: str
    pids: np.ndarray  # int64 [n]
    pids_sorted: np.ndarray  # int64 [n]
    pid_rows: np.ndarray  # int32 [n]: row of pids_sorted[i]
    vectors: np.ndarray  # float32 [n, dim]
    dl: np.ndarray  # int32 [n]
    seq: np.ndarray  # int32 [n]
    codes: dict[str, np.ndarray]  # field -> int32 [n]
    values: dict[str, list]  # field -> value per code
    terms: Vocab
    indptr: np.ndarray  # int64 [V + 1]
    rows: np.ndarray  # int32 [P]
    tf: np.ndarray  # uint16 [P]
    words: Vocab
    words_df: np.ndarray  # int32 [W]
    imp: np.ndarray  # uint16 codes (format 2: float32) [P]: each posting's BM25 tf part at this segment's `avgdl` (see `impacts`)
    avgdl: float  # this segment's mean document length
    faiss: object | None = None  # HNSW index for big segments; None = exact search over `vectors`
    path: Path | None = None
    hnsw: bool = False  # the file has an HNSW graph (loaded into `faiss` unless opened without it)

    def __len__(self) -> int:
        return len(self.pids)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def kind(self) -> str:
        return "hnsw32" if self.hnsw or self.faiss is not None else "flat"

    def rows_of(self, pids: np.ndarray) -> np.ndarray:
        """Row of each pid in this segment, -1 where it is not here."""
        pids = np.asarray(pids, np.int64)
        if not len(self) or not len(pids):
            return np.full(len(pids), -1, np.int64)
        i = np.minimum(np.searchsorted(self.pids_sorted, pids), len(self) - 1)
        return np.where(self.pids_sorted[i] == pids, self.pid_rows[i].astype(np.int64), -1)

    def value(self, field: str, row: int):
        return self.values[field][int(self.codes[field][row])]


# ---------------------------------------------------------------- building

class SegmentBuilder:
    """Collects rows (in the order given) and turns them into a `Segment`.
    Big inputs are built in blocks of BLOCK_ROWS rows and merged, so memory
    stays bounded by the block size plus the output."""

    def __init__(self, dim: int, name: str = "mem"):
        self.dim, self.name = dim, name
        self._blocks: list[Segment] = []
        self._reset()

    def _reset(self) -> None:
        self._pids: list[int] = []
        self._seq: list[int] = []
        self._vals: dict[str, list] = {f: [] for f in FILTER_FIELDS}
        self._tok: list[np.ndarray] = []
        self._term_ids: dict[str, int] = {}
        self._wid: dict[str, int] = {}
        self._wrows: list[np.ndarray] = []
        self._vecs: list[np.ndarray] = []

    def add(self, pid: int, seq: int, tokens: list[str], words: Iterable[str], values: dict, vector: np.ndarray) -> None:
        tid = self._term_ids
        self._tok.append(np.fromiter((tid.setdefault(t, len(tid)) for t in tokens), np.int32, len(tokens)))
        wid = self._wid
        self._wrows.append(np.fromiter({wid.setdefault(w, len(wid)) for w in words}, np.int32))
        self._pids.append(int(pid))
        self._seq.append(int(seq))
        for f in FILTER_FIELDS:
            self._vals[f].append(values.get(f))
        self._vecs.append(np.asarray(vector, np.float32).reshape(-1))
        if len(self._pids) >= BLOCK_ROWS:
            self._blocks.append(self._block())
            self._reset()

    def _block(self) -> Segment:
        n = len(self._pids)
        dl = np.array([max(len(t), 1) for t in self._tok], np.int32)  # bm25s indexes an empty passage as [""]
        # postings: (row, term) pairs with their counts, then ordered by (sorted term, row)
        lens = np.array([len(t) for t in self._tok], np.int64)
        tok = np.concatenate(self._tok) if n else np.zeros(0, np.int32)
        row = np.repeat(np.arange(n, dtype=np.int64), lens)
        terms = list(self._term_ids)
        order = sorted(range(len(terms)), key=terms.__getitem__)
        rank = np.empty(len(terms), np.int64)
        rank[order] = np.arange(len(terms))
        keys, tf = np.unique(rank[tok] * max(n, 1) + row, return_counts=True) if len(tok) else (
            np.zeros(0, np.int64), np.zeros(0, np.int64))
        t_of = keys // max(n, 1)
        indptr = np.zeros(len(terms) + 1, np.int64)
        np.cumsum(np.bincount(t_of, minlength=len(terms)), out=indptr[1:])
        # words of each passage -> df
        words = list(self._wid)
        worder = sorted(range(len(words)), key=words.__getitem__)
        wrank = np.empty(len(words), np.int64)
        wrank[worder] = np.arange(len(words))
        wflat = np.concatenate(self._wrows) if self._wrows else np.zeros(0, np.int32)
        words_df = np.bincount(wrank[wflat], minlength=len(words)).astype(np.int32)
        codes, values = {}, {}
        for f in FILTER_FIELDS:
            vals = self._vals[f]
            uniq = sorted(set(vals), key=lambda v: (v is None, str(v)))
            idx = {v: i for i, v in enumerate(uniq)}
            codes[f] = np.fromiter((idx[v] for v in vals), np.int32, n)
            values[f] = uniq
        pids = np.array(self._pids, np.int64)
        srt = np.argsort(pids, kind="stable")
        vecs = np.stack(self._vecs).astype(np.float32) if n else np.zeros((0, self.dim), np.float32)
        rows = (keys % max(n, 1)).astype(np.int32)
        tf = np.minimum(tf, 65535).astype(np.uint16)
        avgdl = float(dl.mean()) if n else 1.0
        return Segment(self.name, pids, pids[srt], srt.astype(np.int32), vecs, dl,
                       np.array(self._seq, np.int32), codes, values,
                       Vocab.from_sorted([terms[i] for i in order]), indptr, rows, tf,
                       Vocab.from_sorted([words[i] for i in worder]), words_df,
                       impacts(rows, tf, dl, avgdl), avgdl)

    def finish(self) -> Segment:
        if self._pids or not self._blocks:
            self._blocks.append(self._block())
        blocks, self._blocks = self._blocks, []
        self._reset()
        return blocks[0] if len(blocks) == 1 else merge(blocks, [None] * len(blocks), name=self.name)


# ---------------------------------------------------------------- merging

def _union(vocabs: list[Vocab]) -> tuple[list[str], list[np.ndarray]]:
    """The sorted union of several sorted vocabularies and each one's id map into it."""
    lists = [v.strings() for v in vocabs]
    union = sorted(set().union(*lists))
    ids = {s: i for i, s in enumerate(union)}
    return union, [np.fromiter((ids[s] for s in lst), np.int32, len(lst)) for lst in lists]


def merge(segments: list[Segment], dead: list[np.ndarray | None], name: str = "mem",
          dead_words_df: np.ndarray | None = None, dead_words: list[str] | None = None) -> Segment:
    """One segment holding the live rows of `segments`, in order (no re-tokenising:
    postings are concatenated per term with rows renumbered). `dead[i]` is a
    boolean mask of rows of segments[i] to drop; the folded-word counts of the
    dropped rows (`dead_words` with counts `dead_words_df`) are subtracted."""
    dim = segments[0].dim
    keep = [np.ones(len(s), bool) if d is None else ~d for s, d in zip(segments, dead)]
    newrow = []
    base = 0
    for k in keep:
        m = np.full(len(k), -1, np.int32)
        m[k] = base + np.arange(int(k.sum()), dtype=np.int32)
        newrow.append(m)
        base += int(k.sum())
    n = base
    pids = np.concatenate([s.pids[k] for s, k in zip(segments, keep)])
    vectors = np.concatenate([np.asarray(s.vectors[k], np.float32) for s, k in zip(segments, keep)]) if n else \
        np.zeros((0, dim), np.float32)
    dl = np.concatenate([s.dl[k] for s, k in zip(segments, keep)])
    seq = np.concatenate([s.seq[k] for s, k in zip(segments, keep)])
    codes, values = {}, {}
    for f in FILTER_FIELDS:
        live_vals = []
        for s, k in zip(segments, keep):
            used = np.unique(s.codes[f][k])
            live_vals.extend(s.values[f][int(i)] for i in used)
        uniq = sorted(set(live_vals), key=lambda v: (v is None, str(v)))
        idx = {v: i for i, v in enumerate(uniq)}
        parts = []
        for s, k in zip(segments, keep):
            lut = np.array([idx.get(v, -1) for v in s.values[f]], np.int32)
            parts.append(lut[s.codes[f][k]] if len(lut) else np.zeros(int(k.sum()), np.int32))
        codes[f], values[f] = (np.concatenate(parts) if parts else np.zeros(0, np.int32)), uniq
    # postings
    union, maps = _union([s.terms for s in segments])
    counts = np.zeros(len(union), np.int64)
    per_seg = []
    for s, m, nr in zip(segments, maps, newrow):
        t_of = np.repeat(np.arange(len(s.terms), dtype=np.int32), np.diff(s.indptr))
        r = nr[s.rows]
        live = r >= 0
        ut = m[t_of[live]]
        c = np.bincount(ut, minlength=len(union))
        counts += c
        per_seg.append((ut, r[live], s.tf[live], c))
        del t_of
    indptr = np.zeros(len(union) + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    rows = np.empty(int(indptr[-1]), np.int32)
    tf = np.empty(int(indptr[-1]), np.uint16)
    cursor = indptr[:-1].copy()
    for ut, r, t, c in per_seg:
        if len(ut):
            starts = np.concatenate([[0], np.cumsum(c)[:-1]])  # ut is sorted: group starts per term
            rank = np.arange(len(ut)) - starts[ut]
            dest = cursor[ut] + rank
            rows[dest], tf[dest] = r, t
        cursor += c
    # drop terms no live row holds
    used = counts > 0
    if not used.all():
        indptr = np.concatenate([[0], np.cumsum(counts[used])])
        union = [u for u, k in zip(union, used) if k]
    # words
    wunion, wmaps = _union([s.words for s in segments])
    wdf = np.zeros(len(wunion), np.int64)
    for s, m in zip(segments, wmaps):
        np.add.at(wdf, m, s.words_df)
    if dead_words:
        ids = {w: i for i, w in enumerate(wunion)}
        for w, c in zip(dead_words, dead_words_df):
            if w in ids:
                wdf[ids[w]] -= int(c)
    wkeep = wdf > 0
    wunion = [w for w, k in zip(wunion, wkeep) if k]
    srt = np.argsort(pids, kind="stable")
    avgdl = float(dl.mean()) if n else 1.0
    return Segment(name, pids, pids[srt], srt.astype(np.int32), vectors, dl, seq, codes, values,
                   Vocab.from_sorted(union), indptr, rows, tf, Vocab.from_sorted(wunion),
                   wdf[wkeep].astype(np.int32), impacts(rows, tf, dl, avgdl), avgdl)


# ---------------------------------------------------------------- files

_ARRAYS = ("pids", "pids_sorted", "pid_rows", "vectors", "dl", "seq", "indptr", "rows", "tf", "words_df", "imp")


def _arrays(seg: Segment) -> dict[str, np.ndarray]:
    out = {a: getattr(seg, a) for a in _ARRAYS}
    out.update({f"col_{f}": seg.codes[f] for f in FILTER_FIELDS})
    values = {f: seg.values[f] for f in FILTER_FIELDS}
    out.update({"terms": seg.terms.blob, "terms_off": seg.terms.offsets,
                "words": seg.words.blob, "words_off": seg.words.offsets,
                "avgdl": np.array([seg.avgdl], np.float64),
                "values": np.frombuffer(json.dumps(values, ensure_ascii=False).encode("utf-8"), np.uint8)})
    return out


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write(seg: Segment, path: Path, hnsw_threshold: int, graph: bool = True) -> Path:
    """Write the segment to `path`, fsynced; a segment of at least `hnsw_threshold` rows also gets an
    HNSW graph (`.faiss` next to it), built here or, with graph=False, by the caller with
    `build_graph(path)` once it has let go of the arrays (less memory at the peak)."""
    arrays = {k: np.ascontiguousarray(v) for k, v in _arrays(seg).items()}
    kind = "hnsw32" if len(seg) >= hnsw_threshold else "flat"
    entries, off = {}, 0
    for k, v in arrays.items():
        entries[k] = {"dtype": v.dtype.str, "shape": list(v.shape), "offset": off}
        off += -(-v.nbytes // ALIGN) * ALIGN
    header = json.dumps({"format": SEGMENT_FORMAT, "n": len(seg), "dim": seg.dim, "kind": kind,
                         "arrays": entries, "data_bytes": off}, ensure_ascii=False).encode("utf-8")
    start = -(-(len(MAGIC) + 12 + len(header)) // ALIGN) * ALIGN
    with open(path, "wb") as f:
        f.write(MAGIC + len(header).to_bytes(8, "little") + zlib.crc32(header).to_bytes(4, "little") + header)
        f.write(b"\0" * (start - f.tell()))
        for k, v in arrays.items():
            f.write(memoryview(v).cast("B") if v.nbytes else b"")
            f.write(b"\0" * (-(-v.nbytes // ALIGN) * ALIGN - v.nbytes))
        f.flush()
        os.fsync(f.fileno())
    del arrays
    if kind == "hnsw32" and graph:
        build_graph(path)
    return path


def build_graph(path: Path, batch: int = 65_536) -> None:
    """The HNSW graph of a written segment (inner product, M=32, efConstruction 80), from its
    memory-mapped vectors in batches, written to `<segment>.faiss` and fsynced."""
    import faiss

    seg = open_segment(path, with_faiss=False)
    index = faiss.IndexHNSWFlat(seg.dim, 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 80
    for a in range(0, len(seg), batch):
        index.add(np.ascontiguousarray(seg.vectors[a:a + batch], dtype=np.float32))
    out = Path(path).with_suffix(".faiss")
    faiss.write_index(index, str(out))
    _fsync(out)


class _Pinned:
    """An array view of memory another object owns, kept alive as the array's base."""

    def __init__(self, view: np.ndarray, owner: object):
        self.__array_interface__ = view.__array_interface__
        self.owner = owner


def _graph_vectors(index, vectors: np.ndarray) -> np.ndarray | None:
    """The HNSW graph's own copy of the segment's vectors (memory-mapped from the .faiss
    file), read-only, or None when it is not a plain float copy of `vectors`.

    IndexHNSWFlat keeps every vector in its storage; the .bin keeps them too. Reading
    both (the graph walks its copy, exact and filtered search and rescoring read the
    .bin's) would page the same 1.5 GB at 1M passages into memory twice, so a segment
    with a graph reads its vectors from the graph's copy only. The two are written from
    the same float32 rows (`build_graph`); the first and last rows are compared here
    (two pages each), and any difference keeps the .bin's copy."""
    import faiss

    storage = faiss.downcast_index(index.storage) if index.storage is not None else None
    n, dim = vectors.shape
    if not isinstance(storage, faiss.IndexFlat) or storage.ntotal != n or storage.d != dim or not n:
        return None
    view = faiss.rev_swig_ptr(storage.get_xb(), n * dim).reshape(n, dim)
    view.flags.writeable = False
    if view.dtype != vectors.dtype or not (np.array_equal(view[0], vectors[0])
                                          and np.array_equal(view[-1], vectors[-1])):
        return None
    return np.asarray(_Pinned(view, index))


def open_segment(path: Path, with_faiss: bool = True) -> Segment:
    """Memory-map a segment file (and its HNSW graph, unless `with_faiss` is False: the writer
    needs vectors and postings only); raises SegmentError when it is damaged."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(len(MAGIC) + 12)
            if len(head) < len(MAGIC) + 12 or head[:len(MAGIC)] != MAGIC:
                raise SegmentError("not a segment file")
            hlen, crc = int.from_bytes(head[8:16], "little"), int.from_bytes(head[16:20], "little")
            raw = f.read(hlen)
        if len(raw) != hlen or zlib.crc32(raw) != crc:
            raise SegmentError("damaged header")
        meta = json.loads(raw)
        if meta.get("format") not in READ_FORMATS:
            raise SegmentError(f"segment format {meta.get('format')}, expected one of {READ_FORMATS}")
        start = -(-(len(MAGIC) + 12 + hlen) // ALIGN) * ALIGN
        if size < start + meta["data_bytes"]:
            raise SegmentError(f"truncated ({size} bytes, expected {start + meta['data_bytes']})")
        mm = np.memmap(path, np.uint8, "r") if size else np.zeros(0, np.uint8)
        arr = {}
        for k, e in meta["arrays"].items():
            dt = np.dtype(e["dtype"])
            count = int(np.prod(e["shape"])) if e["shape"] else 1
            a = start + e["offset"]
            arr[k] = (np.frombuffer(mm, dt, count, a).reshape(e["shape"]) if count  # a plain ndarray over the map
                      else np.zeros(e["shape"], dt))
        index = None
        if meta["kind"] == "hnsw32" and with_faiss:
            import faiss

            fpath = path.with_suffix(".faiss")
            if not fpath.exists():
                raise SegmentError(f"{fpath.name} is missing")
            index = faiss.read_index(str(fpath), faiss.IO_FLAG_MMAP_IFC)
            if index.ntotal != meta["n"]:
                raise SegmentError(f"{fpath.name} holds {index.ntotal} vectors, expected {meta['n']}")
            graph_vectors = _graph_vectors(index, arr["vectors"])
            if graph_vectors is not None:
                arr["vectors"] = graph_vectors
        values = LazyValues(arr["values"])
        seg = Segment(path.stem, arr["pids"], arr["pids_sorted"], arr["pid_rows"], arr["vectors"], arr["dl"],
                      arr["seq"], {f: arr[f"col_{f}"] for f in FILTER_FIELDS}, values,
                      Vocab(arr["terms"], arr["terms_off"]), arr["indptr"], arr["rows"], arr["tf"],
                      Vocab(arr["words"], arr["words_off"]), arr["words_df"], arr["imp"], float(arr["avgdl"][0]),
                      index, path, meta["kind"] == "hnsw32")
    except SegmentError:
        raise
    except Exception as e:  # OSError, JSON, numpy shape/dtype errors, faiss RuntimeError
        raise SegmentError(f"{type(e).__name__}: {' '.join(str(e).split())[:200]}") from e
    n = meta["n"]
    if seg.imp.dtype != (np.float32 if meta["format"] == 2 else np.uint16):
        raise SegmentError(f"impacts stored as {seg.imp.dtype} in a format-{meta['format']} segment: rebuild the index "
                           "(yttra ingest --rebuild)")
    if not (len(seg.pids) == len(seg.vectors) == len(seg.dl) == n and seg.vectors.shape[1] == meta["dim"]
            and len(seg.indptr) == len(seg.terms) + 1
            and int(seg.indptr[-1]) == len(seg.rows) == len(seg.tf) == len(seg.imp)):
        raise SegmentError("inconsistent array sizes")
    return seg
