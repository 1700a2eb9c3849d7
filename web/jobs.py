"""Background jobs: durable rows, run by an executor (this server's threads, or Ray).

Every render stage, refine, timeline edit and export the studio starts is a job. The row
(``storage.Job``) carries its state, the stage it works on, progress, the latest message,
attempts, the error and its owner, so a page that reloads — or a server that restarted —
finds it where it was.

Several servers may share one database. Each server's runner has an id (``host:pid:nonce``)
written on the jobs it holds, and beats their heart every few seconds. A job whose runner
stopped beating (its server died) is marked failed with how to resume — by the next server
that starts on this host, at once when that runner's process is gone, or by any server once
the heartbeat is ``job_stale_s`` old. The agent's checkpoints keep everything finished before.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from concurrent.futures import Future
from datetime import timedelta
from typing import Any

from sqlalchemy import CursorResult, or_, update

from agent.studio import Studio
from storage import Job, Project, create_job
from storage.models import utcnow
from web.adapters import project_adapter
from web.config import WebSettings
from web.errors import ConflictError
from web.executors import Executor, LocalExecutor
from web.running import Work

logger = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
INTERRUPTED = "the server stopped while this ran; press Resume to go on from the last finished step"
HEARTBEAT_EVERY = 5.0  # seconds


class JobRunner:
    """Queues jobs (one per project at a time) and hands them to an executor."""

    def __init__(
        self, studio: Studio, executor: Executor | None = None, *, web: WebSettings | None = None
    ) -> None:
        self.studio = studio
        self.web = web or WebSettings()
        self.executor = executor or LocalExecutor(studio, workers=self.web.workers)
        self.runner_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._futures: dict[int, Future[str]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._heart = threading.Thread(target=self._beat, name="storybeat-jobs", daemon=True)
        self._heart.start()

    def recover(self) -> int:
        """Mark jobs whose server is gone as failed; how many.

        Gone: a runner on this host whose process has exited (or that was this process before
        a restart), or any runner silent for ``job_stale_s``.
        """
        host = socket.gethostname()
        stale_before = utcnow() - timedelta(seconds=self.web.job_stale_s)
        with self.studio.db.session() as session:
            active = session.query(Job).filter(Job.state.in_(ACTIVE)).all()
            lost = [
                job
                for job in active
                if job.runner != self.runner_id
                and (
                    _gone_from(host, job.runner)
                    or job.heartbeat_at is None
                    or job.heartbeat_at < stale_before
                )
            ]
            for job in lost:
                job.state, job.error, job.updated_at = "failed", INTERRUPTED, utcnow()
        if lost:
            logger.warning("%d job(s) were interrupted by a server stop", len(lost))
        return len(lost)

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
                project = session.get(Project, project_id, with_for_update=True)
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
            job.runner, job.heartbeat_at = self.runner_id, utcnow()
            job_id = job.id
        future = self.executor.start(job_id, work, adapter)
        self._futures[job_id] = future
        future.add_done_callback(lambda done: self._forget(job_id, done))
        return job_id

    def _forget(self, job_id: int, future: Future[str]) -> None:
        """A long-running server drops finished futures (the job row keeps the outcome); one
        whose thread died of an uncaught BaseException is kept so ``wait`` re-raises it."""
        if future.cancelled() or future.exception() is None:
            self._futures.pop(job_id, None)

    def cancel(self, job_id: int) -> None:
        """Ask a job to stop at its next step (between images or clips), wherever it runs."""
        with self.studio.db.session() as session:
            session.execute(update(Job).where(Job.id == job_id).values(cancel_requested=True))

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until the job has finished (tests and the demo use this)."""
        future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout)

    def shutdown(self) -> None:
        """Stop taking work; running jobs are asked to cancel."""
        self._stop.set()
        held = list(self._futures)  # running here: asked to stop like a Cancel
        if held:
            with self.studio.db.session() as session:
                session.execute(update(Job).where(Job.id.in_(held)).values(cancel_requested=True))
        self.executor.shutdown()

    def _beat(self) -> None:
        """Say this runner's jobs are in hand, and mark those of silent runners."""
        while not self._stop.wait(HEARTBEAT_EVERY):
            try:
                with self.studio.db.session() as session:
                    session.execute(
                        update(Job)
                        .where(Job.runner == self.runner_id, Job.state.in_(ACTIVE))
                        .values(heartbeat_at=utcnow())
                    )
                self._mark_silent()
            except Exception:  # the database is away for a moment: beat again next time
                logger.warning("job heartbeat failed; retrying", exc_info=True)

    def _mark_silent(self) -> None:
        stale_before = utcnow() - timedelta(seconds=self.web.job_stale_s)
        with self.studio.db.session() as session:
            marked: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(Job)
                .where(
                    Job.state.in_(ACTIVE),
                    or_(Job.runner.is_(None), Job.runner != self.runner_id),
                    or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale_before),
                )
                .values(state="failed", error=INTERRUPTED, updated_at=utcnow())
            )
        if marked.rowcount:
            logger.warning("%d job(s) of a silent server were marked failed", marked.rowcount)


def _gone_from(host: str, runner: str | None) -> bool:
    """Whether ``runner`` (``host:pid:nonce``) ran on ``host`` in a process that has exited,
    or in this process before it was restarted in place."""
    if runner is None:
        return True
    parts = runner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return True  # this process, an earlier runner (an app made again in place)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
