"""Misspelt question words read as the corpus's own words (real corpus, real model)."""

from assistant.answer import answer
from assistant.spelling import corrected, edits1


def test_one_edit_covers_drops_swaps_changes_and_additions():
    near = edits1("uppdarg")
    assert {"uppdrag", "uppdar", "uppdargs", "uppdorg"} <= near and "uppdarg" not in near


def test_a_misspelt_word_becomes_the_corpus_word_one_edit_away(real_retriever):
    assert corrected(real_retriever, "vad tycker eav om samordningsuppdarget") == "vad tycker eav om samordningsuppdraget"
    # the corpus's spelling, å/ä/ö included, wherever the typed word lost them
    assert corrected(real_retriever, "vad tyckte kyrkogårdsnämden om programmet") == \
        "vad tyckte kyrkogårdsnämnden om programmet"


def test_words_spelt_right_or_absent_from_the_corpus_are_left_alone(real_retriever):
    for q in ("vad säger programmet om kameraövervakning", "vad säger EAV om avhoppare", "står det nåt om mobbning"):
        assert corrected(real_retriever, q) == q


def test_an_answer_reads_the_corrected_question_and_shows_the_typed_one(real_retriever):
    a = answer(real_retriever, "vad tycker eav om samordningsuppdarget")
    assert a.question == "vad tycker eav om samordningsuppdarget" and not a.abstained
    assert any("samordningsuppdraget" in c.quote for c in a.citations)
