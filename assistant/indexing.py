"""Background indexing for the app: one worker thread, a queue of jobs, and
a status per file (köad / indexeras / indexerad / fel: …).

Uploads and metadata saves write their file first (fast), then `submit` the
re-index here and reply at once, or after waiting at most a few seconds for
their own job (never behind someone else's: a save while a long ingest runs
replies "köad" immediately). The worker runs one job at a time through the
corpus's `upsert` (the index lock is taken there), so questions keep being
answered from the current index meanwhile. On app start, `catch_up` queues
whatever is in the corpus folder but not (as it is now) in the index, e.g. a
file saved just before a kill. No Gradio here.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from index.read import ReadError
from index.types import IngestReport

QUEUED, RUNNING, DONE, FAILED = "köad", "indexeras", "indexerad", "fel"


@dataclass
class FileStatus:
    """The latest indexing state of one document (by doc id)."""

    doc_id: str
    state: str
    message: str = ""
    since: float = field(default_factory=time.time)

    def label(self, now: float | None = None) -> str:
        """'köad', 'indexeras (1 min 5 s)', 'indexerad', 'fel: <message>'."""
        if self.state == RUNNING:
            s = int((now or time.time()) - self.since)
            return f"{RUNNING} ({s // 60} min {s % 60} s)" if s >= 60 else f"{RUNNING} ({s} s)"
        if self.state == FAILED:
            return f"{FAILED}: {self.message}"
        return self.state


@dataclass
class Job:
    ticket: int
    paths: list[Path]
    why: str = ""
    started: float | None = None
    finished: float | None = None
    report: IngestReport | None = None
    error: Exception | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def doc_ids(self) -> list[str]:
        return [p.stem for p in self.paths]

    def failures(self) -> dict[str, str]:
        """doc id -> message, for the files of this job that were not indexed."""
        if self.error is not None:
            return {d: _one_line(self.error) for d in self.doc_ids}
        return {Path(src).stem: msg for src, msg in (self.report.failed if self.report else [])}


def _one_line(e: Exception) -> str:
    if isinstance(e, OSError) and e.errno and e.strerror:
        return f"{e.strerror} ({type(e).__name__}, errno {e.errno})"
    return " ".join(str(e).split())[:400] or type(e).__name__


class IndexQueue:
    """One background worker indexing submitted files, in submission order.

    `upsert(paths) -> IngestReport` does the work (the app passes its corpus's
    upsert). The worker thread starts on demand and ends when the queue is
    empty, so an idle app holds no thread."""

    def __init__(self, upsert: Callable[[Sequence[Path]], IngestReport]):
        self._upsert = upsert
        self._cond = threading.Condition()
        self._jobs: list[Job] = []  # queued, first = next
        self._running: Job | None = None
        self._status: dict[str, FileStatus] = {}
        self._tickets = 0
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ submitting
    def submit(self, paths: Sequence[Path], why: str = "") -> Job:
        """Queue `paths` for indexing; returns the job. A job with the same
        files that has not started yet is reused (saving twice queues once)."""
        paths = [Path(p) for p in dict.fromkeys(paths)]
        with self._cond:
            for job in self._jobs:
                if job.paths == paths:
                    return job
            self._tickets += 1
            job = Job(self._tickets, paths, why)
            self._jobs.append(job)
            for p in paths:
                self._status[p.stem] = FileStatus(p.stem, QUEUED, why)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="yttra-indexer", daemon=True)
                self._thread.start()
            self._cond.notify_all()
            return job

    def wait(self, job: Job, timeout: float) -> bool:
        """Wait up to `timeout` s for `job` to finish, but not while it waits
        behind another job (that may take hours): True when it is done."""
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            while not job.done.is_set():
                behind = job.started is None and (self._running is not None or
                                                  (self._jobs and self._jobs[0] is not job))
                left = deadline - time.monotonic()
                if behind or left <= 0:
                    return False
                self._cond.wait(min(left, 0.5))
            return True

    def join(self, timeout: float = 600.0) -> bool:
        """Wait until the queue is empty and the worker idle (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._jobs or self._running is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.5))
            return True

    # ------------------------------------------------------------ reading
    def busy(self) -> bool:
        with self._cond:
            return bool(self._jobs) or self._running is not None

    def status(self) -> dict[str, FileStatus]:
        """doc id -> latest FileStatus (documents submitted since start only)."""
        with self._cond:
            return dict(self._status)

    def position(self, job: Job) -> int:
        """Jobs ahead of `job` (the running one included); 0 when it runs or ran."""
        with self._cond:
            if job.started is not None:
                return 0
            ahead = next((i for i, j in enumerate(self._jobs) if j is job), len(self._jobs))
            return ahead + (self._running is not None)

    def summary(self) -> str:
        """One line for the status bar: what runs and how much waits ('' when idle)."""
        with self._cond:
            run, queued = self._running, sum(len(j.paths) for j in self._jobs)
        if run is None and not queued:
            return ""
        parts = []
        if run is not None:
            names = ", ".join(p.name for p in run.paths[:3]) + (" …" if len(run.paths) > 3 else "")
            parts.append(f"indexerar {names}")
        if queued:
            parts.append(f"{queued} fil köad" if queued == 1 else f"{queued} filer köade")
        return "Indexering i bakgrunden: " + "; ".join(parts) + "."

    # ------------------------------------------------------------ the worker
    def _work(self) -> None:
        while True:
            with self._cond:
                if not self._jobs:
                    self._thread = None
                    self._cond.notify_all()
                    return
                job = self._jobs.pop(0)
                job.started = time.time()
                self._running = job
                for d in job.doc_ids:
                    self._status[d] = FileStatus(d, RUNNING, job.why, since=job.started)
                self._cond.notify_all()
            try:
                job.report = self._upsert(job.paths)
            except Exception as e:  # noqa: BLE001 - a failed job is its files' status, never the worker's end
                job.error = e
            with self._cond:
                job.finished = time.time()
                failed = job.failures()
                for d in job.doc_ids:
                    self._status[d] = (FileStatus(d, FAILED, failed[d]) if d in failed
                                       else FileStatus(d, DONE))
                self._running = None
                job.done.set()
                self._cond.notify_all()


def describe_failure(e: Exception) -> str:
    """A job's error for a reply: ReadError's bilingual line, else type + message."""
    if isinstance(e, ReadError):
        return str(e)
    return _one_line(e)
