"""Running one job: the same body in a server thread (local executor) or a Ray worker.

The body writes everything about the job to its row — running, progress, the outcome — so it
does not matter which process or machine runs it. Cancel is a flag on the row, read between
steps, so a Cancel pressed on any server reaches a worker anywhere.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from agent.errors import RenderCancelled
from agent.studio import Studio
from storage import DatabaseUnavailableError, Job, update_job
from web.errors import status_for

logger = logging.getLogger(__name__)

Work = Callable[[Studio], dict[str, Any] | None]
StudioFor = Callable[[str | None], Studio]
WRITE_EVERY = 0.3  # seconds between progress writes within one stage
CANCEL_READ_EVERY = 1.0  # seconds between reads of the cancel flag
OUTCOME_RETRIES = (0.5, 1, 2, 4, 8, 16, 30)  # seconds: a job's start and end outlast an outage


def run_job(
    base: Studio, job_id: int, work: Work, adapter: str | None, studio_for: StudioFor
) -> str:
    """Run ``work`` as job ``job_id`` and record how it ended; that state.

    ``studio_for`` gives the studio animating with ``adapter`` (kept loaded by the caller).
    A job cancelled before it started is not run.
    """
    started = _retrying(lambda: _start(base, job_id))
    if started != "running":
        return started
    try:
        studio = studio_for(adapter)
    except Exception as exc:  # the adapter's key or weights went away since it was chosen
        return _finish(base, job_id, "failed", error=_message(exc))
    progress = _ProgressWriter(base, job_id)
    studio = dataclasses.replace(
        studio,
        on_progress=progress.stage,
        on_event=progress.event,
        cancel=CancelFlag(base, job_id),
        stats={},
        output=None,
    )
    try:
        result = work(studio) or {}
    except RenderCancelled:
        return _finish(base, job_id, "cancelled", error="cancelled")
    except Exception as exc:  # any failure ends the job with its message
        if status_for(exc) >= 500:
            logger.exception("job %d failed", job_id)
        return _finish(base, job_id, "failed", error=_message(exc))
    return _finish(base, job_id, "done", result=result)


def _start(studio: Studio, job_id: int) -> str:
    """Mark a queued job running; the state it is in when it may not run."""
    with studio.db.session() as session:
        job = session.get(Job, job_id)
        if job is None or job.state != "queued":
            return job.state if job is not None else "missing"
        if job.cancel_requested:
            update_job(session, job_id, state="cancelled", error="cancelled")
            return "cancelled"
        update_job(session, job_id, state="running")
    return "running"


def _retrying(write: Callable[[], str]) -> str:
    """``write()``, again after each pause of :data:`OUTCOME_RETRIES` while the database is
    unavailable (a PostgreSQL restart): a finished job's outcome is not lost to it."""
    for pause in OUTCOME_RETRIES:
        try:
            return write()
        except DatabaseUnavailableError:
            logger.warning("the database is unavailable; writing the job again in %s s", pause)
            time.sleep(pause)
    return write()


def _message(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _finish(
    studio: Studio,
    job_id: int,
    state: str,
    *,
    error: str | None = None,
    result: dict[str, Any] | None = None,
) -> str:
    def write() -> str:
        with studio.db.session() as session:
            job = update_job(session, job_id, state=state, error=error)
            if result is not None:
                job.result = result
                job.message = "done"
                if result.get("project_id") and job.project_id is None:
                    job.project_id = result["project_id"]
        return state

    return _retrying(write)


class CancelFlag:
    """``studio.cancel``: whether someone pressed Cancel, read from the row (throttled)."""

    def __init__(self, studio: Studio, job_id: int) -> None:
        self.studio = studio
        self.job_id = job_id
        self._read_at = 0.0
        self._set = False
        self._lock = threading.Lock()

    def __call__(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if not self._set and now - self._read_at >= CANCEL_READ_EVERY:
                self._read_at = now
                try:
                    with self.studio.db.session() as session:
                        job = session.get(Job, self.job_id)
                        self._set = job is None or job.cancel_requested
                except DatabaseUnavailableError:  # keep what was last read; ask again later
                    logger.warning("job %d: cannot read its cancel flag now", self.job_id)
            return self._set


class _ProgressWriter:
    """The studio's progress callbacks, written to the job row (throttled within a stage).
    Progress is news, not the outcome: a write the database cannot take now is skipped."""

    def __init__(self, studio: Studio, job_id: int) -> None:
        self.studio = studio
        self.job_id = job_id
        self._last: tuple[str, float] = ("", 0.0)

    def stage(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == self._last[0] and done < total and now - self._last[1] < WRITE_EVERY:
            return
        self._last = (stage, now)
        try:
            with self.studio.db.session() as session:
                job = update_job(session, self.job_id, progress=min(done / max(total, 1), 1.0))
                job.stage = stage
                job.message = f"{stage}: {done} of {total}"
        except DatabaseUnavailableError:
            logger.warning("job %d: progress not written (database unavailable)", self.job_id)

    def event(self, message: str) -> None:
        try:
            with self.studio.db.session() as session:
                job = session.get(Job, self.job_id)
                if job is not None:
                    job.message = message[:2000]
        except DatabaseUnavailableError:
            logger.warning("job %d: progress not written (database unavailable)", self.job_id)
