"""Enumerations for list questions (assistant/enumeration.py): pure functions on tiny texts, and the
topic answer on a small in-memory corpus quoting the list rather than a sentence naming the subject."""

from assistant.enumeration import asks_for_list, enumeration_end, inline_items
from assistant.quotes import sentence_spans


def test_list_questions_are_recognised():
    assert asks_for_list("Vilka fokusområden har programmet 2028–2031?")
    assert asks_for_list("Räkna upp målen i programmet")
    assert not asks_for_list("Vad säger programmet om belysning?")
    assert not asks_for_list("Hur ska staden arbeta med vilka metoder som helst?")


def test_inline_enumeration_items():
    s = "Dessa är förebyggande insatser, riktade sociala insatser, stadens offentliga miljö och stadsutveckling."
    assert inline_items(s) == ["förebyggande insatser", "riktade sociala insatser", "stadens offentliga miljö",
                               "stadsutveckling"]
    assert inline_items("Staden har stora utmaningar inom det brottsförebyggande och trygghetsskapande området.") == []
    # two items are a pair, not a list; long clauses are not items
    assert inline_items("Nämnden ser fördelar och nackdelar.") == []
    assert inline_items("Vi arbetar med skolan, men förvaltningen menar att det krävs betydligt mer resurser "
                        "för att klara uppdraget och att staden behöver ta ett större ansvar.") == []


def _end(text: str, sentence_start: str) -> str | None:
    spans = sentence_spans(text)
    i = next(i for i, (a, _) in enumerate(spans) if text[a:].startswith(sentence_start))
    a, b = spans[i]
    e = enumeration_end(text, a, b, spans[i + 1] if i + 1 < len(spans) else None)
    return None if e is None else text[a:e]


def test_colon_bullets_numbered_lines_and_continuations():
    bullets = "Programmet har tre mål:\n\n- Ökad trygghet\n- Färre brott\n- Starkare samverkan\n\nDärefter följer en lång text."
    assert _end(bullets, "Programmet").endswith("Starkare samverkan")
    numbered = ("Arbetet bedrivs inom ramen för fyra områden\n\n1. Förebygga olyckor\n2. Förebygga brott mot \n\n"
                "anställda\n3. Bygga beredskap\n4. Bygga säkerhetsskydd\n\nFör att nå målen krävs systematik.")
    got = _end(numbered, "Arbetet")
    assert got.endswith("Bygga säkerhetsskydd") and "anställda" in got
    cont = "Programmet har fyra fokusområden. Dessa är skola, socialtjänst, stadsmiljö och stadsutveckling. Sedan annat."
    assert _end(cont, "Programmet").endswith("stadsutveckling.")
    assert _end("Programmet har fyra fokusområden. Det är viktigt. Sedan annat.", "Programmet") is None
    assert _end("Nämnden är positiv.\n\nBakgrund\n\nKommunstyrelsen har remitterat ärendet.", "Nämnden") is None


import pytest  # noqa: E402


@pytest.mark.integration
def test_list_question_quotes_the_enumeration(real_retriever):
    """'Vilka fokusområden …' is answered with the sentences that list them (a sentence ending in a list,
    or one introducing numbered lines), not with a sentence that only names the subject."""
    from assistant.answer import answer

    a = answer(real_retriever, "Vilka fokusområden har trygghetsprogrammet 2024–2027?")
    assert not a.abstained and "riktade sociala insatser" in a.text and "stadsutveckling" in a.text
    assert all(c.chunk.period == "2024-2027" for c in a.citations)
    a = answer(real_retriever, "Vilka fokusområden hade 2018 års program?")
    assert "Förebygga olyckor" in a.text and "Bygga gott säkerhetsskydd" in a.text


def test_elliptic_version_reference_in_a_followup():
    """'Och hur många har det nya?' after a question on the 2018 programme means the newest version."""
    from assistant.analyse import resolve_period

    periods = ["2018-2021", "2020-2023", "2024-2027", "2028-2031"]
    assert resolve_period("Och hur många har det nya?", periods, "2018-2021") == ("2028-2031", "")
    assert resolve_period("Och det förra?", periods, "2024-2027") == ("2020-2023", "")
    assert resolve_period("Och hur många har det nya?", periods, "") == ("", "")  # no previous version: nothing to resolve


@pytest.mark.integration
def test_count_question_quotes_the_sentence_stating_the_number(real_retriever):
    from assistant.answer import answer

    a = answer(real_retriever, "Hur många fokusområden har det nya programmet?")
    assert not a.abstained and "fyra fokusområden" in a.citations[0].quote
    a = answer(real_retriever, "Och hur många har det nya?", history=["Vilka fokusområden hade 2018 års program?"])
    assert a.citations and a.citations[0].chunk.period == "2024-2027" and "fyra" in a.citations[0].quote


def test_programme_text_comes_before_accounts_of_it(tmp_path):
    """With the programme document itself in the corpus, 'Vad säger programmet om X?' quotes the
    programme's own text first, headed as the programme, before a nämnd's account of it."""
    from conftest import HashEmbedder, write_corpus
    from index.corpus import open_corpus
    from index.pipeline import ingest
    from index.settings import Settings

    from assistant.answer import answer

    root = write_corpus(tmp_path / "c", {
        "prog.txt": "Trygghetsprogram för Stockholms stad 2028–2031\n\nInledning\nStaden ska arbeta med "
                    "belysning i parker och på gångvägar så att fler känner sig trygga på kvällen.\n",
        "ytt.txt": "Tjänsteutlåtande\nBromma stadsdelsnämnd\n\nÄrendet\nI programmet framgår att staden ska arbeta "
                   "med belysning i parker och på gångvägar. Förvaltningen är positiv till belysning i parker.\n",
    }, metadata="prog:\n  namnd: Kommunfullmäktige\n  doc_type: program\n  period: 2028-2031\n  year: 2027\n"
                "ytt:\n  namnd: Bromma stadsdelsnämnd\n  doc_type: yttrande\n  period: 2028-2031\n  year: 2027\n")
    s = Settings(corpus_dir=root, index_dir=tmp_path / "i")
    assert ingest(s, embedder=HashEmbedder(), progress=False).ok
    a = answer(open_corpus(s, HashEmbedder()), "Vad säger programmet om belysning i parker?", abstain_threshold=0.0)
    assert not a.abstained and a.citations[0].chunk.doc_id == "prog"
    assert a.text.split("\n\n")[1].startswith("**Programmet 2028–2031 (programtexten")


@pytest.mark.integration
def test_question_naming_a_section_is_answered_from_it(real_retriever):
    """'förslaget till beslut i X:s ärende' names the document's own heading 'Förslag till beslut'."""
    from assistant.answer import answer

    a = answer(real_retriever, "Vad är förslaget till beslut i Hägersten-Liljeholmens ärende?")
    assert a.citations and {c.chunk.section for c in a.citations} == {"Förslag till beslut"}
    assert "godkänner förvaltningens tjänsteutlåtande" in a.text
    assert not any(c.quote.startswith("Förslag till beslut") for c in a.citations)  # the heading is not quoted


def test_a_list_after_a_colon_may_have_lower_case_items_whose_bullets_were_lost():
    """003: '… bedrivs för att värna fyra övergripande områden:' then four lower-case lines (the PDF's bullets
    lost); each line is an item, a line broken after an open word continues one, a capital ends the list."""
    text = ("Arbetet bedrivs för att värna fyra övergripande områden:\n\n individens trygghet och säkerhet\n"
            " stadens funktionalitet\n miljö och egendom\n grundläggande värden\n\nDe övergripande områdena är "
            "i stor utsträckning beroende av\nvarandra.")
    a, b = sentence_spans(text)[0]
    end = enumeration_end(text, a, b)
    assert end is not None and text[:end].endswith("grundläggande värden")
    broken = "Arbetet gäller tre saker:\n\n förebygga hot och våld mot\n anställda\n bygga motståndskraft\n"
    a, b = sentence_spans(broken)[0]
    assert broken[:enumeration_end(broken, a, b)].endswith("bygga motståndskraft")


def test_a_list_intro_is_evidence_with_its_items_and_a_lower_case_item_is_no_cut_sentence(real_retriever):
    from assistant.answer import answer
    from assistant.evidence import cut_at_end

    t = "Områden:\n\n individens trygghet\n stadens funktionalitet"
    assert not cut_at_end(t, t.index("individens"), len(t))
    a = answer(real_retriever, "vilka övergripande områden skulle arbetet värna?",
               history=["HL:s yttrande 2017 – vad handlade programmet om"])
    assert any("fyra övergripande områden" in c.quote and c.quote.endswith("grundläggande värden") for c in a.citations)
