"""Adding files keeps them: `yttra ingest FILE…` copies a file from outside the
corpus folder into it (never over another file), a later plain ingest keeps
it, and the same document under another name (same bytes, or the same text)
is reported as a duplicate and indexed once — in the CLI, the library and the
app's upload path."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from index.intake import Known, KnownContents, find_duplicate, free_name, take_in, text_fingerprint
from index.pipeline import ingest
from index.store import read_catalogue, read_current

from conftest import HashEmbedder

runner = CliRunner()
NEW = ("Sammanfattning\nTrafiknämnden vill ha bättre belysning i gångtunnlar och vid busshållplatser.\n\n"
       "Bakgrund\nTrygghetsprogrammet 2028–2031 lyfter fram stadens offentliga miljö.\n")


def _cli(settings, *args):
    return runner.invoke(app, ["ingest", "-q", "--corpus-dir", str(settings.corpus_dir),
                               "--index-dir", str(settings.index_dir), *map(str, args)])


def _n_passages(settings) -> int:
    return len(read_current(settings.index_dir).chunks)


def _ingest(settings, paths=None):
    return ingest(settings, paths, embedder=HashEmbedder(), progress=False)


# --------------------------------------------------------------------------- the CLI, end to end


def test_outside_file_is_copied_in_and_survives_a_plain_ingest(tiny_settings, tmp_path):
    outside = tmp_path / "inkommet" / "ny_remiss.txt"
    outside.parent.mkdir()
    outside.write_text(NEW, encoding="utf-8")
    assert _cli(tiny_settings).exit_code == 0
    res = _cli(tiny_settings, outside)
    assert res.exit_code == 0, res.output
    kept = tiny_settings.corpus_dir / "ny_remiss.txt"
    assert f"Kopierade {outside} till " in res.output and "ny_remiss.txt" in res.output
    assert kept.read_text(encoding="utf-8") == NEW and outside.exists()  # a copy: the original stays
    assert "Indexerade 3 dokument" in res.output
    res = _cli(tiny_settings)  # the plain ingest that used to remove it ("Borttaget")
    assert res.exit_code == 0, res.output
    assert "Borttaget" not in res.output and "Indexerade 3 dokument" in res.output
    assert "ny_remiss" in read_catalogue(tiny_settings.index_dir) and kept.exists()
    assert read_catalogue(tiny_settings.index_dir)["ny_remiss"]["source"].endswith(f"{kept.parent.name}/ny_remiss.txt")


def test_duplicate_under_another_name_is_reported_not_indexed(tiny_settings, tmp_path):
    assert _cli(tiny_settings).exit_code == 0
    before = _n_passages(tiny_settings)
    copy = tmp_path / "samma_som_a.txt"
    copy.write_bytes((tiny_settings.corpus_dir / "a_sdn.txt").read_bytes())
    res = _cli(tiny_settings, copy)
    assert res.exit_code == 0, res.output
    assert "samma_som_a.txt" in res.output and "a_sdn" in res.output and "Dubblett" in res.output
    assert "Kopierade" not in res.output and not (tiny_settings.corpus_dir / "samma_som_a.txt").exists()
    assert _n_passages(tiny_settings) == before and "samma_som_a" not in read_catalogue(tiny_settings.index_dir)


def test_name_clash_with_other_content_keeps_both(tiny_settings, tmp_path):
    assert _cli(tiny_settings).exit_code == 0
    original = (tiny_settings.corpus_dir / "b_kyrk.txt").read_bytes()
    other = tmp_path / "b_kyrk.txt"
    other.write_text(NEW, encoding="utf-8")
    res = _cli(tiny_settings, other)
    assert res.exit_code == 0, res.output
    assert "b_kyrk_2.txt" in res.output and "upptaget" in res.output
    assert (tiny_settings.corpus_dir / "b_kyrk.txt").read_bytes() == original  # never overwritten
    assert (tiny_settings.corpus_dir / "b_kyrk_2.txt").read_text(encoding="utf-8") == NEW
    assert {"b_kyrk", "b_kyrk_2"} <= set(read_catalogue(tiny_settings.index_dir))


# --------------------------------------------------------------------------- the library


def test_same_text_other_bytes_is_a_duplicate(tiny_settings, tmp_path):
    _ingest(tiny_settings)
    before = _n_passages(tiny_settings)
    text = (tiny_settings.corpus_dir / "b_kyrk.txt").read_text(encoding="utf-8")
    resaved = tmp_path / "kyrk_export.txt"  # other line breaks and a BOM: other bytes, the same text
    resaved.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    rep = _ingest(tiny_settings, [resaved])
    assert rep.duplicates == [(str(resaved), "b_kyrk", "text")] and not rep.copied
    assert _n_passages(tiny_settings) == before


def test_duplicates_inside_the_corpus_are_indexed_once(tiny_settings):
    (tiny_settings.corpus_dir / "z_kopia.txt").write_bytes((tiny_settings.corpus_dir / "a_sdn.txt").read_bytes())
    rep = _ingest(tiny_settings)
    assert rep.documents == 2 and [(Path(f).name, d, w) for f, d, w in rep.duplicates] == [("z_kopia.txt", "a_sdn", "sha256")]
    assert (tiny_settings.corpus_dir / "z_kopia.txt").exists()  # reported, never deleted
    again = _ingest(tiny_settings)  # still reported, still once
    assert again.documents == 2 and [d[1] for d in again.duplicates] == ["a_sdn"] and again.embedded == 0


def test_a_file_changed_into_a_copy_of_another_leaves_the_index(tiny_settings):
    _ingest(tiny_settings)
    (tiny_settings.corpus_dir / "c.txt").write_text(NEW, encoding="utf-8")
    _ingest(tiny_settings)
    (tiny_settings.corpus_dir / "c.txt").write_bytes((tiny_settings.corpus_dir / "a_sdn.txt").read_bytes())
    rep = _ingest(tiny_settings)
    assert [d[1] for d in rep.duplicates] == ["a_sdn"] and rep.removed == ["c"]
    assert "c" not in read_catalogue(tiny_settings.index_dir) and (tiny_settings.corpus_dir / "c.txt").exists()


def test_records_carry_the_text_fingerprint(tiny_settings):
    _ingest(tiny_settings)
    rec = read_catalogue(tiny_settings.index_dir)["a_sdn"]
    text = (tiny_settings.corpus_dir / "a_sdn.txt").read_text(encoding="utf-8")
    assert rec["text_sha256"] == text_fingerprint(text)
    assert "confidence" in rec["meta"] and "remiss_dnr" in rec["meta"]


def test_missing_or_unsupported_outside_files_are_reported_not_copied(tiny_settings, tmp_path):
    odd = tmp_path / "anteckning.odt"
    odd.write_bytes(b"PK\x03\x04")
    rep = _ingest(tiny_settings, [tmp_path / "finns_inte.txt", odd])
    assert len(rep.failed) == 2 and not rep.copied
    assert sorted(p.name for p in tiny_settings.corpus_dir.iterdir()) == ["a_sdn.txt", "b_kyrk.txt", "metadata.yaml"]


def test_a_folder_from_outside_is_taken_in_file_by_file(tiny_settings, tmp_path):
    folder = tmp_path / "nya"
    folder.mkdir()
    (folder / "ett.txt").write_text(NEW, encoding="utf-8")
    (folder / "tva.txt").write_text(NEW, encoding="utf-8")  # the same as ett.txt
    rep = _ingest(tiny_settings, [folder])
    assert [Path(t).name for _, t in rep.copied] == ["ett.txt"]
    assert [(Path(g).name, d) for g, d, _ in rep.duplicates] == [("tva.txt", "ett")]


# --------------------------------------------------------------------------- the pieces


def test_free_name_and_take_in_never_overwrite(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "remiss.pdf").write_bytes(b"%PDF-1 a")
    (corpus / "remiss_2.txt").write_text("annan", encoding="utf-8")
    assert free_name(corpus, "remiss.txt") == "remiss_3.txt"  # doc ids are unique across suffixes
    assert free_name(corpus, ".dold.txt") == "dold.txt"
    src = tmp_path / "remiss.txt"
    src.write_text("Sammanfattning\nEn helt ny text.\n", encoding="utf-8")
    [t] = take_in([src], corpus, KnownContents())
    assert t.copied_to == corpus / "remiss_3.txt" and t.renamed and "remiss_3.txt" in t.message()
    assert (corpus / "remiss.pdf").read_bytes() == b"%PDF-1 a"
    assert not [p for p in corpus.iterdir() if p.name.startswith(".")]  # no temp file left
    [again] = take_in([src], corpus, KnownContents())  # the same file again: a duplicate of what it became
    assert again.duplicate_of == "remiss_3" and again.path is None


def test_find_duplicate_prefers_bytes_and_skips_itself():
    known = [Known("a", "s1", "t1"), Known("b", "s2", "t2"), Known("c", "s3", "t2")]
    assert find_duplicate("s2", "t1", known) == ("b", "sha256")
    assert find_duplicate("x", "t2", known) == ("b", "text")
    assert find_duplicate("x", "t2", known, self_id="b") == ("c", "text")
    assert find_duplicate("s1", "", known, self_id="a") is None
    assert find_duplicate("", "", known) is None
    assert text_fingerprint("a  b\r\nc") == text_fingerprint("a b c\n")


# --------------------------------------------------------------------------- the app's upload path


def test_upload_of_the_same_document_under_another_name(tiny_settings):
    from assistant.documents import save_uploads, upload_and_index, upload_notes

    _ingest(tiny_settings)
    before = _n_passages(tiny_settings)
    data = (tiny_settings.corpus_dir / "a_sdn.txt").read_bytes()
    records: dict = {}
    [path] = save_uploads(tiny_settings, [("Spånga yttrande.txt", data)], records=records)
    assert path.name == "a_sdn.txt"  # the document already there, nothing written
    assert not (tiny_settings.corpus_dir / "Spånga yttrande.txt").exists()
    [note] = upload_notes(records)
    assert "Spånga yttrande.txt" in note and "a_sdn" in note and "dubblett" in note
    # the same text, other bytes; and two names for one new file in one upload
    text = data.decode("utf-8").replace("\n", "\r\n").encode("utf-8")
    calls = []
    saved, report = upload_and_index(tiny_settings, [("kopia.txt", text), ("ny.txt", NEW.encode()),
                                                     ("ny igen.txt", NEW.encode())],
                                     progress=lambda f, m: calls.append(m))
    assert [p.name for p in saved] == ["a_sdn.txt", "ny.txt"]
    assert sorted((g, d, w) for g, d, w in report.duplicates) == [("kopia.txt", "a_sdn", "text"),
                                                                  ("ny igen.txt", "ny", "sha256")]
    assert "dubblett" in calls[-1]
    cat = read_catalogue(tiny_settings.index_dir)
    assert set(cat) == {"a_sdn", "b_kyrk", "ny"}
    assert _n_passages(tiny_settings) == before + cat["ny"]["n_chunks"]


@pytest.mark.parametrize("name", ["a_sdn.txt"])
def test_upload_of_the_same_file_under_its_own_name_is_reused(tiny_settings, name):
    from assistant.documents import save_uploads

    data = (tiny_settings.corpus_dir / name).read_bytes()
    records: dict = {}
    [path] = save_uploads(tiny_settings, [(name, data)], records=records)
    assert path == (tiny_settings.corpus_dir / name).resolve() and "duplicate_of" not in records[path]


# --------------------------------------------------------------------------- asking the store by hash (issue 9)


def test_known_contents_finds_by_bytes_then_text_and_excludes():
    k = KnownContents([Known("b", "s2", "t2"), Known("a", "s1", "t1"), Known("c", "s3", "t2")])
    assert k.find_content("s2", "t1") == ("b", "sha256")  # bytes first
    assert k.find_content("x", "t2") == ("b", "text")  # lowest doc id first
    assert k.find_content("x", "t2", exclude={"b"}) == ("c", "text")
    assert k.find_content("s1", "", exclude=["a"]) is None and k.find_content("", "") is None
    k.add(Known("b", "s9", ""))  # replaced: its old contents are forgotten
    assert k.find_content("s2") is None and k.find_content("", "t2") == ("c", "text")
    k.discard("c")
    assert k.find_content("", "t2") is None and k.doc_ids() == {"a", "b"}


def _store_conn(settings):
    import sqlite3

    from index.store import DB, current_store

    return sqlite3.connect(current_store(settings.index_dir) / DB, isolation_level=None)


def test_store_finds_a_document_by_bytes_and_by_text_through_an_index(tiny_settings):
    from index.local import LocalCorpus
    from index.store import current_store
    from index.writer import StoreWriter

    _ingest(tiny_settings)
    cat = read_catalogue(tiny_settings.index_dir)
    a = cat["a_sdn"]
    corpus = LocalCorpus(tiny_settings, HashEmbedder())
    writer = StoreWriter(current_store(tiny_settings.index_dir), 1000)
    try:
        for store in (corpus, writer):
            assert store.find_content(a["sha256"]) == ("a_sdn", "sha256")
            assert store.find_content("0" * 64, a["text_sha256"]) == ("a_sdn", "text")
            assert store.find_content(a["sha256"], cat["b_kyrk"]["text_sha256"]) == ("a_sdn", "sha256")
            assert store.find_content(a["sha256"], a["text_sha256"], exclude={"a_sdn"}) is None  # not itself
            assert store.find_content("", "") is None and store.find_content("0" * 64) is None
        assert writer.doc_ids() == {"a_sdn", "b_kyrk"}
    finally:
        writer.close()
    assert corpus._index is None  # answered without loading the index
    with _store_conn(tiny_settings) as conn:
        for col in ("sha256", "text_sha256"):
            plan = " ".join(str(r) for r in conn.execute(
                f"EXPLAIN QUERY PLAN SELECT doc_id FROM documents WHERE {col} = ? ORDER BY doc_id", ("x",)))
            assert "USING INDEX documents_" in plan, plan  # an index lookup, not a scan of the catalogue


def test_an_index_from_before_the_content_columns_is_migrated(tiny_settings, tmp_path):
    from index.local import LocalCorpus
    from index.store import has_content_columns

    _ingest(tiny_settings)
    a = read_catalogue(tiny_settings.index_dir)["a_sdn"]
    with _store_conn(tiny_settings) as conn:  # as an index.sqlite written before them
        conn.execute("DROP INDEX documents_sha")
        conn.execute("DROP INDEX documents_text")
        conn.execute("ALTER TABLE documents DROP COLUMN sha256")
        conn.execute("ALTER TABLE documents DROP COLUMN text_sha256")
        assert not has_content_columns(conn)
    corpus = LocalCorpus(tiny_settings, HashEmbedder())
    assert corpus.find_content("", a["text_sha256"]) == ("a_sdn", "text")  # readers answer before the migration
    assert corpus.search("ordningsvakter", k=1, mode="bm25")[0].chunk.doc_id == "a_sdn"
    copy = tmp_path / "kopia.txt"  # the same text, other bytes: found by text through the migrated columns
    copy.write_bytes((tiny_settings.corpus_dir / "a_sdn.txt").read_bytes().replace(b"\n", b"\r\n"))
    rep = _ingest(tiny_settings, [copy])  # the first writer migrates the store in place
    assert rep.duplicates == [(str(copy), "a_sdn", "text")] and not rep.copied
    with _store_conn(tiny_settings) as conn:
        assert has_content_columns(conn)
        rows = {d: (s, t) for d, s, t in conn.execute("SELECT doc_id, sha256, text_sha256 FROM documents")}
    cat = read_catalogue(tiny_settings.index_dir)
    assert rows == {d: (r["sha256"], r["text_sha256"]) for d, r in cat.items()} and rows["a_sdn"][0] == a["sha256"]
    assert _ingest(tiny_settings).documents == 2  # and the store is whole: nothing rebuilt, nothing lost


def test_adding_one_document_reads_no_other_record(tiny_settings, tmp_path, monkeypatch):
    """The duplicate check of an add asks the store by hash: no ingest given paths loads every
    record (before issue 9 it did, twice: take_files and Duplicates), whether the file is in the
    corpus folder, comes from outside, or repeats another document."""
    import index.store as store_mod
    import index.writer as writer_mod

    _ingest(tiny_settings)
    calls = []
    for cls in (writer_mod.StoreWriter, store_mod.StoreReader):
        real = cls.records

        def counted(self, *args, _real=real, **kw):
            ids = args[0] if args else kw.get("doc_ids")
            calls.append(None if ids is None else sorted(ids))
            return _real(self, *args, **kw)

        monkeypatch.setattr(cls, "records", counted)
    new = tiny_settings.corpus_dir / "c_ny.txt"
    new.write_text(NEW, encoding="utf-8")
    assert _ingest(tiny_settings, [new]).ok
    outside = tmp_path / "ute.txt"
    outside.write_text(NEW.replace("gångtunnlar", "parker"), encoding="utf-8")
    rep = _ingest(tiny_settings, [outside])
    assert rep.ok and [Path(t).name for _, t in rep.copied] == ["ute.txt"]
    twin = tmp_path / "tvilling.txt"
    twin.write_text(NEW.replace("\n", "\r\n"), encoding="utf-8")
    rep = _ingest(tiny_settings, [twin])
    assert rep.duplicates == [(str(twin), "c_ny", "text")]
    assert None not in calls and all(len(ids) <= 1 for ids in calls), calls  # only the added file's own record
    assert set(read_catalogue(tiny_settings.index_dir)) == {"a_sdn", "b_kyrk", "c_ny", "ute"}


def test_a_duplicate_of_a_document_removed_in_the_same_ingest_is_indexed(tiny_settings):
    """What the index held before an ingest counts only while it is still there: a file that repeats
    a document this ingest removes, or the old version of one it changes, is no duplicate."""
    _ingest(tiny_settings)
    a = tiny_settings.corpus_dir / "a_sdn.txt"
    moved = tiny_settings.corpus_dir / "a_flyttad.txt"
    moved.write_bytes(a.read_bytes())
    a.unlink()  # renamed: a_sdn leaves the index, a_flyttad comes in
    rep = _ingest(tiny_settings)
    assert not rep.duplicates and rep.removed == ["a_sdn"]
    assert set(read_catalogue(tiny_settings.index_dir)) == {"a_flyttad", "b_kyrk"}
    old_b = (tiny_settings.corpus_dir / "b_kyrk.txt").read_bytes()
    (tiny_settings.corpus_dir / "b_kyrk.txt").write_text(NEW, encoding="utf-8")  # b changes ...
    (tiny_settings.corpus_dir / "c_gamla_b.txt").write_bytes(old_b)  # ... and its old text comes in as c
    rep = _ingest(tiny_settings)
    assert not rep.duplicates and set(read_catalogue(tiny_settings.index_dir)) == {"a_flyttad", "b_kyrk", "c_gamla_b"}
