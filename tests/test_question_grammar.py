"""Swedish question grammar the analysis reads: verbs are no topic, 'nästa version' follows the version
in context, a phone/e-mail question is a catalogue question about one document."""

import pytest

from assistant.analyse import analyse, question_type, question_verbs, resolve_period, topic_of
from assistant.answer import answer

PERIODS = ["2018-2021", "2020-2023", "2024-2027", "2028-2031"]


def test_verbs_are_found_by_their_place_in_the_question():
    assert "stallde" in question_verbs("Hur ställde sig Idrottsnämnden till förslaget?")
    assert {"vill", "motiverar"} <= question_verbs("hur motiverar nämnden det hon vill")
    assert "foreslar" in question_verbs("vad föreslår skarpnäck för ändringar", names=["skarpnack"])
    # an indirect question: its subject comes first, and stays a topic
    assert "trygghetsvandringar" not in question_verbs("hur trygghetsvandringar fungerar")
    # an infinitive is what is asked about
    assert "ersatta" not in question_verbs("vilket program ska trygghetsprogrammet ersätta")


def test_a_question_of_verbs_only_has_no_topic_and_asks_for_the_whole_view():
    assert topic_of("Hur ställde sig Idrottsnämnden till förslaget?", ["Idrottsnämnden"]) == ""
    assert topic_of("hur motiverar idrottsnämnden sitt ställningstagande", ["Idrottsnämnden"]) == ""
    assert question_type("Hur ställde sig Idrottsnämnden till förslaget?") == "stance"
    assert question_type("vad föreslår idrottsnämnden för ändringar") == "stance"
    assert question_type("vad var idrottsnämndens huvudpoäng") == "summary"


def test_the_next_version_follows_the_one_in_context():
    assert resolve_period("har det tagits om hand i nästa version av programmet?", PERIODS, "2020-2023") == ("2024-2027", "")
    assert resolve_period("och i nästa program?", PERIODS, "2028-2031") == ("", "")  # none after the newest
    assert resolve_period("vad säger nästa program", PERIODS) == ("2028-2031", "")
    # "24-27": the catalogue's version by its short form (only when exactly one version fits)
    assert resolve_period("skiljer sig nya programmet 24-27 från det förra?", PERIODS)[0] == "2024-2027"
    assert resolve_period("se sidorna 12-15", PERIODS) == ("", "")
    # "det äldsta programmet": the first version there is; the word is no topic
    assert resolve_period("vilken av dem svarade på det äldsta programmet?", PERIODS)[0] == sorted(PERIODS)[0]
    assert "äldsta" not in topic_of("vilken av dem svarade på det äldsta programmet?", [])


def test_contact_details_are_catalogue_questions():
    assert question_type("vilket telefonnummer har hon?") == "catalogue"
    assert question_type("vad har EAV för e-postadress") == "catalogue"


@pytest.mark.integration
def test_a_phone_number_follow_up_reads_the_title_block(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "vilket telefonnummer har hon?", history=["Vem var handläggare för Kyrkogårdsnämndens yttrande?"])
    assert not a.abstained and "08-50830198" in a.text
    assert {c.chunk.doc_id for c in a.citations} == {"002_80d6bf5fc05df009"}
    b = answer(real_retriever, "vilket telefonnummer har Spånga-Tensta?")
    assert b.abstained and "telefonnummer" in " ".join(b.warnings)
    r = analyse("vilket telefonnummer har hon?", real_retriever, ["Vem var handläggare för Kyrkogårdsnämndens yttrande?"])
    assert r.namnder == ("Kyrkogårdsnämnden",)


def test_a_programme_named_by_its_title_is_that_version():
    from assistant.analyse import period_by_programme_name
    from index.corpus import DocRecord
    from index.types import DocMeta

    def rec(doc, title, period):
        return DocRecord(doc_id=doc, source=f"{doc}.txt", meta=DocMeta(doc_id=doc, title=title, period=period))

    cat = [rec("a", "Trygghets- och säkerhetsprogram 2018–2021 – yttrande", "2018-2021"),
           rec("b", "Trygghetsprogram 2020–2023 – svar på remiss", "2020-2023"),
           rec("c", "Trygghetsprogram 2024–2027 – svar på remiss", "2024-2027")]
    assert period_by_programme_name("det gamla trygghets- och säkerhetsprogrammet", cat) == "2018-2021"
    assert period_by_programme_name("säkerhetsprogrammet", cat) == ""  # may be another programme
    assert period_by_programme_name("det förra trygghetsprogrammet", cat) == ""  # every version is one


def test_questions_relating_two_versions_are_change_questions():
    assert question_type("finns målet att halvera otryggheten kvar i nya programmet") == "change"
    assert question_type("har kravet på lägesbilder strukits i det reviderade programmet?") == "change"
    assert question_type("Var det gamla programmet också stadens brottsförebyggande program, och hur är det idag?") == "change"
    assert question_type("hur är det idag med samverkan?") == "topic"


def test_two_versions_named_make_a_change_question(real_retriever):
    r = analyse("2018-2021-programmet utgick ju från vision 2040, vad utgår trygghetsprogrammet 2020-2023 från",
                real_retriever)
    assert r.qtype == "change"


def test_programme_overview_questions_are_summaries():
    assert question_type("vad går trygghetsprogrammet 2020–2023 ut på enligt remissvaren, kort") == "summary"
    assert question_type("vad innehöll trygghets- och säkerhetsprogrammet 2018–2021? ge en överblick") == "summary"
    assert question_type("vad handlar programmet om när det gäller skolan") == "topic"


def test_perfect_tense_phrasal_verbs_and_back_references_are_no_topic(real_retriever):
    """'har det tagits om hand …' (a supine after the leading auxiliary, a phrasal verb) and 'nåt liknande',
    'likadant' (asking for the previous topic) name no topic: a follow-up made of them keeps the previous one."""
    assert "tagits" in question_verbs("har det tagits om hand i nästa version?")
    assert "kommenterat" in question_verbs("har idrottsnämnden kommenterat det?", names=["idrottsnamnden"])
    assert topic_of("har det tagits om hand i nästa version av programmet?", []) == ""
    assert "liknande" not in topic_of("tar Idrottsnämnden upp nåt liknande i sitt svar?", ["Idrottsnämnden"])
    assert question_type("har programmet förändrats sedan 2018") == "change"
    req = analyse("var det likadant i det förra programmet?", real_retriever,
                  ["Vilka perspektiv ska genomsyra trygghetsprogrammet 2024–2027?"])
    assert req.topic == "perspektiv genomsyra" and req.period == "2020-2023" and "topic" in req.inherited
    req = analyse("har Spånga-Tensta skrivit något motsvarande?", real_retriever,
                  ["Vad säger Kyrkogårdsnämnden om kommunikation?"])
    assert req.topic == "kommunikation" and req.namnder == ("Spånga-Tensta stadsdelsnämnd",)


def test_body_abbreviations_and_counted_nouns(real_retriever):
    """'södermalms sdn' is Södermalms stadsdelsnämnd (no document here: refused, named); 'spånga-tensta sdn'
    is the nämnd the corpus has; 'hur många aktörer …' is answered by 'minst tre aktörer'."""
    from assistant.answer import _quantity_gap, answer

    a = answer(real_retriever, "vad tyckte södermalms sdn om trygghetsprogrammet")
    assert a.abstained and "stadsdelsnämnd" in " ".join(a.warnings)
    assert analyse("vad tyckte spånga-tensta sdn om ordningsvakter", real_retriever).namnder == (
        "Spånga-Tensta stadsdelsnämnd",)
    q = "hur många aktörer kan vara ansvariga för skötseln av en plats"
    assert not _quantity_gap(q, ["På många platser inom staden är minst tre aktörer ansvariga för skötsel och drift."])
    assert _quantity_gap(q, ["Flera aktörer är ansvariga för skötsel och drift."])


def test_words_of_the_answer_form_are_no_topic_and_a_follow_up_keeps_the_topic(real_retriever):
    """'sammanfatta det i en mening' after a question on Spånga-Tensta and samverkan summarises what
    Spånga-Tensta says on samverkan ('mening' says how to answer, not about what)."""
    from assistant.answer import answer

    assert topic_of("Sammanfatta Idrottsnämndens yttrande i några punkter", ["Idrottsnämnden"]) == ""
    history = ["hur ser spånga-tensta på samverkan i programmet"]
    req = analyse("sammanfatta det i en mening", real_retriever, history)
    assert req.qtype == "summary" and req.topic == "samverkan" and req.namnder == ("Spånga-Tensta stadsdelsnämnd",)
    a = answer(real_retriever, "sammanfatta det i en mening", history=history)
    assert a.citations and all(c.chunk.doc_id.startswith("000_") and "amverk" in c.quote for c in a.citations)


def test_an_elliptic_follow_up_asks_the_previous_question_of_the_new_namnd_or_version(real_retriever):
    """'och hos spånga-tensta?' after 'vem beredde ärendet hos kyrkogårdsförvaltningen' asks who prepared
    Spånga-Tensta's case (not for a summary of its yttrande); 'och 2024-2027?' after a list of who answered
    one version lists who answered that one; 'samma fråga för EAV' repeats the catalogue question."""
    from assistant.answer import answer

    a = answer(real_retriever, "och hos spånga-tensta?", history=["vem beredde ärendet hos kyrkogårdsförvaltningen"])
    assert a.request["inherited"][:1] == ["question"] and a.request["namnder"] == ["Spånga-Tensta stadsdelsnämnd"]
    assert a.question == "och hos spånga-tensta?"
    assert any("beretts inom staben" in c.quote for c in a.citations)
    assert all(c.chunk.doc_id.startswith("000_") for c in a.citations)
    b = answer(real_retriever, "och 2024-2027?", history=["vilka nämnder svarade på programmet 2020-2023"])
    assert b.request["type"] == "catalogue" and "Kyrkogårdsnämnden" in b.text and "Spånga-Tensta" not in b.text
    req = analyse("samma fråga för EAV", real_retriever, ["vem var handläggare för Kyrkogårdsnämndens yttrande"])
    assert req.qtype == "catalogue" and req.namnder == ("Enskede-Årsta-Vantörs stadsdelsnämnd",) and not req.topic
    # a question with words of its own is no ellipsis
    assert "question" not in analyse("och vad tyckte Spånga-Tensta om samverkan?", real_retriever,
                                     ["vem beredde ärendet hos kyrkogårdsförvaltningen"]).inherited


def test_the_co_author_of_a_joint_response_becomes_the_focus(real_retriever):
    """'och Stadsarkivet då?' after a question on Kulturförvaltningen's role: the same document, so the
    answer is what it says of Stadsarkivet (the sentence leaning back with 'På motsvarande sätt')."""
    from assistant.answer import answer

    a = answer(real_retriever, "och Stadsarkivet då?",
               history=["Hur beskriver kulturförvaltningen sin roll som samverkanspartner i trygghetsarbetet?"])
    assert any("Kungsklippan" in c.quote for c in a.citations), a.text


def test_who_prepared_the_case_is_answered_from_the_preparation_sentence(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "vem beredde ärendet hos kulturförvaltningen")
    assert a.request["type"] == "topic" and a.citations
    assert "beretts av administrativa staben" in a.citations[0].quote


def test_follow_ups_that_quote_ask_why_or_turn_to_the_others(real_retriever):
    """Follow-ups a handläggare types after a question on one nämnd: 'citera beslutsförslaget' (the
    section the compound names, of that nämnd's document), 'varför är de positiva till det?' (the
    stance and the reasons given right after it), 'vad tyckte de andra …?' (every other nämnd on the
    same version), 'vilka andra fick remissen?' (who else: the sentence saying where it was sent)."""
    from assistant.answer import answer

    a = answer(real_retriever, "citera beslutsförslaget",
               history=["hur ställde sig HL sdn till trygghets- och säkerhetsprogrammet 2018-2021"])
    assert a.citations and all(c.chunk.doc_id.startswith("003_") for c in a.citations)
    assert "godkänner förvaltningens tjänsteutlåtande" in a.citations[0].quote
    b = answer(real_retriever, "varför är de positiva till det?",
               history=["vad sa kyrkogårdsnämnden om trygghetsprogrammet 2024-2027"])
    assert "Skälen som anges" in b.text and any("stora utmaningar" in c.quote for c in b.citations)
    c = answer(real_retriever, "vad tyckte de andra som svarade om samma program?",
               history=["vad tyckte spånga-tensta om trygghetsprogrammet 2020-2023 överlag"])
    docs = {x.chunk.doc_id[:3] for x in c.citations}
    assert docs == {"001", "004"}, docs
    d = answer(real_retriever, "vilka andra fick remissen?",
               history=["när skulle kyrkogårdsförv senast yttra sig om trygghetsprogrammet 2024-2027"])
    assert d.request["namnder"] == ["Kyrkogårdsnämnden"] and "stadsledningskontoret" in d.text


def test_a_follow_up_carries_the_subject_not_the_programme_name(real_retriever):
    """The programme's name in the first question ('trygghets- och säkerhetsprogrammet') says which
    version; a follow-up carries the version and the subject ('centrala ansvaret'), not the name as a topic."""
    history = ["vem har det centrala ansvaret i trygghets- och säkerhetsprogrammet 2018-2021"]
    req = analyse("och i trygghetsprogrammet 2020-2023?", real_retriever, history)
    assert req.period == "2020-2023" and req.topic == "centrala ansvaret"
    req = analyse("vad ska förvaltningen själv göra enligt dem", real_retriever,
                  ["Vad tyckte HL om trygghets- och säkerhetsprogrammet?"])
    assert "säkerhetsprogrammet" not in req.topic and req.namnder == ("Hägersten-Liljeholmens stadsdelsnämnd",)


def test_a_namnd_in_a_background_clause_does_not_narrow_the_version_asked_about(real_retriever):
    """'EAV klagade på … – har nya versionen 2024-2027 något om lagstiftning?': EAV commented on 2020-2023
    only; it is the background, the question is about 2024-2027. Asked of EAV directly, it is refused."""
    q = "EAV klagade på att det saknas lag om kommunens brottsförebyggande ansvar – har nya versionen 2024-2027 något om lagstiftning?"
    req = analyse(q, real_retriever)
    assert req.period == "2024-2027" and not req.namnder and not req.unknown_period
    direct = analyse("vad tyckte EAV om programmet 2024-2027?", real_retriever)
    assert direct.unknown_period == "2024-2027"


def test_summarise_and_same_question_variants(real_retriever):
    assert question_type("summera vad yttrandena säger om samverkan") == "summary"
    req = analyse("samma fråga fast kyrkogårdsnämnden och 2024-2027", real_retriever,
                  ["hur ställde sig spånga-tensta till 2020-2023 programmet"])
    assert "question" in req.inherited and req.namnder == ("Kyrkogårdsnämnden",) and req.period == "2024-2027"


def test_why_after_a_namnds_view_gives_its_stance_and_grounds(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "varför då?", history=["vad tycker EAV om målet att inte ha några utsatta områden"])
    assert a.request["type"] == "stance" and "Skälen som anges" in a.text
    assert all(c.chunk.doc_id.startswith("001_") for c in a.citations)


def test_compounds_programperiod_and_per_document_summaries(real_retriever):
    """A compound topic term no passage has is read as its two parts ('resursbehovet' -> resurs + behov);
    'programperiod' asks the catalogue's version; 'en rad per nämnd' asks for a summary; number words are
    no topic."""
    from assistant.answer import answer
    from assistant.evidence import Scorer

    assert Scorer(real_retriever, "resursbehovet").terms[-1] == "behov"
    assert Scorer(real_retriever, "kameraövervakning").terms == ["kameraovervakning"]  # parts the corpus lacks
    a = answer(real_retriever, "vilken programperiod kommenterar kyrkogårdsnämnden")
    assert a.request["type"] == "catalogue" and "2024–2027" in a.text
    req = analyse("vad tyckte de tre som svarade på remissen om 2020-2023, en rad per nämnd", real_retriever)
    assert req.qtype == "summary" and req.topic == ""


@pytest.mark.parametrize("history, question, check", [
    (["spånga-tensta vill vidareutveckla arbetsmarknadsinsatser"], "på vilka grunder",
     lambda a: a.request["type"] == "stance" and a.request["namnder"] == ["Spånga-Tensta stadsdelsnämnd"]),
    (["finns det nåt yttrande från kyrkogårdsnämnden?"], "kort och gott, vad tyckte de",
     lambda a: a.request["type"] == "summary" and not a.request["topic"]),
    (["vem var handläggare på kyrkogårdsnämndens yttrande", "och vad tyckte förvaltningen om säkerhetsprogrammet"],
     "hur når jag henne?", lambda a: "08-50830198" in a.text),
    (["vad tyckte kyrkogårdsnämnden om 2024-2027", "vem mer fick remissen?"], "och när skulle svaret in till ks?",
     lambda a: "20 december 2023" in a.text),
    (["spånga-tensta var ju väldigt positiva till 2020-2023 programmet"], "var någon annan kritisk till det?",
     lambda a: "Enskede-Årsta-Vantör" in a.text and all(not c.chunk.doc_id.startswith("000_") for c in a.citations)),
    (["vad tyckte spånga-tensta om programmet", "nåt om ordningsvakter?"], "vilket dnr har deras svar",
     lambda a: "KS 2019/1939" in a.text and "EAV 2020/514" not in a.text),
])
def test_follow_up_moves_of_a_chat(real_retriever, history, question, check):
    """Moves a handläggare makes in a chat: asks on what grounds (reason words are no topic), 'kort och gott'
    (a format idiom), reaches the person named before ('henne'), asks when the answer was due, turns to the
    others ('någon annan'), types a verbless fragment ('nåt om ordningsvakter?': same document, new topic)."""
    from assistant.answer import answer

    a = answer(real_retriever, question, history=history)
    assert check(a), (a.request, a.text[:400])


def test_still_there_in_another_version_keeps_the_topic(real_retriever):
    req = analyse("finns dom kvar i 2024-27?", real_retriever, ["vilka fokusområden hade programmet 2020-2023 enligt eav"])
    assert req.period == "2024-2027" and req.topic == "fokusområden" and not req.namnder


def test_a_question_within_the_previous_answer_narrows_its_topic(real_retriever):
    req = analyse("vilka aktörer nämns", real_retriever, ["vad säger spånga-tensta om samverkan"])
    assert req.namnder == ("Spånga-Tensta stadsdelsnämnd",) and req.topic == "samverkan aktörer"
    assert analyse("vilka aktörer nämns i programmet 2024-2027", real_retriever).namnder == ()


def test_a_demonstrative_points_back_at_the_previous_topic(real_retriever):
    """'vad tyckte EAV om det målet' after a question on the goals on utsatta områden: that goal, not any goal."""
    req = analyse("och vad tyckte EAV om det målet", real_retriever, ["vilka mål om utsatta områden fanns i 2020-2023"])
    assert "utsatta" in req.topic and req.namnder == ("Enskede-Årsta-Vantörs stadsdelsnämnd",)
    assert analyse("vad tyckte EAV om det förslaget", real_retriever, ["vad säger HL om samverkan"]).topic != "samverkan förslaget"


def test_something_like_the_previous_topic_in_another_response(real_retriever):
    """'tar EAV upp nåt liknande i sitt svar?' after a question on välfärdsbrott asks EAV about that topic ('i
    sitt svar' says where, it is no topic); EAV's text says it apart ('organiserad brottslighet och
    bedrägerier mot välfärdssystemen'): both parts of the compound in one sentence cover it."""
    from assistant.answer import answer

    history = ["Vad står det om välfärdsbrott i trygghetsprogrammet 2024-2027?"]
    req = analyse("tar EAV upp nåt liknande i sitt svar?", real_retriever, history)
    assert req.namnder == ("Enskede-Årsta-Vantörs stadsdelsnämnd",) and req.topic == "välfärdsbrott"
    a = answer(real_retriever, "tar EAV upp nåt liknande i sitt svar?", history=history)
    assert not a.abstained and any("välfärdssystemen" in c.quote for c in a.citations)
    assert all(c.chunk.doc_id.startswith("001_") for c in a.citations)


def test_a_why_question_with_words_of_its_own_stays_with_the_previous_document(real_retriever):
    """'varför är stödet otillräckligt?' after EAV on avhopparverksamhet asks EAV's grounds on that topic;
    'vad sa eav om samma sak?' after 'kulturförv om sdn:s samordningsansvar?' is not refused because the
    corpus lacks the short form 'sdn'."""
    from assistant.answer import answer

    a = answer(real_retriever, "varför är stödet otillräckligt?", history=["vad sa eav om avhopparverksamhet?"])
    assert a.request["namnder"] == ["Enskede-Årsta-Vantörs stadsdelsnämnd"] and "avhopparverksamhet" in a.request["topic"]
    assert any("ramavtalskatalogen" in c.quote for c in a.citations)
    assert all(c.chunk.doc_id.startswith("001_") for c in a.citations)
    b = answer(real_retriever, "vad sa eav om samma sak?", history=["kulturförv om sdn:s samordningsansvar?"])
    assert not b.abstained and all(c.chunk.doc_id.startswith("001_") for c in b.citations)


def test_a_body_typed_in_lower_case_that_the_documents_never_name_is_unknown(real_retriever):
    """'sammanfatta bromma sdn:s yttrande' and 'polisregion stockholms yttrande' name bodies with no document:
    refused with the body named; a nämnd of the corpus typed the same way, or a determiner before the body
    word ('varje stadsdelsnämnd'), is no unknown body."""
    from assistant.answer import answer

    a = answer(real_retriever, "sammanfatta bromma sdn:s yttrande över trygghets- och säkerhetsprogrammet 2018-2021")
    assert a.abstained and "bromma stadsdelsnämnd." in a.warnings[0]
    b = answer(real_retriever, "sammanfatta polisregion stockholms yttrande över trygghetsprogrammet 2024-2027")
    assert b.abstained and "polisregion stockholm." in b.warnings[0]
    assert not analyse("vad tyckte spånga-tensta stadsdelsnämnd om samverkan", real_retriever).unknown_namnd
    assert not analyse("vad säger varje stadsdelsnämnd om samverkan", real_retriever).unknown_namnd


def test_a_heading_named_as_such_is_where_not_what(real_retriever):
    """'vad skriver eav under rubriken samverkan' asks about samverkan in EAV's section of that name;
    'rubriken' is no topic word a sentence must contain."""
    from assistant.answer import answer

    req = analyse("vad skriver eav under rubriken samverkan, kortfattat", real_retriever)
    assert req.topic == "samverkan" and req.namnder == ("Enskede-Årsta-Vantörs stadsdelsnämnd",)
    a = answer(real_retriever, "vad skriver eav under rubriken samverkan, kortfattat")
    assert not a.abstained and all(c.chunk.doc_id.startswith("001_") for c in a.citations)
    assert any("samverkan" in c.quote.lower() for c in a.citations)


def test_phrasing_of_agreement_with_someone_quotes_the_sentences_on_them(real_retriever):
    """'hur formulerar spånga-tensta att de håller med stadsledningskontoret': 'håller … med' asks for
    agreement (no topic); stadsledningskontoret is what they agree with, so those sentences come first."""
    from assistant.answer import answer

    a = answer(real_retriever, "hur formulerar spånga-tensta att de håller med stadsledningskontoret")
    assert a.request["type"] == "phrasing" and a.request["topic"] == "stadsledningskontoret"
    assert "liksom stadsledningskontoret" in a.text or "stöder stadsledningskontoret" in a.text
    assert all(c.chunk.doc_id.startswith("000_") for c in a.citations)


def test_a_body_after_om_with_another_subject_is_the_topic_not_the_author(real_retriever):
    """'vad säger de om när det strular med fastighetsägare o trafikförvaltningen' after EAV's response:
    trafikförvaltningen is what EAV is asked about, not a body with no document; 'och idrottsnämnden?'
    (no other subject) still names an author the corpus lacks."""
    req = analyse("vad säger de om när det strular med fastighetsägare o trafikförvaltningen", real_retriever,
                  ["EAV trygghetsprogram 2020-2023 remissvar"])
    assert not req.unknown_namnd and req.namnder == ("Enskede-Årsta-Vantörs stadsdelsnämnd",)
    assert analyse("och idrottsnämnden?", real_retriever, ["vad tyckte kyrkogårdsnämnden om programmet 2024-2027"]).unknown_namnd
    assert analyse("vad tyckte trafikförvaltningen om ordningsvakter", real_retriever).unknown_namnd


def test_two_letter_initials_with_a_colon_genitive_name_the_namnd_in_any_case(real_retriever):
    """'hl:s yttrande' names Hägersten-Liljeholmen (a colon genitive marks an abbreviation); a bare
    lower-case 'hl' does not (two lower-case letters are too often something else)."""
    assert analyse("hl:s yttrande om det gamla programmet", real_retriever).namnder == ("Hägersten-Liljeholmens stadsdelsnämnd",)
    assert analyse("vad står det i hl om samverkan", real_retriever).namnder == ()


def test_a_verbless_fragment_with_a_relative_clause_keeps_the_document(real_retriever):
    """'nåt om unga vuxna som varken jobbar el studerar?' has no verb of its own (the verbs are the
    relative clause's): a new topic in the same document, so Kyrkogårdsnämnden, which never writes of
    it, is not answered for by Spånga-Tensta's text."""
    history = ["vad tyckte kyrkogårdsförvaltningen om trygghetsprogrammet"]
    req = analyse("nåt om unga vuxna som varken jobbar el studerar?", real_retriever, history)
    assert req.namnder == ("Kyrkogårdsnämnden",) and "unga" in req.topic
    ans = answer(real_retriever, "nåt om unga vuxna som varken jobbar el studerar?", history=history)
    assert ans.abstained
    # a question with a verb of its own is not such a fragment
    assert analyse("vilka säger nåt om unga vuxna som varken jobbar el studerar?", real_retriever, history).namnder == ()


def test_two_programmes_named_apart_are_the_topic_a_follow_up_carries(real_retriever):
    """'kopplingen mellan trygghetsprogrammet och säkerhetsprogrammet': the programmes are the subject, so
    'och spånga-tensta då?' asks Spånga-Tensta about that and gets its view on the split into two programmes."""
    history = ["vad tycker kyrkogårdsnämnden om kopplingen mellan trygghetsprogrammet och säkerhetsprogrammet"]
    req = analyse("och spånga-tensta då?", real_retriever, history)
    assert req.namnder == ("Spånga-Tensta stadsdelsnämnd",) and "säkerhetsprogrammet" in req.topic
    ans = answer(real_retriever, "och spånga-tensta då?", history=history)
    assert not ans.abstained and "två separata program" in ans.text


def test_a_past_version_set_against_today_reads_the_newer_versions(real_retriever):
    """'… och hur är det idag?' (taxonomy.yaml `present_cues`): the change answer reads the asked old
    version and every newer one, so the response to 2020-2023 that tells what became of the old
    programme is quoted next to the old version's own text."""
    q = "Var det gamla trygghets- och säkerhetsprogrammet också stadens brottsförebyggande program, och hur är det idag?"
    ans = answer(real_retriever, q)
    assert ans.request["type"] == "change" and ans.request["period"] == "2018-2021"
    periods = {c.chunk.period for c in ans.citations}
    assert "2018-2021" in periods and periods & {"2020-2023", "2024-2027"}


@pytest.mark.parametrize("question, qtype", [
    ("ge mig det viktigaste från EAV:s svar", "summary"),
    ("vilka nämnder hade invändningar?", "stance"),  # an opinion asked of them, not a list of who responded
    ("vilka nämnder hade synpunkter på programmet 2020-2023?", "catalogue"),
    ("hur inleds yttrandena vanligtvis?", "phrasing"),
    ("hur avslutas tjänsteutlåtandena?", "phrasing"),
    ("vilket år skrev kyrkogårdsnämnden sitt yttrande?", "catalogue"),
    ("vilket är kyrkogårdsnämndens viktigaste synpunkt", "topic"),  # folded 'är' is no 'år'
    ("vem kan jag ringa om kulturnämndens svar", "catalogue"),
])
def test_question_types_of_everyday_phrasings(question, qtype):
    assert question_type(question) == qtype


def test_a_yes_no_question_whether_something_changed_is_a_change_question(real_retriever):
    from assistant.analyse import analyse

    for q in ("har antalet fokusområden ändrats?", "har det blivit fler fokusområden?",
              "hade ansvarsfördelningen förändrats?"):
        assert analyse(q, real_retriever).qtype == "change", q
    assert analyse("har EAV synpunkter på ansvarsfördelningen?", real_retriever).qtype != "change"


def test_a_strong_verb_before_a_subject_pronoun_is_the_questions_verb():
    from assistant.analyse import question_verbs

    assert "foreslog" in question_verbs("vad föreslog dom istället?")  # no -r/-de/-te ending: its place tells
    assert "refererar" in question_verbs("vilka nämnder har ansvar enligt det de refererar?")
    assert "delade" not in question_verbs("var de kritiska till att man delade upp programmet i två?")
    assert "brottsforebyggande" not in question_verbs("vad säger de om den brottsförebyggande verksamheten")


def test_follow_ups_carry_the_topic_a_pronoun_points_at_not_what_else(real_retriever):
    from assistant.analyse import analyse

    r = analyse("vilka nämnder har enligt programmet särskilt ansvar för den?", real_retriever,
                ["kulturförv skrev om offentlig miljö"])
    assert r.topic.startswith("offentlig miljö")  # 'för den' points back like 'för det'
    r = analyse("vad föreslog dom istället?", real_retriever,
                ["vad tyckte eav om att programmet återger handböcker och strategier"])
    assert r.topic == "handböcker strategier"
    r = analyse("vad mer tycker de behöver utvecklas", real_retriever, ["vad tyckte spånga-tensta om ordningsvakterna"])
    assert "ordningsvakterna" not in r.topic  # what else, besides the previous topic


def test_a_bare_contrast_asks_the_previous_question_again_with_the_word_it_replaces(real_retriever):
    """'och lokalt?' after 'vem har ansvaret på central nivå?': the real model finds 'central' the word
    'lokalt' stands against; a single-word previous topic is simply replaced ('och ordningsvakter?')."""
    r = analyse("och lokalt?", real_retriever, ["HL:s yttrande – vem har ansvaret på central nivå enligt det?"])
    assert r.topic == "ansvaret lokalt nivå" and "topic" in r.inherited
    a = answer(real_retriever, "och lokalt?", history=["HL:s yttrande – vem har ansvaret på central nivå enligt det?"])
    assert "På lokal nivå ska bolag" in a.citations[0].quote
    assert analyse("och ordningsvakter?", real_retriever, ["vad säger EAV om samverkan"]).topic == "ordningsvakter"


def test_a_request_verb_and_an_answer_form_are_no_topic(real_retriever):
    """'kan du plocka fram …': the verb after 'kan du' and its particle ask, they name nothing; 'överlag'
    after the topic says how to answer, and is not reported as absent from the corpus."""
    assert {"plocka", "fram"} <= question_verbs("kan du plocka fram det HL säger om krisberedskap")
    assert "utredningen" not in question_verbs("när ska den utredningen vara klar")  # 'den' a determiner
    a = answer(real_retriever, "kan du plocka fram det HL säger om krisberedskap")
    assert a.abstained and "plocka" not in a.warnings[0] and "fram" not in a.warnings[0]
    b = answer(real_retriever, "vad skriver de om lägesbilder överlag")
    assert not b.abstained and "lägesbild" in b.citations[0].quote.lower()


def test_a_pronoun_closing_the_question_after_its_verb_points_back(real_retriever):
    """'hur ofta görs den?' after HL on RSA: the thing is the RSA ('den årliga risk- och sårbarhetsanalysen')."""
    r = analyse("hur ofta görs den?", real_retriever, ["vad säger HL om RSA"])
    assert "RSA" in r.topic and "topic" in r.inherited
    a = answer(real_retriever, "hur ofta görs den?", history=["vad säger HL om RSA"])
    assert not a.abstained and "årliga" in a.citations[0].quote


def test_which_namnder_had_views_on_a_topic_is_no_catalogue_question(real_retriever):
    a = answer(real_retriever, "vilka nämnder hade synpunkter på samordningen?")
    assert a.qtype == "topic" and {c.chunk.doc_id[:3] for c in a.citations} >= {"000", "001"}
    assert question_type("vilka nämnder har svarat på remissen?") == "catalogue"


def test_what_was_added_to_a_version_is_a_change_question(real_retriever):
    a = answer(real_retriever, "vad har tillkommit i 2024-2027?")
    assert a.qtype == "change" and not a.abstained
    assert any("inkluderats" in c.quote for c in a.citations)  # välfärdsbrott and otillåten påverkan added
    assert question_type("vilka nya exempel har lagts in i 2024-versionen") != "change"  # which examples: a topic


def test_what_was_different_in_a_version_is_a_change_question(real_retriever):
    a = answer(real_retriever, "vad var annorlunda i trygghetsprogrammet 2020-2023?")
    assert a.qtype == "change" and not a.abstained
    assert a.text.startswith("Om programmet 2020–2023 jämfört med programmet 2018–2021")


def test_whether_it_agrees_with_another_namnd_and_how_a_thing_is_funded(real_retriever):
    """'stämmer det med vad kyrkogårdsnämnden skriver?' asks for agreement: the previous topic in that
    nämnd's text, 'stämmer' no topic; 'hur ska det finansieras?' asks how, not for an amount."""
    a = answer(real_retriever, "stämmer det med vad kyrkogårdsnämnden skriver?", history=["vad sa HL om kommunikation"])
    assert not a.abstained and a.citations[0].chunk.doc_id.startswith("002") and "kommunikation" in a.citations[0].quote
    b = answer(real_retriever, "hur ska det finansieras enligt dem?", history=["vad sa EAV om samordningsuppdraget"])
    assert not (b.abstained and "belopp" in (b.warnings or [""])[0])


def test_a_follow_up_going_on_with_the_previous_phrase_carries_its_topic(real_retriever):
    r = analyse("och med vilka aktörer?", real_retriever, ["vad säger spånga-tensta om samverkan"])
    assert r.topic == "samverkan aktörer" and r.namnder == ("Spånga-Tensta stadsdelsnämnd",)
    assert analyse("och unga vuxna?", real_retriever, ["vad säger spånga-tensta om samverkan"]).topic == "unga vuxna"


def test_a_namnds_conclusion_is_asked_as_a_summary(real_retriever):
    a = answer(real_retriever, "citera deras slutsats",
               history=["vad sa hägersten-liljeholmen om trygghets- och säkerhetsprogrammet 2018-2021?"])
    assert a.qtype == "summary" and not a.abstained and "goda rutiner" in a.text
    assert question_type("vilken slutsats drog EAV?") == "summary"


def test_a_follow_up_that_narrows_with_a_question_mark_keeps_the_document(real_retriever):
    """'vilka lagar nämns?' after a question on one document asks within it, with or without its '?'
    (the cue ends at the question's end)."""
    for q in ("vilka lagar nämns?", "vilka lagar nämns"):
        req = analyse(q, real_retriever, ["kyrkogårdsnämndens yttrande"])
        assert req.doc_ids == ("002_80d6bf5fc05df009",) and "namnder" in req.inherited
    req = analyse("vilka åtgärder nämns?", real_retriever, ["vad säger kulturförvaltningen om trygghet på bibliotek"])
    assert req.doc_ids == ("004_1f364216c0b50e56",) and "bibliotek" in req.topic


def test_den_holding_a_view_is_the_namnd_the_previous_answer_named(real_retriever):
    """'vad tyckte den om polisens roll?' after 'vilken nämnd var mest kritisk?': 'den' is the nämnd that
    answer named; 'den' as a thing ('hur ofta görs den?') points at no nämnd."""
    a = answer(real_retriever, "vad tyckte den om polisens roll?", history=["vilken nämnd var mest kritisk"])
    assert list(a.request["namnder"]) == ["Enskede-Årsta-Vantörs stadsdelsnämnd"]
    assert {c.chunk.doc_id[:3] for c in a.citations} == {"001"}


def test_a_passive_after_its_subject_is_a_verb_and_a_genitive_short_form_is_elliptic(real_retriever):
    """'hur ofta ska den tas fram' has no topic of its own ('tas fram' is its verb), so the previous one
    (RSA) is asked about and its frequency found; 'och för EAV:s?' asks the previous question of EAV."""
    assert {"tas", "fram"} <= question_verbs("hur ofta ska den tas fram")
    assert topic_of("ska det finnas ordningsvakter?", []) == "ordningsvakter"
    a = answer(real_retriever, "hur ofta ska den tas fram", history=["vad står det i HL:s yttrande om RSA"])
    assert "den årliga risk- och sårbarhetsanalysen" in a.text
    b = answer(real_retriever, "och för EAV:s?", history=["vem var handläggare för kyrkogårdsnämndens yttrande"])
    assert b.qtype == "catalogue" and b.abstained and b.warnings[0].startswith("Enskede-Årsta-Vantörs")


def test_a_persons_name_asked_needs_a_name_in_the_evidence(real_retriever):
    """'vad hette säkerhetssamordnaren?': Kyrkogårdsnämnden's text mentions the säkerhetssamordnare but names
    no one, so it is refused; an office of the signature block is answered from it; a programme's name is
    no person's ('vad hette det föregående programmet' asks no name of a person)."""
    a = answer(real_retriever, "vad hette säkerhetssamordnaren?", history=["vilken förvaltning beredde kyrkogårdsärendet"])
    assert a.abstained and a.warnings == ["Underlaget anger inte något namn."]
    b = answer(real_retriever, "vad heter kyrkogårdsnämndens förvaltningschef?")
    assert "**Svante Borg**" in b.text
    assert not answer(real_retriever, "vad hette det föregående programmet?").warnings[:1] == ["Underlaget anger inte något namn."]


def test_two_versions_compared_in_a_follow_up_and_a_passive_yes_no_verb(real_retriever):
    """'jämför med 2018-2021' after a question on 2020-2023 asks the change between the two versions on
    the same topic; 'och vad var nytt i 2020-2023?' is a change question; in 'åtgärdades det i
    2024-2027?' the passive opening the question is its verb, so the carried topic is asked of the
    2024-2027 documents, which do not discuss it: refused, not answered with a remiss sentence."""
    req = analyse("jämför med 2018-2021", real_retriever, ["vad säger programmet 2020-2023 om samverkan"])
    assert req.qtype == "change" and req.period == "2020-2023" and "samverkan" in req.topic
    assert question_type("och vad var nytt i 2020-2023?") == "change"
    assert question_type("vad innehåller 2024-2027?") == "summary"
    a = answer(real_retriever, "åtgärdades det i 2024-2027?", history=["vad säger EAV om samordningsansvaret"])
    assert a.abstained


def test_to_whom_something_is_reported_is_no_recipient_question(real_retriever):
    """'till vem rapporteras de?' after HL on lägesbilder asks about the reporting the text describes, not
    the document's recipient; 'till vem skickades yttrandet?' is the recipient."""
    assert question_type("till vem rapporteras de?") == "topic"
    assert question_type("till vem skickades yttrandet?") == "catalogue"
    a = answer(real_retriever, "till vem rapporteras de?", history=["vad skriver HL om lägesbilder"])
    assert "rapporteras till kommunstyrelsen" in a.text


def test_which_documents_mention_a_named_thing_is_a_topic_question_not_a_year_listing(real_retriever):
    """'i vilka dokument nämns agenda 2030': the year belongs to a name; the question asks where it is named."""
    assert question_type("i vilka dokument nämns samverkan") == "topic"
    assert question_type("vilka dokument är från 2021?") == "catalogue"
    a = answer(real_retriever, "i vilka dokument nämns agenda 2030")
    assert not a.abstained and "Agenda 2030" in a.text


def test_shortcomings_in_the_definite_form_and_the_most_important_thing_said():
    assert question_type("vilka är de största bristerna i programmet enligt remissvaren?") == "stance"
    assert question_type("svagheterna med förslaget, vilka var de?") == "stance"
    assert question_type("vad är det viktigaste kyrkogårdsnämnden säger?") == "summary"
