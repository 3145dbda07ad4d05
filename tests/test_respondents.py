"""Respondents and wordings the seed corpus lacks: a municipal company's letter ('AB Hamnbostäder', named
'bolaget' or 'bostadsbolaget'), one nämnd's responses to two programme versions ('det nya programmet' as
of its response, '2028-programmet'), a verdict in three words ('Idrottsförvaltningen tillstyrker
förslaget.'), a question asking both who was against and who was for, an amount asked for a year the
text does not state, a reservation asked of documents that record none, and a list that passage
boundaries cut. Pure checks first, then a tiny corpus with the real model."""

from __future__ import annotations

import pytest

from conftest import indexed_corpus

HAMN = """AB Hamnbostäder
Stockholm 2027-11-02
Vår beteckning: HB 2027/31

Till Kommunstyrelsen

Remissvar – Stockholms stads trygghetsprogram 2028–2031

AB Hamnbostäder har beretts möjlighet att lämna synpunkter på förslaget. Bolaget välkomnar förslaget och ställer sig bakom programmets inriktning.

1. Trygghetsvandringar. Bolaget har sedan 2024 genomfört drygt 40 trygghetsvandringar per år tillsammans med hyresgästerna i Hammarbyhamnen.

2. Belysning. Bolaget föreslår att programmet anger vem som ansvarar för belysningen på gårdar som gränsar till stadens mark.

3. Lägesbilder. Bolaget ser positivt på att stadsdelsnämnderna ska rapportera en lokal lägesbild två gånger per år.

Med vänlig hälsning

Karin Ström
Verkställande direktör
"""

IDROTT_2024 = """Idrottsnämnden
Tjänsteutlåtande
Dnr IDN 2023/50

Sammanfattning

Idrottsförvaltningen tillstyrker förslaget.

Förvaltningen anser ändå att idrottsplatsernas roll för tryggheten beskrivs för snävt i förslaget.

Förvaltningens synpunkter

Förvaltningen föreslår att antalet mål som följs upp per idrottsplats begränsas till högst tre.

Reservation

Ledamoten Per Ek (M) reserverade sig mot beslutet till förmån för ett eget förslag om att programmets mål ska följas upp varje år.
"""

IDROTT_2028 = """Idrottsnämnden
Tjänsteutlåtande
Dnr IDN 2027/12

Sammanfattning

Förvaltningen är kritisk till att stadsdelsnämnderna ska rapportera en lokal lägesbild två gånger per år, eftersom uppgifterna blir inaktuella innan de hinner användas.

Förvaltningens synpunkter

Idrottsförvaltningen avstyrker förslaget i den del som gäller uppföljningen av idrottsplatsernas lägesbilder.

"""

META = """e_hamn:
  namnd: AB Hamnbostäder
  doc_type: yttrande
  period: 2028-2031
  year: 2027
  title: Remissvar – Stockholms stads trygghetsprogram 2028–2031
  dnr: HB 2027/31
  date: '2027-11-02'
f_idrott_2024:
  namnd: Idrottsnämnden
  doc_type: tjänsteutlåtande
  period: 2024-2027
  year: 2023
  title: Trygghetsprogram 2024–2027, svar på remiss
  dnr: IDN 2023/50
  date: '2023-11-20'
g_idrott_2028:
  namnd: Idrottsnämnden
  doc_type: tjänsteutlåtande
  period: 2028-2031
  year: 2027
  title: Trygghetsprogram 2028–2031, svar på remiss
  dnr: IDN 2027/12
  date: '2027-10-30'
"""


def test_a_company_is_named_by_what_it_is():
    from assistant.analyse import is_company, mentioned_namnder

    known = ["AB Hamnbostäder", "Idrottsnämnden", "Stockholm Parkering AB"]
    assert is_company("AB Hamnbostäder") and is_company("Stockholm Parkering AB") and not is_company("Idrottsnämnden")
    assert mentioned_namnder("Till vem är bostadsbolagets brev ställt?", known) == ["AB Hamnbostäder"]
    assert mentioned_namnder("vad tyckte parkeringsbolaget?", known) == ["Stockholm Parkering AB"]
    assert mentioned_namnder("vad säger bolaget om kameror?", known) == []  # two companies: which one?
    assert mentioned_namnder("vad säger bolaget om kameror?", known[:2]) == ["AB Hamnbostäder"]


def test_a_common_word_in_a_namnds_name_names_it_only_as_a_name():
    from assistant.analyse import mentioned_namnder

    known = ["Trafiknämnden", "Miljö- och hälsoskyddsnämnden", "Kulturnämnden och Stadsarkivet", "Bromma stadsdelsnämnd"]
    assert mentioned_namnder("Vad säger programmet om trafiken?", known) == []  # the traffic, not the nämnd
    assert mentioned_namnder("ville de att den digitala miljön blir ett eget område?", known) == []
    assert mentioned_namnder("vad tyckte trafikkontoret?", known) == ["Trafiknämnden"]
    assert mentioned_namnder("vad tyckte miljöförvaltningen?", known) == ["Miljö- och hälsoskyddsnämnden"]
    assert mentioned_namnder("vad sa kultur om Högdalen?", known) == ["Kulturnämnden och Stadsarkivet"]  # a short name
    assert mentioned_namnder("vad tyckte Bromma?", known) == ["Bromma stadsdelsnämnd"]  # a place stands alone


def test_a_version_by_its_first_year_in_a_compound():
    from assistant.analyse import resolve_period

    versions = ["2024-2027", "2028-2031"]
    assert resolve_period("vilket datum har yttrandet om 2028-programmet?", versions) == ("2028-2031", "")
    assert resolve_period("vilka var emot lägesbilden i 2024-förslaget?", versions) == ("2024-2027", "")
    assert resolve_period("hur många vandringar gjordes 2026?", versions) == ("", "")


def test_an_amount_asked_for_a_year_needs_a_quote_of_that_year():
    from assistant.answer import year_amount_gap

    quotes = ["Bolaget har sedan 2024 genomfört drygt 40 trygghetsvandringar per år."]
    assert year_amount_gap("Hur många trygghetsvandringar gjordes i Hammarbyhamnen 2026?", quotes)
    assert year_amount_gap("Hur många trygghetsvandringar har bolaget gjort sedan 2024?", quotes) is None
    assert year_amount_gap("Hur många trygghetsvandringar nämns i 2028-programmet?", quotes) is None  # a version
    assert year_amount_gap("Vad säger bolaget om vandringarna 2026?", quotes) is None  # no amount asked


def test_a_verdict_is_quotable_in_three_words_and_a_negated_one_is_no_verdict():
    from assistant.answerers import _REQUEST
    from assistant.quotes import DECLARED, quotable

    assert quotable("Idrottsförvaltningen tillstyrker förslaget.")
    assert not quotable("Se bilaga två.")
    assert DECLARED.search("Nämnden avstyrker programmet i sin helhet.")
    assert not DECLARED.search("Förvaltningen tillstyrker inte förslaget.")
    # a change proposed in the passive is a request; the response's way to the kommunstyrelse is not
    assert _REQUEST.search("Förvaltningen föreslår att antalet mål som följs upp per idrottsplats begränsas till tre.")
    assert not _REQUEST.search("Förvaltningen föreslår att tjänsteutlåtandet överlämnas till kommunstyrelsen.")


@pytest.fixture(scope="module")
def respondents(tmp_path_factory):
    return indexed_corpus(tmp_path_factory.mktemp("respondents"), {"e_hamn.txt": HAMN, "f_idrott_2024.txt": IDROTT_2024,
                                                                  "g_idrott_2028.txt": IDROTT_2028}, META)


def _docs(ans) -> set[str]:
    return {c.chunk.doc_id for c in ans.citations}


@pytest.mark.integration
def test_a_company_answers_in_its_own_voice(respondents):
    from assistant.answer import answer

    a = answer(respondents, "vad säger bostadsbolaget om belysningen?")
    assert not a.abstained and _docs(a) == {"e_hamn"}
    assert "Bolagets synpunkt: »Bolaget föreslår att programmet anger" in a.text  # a company, not a nämnd
    # 'det nya programmet' of a company that answered 2028-2031 only: that version, not the newest there is
    s = answer(respondents, "vad tyckte bolaget i stort om det nya programmet?")
    assert not s.abstained and s.request["period"] == "2028-2031" and _docs(s) == {"e_hamn"}


@pytest.mark.integration
def test_the_version_tells_one_namnds_two_responses_apart(respondents):
    from assistant.answer import answer

    a = answer(respondents, "Var Idrottsnämnden positiv till 2024-förslaget?")
    assert not a.abstained and _docs(a) == {"f_idrott_2024"}
    assert "»Idrottsförvaltningen tillstyrker förslaget.«" in a.text  # its own verdict, quoted first
    assert a.text.index("tillstyrker") < a.text.index("för snävt") if "för snävt" in a.text else True
    d = answer(respondents, "vilket datum har idrottsnämndens tjänsteutlåtande om 2028-programmet?")
    assert not d.abstained and "30 oktober 2027" in d.text and "20 november 2023" not in d.text, d.text


@pytest.mark.integration
def test_both_sides_asked_are_both_answered(respondents):
    from assistant.answer import answer

    a = answer(respondents, "Vilka var emot att lägesbilden ska rapporteras två gånger per år i 2028-förslaget, och var det nån som tyckte det var bra?")
    assert not a.abstained and a.request["type"] == "stance", (a.warnings, a.text)
    against, _, support = a.text.partition("För:")
    assert "Idrottsnämnden" in against and "AB Hamnbostäder" in support


@pytest.mark.integration
def test_an_amount_for_a_year_the_text_does_not_state_is_refused(respondents):
    from assistant.answer import answer

    a = answer(respondents, "Hur många trygghetsvandringar gjorde bostadsbolaget i Hammarbyhamnen 2026?")
    assert a.abstained and "2026" in a.warnings[0]
    b = answer(respondents, "Hur många trygghetsvandringar gör bostadsbolaget per år?")
    assert not b.abstained and "40" in b.text


@pytest.mark.integration
def test_a_reservation_asked_of_documents_that_record_none_is_refused(respondents):
    from assistant.answer import answer

    a = answer(respondents, "Blev det någon reservation när Idrottsnämnden behandlade ärendet om 2028-programmet?")
    assert a.abstained and "ingen reservation" in a.warnings[0]
    b = answer(respondents, "Blev det någon reservation när Idrottsnämnden behandlade 2024-förslaget?")
    assert not b.abstained and "Per Ek (M)" in b.text


def test_a_list_cut_by_passage_boundaries_is_completed_from_the_passages_after():
    from assistant.enumeration import list_end, stated_count
    from assistant.evidence import completed
    from index.types import Chunk

    source = ("Målen följs upp med åtta gemensamma indikatorer. Samtliga redovisas en gång per år.\n"
              "1. Andel invånare som känner sig trygga sent en kväll\n(trygghetsmätningen).\n"
              "2. Andel som avstått från en aktivitet.\n3. Andel som ser klotter som ett problem.\n"
              "4. Antal anmälda bostadsinbrott.\n5. Andel trygga vid hållplatser.\n"
              "6. Antal bedrägerier mot äldre.\n7. Andel elever som kontaktats via sociala medier.\n"
              "8. Andel medarbetare utsatta för otillåten påverkan.\n"
              "Stadsledningskontoret tar fram utgångsvärden under 2032.")
    cuts = [0, source.index("2. Andel"), source.index("6. Antal"), source.index("Stadsledningskontoret")]
    parts = [Chunk(id=f"p{i}", doc_id="d", source="d.txt", text=source[a:b].strip(), original=source[a:b].strip(),
                   start=a, end=a + len(source[a:b].strip()), page=1, page_end=1, section="3.2 Indikatorer")
             for i, (a, b) in enumerate(zip(cuts, cuts[1:] + [len(source)]))]
    whole = completed(parts[0], *parts[1:])
    assert whole.text.rstrip().endswith("8. Andel medarbetare utsatta för otillåten påverkan.")
    assert "Stadsledningskontoret" not in whole.text  # the list ends where its items do
    assert completed(parts[0]).text == parts[0].text  # nothing after it: as it is
    other = Chunk(**{**parts[1].__dict__, "section": "4 Uppföljning"})
    assert completed(parts[0], other).text == parts[0].text  # another section goes on: not its list
    # the count announces the list a sentence before it, and the list has as many items
    intro_end = whole.text.index("indikatorer.") + len("indikatorer.")
    assert stated_count(whole.text[:intro_end]) == 8
    assert list_end(whole.text, 0, intro_end) == len(whole.text.rstrip())
