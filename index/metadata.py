"""Document metadata: the curated corpus/metadata.yaml plus automatic guesses.

`load_metadata_file` reads and validates the YAML (the only IO here; every
error names file, line and document, duplicates are errors); it costs what
changed since the last read in this process, not what the file holds
(entries are cached by their exact text, see parse_metadata), and
`metadata_entries` gives the same entries as a read-only mapping that copies
only the entries read (an ingest of one document);
`edit_entry_text` changes one entry's fields in the file's text, leaving
every other character (comments, quoting, order) as it was;
`guess_metadata` (index/metaguess.py) extracts fields from a document's
title block, letterhead and text, each with a confidence;
`resolve_metadata` merges the two, the file winning field by field.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from index.metaguess import guess_metadata  # noqa: F401 - re-exported
from index.textnorm import fold
from index.types import DOC_TYPES, MAX_PERIOD_YEARS, DocMeta, valid_period

# The fields of an entry, in the order the file and the form show them.
FIELDS = ("title", "namnd", "doc_type", "period", "dnr", "date", "year", "remiss_dnr", "handlaggare")


# --------------------------------------------------------------------------- loading


def _valid_iso(value: str) -> bool:
    try:
        return bool(re.fullmatch(r"\d{4}-\d\d-\d\d", value)) and bool(dt.date.fromisoformat(value))
    except ValueError:
        return False


def check_fields(entry: dict, where: str = "") -> dict:
    """Fields validated and normalised (period dashes, date objects, year as
    int). Errors are ValueErrors in Swedish / English that name the valid choices."""
    w = f"{where}: " if where else ""
    out: dict = {}
    for key, value in entry.items():
        if key not in FIELDS:
            raise ValueError(f"{w}Okänt fält {key!r} / unknown field {key!r}; valid fields: {', '.join(FIELDS)}")
        if isinstance(value, (list, dict)):
            raise ValueError(f"{w}{key} ska vara ett enda värde / {key} must be a single value, not a list or mapping")
        if key == "year":
            try:
                value = None if value in ("", None) else int(str(value).strip())
            except ValueError:
                value = -1
            if value is not None and not 1900 <= value <= 2100:
                raise ValueError(f"{w}Ogiltigt år {entry[key]!r} / year must be a year like 2021 (or empty)")
        else:
            value = value.isoformat() if isinstance(value, dt.date) else " ".join(str(value or "").split())
        if key == "date" and value and not _valid_iso(value):
            raise ValueError(f"{w}Ogiltigt datum {value!r} – skriv ÅÅÅÅ-MM-DD / date must be YYYY-MM-DD (or empty)")
        if key == "doc_type" and value not in DOC_TYPES:  # 'tjansteutlatande', 'Yttrande' are the same types
            value = next((t for t in DOC_TYPES if fold(t) == fold(value)), value)
        if key == "doc_type" and value not in DOC_TYPES:
            raise ValueError(f"{w}Ogiltig dokumenttyp {value!r} / doc_type is not valid; choose one of: "
                             f"{', '.join(DOC_TYPES)}")
        if key == "period":
            value = re.sub(r"\s*[–—-]\s*", "-", value)
            if value and not valid_period(value):
                raise ValueError(f"{w}Ogiltig period {value!r} – skriv ÅÅÅÅ-ÅÅÅÅ, t.ex. 2028-2031 / period must be "
                                 f"YYYY-YYYY with the end 1-{MAX_PERIOD_YEARS} years after the start (or empty)")
        out[key] = value
    return out


class MetadataError(ValueError):
    """metadata.yaml cannot be used as it is. str() is one line,
    '<svenska> / <english>', naming the file, the line and the document."""

    def __init__(self, message: str, path: str = "", line: int | None = None, doc_id: str | None = None):
        super().__init__(message)
        self.path, self.line, self.doc_id = path, line, doc_id


class _Duplicate(Exception):
    def __init__(self, key, line: int, column: int, first: int):
        self.key, self.line, self.column, self.first = key, line, column, first


class _BadValue(Exception):
    """A tagged value its constructor refuses ('!!int x', '!!binary ?'), with its line."""

    def __init__(self, line: int, problem: str):
        self.line, self.problem = line, problem


@lru_cache(maxsize=None)  # at most three: (), (False,), (True,)
def _loader(fast: bool = False):
    """A SafeLoader that rejects duplicate keys (PyYAML lets the last one win
    silently) and keeps dates as written, so a bad date is reported by
    check_fields with its line instead of as 'day is out of range for month'.
    `fast`: the same on libyaml's C parser when PyYAML was built with it
    (about 7x faster); error messages and marks come from the pure-Python one."""
    import yaml

    base = yaml.CSafeLoader if fast and getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader

    class Loader(base):
        def construct_object(self, node, deep=False):
            try:
                return super().construct_object(node, deep=deep)
            except (ValueError, TypeError, OverflowError) as e:
                raise _BadValue(node.start_mark.line + 1, " ".join(str(e).split())) from None

        def construct_mapping(self, node, deep=False):
            if isinstance(node, yaml.MappingNode):
                self.flatten_mapping(node)
                seen: dict = {}
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=True)
                    try:
                        first = seen.get(key)
                    except TypeError:
                        continue  # unhashable key: the base class reports it
                    mark = key_node.start_mark
                    if first is not None:
                        raise _Duplicate(key, mark.line + 1, mark.column, first)
                    seen[key] = mark.line + 1
            return super().construct_mapping(node, deep=deep)

    Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
    return Loader


_TOP_KEY = re.compile(r"""^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s#'"\-?:][^#]*?))\s*:(?:\s|$)""")


def _doc_at(text: str, line: int) -> str | None:
    """The document whose entry holds `line` (1-based): the nearest top-level key at or above it."""
    for ln in reversed(text.splitlines()[:line]):
        if m := _TOP_KEY.match(ln):
            return next(g for g in m.groups() if g is not None)
    return None


def _fail(path: str, line: int | None, doc_id, sv: str, en: str) -> MetadataError:
    where = f"{path}:{line}" if line else path
    where += f": dokument {doc_id!r}" if doc_id is not None else ""
    return MetadataError(f"{where}: {sv} / {en}", path, line, None if doc_id is None else str(doc_id))


def parse_metadata(text: str, path: str = "metadata.yaml") -> dict[str, dict]:
    """Validated entries {doc_id: {field: value}} of a metadata.yaml text.
    Every error is a MetadataError naming `path`, the line and the document;
    duplicate documents and duplicate fields are errors.

    Costs what changed since an earlier call, not what the file holds: a
    file of plain block-style entries is cut into its entries (_entry_blocks)
    and only entries whose text is new are parsed and validated (with
    libyaml where present); the rest come from a cache keyed by their exact
    text, so content, never a timestamp, decides. A text that differs from
    the one read last only somewhere (an entry edited, added or removed) is
    cut again only there (_recut). The result is the whole-file parse's: a
    layout the cut cannot vouch for, and every error, goes through the
    pure-Python parse of the whole text (_parse_whole), which alone writes
    the messages. The caller gets its own copy (see `metadata_entries` for a
    read-only view that copies only the entries read)."""
    return {doc_id: dict(fields) for doc_id, fields in _entries(text, path).items()}


def _entries(text: str, path: str) -> dict[str, dict]:
    """parse_metadata's entries, shared with the caches: never to be changed (callers copy)."""
    with _CACHE_LOCK:
        last = _LAST.get("cut")
        if last is not None and (text is last._text or (len(text) == last.length and text == last.text)):
            return last.entries  # unchanged: one memcmp
        done = _PARSED.get(text)
    if done is not None:
        return done
    cut = _recut(last, text, path) if last is not None else None
    if cut is None:
        blocks = _entry_blocks(text)
        parsed = None if blocks is None else _parse_blocks(blocks, path)
        if parsed is None:  # a layout the cut cannot vouch for, or an error: the whole file says what it holds
            return _parse_whole(text, path)
        cut = _Cut(text, blocks, _offsets(blocks), parsed,
                   {doc_id: fields for entries in parsed for doc_id, fields in entries.items()})
        with _CACHE_LOCK:
            while len(_PARSED) >= 4:
                del _PARSED[next(iter(_PARSED))]
            _PARSED[text] = cut.entries
    with _CACHE_LOCK:
        _LAST["cut"] = cut
    return cut.entries


class _Cut:
    """A text cut into its entries: the blocks, where each starts (character offsets; in
    UTF-8 bytes too once asked for), each block's validated entries and all of them by doc
    id (shared: never changed once made). The whole text is joined from the blocks only
    when asked for: a cut made from a file's changed bytes (_recut_bytes) never needs it,
    and joining a 7 MB text of non-ASCII characters takes longer (13 ms) than the rest of
    the recut."""

    __slots__ = ("_text", "length", "blocks", "starts", "parsed", "entries", "_bstarts")

    def __init__(self, text: str | None, blocks: list[str], starts, parsed: list[dict], entries: dict[str, dict],
                 bstarts=None, length: int | None = None):
        self.blocks, self.starts, self.parsed, self.entries = blocks, starts, parsed, entries
        self._text, self._bstarts = text, bstarts
        self.length = len(text) if text is not None else length  # of the text, in characters

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "".join(self.blocks)
        return self._text

    @property
    def bstarts(self):
        """Where each block starts in the text's UTF-8 bytes (computed once, then kept up by _splice)."""
        if self._bstarts is None:
            self._bstarts = _offsets([len(b.encode("utf-8")) for b in self.blocks], lengths=True)
        return self._bstarts


def _offsets(blocks, lengths: bool = False):
    """Start offsets of consecutive blocks (strings, or their lengths)."""
    import numpy as np

    sizes = blocks if lengths else [len(b) for b in blocks]
    out = np.zeros(len(sizes), np.int64)
    if len(sizes) > 1:
        np.cumsum(sizes[:-1], out=out[1:])
    return out


def _common_prefix(a, b, limit: int) -> int:
    """Length of the longest common prefix of a and b (str or bytes), at most `limit`
    (compared in slices, coarse to fine: a few memcmps, not a Python loop per character)."""
    i, step = 0, 1 << 15
    while step:
        while i + step <= limit and a[i:i + step] == b[i:i + step]:
            i += step
        step >>= 3
    return i


def _common_suffix(a, b, limit: int) -> int:
    """Length of the longest common suffix of a and b, at most `limit`."""
    i, step, la, lb = 0, 1 << 15, len(a), len(b)
    while step:
        while i + step <= limit and a[la - i - step:la - i] == b[lb - i - step:lb - i]:
            i += step
        step >>= 3
    return i


def _span(starts, a: int, b: int) -> tuple[int, int]:
    """The blocks (first, last) to cut again when a text changed between offsets a and b of
    the old one: from the block before the one holding the first change (it lies wholly
    before the change, so its first line, an entry start, is as it was) to the block
    holding old[b] (the newline before its end is unchanged, so the block after it starts
    a line as before)."""
    import numpy as np

    return max(int(np.searchsorted(starts, a, "right")) - 2, 0), int(np.searchsorted(starts, b, "right")) - 1


def _recut(last: _Cut, text: str, path: str) -> _Cut | None:
    """`text` cut into entries from `last` (an earlier text's cut) by cutting again only the
    entries around where the two differ: every rule of _entry_blocks is about one line (or,
    for what comes before the first entry, about the start of the file), so the entries
    before and after the changed lines are cut as they were. None when that does not hold
    (the whole text is then cut as usual): no blocks to start from, a region the cut cannot
    vouch for, an entry that fails alone or a document in two entries."""
    old = last.text
    if not old or not text or not len(last.starts):
        return None
    limit = min(len(old), len(text))
    a = _common_prefix(old, text, limit)  # the texts differ in old[a:len(old) - z] / text[a:len(text) - z]
    z = _common_suffix(old, text, limit - a)
    i0, i1 = _span(last.starts, a, len(old) - z)
    s0, e_old = _block_span(last.starts, i0, i1, len(old))
    return _splice(last, text[s0:e_old + len(text) - len(old)], i0, i1, path, text)


def _block_span(starts, i0: int, i1: int, end: int) -> tuple[int, int]:
    """Where blocks i0..i1 start and end (offsets in `starts`' unit; `end`: the text's length)."""
    return int(starts[i0]), (int(starts[i1 + 1]) if i1 + 1 < len(starts) else end)


def _recut_bytes(last: _Cut, old: bytes, data: bytes, path: str) -> _Cut | None:
    """_recut for a file read again as bytes (`old`: the bytes of last.text): only the
    changed blocks' bytes are decoded, the rest of the text is the old one's. None when the
    bytes do not decode (the caller decodes them all and reports where) or _splice refuses."""
    if not old or not data or not len(last.starts):
        return None
    limit = min(len(old), len(data))
    a = _common_prefix(old, data, limit)
    z = _common_suffix(old, data, limit - a)
    bstarts = last.bstarts  # block starts are line starts: in UTF-8, b"\n" never sits inside a character
    i0, i1 = _span(bstarts, a, len(old) - z)
    s0, e_old = _block_span(bstarts, i0, i1, len(old))
    try:
        region = data[s0:e_old + len(data) - len(old)].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return _splice(last, region, i0, i1, path)


def _splice(last: _Cut, region: str, i0: int, i1: int, path: str, text: str | None = None) -> _Cut | None:
    """The cut of the text whose blocks i0..i1 (_span) of last's are `region` and the rest
    last's (`text`: that whole text when the caller has it; else joined when asked for):
    the region is cut again and parsed, the rest is kept."""
    import numpy as np

    starts = last.starts
    s0, e_old = _block_span(starts, i0, i1, last.length)
    delta = len(region) - (e_old - s0)
    local = _entry_starts(region)
    if local is None or (i0 > 0 and local[0] != 0):  # (a region after the first entry starts with one)
        return None
    local[0] = 0
    new_blocks = [region[x:y] for x, y in zip(local, local[1:] + [len(region)])]
    blocks = last.blocks[:i0] + new_blocks + last.blocks[i1 + 1:]
    new_parsed = _parse_blocks(new_blocks, path, every=blocks)
    if new_parsed is None:
        return None
    parsed = last.parsed[:i0] + new_parsed + last.parsed[i1 + 1:]
    gone = [d for e in last.parsed[i0:i1 + 1] for d in e]
    added = [(d, f) for e in new_parsed for d, f in e.items()]
    if [d for d, _ in added] == gone:  # the same documents, edited: same order
        entries = last.entries.copy()  # (copy(): a memcpy even with deleted slots; dict() goes key by key)
        entries.update(added)
    elif i1 + 1 == len(last.blocks):  # the last entries changed (one appended, say): file order kept
        entries = last.entries.copy()  # (copy(): a memcpy even with deleted slots; dict() goes key by key)
        for d in gone:
            del entries[d]
        for d, f in added:
            if d in entries:
                return None  # a document in two entries: the whole parse says where
            entries[d] = f
    else:
        entries = {d: f for e in parsed for d, f in e.items()}
        if len(entries) != sum(map(len, parsed)):
            return None
    offsets = np.concatenate([starts[:i0], np.asarray(local, np.int64) + s0, starts[i1 + 1:] + delta])
    bstarts = None
    if last._bstarts is not None:  # kept up: the new blocks' bytes, the rest shifted
        old_b = last._bstarts
        b0 = int(old_b[i0])
        sizes = [len(x.encode("utf-8")) for x in new_blocks]
        b_end = int(old_b[i1 + 1]) if i1 + 1 < len(old_b) else None
        old_len = (b_end if b_end is not None else b0 + sum(len(x.encode("utf-8")) for x in last.blocks[i0:])) - b0
        bstarts = np.concatenate([old_b[:i0], _offsets(sizes, lengths=True) + b0,
                                  old_b[i1 + 1:] + (sum(sizes) - old_len)])
    return _Cut(text, blocks, offsets, parsed, entries, bstarts, last.length + delta)


# A line that starts an entry: a doc id at column 0, plain (starting with a
# letter, digit or '_') or quoted, and its colon. Both patterns run on
# "\n" + text and begin with that newline, which the regex engine finds fast.
_ENTRY_START = re.compile(r"""\n(?=(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|\w[^#\n]*?)[ \t]*:(?:[ \t]|\r?$))""", re.M)
_COLUMN0 = re.compile(r"\n[^ \r\n#]")  # any line with content at column 0 (comments aside)
# The plain layout libyaml and PyYAML read alike, line by line (anything else,
# tabs and escapes beyond \" \\ \n \t included, goes to PyYAML: the two differ on
# tabs after a colon, on '\ud800', and may on other corners).
_CTRL = r"\x00-\x1f\x7f-\x9f\ufeff\u2028\u2029"
_QUOTED = rf"""(?:"(?:[^"\\{_CTRL}]|\\["\\nt])*"|'(?:[^'{_CTRL}]|'')*')"""
_PLAIN = (rf"""(?:[^\s\-?:,\[\]{{}}#&*!|>'"%@`{_CTRL}]|[-?:](?=[^\s{_CTRL}]))"""
          rf"(?:[^\s:#{_CTRL}]|[ ]+(?=[^\s#{_CTRL}])|:(?=[^\s{_CTRL}])|(?<=[^\s])#)*")
_SIMPLE_LINE = re.compile(rf"(?:(?:(?P<entry>\w(?:[^:#{_CTRL}]*[^\s:#{_CTRL}])?|{_QUOTED}) *:"
                          rf"|(?P<indent> +)(?:\w+|{_QUOTED}) *:(?: +(?:{_QUOTED}|(?P<plain>{_PLAIN})))?"
                          rf"|(?P<more> +){_PLAIN})(?: +#[^{_CTRL}]*)?"  # more: a plain value's next line
                          rf"| *(?:#[^{_CTRL}]*)?) *\r?")
_CACHE_LOCK = threading.Lock()
_FILE_LOCK = threading.Lock()
_BLOCKS: dict[str, dict] = {}  # an entry's exact text -> its validated entries
_PARSED: dict[str, dict] = {}  # a few whole texts -> their validated entries
_LAST: dict = {}  # "cut": the text cut last (_Cut); "file": the file read last: (its bytes, its _Cut or its text);
# "buffers": two bytearrays the file is read into in turn (its bytes are one of them)


def clear_caches() -> None:
    """Forget every parsed entry and text (as a new process starts: benchmarks' 'cold')."""
    with _CACHE_LOCK:
        _BLOCKS.clear()
        _PARSED.clear()
        _LAST.clear()


def _entry_blocks(text: str) -> list[str] | None:
    """`text` cut before every line that starts an entry, when that is safe:
    every line with content at column 0 starts an entry and nothing but blank
    lines and comments comes before the first one. Then each entry's block
    (its line, the indented lines below it, comments and blank lines up to the
    next entry) parses alone as it does in the whole file, or fails to parse
    alone (an open quote or bracket running into the next entry, an alias of
    an anchor elsewhere), which sends the caller to the whole-file parse. None
    when the layout is anything else (flow style, a list, '---', tabs, lone CR
    or Unicode line breaks): the caller parses the whole text."""
    starts = _entry_starts(text)
    if starts is None:
        return None
    starts[0] = 0  # the leading comments go with the first entry
    return [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]


def _entry_starts(text: str) -> list[int] | None:
    """Offsets of the lines of `text` that start entries, when _entry_blocks may cut there
    (None otherwise). Each rule is about one line, but for what may come before the first
    entry (blank lines and comments), so a text's cut is its parts' cuts."""
    if "\r" in text and text.count("\r") != text.count("\r\n") or any(c in text for c in "\x85\u2028\u2029"):
        return None  # line breaks to YAML that are not to the patterns
    lines = "\n" + text
    starts = [m.start() for m in _ENTRY_START.finditer(lines)]  # offsets in `text` of the lines that start entries
    if not starts or len(starts) != len(_COLUMN0.findall(lines)):
        return None
    head = text[:starts[0]]
    if any(line.strip() and not line.lstrip(" ").startswith("#") for line in head.split("\n")):
        return None
    return starts


def _parse_blocks(blocks: list[str], path: str, every: list[str] | None = None) -> list[dict] | None:
    """Each block's validated entries, each block parsed once ever (cached by its text);
    None when a block fails on its own or two blocks name the same document. `every`: all
    the file's blocks when `blocks` are some of them (the cache keeps about one file's worth)."""
    with _CACHE_LOCK:
        known = [_BLOCKS.get(b) for b in blocks]
    new: dict[str, dict] = {}
    for i, block in enumerate(blocks):
        if known[i] is None:
            try:
                known[i] = new[block] = _parse_whole(block, path, fast=_simple(block))
            except Exception:  # noqa: BLE001 - any failure: the whole-file parse reports it as a MetadataError
                return None
    if len({doc_id for entries in known for doc_id in entries}) != sum(map(len, known)):
        return None  # a document in two entries
    if new:
        with _CACHE_LOCK:
            if len(_BLOCKS) + len(new) > 2 * len(every or blocks) + 1000:  # keep about one file's worth
                keep = set(every or blocks)
                for b in [b for b in _BLOCKS if b not in keep]:
                    del _BLOCKS[b]
            _BLOCKS.update(new)
    return known


def _simple(block: str) -> bool:
    """Whether `block` is an entry line, fields at one indentation (a plain value may go on
    over more deeply indented lines), comments and blank lines, each in the plain layout
    that libyaml reads as PyYAML does (_SIMPLE_LINE)."""
    indent, plain = None, False
    for line in block.split("\n"):
        m = _SIMPLE_LINE.fullmatch(line)
        if m is None or (m["entry"] is not None and indent is not None):
            return False
        if m["more"] is not None and not (plain and len(m["more"]) > len(indent)):
            return False
        if m["indent"] is not None:
            if indent not in (None, m["indent"]):
                return False
            indent = m["indent"]
        plain = m["plain"] is not None or (plain and m["more"] is not None)
    return True


def _parse_whole(text: str, path: str, fast: bool = False) -> dict[str, dict]:
    """parse_metadata's reference: the whole text parsed and validated in one go."""
    import yaml

    loader = None
    try:
        loader = _loader(fast)(text)
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except _Duplicate as d:
        if d.column == 0:
            raise _fail(path, d.line, d.key, f"dokumentet står två gånger i filen (även rad {d.first}) – slå ihop "
                        "posterna", f"duplicate entry (also line {d.first}); merge them") from None
        raise _fail(path, d.line, _doc_at(text, d.line), f"fältet {d.key!r} står två gånger i posten (även rad "
                    f"{d.first})", f"duplicate key {d.key!r} in the entry (also line {d.first})") from None
    except _BadValue as b:
        raise _fail(path, b.line, _doc_at(text, b.line), "ogiltigt värde", f"invalid value: {b.problem}") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        problem = "; ".join(str(p) for p in (e.problem, e.context) if p)
        raise _fail(path, line, _doc_at(text, line) if line else None, "ogiltig YAML", f"invalid YAML: {problem}") from e
    except yaml.YAMLError as e:  # ReaderError (control characters) and the like
        pos = getattr(e, "position", None)
        line = text[:pos].count("\n") + 1 if isinstance(pos, int) else None
        raise _fail(path, line, _doc_at(text, line) if line else None, "ogiltig YAML",
                    "invalid YAML: " + " ".join(str(e).split())) from e
    except RecursionError as e:  # "[[[[…" nested too deep
        raise _fail(path, None, None, "ogiltig YAML (för djupt nästlad)", "invalid YAML (nested too deep)") from e
    finally:
        if loader is not None:
            loader.dispose()
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _fail(path, root.start_mark.line + 1, None, "filen ska vara en lista av dokument-id med fält",
                    f"expected a mapping doc_id -> fields ({', '.join(FIELDS)})")
    lines, field_lines = {}, {}
    for key_node, value_node in root.value:
        lines[key_node.value] = key_node.start_mark.line + 1
        if isinstance(value_node, yaml.MappingNode):
            for k, _ in value_node.value:
                field_lines[key_node.value, k.value] = k.start_mark.line + 1
    out = {}
    for doc_id, entry in data.items():
        line = lines.get(str(doc_id))
        if not isinstance(doc_id, str):
            raise _fail(path, line, doc_id, "dokument-id ska vara text – citera det, t.ex. \"000_abc\":",
                        "doc id must be a string – quote it")
        if entry is None:
            out[doc_id] = {}
            continue
        if not isinstance(entry, dict):
            raise _fail(path, line, doc_id, "posten ska vara fält med värden", f"expected a mapping of fields "
                        f"({', '.join(FIELDS)})")
        checked = {}
        for key, value in entry.items():
            at = field_lines.get((doc_id, str(key)), line)
            try:
                checked.update(check_fields({key: value}, f"{path}:{at}: dokument {doc_id!r}"))
            except ValueError as e:
                raise MetadataError(str(e), path, at, doc_id) from None
        out[doc_id] = checked
    return out


def load_metadata_file(path: Path) -> dict[str, dict]:
    """Validated entries {doc_id: {field: value}} of metadata.yaml (the caller's
    own copy); {} if the file is missing. Raises MetadataError naming the file,
    line, doc id and valid choices."""
    return {doc_id: dict(fields) for doc_id, fields in _read_entries(Path(path)).items()}


def metadata_entries(path: Path) -> "Entries":
    """load_metadata_file's entries as a read-only mapping that copies only the entries
    read (`get`, `[]`): an ingest of one document reads one entry of a catalogue of
    thousands without copying the rest. The same checks and errors."""
    return Entries(_read_entries(Path(path)))


class Entries(Mapping):
    """Validated metadata.yaml entries, read-only: each entry read is the reader's own copy."""

    __slots__ = ("_d",)

    def __init__(self, entries: dict[str, dict]):
        self._d = entries

    def __getitem__(self, doc_id: str) -> dict:
        return dict(self._d[doc_id])

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._d

    def __iter__(self):
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)


def _read_entries(path: Path) -> dict[str, dict]:
    """The file's entries, shared with the caches (callers copy). The bytes read are compared
    with the file read last (one memcmp): unchanged, they are not decoded again; changed in
    a few entries, only those entries' bytes are (_recut_bytes)."""
    with _FILE_LOCK:  # (one reader at a time: the read buffers are shared)
        with _CACHE_LOCK:
            last = _LAST.get("file")
        try:
            data = _read_into_spare(path, None if last is None else last[0])
        except FileNotFoundError:
            return {}
        except OSError as e:
            shown = _shown(path)
            raise _fail(shown, None, None, f"kan inte läsas ({e.strerror})", f"cannot be read: {e}") from e
        return _entries_of(data, last, path)


def _read_into_spare(path: Path, keep) -> bytearray:
    """The file's bytes, read into whichever of two kept buffers is not `keep` (the last read's
    bytes): a catalogue of 7 MB read into fresh memory costs 3 ms of page faults, into a buffer
    read before 0.3 ms (a bytearray resized within its allocation keeps its memory, and compares
    with memcmp)."""
    bufs = _LAST.setdefault("buffers", [bytearray(), bytearray()])
    buf = bufs[1] if keep is bufs[0] else bufs[0]
    with open(path, "rb", buffering=0) as fh:
        size = os.fstat(fh.fileno()).st_size
        if len(buf) > size:
            del buf[size:]
        else:
            buf.extend(bytes(size - len(buf)))
        n = fh.readinto(buf)
        if n < size:  # the file shrank since fstat
            del buf[n:]
        while chunk := fh.read(1 << 20):  # or grew
            buf += chunk
    return buf


def _entries_of(data: bytearray, last, path: Path) -> dict[str, dict]:
    """_read_entries for bytes read (`last`: the file read before, (bytes, its _Cut or text))."""
    if last is not None and last[0] == data:  # unchanged
        return last[1].entries if isinstance(last[1], _Cut) else _entries(last[1], _shown(path))
    if last is not None and isinstance(last[1], _Cut):  # (from the file's own last cut: texts parsed since,
        # such as an edit's check of its new text, do not send it to a whole decode)
        cut = _recut_bytes(last[1], last[0], data, _shown(path))  # the file changed in a few entries
        if cut is not None:
            with _CACHE_LOCK:
                _LAST["cut"], _LAST["file"] = cut, (data, cut)
            return cut.entries
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _fail(_shown(path), data[:e.start].count(b"\n") + 1, None,
                    "filen är inte UTF-8 – spara den som UTF-8", "file is not UTF-8 text") from e
    entries = _entries(text, _shown(path))
    with _CACHE_LOCK:
        cut = _LAST.get("cut")
        _LAST["file"] = (data, cut if cut is not None and cut._text is text else text)
    return entries


def _shown(path: Path) -> str:
    """The file as named in messages: relative to the repo when inside it."""
    from index.settings import relative_source

    return relative_source(path)


# --------------------------------------------------------------------------- editing the file's text


def yaml_scalar(value, style: str | None = None) -> str:
    """`value` as a YAML scalar: plain when the old one was plain and the
    value reads back unchanged, else quoted the old way (single or double)."""
    import yaml

    if value is None:
        return "null"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    s = str(value)
    if style is None and s and s == s.strip() and "#" not in s:
        try:
            if yaml.safe_load(f"k: {s}\n") == {"k": s}:
                return s
        except yaml.YAMLError:
            pass
    if style == "'" and "\n" not in s:
        return "'" + s.replace("'", "''") + "'"
    return json.dumps(s, ensure_ascii=False)


def edit_entry_text(text: str, doc_id: str, changes: dict) -> str | None:
    """`text` (a metadata.yaml) with doc_id's fields in `changes` set and every
    other character left as it was: a changed value replaces just that scalar
    (a comment after it stays), a field the entry lacks becomes a new line
    after its last field, a missing entry is appended at the end. None when
    the layout is not plain block style (flow style, block scalars, nested
    values, unparsable): the caller then rewrites the entry a coarser way.
    A file of plain entries that all parse costs the one entry: the others
    come from parse_metadata's cache of entries by their text."""
    if not changes:
        return text
    nl = "\r\n" if "\r\n" in text else "\n"
    blocks = _entry_blocks(text)
    parsed = None if blocks is None else _parse_blocks(blocks, "")
    if parsed is None:  # not cut into entries, or an entry that does not parse on its own
        return _edit_whole(text, doc_id, changes, nl)
    at = 0  # a valid file of plain entries: only the entry that changes is parsed again
    for block, entries in zip(blocks, parsed):
        if doc_id in entries:
            edited = _edit_whole(block, doc_id, changes, nl)
            return None if edited is None else text[:at] + edited + text[at + len(block):]
        at += len(block)
    return _append_entry(text, doc_id, changes, nl)


def _append_entry(text: str, doc_id: str, changes: dict, nl: str) -> str:
    body = text if not text or text.endswith("\n") else text + nl
    block = json.dumps(doc_id, ensure_ascii=False) + ":" + nl + "".join(
        f"  {k}: {yaml_scalar(v, chr(34))}{nl}" for k, v in changes.items())
    return body + (nl if body.strip() else "") + block


def _edit_whole(text: str, doc_id: str, changes: dict, nl: str) -> str | None:
    """edit_entry_text on the whole of `text` (composed in one go)."""
    import yaml

    try:
        root = yaml.compose(text, Loader=_loader())
    except (yaml.YAMLError, RecursionError):
        return None
    if root is None or (isinstance(root, yaml.MappingNode) and not root.flow_style
                        and all(k.value != doc_id for k, _ in root.value)):
        return _append_entry(text, doc_id, changes, nl)
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        return None
    key, val = next((k, v) for k, v in root.value if k.value == doc_id)
    if not isinstance(val, yaml.MappingNode) or val.flow_style or not val.value:
        return None
    edits, present = [], {}
    for k, v in val.value:
        if not isinstance(k, yaml.ScalarNode) or not isinstance(v, yaml.ScalarNode) or v.style in ("|", ">") \
                or v.start_mark.index < k.end_mark.index:  # nested value, block scalar or alias
            return None
        present[k.value] = v
    for field, value in changes.items():
        if (node := present.get(field)) is not None:
            a, b = node.start_mark.index, node.end_mark.index
            rep = yaml_scalar(value, node.style)
            edits.append((a, b, " " + rep if a == b and text[a - 1:a] == ":" else rep))
    missing = [f for f in changes if f not in present]
    if missing:
        last_key, last = val.value[-1]
        eol = text.find("\n", last.end_mark.index)
        eol = len(text) if eol < 0 else eol - (text[eol - 1:eol] == "\r")
        indent = " " * last_key.start_mark.column
        edits.append((eol, eol, "".join(f"{nl}{indent}{f}: {yaml_scalar(changes[f], chr(34))}" for f in missing)))
    for a, b, rep in sorted(edits, reverse=True):
        text = text[:a] + rep + text[b:]
    return text


# --------------------------------------------------------------------------- guessing and merging


def resolve_metadata(doc_id: str, text: str, entries: dict[str, dict], **layout) -> DocMeta:
    """Metadata for one document: the metadata.yaml entry wins field by field;
    missing fields are guessed and listed in `guessed` (with their confidence).
    A year missing from the entry but implied by its date is taken from the
    date (not guessed). `layout` (page_starts, marks, furniture) goes to guess_metadata."""
    entry = dict(entries.get(doc_id) or {})
    if entry.get("date") and "year" not in entry:
        entry["year"] = int(entry["date"][:4])
    if len(entry) == len(FIELDS):
        return DocMeta(doc_id=doc_id, **entry)
    guess = guess_metadata(doc_id, text, **layout)
    values, guessed = {}, []
    for k in FIELDS:
        if k in entry:
            values[k] = entry[k]
        else:
            values[k] = getattr(guess, k)
            if k in guess.guessed:
                guessed.append(k)
    if "date" in guessed and values["year"] and values["date"][:4] != str(values["year"]):
        values["date"] = ""  # a guessed date must not contradict the file's year
        guessed.remove("date")
    confidence = {k: guess.confidence[k] for k in guessed if k in guess.confidence}
    return DocMeta(doc_id=doc_id, guessed=tuple(guessed), confidence=confidence, **values)
