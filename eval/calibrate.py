"""Calibrate the topic answerer's abstention on development data only.

    .venv/bin/python -m eval.calibrate [--write] [--max-false-refusal 0.05]

    .venv/bin/python -m eval.calibrate --dump rows.json     # keep the collected rows
    .venv/bin/python -m eval.calibrate --rows rows.json     # refit on them (seconds, not minutes)

Training questions: the dev split of eval/answers.jsonl and the retrieval set
eval/questions.jsonl (its `none` questions are unanswerable). The held-out split
of the answer set is never read here. Every question is answered as the app
answers it (`assistant.answer.answer`, follow-ups with their history); each one
whose answer reaches the calibrated model contributes the features of its
evidence (`evidence.Scorer.answerability`, recorded through
`answer.MODEL_TRACE`) and a label (answerable or not). A logistic model (L2,
plain numpy, each weight held to its feature's direction: `SIGNS`) is fitted;
the threshold is the one that gains most, an unanswerable question refused
worth LEAK_COST answerable ones, refusing at most `max_false_refusal` of the
answerable ones. `--write` stores it in assistant/abstention.yaml.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from index.settings import REPO_ROOT, load_settings

FEATURES = ("lex", "z", "missing", "rare_gap", "absent")  # "best" is lex and z combined: left out
# The direction each feature may move answerability: more of the topic's words found (lex) or a closer
# passage (z) never makes a question less answerable; more of its words missing or absent never makes it
# more. The fit keeps each weight on its side (or at 0): the features are correlated, and an unconstrained
# fit on a few hundred questions gave z and absent the wrong sign, so a question whose only topic word
# occurs nowhere was answered *because* its closest passage was far away.
# z is held at 0: a passage's closeness to the question holds the nämnd and document words it asks with, so a
# letterhead line of the nämnd asked about is close to any question of it ('och EAV?' after 'vad säger HL om
# RSA' was answered with EAV's letterhead when z weighed in, no sentence naming RSA).
SIGNS = (1.0, 0.0, -1.0, -1.0, -1.0)


def collect(corpus, items: list[tuple[list[str], bool]]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features and labels (1 = answerable) of the questions that reach the calibrated model, as the
    answer path computes them (follow-ups with what they inherit, the rules before the model applied)."""
    from assistant.answer import MODEL_TRACE, answer

    X, y, qs = [], [], []
    for turns, answerable in items:
        trace: list = []
        token = MODEL_TRACE.set(trace)
        try:
            answer(corpus, turns[-1], history=list(turns[:-1]) or None)
        finally:
            MODEL_TRACE.reset(token)
        if not trace:
            continue  # answered by another answerer, or decided by a rule before the model
        ev = trace[-1]  # (a follow-up may weigh its history's question first)
        X.append([ev.features[f] for f in FEATURES])
        y.append(1.0 if answerable else 0.0)
        qs.append(turns[-1])
    return np.array(X, dtype=float), np.array(y), qs


LEAK_COST = 2  # an unanswerable question answered costs this many answerable ones refused (a wrong answer is worse)


def fit(X: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 20000, lr: float = 0.5) -> tuple[np.ndarray, float]:
    """Logistic regression by gradient descent on standardised features,
    classes weighted to balance; returned in the raw features' units."""
    mu, sd = X.mean(0), X.std(0) + 1e-9
    w, b = _fit((X - mu) / sd, y, l2, steps, lr)
    return w / sd, b - float((w * mu / sd).sum())


def _fit(X: np.ndarray, y: np.ndarray, l2: float, steps: int, lr: float) -> tuple[np.ndarray, float]:
    w, b = np.zeros(X.shape[1]), 0.0
    pos = y.mean() if len(y) else 0.5
    sw = np.where(y == 1, 0.5 / max(pos, 1e-9), 0.5 / max(1 - pos, 1e-9))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(X @ w + b)))
        g = sw * (p - y)
        w -= lr * (X.T @ g / len(y) + l2 * w)
        signs = np.array(SIGNS[:len(w)])
        w = np.where((signs * w < 0) | (signs == 0), 0.0, w)  # projected: each weight keeps its sign (0: held at 0)
        b -= lr * g.mean()
    return w, b


def choose_threshold(p: np.ndarray, y: np.ndarray, max_false_refusal: float) -> tuple[float, dict]:
    """The threshold that gains most (unanswerable questions refused, each worth LEAK_COST, minus answerable
    ones refused) while the false-refusal rate stays within the bound; of equal gains the lower threshold.
    (Maximising recall alone spends the whole bound: one more unanswerable question refused for fifteen
    answerable ones.)"""
    best = (0.0, {"abstain_recall": 0.0, "false_refusal": 0.0})
    best_gain = 0.0
    for th in np.unique(np.concatenate([p, [0.0]])):
        refuse = p < th
        fr = float(refuse[y == 1].mean()) if (y == 1).any() else 0.0
        rec = float(refuse[y == 0].mean()) if (y == 0).any() else 0.0
        gain = LEAK_COST * int(refuse[y == 0].sum()) - int(refuse[y == 1].sum())
        if fr <= max_false_refusal and gain > best_gain:
            best, best_gain = (float(th), {"abstain_recall": rec, "false_refusal": fr}), gain
    return best


def training_items() -> list[tuple[list[str], bool]]:
    items = []
    for line in (REPO_ROOT / "eval" / "answers.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            if d["split"] == "dev":  # never the held-out split
                items.append((d.get("turns") or [d["question"]], not d["must_abstain"]))
    for line in (REPO_ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            items.append(([d["question"]], d["job"] != "none"))
    return items


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="store the fitted model in assistant/abstention.yaml")
    ap.add_argument("--max-false-refusal", type=float, default=0.05)
    ap.add_argument("--show", action="store_true", help="print every question with its probability")
    ap.add_argument("--dump", type=Path, help="write the collected rows (features, label, question) as JSON")
    ap.add_argument("--rows", type=Path, help="fit on the rows an earlier --dump wrote instead of collecting them")
    args = ap.parse_args(argv)
    from index.corpus import open_corpus

    corpus = None if args.rows else open_corpus(load_settings())
    if args.rows:  # the rows of an earlier --dump: refit without answering every question again
        rows = json.loads(args.rows.read_text(encoding="utf-8"))["rows"]
        X, y = np.array([r["x"] for r in rows]), np.array([r["y"] for r in rows])
        qs = [r["question"] for r in rows]
    else:
        X, y, qs = collect(corpus, training_items())
    if args.dump:
        args.dump.write_text(json.dumps({"features": FEATURES, "rows": [
            {"x": list(map(float, x)), "y": float(yi), "question": q} for x, yi, q in zip(X, y, qs)]}, ensure_ascii=False), encoding="utf-8")
    w, b = fit(X, y)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    th, rates = choose_threshold(p, y, args.max_false_refusal)
    print(f"{len(y)} questions reach the topic answerer: {int(y.sum())} answerable, {int(len(y) - y.sum())} not")
    print("weights:", {f: round(float(v), 3) for f, v in zip(FEATURES, w)}, "bias", round(float(b), 3))
    print(f"threshold {th:.3f}: abstains on {rates['abstain_recall']:.2f} of unanswerable, "
          f"refuses {rates['false_refusal']:.2f} of answerable (calibration data)")
    if args.show:
        for q, pi, yi in sorted(zip(qs, p, y), key=lambda t: t[1]):
            print(f"{pi:.2f} {'A' if yi else 'U'} {'REFUSED' if pi < th else '       '} {q}")
    if args.write:
        path = REPO_ROOT / "assistant" / "abstention.yaml"
        weights = ", ".join(f"{f}: {round(float(v), 4)}" for f, v in zip(FEATURES, w))
        path.write_text(
            "# Calibrated abstention for the topic answerer (assistant/evidence.py `Calibration`).\n"
            "# Written by `python -m eval.calibrate --write` from the dev split of eval/answers.jsonl and\n"
            "# eval/questions.jsonl (never the held-out split); do not edit by hand.\n"
            f"# Calibration data: {len(y)} questions, abstains on {rates['abstain_recall']:.2f} of unanswerable,\n"
            f"# refuses {rates['false_refusal']:.2f} of answerable.\n"
            f"weights: {{{weights}}}\nbias: {round(float(b), 4)}\nthreshold: {round(th, 4)}\n", encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
