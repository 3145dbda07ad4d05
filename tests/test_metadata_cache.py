"""metadata.yaml read at the cost of what changed (index/metadata.py): a file
is cut into its entries and only entries with new text are parsed again. The
result and every error must be the whole-file parse's (`_parse_whole`), the
content (never a timestamp) decides, and edits touch one entry."""

from __future__ import annotations

import os

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import index.metadata as md
from index.metadata import MetadataError, edit_entry_text, load_metadata_file, parse_metadata

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DOC_IDS = ["000_abc", '"000_abc"', "'000_abc'", "å_ö-1", "a b", "a:b", '"x # y"', "'it''s'", '"tab\\tid"', "2021",
           "2021-05-06", "null", "yes", "_x", "ÅÄÖ", "x ", '"dup"', "dup", "Ω", "a#b", "k  "]
VALUES = ["Spånga-Tensta stadsdelsnämnd", "KS 2019/1939", "2020–2023", "2024-2027", "yttrande", "program", "annat",
          "2021", "'2021'", "2021-05-06", "2021-02-30", "", "''", '""', "~", "null", "yes", ".inf", "12e3",
          '"a: b"', "a: b", "'x # not a comment'", "x # a comment", '"esc \\" \\u00e5 \\n"', "'it''s'",
          '"unterminated', "'unterminated", "[a, b]", "{a: 1}", "&x v", "*x", "!!str 2021", "!!int x",
          "|\n    block\n    scalar", ">\n    folded", "plain\n    continued", "plain\ncolumn0", '"two\n    lines"',
          '"open\nnext: 1"', "[open,\nnext: 1]", "\tx", "a\tb", "é" * 30, "x:y", "- item", "@x", "`x`", "%x"]
FIELDS = list(md.FIELDS) + ["unknown", "Title"]


@st.composite
def metadata_files(draw):
    """Files that look like metadata.yaml: entries at column 0 with indented fields, comments and
    blank lines between them, and the odd hostile line (a list, '---', a tab, a Unicode break)."""
    nl = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    lines = draw(st.lists(st.sampled_from(["# kommentar", "", "  # indragen kommentar"]), max_size=2))
    for _ in range(draw(st.integers(0, 6))):
        head = draw(st.sampled_from(DOC_IDS)) + ":" + draw(st.sampled_from(["", "", " # k", " ~", " x", " {}"]))
        lines.append(head)
        indent = draw(st.sampled_from(["  ", "  ", "    ", " "]))
        for field in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
            lines.append(f"{indent}{field}: {draw(st.sampled_from(VALUES))}")
        lines += draw(st.lists(st.sampled_from(["", "# mellan", "  # indragen"]), max_size=2))
    if draw(st.integers(0, 4)) == 0:
        lines.insert(draw(st.integers(0, len(lines))),
                     draw(st.sampled_from(["---", "...", "- x", "\tx: 1", "  stray: 1", "? q", "<<: {a: {}}", "[",
                                           "a:\u2028b:", "a:\rb:", "\ufeffa:", "x" * 3, "%YAML 1.1"])))
    return nl.join(line.replace("\n", nl) for line in lines) + draw(st.sampled_from([nl, "", nl + nl]))


def _outcome(fn, text):
    try:
        return fn(text, "m.yaml")
    except MetadataError as e:
        return ("MetadataError", str(e), e.path, e.line, e.doc_id)


@pytest.fixture(autouse=True)
def _empty_cache():
    md._BLOCKS.clear()
    md._PARSED.clear()
    yield


@PROPS
@given(metadata_files())
@example('a:\n  title: "x\nb: y"\n')
@example("a:\n  title: &t x\nb:\n  title: *t\n")
@example("a:\n  title: x\na:\n  title: y\n")
@example("a:\n  title: x\n  title: y\nb:\n  year: 2021\n")
@example("  a:\n    title: x\nb:\n  title: y\n")
@example("a:\n  title: |\n    one\n# c\nb:\n  title: y\n")
@example("a:\n  title: x\n...\nb:\n  title: y\n")
@example("000_abc:\n  title: !!int x\n")
def test_cut_parse_is_the_whole_file_parse(text):
    md._BLOCKS.clear()
    md._PARSED.clear()
    whole = _outcome(md._parse_whole, text)
    assert _outcome(parse_metadata, text) == whole  # cold
    assert _outcome(parse_metadata, text) == whole  # from the cache


@PROPS
@given(metadata_files(), metadata_files(), st.integers(0, 400))
def test_cached_entries_do_not_leak_into_another_file(text, other, cut):
    whole = _outcome(md._parse_whole, text)
    assert _outcome(parse_metadata, text) == whole
    mixed = text[:cut] + other  # shares a prefix (some entries) with the cached file
    assert _outcome(parse_metadata, mixed) == _outcome(md._parse_whole, mixed)
    assert _outcome(parse_metadata, text) == whole


def test_libyaml_is_used_when_present():
    if not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml: the pure-Python parser serves both paths")
    assert issubclass(md._loader(True), yaml.CSafeLoader)
    assert not issubclass(md._loader(), yaml.CSafeLoader)


def test_rewrite_with_same_size_and_mtime_is_read_anew(tmp_path):
    path = tmp_path / "metadata.yaml"
    path.write_text('"a":\n  namnd: "Nämnd X"\n', encoding="utf-8")
    st0 = path.stat()
    assert load_metadata_file(path) == {"a": {"namnd": "Nämnd X"}}
    path.write_text('"a":\n  namnd: "Nämnd Y"\n', encoding="utf-8")  # same size
    os.utime(path, ns=(st0.st_atime_ns, st0.st_mtime_ns))  # and the same timestamp
    assert path.stat().st_size == st0.st_size and path.stat().st_mtime_ns == st0.st_mtime_ns
    assert load_metadata_file(path) == {"a": {"namnd": "Nämnd Y"}}


def _catalogue(n: int) -> str:
    return "# katalog\n\n" + "".join(
        f'"doc_{i:05d}":\n  title: "Yttrande {i}"\n  namnd: "Nämnd {i % 40}"\n  doc_type: yttrande\n'
        f'  period: "2024-2027"\n  year: {2015 + i % 11}\n\n' for i in range(n))


def test_errors_after_a_warm_cache_name_file_line_and_document(tmp_path):
    path = tmp_path / "metadata.yaml"
    text = _catalogue(50)
    path.write_text(text, encoding="utf-8")
    assert len(load_metadata_file(path)) == 50
    dup_entry = text + '"doc_00007":\n  title: "igen"\n'
    path.write_text(dup_entry, encoding="utf-8")
    with pytest.raises(MetadataError) as ei:
        load_metadata_file(path)
    line = dup_entry.count("\n") - 1
    assert f"metadata.yaml:{line}: dokument 'doc_00007'" in str(ei.value) and "duplicate entry" in str(ei.value)
    assert (ei.value.line, ei.value.doc_id) == (line, "doc_00007")
    dup_key = text.replace('  year: 2022\n', '  year: 2022\n  year: 2023\n', 1)
    path.write_text(dup_key, encoding="utf-8")
    with pytest.raises(MetadataError) as ei:
        load_metadata_file(path)
    assert "duplicate key 'year'" in str(ei.value) and ei.value.doc_id == "doc_00007"
    bad = text.replace("doc_type: yttrande", "doc_type: remissvar", 3)
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(MetadataError) as ei:
        load_metadata_file(path)
    assert ei.value.doc_id == "doc_00000" and "program, yttrande" in str(ei.value)  # the first of the three
    path.write_text(text, encoding="utf-8")
    assert len(load_metadata_file(path)) == 50


def test_callers_get_their_own_copy(tmp_path):
    path = tmp_path / "metadata.yaml"
    path.write_text(_catalogue(3), encoding="utf-8")
    first = load_metadata_file(path)
    first["doc_00001"]["namnd"] = "ändrad"
    first.pop("doc_00002")
    again = load_metadata_file(path)
    assert again["doc_00001"]["namnd"] == "Nämnd 1" and "doc_00002" in again


def test_a_changed_catalogue_parses_only_the_changed_entry(tmp_path, monkeypatch):
    path = tmp_path / "metadata.yaml"
    text = _catalogue(3000)
    path.write_text(text, encoding="utf-8")
    assert len(load_metadata_file(path)) == 3000
    parsed = []
    real = md._parse_whole
    monkeypatch.setattr(md, "_parse_whole", lambda t, *a, **k: parsed.append(t) or real(t, *a, **k))
    assert load_metadata_file(path)["doc_01234"]["title"] == "Yttrande 1234"  # unchanged: nothing parsed
    path.write_text(text.replace('title: "Yttrande 1234"', 'title: "Yttrande 1234 (rev)"'), encoding="utf-8")
    assert load_metadata_file(path)["doc_01234"]["title"] == "Yttrande 1234 (rev)"
    path.write_text(text + '"ny":\n  namnd: "Ny nämnd"\n', encoding="utf-8")
    assert load_metadata_file(path)["ny"] == {"namnd": "Ny nämnd"}
    assert [t.split(":")[0] for t in parsed] == ['"doc_01234"', '"ny"']
    # editing one entry's text composes that entry only
    composed = []
    real_edit = md._edit_whole
    monkeypatch.setattr(md, "_edit_whole", lambda t, *a: composed.append(t) or real_edit(t, *a))
    out = edit_entry_text(text, "doc_02000", {"namnd": "Annan nämnd", "dnr": "KS 2024/1"})
    assert [t.split(":")[0] for t in composed] == ['"doc_02000"']
    head = '"doc_02000":\n  title: "Yttrande 2000"\n'
    rest = '  doc_type: yttrande\n  period: "2024-2027"\n  year: 2024\n'
    old = head + '  namnd: "Nämnd 0"\n' + rest
    new = head + '  namnd: "Annan nämnd"\n' + rest + '  dnr: "KS 2024/1"\n'
    assert text.count(old) == 1 and out == text.replace(old, new)


@PROPS
@given(metadata_files(), st.sampled_from(["000_abc", "a b", "dup", "2021", "ny_dok", "x", "Ω"]),
       st.dictionaries(st.sampled_from(["title", "namnd", "dnr", "year"]),
                       st.sampled_from(["Ny titel", "x: y", "it's", "", 2024, None, "# inte kommentar"]),
                       min_size=1, max_size=3))
def test_edit_of_one_entry_is_the_whole_file_edit(text, doc_id, changes):
    nl = "\r\n" if "\r\n" in text else "\n"
    assert edit_entry_text(text, doc_id, changes) == md._edit_whole(text, doc_id, changes, nl)
