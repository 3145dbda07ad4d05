"""Per-file budgets of read -> OCR repair -> chunk (settings.limits).

One `Budget` per file: `check()` is called between PDF pages, every few
thousand tokens of the repair and per chunked section, and raises
`BudgetError` (a `ReadError`: the file's problem, one bilingual line) once
the time budget is spent; `text()` and `passages()` refuse a file whose size
alone would cost too much, stating the estimated embedding time. The upload
check and ingest both run `index.pipeline._process_file`, so they agree.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from .read import ReadError
from .settings import ChunkSettings, LimitsSettings

_SPACE = re.compile(r"\s+")


class BudgetError(ReadError):
    """A file over one of the per-file budgets (settings.limits)."""


def duration(seconds: float) -> str:
    """'40 s', '3 min', '1 h 45 min' (the same in Swedish and English)."""
    s = max(1, round(seconds))
    if s < 90:
        return f"{s} s"
    m = round(s / 60)
    return f"{m} min" if m < 90 else f"{m // 60} h {m % 60:02d} min"


def embed_estimate(passages: int, limits: LimitsSettings) -> str:
    """Estimated embedding time of `passages` passages, for messages."""
    return duration(passages / limits.embed_passages_per_s)


class Budget:
    def __init__(self, path, limits: LimitsSettings, chunk: ChunkSettings, clock=time.monotonic):
        self.path = Path(path)
        self.limits = limits
        self.chunk = chunk
        self.clock = clock
        self.start = clock()
        self.stage = "läsning / reading"

    def check(self) -> None:
        """Raise BudgetError once the file has used its time budget."""
        spent = self.clock() - self.start
        if spent > self.limits.max_process_s:
            raise BudgetError(
                self.path,
                f"läsning, OCR-reparation och uppdelning tog mer än {self.limits.max_process_s:g} s "
                f"(limits.max_process_s; avbröts under {self.stage.split(' / ')[0]}) – dela upp filen",
                f"reading, OCR repair and chunking took longer than {self.limits.max_process_s:g} s "
                f"(limits.max_process_s; stopped during {self.stage.split(' / ')[-1]}) – split the file")

    def at(self, stage: str) -> None:
        self.stage = stage
        self.check()

    def _too_many(self, n: int, exact: bool) -> BudgetError:
        most = self.limits.max_passages_per_file
        cost, cost_max = embed_estimate(n, self.limits), embed_estimate(most, self.limits)
        sv_n, sv_most = f"{n:,}".replace(",", " "), f"{most:,}".replace(",", " ")
        sv_about, en_about = ("ca", "about") if exact else ("minst", "at least")
        return BudgetError(
            self.path,
            f"filen blir {'' if exact else 'minst '}{sv_n} avsnitt, fler än gränsen {sv_most} per fil "
            f"(limits.max_passages_per_file); inbäddningen skulle ta {sv_about} {cost} (gränsen motsvarar ca "
            f"{cost_max}) och låsa indexet under tiden – dela upp filen",
            f"the file makes {'' if exact else 'at least '}{n:,} passages, more than the limit of {most:,} per file "
            f"(limits.max_passages_per_file); embedding would take {en_about} {cost} (the limit is about "
            f"{cost_max}) and hold the index lock meanwhile – split the file")

    def text(self, text: str) -> None:
        """Refuse text too long to repair and chunk within the memory budget, or
        sure to make too many passages: every passage holds at most chunk.size
        characters and together they cover every non-space character, so
        non-space characters / chunk.size is a lower bound of the passage count."""
        self.check()
        at_least = -(-len(_SPACE.sub("", text)) // self.chunk.size)
        if at_least > self.limits.max_passages_per_file:
            raise self._too_many(at_least, exact=False)  # first: this message states the embedding cost
        if len(text) > self.limits.max_text_chars:
            n, most = f"{len(text):,}", f"{self.limits.max_text_chars:,}"
            raise BudgetError(
                self.path,
                f"filen har {n.replace(',', ' ')} tecken text, gränsen är {most.replace(',', ' ')} per fil "
                f"(limits.max_text_chars) – dela upp filen",
                f"the file has {n} characters of text, the limit is {most} per file (limits.max_text_chars) "
                f"– split it")

    def passages(self, n: int) -> None:
        if n > self.limits.max_passages_per_file:
            raise self._too_many(n, exact=True)
