"""Background indexing for the app: one worker thread, a queue of jobs, and
a status per file (köad / indexeras / indexerad / fel: …).

Uploads and metadata saves write their file first (fast), then `submit` the
re-index here and reply at once, or after waiting at most a few seconds for
their own job (never behind someone else's: a save while a long ingest runs
replies "köad" immediately). The worker runs one job at a time through the
corpus's `upsert` (the index lock is taken there), so questions keep being
answered from the current index meanwhile. On app start, the app's catch-up
queues the removal (`submit_removal`, through the corpus's `delete`) of
indexed documents whose file left the corpus folder while it was down, then
whatever is in the corpus folder but not (as it is now) in the index, e.g. a
file saved just before a kill.

A job that finds the index lock held by another process past its wait (a long
`yttra ingest` elsewhere) is not a failure: it goes back to the head of the
queue and is tried again after LOCK_RETRY_DELAYS_S (growing delays, bounded
in number); meanwhile its files read "väntar på indexlåset, försöker igen".
Only when every retry met the lock is it reported as failed, with what to do.
No Gradio here.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from index.read import ReadError
from index.store import IndexLockTimeout
from index.types import IngestReport

QUEUED, RUNNING, DONE, FAILED = "köad", "indexeras", "indexerad", "fel"
WAITING = "väntar på indexlåset"  # the index lock was held by another process; the job is retried
REMOVING, REMOVED = "tas bort ur indexet", "borttagen ur indexet"  # catch-up: the file left the corpus folder
# Seconds before each retry of a job that met the index lock held by another
# process (each attempt itself waits for the lock up to index.store's timeout,
# 600 s): 9 attempts in all, after which the job is reported failed.
LOCK_RETRY_DELAYS_S: tuple[float, ...] = (2.0, 5.0, 10.0, 30.0, 60.0, 60.0, 60.0, 60.0)


def is_lock_timeout(e: BaseException) -> bool:
    """Is `e` index.store.ingest_lock giving up on a lock another process holds?"""
    return isinstance(e, IndexLockTimeout)


class IndexLockBusy(RuntimeError):
    """Every attempt of a job met the index lock held by another process; str() says what to do."""


@dataclass
class FileStatus:
    """The latest indexing state of one document (by doc id)."""

    doc_id: str
    state: str
    message: str = ""
    since: float = field(default_factory=time.time)
    source: str = ""  # set for removals: the file the document was indexed from (it is gone)

    def label(self, now: float | None = None) -> str:
        """'köad', 'indexeras (1 min 5 s)', 'indexerad', 'fel: <message>',
        'väntar på indexlåset, försöker igen (försök 2 av 9)', 'borttagen ur indexet (…)'."""
        if self.state == RUNNING:
            s = int((now or time.time()) - self.since)
            return f"{RUNNING} ({s // 60} min {s % 60} s)" if s >= 60 else f"{RUNNING} ({s} s)"
        if self.state in (FAILED, WAITING):
            return f"{self.state}{': ' if self.state == FAILED else ', '}{self.message}"
        if self.state in (REMOVING, REMOVED) and self.message:
            return f"{self.state} ({self.message})"
        return self.state


@dataclass
class Job:
    """Files to (re-)index, or (`remove`) document ids to take out of the index."""

    ticket: int
    paths: list[Path]
    why: str = ""
    remove: dict[str, str] = field(default_factory=dict)  # doc id -> the file it was indexed from
    started: float | None = None  # the first attempt
    finished: float | None = None
    report: IngestReport | None = None
    error: Exception | None = None
    attempts: int = 0
    retry_at: float | None = None  # a retry after the index lock was held: not before this time
    waiting_lock: bool = False  # an attempt met the index lock held by another process
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def doc_ids(self) -> list[str]:
        return [p.stem for p in self.paths] + list(self.remove)

    @property
    def names(self) -> list[str]:
        """The file names of the job, for messages."""
        return [p.name for p in self.paths] + [Path(s).name or d for d, s in self.remove.items()]

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
    upsert), `delete(doc_ids) -> IngestReport` the removals. The worker thread starts on demand and ends when the queue is
    empty, so an idle app holds no thread."""

    def __init__(self, upsert: Callable[[Sequence[Path]], IngestReport],
                 delete: Callable[[Sequence[str]], IngestReport] | None = None):
        self._upsert = upsert
        self._delete = delete
        self._cond = threading.Condition()
        self._jobs: list[Job] = []  # queued, first = next
        self._running: Job | None = None
        self._status: dict[str, FileStatus] = {}
        self._tickets = 0
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ submitting
    def submit(self, paths: Sequence[Path], why: str = "") -> Job:
        """Queue `paths` for indexing; returns the job. A job with the same
        files still in the queue (not started yet, or waiting to retry after
        the index lock) is reused: saving twice queues once, and the next
        attempt indexes the files as they are then."""
        paths = [Path(p) for p in dict.fromkeys(paths)]
        with self._cond:
            for job in self._jobs:
                if job.paths == paths and not job.remove:
                    return job
            self._tickets += 1
            job = Job(self._tickets, paths, why)
            self._jobs.append(job)
            for p in paths:
                self._status[p.stem] = FileStatus(p.stem, QUEUED, why)
            self._start()
            return job

    def submit_removal(self, sources: dict[str, str], why: str = "") -> Job:
        """Queue the removal from the index of these documents (doc id -> the
        file it was indexed from, which is gone); needs `delete`."""
        if self._delete is None:
            raise ValueError("IndexQueue has no delete function / cannot remove documents")
        with self._cond:
            self._tickets += 1
            job = Job(self._tickets, [], why, remove=dict(sources))
            self._jobs.append(job)
            for d, src in job.remove.items():
                self._status[d] = FileStatus(d, QUEUED, why, source=src)
            self._start()
            return job

    def _start(self) -> None:
        """(Holding the condition.) A worker thread, if none runs; wake it."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="yttra-indexer", daemon=True)
            self._thread.start()
        self._cond.notify_all()

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

    def removed(self) -> list[FileStatus]:
        """Documents taken out of the index since start because their file is gone."""
        with self._cond:
            return [st for st in self._status.values() if st.state == REMOVED]

    def summary(self) -> str:
        """One line for the status bar: what runs, what waits for the index
        lock, and how much is queued ('' when idle)."""
        with self._cond:
            run = self._running
            head = self._jobs[0] if self._jobs and self._jobs[0].retry_at is not None else None
            queued = sum(len(j.doc_ids) for j in self._jobs if j is not head)
        if run is None and head is None and not queued:
            return ""

        def names(job: Job) -> str:
            return ", ".join(job.names[:3]) + (" …" if len(job.names) > 3 else "")

        held = f"{WAITING} (en annan indexering, t.ex. `yttra ingest`, håller det), försöker igen"
        parts = []
        if run is not None and run.waiting_lock:
            parts.append(f"{names(run)} {held} (försök {run.attempts})")
        elif run is not None:
            parts.append(f"tar bort {names(run)} ur indexet (filen finns inte längre)" if run.remove
                         else f"indexerar {names(run)}")
        if head is not None:
            parts.append(f"{names(head)} {held} om {max(0, int(round(head.retry_at - time.time())))} s")
        if queued:
            parts.append(f"{queued} fil köad" if queued == 1 else f"{queued} filer köade")
        return "Indexering i bakgrunden: " + "; ".join(parts) + "."

    # ------------------------------------------------------------ the worker
    def _next(self) -> Job | None:
        """(Holding the condition.) The next job to run, waiting out the retry
        delay of the head of the queue; None when the queue is empty."""
        while self._jobs:
            job = self._jobs[0]
            delay = (job.retry_at or 0.0) - time.time()
            if delay <= 0:
                return self._jobs.pop(0)
            self._cond.wait(delay)
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                job = self._next()
                if job is None:
                    self._thread = None
                    self._cond.notify_all()
                    return
                now = time.time()
                job.started = job.started or now
                job.attempts += 1
                job.retry_at, job.error = None, None
                self._running = job
                for d in job.doc_ids:
                    state, src = (REMOVING, job.remove[d]) if d in job.remove else (RUNNING, "")
                    self._status[d] = FileStatus(d, state, job.why, since=now, source=src)
                self._cond.notify_all()
            try:
                job.report = self._delete(list(job.remove)) if job.remove else self._upsert(job.paths)
            except Exception as e:  # noqa: BLE001 - a failed job is its files' status, never the worker's end
                job.error = e
            with self._cond:
                self._running = None
                if job.error is not None and is_lock_timeout(job.error):
                    job.waiting_lock = True
                    if job.attempts <= len(LOCK_RETRY_DELAYS_S):  # back to the head of the queue, later
                        job.retry_at = time.time() + LOCK_RETRY_DELAYS_S[job.attempts - 1]
                        self._jobs.insert(0, job)
                        note = f"försöker igen (försök {job.attempts + 1} av {len(LOCK_RETRY_DELAYS_S) + 1})"
                        for d in job.doc_ids:
                            self._status[d] = FileStatus(d, WAITING, note, source=job.remove.get(d, ""))
                        self._cond.notify_all()
                        continue
                    job.error = IndexLockBusy(
                        f"indexlåset var upptaget vid alla {job.attempts} försök under "
                        f"{_minutes(time.time() - job.started)} – en annan indexering (t.ex. `yttra ingest`) höll "
                        "det; när den är klar: spara igen (utan ändringar) eller kör `yttra ingest`")
                job.finished = time.time()
                failed = job.failures()
                for d in job.doc_ids:
                    src = job.remove.get(d, "")
                    if d in failed:
                        self._status[d] = FileStatus(d, FAILED, failed[d], source=src)
                    elif d in job.remove:
                        self._status[d] = FileStatus(d, REMOVED, job.why, source=src)
                    else:
                        self._status[d] = FileStatus(d, DONE)
                job.done.set()
                self._cond.notify_all()


def _minutes(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60} min {s % 60} s" if s >= 60 else f"{s} s"


def describe_failure(e: Exception) -> str:
    """A job's error for a reply: ReadError's bilingual line, else type + message."""
    if isinstance(e, ReadError):
        return str(e)
    return _one_line(e)
