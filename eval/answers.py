"""Answer-level evaluation on eval/answers.jsonl (issue 8, "Measure").

Each item is a question (or a conversation of 2–3 turns, judged on the last
turn) with checkable expectations on the *answer*, not on retrieval:

    must_cite      doc ids; at least one of them must be cited
    must_not_cite  doc ids that must not be cited
    any_phrase     at least one must occur in the answer text
    all_names      every one must occur in the answer text (list answers)
    must_abstain   the assistant must refuse (Answer.abstained)

Phrases are matched case-insensitively after diacritic folding, dash
normalisation and whitespace collapsing, so "Enskede-Årsta-Vantör" matches
"enskede-arsta-vantors stadsdelsnamnd" and OCR text without å/ä/ö.

The assistant is reached through ONE adapter, `run_question`; everything
else here is independent of the answer API.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from index.textnorm import fold
from index.types import Answer

TYPES = ("topic", "catalogue", "summary", "stance", "change", "phrasing", "followup", "unanswerable")
SPLITS = ("dev", "heldout")
_FIELDS = {"id", "type", "split", "question", "turns", "must_cite", "must_not_cite", "any_phrase", "all_names",
           "must_abstain", "note", "asks"}
_LISTS = ("must_cite", "must_not_cite", "any_phrase", "all_names")


class AnswerSetError(ValueError):
    """The answer set is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    split: str
    turns: tuple[str, ...]  # one question, or a conversation judged on its last turn
    must_cite: tuple[str, ...] = ()
    must_not_cite: tuple[str, ...] = ()
    any_phrase: tuple[str, ...] = ()
    all_names: tuple[str, ...] = ()
    must_abstain: bool = False
    note: str = ""
    asks: str = ""  # for unanswerable items: the question type it imitates (optional)

    @property
    def question(self) -> str:
        return self.turns[-1]


# ---------------------------------------------------------------- loading


def _parse(d: Any, where: str, corpus_ids: set[str] | None) -> Item:
    def bad(msg: str) -> AnswerSetError:
        return AnswerSetError(f"{where}: {msg}")

    if not isinstance(d, dict):
        raise bad("each line must be a JSON object")
    unknown = set(d) - _FIELDS
    if unknown:
        raise bad(f"unknown field(s) {', '.join(sorted(unknown))}; valid: {', '.join(sorted(_FIELDS))}")
    for key in ("id", "type", "split", "must_abstain", "note"):
        if key not in d:
            raise bad(f"missing field {key!r}")
    if not isinstance(d["id"], str) or not d["id"].strip():
        raise bad("'id' must be a non-empty string")
    if d["type"] not in TYPES:
        raise bad(f"unknown type {d['type']!r}; valid: {', '.join(TYPES)}")
    if d["split"] not in SPLITS:
        raise bad(f"unknown split {d['split']!r}; valid: {', '.join(SPLITS)}")
    if ("question" in d) == ("turns" in d):
        raise bad("give exactly one of 'question' (a string) or 'turns' (a list of 2–3 strings)")
    if "question" in d:
        if d["type"] == "followup":
            raise bad("a followup item needs 'turns', not 'question'")
        turns = [d["question"]]
    else:
        turns = d["turns"]
        if not isinstance(turns, list) or not 2 <= len(turns) <= 3:
            raise bad("'turns' must be a list of 2–3 questions")
    if not all(isinstance(t, str) and t.strip() for t in turns):
        raise bad("every question must be a non-empty string")
    lists = {}
    for key in _LISTS:
        v = d.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            raise bad(f"'{key}' must be a list of non-empty strings")
        lists[key] = tuple(v)
    if not isinstance(d["must_abstain"], bool):
        raise bad("'must_abstain' must be true or false")
    if not isinstance(d["note"], str) or not d["note"].strip():
        raise bad("'note' must say why (and where in the document) the expectations hold")
    if d["must_abstain"]:
        if any(lists[k] for k in _LISTS):
            raise bad("an item that must abstain has no citation or phrase expectations")
    elif not (lists["must_cite"] or lists["any_phrase"] or lists["all_names"]):
        raise bad("an answerable item needs must_cite, any_phrase or all_names")
    if d["type"] == "unanswerable" and not d["must_abstain"]:
        raise bad("type 'unanswerable' requires must_abstain: true")
    if d.get("asks", "") and d["asks"] not in TYPES:
        raise bad(f"unknown 'asks' {d['asks']!r}; valid: {', '.join(TYPES)}")
    if set(lists["must_cite"]) & set(lists["must_not_cite"]):
        raise bad("a doc id is both in must_cite and must_not_cite")
    if corpus_ids is not None:
        for key in ("must_cite", "must_not_cite"):
            missing = [x for x in lists[key] if x not in corpus_ids]
            if missing:
                raise bad(f"{key}: no such document {', '.join(missing)} in the corpus")
    return Item(d["id"], d["type"], d["split"], tuple(t.strip() for t in turns), must_abstain=d["must_abstain"],
                note=d["note"], asks=d.get("asks", ""), **lists)


def load_items(path: Path, corpus_dir: Path | None = None) -> list[Item]:
    """Parse and validate the JSONL set; any problem raises AnswerSetError
    naming the line. With `corpus_dir`, every cited doc id must be a file there."""
    path = Path(path)
    corpus_ids = None
    if corpus_dir is not None:
        corpus_ids = {p.stem for p in Path(corpus_dir).iterdir() if p.is_file() and p.suffix in (".txt", ".pdf", ".docx")}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise AnswerSetError(f"cannot read {path}: {e}") from None
    items, seen = [], {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            raise AnswerSetError(f"{where}: not valid JSON ({e.msg})") from None
        item = _parse(d, where + (f" ({d['id']})" if isinstance(d, dict) and isinstance(d.get("id"), str) else ""),
                      corpus_ids)
        if item.id in seen:
            raise AnswerSetError(f"{where}: duplicate id {item.id!r} (first on line {seen[item.id]})")
        seen[item.id] = n
        items.append(item)
    if not items:
        raise AnswerSetError(f"{path}: no items")
    return items


# ---------------------------------------------------------------- the adapter


@dataclass
class AssistantContext:
    """What the adapter needs to answer: the Corpus and an optional LLM client."""

    corpus: Any
    llm: Any = None


def run_question(ctx: AssistantContext, turns: list[str] | tuple[str, ...]) -> Answer:
    """The one place the harness calls the assistant: earlier turns are the history."""
    from assistant.answer import answer

    *history, question = turns
    return answer(ctx.corpus, question, history=list(history) or None, llm=ctx.llm)


# ---------------------------------------------------------------- scoring

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_WS = re.compile(r"\s+")


def norm(text: str) -> str:
    """Lower-case, diacritics folded, dashes unified, whitespace collapsed."""
    return _WS.sub(" ", _DASHES.sub("-", fold(text or ""))).strip()


def contains(text: str, phrase: str) -> bool:
    return norm(phrase) in norm(text)


@dataclass
class Outcome:
    id: str
    type: str
    split: str
    passed: bool
    must_abstain: bool
    abstained: bool
    cited: list[str]  # doc id per citation, in order
    precise: int | None = None  # citations whose doc is in must_cite (None when must_cite is empty)
    reasons: list[str] = field(default_factory=list)
    seconds: float = 0.0


def score(item: Item, ans: Answer) -> Outcome:
    """Pass/fail of one answer against the item's expectations, with the reasons it failed."""
    cited = [c.chunk.doc_id for c in ans.citations]
    reasons: list[str] = []
    if item.must_abstain:
        if not ans.abstained:
            reasons.append("answered, should abstain")
    elif ans.abstained:
        reasons.append("abstained, should answer")
    else:
        if item.must_cite and not set(cited) & set(item.must_cite):
            reasons.append(f"cites none of {', '.join(item.must_cite)}")
        wrong = sorted(set(cited) & set(item.must_not_cite))
        if wrong:
            reasons.append(f"cites {', '.join(wrong)}, must not")
        if item.any_phrase and not any(contains(ans.text, p) for p in item.any_phrase):
            reasons.append("none of the phrases: " + " | ".join(item.any_phrase))
        missing = [p for p in item.all_names if not contains(ans.text, p)]
        if missing:
            reasons.append("missing names: " + ", ".join(missing))
    precise = sum(1 for d in cited if d in item.must_cite) if item.must_cite and not ans.abstained else None
    return Outcome(item.id, item.type, item.split, not reasons, item.must_abstain, bool(ans.abstained), cited,
                   precise, reasons)


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def aggregate(outcomes: list[Outcome]) -> dict:
    """pass rate, abstention recall (unanswerable abstained), abstention precision,
    false refusals (answerable abstained) and citation precision (micro, over the
    answered items that give must_cite)."""
    unans = [o for o in outcomes if o.must_abstain]
    ans = [o for o in outcomes if not o.must_abstain]
    abstained = [o for o in outcomes if o.abstained]
    with_cite = [o for o in outcomes if o.precise is not None]
    n_cit = sum(len(o.cited) for o in with_cite)
    return {"n": len(outcomes), "passed": sum(o.passed for o in outcomes),
            "pass_rate": _ratio(sum(o.passed for o in outcomes), len(outcomes)),
            "n_unanswerable": len(unans),
            "abstention_recall": _ratio(sum(o.abstained for o in unans), len(unans)),
            "abstention_precision": _ratio(sum(o.must_abstain for o in abstained), len(abstained)),
            "n_answerable": len(ans),
            "false_refusals": _ratio(sum(o.abstained for o in ans), len(ans)),
            "citation_precision": _ratio(sum(o.precise for o in with_cite), n_cit)}


def evaluate(items: Iterable[Item], ctx: AssistantContext,
             adapter: Callable[[AssistantContext, tuple[str, ...]], Answer] = run_question) -> dict:
    """Run every item through the adapter and aggregate per split and type."""
    outcomes = []
    for it in items:
        t = time.perf_counter()
        a = adapter(ctx, it.turns)
        o = score(it, a)
        o.seconds = time.perf_counter() - t
        outcomes.append(o)
    return report(outcomes)


def report(outcomes: list[Outcome]) -> dict:
    splits = [s for s in SPLITS if any(o.split == s for o in outcomes)]
    groups: dict[str, dict[str, dict]] = {}
    for sp in [*splits, "all"] if len(splits) > 1 else splits:
        rows = [o for o in outcomes if sp == "all" or o.split == sp]
        groups[sp] = {t: aggregate([o for o in rows if o.type == t]) for t in TYPES if any(o.type == t for o in rows)}
        groups[sp]["all"] = aggregate(rows)
    times = sorted(o.seconds for o in outcomes)
    latency = {"p50_s": times[len(times) // 2], "p95_s": times[max(0, -(-len(times) * 95 // 100) - 1)]} if times else {}
    return {"groups": groups, "latency": latency, "items": [asdict(o) for o in outcomes]}


def _fmt(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def format_markdown(rep: dict, title: str = "Answer-level eval") -> str:
    """One Markdown table: per split, per type, then the split's total."""
    lines = [f"## {title}", "",
             "| split | type | n | pass | pass rate | abst. recall | abst. precision | false refusals | cit. precision |",
             "|---|---|---|---|---|---|---|---|---|"]
    for sp, by_type in rep["groups"].items():
        for t, a in by_type.items():
            name = f"**{t}**" if t == "all" else t
            lines.append(f"| {sp} | {name} | {a['n']} | {a['passed']} | {_fmt(a['pass_rate'])} | "
                         f"{_fmt(a['abstention_recall'])} | {_fmt(a['abstention_precision'])} | "
                         f"{_fmt(a['false_refusals'])} | {_fmt(a['citation_precision'])} |")
    lat = rep.get("latency") or {}
    if lat:
        lines += ["", f"Latency per item (answer incl. retrieval): p50 {lat['p50_s']:.2f} s, p95 {lat['p95_s']:.2f} s"]
    return "\n".join(lines) + "\n"
