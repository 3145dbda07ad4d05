"""Abstention trade-off of the extractive answerer on the retrieval set: per
threshold on the calibrated answerability probability (assistant/abstention.yaml),
precision and recall on `none` questions and the share of answerable questions
wrongly refused."""

from __future__ import annotations

from assistant.answer import answer
from assistant.evidence import calibration


def thresholds() -> list[float]:
    chosen = calibration().threshold
    return sorted({0.0, round(chosen - 0.05, 3), chosen, round(chosen + 0.05, 3), round(chosen + 0.1, 3)})


def abstention_tradeoff(corpus, questions, ths: list[float] | None = None) -> list[dict]:
    """Per threshold: precision and recall of abstaining on `none` questions, and
    the share of answerable questions refused (0.0 = the rules alone)."""
    rows = []
    for th in ths or thresholds():
        tp = fp = fn = 0
        for q in questions:
            abstained = answer(corpus, q.question, abstain_threshold=th).abstained
            none = q.job == "none"
            tp += abstained and none
            fp += abstained and not none
            fn += none and not abstained
        n_none = sum(1 for q in questions if q.job == "none")
        rows.append({"threshold": th, "precision": tp / (tp + fp) if tp + fp else 1.0,
                     "recall": tp / n_none if n_none else 0.0,
                     "false_abstain": fp / (len(questions) - n_none), "tp": tp, "fp": fp, "fn": fn})
    return rows


def abstention_markdown(rows: list[dict], chosen: float | None = None) -> str:
    chosen = calibration().threshold if chosen is None else chosen
    lines = ["## Abstention on `none` questions (assistant, extractive mode)", "",
             "Threshold on the calibrated answerability probability (assistant/abstention.yaml; "
             "`python -m eval.calibrate`). The retrieval set is part of the calibration data.", "",
             "| threshold | precision | recall | answerable wrongly refused | chosen |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['threshold']:g} | {r['precision']:.3f} | {r['recall']:.3f} | {r['false_abstain']:.3f} | "
                     f"{'✓' if r['threshold'] == chosen else ''} |")
    return "\n".join(lines) + "\n"
