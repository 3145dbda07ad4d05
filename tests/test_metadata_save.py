"""Saving metadata never loses data (issue 11 point 1, issue 12 findings 6 and 8).

An unchanged save writes nothing; a blank field never overwrites a value
unless the user confirms; only the changed values change in the file's text
(comments kept); every write keeps the previous file; a save made while
another ingest runs ends up in the index; a hand-edited metadata.yaml with an
error is reported with file, line and document, and the app still starts.
The form edits every field of an entry, remiss_dnr and handlaggare included
(issue 12 caveat 4), by the same rules.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assistant import documents as docs
from assistant.documents import (
    MetadataConflict, list_documents, metadata_form, metadata_history, reindex_document, save_metadata,
    update_metadata,
)
from index.metadata import FIELDS, MetadataError, load_metadata_file, parse_metadata
from index.pipeline import ingest
from index.settings import Settings

REPO = Path(__file__).resolve().parent.parent
REAL_IDS = ["000_3597c3daaecaf7f2", "001_2da92ff9d07e789e", "002_80d6bf5fc05df009", "003_8cbd9df508089135",
            "004_1f364216c0b50e56"]


@pytest.fixture
def real_copy(corpus_copy, tmp_path):
    """Settings over a writable copy of the real corpus (the real, commented metadata.yaml); not indexed."""
    return Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "index")


def _yaml(settings) -> Path:
    return Path(settings.corpus_dir) / settings.metadata_file


def _diff(a: str, b: str) -> list[str]:
    return [ln for ln in difflib.ndiff(a.splitlines(), b.splitlines()) if ln[:1] in "+-"]


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".metadata-")
            and p.is_file()]


# --------------------------------------------------------------------------- the form and the save


@pytest.mark.parametrize("doc_id", REAL_IDS)
def test_form_shows_the_file_values_and_an_unchanged_save_writes_nothing(real_copy, doc_id):
    path = _yaml(real_copy)
    before = path.read_bytes()
    form = metadata_form(real_copy, doc_id)
    assert form.values == {k: load_metadata_file(path)[doc_id][k] for k in FIELDS} and form.guessed == []
    as_typed = {k: "" if v is None else str(v) for k, v in form.values.items()}  # what the browser sends back
    res = save_metadata(real_copy, doc_id, as_typed, base=form.values)
    assert res.changed == {} and res.kept_blank == [] and res.backup is None
    assert path.read_bytes() == before
    assert metadata_history(real_copy) == []


def test_the_users_empty_form_wipes_nothing(real_copy):
    """What the old form sent: every field empty. Nothing may be blanked without confirmation."""
    path = _yaml(real_copy)
    before = path.read_bytes()
    empty = {"title": "", "namnd": "", "doc_type": None, "period": "", "dnr": "", "date": "", "year": "",
             "remiss_dnr": "", "handlaggare": ""}
    res = save_metadata(real_copy, REAL_IDS[0], empty)
    assert res.changed == {}
    assert res.kept_blank == ["title", "namnd", "doc_type", "period", "dnr", "year", "remiss_dnr"]  # date,
    assert path.read_bytes() == before  # handlaggare were "" already


def test_one_changed_field_changes_one_value_and_keeps_comments(real_copy):
    path = _yaml(real_copy)
    before = path.read_text(encoding="utf-8")
    doc = "003_8cbd9df508089135"
    form = metadata_form(real_copy, doc)
    res = save_metadata(real_copy, doc, {**form.values, "dnr": "HL 2017/1234"}, base=form.values)
    assert res.changed == {"dnr": "HL 2017/1234"}
    after = path.read_text(encoding="utf-8")
    assert _diff(before, after) == ['-   dnr: ""           # not stated in the text',
                                    '+   dnr: "HL 2017/1234"           # not stated in the text']
    assert after.count("#") == before.count("#")
    entries = load_metadata_file(path)
    assert entries[doc] == {**form.values, "dnr": "HL 2017/1234"}
    # reversible: the previous file is kept byte for byte, and named in the result
    [backup] = metadata_history(real_copy)
    assert res.backup == backup and backup.read_text(encoding="utf-8") == before
    assert backup.parent == Path(real_copy.corpus_dir) / ".metadata-history"
    assert _leftovers(Path(real_copy.corpus_dir)) == []


def test_blank_clears_only_when_confirmed(real_copy):
    path = _yaml(real_copy)
    doc = "002_80d6bf5fc05df009"
    form = metadata_form(real_copy, doc)
    before = path.read_text(encoding="utf-8")
    res = save_metadata(real_copy, doc, {**form.values, "dnr": "  "}, base=form.values)
    assert res.changed == {} and res.kept_blank == ["dnr"] and path.read_text(encoding="utf-8") == before

    res = save_metadata(real_copy, doc, {**form.values, "dnr": "", "year": ""}, base=form.values, clear_blank=True)
    assert res.changed == {"dnr": "", "year": None}
    after = path.read_text(encoding="utf-8")
    assert _diff(before, after) == ['-   dnr: "KS 2023/739"', '+   dnr: ""', '-   year: 2023', '+   year: null']
    assert load_metadata_file(path)[doc]["dnr"] == "" and load_metadata_file(path)[doc]["year"] is None


def test_guessed_values_are_shown_marked_and_not_written_unless_changed(tiny_settings):
    path = _yaml(tiny_settings)
    path.write_text("# bara a_sdn har en post\na_sdn:\n  namnd: Spånga-Tensta stadsdelsnämnd\n", encoding="utf-8")
    before = path.read_bytes()
    form = metadata_form(tiny_settings, "b_kyrk")
    assert form.values["namnd"] == "Kyrkogårdsnämnden" and "namnd" in form.guessed
    assert save_metadata(tiny_settings, "b_kyrk", dict(form.values), base=form.values).changed == {}
    assert path.read_bytes() == before

    res = save_metadata(tiny_settings, "b_kyrk", {**form.values, "title": "Kyrkogårdarnas yttrande"}, base=form.values)
    assert res.changed == {"title": "Kyrkogårdarnas yttrande"}
    assert load_metadata_file(path) == {"a_sdn": {"namnd": "Spånga-Tensta stadsdelsnämnd"},
                                        "b_kyrk": {"title": "Kyrkogårdarnas yttrande"}}  # the guesses stay guesses
    assert path.read_text(encoding="utf-8").startswith(before.decode("utf-8"))  # appended, the rest as it was
    assert "title" not in metadata_form(tiny_settings, "b_kyrk").guessed


def test_saving_another_field_keeps_remiss_dnr_and_handlaggare(real_copy):
    """The two fields the form did not show before (issue 12 caveat 4): a save
    of another field never blanks them, whether the form sends them (blank or
    unchanged) or not at all (a form from before they were added)."""
    path = _yaml(real_copy)
    doc = REAL_IDS[0]
    update_metadata(real_copy, doc, {"handlaggare": "Anna Lindqvist"})

    def typed(form) -> dict:  # what the browser sends back
        return {k: "" if v is None else str(v) for k, v in form.values.items()}

    form = metadata_form(real_copy, doc)
    assert (form.values["remiss_dnr"], form.values["handlaggare"]) == ("KS 2019/1939", "Anna Lindqvist")
    old_form = {k: v for k, v in typed(form).items() if k not in ("remiss_dnr", "handlaggare")}
    res = save_metadata(real_copy, doc, {**old_form, "dnr": "KS 2019/1"}, base=form.values)
    assert res.changed == {"dnr": "KS 2019/1"}
    form = metadata_form(real_copy, doc)
    res = save_metadata(real_copy, doc, {**typed(form), "dnr": "KS 2019/2"}, base=form.values)
    assert res.changed == {"dnr": "KS 2019/2"}
    form = metadata_form(real_copy, doc)
    res = save_metadata(real_copy, doc, {**typed(form), "dnr": "KS 2019/3", "remiss_dnr": "", "handlaggare": " "},
                        base=form.values)
    assert res.changed == {"dnr": "KS 2019/3"} and res.kept_blank == ["remiss_dnr", "handlaggare"]
    entry = load_metadata_file(path)[doc]
    assert (entry["remiss_dnr"], entry["handlaggare"], entry["dnr"]) == ("KS 2019/1939", "Anna Lindqvist", "KS 2019/3")
    form = metadata_form(real_copy, doc)
    res = save_metadata(real_copy, doc, {**typed(form), "handlaggare": ""}, base=form.values, clear_blank=True)
    assert res.changed == {"handlaggare": ""} and load_metadata_file(path)[doc]["remiss_dnr"] == "KS 2019/1939"


def test_someone_elses_change_is_not_overwritten(real_copy):
    doc = REAL_IDS[2]
    mine = metadata_form(real_copy, doc)
    update_metadata(real_copy, doc, {"namnd": "Annan nämnd"})  # another user saves first
    # my unrelated change keeps theirs
    save_metadata(real_copy, doc, {**mine.values, "dnr": "KS 2023/740"}, base=mine.values)
    entry = load_metadata_file(_yaml(real_copy))[doc]
    assert entry["namnd"] == "Annan nämnd" and entry["dnr"] == "KS 2023/740"
    # my change of the same field is refused, theirs stays
    with pytest.raises(MetadataConflict, match="namnd"):
        save_metadata(real_copy, doc, {**mine.values, "namnd": "Min nämnd"}, base=mine.values)
    assert load_metadata_file(_yaml(real_copy))[doc]["namnd"] == "Annan nämnd"


def test_invalid_input_writes_nothing(real_copy):
    path = _yaml(real_copy)
    before = path.read_bytes()
    form = metadata_form(real_copy, REAL_IDS[0])
    for bad in ({"date": "2023-02-30"}, {"year": "tjugo"}, {"period": "2023-2020"}, {"doc_type": "remiss"}):
        with pytest.raises(ValueError):
            save_metadata(real_copy, REAL_IDS[0], {**form.values, **bad}, base=form.values)
    with pytest.raises(KeyError):
        save_metadata(real_copy, "saknas", form.values)
    assert path.read_bytes() == before and metadata_history(real_copy) == []


def test_history_is_bounded_and_keeps_the_newest(real_copy, monkeypatch):
    monkeypatch.setattr(docs, "HISTORY_KEEP", 3)
    path = _yaml(real_copy)
    versions = []
    for i in range(5):
        versions.append(path.read_bytes())
        update_metadata(real_copy, REAL_IDS[1], {"dnr": f"EAV 2020/{600 + i}"})
    kept = metadata_history(real_copy)
    assert [p.read_bytes() for p in kept] == versions[-3:]


def test_a_failed_write_changes_nothing_and_leaves_no_temp_file(real_copy, monkeypatch):
    path = _yaml(real_copy)
    before = path.read_bytes()
    real_replace = os.replace

    def disk_full(src, dst):
        if Path(dst) == path:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        update_metadata(real_copy, REAL_IDS[0], {"dnr": "KS 2019/1"})
    assert path.read_bytes() == before
    assert _leftovers(Path(real_copy.corpus_dir)) == []


def test_crlf_file_keeps_its_line_endings(tiny_settings):
    path = _yaml(tiny_settings)
    text = path.read_text(encoding="utf-8").replace("\n", "\r\n")
    path.write_bytes(text.encode("utf-8"))
    update_metadata(tiny_settings, "a_sdn", {"dnr": "KS 2019/2"})
    out = path.read_bytes().decode("utf-8")
    assert out == text.replace("dnr: KS 2019/1939", "dnr: KS 2019/2")


# --------------------------------------------------------------------------- hand-edited metadata.yaml


def _broken(text: str, kind: str) -> str:
    if kind == "syntax":
        return text.replace('  dnr: "KS 2023/739"\n', '  dnr: "KS 2023/739\n')
    if kind == "date":
        return text.replace('  date: "2023-12-13"', "  date: 2023-02-30")
    if kind == "duplicate-entry":  # a copy-pasted entry with another document's values
        return text + '\n"002_80d6bf5fc05df009":\n  title: "Kopia"\n  namnd: "Fel nämnd"\n'
    if kind == "duplicate-key":
        return text.replace('  namnd: "Kyrkogårdsnämnden"\n', '  namnd: "Kyrkogårdsnämnden"\n  namnd: "Fel"\n')
    raise AssertionError(kind)


def _line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("kind,needle,words", [
    ("syntax", '  date: "2023-12-13"', "ogiltig YAML"),  # the unclosed quote is noticed on the next key
    ("date", "  date: 2023-02-30", "Ogiltigt datum '2023-02-30'"),
    ("duplicate-entry", '\n"002_80d6bf5fc05df009":\n  title: "Kopia"', "två gånger"),
    ("duplicate-key", '  namnd: "Fel"', "fältet 'namnd' står två gånger"),
])
def test_yaml_errors_name_file_line_and_document(real_copy, kind, needle, words):
    path = _yaml(real_copy)
    text = _broken(path.read_text(encoding="utf-8"), kind)
    path.write_text(text, encoding="utf-8")
    line = _line_of(text, needle) + (1 if needle.startswith("\n") else 0)
    with pytest.raises(MetadataError) as err:
        load_metadata_file(path)
    msg = str(err.value)
    assert f"metadata.yaml:{line}: dokument '002_80d6bf5fc05df009'" in msg, msg
    assert words in msg and " / " in msg and "\n" not in msg
    assert (err.value.line, err.value.doc_id) == (line, "002_80d6bf5fc05df009")
    # a broken file is never saved over: the hand edit stays for the user to fix
    with pytest.raises(MetadataError):
        save_metadata(real_copy, REAL_IDS[0], {"dnr": "KS 1/1"})
    assert path.read_text(encoding="utf-8") == text


def test_duplicates_in_pure_parse_are_rejected():
    with pytest.raises(MetadataError, match=r"m\.yaml:3: dokument 'a'.*även rad 1"):
        parse_metadata("a:\n  namnd: X\na:\n  namnd: Y\n", "m.yaml")
    with pytest.raises(MetadataError, match=r"m\.yaml:3: dokument 'a'.*'year'"):
        parse_metadata("a:\n  year: 2021\n  year: 2022\n", "m.yaml")


def test_cli_ingest_with_broken_yaml_is_one_line(tiny_settings):
    path = _yaml(tiny_settings)
    path.write_text(path.read_text(encoding="utf-8").replace("  date: '2023-12-13'", "  date: 2023-13-01"),
                    encoding="utf-8")
    line = _line_of(path.read_text(encoding="utf-8"), "date: 2023-13-01")
    env = {**os.environ, "YTTRA_INDEX_DIR": str(tiny_settings.index_dir)}
    res = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "-q", "--corpus-dir",
                          str(tiny_settings.corpus_dir)], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert lines[0].startswith("yttra: ") and f"metadata.yaml:{line}: dokument 'b_kyrk'" in lines[0]
    assert "Ogiltigt datum" in lines[0] and "/ date must be" in lines[0]


def test_app_starts_with_broken_yaml_and_shows_the_error(tiny_settings):
    import gradio as gr

    from assistant.app import build_app

    path = _yaml(tiny_settings)
    path.write_text(_broken("b_kyrk:\n  namnd: \"Kyrkogårdsnämnden\"\n", "duplicate-key"), encoding="utf-8")
    demo = build_app(tiny_settings)  # nothing indexed yet: the table reads every file
    [status] = [b for b in demo.blocks.values() if isinstance(b, gr.Markdown) and b.elem_id == "yttra-status"]
    shown = status.value.replace("\\", "")  # as rendered: Markdown escapes removed
    assert "metadata.yaml kan inte läsas" in shown and "Traceback" not in shown
    assert "metadata.yaml:3: dokument 'b_kyrk': fältet 'namnd' står två gånger" in shown
    rows = {d.doc_id: d for d in list_documents(tiny_settings)}
    assert set(rows) == {"a_sdn", "b_kyrk"}  # listing still works, from the guesses
    assert path.read_text(encoding="utf-8").count("namnd") == 2  # the file is left for the user to fix


# --------------------------------------------------------------------------- saves, the index lock and the app


def test_a_save_during_another_ingest_ends_up_in_the_index(tiny_settings, monkeypatch):
    """Issue 12 finding 6: save 1 waits for the index lock while save 2 is saved
    and indexed; when save 1's ingest finally runs it must index the file as
    it is then (save 2), not the version it saw before waiting."""
    import index.pipeline as pipeline
    from index.retriever import Retriever

    assert ingest(tiny_settings, progress=False).ok
    real_lock = pipeline.ingest_lock
    first_waits, second_done = threading.Event(), threading.Event()

    @contextlib.contextmanager
    def gated(index_dir, *a, **kw):
        if threading.current_thread().name == "save-1":
            first_waits.set()
            second_done.wait(300)
        with real_lock(index_dir, *a, **kw):
            yield

    monkeypatch.setattr(pipeline, "ingest_lock", gated)
    errors = []

    def save(value):
        try:
            form = metadata_form(tiny_settings, "b_kyrk")
            save_metadata(tiny_settings, "b_kyrk", {**form.values, "namnd": value}, base=form.values)
            reindex_document(tiny_settings, "b_kyrk")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    first = threading.Thread(target=save, args=("Första nämnden",), name="save-1")
    first.start()
    assert first_waits.wait(300)
    second = threading.Thread(target=save, args=("Andra nämnden",), name="save-2")
    second.start()
    second.join(300)
    second_done.set()
    first.join(300)
    assert not errors and not first.is_alive()
    assert load_metadata_file(_yaml(tiny_settings))["b_kyrk"]["namnd"] == "Andra nämnden"
    row = {d.doc_id: d for d in list_documents(tiny_settings)}["b_kyrk"]
    assert row.indexed and row.namnd == "Andra nämnden"
    hit = Retriever(tiny_settings).search("begravningsplatser trygga", k=1)[0]
    assert hit.chunk.doc_id == "b_kyrk" and hit.chunk.namnd == "Andra nämnden"


def _handler(demo, name):
    return next(f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == name)


def _form_out(loaded) -> tuple[list, dict]:
    """(field values, base) from on_meta_load's updates (one per META_LABELS field, then the base)."""
    from assistant.app import META_LABELS

    n = len(META_LABELS)
    return [u["value"] for u in loaded[:n]], loaded[n]


def test_app_save_is_truthful_when_the_index_is_busy(tiny_settings, monkeypatch):
    import index.pipeline as pipeline
    from assistant import indexing
    from assistant.app import build_app
    from index.store import ingest_lock

    assert ingest(tiny_settings, progress=False).ok
    demo = build_app(tiny_settings.with_overrides(app__index_wait_s=1.0))
    load, save = _handler(demo, "on_meta_load"), _handler(demo, "on_meta_save")
    path = _yaml(tiny_settings)

    values, base = _form_out(load("b_kyrk"))
    assert values == ["Trygghetsprogram 2024–2027", "Kyrkogårdsnämnden", "yttrande", "2024-2027", "KS 2023/739",
                      "2023-12-13", "2023", "", ""]
    before = path.read_bytes()
    msg = save("b_kyrk", *values, False, base)[0]
    assert "Inga ändringar" in msg and "Ingen omindexering" in msg and path.read_bytes() == before

    # another ingest holds the lock past the (shortened) wait: the YAML is saved, the index waits for the
    # lock and is retried (issue 12 caveat 2), never reported as failed while it is
    monkeypatch.setattr(pipeline, "ingest_lock", lambda index_dir, timeout=None: ingest_lock(index_dir, timeout=0.3))
    monkeypatch.setattr(indexing, "LOCK_RETRY_DELAYS_S", (0.2,) * 50)
    values[1] = "Testnämnden"
    with ingest_lock(Path(tiny_settings.index_dir)):
        msg = save("b_kyrk", *values, False, base)[0]
        assert "Sparades inte" not in msg and "Inte omindexerat" not in msg
        assert "Sparat" in msg and "väntar på indexlåset" in msg and ".metadata-history/" in msg
        assert load_metadata_file(path)["b_kyrk"]["namnd"] == "Testnämnden"
        assert {d.doc_id: d for d in list_documents(tiny_settings)}["b_kyrk"].namnd == "Kyrkogårdsnämnden"
    assert demo.yttra_indexer.join(120)  # the lock is free: the retry indexes the save
    assert {d.doc_id: d for d in list_documents(tiny_settings)}["b_kyrk"].namnd == "Testnämnden"

    # saving again without edits: nothing to write and nothing to index
    values, base = _form_out(load("b_kyrk"))
    msg = save("b_kyrk", *values, False, base)[0]
    assert "Inga ändringar" in msg and "Ingen omindexering" in msg

    # the old bug: a form sent with empty fields blanks nothing
    before = path.read_bytes()
    msg = save("b_kyrk", "", "", None, "", "", "", "", "", "", False, None)[0]
    assert "Inga ändringar" in msg and "Tomma fält ändrades inte" in msg and path.read_bytes() == before


TU_TEXT = ("Kyrkogårdsförvaltningen\nTjänsteutlåtande\nDnr KF 2023/88\nSida 1 (2)\n2023-11-02\n"
           "Handläggare\nAnna Lindqvist\nTelefon: 08-508 000 00\n\nTill Kyrkogårdsnämnden\n\n"
           "Remiss av trygghetsprogram 2024–2027\nKS 2023/739\n\nFörslag till beslut\nNämnden godkänner "
           "förvaltningens tjänsteutlåtande.\n\nSammanfattning\nFörvaltningen ställer sig positiv till programmet.\n")


def test_the_form_edits_remiss_dnr_and_handlaggare_and_keeps_guesses_guesses(tiny_settings):
    """Issue 12 caveat 4: the form shows and saves remiss_dnr and handlaggare
    ("Remissens diarienummer", "Handläggare"), loaded from the record, through
    the same save path; guessed values are shown marked (gissat) and written
    only when the user changes them, like every other guessed field; a save of
    another field never blanks them."""
    from assistant.app import META_LABELS, build_app
    from conftest import HashEmbedder
    from index.local import LocalCorpus
    from index.store import read_catalogue

    assert (META_LABELS["remiss_dnr"], META_LABELS["handlaggare"]) == ("Remissens diarienummer", "Handläggare")
    assert list(META_LABELS) == list(FIELDS)  # the form edits every field of an entry
    (Path(tiny_settings.corpus_dir) / "c_tu.txt").write_text(TU_TEXT, encoding="utf-8")
    s = tiny_settings.with_overrides(app__index_wait_s=30.0)
    assert ingest(s, embedder=HashEmbedder(), progress=False).ok
    demo = build_app(s, LocalCorpus(s, HashEmbedder()))
    load, save = _handler(demo, "on_meta_load"), _handler(demo, "on_meta_save")
    path = _yaml(s)
    i, j = list(FIELDS).index("remiss_dnr"), list(FIELDS).index("handlaggare")

    loaded = load("c_tu")
    values, base = _form_out(loaded)
    assert (values[i], values[j]) == ("KS 2023/739", "Anna Lindqvist")
    assert loaded[i]["label"] == "Remissens diarienummer (gissat)" and loaded[j]["label"] == "Handläggare (gissat)"

    # another field saved: the guesses are not written as if confirmed
    values[1] = "Kyrkogårdsnämnden i Stockholm"
    msg = save("c_tu", *values, False, base)[0]
    assert "**Sparat**" in msg and "Handläggare" not in msg and "Remissens" not in msg
    assert load_metadata_file(path)["c_tu"] == {"namnd": "Kyrkogårdsnämnden i Stockholm"}
    assert demo.yttra_indexer.join(60)
    loaded = load("c_tu")
    assert loaded[j]["label"] == "Handläggare (gissat)" and loaded[j]["value"] == "Anna Lindqvist"

    # the user corrects the handläggare: that one value is saved, and indexed
    values, base = _form_out(loaded)
    values[j] = "Karin Berg"
    msg = save("c_tu", *values, False, base)[0]
    assert "Handläggare → ”Karin Berg”" in msg and "omindexerat" in msg
    assert load_metadata_file(path)["c_tu"] == {"namnd": "Kyrkogårdsnämnden i Stockholm", "handlaggare": "Karin Berg"}
    rec = read_catalogue(s.index_dir)["c_tu"]["meta"]
    assert rec["handlaggare"] == "Karin Berg" and "handlaggare" not in rec["guessed"] and "remiss_dnr" in rec["guessed"]
    loaded = load("c_tu")
    assert loaded[j]["label"] == "Handläggare" and loaded[i]["label"] == "Remissens diarienummer (gissat)"

    # a blank sent for them keeps them (unless "Töm fält som lämnats tomma")
    values, base = _form_out(loaded)
    values[i], values[j], values[4] = "", "", "KF 2023/89"
    msg = save("c_tu", *values, False, base)[0]
    assert "Dnr → ”KF 2023/89”" in msg and "Tomma fält ändrades inte (Remissens diarienummer, Handläggare)" in msg
    assert load_metadata_file(path)["c_tu"] == {"namnd": "Kyrkogårdsnämnden i Stockholm",
                                                "handlaggare": "Karin Berg", "dnr": "KF 2023/89"}

    # a typed remiss dnr on a document with a full entry: saved, the rest of the entry as it was
    values, base = _form_out(load("b_kyrk"))
    values[i] = "KS 2023/739"
    save("b_kyrk", *values, False, base)
    entry = load_metadata_file(path)["b_kyrk"]
    assert entry["remiss_dnr"] == "KS 2023/739" and entry["namnd"] == "Kyrkogårdsnämnden" and "handlaggare" not in entry
