"""Reading .txt/.pdf/.docx into Documents, page boundaries and bad inputs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from index import read as read_mod
from index.read import (
    ReadError,
    iter_corpus_files,
    page_starts_from_text,
    read_docx_pages,
    read_document,
    read_pdf_pages,
    read_text_pages,
)

REPO = Path(__file__).resolve().parent.parent
CORPUS_FILES = sorted((REPO / "corpus").glob("*.txt"))
DEJAVU = next((p for p in (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                           Path("/usr/share/fonts/dejavu/DejaVuSans.ttf")) if p.exists()), None)


# --------------------------------------------------------------------------- helpers


def make_pdf(path: Path, pages: list[str]) -> Path:
    """A real text PDF, one string per page (DejaVu for å/ä/ö, else latin-1 helvetica)."""
    from fpdf import FPDF

    pdf = FPDF()
    if DEJAVU:
        pdf.add_font("dejavu", fname=str(DEJAVU))
        pdf.set_font("dejavu", size=12)
    else:
        pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    path.write_bytes(bytes(pdf.output()))
    return path


def make_image_pdf(path: Path) -> Path:
    from fpdf import FPDF
    from PIL import Image

    img = path.with_suffix(".png")
    Image.new("RGB", (200, 100), "white").save(img)
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.image(str(img), x=10, y=10, w=100)
    path.write_bytes(bytes(pdf.output()))
    return path


PAGES = ["Sida 1: Förvaltningen ställer sig positiv.\nÄrendet har beretts.",
         "Sida 2: Trygghetsprogrammet gäller alla nämnder.",
         "Sida 3: Övergripande mål för år 2025."]


def assert_one_line(err: ReadError, name: str, *words: str) -> None:
    msg = str(err)
    assert "\n" not in msg
    assert name in msg
    assert " / " in msg  # Swedish / English
    for w in words:
        assert w.lower() in msg.lower(), msg


# --------------------------------------------------------------------------- page starts


@pytest.mark.parametrize("text, expected", [
    ("abc", (0,)),
    ("a\n b\nc", (0, 2)),
    (" a\nb", (0,)),              # marker at offset 0 ignored
    ("a\n  b", (0,)),             # two spaces: indentation, not a page
    ("a\n \nb", (0,)),            # a lone space is not a marker
    ("a\fb", (0, 2)),             # form feed: next page starts after it
    ("a\f", (0,)),                # trailing form feed: no empty page
    ("x\n a\n b\ny", (0,)),       # consecutive marker lines = a bullet list
    ("p1\n\n p2 text\nmore\n p3\n", (0, 4, 18)),
])
def test_page_starts_inline(text, expected):
    assert page_starts_from_text(text) == expected


def test_page_starts_real_corpus():
    text = (REPO / "corpus" / "000_3597c3daaecaf7f2.txt").read_bytes().decode("utf-8")
    starts = page_starts_from_text(text)
    assert len(starts) >= 4 and starts[0] == 0
    assert list(starts) == sorted(set(starts))
    for s in starts[1:]:
        assert text[s - 1] == "\n" and text[s] == " " and not text[s + 1].isspace()
    assert text[starts[1]:].startswith(" Bakgrund")
    doc = read_document(REPO / "corpus" / "000_3597c3daaecaf7f2.txt")
    assert doc.page_starts == starts
    assert doc.page_of(text.index("Programmet ger en struktur")) == 3


def test_bullet_list_is_not_pages():
    text = (REPO / "corpus" / "003_8cbd9df508089135.txt").read_bytes().decode("utf-8")
    starts = page_starts_from_text(text)
    assert text.index(" individens trygghet") not in starts
    assert text.index(" 4. Bygga motståndskraft") in starts


# --------------------------------------------------------------------------- txt


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_txt_round_trip_is_exact(path):
    doc = read_document(path)
    data = path.read_bytes()
    assert doc.text == data.decode("utf-8")
    assert doc.id == path.stem
    assert doc.source == f"corpus/{path.name}"
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.meta is None
    assert read_text_pages(path) == (doc.text, doc.page_starts)


def test_txt_bom_crlf_and_cp1252(tmp_path):
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbfF\xc3\xb6rslag\r\n Sida tv\xc3\xa5\r\n")
    text, starts = read_text_pages(p)
    assert text == "Förslag\r\n Sida två\r\n"
    assert starts == (0, 9)
    p = tmp_path / "ansi.txt"
    p.write_bytes("Ärendet – förvaltningens yttrande".encode("cp1252"))
    assert read_document(p).text == "Ärendet – förvaltningens yttrande"


def test_read_document_root(tmp_path):
    p = tmp_path / "sub" / "x.txt"
    p.parent.mkdir()
    p.write_text("Hej", encoding="utf-8")
    assert read_document(p, root=tmp_path).source == "sub/x.txt"


# --------------------------------------------------------------------------- pdf / docx


def test_pdf_pages(tmp_path):
    p = make_pdf(tmp_path / "prog.pdf", PAGES)
    text, starts = read_pdf_pages(p)
    assert len(starts) == 3
    assert text[starts[1]:].startswith("Sida 2")
    assert text[starts[2]:].startswith("Sida 3")
    doc = read_document(p)
    assert doc.n_pages == 3 and doc.page_starts == starts
    assert doc.page_of(text.index("Trygghetsprogrammet")) == 2
    assert "Förvaltningen ställer" in text and "Övergripande" in text


def test_pdf_encrypted_with_empty_password_is_read(tmp_path):
    from pypdf import PdfWriter

    src = make_pdf(tmp_path / "src.pdf", PAGES[:2])
    w = PdfWriter(clone_from=src)
    w.encrypt(user_password="", owner_password="owner")
    w.write(tmp_path / "open.pdf")
    assert read_document(tmp_path / "open.pdf").n_pages == 2


def test_docx_paragraphs_tables_and_page_breaks(tmp_path):
    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    d.add_heading("Stockholms stads trygghetsprogram", level=1)
    d.add_paragraph("Förvaltningen ställer sig positiv.")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Fokusområde", "Ansvar"
    table.cell(1, 0).text, table.cell(1, 1).text = "Stadsmiljö", "Trafiknämnden"
    d.add_paragraph("Slut på sida ett.").add_run().add_break(WD_BREAK.PAGE)
    d.add_paragraph("Andra sidan börjar här.")
    d.add_paragraph("Tredje sidan.").paragraph_format.page_break_before = True
    p = tmp_path / "svar.docx"
    d.save(p)
    text, starts = read_docx_pages(p)
    assert len(starts) == 3
    assert text.startswith("Stockholms stads trygghetsprogram\nFörvaltningen")
    assert "Fokusområde | Ansvar" in text and "Stadsmiljö | Trafiknämnden" in text
    assert text[starts[1]:].startswith("Andra sidan")
    assert text[starts[2]:].startswith("Tredje sidan")
    assert read_document(p).page_of(text.index("Andra sidan")) == 2


# --------------------------------------------------------------------------- bad input


def _encrypted_pdf(tmp_path):
    from pypdf import PdfWriter

    w = PdfWriter(clone_from=make_pdf(tmp_path / "src.pdf", PAGES))
    w.encrypt(user_password="x")
    w.write(tmp_path / "locked.pdf")
    return tmp_path / "locked.pdf"


def _truncated_pdf(tmp_path):
    data = make_pdf(tmp_path / "full.pdf", PAGES).read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 2])
    return tmp_path / "cut.pdf"


def _file(name, data: bytes):
    def make(tmp_path):
        (tmp_path / name).write_bytes(data)
        return tmp_path / name
    return make


BAD = {
    "encrypted": (_encrypted_pdf, "password"),
    "scanned": (lambda t: make_image_pdf(t / "scan.pdf"), "OCR"),
    "truncated": (_truncated_pdf, "corrupt"),
    "zero-byte": (_file("empty.txt", b""), "empty"),
    "zero-byte-pdf": (_file("empty.pdf", b""), "empty"),
    "blank-txt": (_file("blank.txt", b" \n\n "), "no text"),
    "binary-txt": (_file("image.txt", bytes(range(256)) * 40), "binary"),
    "not-zip-docx": (_file("fake.docx", b"this is plain text, not a word file"), "zip"),
    "zip-not-docx": (_file("other.docx", b"PK\x05\x06" + b"\x00" * 18), "corrupt"),
    "not-pdf": (_file("fake.pdf", b"hello, I am not a PDF"), "corrupt"),
    "suffix": (_file("notes.xyz", b"text"), "not supported"),
}


@pytest.mark.parametrize("case", BAD, ids=str)
def test_bad_input_raises_read_error(tmp_path, case):
    make, word = BAD[case]
    path = make(tmp_path)
    with pytest.raises(ReadError) as ei:
        read_document(path)
    assert_one_line(ei.value, path.name, word)


def test_missing_file(tmp_path):
    with pytest.raises(ReadError) as ei:
        read_document(tmp_path / "gone.txt")
    assert_one_line(ei.value, "gone.txt", "does not exist")


def test_limits(tmp_path, monkeypatch):
    pdf = make_pdf(tmp_path / "long.pdf", PAGES)
    monkeypatch.setattr(read_mod, "MAX_PDF_PAGES", 2)
    with pytest.raises(ReadError) as ei:
        read_document(pdf)
    assert_one_line(ei.value, "long.pdf", "3 pages")
    monkeypatch.setattr(read_mod, "MAX_FILE_BYTES", 10)
    (tmp_path / "big.txt").write_text("x" * 11)
    with pytest.raises(ReadError) as ei:
        read_document(tmp_path / "big.txt")
    assert_one_line(ei.value, "big.txt", "larger than")


def test_unexpected_errors_are_wrapped(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("kaputt")

    monkeypatch.setattr(read_mod, "_parse", boom)
    (tmp_path / "a.txt").write_text("hej")
    with pytest.raises(ReadError) as ei:
        read_document(tmp_path / "a.txt")
    assert_one_line(ei.value, "a.txt", "unexpected", "kaputt")


# --------------------------------------------------------------------------- listing


def test_iter_corpus_files(tmp_path):
    for name in ("b.PDF", "a.txt", "c.docx", ".hidden.txt", "metadata.yaml", "x.xyz", "~$c.docx"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub.txt").mkdir()
    assert [p.name for p in iter_corpus_files(tmp_path)] == ["a.txt", "b.PDF", "c.docx"]
    assert iter_corpus_files(REPO / "corpus") == CORPUS_FILES
    with pytest.raises(ReadError):
        iter_corpus_files(tmp_path / "nope")


def test_letterhead_with_sida_marker_starts_its_page():
    """001's letterhead says 'Sida 8 (9)': that text must land on page 8 of 9."""
    from index.read import read_document

    doc = read_document(Path(__file__).resolve().parent.parent / "corpus" / "001_2da92ff9d07e789e.txt")
    assert doc.n_pages == 9
    assert doc.page_of(doc.text.index("Sida 8 (9)")) == 8
