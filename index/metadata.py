"""Document metadata: the curated corpus/metadata.yaml plus automatic guesses.

`load_metadata_file` reads and validates the YAML (the only IO here; every
error names file, line and document, duplicates are errors);
`edit_entry_text` changes one entry's fields in the file's text, leaving
every other character (comments, quoting, order) as it was;
`guess_metadata` (index/metaguess.py) extracts fields from a document's
title block, letterhead and text, each with a confidence;
`resolve_metadata` merges the two, the file winning field by field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
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


@lru_cache(maxsize=1)
def _loader():
    """A SafeLoader that rejects duplicate keys (PyYAML lets the last one win
    silently) and keeps dates as written, so a bad date is reported by
    check_fields with its line instead of as 'day is out of range for month'."""
    import yaml

    class Loader(yaml.SafeLoader):
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
    duplicate documents and duplicate fields are errors."""
    import yaml

    loader = None
    try:
        loader = _loader()(text)
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except _Duplicate as d:
        if d.column == 0:
            raise _fail(path, d.line, d.key, f"dokumentet står två gånger i filen (även rad {d.first}) – slå ihop "
                        "posterna", f"duplicate entry (also line {d.first}); merge them") from None
        raise _fail(path, d.line, _doc_at(text, d.line), f"fältet {d.key!r} står två gånger i posten (även rad "
                    f"{d.first})", f"duplicate key {d.key!r} in the entry (also line {d.first})") from None
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
    """Validated entries {doc_id: {field: value}} of metadata.yaml; {} if the
    file is missing. Raises MetadataError naming the file, line, doc id and valid choices."""
    path = Path(path)
    shown = _shown(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise _fail(shown, None, None, f"kan inte läsas ({e.strerror})", f"cannot be read: {e}") from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _fail(shown, data[:e.start].count(b"\n") + 1, None, "filen är inte UTF-8 – spara den som UTF-8",
                    "file is not UTF-8 text") from e
    return parse_metadata(text, shown)


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
    values, unparsable): the caller then rewrites the entry a coarser way."""
    import yaml

    if not changes:
        return text
    nl = "\r\n" if "\r\n" in text else "\n"
    try:
        root = yaml.compose(text, Loader=_loader())
    except (yaml.YAMLError, RecursionError):
        return None
    if root is None or (isinstance(root, yaml.MappingNode) and not root.flow_style
                        and all(k.value != doc_id for k, _ in root.value)):
        body = text if not text or text.endswith("\n") else text + nl
        block = json.dumps(doc_id, ensure_ascii=False) + ":" + nl + "".join(
            f"  {k}: {yaml_scalar(v, chr(34))}{nl}" for k, v in changes.items())
        return body + (nl if body.strip() else "") + block
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
