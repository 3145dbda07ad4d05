"""Document metadata: the curated corpus/metadata.yaml plus automatic guesses.

`load_metadata_file` reads and validates the YAML (the only IO here);
`guess_metadata` extracts fields from a document's text with regexes that run
on a diacritic-folded copy of the text (so OCR text without å/ä/ö matches);
`resolve_metadata` merges the two, the file winning field by field.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from index.textnorm import fold
from index.types import DOC_TYPES, PERIODS, DocMeta

FIELDS = ("title", "namnd", "doc_type", "period", "dnr", "date", "year")
_SCAN = 200_000  # characters of a document the guesses look at

MONTHS = {m: i for i, m in enumerate(
    "januari februari mars april maj juni juli augusti september oktober november december".split(), 1)}
STADSDELAR = (
    "Bromma", "Enskede-Årsta-Vantörs", "Farsta", "Hägersten-Liljeholmens", "Hägersten-Älvsjö",
    "Hässelby-Vällingby", "Kungsholmens", "Norrmalms", "Rinkeby-Kista", "Skarpnäcks",
    "Skärholmens", "Spånga-Tensta", "Södermalms", "Älvsjö", "Östermalms",
)
_SECTION_HEADINGS = {
    "forslag till beslut", "forvaltningens forslag till beslut", "sammanfattning", "bakgrund",
    "arendet", "arendets beredning", "underlag for beslut", "remissen", "beslut", "bilagor", "bilaga",
}
# Patterns below run on folded text (lower case, no diacritics; OCR-tolerant).
_DISTRICT = r"(?<![\w-])((?:[a-z]+-)*[a-z]+)\s+stadsdels"
_SDN, _SDF = r"n[a-z]{0,2}mnd(?:en)?\b", r"f[a-z]{0,3}rvaltning(?:en)?\b"
_RE_SDN, _RE_SDF = re.compile(_DISTRICT + _SDN), re.compile(_DISTRICT + _SDF)
_RE_FACK = re.compile(r"(?<![\w-])([a-z]{3,})namnden\b")
_RE_FORMULA = re.compile(  # "<nämnd> godkänner/överlämnar ..." (the decision formula)
    rf"((?<![\w-])(?:(?:[a-z]+-)*[a-z]+\s+stadsdels(?:{_SDN}|{_SDF})|[a-z]{{3,}}namnden))\s+"
    r"(?:godkanner|overlamnar|beslutar|antar|tillstyrker|lamnar|avstyrker|besvarar)\b")
_RE_FORV = re.compile(r"(?<![\w-])([a-z]{3,})f[a-z]{0,2}rvaltningen\b(\s+och\s+\w+)?")
_RE_DNR = re.compile(r"\b([A-ZÅÄÖ]{2,5})\s+((?:19|20)\d\d)\s*/\s*(\d{1,6})\b")
_RE_RANGE = re.compile(r"\b((?:19|20)\d\d)\s*[-–—]\s*((?:19|20)\d\d)\b")
_RE_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_RE_SV_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+((?:19|20)\d\d)\b")
_RE_YEAR = re.compile(r"(?<![\d/:–-])((?:19|20)\d\d)(?![\d:/–-])")
_YTTRANDE_SIGNS = ("svar pa remiss", "tjansteutlatande", "yttrande", "forslag till beslut", "remissvar",
                   "underlag for beslut", "remiss av", "forvaltningens synpunkter", "forvaltningarnas synpunkter")


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    return (fold(c) or c)[:1]


def _ffold(text: str) -> str:
    """`textnorm.fold` applied per character, so offsets match the original."""
    return "".join(map(_fold_char, text))


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
        if key == "doc_type" and value not in DOC_TYPES:
            raise ValueError(f"{w}Ogiltig dokumenttyp {value!r} / doc_type is not valid; choose one of: "
                             f"{', '.join(DOC_TYPES)}")
        if key == "period":
            value = re.sub(r"\s*[–—-]\s*", "-", value)
            if value and value not in PERIODS:
                raise ValueError(f"{w}Ogiltig period {value!r} / period is not valid; choose one of: "
                                 f"{', '.join(PERIODS)} (or empty)")
        out[key] = value
    return out


def _check_entry(path: Path, doc_id, entry) -> dict:
    """One entry of metadata.yaml, validated (see check_fields)."""
    where = f"{path}: {doc_id!r}"
    if not isinstance(doc_id, str):
        raise ValueError(f"{where}: doc id must be a string – quote it, e.g. \"000_abc\":")
    if entry is None:
        return {}
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected a mapping of fields ({', '.join(FIELDS)})")
    return check_fields(entry, where)


def load_metadata_file(path: Path) -> dict[str, dict]:
    """Validated entries {doc_id: {field: value}} of metadata.yaml; {} if the
    file is missing. Raises ValueError naming the file, doc id and valid choices."""
    import yaml

    path = Path(path)
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as e:  # RecursionError: "[[[[…" nested too deep
        raise ValueError(f"{path}: invalid YAML – {' '.join(str(e).split())}") from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping doc_id -> fields ({', '.join(FIELDS)})")
    return {doc_id: _check_entry(path, doc_id, entry) for doc_id, entry in data.items()}


# --------------------------------------------------------------------------- guessing


def _district(name: str) -> str | None:
    """The known district closest to `name` ('Enskede-Arsta-Vantér' ->
    'Enskede-Årsta-Vantörs'), or None when none is close."""
    key = fold(name).rstrip("s")
    best = max(STADSDELAR, key=lambda d: difflib.SequenceMatcher(None, key, fold(d).rstrip("s")).ratio())
    return best if difflib.SequenceMatcher(None, key, fold(best).rstrip("s")).ratio() >= 0.8 else None


def _namnd_at(text: str, f: str, start: int, end: int, strict: bool = False) -> str:
    """The nämnd named in f[start:end], or ''. Strict: only known districts'
    stadsdelsnämnder (for mentions outside a telling context), no '<X>nämnden'."""
    for rx in (_RE_SDN, _RE_SDF):  # "<X> stadsdelsförvaltning" -> "<X> stadsdelsnämnd"
        for m in rx.finditer(f, start, end):
            name = text[m.start(1):m.end(1)]
            if name[0].isupper() and (known := _district(name) or (None if strict else name)):
                return known + " stadsdelsnämnd"
    for m in _RE_FACK.finditer(f, start, end) if not strict else ():
        if m.group(1) not in ("stadsdels", "fack"):
            word = text[m.start():m.end()]
            return word[0].upper() + word[1:]
    return ""


def _guess_namnd(text: str, f: str) -> str:
    # 1. the decision formula: "<X> godkänner/överlämnar ..."
    for m in _RE_FORMULA.finditer(f):
        if found := _namnd_at(text, f, m.start(1), m.end(1)):
            return found
    # 2. the address block "Till\n<X>", or a first line that is a nämnd name
    if m := re.search(r"^\s*till\s*\n\s*([^\n]+)", f, re.M):
        if found := _namnd_at(text, f, m.start(1), m.end(1)):
            return found
    first = re.search(r"\S[^\n]*", text)
    if first and (found := _namnd_at(text, f, first.start(), first.end())):
        return found
    # 3. a known district's stadsdelsnämnd / stadsdelsförvaltning mentioned anywhere
    if found := _namnd_at(text, f, 0, len(f), strict=True):
        return found
    # 4. the most mentioned "<X>förvaltningen" -> "<X>nämnden" (+ "och <Y>")
    hits = [m for m in _RE_FORV.finditer(f) if m.group(1) not in ("stadsdels", "fack")]
    if not hits:
        return ""
    top = Counter(m.group(1) for m in hits).most_common(1)[0][0]
    ms = [m for m in hits if m.group(1) == top]
    name = text[ms[0].start(1):ms[0].end(1)].capitalize() + "nämnden"
    for m in ms:
        if m.group(2) and text[m.end(2) - len(m.group(2).split()[-1])].isupper():
            return name + " och " + text[m.start(2):m.end(2)].split()[-1]
    return name


def _dates(text: str, f: str) -> list[tuple[int, str]]:
    """(offset, ISO date) of every valid ISO or Swedish ('13 december 2023') date, in text order."""
    out = [(m.start(), m.group(0)) for m in _RE_ISO.finditer(text)]
    out += [(m.start(), f"{m.group(3)}-{MONTHS[m.group(2)]:02d}-{int(m.group(1)):02d}") for m in _RE_SV_DATE.finditer(f)]
    return [(pos, iso) for pos, iso in sorted(out) if _valid_iso(iso)]


def _guess_year(text: str, f: str, dates: list[tuple[int, str]], dnr_year: int | None, period: str) -> int | None:
    """Latest year stated as a date, dnr or plain year (not a range, law
    reference, 'år 2025' target, 'Agenda 2030'/'Vision 2040'), capped at the period's end."""
    years = [int(iso[:4]) for _, iso in dates] + ([dnr_year] if dnr_year else [])
    in_range = {i for m in _RE_RANGE.finditer(text) for i in range(m.start(), m.end())}
    for m in _RE_YEAR.finditer(text):
        if m.start() in in_range:
            continue
        before = f[max(0, m.start() - 8):m.start()]
        if not re.search(r"(\bar|agenda|vision)\s+$", before):
            years.append(int(m.group(1)))
    cap = int(period[-4:]) if period else 2100
    years = [y for y in years if y <= cap]
    return max(years) if years else None


def _head_lines(text: str) -> list[str]:
    """Lines before the first section heading (at most 25), dash-continued lines joined."""
    lines: list[str] = []
    for line in text.splitlines()[:25]:
        line = " ".join(line.split())
        if fold(line).rstrip(":") in _SECTION_HEADINGS:
            break
        if line and lines and lines[-1].endswith(("–", "-")):
            lines[-1] += " " + line
        elif line:
            lines.append(line)
    return lines


def _guess_title(head: list[str], fold_text: str, doc_type: str, period: str, dnr: str) -> str:
    keys = ("program", "remiss", "yttrande", "svar pa", "trygg", "sakerhet")
    parts = [ln for ln in head if len(ln) <= 120 and not ln.endswith(".") and any(k in fold(ln) for k in keys)]
    if parts:
        return " – ".join(parts)
    if period and doc_type in ("yttrande", "program"):
        title = f"Stockholms stads trygghetsprogram {period.replace('-', '–')}"
        if doc_type == "yttrande":
            title += " – svar på remiss" if "remiss" in fold_text else " – yttrande"
            title += f" ({dnr})" if dnr else ""
        return title
    return ""


def guess_metadata(doc_id: str, text: str) -> DocMeta:
    """Extract metadata from a document's text; `guessed` lists the filled fields."""
    text = text[:_SCAN]
    f = _ffold(text)
    head = _head_lines(text)
    namnd = _guess_namnd(text, f)
    m = _RE_DNR.search(text)
    dnr = f"{m.group(1)} {m.group(2)}/{m.group(3)}" if m else ""
    # the period in the title wins; else the newest one mentioned (an answer
    # about a new programme also cites the one it replaces)
    ranges = [f"{a}-{b}" for a, b in _RE_RANGE.findall("\n".join(head))]
    ranges += sorted((f"{a}-{b}" for a, b in _RE_RANGE.findall(text)), reverse=True)
    period = next((r for r in ranges if r in PERIODS), "")
    dates = _dates(text, f)
    date = next((iso for pos, iso in dates if pos < 3000), "")
    year = int(date[:4]) if date else _guess_year(text, f, dates, int(m.group(2)) if m else None, period)
    if any(s in f for s in _YTTRANDE_SIGNS):
        doc_type = "yttrande"
    elif "program" in fold(" ".join(head[:5])):
        doc_type = "program"
    else:
        doc_type = "other"
    title = _guess_title(head, f, doc_type, period, dnr)
    values = dict(title=title, namnd=namnd, doc_type=doc_type, period=period, dnr=dnr, date=date, year=year)
    guessed = tuple(k for k in FIELDS if values[k] not in ("", None) and not (k == "doc_type" and doc_type == "other"))
    return DocMeta(doc_id=doc_id, guessed=guessed, **values)


def resolve_metadata(doc_id: str, text: str, entries: dict[str, dict]) -> DocMeta:
    """Metadata for one document: the metadata.yaml entry wins field by field;
    missing fields are guessed and listed in `guessed`. A year missing from
    the entry but implied by its date is taken from the date (not guessed)."""
    entry = dict(entries.get(doc_id) or {})
    if entry.get("date") and "year" not in entry:
        entry["year"] = int(entry["date"][:4])
    if len(entry) == len(FIELDS):
        return DocMeta(doc_id=doc_id, **entry)
    guess = guess_metadata(doc_id, text)
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
    return DocMeta(doc_id=doc_id, guessed=tuple(guessed), **values)
