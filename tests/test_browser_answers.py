"""Every answer type in the Fråga tab, in real headless Chromium: the question is
typed as a handläggare would, the answer that comes back is of the kind asked
for (a list, a summary, a ranking, recurring formulations, a refusal that says
why), a follow-up resolves "det" to the previous turn's document, and one points into the previous answer."""

import os

import pytest

from conftest import CHROMIUM, launch_chromium, serve_app

pytestmark = [pytest.mark.browser, pytest.mark.integration]

if not os.path.exists(CHROMIUM):
    pytest.skip("Chromium is not installed (make test installs Debian's chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def page(real_settings):
    url, demo = serve_app(real_settings)
    with launch_chromium() as browser:
        page = browser.new_page()
        page.goto(url)
        yield page
    demo.close()


def ask(page, question: str, expect: str) -> str:
    """Ask in the chat; return the chat text once the answer to this question
    (the text after its last occurrence) shows `expect`."""
    chat = page.locator("#yttra-chat")
    before = chat.inner_text().count(question)
    page.get_by_label("Fråga", exact=True).fill(question)
    page.locator("#yttra-ask").click()
    for _ in range(180):
        text = chat.inner_text()
        if text.count(question) > before and expect in text[text.rfind(question):]:
            return text
        page.wait_for_timeout(500)
    raise AssertionError(f"no answer with {expect!r} to {question!r}: {text[-800:]}")


@pytest.mark.parametrize("question,expect,also", [
    ("Vilka nämnder har yttrat sig om programmet 2020–2023?", "nämnder har yttrat sig",
     ["Spånga-Tensta", "Enskede-Årsta-Vantör", "Kulturnämnden"]),
    ("Sammanfatta Kyrkogårdsnämndens yttrande", "Huvudsakliga synpunkter", ["Kyrkogårdsnämnden"]),
    ("Vilken nämnd var mest kritisk?", "är mest kritisk", ["Rangordningen bygger på"]),
    ("Hur brukar förslaget till beslut formuleras i yttrandena?", "Återkommande formulering",
     ["som svar på remissen"]),
    ("Vad tyckte Skarpnäcks stadsdelsnämnd om programmet?", "Jag hittar inget i underlaget", []),
])
def test_each_question_type_gets_its_kind_of_answer(page, question, expect, also):
    text = ask(page, question, expect)
    answer = text[text.rfind(question):]
    for phrase in also:
        assert phrase in answer, (question, phrase, answer[:800])


def test_followup_resolves_the_previous_document(page):
    ask(page, "Vad tyckte Spånga-Tensta om trygghetsprogrammet?", "Spånga-Tensta")
    text = ask(page, "vem skrev under det?", "undertecknat av")
    assert "Mellblom" in text[text.rfind("vem skrev under det?"):]


def test_followups_point_into_the_previous_answer(page):
    """'de' after a ranking is the nämnd ranked first; 'vilken sida' gives where the quotes stand."""
    ask(page, "Vilken nämnd var mest kritisk?", "är mest kritisk")
    text = ask(page, "Vad kritiserade de?", "Invändningar och ändringsönskemål")
    answer = text[text.rfind("Vad kritiserade de?"):]
    assert "Enskede-Årsta-Vantör" in answer and "Kulturnämnden" not in answer, answer[:800]
    text = ask(page, "vilken sida står det på?", "Citaten i förra svaret")
    assert "s. " in text[text.rfind("vilken sida står det på?"):]
