"""The "Dokument" tab's library: listing, page view, safe uploads, metadata edits."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

import pytest

from assistant.documents import (
    UploadError, document_pages, list_documents, safe_filename,
    save_uploads, update_metadata, upload_and_index,
)
from index.metadata import load_metadata_file
from index.pipeline import ingest
from index.settings import AppSettings, Settings

MAX_UPLOAD_FILES = AppSettings().max_upload_files  # the defaults; the limits come from settings only
MAX_UPLOAD_BYTES = AppSettings().max_upload_mb * 1024 * 1024

OCR_ID = "001_2da92ff9d07e789e"
TXT = ("Sammanfattning\nFörvaltningen föreslår att fågelskådningsplattformen vid Järvafältet "
       "får bättre belysning. Nämnden ställer sig positiv till åtgärden.\n")


def _files(corpus: Path) -> set[str]:
    return {p.name for p in corpus.iterdir()}


def _docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<x/>")
    return buf.getvalue()


# --------------------------------------------------------------------------- listing and pages


def test_list_documents_before_and_after_ingest(tiny_settings):
    before = {d.doc_id: d for d in list_documents(tiny_settings)}
    assert set(before) == {"a_sdn", "b_kyrk"}
    assert not any(d.indexed for d in before.values())
    assert before["a_sdn"].namnd == "Spånga-Tensta stadsdelsnämnd" and before["a_sdn"].n_chunks == 0
    assert before["b_kyrk"].date == "2023-12-13" and before["b_kyrk"].pages >= 1

    assert ingest(tiny_settings, progress=False).ok
    after = {d.doc_id: d for d in list_documents(tiny_settings)}
    assert all(d.indexed and d.n_chunks > 0 for d in after.values())
    assert after["b_kyrk"].namnd == "Kyrkogårdsnämnden" and after["b_kyrk"].year == 2023

    (tiny_settings.corpus_dir / "a_sdn.txt").write_text("Ändrad text. " * 20, encoding="utf-8")
    (tiny_settings.corpus_dir / "c_bad.txt").write_bytes(b"")
    rows = {d.doc_id: d for d in list_documents(tiny_settings)}
    assert not rows["a_sdn"].indexed  # changed since the ingest
    assert not rows["c_bad"].indexed and rows["c_bad"].title.startswith("(kunde inte läsas:")


def test_document_pages_repaired_and_original(corpus_copy, tmp_path):
    settings = Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "index")
    pages = document_pages(settings, OCR_ID)
    assert [p["page"] for p in pages] == list(range(1, 10))
    first = pages[0]
    assert first["repaired"] and "Förvaltningen" in first["text"] and "Forvaltningen" in first["original"]
    original = (corpus_copy / f"{OCR_ID}.txt").read_text(encoding="utf-8")
    assert "".join(p["original"] for p in pages) == original
    assert all(p["repaired"] == (p["text"] != p["original"]) for p in pages)


def test_document_pages_clean_file_and_unknown(tiny_settings):
    pages = document_pages(tiny_settings, "a_sdn")
    assert pages and all(not p["repaired"] and p["text"] == p["original"] for p in pages)
    with pytest.raises(KeyError, match="finns inte"):
        document_pages(tiny_settings, "nope")


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\x.pdf", "x.pdf"),
    ("a/b/c.PDF", "c.pdf"),
    ("Remissvar Kyrkogård.docx", "Remissvar Kyrkogård.docx"),
])
def test_safe_filename_strips_directories(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.parametrize("name", ["", ".hidden.txt", "x.exe", "..", "a/..", "noext", "evil\x00.txt", "a\nb.txt", ".pdf"])
def test_safe_filename_rejects(name):
    with pytest.raises(UploadError):
        safe_filename(name)


def test_safe_filename_normalises_unicode_and_length():
    out = safe_filename("Yttrande – Spånga\u0301.pdf")
    assert out == unicodedata.normalize("NFC", out) and out.endswith(".pdf")
    assert out == "Yttrande _ Spånga.pdf"  # a + combining acute -> a; the dash is not allowed
    assert safe_filename("Spa\u030anga.txt") == "Spånga.txt"  # decomposed å is composed
    long = safe_filename("x" * 300 + ".txt")
    assert len(long) == 120 and long.endswith(".txt")


# --------------------------------------------------------------------------- uploads


@pytest.mark.parametrize("files,match", [
    ([(f"f{i}.txt", b"hej") for i in range(MAX_UPLOAD_FILES + 1)], "Högst"),
    ([("ok.txt", TXT.encode()), ("big.txt", b"a" * (MAX_UPLOAD_BYTES + 1))], "större"),
    ([("ok.txt", TXT.encode()), ("prog.exe", b"MZ")], "stöds inte"),
    ([("fake.pdf", b"hello, not a pdf")], "ingen PDF"),
    ([("fake.docx", b"PK\x03\x04 not really")], "Word"),
    ([("nul.txt", b"abc\x00def")], "NUL"),
    ([("empty.txt", b"")], "tom"),
    ([("broken.pdf", b"%PDF-1.4\n garbage")], "PDF"),  # sniffs fine, fails the parse
    ([("nodoc.docx", _docx_bytes())], "DOCX"),
    ([], "Inga filer"),
])
def test_save_uploads_rejects_and_writes_nothing(tiny_settings, files, match):
    before = _files(tiny_settings.corpus_dir)
    with pytest.raises(UploadError, match=match):
        save_uploads(tiny_settings, files)
    assert _files(tiny_settings.corpus_dir) == before


def test_save_uploads_names_and_no_overwrite(tiny_settings):
    corpus = tiny_settings.corpus_dir
    [p1] = save_uploads(tiny_settings, [("../../etc/remiss.txt", TXT.encode())])
    assert p1 == (corpus / "remiss.txt").resolve() and p1.read_text(encoding="utf-8") == TXT
    [again] = save_uploads(tiny_settings, [("remiss.txt", TXT.encode())])  # same content: reused
    assert again == p1
    p2, p3 = save_uploads(tiny_settings, [("remiss.txt", b"Annan text."), ("remiss.TXT", b"Tredje.")])
    assert (p2.name, p3.name) == ("remiss_2.txt", "remiss_3.txt")
    assert p1.read_text(encoding="utf-8") == TXT  # never overwritten
    for p in (p1, p2, p3):
        assert p.resolve().is_relative_to(corpus.resolve())
    assert not [n for n in _files(corpus) if n.startswith(".")]  # no temp files left


def test_save_uploads_doc_id_clash_across_suffixes(tiny_settings):
    [p] = save_uploads(tiny_settings, [("a_sdn.docx", _docx_bytes_with_text())])
    assert p.name == "a_sdn_2.docx"  # 'a_sdn' is already the id of a_sdn.txt


def test_save_uploads_accepts_cp1252_text(tiny_settings):
    [p] = save_uploads(tiny_settings, [("gammal.txt", "Nämnden är positiv till förslaget.".encode("cp1252"))])
    assert p.exists()


def _docx_bytes_with_text() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("Förvaltningen föreslår fler parkbänkar.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- metadata


HEADER = "# Metadata för korpusen.\n#\n# Fält: title, namnd, ...\n\n"


def test_update_metadata_keeps_header_and_entries(tiny_settings):
    path = tiny_settings.corpus_dir / "metadata.yaml"
    path.write_text(HEADER + path.read_text(encoding="utf-8").replace(
        "  date: '2023-12-13'\n", "  date: '2023-12-13'   # beslutsdatum\n"), encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    saved = update_metadata(tiny_settings, "a_sdn", {"namnd": "Testnämnden", "year": "2022", "period": "2024–2027"})
    assert saved["namnd"] == "Testnämnden" and saved["year"] == 2022 and saved["period"] == "2024-2027"
    assert saved["dnr"] == "KS 2019/1939"  # untouched fields kept
    text = path.read_text(encoding="utf-8")
    assert text.startswith(HEADER) and "# beslutsdatum" in text
    assert text == before.replace("  namnd: Spånga-Tensta stadsdelsnämnd\n", "  namnd: Testnämnden\n").replace(
        "  period: 2020-2023\n  year: 2021\n", "  period: 2024-2027\n  year: 2022\n")  # only those values changed
    entries = load_metadata_file(path)
    assert entries["a_sdn"] == saved
    assert entries["b_kyrk"]["namnd"] == "Kyrkogårdsnämnden" and entries["b_kyrk"]["date"] == "2023-12-13"


def test_update_metadata_new_entry_and_odd_layout(tiny_settings):
    path = tiny_settings.corpus_dir / "metadata.yaml"
    path.write_text(HEADER + "{a_sdn: {namnd: X}}\n", encoding="utf-8")  # flow style: rewritten whole
    update_metadata(tiny_settings, "b_kyrk", {"doc_type": "program", "title": 'Citat "här"\nrad två'})
    assert path.read_text(encoding="utf-8").startswith(HEADER)
    entries = load_metadata_file(path)
    assert entries == {"a_sdn": {"namnd": "X"}, "b_kyrk": {"title": 'Citat "här" rad två', "doc_type": "program"}}


@pytest.mark.parametrize("fields,match", [
    ({"doc_type": "remiss"}, "Ogiltig dokumenttyp"),
    ({"date": "13/12/2023"}, "Ogiltigt datum"),
    ({"date": "2023-02-30"}, "Ogiltigt datum"),
    ({"period": "2012-2010"}, "Ogiltig period"),
    ({"year": "tjugo"}, "Ogiltigt år"),
    ({"colour": "blå"}, "Okänt fält"),
])
def test_update_metadata_validates(tiny_settings, fields, match):
    path = tiny_settings.corpus_dir / "metadata.yaml"
    before = path.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        update_metadata(tiny_settings, "a_sdn", fields)
    assert path.read_text(encoding="utf-8") == before
    with pytest.raises(KeyError):
        update_metadata(tiny_settings, "saknas", {"namnd": "X"})


def test_update_metadata_reingest_picks_up_namnd(tiny_settings):
    from index.retriever import Retriever

    assert ingest(tiny_settings, progress=False).ok
    update_metadata(tiny_settings, "b_kyrk", {"namnd": "Testnämnden"})
    assert ingest(tiny_settings, progress=False).ok
    row = {d.doc_id: d for d in list_documents(tiny_settings)}["b_kyrk"]
    assert row.indexed and row.namnd == "Testnämnden"
    hits = Retriever(tiny_settings).search("begravningsplatser trygga", k=1)
    assert hits[0].chunk.doc_id == "b_kyrk" and hits[0].chunk.namnd == "Testnämnden"


# --------------------------------------------------------------------------- upload + index


def _pdf_bytes() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, "Yttrande från Älvsjö stadsdelsnämnd\n\nFörvaltningen anser att "
                         "hundrastgårdarna behöver bättre belysning och öppettider året runt.")
    return bytes(pdf.output())


def test_upload_and_index_makes_files_searchable(tiny_settings):
    from index.retriever import Retriever

    assert ingest(tiny_settings, progress=False).ok
    calls = []
    saved, report = upload_and_index(
        tiny_settings, [("Fågel.txt", TXT.encode()), ("hundar.pdf", _pdf_bytes())],
        progress=lambda f, m: calls.append((f, m)))
    assert report.ok and [p.name for p in saved] == ["Fågel.txt", "hundar.pdf"]
    fractions = [f for f, _ in calls]
    assert fractions == sorted(set(fractions)) and fractions[-1] == 1.0 and all(m for _, m in calls)
    retriever = Retriever(tiny_settings)
    assert retriever.search("fågelskådningsplattformen belysning", k=1)[0].chunk.doc_id == "Fågel"
    hit = retriever.search("hundrastgårdarna öppettider", k=1)[0]
    assert hit.chunk.doc_id == "hundar" and "hundrastgårdarna" in hit.chunk.text
    rows = {d.doc_id: d for d in list_documents(tiny_settings)}
    assert rows["hundar"].indexed and rows["a_sdn"].indexed  # the rest of the index is kept


def test_upload_and_index_rejects_before_indexing(tiny_settings):
    calls = []
    with pytest.raises(UploadError):
        upload_and_index(tiny_settings, [("x.pdf", b"nope")], progress=lambda f, m: calls.append(f))
    assert calls == [0.0]
    assert not (tiny_settings.index_dir / "CURRENT").exists()


# --------------------------------------------------------------------------- the PostgreSQL store


def test_the_tab_asks_the_postgres_store_and_refuses_a_duplicate_up_front(pg_settings, monkeypatch):
    """With store.backend = postgres the Dokument tab's catalogue and its pre-upload duplicate check
    come from PostgreSQL (Corpus.find_content, one lookup by hash), not from the embedded store's
    files (there are none): the indexed documents show as indexed, nothing is pending, and the same
    text under another name is refused before anything is written, without reading the corpus."""
    import assistant.documents as docs
    from conftest import HashEmbedder
    from index.postgres import PgCorpus

    corpus = PgCorpus(pg_settings, HashEmbedder())
    assert corpus.sync(progress=False).ok
    assert not (pg_settings.index_dir / "CURRENT").exists()  # no embedded index at all
    rows = {d.doc_id: d for d in list_documents(pg_settings)}
    assert rows["a_sdn"].indexed and rows["b_kyrk"].indexed and rows["b_kyrk"].namnd == "Kyrkogårdsnämnden"
    assert docs.pending_files(pg_settings) == [] and docs.metadata_indexed(pg_settings, "a_sdn")
    read = []
    real = docs.read_document
    monkeypatch.setattr(docs, "read_document", lambda p, *a, **k: read.append(Path(p).name) or real(p, *a, **k))
    asked = []
    real_find = PgCorpus.find_content
    monkeypatch.setattr(PgCorpus, "find_content", lambda self, *a, **k: asked.append(a) or real_find(self, *a, **k))
    data = (pg_settings.corpus_dir / "a_sdn.txt").read_bytes().replace(b"\n", b"\r\n")  # other bytes, same text
    before = _files(pg_settings.corpus_dir)
    for given in (None, corpus):  # the store the settings select, or the app's corpus
        records: dict = {}
        [path] = save_uploads(pg_settings, [("kopia.txt", data)], records=records, corpus=given)
        assert path.name == "a_sdn.txt" and records[path]["duplicate_of"] == "a_sdn"
        assert records[path]["duplicate_why"] == "text" and _files(pg_settings.corpus_dir) == before
    assert asked and not read  # asked PostgreSQL by hash; no corpus file was read to compare texts
