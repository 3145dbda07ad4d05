"""The stance method shared by Jämför and the stance answerer, and the evidence
units quotes are built from: cues with negation, requests for change, stance
questions on a topic, 'utan invändningar', and sentences that lean back."""

from assistant.answer import _stand_alone, answer
from assistant.answerers import _REQUEST, stance_topic
from assistant.compare import detect_stance, find_cues
from assistant.evidence import evidence_units, leans_back


def test_negated_positive_cue_is_critique():
    assert find_cues("Förvaltningen är inte positiv till förslaget.") == ([], ["inte positiv"])
    pos, crit = find_cues("Förvaltningen ser inga fördelar med uppdelningen.")
    assert not pos and crit
    assert find_cues("Förvaltningen är positiv till förslaget.") == (["positiv"], [])
    assert detect_stance(["Förvaltningen är inte positiv.", "Förvaltningen saknar en analys."])[0] == "kritisk"


def test_challenges_the_programme_answers_are_not_critique_of_it():
    assert find_cues("Staden har fortsatt stora utmaningar inom det brottsförebyggande området.") == ([], [])
    assert find_cues("Förvaltningen ser några utmaningar med programmets skrivningar.")[1] == ["utmaningar med"]


def test_a_request_for_change_targets_the_programme():
    assert _REQUEST.search("Programmet bör kompletteras med en analys.")
    assert _REQUEST.search("Därför behöver avsnittet om samverkan förtydligas.")
    assert _REQUEST.search("Förvaltningen önskar ett tydligare ramverk.")
    assert not _REQUEST.search("Förvaltningen ser att trygghetsarbetet behöver stärkas för att möta utmaningarna.")


def test_sentences_that_lean_back_form_one_evidence_unit():
    text = "Den centrala nivån ska samordna arbetet. Detta är kommunstyrelsens ansvar. Nästa stycke handlar om annat."
    units = [text[a:b] for a, b in evidence_units(text)]
    assert "Den centrala nivån ska samordna arbetet. Detta är kommunstyrelsens ansvar." in units
    assert leans_back("Det leder till mycket text.") and not leans_back("Kommunstyrelsen leder arbetet.")
    a = text.index("Den")
    assert text[slice(*_stand_alone(text, a, text.index(" Detta")))] == \
        "Den centrala nivån ska samordna arbetet. Detta är kommunstyrelsens ansvar."


def test_stance_topic_drops_stance_words_and_whole_title_topics(real_retriever):
    assert stance_topic(real_retriever, "rakt igenom utan invändningar") == ""
    assert stance_topic(real_retriever, "trygghets säkerhetsprogram") == ""  # the programme itself: overall stance
    assert stance_topic(real_retriever, "ordningsvakter") == "ordningsvakter"


def test_stance_on_a_topic_quotes_the_sentence_on_that_topic(real_retriever):
    a = answer(real_retriever, "var spånga-tensta för att dela upp programmet i två?")
    assert not a.abstained and a.citations
    assert all(c.chunk.doc_id.startswith("000_") for c in a.citations)
    assert "delas upp i två" in a.text


def test_positive_without_objections_excludes_documents_with_critique(real_retriever):
    a = answer(real_retriever, "vilka remissvar var positiva rakt igenom utan invändningar")
    assert not a.abstained
    assert "Enskede-Årsta-Vantör" not in a.text  # the most critical response is not 'without objections'


def test_a_body_with_no_document_asked_for_its_view_is_unknown():
    from assistant.analyse import unknown_body

    known = ["Kyrkogårdsnämnden", "Enskede-Årsta-Vantörs stadsdelsnämnd"]
    assert unknown_body("vad skrev polisen i sitt remissvar om programmet", known) == "polisen"
    assert unknown_body("vad tyckte Storstockholms brandförsvar om programmet", known) == "Storstockholms brandförsvar"
    assert unknown_body("Vad tyckte nämnderna om samverkan?", known) == ""
    assert unknown_body("vad tyckte EAV om buskar", known) == ""
    assert unknown_body("vad tycker de om det", known) == ""


def test_phrasing_of_support_and_critique_quotes_such_sentences(real_retriever):
    a = answer(real_retriever, "Hur brukar nämnderna formulera kritik mot programmet?")
    assert a.question_type == "phrasing" if hasattr(a, "question_type") else True
    assert not a.abstained and len({c.chunk.doc_id for c in a.citations}) >= 2
    b = answer(real_retriever, "hur uttrycker kulturförvaltningen och stadsarkivet att de håller med programmet")
    assert not b.abstained and all(c.chunk.doc_id.startswith("004_") for c in b.citations)


def test_a_section_heading_is_never_quoted(real_retriever):
    a = answer(real_retriever, "exakt hur löd kyrkogårdsnämndens förslag till beslut")
    assert not a.abstained
    assert all(c.quote.strip().rstrip(".") != c.chunk.section.split(" › ")[-1] for c in a.citations)
    assert "överlämnar förvaltningens tjänsteutlåtande" in a.text


def test_asking_for_an_example_carries_the_conversation_and_quotes_one(real_retriever):
    a = answer(real_retriever, "kan du ge ett konkret exempel",
               history=["vad säger EAV om mål- och intressekonflikter?"])
    assert not a.abstained
    assert {c.chunk.doc_id for c in a.citations} == {"001_2da92ff9d07e789e"}
    assert "exempel" in a.citations[0].quote.lower()


def test_asking_which_law_quotes_the_statute_reference_first(real_retriever):
    """'Kommunallag (2017:725), 2 kap §2' answers 'vilket lagrum' without sharing a word with it
    (taxonomy.yaml `laws`); without the rule the quoted sentences are about 'hänvisar'."""
    a = answer(real_retriever, "vilket lagrum hänvisar Enskede-Årsta-Vantör till om kommunens ansvar?")
    assert not a.abstained and a.citations[0].chunk.doc_id.startswith("001_")
    assert "2017:725" in a.citations[0].quote
    b = answer(real_retriever, "Vilken lag hänvisar de till?", history=["Vad skriver EAV om samordningsuppdraget?"])
    assert "2017:725" in b.text


def test_catalogue_answers_the_remiss_deadline_and_the_document_type(real_retriever):
    a = answer(real_retriever, "sista svarsdag för kulturförvaltningens remiss?")
    assert "2021-02-21" in a.text and a.citations and a.citations[0].chunk.doc_id.startswith("004_")
    b = answer(real_retriever, "är EAV:s dokument ett yttrande eller ett tjänsteutlåtande")
    assert "yttrande" in b.text and "Tjänsteutlåtande" in b.text


def test_main_points_ask_for_a_summary(real_retriever):
    from assistant.analyse import question_type

    assert question_type("huvudpunkterna i spånga-tenstas yttrande") == "summary"


def test_a_topic_the_corpus_never_mentions_is_refused_with_the_word_named(real_retriever):
    a = answer(real_retriever, "Vad säger trygghetsprogrammet om kameraövervakning?")
    assert a.abstained and "kameraövervakning" in " ".join(a.warnings)
    b = answer(real_retriever, "vad säger trygghetsprogrammet om tiggeri och hemlöshet")
    assert b.abstained
    # everyday or function words the corpus happens not to use do not refuse a question
    c = answer(real_retriever, "Är strukturen i det nya programmet densamma som i det gällande?")
    assert not c.abstained


def test_a_compound_of_known_parts_is_not_absent(real_retriever):
    from assistant.answer import _known_compound

    assert _known_compound(real_retriever, "bibliotekstudien")
    assert not _known_compound(real_retriever, "kameraovervakning")


def test_an_author_named_with_catalogue_words_is_not_unknown(real_retriever):
    a = answer(real_retriever, "Vad skriver Stockholms stad om trygghet i parker?")
    assert not any("inget yttrande från" in w for w in a.warnings)


def test_a_change_question_naming_two_versions_compares_exactly_those(real_retriever):
    """'skillnaden i fokusområden mellan programmet 2018-2021 och 2020–2023': both versions' documents
    are read (it read 2018-2021 only) and the heading names both."""
    a = answer(real_retriever, "Vad är skillnaden i fokusområden mellan programmet 2018-2021 och trygghetsprogrammet 2020–2023?")
    assert not a.abstained
    assert a.text.startswith("Om programmet 2020–2023 jämfört med programmet 2018–2021")
    assert {c.chunk.period for c in a.citations} == {"2018-2021", "2020-2023"}


def test_overall_stances_are_read_once_per_document_and_follow_its_metadata(real_retriever, monkeypatch):
    """'Vem var mest kritisk?' reads every document's overall stance; a second ranking question in the
    same process reuses them (16 s -> 0.06 s at 100k passages), and a changed catalogue entry (the
    quotes' nämnd label) is not served from the cache."""
    from dataclasses import replace

    import assistant.answerers as ans

    calls = []
    real = ans._document_stance
    monkeypatch.setattr(ans, "_document_stance", lambda *a, **k: calls.append(a[1].doc_id) or real(*a, **k))
    monkeypatch.setattr(ans, "_OVERALL", type(ans._OVERALL)())
    monkeypatch.setattr(ans, "store_for", lambda corpus: None)  # this process's memory only (the disk store below)
    assert ans.warm_stances(real_retriever) == 5 and len(calls) == 5
    first = answer(real_retriever, "Vilken nämnd var mest kritisk?")
    again = answer(real_retriever, "Vilken nämnd var mest positiv?")
    assert len(calls) == 5 and first.citations and again.citations  # no document read again
    rec = real_retriever.documents()[0]
    renamed = replace(rec, meta=replace(rec.meta, namnd="Ny nämnd"))
    ans.document_stance(real_retriever, renamed)
    assert len(calls) == 6  # another catalogue entry: read afresh


def test_a_kept_stance_holds_positions_not_passages_and_reads_back_the_same_sentences(real_retriever, monkeypatch):
    """The per-process stance memo keeps each sentence as (passage, span, order), not the Sentence and its
    passage, and document_stance returns that light view from the first read on: a ranking question holds
    every document's stance at once (at 1M passages the Sentence objects held every document's passages:
    1 GB more heap). Read back, the same sentences in the same order with the same passages, and the
    counts known without reading the document again."""
    import assistant.answerers as ans
    from index.types import Chunk

    monkeypatch.setattr(ans, "_OVERALL", type(ans._OVERALL)())
    reads = []
    passages = real_retriever.passages
    for rec in real_retriever.documents():
        fresh = ans._document_stance(real_retriever, rec)
        first = ans.document_stance(real_retriever, rec)
        assert isinstance(first.critical, ans._LazySentences)  # even the first read is kept as positions only
        memo = next(reversed(ans._OVERALL.values()))
        assert not any(isinstance(v, Chunk) for r in memo.refs for v in r)
        reads.clear()
        monkeypatch.setattr(real_retriever, "passages", lambda d: reads.append(d) or passages(d))
        kept = ans.document_stance(real_retriever, rec)
        assert kept.stance == fresh.stance
        assert [len(kept.positive), len(kept.critical), len(kept.other)] == \
            [len(fresh.positive), len(fresh.critical), len(fresh.other)] and not reads  # counted, not read
        for a, b in ((kept.positive, fresh.positive), (kept.critical, fresh.critical), (kept.other, fresh.other)):
            assert [(s.text, s.order, s.chunk.id, s.chunk.page) for s in a] == \
                [(s.text, s.order, s.chunk.id, s.chunk.page) for s in b]
        assert len(reads) <= 1  # one read of the document for all three lists
        monkeypatch.setattr(real_retriever, "passages", passages)
    assert sum(len(m.refs[1]) for m in ans._OVERALL.values()) > 0  # critique was found and kept


def test_a_summary_of_one_topic_in_one_yttrande_keeps_to_that_topic(real_retriever):
    """'Sammanfatta vad EAV skriver om samverkan och samordning' summarises those parts of EAV's yttrande
    (its sections headed 'Samverkan' and 'Samordning', both), not the whole yttrande; a topic word that
    only shapes the request ('i några punkter') still gets the whole-document summary."""
    a = answer(real_retriever, "Sammanfatta vad EAV skriver om samverkan och samordning")
    assert a.qtype == "summary" and not a.abstained
    assert {c.chunk.doc_id for c in a.citations} == {"001_2da92ff9d07e789e"}
    sections = {c.chunk.section.split(" › ")[-1] for c in a.citations}
    assert sections == {"Samverkan", "Samordning"}, sections
    assert "om »samverkan samordning«" in a.text
    # no section named by the topic: the sentences the shared scorer finds on it
    a = answer(real_retriever, "sammanfatta spånga-tenstas synpunkter om ordningsvakter")
    # (or the need stated right after them, pointing back: 'Här ser förvaltningen ett behov av …')
    assert a.citations and all("rdningsvakt" in c.quote or c.quote.startswith("Här ") for c in a.citations), a.text
    assert any("rdningsvakt" in c.quote for c in a.citations)
    whole = answer(real_retriever, "Sammanfatta Enskede-Årsta-Vantörs yttrande i några punkter")
    assert "Huvudsakliga synpunkter" in whole.text and "om »" not in whole.text


def test_a_head_word_the_corpus_never_mentions_is_refused_whatever_its_modifiers_match(real_retriever):
    """'kameraövervakning på offentliga platser': 'offentliga' is in the corpus, 'kameraövervakning' is not;
    the question asks about the latter. A genitive ('Brås metod') or a short form ('HL:s') is not absent."""
    from assistant.answer import absent_head

    a = answer(real_retriever, "vad säger nämnderna om kameraövervakning på offentliga platser")
    assert a.abstained and "kameraövervakning" in " ".join(a.warnings)
    assert absent_head(real_retriever, "Vad säger kulturförvaltningen om museernas öppettider?") == ["öppettider"]
    assert absent_head(real_retriever, "Vad säger kyrkogårdsförvaltningen om Brås metod?") == []
    assert absent_head(real_retriever, "Vad tycker EAV om att programmet återger handböcker?") == []
    assert not answer(real_retriever, "Vad säger kyrkogårdsförvaltningen om Brås metod?").abstained


def test_summaries_of_a_topic_across_yttranden_and_in_the_programme(real_retriever):
    """'ge en överblick över hur yttrandena ser på samverkan': what each yttrande says on it, and which do
    not take it up; 'kort om vad det nya programmet säger om välfärdsbrott …': the programme's sentences on
    it; a heading that names only part of the topic does not stand for it."""
    a = answer(real_retriever, "ge en överblick över hur yttrandena ser på samverkan")
    assert a.qtype == "summary" and "tar upp »samverkan«" in a.text
    assert len({c.chunk.doc_id for c in a.citations}) >= 2 and all("amverk" in c.quote for c in a.citations)
    b = answer(real_retriever, "kort om vad det nya programmet säger om välfärdsbrott och otillåten påverkan")
    assert b.citations and all("älfärdsbrott" in c.quote or "tillåten påverkan" in c.quote for c in b.citations)
    c = answer(real_retriever, "sammanfatta vad EAV skriver om programmets mål och begrepp")
    assert {x.chunk.section.split(" › ")[-1] for x in c.citations} == {"Programmets mål och begreppsdefinitioner"}
    # 'Samordning' alone does not name 'resursbehovet för samordningen'
    d = answer(real_retriever, "vad säger EAV om resursbehovet för samordningen, i korthet")
    assert {x.chunk.section.split(" › ")[-1] for x in d.citations} != {"Samordning"}


def test_who_received_the_remiss_quotes_where_it_was_sent(real_retriever):
    """'vilka mer fick remissen?' after a question on Kyrkogårdsnämnden: the sentence saying where the remiss
    was sent comes first, though it shares no word with the question."""
    a = answer(real_retriever, "vilka mer fick remissen?",
               history=["senast när skulle kyrkogårdsförvaltningen lämna sitt yttrande"])
    assert a.citations and "remitterats till stadsledningskontoret" in a.citations[0].quote, a.text


def test_structure_questions_list_the_recurring_headings(real_retriever):
    """'vilka rubriker brukar tjänsteutlåtandena ha?' is answered from the documents' own section headings
    (grouped by the heading taxonomy), with how many documents use each, each cited with a body sentence
    under it (a heading is never quoted)."""
    from assistant.answer import answer

    a = answer(real_retriever, "vilka rubriker brukar tjänsteutlåtandena ha")
    assert a.request["type"] == "phrasing" and not a.abstained
    assert "**Ärendets beredning** (5 av 5)" in a.text and "**Sammanfattning** (5 av 5)" in a.text
    assert all(len(c.quote.split()) >= 4 for c in a.citations)


def test_phrasing_of_agreement_quotes_the_sentence_that_agrees(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "hur uttrycker kulturförvaltningen och stadsarkivet att de håller med programmet")
    assert any("instämmer helt" in c.quote for c in a.citations), a.text


def test_who_held_an_office_is_read_from_the_signature_block(real_retriever):
    """'vem var biträdande stadsdelsdirektör?' names who signed with that title; an office the signature
    block does not name ('ordförande') is refused, not answered with a date."""
    from assistant.answer import answer

    a = answer(real_retriever, "vem var biträdande stadsdelsdirektör i spånga-tensta")
    assert a.request["type"] == "catalogue" and "Callenmark" in a.text and a.citations
    b = answer(real_retriever, "vem var ordförande i kyrkogårdsnämnden när yttrandet beslutades")
    assert b.abstained and "ordförande" in b.warnings[0]


def test_a_reply_to_the_programme_is_read_with_what_it_replies_to(real_retriever):
    """'delar kulturförvaltningen programmets syn på vilka nämnder som har särskilt ansvar för den offentliga
    miljön': a yes/no question led by a verb of agreement (not a catalogue question for its embedded 'vilka
    nämnder'); 004 retells the programme ('I programmet anges …') and replies 'Förvaltningarna instämmer helt
    med ovanstående, men …': support with a reservation, quoted."""
    from assistant.analyse import question_type
    from assistant.answer import answer

    q = "delar kulturförvaltningen programmets syn på vilka nämnder som har särskilt ansvar för den offentliga miljön"
    assert question_type(q) == "stance"
    a = answer(real_retriever, q)
    assert "positiv men med invändningar" in a.text and any("instämmer helt" in c.quote for c in a.citations)


def test_a_summary_of_the_critique_lists_each_responses_objections(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "sammanfatta kritiken i remissvaren på 2020-2023")
    assert a.request["type"] == "summary" and a.text.startswith("Kritik och ändringsönskemål i 2 av 3 yttranden")
    assert {c.chunk.doc_id[:3] for c in a.citations} == {"001", "004"}
    assert "Ingen tydlig kritik: Spånga-Tensta stadsdelsnämnd." in a.text


def test_a_change_answer_reads_the_earlier_versions_documents_for_the_programme_only(real_retriever):
    """'har struktur och ansvarsfördelning ändrats i 2024-2027-programmet?': Kyrkogårdsnämnden says they are
    mainly the same; EAV's own views on ansvarsfördelning in 2020-2023 are no account of a change."""
    from assistant.answer import answer

    a = answer(real_retriever, "har struktur och ansvarsfördelning ändrats i 2024-2027-programmet?")
    assert a.request["type"] == "change" and "huvudsakligen samma" in a.text
    assert {c.chunk.doc_id[:3] for c in a.citations} == {"002"}


def test_stance_on_a_topic_quotes_the_sentence_that_speaks_to_it_most(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "stödde spånga-tensta stadsledningskontorets förslag")
    assert "stöder stadsledningskontoret förslag" in a.citations[0].quote, a.text


def test_the_grounds_of_a_stance_follow_its_restatement_in_the_body(real_retriever):
    """Kulturförvaltningen states its view on fackförvaltningarna in the summary ('Vidare anser
    kulturförvaltningarna …', followed by another section) and again in the body ('Vidare anser
    förvaltningarna …'), where its reasons follow: 'varför det?' quotes those, not the next section."""
    from assistant.answer import answer

    a = answer(real_retriever, "varför det, vad är deras argument",
               history=["kulturförv tycker att fackförvaltningarna ska involveras i trygghetsarbetet"])
    assert "Skälen som anges" in a.text and "alla delar av staden" in a.text
    assert "Det övergripande målet" not in a.text


def test_the_grounds_stop_at_the_next_view_and_are_read_where_the_body_states_it(real_retriever):
    """'varför tycker de det?' after Kulturförvaltningen's wish that offentlig miljö include libraries: the
    summary states it and goes on to another view ('Vidare anser …', no reason); the body's statement is
    followed by the reasons (biblioteksrummen). Kyrkogårdsnämnden's summary stance is followed by its
    reason ('stora utmaningar') and no body restatement: that one is read."""
    from assistant.answer import answer

    a = answer(real_retriever, "varför tycker de det?",
               history=["kulturförvaltningen vill att offentlig miljö ska omfatta bibliotek, stämmer det?"])
    why = a.text.split("Skälen som anges:")[1]
    assert "biblioteksrummen" in why and "Vidare anser" not in why
    b = answer(real_retriever, "varför är de positiva till det?",
               history=["vad sa kyrkogårdsnämnden om trygghetsprogrammet 2024-2027"])
    assert "stora utmaningar" in b.text.split("Skälen som anges:")[1]


def test_the_least_critical_may_have_no_objection_and_is_still_named(real_retriever):
    for a in (answer(real_retriever, "vilken nämnd var minst kritisk?"),
              answer(real_retriever, "och minst kritisk?", history=["vilken nämnd var mest kritisk"])):
        assert not a.abstained, a.warnings
        assert a.text.startswith("Minst kritisk är **Spånga-Tensta stadsdelsnämnd**")
        assert "1 meningar" not in a.text


def test_why_after_a_ranking_gives_the_named_namnds_grounds_not_its_decision(real_retriever):
    a = answer(real_retriever, "varför?", history=["vilka nämnder tyckte till om 2020-2023", "vilken av dem var mest positiv?"])
    assert a.request["namnder"] == ["Spånga-Tensta stadsdelsnämnd"] and "Skälen som anges" in a.text
    assert not any("föreslår att nämnden godkänner" in c.quote for c in a.citations)
    b = answer(real_retriever, "höll kulturförvaltningen med om det?", history=["vad tyckte EAV om ansvarsfördelningen"])
    assert b.abstained and b.warnings[0].startswith("Kulturnämnden och Stadsarkivet")


def test_a_yes_no_stance_question_is_answered_yes_or_no_first(real_retriever):
    """'Var EAV positiva?' opens with the reply to the question asked, by the document's stance and which
    way the question asks; a question word ('vad', 'vilka') or a why-question gets no Ja/Nej."""
    from assistant.analyse import yes_no_lead

    assert yes_no_lead("okej, och stödjer de förslaget?") == "stodjer"
    assert yes_no_lead("vad tyckte EAV?") == "" and yes_no_lead("Sammanfatta HL") == ""
    cases = {"var EAV positiva till programmet?": "Ja, men med invändningar.",  # support with objections
             "stödjer kulturförvaltningen förslaget?": "Ja, men med invändningar.",  # 'stödjer', not only 'stöder'
             "hade HL några invändningar?": "Nej.",  # positive throughout
             "är EAV kritiska till programmet?": "Ja, på några punkter.",
             "ville kyrkogårdsnämnden ändra något i programmet?": "Nej.",  # a wish for change, none made
             "tyckte spånga-tensta att programmet var bra?": "Ja."}
    for q, reply in cases.items():
        a = answer(real_retriever, q)
        assert a.qtype == "stance" and a.text.startswith(reply + "\n"), (q, a.text[:80])
    a = answer(real_retriever, "vad tyckte EAV om programmet?")
    assert not a.text.startswith(("Ja", "Nej"))


def test_the_most_satisfied_and_the_main_critique_of_a_named_namnd(real_retriever):
    a = answer(real_retriever, "vilken nämnd var mest nöjd med programmet?")
    assert not a.abstained and a.text.startswith("**Spånga-Tensta stadsdelsnämnd** är mest positiv")
    b = answer(real_retriever, "vad var EAV:s främsta kritik?")  # 'EAV:s' before the weighing word
    assert not b.abstained and "Invändningar och ändringsönskemål" in b.text
    assert {c.chunk.doc_id[:3] for c in b.citations} == {"001"}


def test_all_of_them_after_a_list_keeps_its_version_and_answers_yes_or_no(real_retriever):
    """'var alla positiva?' after 'vilka nämnder svarade på 2020-2023?' is about those three responses."""
    a = answer(real_retriever, "var alla positiva?", history=["vilka nämnder svarade på 2020-2023?"])
    assert a.text.startswith("Ja, alla 3 uttrycker stöd:")
    assert {c.chunk.doc_id[:3] for c in a.citations} == {"000", "001", "004"}
    b = answer(real_retriever, "var samtliga nämnder kritiska?")
    assert b.text.startswith("Nej, 2 av 5 framför kritik")


def test_two_namnder_asked_on_one_topic_are_each_searched(real_retriever):
    """'är X och Y överens om samordningen?': both responses on the topic, each from its own search (one
    search over both filled up with one of them, and the other was said to lack it), not one nämnd's
    section of that name; 'överens' asks whether they agree, it is no topic."""
    a = answer(real_retriever, "är spånga-tensta och EAV överens om samordningen?")
    assert {c.chunk.doc_id[:3] for c in a.citations} == {"000", "001"}
    assert "hittar inget" not in a.text and "överens" not in a.text


def test_whether_a_thing_was_new_is_a_change_question(real_retriever):
    a = answer(real_retriever, "var det nytt?", history=["vad sa kyrkogårdsnämnden om välfärdsbrott"])
    assert a.qtype == "change" and "inkluderats" in a.text
    assert answer(real_retriever, "Var kyrkogårdsnämnden positiv till nya trygghetsprogrammet?").qtype == "stance"


def test_one_namnds_greatest_objection_is_no_ranking(real_retriever):
    """'HL:s största invändning mot trygghets- och säkerhetsprogrammet': HL has none (it was a ranking of
    one, refused); the programme's name inflected ('-programmet') is the overall stance, not a topic."""
    a = answer(real_retriever, "vad var HL:s största invändning mot trygghets- och säkerhetsprogrammet")
    assert not a.abstained
    assert a.text.startswith("**Hägersten-Liljeholmens stadsdelsnämnd") and "är positiv och framför ingen tydlig kritik" in a.text


def test_a_strength_of_the_programme_is_support_on_that_topic(real_retriever):
    """'vilka … lyfte samverkan som programmets styrka?' lists those who support it on samverkan (Spånga-
    Tensta and EAV), not every document; 'vilka nämnder såg …' is no catalogue question."""
    for q in ("vilka av svaren på 20-23 lyfte samverkan som programmets styrka", "vilka nämnder såg samverkan som en styrka?"):
        a = answer(real_retriever, q)
        assert a.qtype == "stance" and a.text.startswith("Dessa nämnder uttrycker stöd:"), q
        assert {c.chunk.doc_id[:3] for c in a.citations} == {"000", "001"}, q


def test_objections_asked_on_a_topic_without_a_stance_cue_show_what_it_says(real_retriever):
    """EAV's text on the fokusområden has no stance cue: the answer says so and quotes it, rather than
    calling EAV neutral with nothing to read."""
    a = answer(real_retriever, "vad hade eav för invändningar mot hur de fyra fokusområdena beskrivs")
    assert "framför ingen tydlig invändning om »fokusområdena«, men skriver:" in a.text
    assert a.citations and a.citations[0].chunk.doc_id.startswith("001")


def test_positive_without_objections_and_something_negative_to_say(real_retriever):
    """'helt positiva utan att ha några egentliga invändningar' asks for support (the objections are
    negated); 'hade dom nåt negativt att säga?' is a stance question, not a topic 'negativt'; 'tyckte det
    var bra att …' asks who supported that."""
    a = answer(real_retriever, "Finns det några nämnder som var helt positiva utan att ha några egentliga invändningar alls?")
    assert a.text.startswith("Dessa nämnder uttrycker stöd") and "Kyrkogårdsnämnden" in a.text \
        and "Hägersten-Liljeholmens" in a.text and "Enskede" not in a.text
    b = answer(real_retriever, "HL, hade dom nåt negativt att säga om 2018 års program?")
    assert b.qtype == "stance" and not b.abstained and "ser positivt på programmet" in b.text
    c = answer(real_retriever, "vilka nämnder tyckte det var bra att programmet lyfter samverkan")
    assert c.text.startswith("Dessa nämnder uttrycker stöd") and "Spånga-Tensta" in c.text and "Enskede" in c.text


def test_how_critical_content_and_least_remarks_are_stance_questions(real_retriever):
    """'hur kritisk var EAV egentligen?', 'är kyrkogårdsnämnden nöjd med programmet 2024-2027?' and
    'vilken nämnd har minst synpunkter?' ask for stances (they were refused or answered with a sentence);
    content with how the programme describes a thing is a question on that thing; 'vilka nämnder
    tillstyrker programmet?' asks who supports it, not who responded."""
    assert answer(real_retriever, "hur kritisk var EAV egentligen?").qtype == "stance"
    a = answer(real_retriever, "är kyrkogårdsnämnden nöjd med programmet 2024-2027?")
    assert a.qtype == "stance" and a.text.startswith("Ja.")
    b = answer(real_retriever, "vilken nämnd har minst synpunkter?")
    assert b.text.startswith("Minst kritisk är") and "Enskede" not in b.text.split("\n")[0]
    c = answer(real_retriever, "var EAV nöjd med hur programmet beskriver den centrala nivåns samordning")
    assert c.qtype == "topic" and "framgår inte på vilket sätt" in c.text
    d = answer(real_retriever, "vilka nämnder tillstyrker programmet?")
    assert d.qtype == "stance" and d.text.startswith("Dessa nämnder uttrycker stöd")


def test_ranking_words_and_a_kind_after_vilken_av(real_retriever):
    """'rangordna … mest kritisk först' is a ranking with no topic of its own; 'vilken av
    stadsdelsnämnderna var mest kritisk?' ranks the stadsdelsnämnder only."""
    a = answer(real_retriever, "rangordna remissvaren på 2020-2023 versionen efter hur kritiska dom är, mest kritisk först")
    assert a.text.startswith("**Enskede-Årsta-Vantörs stadsdelsnämnd** är mest kritisk")
    b = answer(real_retriever, "vilken av stadsdelsnämnderna var mest kritisk?")
    assert b.text.startswith("**Enskede-Årsta-Vantörs stadsdelsnämnd**") and "Kulturnämnden" not in b.text


def test_a_negated_improvement_is_critique():
    """'mycket text som inte gör programmets intentioner tydligare' criticises without a critique word."""
    assert find_cues("Det leder till mycket text som inte gör programmets intentioner tydligare.")[1]
    assert find_cues("Det blir inte tydligare av att allt räknas upp.")[1]
    assert not find_cues("Programmet gör ansvarsfördelningen tydligare.")[1]


def test_overall_stances_are_kept_on_disk_for_the_next_process(real_retriever, monkeypatch, tmp_path):
    """A restarted app reads no document for a ranking: the stances an earlier process read are in the
    corpus's cache folder (assistant.stance_store), keyed by the document version and the stance method;
    a changed catalogue entry or a changed method is read afresh."""
    from dataclasses import replace

    import assistant.answerers as ans
    import assistant.stance_store as st

    assert real_retriever.cache_dir is not None and str(real_retriever.cache_dir).startswith(
        str(real_retriever.settings.index_dir))
    disk = st.StanceStore(tmp_path / "stances.sqlite")
    monkeypatch.setattr(ans, "store_for", lambda corpus: disk)
    calls = []
    real = ans._document_stance
    monkeypatch.setattr(ans, "_document_stance", lambda *a, **k: calls.append(a[1].doc_id) or real(*a, **k))
    monkeypatch.setattr(ans, "_OVERALL", type(ans._OVERALL)())
    assert ans.warm_stances(real_retriever) == 5 and len(calls) == 5 and len(disk) == 5
    before = answer(real_retriever, "Vilken nämnd var mest kritisk?")
    monkeypatch.setattr(ans, "_OVERALL", type(ans._OVERALL)())  # a new process: nothing in memory
    assert ans.warm_stances(real_retriever) == 5 and len(calls) == 5  # every stance from disk
    after = answer(real_retriever, "Vilken nämnd var mest kritisk?")
    assert after.text == before.text and [c.quote for c in after.citations] == [c.quote for c in before.citations]
    rec = real_retriever.documents()[0]
    ans.document_stance(real_retriever, replace(rec, meta=replace(rec.meta, namnd="Ny nämnd")))
    assert len(calls) == 6
    monkeypatch.setattr(ans, "_OVERALL", type(ans._OVERALL)())
    monkeypatch.setattr(st, "method_digest", lambda: "another method")
    ans.document_stance(real_retriever, rec)
    assert len(calls) == 7  # rows of another stance method are never served
