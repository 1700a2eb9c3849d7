"""Background jobs: long work runs in worker threads, its state lives in job rows.

Every render stage, refine, timeline edit and export the studio starts is a job. The row
(``storage.Job``) carries its state, the stage it works on, progress and the latest message,
so a page that reloads — or a server that restarted — finds it where it was. Work that was
running when the server stopped is marked failed with a message saying how to resume: the
agent's checkpoints keep everything finished before it.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from agent.errors import RenderCancelled
from agent.studio import Studio
from storage import Job, Project, create_job, update_job
from web.adapters import project_adapter, studio_for
from web.errors import ConflictError, status_for

logger = logging.getLogger(__name__)

Work = Callable[[Studio], dict[str, Any] | None]
ACTIVE = ("queued", "running")
INTERRUPTED = "the server stopped while this ran; press Resume to go on from the last finished step"
WRITE_EVERY = 0.3  # seconds between progress writes within one stage


class JobRunner:
    """Runs :data:`Work` on a thread pool, one job per project at a time."""

    def __init__(self, studio: Studio, *, workers: int = 1) -> None:
        self.studio = studio
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="storybeat-job")
        self._cancelled: set[int] = set()
        self._futures: dict[int, Future[None]] = {}
        self._lock = threading.Lock()

    def recover(self) -> int:
        """Mark jobs left queued or running by a stopped server as failed; how many."""
        with self.studio.db.session() as session:
            stale = session.query(Job).filter(Job.state.in_(ACTIVE)).all()
            for job in stale:
                update_job(session, job.id, state="failed", error=INTERRUPTED)
        if stale:
            logger.warning("%d job(s) were interrupted by a server stop", len(stale))
        return len(stale)

    def submit(
        self,
        work: Work,
        *,
        kind: str,
        owner_id: int,
        project_id: str | None = None,
        adapter: str | None = None,
    ) -> int:
        """Queue ``work`` and return its job id; ConflictError if the project has one active.

        The work animates with ``adapter``, else the project's chosen one, else the server's.
        """
        with self._lock, self.studio.db.session() as session:
            if project_id is not None:
                project = session.get(Project, project_id)
                adapter = adapter or project_adapter(project.options if project else None)
                busy = (
                    session.query(Job)
                    .filter(Job.project_id == project_id, Job.state.in_(ACTIVE))
                    .first()
                )
                if busy is not None:
                    raise ConflictError(
                        f"this project is busy with {busy.kind} (job {busy.id}): wait for it to"
                        " finish or cancel it"
                    )
            job = create_job(session, kind=kind, project_id=project_id)
            job.owner_id = owner_id
            job_id = job.id
        future = self._pool.submit(self._run, job_id, work, adapter)
        self._futures[job_id] = future
        future.add_done_callback(lambda done: self._forget(job_id, done))
        return job_id

    def _forget(self, job_id: int, future: Future[None]) -> None:
        """A long-running server drops finished futures (the job row keeps the outcome); one
        whose thread died of an uncaught BaseException is kept so ``wait`` re-raises it."""
        if future.cancelled() or future.exception() is None:
            self._futures.pop(job_id, None)

    def cancel(self, job_id: int) -> None:
        """Ask a job to stop at its next step (between images or clips)."""
        self._cancelled.add(job_id)

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until the job has finished (tests and the demo use this)."""
        future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout)

    def shutdown(self) -> None:
        """Stop taking work; running jobs are asked to cancel."""
        self._cancelled.update(self._futures)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job_id: int, work: Work, adapter: str | None) -> None:
        progress = _ProgressWriter(self.studio, job_id)
        with self.studio.db.session() as session:
            update_job(session, job_id, state="running")
        try:
            base = studio_for(self.studio, adapter)
        except Exception as exc:  # the adapter's key or weights went away since it was chosen
            with self.studio.db.session() as session:
                update_job(session, job_id, state="failed", error=" ".join(str(exc).split()))
            return
        studio = dataclasses.replace(
            base,
            on_progress=progress.stage,
            on_event=progress.event,
            cancel=lambda: job_id in self._cancelled,
            stats={},
            output=None,
        )
        try:
            result = work(studio) or {}
        except RenderCancelled:
            with self.studio.db.session() as session:
                update_job(session, job_id, state="cancelled", error="cancelled")
            return
        except Exception as exc:  # any failure ends the job with its message
            if status_for(exc) >= 500:
                logger.exception("job %d failed", job_id)
            message = " ".join(str(exc).split()) or type(exc).__name__
            with self.studio.db.session() as session:
                update_job(session, job_id, state="failed", error=message)
            return
        finally:
            self._cancelled.discard(job_id)
        with self.studio.db.session() as session:
            job = update_job(session, job_id, state="done")
            job.result = result
            job.message = "done"
            if result.get("project_id") and job.project_id is None:
                job.project_id = result["project_id"]


class _ProgressWriter:
    """The studio's progress callbacks, written to the job row (throttled within a stage)."""

    def __init__(self, studio: Studio, job_id: int) -> None:
        self.studio = studio
        self.job_id = job_id
        self._last: tuple[str, float] = ("", 0.0)

    def stage(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == self._last[0] and done < total and now - self._last[1] < WRITE_EVERY:
            return
        self._last = (stage, now)
        with self.studio.db.session() as session:
            job = update_job(session, self.job_id, progress=min(done / max(total, 1), 1.0))
            job.stage = stage
            job.message = f"{stage}: {done} of {total}"

    def event(self, message: str) -> None:
        with self.studio.db.session() as session:
            job = session.get(Job, self.job_id)
            if job is not None:
                job.message = message[:2000]
