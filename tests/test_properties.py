"""Property tests (hypothesis) for the pure text functions: folding, OCR
repair and its span maps, chunking, page starts and metadata."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from index.chunk import SECTION_HEADINGS, _locate, _splitter, chunk_document, split_spans
from index.clean import _TOKEN, repair
from index.metadata import FIELDS, guess_metadata, load_metadata_file
from index.read import page_starts_from_text
from index.settings import ChunkSettings
from index.textnorm import fold, words
from index.types import DOC_TYPES, Document, valid_period

REPO = Path(__file__).resolve().parent.parent
CLEAN_FILES = [next((REPO / "corpus").glob(f"{n}_*.txt")) for n in ("000", "002", "003", "004")]
CLEAN_WORDS = [w for p in CLEAN_FILES for w in words(p.read_text(encoding="utf-8"))]  # with their frequencies

PROPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SWEDISH_CHARS = "abcdefghijklmnopqrstuvwxyzåäöéABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÉ0123456789"
# Text that looks like the corpus: Swedish letters, punctuation, blank lines,
# leading-space page markers, form feeds, tabs, bullets.
swedish_text = st.text(alphabet=SWEDISH_CHARS + "  \n\n\t.,;:!?-–()|&\f•\u00a0\r", max_size=2500)
any_text = st.text(max_size=600)  # all of Unicode except surrogates


@st.composite
def document_text(draw):
    """Arbitrary text with Swedish words, headings on their own lines, long
    words without break points, and stretches of random Unicode."""
    parts = draw(st.lists(st.one_of(
        swedish_text,
        st.sampled_from(SECTION_HEADINGS).map(lambda h: f"\n{h}\n"),
        st.sampled_from(SECTION_HEADINGS).map(lambda h: f"\n {fold(h).upper()}:\n"),
        st.sampled_from(CLEAN_WORDS).map(lambda w: w + " "),
        st.integers(150, 1500).map(lambda n: "x" * n),  # longer than a chunk, no separator
        st.text(max_size=80),
        st.just("\n\n\n\n Sida 2 (3)\n"),
    ), max_size=12))
    return "".join(parts)


# --------------------------------------------------------------------------- textnorm.fold


@PROPS
@given(any_text)
@example("ℌ㎒ᴬÅÄÖ İstanbul ǅ ﬃ")
def test_fold_is_idempotent_lower_case_without_combining_marks(text):
    f = fold(text)
    assert fold(f) == f
    assert f == f.lower()
    assert not any(unicodedata.combining(c) for c in f)


@PROPS
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=300))
def test_fold_of_ascii_is_lower(text):
    assert fold(text) == text.lower()


def _fold_by_definition(text: str) -> str:
    """fold as first written: NFKD of the lower-cased text twice, every combining mark dropped."""
    d = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text.lower()).lower())
    return "".join(c for c in d if not unicodedata.combining(c))


@PROPS
@given(st.one_of(any_text, swedish_text, st.sampled_from(CLEAN_WORDS)))
@example("ℌ㎒ᴬÅÄÖ İstanbul ǅ ﬃ")
@example("Förvaltningen ÄR på Årsta – ”citat” é ü ñ")
def test_fold_equals_its_definition(text):
    """The ASCII fast path changes no result."""
    assert fold(text) == _fold_by_definition(text)


def test_fold_swedish():
    assert fold("Förvaltningen ÄR på Årsta") == "forvaltningen ar pa arsta"


# --------------------------------------------------------------------------- clean.repair

OCR_WORDS = ["Forvaltningen", "FOrvaltningen", "&r", "ar", "6ka", "dka", "géller", "avgréansningarna", "for", "mal",
             "sa", "Arendet", "stadsdelsforvaltningarnas", "trygghetsomradet", "|", "ar 2025", "AR 2021", "EAV",
             "Sammanfattning", "trygghet", "Förvaltningen", "i", "och"]
ocr_text = st.lists(st.one_of(st.sampled_from(OCR_WORDS), st.sampled_from(CLEAN_WORDS), st.text(max_size=6)),
                    max_size=60).flatmap(
    lambda ws: st.lists(st.sampled_from([" ", "\n", ". ", ", ", ".\n| ", "\n\n", ""]), min_size=len(ws),
                        max_size=len(ws)).map(lambda seps: "".join(w + s for w, s in zip(ws, seps))))


def _apply(text: str, edits) -> str:
    out, last = [], 0
    for e in edits:
        assert last <= e.start < e.end <= len(text)  # sorted, non-overlapping, non-empty
        assert text[e.start:e.end] == e.original
        out += [text[last:e.start], e.replacement]
        last = e.end
    return "".join(out) + text[last:]


def _boundaries(text: str) -> list[int]:
    """Word boundaries: positions never strictly inside a token (edits are whole tokens or '|')."""
    return sorted({0, len(text)} | {p for m in _TOKEN.finditer(text) for p in (m.start(), m.end())})


@PROPS
@given(ocr_text, st.booleans(), st.data())
def test_repair_text_is_the_original_with_its_edits_applied(text, force, data):
    rep = repair(text, force=force)
    assert rep.text == _apply(text, rep.edits)
    if not rep.edits:
        assert rep.text == text
    # span maps round-trip on word boundaries, and map slices onto their repaired slices
    bounds = _boundaries(text)
    a = data.draw(st.sampled_from(bounds))
    b = data.draw(st.sampled_from([x for x in bounds if x >= a]))
    ra, rb = rep.to_repaired_span(a, b)
    assert 0 <= ra <= rb <= len(rep.text)
    assert rep.to_original_span(ra, rb) == (a, b)
    inside = [e for e in rep.edits if a <= e.start and e.end <= b]
    assert rep.text[ra:rb] == _apply(text[a:b], [type(e)(e.start - a, e.end - a, e.original, e.replacement)
                                                 for e in inside])


@PROPS
@given(any_text)
def test_repair_never_fails_on_arbitrary_text(text):
    rep = repair(text, force=True)
    assert rep.text == _apply(text, rep.edits)
    assert rep.to_original_span(0, len(rep.text)) == (0, len(text))


@PROPS
@given(st.lists(st.sampled_from(CLEAN_WORDS), min_size=20, max_size=300),
       st.lists(st.sampled_from([" ", "\n", ", ", ". ", "\n\n", " – ", ": "]), min_size=300, max_size=300))
def test_clean_swedish_is_returned_unchanged(ws, seps):
    text = "".join(w + s for w, s in zip(ws, seps))
    rep = repair(text)
    assert rep.edits == () and rep.text == text and not rep.damaged


# --------------------------------------------------------------------------- chunking

CFGS = [ChunkSettings(), ChunkSettings(size=100, overlap=0), ChunkSettings(size=150, overlap=60)]


@st.composite
def page_starts_for(draw, text: str):
    if draw(st.booleans()):
        return page_starts_from_text(text)
    cuts = draw(st.lists(st.integers(1, max(1, len(text) - 1)), max_size=8)) if len(text) > 1 else []
    return tuple(sorted({0, *cuts}))


@PROPS
@given(document_text(), st.sampled_from(CFGS), st.data())
def test_chunks_are_exact_ordered_in_bounds_and_cover_the_text(text, cfg, data):
    doc = Document(id="d", source="d.txt", text=text, page_starts=data.draw(page_starts_for(text)))
    chunks = chunk_document(doc, cfg)
    covered = bytearray(len(text))
    prev = None
    for c in chunks:
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start:c.end] == c.original == c.text
        assert c.text == c.text.strip() and c.text
        assert 1 <= c.page <= c.page_end <= doc.n_pages
        assert c.page == doc.page_of(c.start) and c.page_end == doc.page_of(c.end - 1)
        if prev is not None:
            assert (c.start, c.end) > (prev.start, prev.end)  # document order
        prev = c
        covered[c.start:c.end] = b"\x01" * (c.end - c.start)
    missed = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not missed, (missed[:5], [text[i] for i in missed[:5]])
    assert len({c.id for c in chunks}) == len(chunks)


@PROPS
@given(document_text(), st.sampled_from(CFGS))
def test_split_spans_are_exact_ordered_and_cover(text, cfg):
    spans = split_spans(text, cfg)
    assert _locate(text, _splitter(cfg).split_text(text), cfg.overlap) == spans  # never the greedy fallback
    covered = bytearray(len(text))
    for (a, b), nxt in zip(spans, spans[1:] + [None]):
        assert 0 <= a < b <= len(text)
        assert text[a:b] == text[a:b].strip()
        if nxt is not None:
            # (a piece may be nothing but the previous one's overlap, so ends only never go back)
            assert nxt[0] > a and nxt[1] >= b
        covered[a:b] = b"\x01" * (b - a)
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())


# --------------------------------------------------------------------------- page starts


@PROPS
@given(st.one_of(swedish_text, document_text(), any_text))
@example("")
@example("\f")
@example("a\f")
@example(" x\n y\n z")
@example("\n\n\n\n Sida 2 (3)\n")
def test_page_starts_strictly_increasing_from_zero(text):
    starts = page_starts_from_text(text)
    assert starts[0] == 0
    assert all(a < b for a, b in zip(starts, starts[1:]))
    if text:
        assert all(s < len(text) for s in starts)
    else:
        assert starts == (0,)


# --------------------------------------------------------------------------- metadata

YAML_VALUES = ["2021", "2021-05-06", "2021-13-45", "'2021-05-06'", ".inf", "-.inf", ".nan", "~", "null", "", "yes",
               "true", "[1, 2]", "{a: 1}", "!!binary aGVq", "!!set {a}", "!!python/object:os.system x", "&x 1", "*x",
               "*nope", "'quoted'", '"unterminated', "2020–2023", "2020 - 2023", "2018-2021", "yttrande", "program",
               "annat", "KS 2019/1939", "Spånga-Tensta stadsdelsnämnd", "12e3", "0x7e5", "2021.5", "-2021",
               "2021-05-06 10:00:00", "|\n    block", ">\n    folded", "\t", "!!int x", "!!float y", "[[[[", "}{"]
YAML_KEYS = ["title", "namnd", "doc_type", "period", "dnr", "date", "year", "unknown", "Title", "? x", "- a", "<<",
             "1", "'year'", ""]


@st.composite
def yamlish(draw):
    lines = []
    for _ in range(draw(st.integers(0, 4))):
        doc_id = draw(st.sampled_from(["000_abc", "'000_abc'", "123", "null", "[a]", "- x", "? y", "a b", "å_ö",
                                       "&anc id", "*anc", "'x': 1", "~", "true"]))
        lines.append(f"{doc_id}:{draw(st.sampled_from(['', ' ', ' # kommentar', ' ' + draw(st.sampled_from(YAML_VALUES))]))}")
        for _ in range(draw(st.integers(0, 5))):
            indent = draw(st.sampled_from(["  ", "    ", "\t", "", " "]))
            key = draw(st.sampled_from(YAML_KEYS))
            lines.append(f"{indent}{key}: {draw(st.one_of(st.sampled_from(YAML_VALUES), st.text(max_size=15)))}")
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.text(max_size=40)))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n---\nb: 1\n", "\n...\n"]))


_TMP = tempfile.TemporaryDirectory(prefix="yttra-props-")


def _load(content: str | bytes):
    path = Path(_TMP.name) / "metadata.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    try:
        return load_metadata_file(path)
    except ValueError as e:
        assert str(e).startswith(str(path)) or str(path) in str(e)
        return None


@PROPS
@given(st.one_of(yamlish(), st.text(max_size=300), st.binary(max_size=200)))
@example("[" * 5000)
@example("a: &a [*a]")
@example("&a {x: *a}")
@example("a:\n  year: .inf\n")
@example("a:\n  year: 2021-01-01\n")
@example(b"\xff\xfe\x00a")
def test_load_metadata_file_raises_only_value_error(content):
    entries = _load(content)
    if entries is not None:
        assert isinstance(entries, dict)
        for doc_id, fields in entries.items():
            assert isinstance(doc_id, str) and isinstance(fields, dict)
            if fields.get("doc_type") is not None:
                assert fields["doc_type"] in DOC_TYPES
            if fields.get("period"):
                assert valid_period(fields["period"])
            if fields.get("year") is not None:
                assert 1900 <= fields["year"] <= 2100


def test_load_metadata_file_accepts_the_real_file():
    entries = load_metadata_file(REPO / "corpus" / "metadata.yaml")
    assert len(entries) >= 5


@PROPS
@given(st.one_of(document_text(), any_text,
                 st.lists(st.sampled_from(CLEAN_WORDS + ["2020-2023", "13 december 2023", "KS 2019/1939",
                                                         "2021-02-30", "Spånga-Tensta stadsdelsnämnd godkänner",
                                                         "Till\n", "förvaltningen och Polisen", "٢٠٢١-٠١-٠١",
                                                         "２０２１-０１-０１", "20٢١-٠١-٠١", "år 2025", "Agenda 2030"]),
                          max_size=200).map(" ".join)))
def test_guess_metadata_never_raises_and_returns_valid_values(text):
    m = guess_metadata("d", text)
    assert m.doc_type in DOC_TYPES
    assert m.period == "" or valid_period(m.period)
    assert m.year is None or isinstance(m.year, int)
    assert m.date == "" or re.fullmatch(r"\d{4}-\d\d-\d\d", m.date)
    assert set(m.guessed) <= set(FIELDS) and set(m.confidence) == set(m.guessed)
