from pathlib import Path

import pytest

from index.chunk import chunk_document, detect_sections, embedding_text, split_spans
from index.settings import ChunkSettings
from index.types import DocMeta, Document

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _doc(text, doc_id="d", starts=(0,)):
    return Document(id=doc_id, source=f"corpus/{doc_id}.txt", text=text, page_starts=starts)


def test_sections_found_in_every_real_document():
    expected = {
        "000_3597c3daaecaf7f2": ["Förslag till beslut", "Sammanfattning", "Bakgrund", "Ärendets beredning",
                                 "Ärendet", "Förvaltningens synpunkter och förslag"],
        "002_80d6bf5fc05df009": ["Förvaltningens förslag till beslut", "Sammanfattning", "Bakgrund", "Ärendet",
                                 "Ärendets beredning", "Förvaltningens synpunkter och förslag", "Bilaga"],
        "003_8cbd9df508089135": ["Förslag till beslut", "Sammanfattning", "Ärendets beredning", "Ärendet",
                                 "Förvaltningens synpunkter och bedömning", "Bilagor"],
        "004_1f364216c0b50e56": ["Sammanfattning", "Underlag för beslut", "Remissen", "Ärendets beredning",
                                 "Förvaltningarnas synpunkter", "Bilagor"],
    }
    for doc_id, heads in expected.items():
        names = [n for _, n in detect_sections((CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8"))]
        main = [n for n in names if "›" not in n and n != "Inledning"]
        assert main == heads, doc_id


def test_ocr_damaged_headings_and_subheadings():
    text = (CORPUS / "001_2da92ff9d07e789e.txt").read_text(encoding="utf-8")
    names = [n for _, n in detect_sections(text)]
    assert "Ärendet" in names and "Ärendets beredning" in names  # spelled 'Arendet' in the OCR text
    assert "Synpunkter och förslag › Teoretiskt ramverk" in names
    assert "Synpunkter och förslag › Samverkan" in names
    # Signatures and letterheads are not headings.
    assert not any("Tjansteutlatande" in n or "stadsdelsfo" in n for n in names)


def test_signature_is_not_a_section():
    text = (CORPUS / "002_80d6bf5fc05df009.txt").read_text(encoding="utf-8")
    assert not any("Svante Borg" in n for _, n in detect_sections(text))


def test_chunks_map_back_to_source_and_respect_size():
    cfg = ChunkSettings(size=400, overlap=40)
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        chunks = chunk_document(_doc(text, path.stem), cfg)
        assert chunks
        for c in chunks:
            assert text[c.start:c.end] == c.text == c.original
            assert len(c.text) <= cfg.size
        # every non-blank character of the document is in some chunk
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_chunk_knows_section_page_and_metadata():
    text = "Titel\n\nSammanfattning\nFörsta stycket om trygghet.\n Bakgrund\nAndra sidans text om samverkan.\n"
    page2 = text.index(" Bakgrund")
    meta = DocMeta(doc_id="d", title="T", namnd="Kyrkogårdsnämnden", doc_type="yttrande", period="2024-2027", year=2023)
    chunks = chunk_document(_doc(text, starts=(0, page2)), ChunkSettings(size=100, overlap=0), meta=meta)
    by_section = {c.section: c for c in chunks}
    assert by_section["Sammanfattning"].page == 1
    assert by_section["Bakgrund"].page == 2
    assert all(c.namnd == "Kyrkogårdsnämnden" and c.year == 2023 for c in chunks)
    assert by_section["Bakgrund"].label == "Kyrkogårdsnämnden, 2023, s. 2"


def test_chunk_ids_are_stable_and_unique():
    text = (CORPUS / "002_80d6bf5fc05df009.txt").read_text(encoding="utf-8")  # repeats whole paragraphs
    a = chunk_document(_doc(text, "x"), ChunkSettings())
    b = chunk_document(_doc(text, "x"), ChunkSettings())
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)


def test_display_text_with_span_mapping():
    """Chunks of a repaired text keep spans into the original."""
    original = "Sammanfattning\nForvaltningen &r positiv.\n"
    display = "Sammanfattning\nFörvaltningen är positiv.\n"
    chunks = chunk_document(_doc(original), ChunkSettings(size=200, overlap=0), display_text=display,
                            to_original=lambda a, b: (a, b))  # same length here
    assert chunks[0].text.startswith("Sammanfattning\nFörvaltningen är")
    assert chunks[0].original.startswith("Sammanfattning\nForvaltningen &r")


def test_split_spans_on_empty_and_tiny_text():
    assert split_spans("", ChunkSettings()) == []
    assert split_spans("Kort.", ChunkSettings()) == [(0, 5)]


def test_embedding_text_joins_hyphenation():
    assert embedding_text("brottsföre-\nbyggande  arbete\n") == "brottsförebyggande arbete"
    assert embedding_text("Spånga-\nTensta") == "Spånga- Tensta"  # capital after hyphen: a real hyphen


def test_overlap_must_be_smaller_than_size():
    with pytest.raises(ValueError, match="overlap"):
        ChunkSettings(size=200, overlap=200)
