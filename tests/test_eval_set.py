"""Validates eval/questions.jsonl against the corpus.

Gold labels are short verbatim phrases of the source files, matched after
collapsing every whitespace run to one space, so they do not depend on how the
index chunks the documents or which model answers.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
CORPUS = ROOT / "corpus"
JOBS = {"program", "precedent", "compare", "none"}
OCR_DOC = "001_2da92ff9d07e789e"  # OCR output that lost å/ä/ö


def _collapse(s: str) -> str:
    return re.sub(r"\s+", " ", s)


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    rows = []
    for n, line in enumerate(QUESTIONS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:  # pragma: no cover - failure path
            pytest.fail(f"line {n} does not parse: {e}")
    return rows


@pytest.fixture(scope="module")
def docs() -> dict[str, str]:
    return {p.stem: _collapse(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.txt")}


def test_fields_and_unique_ids(questions):
    ids = [q["id"] for q in questions]
    dupes = [i for i, c in Counter(ids).items() if c > 1]
    assert not dupes, f"duplicate ids: {dupes}"
    for q in questions:
        assert isinstance(q.get("question"), str) and q["question"].strip(), q["id"]
        assert isinstance(q.get("paraphrase"), bool), q["id"]
        assert isinstance(q.get("gold"), list), q["id"]
        assert q["job"] in JOBS, f"{q['id']}: bad job {q['job']!r}"


def test_gold_presence_matches_job(questions):
    for q in questions:
        if q["job"] == "none":
            assert q["gold"] == [], f"{q['id']}: 'none' must have empty gold"
        else:
            assert q["gold"], f"{q['id']}: {q['job']} needs gold"


def test_gold_phrases_occur_in_their_documents(questions, docs):
    missing = []
    for q in questions:
        for g in q["gold"]:
            doc = docs.get(g["doc_id"])
            assert doc is not None, f"{q['id']}: no corpus/{g['doc_id']}.txt"
            phrase = _collapse(g["phrase"]).strip()
            assert phrase, f"{q['id']}: empty phrase"
            if phrase not in doc:
                missing.append((q["id"], g["doc_id"], phrase))
    assert not missing, "phrases not found verbatim:\n" + "\n".join(map(str, missing))


def test_counts(questions):
    jobs = Counter(q["job"] for q in questions)
    assert len(questions) >= 100
    assert jobs["none"] >= 15
    assert sum(q["paraphrase"] for q in questions) * 3 >= len(questions)
    on_ocr = sum(g["doc_id"] == OCR_DOC for q in questions for g in q["gold"])
    assert on_ocr >= 10, f"only {on_ocr} gold entries on the OCR-damaged document"
