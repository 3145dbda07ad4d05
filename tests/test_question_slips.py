"""Questions typed fast or put sideways: a cue word misspelt ('positv', 'synpkter'), a programme pair named
with articles ('ett trygghets- och ett säkerhetsprogram'), a comparison with a later version, a count asked
across versions, a stance asked 'typ i sammanfattningen', the history of the old programme asked by the
version that replaced it. Pure checks first, then the real corpus with the real model."""

from __future__ import annotations

import pytest


def test_two_slips_in_a_long_cue_word_are_put_right_and_short_words_are_left_alone():
    from assistant.analyse import _edits, _spelled, cue_text, question_type

    assert _edits("synpkter", "synpunkter") == 2 and _edits("abcd", "abdc") == 1 and _edits("kitten", "sitting") == 3
    assert _spelled("synpkter") == "synpunkter"  # two letters dropped from a ten-letter cue word
    assert _spelled("positv") == "positiv"  # one edit, as before
    assert _spelled("kamera") == "kamera"  # a Swedish word is never 'corrected'
    assert question_type("kulturförv o stadsarkivet – vilka var deras viktigaste synpkter?") == "summary"
    assert "synpunkter" in cue_text("viktigaste synpkter")


def test_a_misspelt_cue_word_is_no_topic_word():
    from assistant.analyse import topic_of

    topic = topic_of("Var Hägersten-Liljeholmen positv till programmet?", ["Hägersten-Liljeholmens stadsdelsnämnd"])
    assert "positv" not in topic.split()


def test_a_programme_named_beside_the_commented_one_is_not_unknown():
    from assistant.analyse import unknown_programme
    from index.corpus import DocRecord
    from index.types import DocMeta

    def rec(i: str, title: str, period: str) -> DocRecord:
        return DocRecord(doc_id=i, source=f"corpus/{i}.txt", sha256="0", n_chunks=1,
                         meta=DocMeta(doc_id=i, title=title, namnd="Idrottsnämnden", period=period))

    cat = [rec("a", "Trygghetsprogram 2028–2031 – svar på remiss", "2028-2031")]
    # the pair the old programme was split into: the commented one is asked about too
    assert unknown_programme("hur ställde sig nämnden till att det gamla programmet splittades i ett trygghets- och "
                             "ett säkerhetsprogram?", cat) == ""
    # the other programme alone is still one nobody answered
    assert unknown_programme("vad tyckte nämnden om säkerhetsprogrammet?", cat).startswith("säkerhetsprogram")


def test_a_comparison_with_a_later_version_asks_for_change():
    from assistant.analyse import question_type

    assert question_type("hur många fokusområden hade programmet 18-21 jämfört med de senare programmen?") == "change"
    assert question_type("vad skrev de om samverkan i jämförelse med det nya programmet?") == "change"


@pytest.mark.integration
def test_a_count_in_the_first_version_is_set_against_the_next(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "hur många fokusområden hade trygghets- och säkerhetsprogrammet 18-21 jämfört med de "
                               "senare programmen?")
    assert not a.abstained, a.warnings
    assert "fem fokusområden" in a.text and "2020–2023" in a.text.splitlines()[0]
    assert "003_8cbd9df508089135" in {c.chunk.doc_id for c in a.citations}


@pytest.mark.integration
def test_what_became_of_the_old_programme_is_read_in_the_version_that_replaced_it(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "vad hände med det gamla trygghets- och säkerhetsprogrammet när 2020-2023 kom?")
    assert not a.abstained, a.warnings
    cited = {c.chunk.doc_id for c in a.citations}
    assert cited and "002_80d6bf5fc05df009" not in cited  # the 2024–2027 yttrande is about another version
    assert "två olika program" in a.text


@pytest.mark.integration
def test_a_positive_stance_asked_in_a_section_quotes_the_positive_sentences(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "hur uttrycker förvaltningarna ett övergripande positivt ställningstagande, typ i "
                               "sammanfattningen?")
    assert a.request["type"] == "phrasing" and not a.abstained
    assert "ser positivt på" in a.text or "ställer sig positiv" in a.text


@pytest.mark.integration
def test_a_misspelt_stance_word_still_gets_the_stance(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "Var Hägersten-Liljeholmen positv till trygghets och säkerhetsprogrammet?")
    assert not a.abstained, a.warnings
    assert "ser positivt på programmet" in a.text


def test_money_named_is_not_an_amount_asked():
    from assistant.answer import _quantity_gap

    said = ["Förvaltningen anser att finansieringen av samordningsuppdraget är otydlig."]
    # a view on the money asked for: the sentence answers without a figure
    assert not _quantity_gap("hur tänker de kring pengarna?", said)
    assert not _quantity_gap("vad säger de om budgeten för trygghetsarbetet?", said)
    # an amount asked for: no figure, no answer
    assert _quantity_gap("hur mycket pengar avsätts för samordningsuppdraget?", said)
    assert _quantity_gap("vad kostar ordningsvakterna per år?", said)
    assert _quantity_gap("hur stor budget har de?", said)
    assert _quantity_gap("har de angett någon budget för det?", said)  # whether a figure is stated
    assert not _quantity_gap("hur mycket pengar avsätts?", ["Staden avsätter 4,5 miljoner kronor per år."])


def test_a_nämnd_said_by_its_office_and_a_degree_word_that_names_no_topic():
    from assistant.analyse import mentioned_namnder, topic_of

    known = ["Trafiknämnden", "Idrottsnämnden", "Kyrkogårdsnämnden"]
    assert mentioned_namnder("Tycker trafikkontoret att det är bra?", known) == ["Trafiknämnden"]
    assert mentioned_namnder("vad skriver trafikkontorets handläggare?", known) == ["Trafiknämnden"]
    assert mentioned_namnder("vad säger kontoret om belysning?", known) == []  # no nämnd's own word
    assert topic_of("och idrottsnämnden då, var de lika positiva?", known) == ""
