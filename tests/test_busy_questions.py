"""Questions as busy handläggare type them (several sentences, the asker's own situation, yes/no with the
verb first, a nämnd pointed at with 'den nämnden') and evidence that a short compound part or a crowded
search would otherwise hide. Pure functions first, then the real corpus with the real model."""

from __future__ import annotations

import pytest

from assistant.analyse import analyse, asker_context, unknown_body
from assistant.evidence import matches

KNOWN = ["Enskede-Årsta-Vantörs stadsdelsnämnd", "Hägersten-Liljeholmens stadsdelsnämnd", "Kulturnämnden och Stadsarkivet",
         "Kyrkogårdsnämnden", "Spånga-Tensta stadsdelsnämnd"]


def test_the_askers_own_situation_is_context_not_the_question():
    q, told = asker_context("Vi har själva publika lokaler och funderar på om de räknas in. "
                            "Nämner någon att bibliotek borde ingå i begreppet offentlig miljö?")
    assert q == "Nämner någon att bibliotek borde ingå i begreppet offentlig miljö?"
    assert told == "Vi har själva publika lokaler och funderar på om de räknas in."
    q, told = asker_context("Vilka avdelningar beredde ärendet? Vill veta vem jag ska ringa om förskolefrågorna.")
    assert (q, told) == ("Vilka avdelningar beredde ärendet?", "")  # after the question: left out


def test_a_statement_before_the_question_is_its_background():
    q, told = asker_context("EAV saknade något om välfärdsbrott i 2020–2023-versionen. Har det kommit in i den nya?")
    assert (q, told) == ("Har det kommit in i den nya?", "EAV saknade något om välfärdsbrott i 2020–2023-versionen.")
    # an earlier question stays with the last one
    assert asker_context("Stämmer det att X? Vilken siffra var det?") == ("Stämmer det att X? Vilken siffra var det?", "")


@pytest.mark.integration
def test_the_version_asked_about_is_the_questions_own_not_the_backgrounds(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "EAV saknade något om bedrägerier mot välfärdssystemen i 2020–2023-versionen. "
                               "Har det kommit in något om välfärdsbrott i den nya versionen?")
    assert not a.abstained and a.request["period"] == "2024-2027"
    assert "002_80d6bf5fc05df009" in {c.chunk.doc_id for c in a.citations}


@pytest.mark.parametrize("message", [
    "vad innehöll programmet 2018–2021? ge en överblick",  # an instruction after the question
    "kulturförv. och stadsarkivet hade väl synpunkter?",  # an abbreviation's dot ends no sentence
    "Jag undrar vad EAV tyckte om ordningsvakter",  # one sentence, no '?': nothing to tell apart
])
def test_messages_without_a_told_situation_stay_whole(message):
    assert asker_context(message) == (message, "")


def test_a_yes_no_question_names_its_author_with_the_verb_first():
    assert unknown_body("Tyckte Storstockholms brandförsvar att programmet var bra?", KNOWN) == "Storstockholms brandförsvar"
    assert unknown_body("Tycker Spånga-Tensta att programmet är bra?", KNOWN) == ""
    assert unknown_body("Tyckte de att ordningsvakter var bra?", KNOWN) == ""
    assert unknown_body("svarade nån nämnd på remissen om 2024-2027", KNOWN) == ""  # which one, not a name


def test_a_compound_term_past_its_linking_s_is_not_any_compound_with_the_same_head():
    assert matches("sakerhetsrad", "sakerhetsarbetet")  # without the seam: the shared-prefix derivation rule
    assert not matches("sakerhetsrad", "sakerhetsarbetet", seam=8)
    assert matches("sakerhetsrad", "sakerhetsradet", seam=8)
    assert matches("kommunicer", "kommunikation")  # the derivation the rule is for


@pytest.mark.integration
def test_the_scorer_keeps_a_compound_apart_from_its_heads_other_compounds(real_retriever):
    from assistant.evidence import Scorer

    sc = Scorer(real_retriever, "säkerhetsrådet")
    assert sc.coverage("ett trygghets- och säkerhetsråd som är rådgivande")[0] == 1.0
    assert sc.coverage("Trygghets- och säkerhetsarbetet behöver stärkas.")[0] == 0.0


@pytest.mark.integration
def test_the_one_passage_with_the_rarest_term_is_read_when_the_search_misses_it(real_retriever):
    """Eight passages on 'säkerhetsarbete' crowd out the one on the råd: a lexical search for the rarest
    topic word alone brings it in; a list of 'stadens funktionalitet' is no answer to 'vilken funktion'."""
    from assistant.answer import answer

    a = answer(real_retriever, "Vilken funktion har trygghets- och säkerhetsrådet i programmet 2018-2021?")
    assert not a.abstained and "rådgivande" in a.citations[0].quote
    assert a.citations[0].chunk.doc_id == "003_8cbd9df508089135"


@pytest.mark.integration
def test_an_unknown_author_of_a_yes_no_question_abstains(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "Tyckte Storstockholms brandförsvar att trygghetsprogrammet var bra?")
    assert a.abstained and "Storstockholms brandförsvar" in a.warnings[0]


@pytest.mark.integration
def test_den_namnden_keeps_the_namnd_even_where_it_made_the_question_unanswerable(real_retriever):
    """'Vad svarade den nämnden på det förra programmet?' asks the nämnd pointed at; Kyrkogårdsnämnden
    answered 2024–2027 only, so the answer is that it did not comment on 2020–2023, not other nämnder's text."""
    from assistant.answer import answer

    history = ["Vem var handläggare för Kyrkogårdsnämndens yttrande?"]
    req = analyse("Vad svarade den nämnden på det förra programmet, 2020–2023?", real_retriever, history)
    assert req.namnder == ("Kyrkogårdsnämnden",) and req.unknown_period == "2020-2023"
    a = answer(real_retriever, "Vad svarade den nämnden på det förra programmet, 2020–2023?", history=history)
    assert a.abstained and "2020–2023" in a.warnings[0]


@pytest.mark.integration
def test_asking_for_objections_shows_reservations_when_none_is_stated(real_retriever):
    """Spånga-Tensta states no critique, but 'Samtidigt är det viktigt att hålla ihop …' and 'Här ser
    förvaltningen ett behov av …' are what an asker after objections can take up: shown as reservations."""
    from assistant.answer import answer

    a = answer(real_retriever, "Hade Spånga-Tensta några invändningar alls mot programmet eller var de bara positiva? "
                               "Letar efter något vi kan haka på i vårt eget svar.")
    assert not a.abstained and a.request["topic"] in ("", "alls")  # the asker's sentence is no topic
    assert "förbehåll" in a.text and "parallella processer" in a.text and "vidareutvecklad samordning" in a.text
    assert {c.chunk.doc_id for c in a.citations} == {"000_3597c3daaecaf7f2"}
    # a nämnd with stated critique keeps its objections
    b = answer(real_retriever, "Vilka invändningar hade Enskede-Årsta-Vantör?")
    assert "förbehåll" not in b.text and "Invändningar" in b.text


def test_remissinstanser_as_the_ones_who_speak_ask_for_no_recipient_list():
    from assistant.answer import detail_gap

    said = ["Förvaltningarna anser att offentlig miljö även kan innefatta bibliotek."]
    assert detail_gap("Nämner någon av remissinstanserna att bibliotek borde ingå i offentlig miljö?", said) is None
    assert detail_gap("Vilka var remissinstanserna?", said) == "Underlaget anger inte vilka som fick remissen."
    assert detail_gap("vilka remissinstanser fick remissen?", ["Ärendet har remitterats till nämnderna."]) is None


@pytest.mark.integration
def test_a_followup_asking_for_the_whole_view_does_not_carry_the_previous_topic(real_retriever):
    req = analyse("Och HL då – hur såg de på programmet 2018-2021 i stort?", real_retriever,
                  ["Vad tyckte Spånga-Tensta om att det gamla programmet delades i två?"])
    assert req.qtype == "summary" and req.namnder == ("Hägersten-Liljeholmens stadsdelsnämnd",)
    assert req.topic == "" and "topic" not in req.inherited


def test_a_clause_of_opinion_judges_and_names_no_topic():
    from assistant.analyse import topic_of

    assert topic_of("finns det något exempel de tycker är bra?", KNOWN) == "exempel"
    assert topic_of("vilka åtgärder anser dom är mest angelägna?", KNOWN) == "åtgärder"


@pytest.mark.integration
def test_whether_something_still_holds_is_a_change_question_on_its_own_and_a_followup_in_a_conversation(real_retriever):
    alone = analyse("gäller målet om halverad otrygghet till 2025 fortfarande i nya programmet?", real_retriever)
    assert alone.qtype == "change" and alone.period == "2024-2027"
    after = analyse("finns dom kvar i 2024-2027?", real_retriever, ["vilka fokusområden hade programmet 2020-2023 enligt eav"])
    assert after.qtype == "topic" and "topic" in after.inherited


def test_a_question_opening_on_how_something_is_worded_is_a_phrasing_question():
    from assistant.analyse import question_type

    assert question_type("Hur brukar man formulera förslaget till beslut när nämnden svarar på remissen?") == "phrasing"
    assert question_type("vilka nämnder svarade på remissen?") == "catalogue"


def test_an_amount_asked_in_a_later_sentence_or_a_claim_to_confirm_needs_an_amount():
    from assistant.answer import _quantity_gap

    said = ["Förvaltningen är positiv till målet att halvera den upplevda otryggheten till år 2025."]
    assert _quantity_gap("Stämmer det att X redovisade hur stor andel som känner sig otrygga? Vilken siffra var det?", said)
    assert _quantity_gap("Är det sant att andelen otrygga redovisas?", said)
    assert not _quantity_gap("Stämmer det att hälften känner sig otrygga?", ["Hälften av de boende känner sig otrygga."])


@pytest.mark.integration
def test_the_counterpart_of_a_compound_is_its_kind_in_the_other_version(real_retriever):
    """'vad motsvarar säkerhetssamordnare i 20-23?': 2020–2023 has 'utsedda samordnare', a samordnare of
    another name; the compound is read as its head (split at its linking s, parts the corpus has)."""
    from assistant.answer import answer, counterpart_topic

    assert counterpart_topic(real_retriever, "krav säkerhetssamordnare motsvarar", "vad motsvarar det?") == "krav samordn"
    assert counterpart_topic(real_retriever, "säkerhetssamordnare", "vem är säkerhetssamordnare?") == "säkerhetssamordnare"
    a = answer(real_retriever, "krav på säkerhetssamordnare fanns i 2018 – vad motsvarar det i 20-23?")
    assert not a.abstained and "utsedda samordnare" in a.citations[0].quote


def test_where_the_thing_asked_about_is():
    from assistant.answer import place_words

    assert place_words("Vad säger remissvaren om otryggheten i tunnelbanan och på pendeltågsstationer?") == [
        "tunnelbanan", "pendeltågsstationer"]
    assert place_words("vad skriver de om skadegörelse på stadens begravningsplatser?") == ["begravningsplatser"]
    assert place_words("vad säger EAV om trygghet i den offentliga miljön?") == ["miljön"]
    assert place_words("vad gäller i 2020-2023?") == []  # no topic preposition, no place asked


@pytest.mark.integration
def test_a_place_the_corpus_never_names_makes_the_question_unanswerable(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "Vad säger remissvaren om otryggheten i tunnelbanan och på pendeltågsstationer?")
    assert a.abstained and ("tunnelbanan" in a.warnings[0] or "pendeltågsstationer" in a.warnings[0])
    b = answer(real_retriever, "Vad säger Spånga-Tensta om ordningsvakter i offentliga miljöer?")
    assert not b.abstained


@pytest.mark.integration
def test_catalogue_words_in_their_inflected_and_short_forms(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "vilket ärendenr har eav:s tjänsteutlåtande om trygghetsprogrammet?")
    assert not a.abstained and "EAV 2020/514" in a.text
    b = answer(real_retriever, "När gick sista svarsdagen ut för kulturförvaltningens och Stadsarkivets remiss?")
    assert "2021-02-21" in b.text and "senaste dokumentet" not in b.text
    c = answer(real_retriever, "Hur brukar beslutsmeningen lyda när nämnden skickar förvaltningens svar vidare till KS?")
    assert c.request["type"] == "phrasing" and "som svar på remissen" in c.text


@pytest.mark.integration
def test_the_programme_proposal_is_no_topic_and_splitting_it_is_a_revision(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "Vilken sdn var mest negativ till programförslaget 2020-23?")
    assert a.request["type"] == "stance" and a.request["topic"] == ""
    assert a.citations[0].chunk.doc_id == "001_2da92ff9d07e789e"
    b = answer(real_retriever, "Hur kommer det sig att man splittade upp det gamla trygghets- och säkerhetsprogrammet?")
    assert b.request["type"] == "change" and "två olika program" in b.text


def test_who_answered_someone_elses_critique_is_an_author_the_corpus_lacks():
    assert unknown_body("Hur bemötte stadsledningskontoret EAV:s kritik om att uppdraget saknar avgränsning?",
                        KNOWN) == "stadsledningskontoret"
    assert unknown_body("Vad tyckte EAV om HL:s förslag?", KNOWN) == ""
