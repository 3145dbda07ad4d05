"""Regression guard: retrieval quality on eval/questions.jsonl must not drop
below floors set from the measured numbers (hybrid at the default settings:
MRR@10 0.610, R@10 0.873, R@2000ch 0.825 when set). Not a timing test."""

from pathlib import Path

import pytest

from eval import retrieval as ev

pytestmark = pytest.mark.integration

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "questions.jsonl"
FLOORS = {"MRR@10": 0.58, "R@10": 0.84, "R@2000ch": 0.79, "nDCG@10": 0.58}


@pytest.fixture(scope="module")
def results(real_retriever, real_settings):
    qs = ev.load_questions(QUESTIONS, real_settings.corpus_dir)
    return {m: ev.run(lambda q, m=m: real_retriever.search(q, k=10, mode=m), qs)["all"]
            for m in ("dense", "bm25", "hybrid")}


def test_hybrid_stays_above_floors(results):
    for metric, floor in FLOORS.items():
        assert results["hybrid"][metric] >= floor, (metric, results["hybrid"][metric])


def test_hybrid_beats_both_halves(results):
    for metric in ("MRR@10", "R@10", "R@2000ch"):
        assert results["hybrid"][metric] > results["dense"][metric], metric
        assert results["hybrid"][metric] > results["bm25"][metric], metric
