"""A whole response asked for in the chat: the draft of the Skriv yttrande tab, read from the question."""

import re

from assistant.answer import answer
from assistant.draft_request import draft_requested
from assistant.quotes import verify_quote


def test_requests_for_a_whole_response_are_told_from_questions_about_responses():
    asks = ["skriv ett utkast till yttrande om samverkan för Skarpnäcks stadsdelsnämnd",
            "kan du skriva ett remissvar på trygghetsprogrammet 2028-2031 åt spånga-tensta",
            "hjälp mig att formulera ett tjänsteutlåtande om ordningsvakter", "utkast till yttrande om 2028-2031",
            "ge mig ett förslag på yttrande"]
    other = ["skriv en inledning till ett yttrande", "yttrandet från EAV, vad säger det?",
             "skriv vad EAV tyckte i sitt yttrande", "vad skulle vi kunna skriva i vårt yttrande om samverkan?",
             "förslag till beslut i yttrandena", "vilka yttranden finns?"]
    assert [q for q in asks if not draft_requested(q)] == []
    assert [q for q in other if draft_requested(q)] == []


def test_a_draft_asked_for_in_the_chat_is_written_for_the_named_body_and_version_from_precedent(real_retriever):
    """A nämnd and a version with no document here are no reason to refuse: they are what the draft is for.
    Every body sentence rests on an earlier response, quoted exactly; the asked point is in the draft."""
    a = answer(real_retriever, "skriv ett utkast till yttrande om samverkan med polisen för Skarpnäcks "
                               "stadsdelsnämnd, trygghetsprogrammet 2028-2031")
    assert not a.abstained and a.request["type"] == "draft"
    assert "Skarpnäcks stadsdelsnämnd godkänner" in a.text and "2028–2031" in a.text
    assert "samverkan med polisen" in a.text and "**Förslag till beslut**" in a.text
    assert len({c.chunk.doc_id for c in a.citations}) >= 3
    assert all(verify_quote(c.quote, c.chunk) for c in a.citations)
    assert max(int(n) for n in re.findall(r"\[(\d+)\]", a.text)) == len(a.citations)


def test_a_draft_without_a_body_leaves_its_name_to_fill_in(real_retriever):
    a = answer(real_retriever, "hjälp mig skriva ett tjänsteutlåtande om ordningsvakter")
    assert not a.abstained and "[Nämndens namn] godkänner" in a.text and "ordningsvakter" in a.text


def test_a_draft_asked_for_after_a_question_is_about_that_questions_topic(real_retriever):
    a = answer(real_retriever, "skriv ett utkast till yttrande om det", history=["vad tycker EÅV om samverkan med polisen?"])
    assert not a.abstained and "- samverkan polisen" in a.text and "utkast" not in a.text.split("- samverkan")[1][:30]
