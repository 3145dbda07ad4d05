"""One contract, every `Corpus` implementation: the embedded store
(LocalCorpus, through the real ingest pipeline), the in-memory one
(MemoryCorpus) and PostgreSQL + pgvector (PgCorpus, on a real server). Real bundled model, tiny corpora in tmp_path."""

from __future__ import annotations

import pytest

from index.corpus import Corpus, DocRecord
from index.search import FilterError

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def embedder():
    from index.embed import make_embedder
    from index.settings import EmbedSettings

    return make_embedder(EmbedSettings())


@pytest.fixture(params=["local", "memory", "postgres"])
def corpus(request, tiny_settings, embedder) -> Corpus:
    if request.param == "postgres":  # PgCorpus on a fresh database of the session's real PostgreSQL
        from index.postgres import PgCorpus, sync

        settings = request.getfixturevalue("pg_settings")
        assert sync(settings, embedder=embedder, progress=False).ok
        return PgCorpus(settings, embedder)
    if request.param == "local":
        from index.local import LocalCorpus
        from index.pipeline import ingest

        assert ingest(tiny_settings, embedder=embedder, progress=False).ok
        return LocalCorpus(tiny_settings, embedder)
    from index.memory import MemoryCorpus

    return MemoryCorpus.from_paths(tiny_settings, embedder, [tiny_settings.corpus_dir])


def test_is_a_corpus(corpus):
    assert isinstance(corpus, Corpus)
    assert len(corpus) > 0 and corpus.model_id


def test_cache_dir_is_bound_to_the_store_and_its_chunking(corpus):
    """Caches of data derived from the passages (the stance store) live in the corpus's cache folder: under
    index_dir, one per store and chunking, never naming the database's DSN; none for an in-memory index."""
    folder = corpus.cache_dir
    if type(corpus).__name__ == "MemoryCorpus":
        assert folder is None
        return
    assert folder.is_relative_to(corpus.settings.index_dir) and "postgres" not in str(folder)
    other = type(corpus).__new__(type(corpus))
    other.__dict__.update(corpus.__dict__)
    other.settings = corpus.settings.with_overrides(chunk__size=corpus.settings.chunk.size + 100)
    assert other.cache_dir != folder


def test_search_finds_compound_and_cites(corpus):
    hits = corpus.search("ordningsvakter i offentliga miljöer", k=3)
    assert hits and hits[0].chunk.doc_id == "a_sdn"
    assert hits[0].chunk.namnd == "Spånga-Tensta stadsdelsnämnd" and hits[0].chunk.page >= 1
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_filters_namnd_doc_id_section(corpus):
    only_b = corpus.search("trygghet", k=10, filters={"namnd": "kyrkogårds"})
    assert only_b and {h.chunk.doc_id for h in only_b} == {"b_kyrk"}
    by_id = corpus.search("trygghet", k=10, filters={"doc_id": "a_sdn"})
    assert by_id and {h.chunk.doc_id for h in by_id} == {"a_sdn"}
    sec = corpus.search("trygghet", k=10, filters={"section": ["Bakgrund", "Finns inte"]})
    assert sec and all(h.chunk.section.startswith("Bakgrund") for h in sec)


def test_unknown_filter_lists_valid_values(corpus):
    with pytest.raises(FilterError, match="Kyrkogårdsnämnden"):
        corpus.search("trygghet", filters={"namnd": "Skarpnäck"})
    with pytest.raises(FilterError, match="valid"):
        corpus.search("trygghet", filters={"colour": "blue"})
    with pytest.raises(FilterError):
        corpus.documents({"period": "1999-2002"})


def test_facets_count_documents(corpus):
    f = corpus.facets()
    assert f["namnd"] == {"Kyrkogårdsnämnden": 1, "Spånga-Tensta stadsdelsnämnd": 1}
    assert f["period"] == {"2020-2023": 1, "2024-2027": 1}
    assert f["year"] == {2021: 1, 2023: 1}


def test_catalogue_and_passages(corpus):
    docs = corpus.documents()
    assert [d.doc_id for d in docs] == ["a_sdn", "b_kyrk"]
    assert all(isinstance(d, DocRecord) for d in docs)
    b = [d for d in docs if d.doc_id == "b_kyrk"][0]
    assert b.meta.dnr == "KS 2023/739" and b.meta.date == "2023-12-13" and b.n_chunks >= 1
    assert [d.doc_id for d in corpus.documents({"period": "2024–2027"})] == ["b_kyrk"]
    ps = corpus.passages("b_kyrk")
    assert len(ps) == b.n_chunks and all(p.doc_id == "b_kyrk" for p in ps)
    assert [p.start for p in ps] == sorted(p.start for p in ps)
    assert "Begravningsplatser" in " ".join(p.text for p in ps)
    assert corpus.passages("nope") == []


def test_term_stats_rare_terms_weigh_more(corpus):
    ts = corpus.term_stats(["ordningsvak", "trygghet", "zzzq"])
    assert ts.n_passages == len(corpus)
    assert 1 <= ts.df["ordningsvak"] <= ts.df["trygghet"] <= ts.n_passages
    assert ts.df["zzzq"] == 0
    assert ts.idf("zzzq") > ts.idf("ordningsvak") >= ts.idf("trygghet") > 0


def test_similarity_ranks_the_matching_passage_first(corpus):
    q = corpus.embed_query("begravningsplatser ska vara trygga att besöka")
    ids = [c.id for d in ("a_sdn", "b_kyrk") for c in corpus.passages(d)]
    cos = corpus.similarity(q, ids + ["unknown-id"])
    assert cos[-1] == 0.0
    best = ids[int(cos[:-1].argmax())]
    assert any("Begravningsplatser" in c.text for c in corpus.passages("b_kyrk") if c.id == best)
    mean, std = corpus.similarity_stats(q)
    assert -1 <= mean <= 1 and std >= 0


def test_upsert_and_delete(corpus, tiny_settings):
    new = tiny_settings.corpus_dir / "c_ny.txt"
    new.write_text("Sammanfattning\nFörvaltningen välkomnar satsningen på belysning i parker och tunnlar.\n",
                   encoding="utf-8")
    rep = corpus.upsert([new])
    assert rep.ok
    assert "c_ny" in [d.doc_id for d in corpus.documents()]
    assert corpus.search("belysning i tunnlar", k=1)[0].chunk.doc_id == "c_ny"
    assert corpus.passages("a_sdn")  # the others stay
    rep = corpus.delete(["c_ny"])
    assert rep.removed == ["c_ny"]
    assert "c_ny" not in [d.doc_id for d in corpus.documents()]
    assert all(h.chunk.doc_id != "c_ny" for h in corpus.search("belysning i tunnlar", k=5))
    assert corpus.upsert([]).documents == 0  # nothing asked, nothing done


def test_find_content_by_bytes_and_by_text(corpus, tiny_settings):
    """The duplicate check's one question, answered by every store: which document has these bytes,
    or failing that this text (index.intake.text_fingerprint of what the reader extracts)."""
    from index.intake import file_sha256, text_fingerprint
    from index.read import read_document

    a, b = (tiny_settings.corpus_dir / f"{d}.txt" for d in ("a_sdn", "b_kyrk"))
    text_a = text_fingerprint(read_document(a).text)
    assert corpus.find_content(file_sha256(a)) == ("a_sdn", "sha256")
    assert corpus.find_content("0" * 64, text_a) == ("a_sdn", "text")
    assert corpus.find_content(file_sha256(b), text_a) == ("b_kyrk", "sha256")  # the bytes first
    assert corpus.find_content(file_sha256(a), text_a, exclude={"a_sdn"}) is None  # never itself
    assert corpus.find_content("", "") is None and corpus.find_content("0" * 64, "1" * 64) is None


def test_empty_query_returns_nothing(corpus):
    assert corpus.search("   ", k=3) == []


def test_local_reload_after_ingest_sees_the_same(tiny_settings, embedder):
    from index.local import LocalCorpus
    from index.pipeline import ingest

    ingest(tiny_settings, embedder=embedder, progress=False)
    a, b = LocalCorpus(tiny_settings, embedder), LocalCorpus(tiny_settings, embedder)
    q = "kommunikation för att öka tryggheten"
    assert [h.chunk.id for h in a.search(q, k=3)] == [h.chunk.id for h in b.search(q, k=3)]
    assert a.facets() == b.facets() and a.documents() == b.documents()
