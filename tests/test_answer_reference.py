"""Follow-ups that point into the previous ANSWER, not the previous question: 'Vad kritiserade de?' after
a ranking names the nämnd ranked first; 'Sammanfatta det andra' after a list takes the second item.
Tiny invented corpus (nämnder and a programme version that are not in the real corpus), so the names
come from the data, never from code."""

from assistant.analyse import analyse, answer_reference, asks_for_one
from assistant.answer import answer, named_in_order
from index.types import Chunk

SYN = "Förvaltningens synpunkter och förslag"


def _chunk(doc: str, namnd: str, text: str, n: int = 0, section: str = SYN) -> Chunk:
    return Chunk(id=f"{doc}-{n}", doc_id=doc, source=f"corpus/{doc}.txt", text=text, original=text, start=0,
                 end=len(text), page=1 + n, page_end=1 + n, section=section,
                 title=f"Trygghetsprogram 2028–2031 – svar på remiss ({doc})", namnd=namnd,
                 doc_type="yttrande", period="2028-2031", year=2027)


CHUNKS = [
    _chunk("d1", "Idrottsnämnden", "Förvaltningen ställer sig positiv till programmet. Förvaltningen ser positivt "
           "på att idrottsplatserna nämns som trygga mötesplatser. Det är bra att föreningslivet lyfts fram."),
    _chunk("d2", "Skarpnäcks stadsdelsnämnd", "Förvaltningen är positiv till programmets inriktning."),
    _chunk("d2", "Skarpnäcks stadsdelsnämnd", "Förvaltningen saknar en analys av hur arbetet ska finansieras. "
           "Programmet bör kompletteras med tydliga mål för fritidsgårdarna. Förvaltningen önskar att ansvaret "
           "för belysningen i parkerna förtydligas. Programmet behöver förtydligas när det gäller samverkan "
           "med fastighetsägarna.", n=1),
    _chunk("d3", "Miljönämnden", "Förvaltningen har inga synpunkter på förslaget och tillstyrker det. "
           "Förvaltningen ser positivt på att grönytorna får en större roll i trygghetsarbetet."),
]


def test_the_reference_words_are_read_from_the_question():
    assert answer_reference("Sammanfatta det andra") == (2, "andra")
    assert answer_reference("vad tyckte den sista nämnden om belysning") == (-1, "sista")
    assert answer_reference("Vad kritiserade de?") == (0, "")
    # 'den' as the one who wants or criticises: the nämnd of the previous answer
    assert answer_reference("vad ville den ha förtydligat?") == (0, "")
    assert answer_reference("hur ofta görs den?") == (None, "")
    assert answer_reference("Vad tycker andra nämnder om det?") == (None, "")  # 'andra' = other, not second
    assert answer_reference("Vad säger programmet om parkerna?") == (None, "")
    assert asks_for_one("Vilken nämnd var mest kritisk?") and not asks_for_one("Vilka nämnder svarade?")


def test_names_are_read_in_the_order_the_answer_gives_them():
    assert named_in_order("**Kulturnämnden och Stadsarkivet**, sedan **Kulturnämnden**",
                          ["Kulturnämnden", "Kulturnämnden och Stadsarkivet"]) == ["Kulturnämnden och Stadsarkivet", "Kulturnämnden"]
    assert named_in_order("- B-nämnden [1]\n- A-nämnden", ["A-nämnden", "B-nämnden", "C-nämnden"]) == ["B-nämnden", "A-nämnden"]


def test_a_pronoun_after_a_ranking_means_the_nämnd_ranked_first():
    from conftest import memory_corpus

    corpus = memory_corpus(CHUNKS)
    first = answer(corpus, "Vilken nämnd var mest kritisk?")
    assert first.text.startswith("**Skarpnäcks stadsdelsnämnd**"), first.text
    a = answer(corpus, "Vad kritiserade de?", history=["Vilken nämnd var mest kritisk?"])
    assert not a.abstained and {c.chunk.namnd for c in a.citations} == {"Skarpnäcks stadsdelsnämnd"}, a.text
    assert "finansieras" in a.text and "fritidsgårdarna" in a.text  # the objections themselves, as a list
    assert a.request["namnder"] == ["Skarpnäcks stadsdelsnämnd"] and "answer" in a.request["inherited"]


def test_an_ordinal_picks_that_item_of_the_previous_list():
    from conftest import memory_corpus

    corpus = memory_corpus(CHUNKS)
    listing = answer(corpus, "Vilka nämnder svarade på remissen 2028-2031?")
    order = named_in_order(listing.text, ["Idrottsnämnden", "Skarpnäcks stadsdelsnämnd", "Miljönämnden"])
    assert len(order) == 3, listing.text
    for word, want in (("första", order[0]), ("andra", order[1]), ("sista", order[2])):
        a = answer(corpus, f"Sammanfatta det {word}", history=["Vilka nämnder svarade på remissen 2028-2031?"])
        assert a.qtype == "summary" and {c.chunk.namnd for c in a.citations} == {want}, (word, a.text)
    # without such a reference the follow-up still covers every nämnd
    b = answer(corpus, "Sammanfatta yttrandena", history=["Vilka nämnder svarade på remissen 2028-2031?"])
    assert len({c.chunk.namnd for c in b.citations}) == 3, b.text


def test_where_the_previous_answer_quotes_stand():
    from conftest import memory_corpus

    corpus = memory_corpus(CHUNKS)
    prev = answer(corpus, "Vad säger Skarpnäcks stadsdelsnämnd om fritidsgårdarna?")
    assert not prev.abstained, prev.text
    a = answer(corpus, "vilken sida står det på?", history=["Vad säger Skarpnäcks stadsdelsnämnd om fritidsgårdarna?"])
    assert a.citations == prev.citations
    assert "s. 2" in a.text and "Förvaltningens synpunkter och förslag" in a.text and "fritidsgårdarna" in a.text
    # a question of its own is not about the previous answer
    b = answer(corpus, "vilken sida handlar om grönytorna?", history=["Vad säger Skarpnäcks stadsdelsnämnd om fritidsgårdarna?"])
    assert "Citaten i förra svaret" not in b.text


def test_an_agreement_follow_up_keeps_the_topic_and_least_is_worded_as_least():
    from conftest import memory_corpus

    corpus = memory_corpus(CHUNKS)
    r = analyse("håller Miljönämnden med?", corpus, ["Vad tycker Skarpnäcks stadsdelsnämnd om belysningen i parkerna?"])
    assert r.namnder == ("Miljönämnden",) and "belysningen" in r.topic and r.qtype == "stance"
    a = answer(corpus, "och minst positiv?", history=["Vilken nämnd var mest positiv?"])
    assert a.text.startswith("Minst positiv är **Skarpnäcks stadsdelsnämnd**"), a.text


def test_what_the_second_of_a_listed_catalogue_thought_is_its_summary_not_another_list(real_retriever):
    a = answer(real_retriever, "vad tyckte den andra av dem?", history=["vilka nämnder har svarat på remissen om 2020-2023"])
    assert a.request["type"] == "summary" and not a.abstained
    assert {c.chunk.doc_id for c in a.citations} == {"001_2da92ff9d07e789e"}
