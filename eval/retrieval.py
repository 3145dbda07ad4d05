"""Retrieval evaluation on eval/questions.jsonl (moved here from index/evaluate.py).

Gold labels are (doc_id, verbatim phrase) pairs, resolved to character spans
of the original source text, so they do not depend on chunking or model: a
hit is relevant when it is from the gold document and covers the middle of
the gold span. Metrics per configuration and job: recall@k, MRR@10, nDCG@10,
char-budget recall (gold inside the first N characters of the concatenated
ranked passages, the chunk-size-neutral measure) and compare-coverage.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from index.types import Hit

KS = (1, 3, 5, 10)
JOBS = ("program", "precedent", "compare", "none")


@dataclass(frozen=True)
class Gold:
    doc_id: str
    phrase: str
    spans: tuple[tuple[int, int], ...] = ()  # every occurrence in the source text


@dataclass
class Question:
    id: str
    job: str
    question: str
    paraphrase: bool
    gold: list[Gold] = field(default_factory=list)


def phrase_spans(text: str, phrase: str) -> tuple[tuple[int, int], ...]:
    """Spans of every occurrence of `phrase` in `text`, any whitespace run
    matching any whitespace run (summaries often repeat the body verbatim)."""
    words = phrase.split()
    if not words:
        return ()
    pattern = r"\s+".join(re.escape(w) for w in words)
    return tuple((m.start(), m.end()) for m in re.finditer(pattern, text))


def load_questions(path: Path, corpus_dir: Path) -> list[Question]:
    """Parse the JSONL set and resolve every gold phrase to a span; a phrase
    that cannot be found is an error naming the question."""
    texts: dict[str, str] = {}
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        d = json.loads(line)
        golds = []
        for g in d.get("gold", []):
            if g["doc_id"] not in texts:
                texts[g["doc_id"]] = (Path(corpus_dir) / f"{g['doc_id']}.txt").read_text(encoding="utf-8")
            spans = phrase_spans(texts[g["doc_id"]], g["phrase"])
            if not spans:
                raise ValueError(f"{path}:{n} ({d['id']}): gold phrase not found in {g['doc_id']}: {g['phrase']!r}")
            golds.append(Gold(g["doc_id"], g["phrase"], spans))
        out.append(Question(d["id"], d["job"], d["question"], bool(d.get("paraphrase")), golds))
    return out


def covering_span(hit: Hit, g: Gold) -> tuple[int, int] | None:
    """The gold occurrence whose middle lies inside the hit's source span."""
    c = hit.chunk
    if c.doc_id != g.doc_id:
        return None
    return next(((a, b) for a, b in g.spans if c.start <= (a + b) // 2 < c.end), None)


def covers(hit: Hit, g: Gold) -> bool:
    return covering_span(hit, g) is not None


def judge(q: Question, hits: list[Hit], budget: int = 2000) -> dict:
    """Per-question outcome: rank of each gold entry's first covering hit, and
    whether some gold ends within the first `budget` characters of the
    concatenated passages."""
    ranks = []
    for g in q.gold:
        ranks.append(next((h.rank for h in hits if covers(h, g)), None))
    in_budget = False
    used = 0
    for h in hits:
        c = h.chunk
        for g in q.gold:
            span = covering_span(h, g)
            if span and used + max(0, min(span[1], c.end) - c.start) <= budget:
                in_budget = True
        used += len(c.text) + 1
        if used > budget or in_budget:
            break
    first = min((r for r in ranks if r), default=None)
    return {"id": q.id, "job": q.job, "paraphrase": q.paraphrase, "gold_ranks": ranks,
            "first": first, "budget_hit": in_budget,
            "top_doc": hits[0].chunk.doc_id if hits else None,
            "top_score": hits[0].score if hits else None}


def _ndcg(ranks: list[int | None], n_gold: int, k: int = 10) -> float:
    dcg = sum(1 / math.log2(r + 1) for r in set(r for r in ranks if r and r <= k))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(n_gold, k)))
    return dcg / ideal if ideal else 0.0


def aggregate(rows: list[dict]) -> dict:
    """Averages over answerable questions (none-questions excluded)."""
    rows = [r for r in rows if r["job"] != "none"]
    n = len(rows)
    if not n:
        return {"n": 0}
    out: dict = {"n": n}
    for k in KS:
        out[f"R@{k}"] = sum(1 for r in rows if r["first"] and r["first"] <= k) / n
    out["MRR@10"] = sum(1 / r["first"] for r in rows if r["first"] and r["first"] <= 10) / n
    out["nDCG@10"] = sum(_ndcg(r["gold_ranks"], len(r["gold_ranks"])) for r in rows) / n
    out["R@2000ch"] = sum(1 for r in rows if r["budget_hit"]) / n
    cov = [sum(1 for x in r["gold_ranks"] if x and x <= 10) / len(r["gold_ranks"]) for r in rows if r["job"] == "compare"]
    if cov:
        out["cover@10"] = sum(cov) / len(cov)
    return out


def run(search: Callable[[str], list[Hit]], questions: Iterable[Question], budget: int = 2000) -> dict:
    """Run every question through `search` (which returns ranked hits, k>=10)."""
    rows, times = [], []
    for q in questions:
        t = time.perf_counter()
        hits = search(q.question)
        times.append(time.perf_counter() - t)
        rows.append(judge(q, hits, budget))
    by_job = {job: aggregate([r for r in rows if r["job"] == job]) for job in JOBS if job != "none"}
    by_job["paraphrase"] = aggregate([r for r in rows if r["paraphrase"]])
    times.sort()
    return {"all": aggregate(rows), "by_job": by_job, "rows": rows,
            "latency_ms": {"p50": 1000 * times[len(times) // 2] if times else 0,
                           "p95": 1000 * times[int(len(times) * 0.95) - 1] if times else 0}}


COLUMNS = ("n", "R@1", "R@3", "R@5", "R@10", "MRR@10", "nDCG@10", "R@2000ch", "cover@10")


def format_table(results: dict[str, dict]) -> str:
    """Markdown table: one row per configuration (overall) and per job."""
    head = "| config | slice | " + " | ".join(COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    for name, res in results.items():
        for slice_name, agg in [("all", res["all"]), *res["by_job"].items()]:
            cells = []
            for col in COLUMNS:
                v = agg.get(col)
                cells.append("" if v is None else (str(v) if col == "n" else f"{v:.3f}"))
            lines.append(f"| {name} | {slice_name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
