"""Questions in other words than the documents': a short word the documents use only inside compounds
('vakterna' against 'ordningsvakterna', 'bild' against 'lägesbild'). A tiny invented corpus first (the
words come from the data), then the real corpus with the real model."""

from __future__ import annotations

import pytest

from assistant.evidence import Scorer, compound_head
from index.types import Chunk


def _chunk(n: int, text: str) -> Chunk:
    return Chunk(id=f"d1-{n}", doc_id="d1", source="corpus/d1.txt", text=text, original=text, start=0,
                 end=len(text), page=1 + n, page_end=1 + n, section="Förvaltningens synpunkter",
                 title="Trygghetsprogram 2028–2031 – svar på remiss", namnd="Idrottsnämnden",
                 doc_type="yttrande", period="2028-2031", year=2027)


CHUNKS = [
    _chunk(0, "Förvaltningen ser positivt på att idrottsvakterna finns på plats under matcherna."),
    _chunk(1, "Skolan och föreningarna behöver samverka om lokalerna på kvällarna."),
    _chunk(2, "Lägesbilden följs upp varje år i verksamhetsplanen."),
]


def test_a_short_word_matches_as_the_head_of_the_corpus_compounds():
    from conftest import memory_corpus

    corpus = memory_corpus(CHUNKS)
    assert compound_head(corpus, "vakt", "vakterna") == "svakt"  # only 'idrottsvakterna' has it
    assert compound_head(corpus, "bild", "bilden") == "sbild"
    # 's' + 'kola' is a word of its own ('skola'): no seam, no match
    assert compound_head(corpus, "kol", "kola") == "" and compound_head(corpus, "kola", "kola") == ""
    assert compound_head(corpus, "match", "matcher") == ""  # five letters: the store matches it inside words
    scorer = Scorer(corpus, "vakterna matcherna")
    assert "svakt" in scorer.terms and not scorer.absent
    assert scorer.coverage(CHUNKS[0].text)[0] == 1.0
    assert scorer.coverage(CHUNKS[1].text)[0] == 0.0


def test_a_word_the_corpus_has_nowhere_stays_absent():
    from conftest import memory_corpus

    scorer = Scorer(memory_corpus(CHUNKS), "hundarna")
    assert scorer.absent  # no 'shund' either


@pytest.mark.integration
def test_guards_asked_about_in_other_words_are_the_ordningsvakter(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "Vad tycker Spånga-Tensta om vakterna som staden har ute på gator och torg?")
    assert not a.abstained, a.warnings
    assert {c.chunk.doc_id for c in a.citations} == {"000_3597c3daaecaf7f2"} and "komplement" in a.text


def test_a_question_that_goes_on_with_och_or_ends_in_ocksa_is_a_followup():
    from conftest import memory_corpus

    from assistant.analyse import analyse

    corpus = memory_corpus(CHUNKS)
    first = "Vad skriver Idrottsnämnden om vakterna på matcherna?"
    long = ("och om det inte är meningen att föreningarna ska stå för lokalerna på kvällarna, vad vill de då "
            "att programmet gör i stället?")  # more than 14 words, opening with 'och'
    assert analyse(long, corpus, [first]).namnder == ("Idrottsnämnden",)
    assert analyse(long[4:], corpus, [first]).namnder == ()  # the same words, standing alone
    also = analyse("måste nämnderna följa upp lägesbilden också?", corpus, [first])
    assert also.followup and also.period == "2028-2031"


def test_words_that_judge_or_point_back_are_no_topic_of_a_followup():
    from conftest import memory_corpus

    from assistant.analyse import analyse

    corpus = memory_corpus(CHUNKS)
    first = "Hur ser Idrottsnämnden på samverkan om lokalerna?"
    good = analyse("lyfte de fram nåt som funkar bra?", corpus, [first])  # particle after the subject, a judging clause
    assert good.topic == analyse(first, corpus).topic and "topic" in good.inherited
    other = analyse("höll de med om det, eller såg de annorlunda på saken?", corpus, [first])
    assert not {"annorlunda", "saken"} & set(other.topic.split()) and "lokalerna" in other.topic


def test_when_it_was_written_asks_for_the_date_and_a_deadline_names_no_topic():
    from conftest import memory_corpus

    from assistant.analyse import analyse, question_type

    assert question_type("när är det skrivet?") == "catalogue" and question_type("när skrevs den?") == "catalogue"
    assert question_type("när var det?") != "catalogue"  # any event: no document's date
    corpus = memory_corpus(CHUNKS)
    deadline = analyse("när skulle svaret senast vara inne?", corpus, ["Vad tyckte Idrottsnämnden om vakterna?"])
    assert deadline.qtype == "catalogue" and "senast" not in deadline.topic


def test_a_response_to_a_programme_is_asked_apart_from_what_is_said_of_it():
    from assistant.answer import _asks_response_to

    assert _asks_response_to("vad svarade de på remissen om säkerhetsprogrammet då?", "säkerhetsprogrammet")
    assert _asks_response_to("Har någon yttrat sig över det nya säkerhetsprogrammet?", "säkerhetsprogrammet")
    assert _asks_response_to("Vilka synpunkter hade EAV på säkerhetsprogrammet?", "säkerhetsprogrammet")
    assert not _asks_response_to("vad står det om säkerhetsprogrammet?", "säkerhetsprogrammet")
    assert not _asks_response_to("svarade de något om hur säkerhetsprogrammet och trygghetsprogrammet hänger ihop "
                                 "med krisberedskapen?", "säkerhetsprogrammet")  # too far from the response word


@pytest.mark.integration
def test_a_response_to_a_programme_nobody_answered_is_refused(real_retriever):
    from assistant.answer import answer

    history = ["Spånga-Tensta tyckte det var bra att programmet delades i två, vilka två blev det?"]
    a = answer(real_retriever, "vad svarade de på remissen om säkerhetsprogrammet då?", history=history)
    assert a.abstained and "säkerhetsprogrammet" in a.warnings[0]
    said = answer(real_retriever, "vad står det om säkerhetsprogrammet 2020-2023?")
    assert not said.abstained  # what the documents say of it stands


def test_a_time_when_something_was_on_remiss_asks_for_no_recipients():
    from assistant.analyse import topic_of
    from assistant.answer import detail_asked

    assert detail_asked("Vilka fick programmet på remiss?") and detail_asked("vilka var remissinstanserna?")
    assert not detail_asked("tog nån upp fusk mot välfärden när förra programmet var på remiss?")
    assert not detail_asked("tar någon upp det nu när programmet är på remiss?")
    assert "redan" not in topic_of("tog nån upp fusk mot välfärden redan när förra programmet var på remiss?", [])


@pytest.mark.integration
def test_a_topic_raised_when_the_earlier_version_was_on_remiss(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "tog nån upp fusk mot välfärden redan när förra programmet var på remiss?",
               history=["Vad står det om välfärdsbrott i trygghetsprogrammet 2024-2027 enligt kyrkogårdsförvaltningens svar?"])
    assert not a.abstained and a.request["period"] == "2020-2023"
    assert "001_2da92ff9d07e789e" in {c.chunk.doc_id for c in a.citations} and "välfärdssystemen" in a.text


def test_a_clause_after_the_programme_word_says_which_version():
    from assistant.analyse import resolve_period

    periods = ["2018-2021", "2020-2023", "2024-2027", "2028-2031"]
    assert resolve_period("och i programmet som kom efter, hur beskrivs det?", periods, "2020-2023") == ("2024-2027", "")
    assert resolve_period("hur var det i programmet som det ersatte?", periods, "2024-2027") == ("2020-2023", "")
    assert resolve_period("och i programmet som kom innan?", periods, "2018-2021") == ("", "")  # none before the first
    assert resolve_period("vad står det i programmet om skolan?", periods, "2020-2023") == ("", "")


def test_what_an_inquiry_proposed_is_asked_with_its_adjective_too():
    from assistant.answer import detail_asked

    assert detail_asked("och vad föreslog sen den statliga utredningen om kommunernas ansvar?")
    assert detail_asked("vad föreslog utredningen?")
    assert not detail_asked("vad föreslog EAV om samordningen?")


def test_a_pronoun_object_of_an_infinitive_or_past_verb_refers_back():
    from conftest import memory_corpus

    from assistant.analyse import analyse

    corpus = memory_corpus(CHUNKS)
    first = "Vad tycker Idrottsnämnden om idrottsvakterna?"
    for q in ("vem ska anordna dem?", "vem anordnade dem?", "vem finansierar det?"):
        req = analyse(q, corpus, [first])
        assert "idrottsvakterna" in req.topic and "topic" in req.inherited, (q, req.topic)


def test_a_kind_of_decision_no_document_has_makes_the_question_unanswerable():
    from conftest import memory_corpus

    from assistant.answer import _absent_decision

    corpus = memory_corpus([*CHUNKS, _chunk(3, "Nämnden avslog motionen och en ledamot reserverade sig mot beslutet.")])
    assert _absent_decision(corpus, "Hur brukar nämnden formulera sig när den avstyrker ett förslag?") == \
        "Underlaget nämner inte »avstyrker« någonstans."
    assert _absent_decision(corpus, "hur formuleras reservationerna?")  # 'reserverade' is another word
    assert _absent_decision(corpus, "Hur skrev de när de avslog motionen?") == ""  # the corpus has it
    assert _absent_decision(corpus, "Hur avslutas yttrandena?") == ""  # 'avslutas' is no 'avslå'


@pytest.mark.integration
def test_formulations_of_reservations_none_has_are_refused(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "Hur brukar reservationerna formuleras i de här ärendena?")
    assert a.abstained and "reservationerna" in a.warnings[0]
    assert not answer(real_retriever, "Hur brukar yttrandena avslutas?").abstained


def test_version_by_its_first_year_after_fran_and_idioms_that_name_no_topic():
    from assistant.analyse import resolve_period, topic_of, versions_named

    periods = ["2018-2021", "2020-2023", "2024-2027"]
    assert resolve_period("Fanns X med redan i det gamla programmet från 2018?", periods) == ("2018-2021", "")
    assert resolve_period("HL:s yttrande från 2017", periods) == ("", "")  # a document's year, not a version's
    assert versions_named("programmet från 2024 jämfört med 2018 års", periods) == {"2024-2027", "2018-2021"}
    assert topic_of("gillade dom det reviderade programmet, och i så fall varför?", []) == ""
    assert "enda" not in topic_of("Vilka var positiva utan en enda invändning?", [])


def test_an_indefinite_synpunkt_names_no_section():
    from assistant.phrasing import _asked_section

    assert _asked_section("Hur kan man skriva en synpunkt där man först berömmer något?") is None
    assert _asked_section("vad står under synpunkterna hos EAV?") == "Förvaltningens synpunkter och förslag"


@pytest.mark.integration
def test_praise_then_a_wish_for_change_is_shown_as_such_sentences(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "Hur kan man skriva en synpunkt där man först berömmer något och sen ändå vill att det kompletteras?")
    assert a.request["type"] == "phrasing" and not a.abstained
    quotes = [c.quote.lower() for c in a.citations]
    assert quotes and all("bra" in q or "positiv" in q or "instämmer" in q for q in quotes)
    assert all(any(w in q for w in ("men", "dock", "samtidigt")) for q in quotes)


def test_a_wish_that_the_text_be_made_clearer_is_a_wish_for_change():
    from assistant.analyse import question_type

    assert question_type("Vilka nämnder ville att programtexten skulle göras tydligare på någon punkt?") == "stance"
    assert question_type("Vilka nämnder ville ha ändringar?") == "stance"


@pytest.mark.integration
def test_the_signature_lines_date_is_when_it_was_signed(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "när godkändes kyrkogårdsförvaltningens tjänsteutlåtande digitalt och av vem")
    assert "undertecknat av **Svante Borg** den 2023-11-21" in a.text
    assert any("2023-11-21" in c.quote for c in a.citations)  # the quote carries it


def test_a_body_said_with_another_body_word_is_the_same_body():
    from conftest import memory_corpus

    from assistant.evidence import body_kin

    assert body_kin("stadsdelsnamnd") == ("stadsdelsforvaltning", "stadsdel")
    assert body_kin("facknamnd") == ("fackforvaltning",)  # not 'fack', which 'fackliga' starts
    assert body_kin("samverkan") == ()
    corpus = memory_corpus([_chunk(0, "Det är bra att stadsdelarna får ett samordningsansvar, men fackförvaltningarna "
                                      "måste involveras."), _chunk(1, "De fackliga organisationerna har informerats.")])
    scorer = Scorer(corpus, "stadsdelsnämnderna facknämnderna")
    assert scorer.coverage(corpus.passages("d1")[0].text)[0] == 1.0
    assert scorer.coverage(corpus.passages("d1")[1].text)[0] == 0.0


def test_kinds_of_the_listed_noun_make_a_list_whatever_the_layout():
    from conftest import memory_corpus

    corpus = memory_corpus([_chunk(0, "Arbetet ska utgå från\nrutinaktivitetsteorin\nBroken Windows-teorin\noch aktuell forskning.")])
    scorer = Scorer(corpus, "teorier")
    text = corpus.passages("d1")[0].text
    assert scorer.kinds_named(text, ["teori"]) == 2  # the hyphenated compound counts whole
    assert scorer.kinds_named("I programmet nämns teorier, metoder och rutiner.", ["teori"]) == 0


@pytest.mark.integration
def test_which_theories_quotes_the_theories_themselves(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "vilka teorier vill dom ha med i programmet?",
               history=["eav:s remissvar, vad är kritiken i korthet?"])
    assert "rutinaktivitetsteorin" in a.citations[0].quote


@pytest.mark.integration
def test_a_question_of_two_alternatives_gets_no_bare_yes(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "Ställde sig Spånga-Tensta bakom förslaget, eller hade dom något att anmärka på?")
    assert not a.abstained and not a.text.startswith(("Ja", "Nej")) and "är positiv" in a.text
    assert answer(real_retriever, "Var Kyrkogårdsnämnden positiv eller inte?").text.startswith("Ja.")


def test_a_restated_sentence_is_a_near_duplicate():
    from assistant.phrasing import _restates

    summary = "Vidare anser kulturförvaltningarna att det är bra att stadsdelarna får ett samordningsansvar."
    body = "Vidare anser förvaltningarna att det är bra att stadsdelarna får ett samordningsansvar utnyttja lokalerna."
    assert _restates(summary, body) and _restates(body, summary)
    assert not _restates("Dock bör det framgå tydligare av programmet om offentlig miljö även syftar på bibliotek.",
                         "Förvaltningarna instämmer helt, men anser att det bör framgå tydligare att offentlig miljö "
                         "inte bara syftar på utomhusmiljöer, utan även kan innefatta bibliotek.")
