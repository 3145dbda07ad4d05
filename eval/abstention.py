"""Abstention trade-off of the extractive answerer on the retrieval set
(moved here from assistant/answer.py): per topic-overlap threshold, precision
and recall on `none` questions and the share of answerable questions wrongly
refused."""

from __future__ import annotations

from assistant.answer import MIN_TOPIC_OVERLAP, answer


def abstention_tradeoff(corpus, questions, thresholds=(0.0, MIN_TOPIC_OVERLAP, 0.15, 0.3)) -> list[dict]:
    """Abstention on the eval set per topic-overlap threshold: precision and
    recall on `none` questions, and the share of answerable questions that
    were wrongly refused (0.0 = the rules alone)."""
    rows = []
    for th in thresholds:
        tp = fp = fn = 0
        for q in questions:
            abstained = answer(corpus, q.question, min_topic=th).abstained
            none = q.job == "none"
            tp += abstained and none
            fp += abstained and not none
            fn += none and not abstained
        n_none = sum(1 for q in questions if q.job == "none")
        rows.append({"min_topic": th, "precision": tp / (tp + fp) if tp + fp else 1.0,
                     "recall": tp / n_none if n_none else 0.0,
                     "false_abstain": fp / (len(questions) - n_none), "tp": tp, "fp": fp, "fn": fn})
    return rows


def abstention_markdown(rows: list[dict], chosen: float = MIN_TOPIC_OVERLAP) -> str:
    lines = ["## Abstention on `none` questions (assistant, extractive mode)", "",
             "| min topic overlap | precision | recall | answerable wrongly refused | chosen |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['min_topic']:g} | {r['precision']:.3f} | {r['recall']:.3f} | {r['false_abstain']:.3f} | "
                     f"{'✓' if r['min_topic'] == chosen else ''} |")
    return "\n".join(lines) + "\n"
