"""What a nämnd's minute holds besides its answer: a reservation, a särskilt uttalande, the parties whose
members wrote them, headings that name their own author ('Trafikkontorets synpunkter'), an office named by
its diarienummer's prefix ('TK'), and two nämnder that share a name part. Pure checks first, then a tiny
corpus of two minutes of a programme version the real corpus lacks, with the real model."""

from __future__ import annotations

import pytest

from conftest import indexed_corpus

TRAFIK = """Trafiknämnden

Yttrande
Dnr TK 2031/118
2031-11-20

Handläggare: Ylva Strand, trafikkontoret
Telefon: 08-508 111 22

Trafiknämnden beslutar

1. Trafiknämnden godkänner trafikkontorets förslag till yttrande och överlämnar det till kommunstyrelsen.

Trafikkontorets synpunkter

Trafikkontoret delar programmets inriktning och ser det som värdefullt att staden har ett gemensamt program för tryggheten i trafikmiljön.

Kontoret anser att klotter i gångtunnlarna bör saneras snabbare än i dag, eftersom klottret gör tunnlarna otrygga.

Kontoret anser att belysningen på gång- och cykelbanor bör prioriteras, eftersom många resenärer känner sig otrygga vid busshållplatser efter mörkrets inbrott.

Programmet saknar dessutom en beskrivning av hur vinterväghållningen påverkar äldres möjligheter att röra sig ute.

Reservation

Ledamöterna Per Lind (M) och Åsa Berg (KD) reserverade sig mot beslutet till förmån för ett eget förslag om att avstyrka programmets avsnitt om uppföljning.

Som skäl anförde de att programmet saknar mätbara mål för pendelstationerna och att trygghetskameror vid infartsparkeringarna borde ha prioriterats.
"""

BROMMA = """BROMMA STADSDELSNÄMND
PROTOKOLLSUTDRAG
Sammanträdesdatum: 2031-12-02

§ 9 Stockholms stads trygghetsprogram 2032–2035, svar på remiss

Beslut

1. Stadsdelsnämnden godkänner förvaltningens tjänsteutlåtande och överlämnar det till kommunstyrelsen som svar på remissen.
2. Stadsdelsnämnden begär att kommunstyrelsen redovisar finansieringen av kameratillstånden innan programmet antas.

Ärendet

Förvaltningen välkomnar att programmet lyfter fram föreningslivet som en viktig kraft för tryggheten i Bromma. I övrigt är förvaltningen kritisk till förslaget och föreslår ändringar på tre punkter.
\fFörvaltningen är kritisk till att stadsdelsnämnden ska ansvara för kameratillstånd, eftersom nämnden saknar både kompetens och resurser för det.

Särskilt uttalande

Ordföranden Olle Berg (S) yrkade bifall till förvaltningens förslag.

Ledamoten Nora Ek (V) anmälde ett särskilt uttalande enligt följande.

Vänsterpartiet anser att fritidsgårdarnas öppettider borde ha fått en egen plats i programmet.

Vi är kritiska till att programmet lägger så stor vikt vid kontroll i stället för förebyggande arbete bland unga.

Vi anser att ansvaret för kameratillstånd inte hör hemma hos stadsdelsnämnden.
"""

PROGRAM = """Stockholms stads trygghetsprogram 2032–2035

Kontaktperson: Eva Holm, strateg

1 Inledning

Programmet anger stadens mål för tryggheten under perioden 2032–2035 och hur målen följs upp. Antalet gemensamma trygghetsindikatorer minskas från tolv till åtta.

2 Stadens offentliga miljö

Klotter på stadens egendom ska saneras inom 24 timmar om det är kränkande och annars inom fem dagar.

Belysningen vid stadens hållplatser ska ses över varje höst.

3 Uppföljning

Stadsdelsnämnderna ska rapportera en lokal lägesbild en gång per år. Kommunstyrelsen lämnar en halvtidsrapport till kommunfullmäktige senast i juni 2034.
"""

META = """c_program:
  namnd: Kommunstyrelsen
  doc_type: program
  period: 2032-2035
  year: 2031
  title: Stockholms stads trygghetsprogram 2032–2035
  dnr: KS 2031/900
  date: '2031-09-01'
  handlaggare: Eva Holm
a_trafik:
  namnd: Trafiknämnden
  doc_type: yttrande
  period: 2032-2035
  year: 2031
  title: Yttrande över Stockholms stads trygghetsprogram 2032–2035
  dnr: TK 2031/118
  remiss_dnr: KS 2031/900
  date: '2031-11-20'
b_bromma:
  namnd: Bromma stadsdelsnämnd
  doc_type: protokoll
  period: 2032-2035
  year: 2031
  title: Protokollsutdrag § 9, trygghetsprogram 2032–2035
  dnr: BR 2031/77
  remiss_dnr: KS 2031/900
  date: '2031-12-02'
"""


def test_a_heading_that_names_its_author_is_the_listed_heading_and_keeps_its_words():
    from index.chunk import detect_sections, heading_taxonomy

    tax = heading_taxonomy()
    assert tax.family("Trafikkontorets synpunkter") == "Förvaltningens synpunkter och förslag"
    assert tax.family("Kulturförvaltningens bedömning:") == "Förvaltningens synpunkter och förslag"
    assert tax.canonical("Trafiknämnden beslutar") == "Nämnden beslutar"
    assert tax.canonical("Samverkan") is None and not tax.names_author("Förvaltningens synpunkter")
    names = [name for _, name in detect_sections(TRAFIK)]
    assert "Trafikkontorets synpunkter" in names and "Reservation" in names  # the document's own words


def test_a_phone_word_is_letterhead_only_with_a_number():
    from assistant.quotes import quotable

    assert not quotable("Handläggare Ylva Strand, telefon 08-508 111 22.")
    assert quotable("Biståndshandläggarna möter allt fler äldre som lurats genom telefonbedrägerier.")
    assert quotable("Många äldre blir lurade via telefon eller bank-id varje vecka.")


def test_parties_are_named_by_name_or_by_capitals():
    from assistant.analyse import parties_named

    assert parties_named("Var vänsterpartiet nöjda med beslutet?") == ["V"]
    assert set(parties_named("Varför reserverade sig M, L och KD?")) == {"M", "L", "KD"}
    assert parties_named("kan du sammanfatta V:s särskilda uttalande?") == ["V"]
    assert parties_named("Vad säger EAV om S:t Eriksplan?") == []  # 'S:t' is no party
    assert parties_named("vad tyckte SDN om det?") == []


def test_a_name_part_two_namnder_share_names_the_one_named_more_fully():
    from assistant.analyse import mentioned_namnder

    known = ["Hägersten-Liljeholmens stadsdelsnämnd", "Hägersten-Älvsjö stadsdelsnämnd"]
    assert mentioned_namnder("vad tyckte hägersten-älvsjö?", known) == ["Hägersten-Älvsjö stadsdelsnämnd"]
    assert mentioned_namnder("Vad skrev Hägersten-Liljeholmen?", known) == ["Hägersten-Liljeholmens stadsdelsnämnd"]
    assert mentioned_namnder("vad tyckte hägersten?", known) == known  # ambiguous: both


def test_a_table_row_is_a_sentence_of_its_own():
    from assistant.quotes import sentence_spans

    text = ("Synpunkter per fokusområde\nFokusområde | Synpunkt\nFörebyggande insatser | Förvaltningen instämmer i "
            "att tidiga insatser är grunden.\nRiktade insatser | Här finns två förslag till ändringar.")
    assert [text[a:b] for a, b in sentence_spans(text)][1:] == [
        "Fokusområde | Synpunkt", "Förebyggande insatser | Förvaltningen instämmer i att tidiga insatser är grunden.",
        "Riktade insatser | Här finns två förslag till ändringar."]


def test_question_types_asked_in_other_words():
    from assistant.analyse import question_type

    assert question_type("enligt soc, vad ändrades när det gamla programmet skulle ersättas?") == "change"
    assert question_type("vilka dokument i underlaget handlar om programmet för 2020–2023?") == "catalogue"
    assert question_type("vilka yttranden handlar om samverkan?") != "catalogue"  # a topic, not the catalogue
    assert question_type("Sa stadsbyggnadsnämnden nej till hela programmet?") == "stance"
    assert question_type("Vilka av dem som svarade på programmet 2020–2023 ville ha ändringar i det?") == "stance"
    # a 'när' inside another question is a clause of time, not a question when
    assert question_type("Vad skrev trafiknämnden om gångtunnlarna när de svarade på 2024–2027?") == "topic"
    assert question_type("Blev det någon reservation när nämnden behandlade ärendet?") != "catalogue"
    assert question_type("vem är handläggare och när skrevs yttrandet?") == "catalogue"
    assert question_type("När ska nämnden behandla det?") == "catalogue"
    assert question_type("Vad hände med kravet på halvårsvisa lägesbilder i 2032–2035?") == "change"
    assert question_type("vad hände med förslaget om kameror?") != "change"  # no version: a topic


def test_innan_before_a_clause_is_no_earlier_version():
    from assistant.analyse import question_type, resolve_period

    versions = ["2028-2031", "2032-2035"]
    assert resolve_period("begärde någon finansiering innan programmet antas?", versions) == ("", "")
    assert resolve_period("vad stod det i programmet innan?", versions) == ("2028-2031", "")
    assert question_type("Har någon formulerat en beslutspunkt om finansieringen? hur lät den?") == "phrasing"


@pytest.fixture(scope="module")
def minutes(tmp_path_factory):
    return indexed_corpus(tmp_path_factory.mktemp("minutes"),
                          {"a_trafik.txt": TRAFIK, "b_bromma.txt": BROMMA, "c_program.txt": PROGRAM}, META)


def _sections(ans) -> set[str]:
    return {c.chunk.section for c in ans.citations}


@pytest.mark.integration
def test_a_reservation_is_summarised_from_its_own_section(minutes):
    from assistant.answer import answer

    a = answer(minutes, "kan du sammanfatta reservationen i trafiknämnden?")
    assert not a.abstained and _sections(a) == {"Reservation"}
    assert "avsnittet »Reservation«" in a.text and "trygghetskameror" in a.text
    # asked by its verb, then why: the follow-up keeps the reservation as its topic
    first = answer(minutes, "Vilka i trafiknämnden reserverade sig?")
    assert not first.abstained and "Per Lind (M)" in first.text
    why = answer(minutes, "varför gjorde de det?", history=["Vilka i trafiknämnden reserverade sig?"])
    assert not why.abstained and _sections(why) == {"Reservation"} and "mätbara mål" in why.text


@pytest.mark.integration
def test_a_stance_answer_names_the_reservation_beside_the_decision(minutes):
    from assistant.answer import answer

    a = answer(minutes, "Avstyrkte trafiknämnden programmet?")
    assert not a.abstained and a.request["type"] == "stance"
    assert "delar programmets inriktning" in a.text  # 'delar … inriktning': support in a response's officialese
    assert "Utöver beslutet finns avsnittet »Reservation«" in a.text and "reserverade sig" in a.text
    assert "Trafikkontorets synpunkter Trafikkontoret" not in a.text  # the heading is no part of a quote


@pytest.mark.integration
def test_what_a_party_said_is_its_own_statement_and_an_absent_party_is_said_to_be_absent(minutes):
    from assistant.answer import answer

    v = answer(minutes, "Var vänsterpartiet i Bromma nöjda med beslutet?")
    assert not v.abstained and _sections(v) == {"Särskilt uttalande"}
    assert "Vänsterpartiet (V)" in v.text and "fritidsgårdarnas" in v.text
    sd = answer(minutes, "Vad tyckte SD i Bromma om programmet?")
    assert sd.abstained
    cost = answer(minutes, "vad skulle kamerorna som M och KD ville ha i trafiknämnden kosta?")
    assert cost.abstained  # the reservation names no amount


@pytest.mark.integration
def test_a_reservation_is_a_precedent_for_phrasing_one(minutes):
    from assistant.answer import answer

    a = answer(minutes, "hur formulerar man en reservation? finns det ngt exempel")
    assert not a.abstained and _sections(a) == {"Reservation"}


@pytest.mark.integration
def test_an_office_named_by_its_diarienummer_prefix_is_its_namnd(minutes):
    from assistant.answer import answer

    a = answer(minutes, "vad vill TK med belysningen?")
    assert not a.abstained and a.request["namnder"] == ["Trafiknämnden"]
    assert {c.chunk.doc_id for c in a.citations} == {"a_trafik"}
    dnr = answer(minutes, "vilket ärende har dnr TK 2031/118?")  # the diarienummer itself stays one
    assert not dnr.abstained and "TK 2031/118" in dnr.text


@pytest.mark.integration
def test_a_minute_names_its_chair_and_its_decision_and_the_remiss_heads_the_list(minutes):
    from assistant.answer import answer

    chair = answer(minutes, "vem var ordförande i Bromma?")
    assert not chair.abstained and "**Olle Berg (S)**" in chair.text and "yrkade bifall" in chair.citations[0].quote
    listed = answer(minutes, "vilka nämnder har svarat på programmet 2032–2035?")
    assert "(remiss KS 2031/900)" in listed.text and {c.chunk.doc_id for c in listed.citations} == {"a_trafik", "b_bromma"}
    phrased = answer(minutes, "Hur formulerar man att nämnden avstyrker? finns det något exempel")
    assert not phrased.abstained and all("avstyrk" in c.quote for c in phrased.citations)


@pytest.mark.integration
def test_an_amount_no_quote_states_is_not_answered_and_a_decision_point_is_quoted(minutes):
    from assistant.answer import answer

    votes = answer(minutes, "hur röstade ledamöterna i Bromma, hur många var för och emot?")
    assert votes.abstained  # the minute says who spoke, not how many voted which way
    point = answer(minutes, "Har någon formulerat en beslutspunkt om finansiering innan programmet antas? hur lät den?")
    assert not point.abstained and point.request["type"] == "phrasing" and not point.request["period"]
    assert any("innan programmet antas" in c.quote for c in point.citations)


@pytest.mark.integration
def test_what_the_programme_says_is_read_in_the_programme(minutes):
    from assistant.answer import answer

    a = answer(minutes, "Hur snabbt ska klotter tas bort enligt trygghetsprogrammet 2032–2035?")
    assert not a.abstained and {c.chunk.doc_id for c in a.citations} == {"c_program"} and "24 timmar" in a.text
    typo = answer(minutes, "hur snabbt ska klotter saneras i nya trygghetsprogramet 2032-2035?")
    assert "trygghetsprogramet" not in typo.request["topic"]  # the programme, typed fast, is no topic word
    contact = answer(minutes, "Vem är kontaktperson för förslaget till trygghetsprogram 2032–2035?")
    assert not contact.abstained and "Eva Holm" in contact.text and {c.chunk.doc_id for c in contact.citations} == {"c_program"}
    # asked of a nämnd, the nämnd's own text comes before what its members said beside the decision
    own = answer(minutes, "vad säger Bromma om att ansvaret för kameratillstånd hör hemma hos stadsdelsnämnden?")
    assert not own.abstained and own.citations[0].chunk.section == "Ärendet"


def test_the_own_voice_after_an_adverbial_and_a_declared_stance():
    from assistant.answerers import _declared_side, voice

    assert voice("I övrigt är förvaltningen kritisk till förslaget och föreslår ändringar.") == "own"
    assert voice("Sammantaget anser trafikkontoret att programmet är bra.") == "own"
    assert voice("I förslaget anges att nämnderna ska samverka.") == "account"

    class S:  # a sentence as the stance reads it
        def __init__(self, text):
            self.text = text

    assert _declared_side([S("I övrigt är förvaltningen kritisk till förslaget.")]) == "kritisk"
    assert _declared_side([S("Förvaltningen ställer sig positiv till det reviderade programmet."),
                           S("Förvaltningen är kritisk till förslaget i den delen.")]) == "blandad"
    assert _declared_side([S("Förvaltningen är kritisk till att nämnden ska ansvara.")]) == ""  # a part, not the whole


@pytest.mark.integration
def test_a_response_that_calls_itself_critical_is_summarised_as_critical_and_its_decision_is_shown(minutes):
    from assistant.answer import answer

    a = answer(minutes, "Vad tyckte Bromma i stort om programmet?")
    assert not a.abstained and "är i huvudsak kritisk" in a.text and "kritisk till förslaget" in a.text
    b = answer(minutes, "tillstyrkte Bromma förslaget eller inte?")
    assert not b.abstained and "Beslut: »Stadsdelsnämnden godkänner förvaltningens tjänsteutlåtande" in b.text


@pytest.mark.integration
def test_the_programme_summarised_on_whom_it_names_a_meeting_date_and_a_follow_up_on_when(minutes):
    from assistant.answer import answer

    a = answer(minutes, "Sammanfatta vad stadsdelsnämnderna ska göra enligt förslaget 2032–2035")
    assert not a.abstained and {c.chunk.doc_id for c in a.citations} == {"c_program"}
    met = answer(minutes, "när behandlade Bromma ärendet?")
    assert met.request["type"] == "catalogue" and "sammanträdet **2031-12-02**" in met.text
    done = answer(minutes, "när ska den vara klar?", history=["Vad säger programmet 2032–2035 om halvtidsrapporten?"])
    assert not done.abstained and "juni 2034" in done.text and done.request["topic"] == "halvtidsrapporten"


@pytest.mark.skipif(__import__("shutil").which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_word_bullets_in_a_pdf_are_bullets_and_not_part_of_a_quote(tmp_path):
    import subprocess

    import docx

    from assistant.quotes import without_heading
    from index.read import read_document

    d = docx.Document()
    d.add_paragraph("Förändringar jämfört med föregående program")
    d.add_paragraph("Antalet gemensamma trygghetsindikatorer minskas från tolv till åtta.", style="List Bullet")
    d.add_paragraph("Den lokala lägesbilden rapporteras en gång per år.", style="List Bullet")
    src = tmp_path / "program.docx"
    d.save(src)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=120)
    text = read_document(tmp_path / "program.pdf").text
    assert not any("\uf000" <= ch <= "\uf0ff" for ch in text)  # no private-use glyph of the Symbol font
    line = next(ln for ln in text.splitlines() if "tolv till åtta" in ln)
    assert line.lstrip().startswith("•")
    assert without_heading(line.strip()) == "Antalet gemensamma trygghetsindikatorer minskas från tolv till åtta."


def test_a_count_changed_states_the_count_and_a_numbered_heading_is_no_part_of_a_quote():
    from assistant.answer import _counted_noun, _quantity_gap
    from assistant.quotes import without_heading

    q = "har antalet trygghetsindikatorer ändrats i nya programmet?"
    assert _counted_noun("har antalet trygghetsindikatorer andrats", "").search(
        "antalet gemensamma trygghetsindikatorer minskas fran tolv till atta")
    assert not _quantity_gap(q, ["Antalet gemensamma trygghetsindikatorer minskas från tolv till åtta."])
    assert _quantity_gap(q, ["Trygghetsindikatorerna redovisas per stadsdelsområde."])
    assert without_heading("3.1 Mål för programperioden Det övergripande målet är att staden är trygg.") == \
        "Det övergripande målet är att staden är trygg."
    assert without_heading("2.1 procent av invånarna känner sig otrygga i centrum.") == \
        "2.1 procent av invånarna känner sig otrygga i centrum."


@pytest.mark.integration
def test_a_changed_count_is_quoted_from_the_programme(minutes):
    from assistant.answer import answer

    a = answer(minutes, "har antalet trygghetsindikatorer ändrats i nya programmet?")
    assert not a.abstained and any("från tolv till åtta" in c.quote for c in a.citations)


def test_which_three_asks_for_names_a_count_alone_does_not_give():
    from assistant.answer import unnamed_members

    q = "Vilka tre stadsdelsområden ska testa den digitala fältverksamheten?"
    told = ["Under 2032–2033 prövas en digital fältverksamhet i tre stadsdelsområden."]
    assert unnamed_members(q, told) == "Underlaget anger att det gäller tre stadsdelsområden men inte vilka."
    named = ["Försöket görs i tre stadsdelsområden: Farsta, Rinkeby-Kista och Skärholmen."]
    assert unnamed_members(q, named) is None
    listed = ["Arbetet ska värna fyra övergripande områden: individens trygghet stadens funktionalitet miljö"]
    assert unnamed_members("vilka fyra övergripande områden ska arbetet värna?", listed) is None
    assert unnamed_members("vilka stadsdelsområden deltar?", told) is None  # no count asked


def test_a_share_of_a_group_is_stated_for_that_group():
    from assistant.answer import population_gap

    q = "hur stor andel av kvinnorna i Farsta känner sig trygga ute på kvällen?"
    assert population_gap(q, ["66 procent av invånarna i stadsdelsområdet känner sig trygga."]) == \
        "Underlaget anger ingen andel för kvinnorna."
    assert population_gap(q, ["Bland kvinnorna uppgav 58 procent att de känner sig trygga."]) is None
    assert population_gap("hur stor andel av invånarna känner sig trygga?", ["66 procent av invånarna …"]) is None
    assert population_gap(q, ["Farsta har ett lokalt trygghetsråd."]) is None  # no share stated: another gap's case
