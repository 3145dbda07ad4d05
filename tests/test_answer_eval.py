"""The answer-level eval (eval/answers.jsonl + eval/answers.py): the set is
valid and checkable against the corpus, the scorer's pass/fail logic is right
on hand-made answers, and the harness runs end to end on the real index."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from eval import answers as ea
from index.types import Answer, Chunk, Citation

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "eval" / "answers.jsonl"
CORPUS = ROOT / "corpus"
D0, D1, D2 = "000_3597c3daaecaf7f2", "001_2da92ff9d07e789e", "002_80d6bf5fc05df009"


@pytest.fixture(scope="module")
def items():
    return ea.load_items(SET, corpus_dir=CORPUS)


# ---------------------------------------------------------------- the set


def test_set_is_valid_and_large_enough(items):
    assert len(items) >= 150
    types = Counter(it.type for it in items)
    assert set(types) == set(ea.TYPES), types
    assert sum(it.must_abstain for it in items) >= 40
    assert types["unanswerable"] >= 40
    assert {it.split for it in items} == set(ea.SPLITS)
    ids = {p.stem for p in CORPUS.glob("*.txt")}
    for it in items:
        assert set(it.must_cite) <= ids and set(it.must_not_cite) <= ids, it.id
        if it.type == "followup":
            assert 2 <= len(it.turns) <= 3, it.id


def test_splits_are_stratified_per_type(items):
    for t in ea.TYPES:
        of_type = [it for it in items if it.type == t]
        share = sum(it.split == "heldout" for it in of_type) / len(of_type)
        assert 0.3 <= share <= 0.5, (t, share)


def test_expected_phrases_occur_in_the_cited_documents(items):
    """Every answerable item is checkable: one of its phrases, and each of its
    names, occurs in the text (original or OCR-repaired) or metadata of a
    document it expects to be cited."""
    from index.clean import repair

    meta = yaml.safe_load((CORPUS / "metadata.yaml").read_text(encoding="utf-8"))
    texts = {}
    for p in CORPUS.glob("*.txt"):
        raw = p.read_text(encoding="utf-8")
        texts[p.stem] = " ".join([raw, repair(raw).text, " ".join(str(v) for v in meta.get(p.stem, {}).values())])
    for it in items:
        if it.must_abstain:
            continue
        docs = " ".join(texts[d] for d in (it.must_cite or texts))
        if it.any_phrase:
            assert any(ea.contains(docs, p) for p in it.any_phrase), it.id
        for name in it.all_names:
            assert ea.contains(docs, name), (it.id, name)


@pytest.mark.parametrize("line, message", [
    ('{"id": "x", "type": "opinion", "split": "dev", "question": "?", "must_abstain": true, "note": "n"}',
     "unknown type 'opinion'; valid: topic"),
    ('{"id": "x", "type": "topic", "split": "test", "question": "?", "must_abstain": true, "note": "n"}',
     "unknown split"),
    ('{"id": "x", "type": "topic", "split": "dev", "question": "?", "must_abstain": false, "note": "n"}',
     "needs must_cite, any_phrase or all_names"),
    ('{"id": "x", "type": "topic", "split": "dev", "question": "?", "must_abstain": false, "note": "",'
     ' "any_phrase": ["a"]}', "'note' must say why"),
    ('{"id": "x", "type": "topic", "split": "dev", "question": "?", "must_abstain": true, "note": "n",'
     ' "must_cite": ["' + D0 + '"]}', "no citation or phrase expectations"),
    ('{"id": "x", "type": "topic", "split": "dev", "question": "?", "must_abstain": false, "note": "n",'
     ' "must_cite": ["999_nope"]}', "no such document 999_nope"),
    ('{"id": "x", "type": "followup", "split": "dev", "question": "?", "must_abstain": true, "note": "n"}',
     "needs 'turns'"),
    ('{"id": "x", "type": "topic", "split": "dev", "question": "?", "must_abstain": true, "note": "n", "foo": 1}',
     "unknown field(s) foo"),
    ('{"id": "x", "type": "topic",', "not valid JSON"),
    ('{"id": "a1", "type": "topic", "split": "dev", "question": "?", "must_abstain": true, "note": "n"}',
     "duplicate id 'a1' (first on line 1)"),
])
def test_schema_errors_name_the_line(tmp_path, line, message):
    good = '{"id": "a1", "type": "unanswerable", "split": "dev", "question": "Vad?", "must_abstain": true, "note": "n"}'
    path = tmp_path / "set.jsonl"
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ea.AnswerSetError) as e:
        ea.load_items(path, corpus_dir=CORPUS)
    assert f"{path}:2" in str(e.value) and message in str(e.value)


# ---------------------------------------------------------------- the scorer


def _chunk(doc_id: str, namnd: str = "") -> Chunk:
    return Chunk(id=f"{doc_id}#0", doc_id=doc_id, source=f"corpus/{doc_id}.txt", text="x", original="x",
                 start=0, end=1, page=1, page_end=1, section="", namnd=namnd)


def _answer(text: str, docs=(), abstained: bool = False) -> Answer:
    return Answer("q", text, [Citation(n, _chunk(d), "x") for n, d in enumerate(docs, 1)], abstained=abstained)


def _item(**kw) -> ea.Item:
    base = {"id": "i", "type": "topic", "split": "dev", "turns": ("q",), "note": "n"}
    return ea.Item(**{**base, **kw})


def test_scorer_passes_a_right_answer_with_folded_phrases():
    it = _item(must_cite=(D1,), must_not_cite=(D2,), any_phrase=("Enskede-Årsta-Vantör",),
               all_names=("avgränsning", "intressekonflikter"))
    ans = _answer("**Enskede-Arsta-Vantors sdn** skriver: »tydligare AVGRANSNING … mål- och intressekonflikter«",
                  [D1, D0])
    o = ea.score(it, ans)
    assert o.passed, o.reasons
    assert o.precise == 1 and o.cited == [D1, D0]


@pytest.mark.parametrize("ans, reason", [
    (_answer("Enskede: avgränsning, intressekonflikter", [D0]), "cites none of"),
    (_answer("Enskede: avgränsning, intressekonflikter", [D1, D2]), "must not"),
    (_answer("Spånga: avgränsning, intressekonflikter", [D1]), "none of the phrases"),
    (_answer("Enskede: avgränsning", [D1]), "missing names: intressekonflikter"),
    (_answer("Jag hittar inget i underlaget som besvarar frågan.", abstained=True), "abstained, should answer"),
])
def test_scorer_fails_wrong_answers(ans, reason):
    it = _item(must_cite=(D1,), must_not_cite=(D2,), any_phrase=("Enskede",),
               all_names=("avgränsning", "intressekonflikter"))
    o = ea.score(it, ans)
    assert not o.passed
    assert any(reason in r for r in o.reasons), o.reasons


def test_scorer_abstention_items():
    it = _item(type="unanswerable", must_abstain=True)
    assert ea.score(it, _answer("Jag hittar inget …", abstained=True)).passed
    o = ea.score(it, _answer("Socialnämnden skriver …", [D0]))
    assert not o.passed and o.reasons == ["answered, should abstain"]


def test_aggregate_metrics():
    it_ans = _item(id="a", must_cite=(D1,), any_phrase=("x",))
    it_una = _item(id="u", type="unanswerable", must_abstain=True)
    outcomes = [
        ea.score(it_ans, _answer("x", [D1, D1, D0])),            # pass, 2 of 3 citations precise
        ea.score(it_ans, _answer("x", [D0])),                    # fail, 0 of 1 precise
        ea.score(it_ans, _answer("", abstained=True)),            # false refusal
        ea.score(it_una, _answer("", abstained=True)),            # abstained right
        ea.score(it_una, _answer("y", [D2])),                     # answered wrongly
    ]
    a = ea.aggregate(outcomes)
    assert a["n"] == 5 and a["passed"] == 2
    assert a["pass_rate"] == pytest.approx(0.4)
    assert a["abstention_recall"] == pytest.approx(0.5)
    assert a["abstention_precision"] == pytest.approx(0.5)
    assert a["false_refusals"] == pytest.approx(1 / 3)
    assert a["citation_precision"] == pytest.approx(2 / 4)


def test_evaluate_reports_per_split_and_type_through_the_adapter(tmp_path):
    rows = [
        {"id": "t1", "type": "topic", "split": "dev", "question": "Vad om ordningsvakter?", "must_abstain": False,
         "must_cite": [D0], "any_phrase": ["ordningsvakt"], "note": "000 s. 4"},
        {"id": "u1", "type": "unanswerable", "split": "heldout", "question": "Vad tyckte Socialnämnden?",
         "must_abstain": True, "note": "ingen sådan nämnd"},
        {"id": "f1", "type": "followup", "split": "heldout", "turns": ["Vad tyckte EAV?", "Och Spånga-Tensta?"],
         "must_abstain": False, "must_cite": [D0], "any_phrase": ["positiv"], "note": "000 s. 1"},
    ]
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    seen = []

    def fake(ctx, turns):
        seen.append(tuple(turns))
        if "Socialnämnden" in turns[-1]:
            return _answer("Jag hittar inget …", abstained=True)
        return _answer("Förvaltningen är positiv till ordningsvakternas roll", [D0])

    rep = ea.evaluate(ea.load_items(path, corpus_dir=CORPUS), ea.AssistantContext(None), adapter=fake)
    assert seen[2] == ("Vad tyckte EAV?", "Och Spånga-Tensta?")  # the whole conversation goes to the adapter
    assert set(rep["groups"]) == {"dev", "heldout", "all"}
    assert rep["groups"]["all"]["all"]["pass_rate"] == 1.0
    assert rep["groups"]["heldout"]["unanswerable"]["abstention_recall"] == 1.0
    assert rep["groups"]["dev"]["topic"]["citation_precision"] == 1.0
    md = ea.format_markdown(rep)
    assert "| heldout | followup | 1 | 1 | 1.00 |" in md and "| all | **all** | 3 | 3 |" in md
    json.dumps(rep)  # --json must be serialisable


# ---------------------------------------------------------------- on the real index


@pytest.mark.integration
def test_harness_on_the_real_index(items, real_retriever):
    """A few items through the real adapter; the numbers themselves are the
    baseline in eval/README.md, not asserted here."""
    picked = [it for it in items if it.id in ("t01", "c01", "f02", "u01")]
    assert len(picked) == 4
    rep = ea.evaluate(picked, ea.AssistantContext(real_retriever))
    outcomes = {o["id"]: o for o in rep["items"]}
    assert set(outcomes) == {"t01", "c01", "f02", "u01"}
    ids = {p.stem for p in CORPUS.glob("*.txt")}
    for o in outcomes.values():
        assert set(o["cited"]) <= ids
    assert outcomes["u01"]["abstained"], "a nämnd with no document here (Socialnämnden) must be refused"
    assert outcomes["t01"]["passed"], outcomes["t01"]["reasons"]  # Spånga-Tensta on ordningsvakter, 000 s. 4
    assert "| **all** |" in ea.format_markdown(rep)


@pytest.mark.parametrize("name, folders", [("answers.jsonl", ["corpus", "eval/unseen"]),
                                           ("xb/answers.jsonl", ["corpus", "eval/unseen", "eval/unseen/xb"]),
                                           ("xc/answers.jsonl", ["corpus", "eval/unseen", "eval/unseen/xb",
                                                                 "eval/unseen/xc"]),
                                           ("xd/answers.jsonl", ["corpus", "eval/unseen", "eval/unseen/xb",
                                                                 "eval/unseen/xc", "eval/unseen/xd"]),
                                           ("xe/answers.jsonl", ["corpus", "eval/unseen", "eval/unseen/xb",
                                                                 "eval/unseen/xc", "eval/unseen/xd",
                                                                 "eval/unseen/xe"])])
def test_the_unseen_sets_are_valid_over_their_own_corpora(tmp_path, name, folders):
    # eval/unseen/run.sh scores them over the seed corpus plus the unseen documents (eight, eleven, fourteen,
    # seventeen, twenty)
    for folder in folders:
        for p in (ROOT / folder).iterdir():
            if p.suffix in (".txt", ".pdf", ".docx"):
                (tmp_path / p.name).write_bytes(p.read_bytes())
    items = ea.load_items(ROOT / "eval" / "unseen" / name, corpus_dir=tmp_path)
    assert len(items) == 60 and {it.split for it in items} == set(ea.SPLITS)
    assert len({it.type for it in items}) == len(ea.TYPES)
