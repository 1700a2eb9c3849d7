"""The Ray executor (``STORYBEAT_EXECUTOR=ray``): jobs run on workers of a Ray cluster.

Each worker is a Ray actor that opens the studio once — database, media store, image engine —
and keeps every video adapter it has built, so a model loaded on a GPU stays loaded between
jobs. A worker runs one job at a time and holds ``gpus_per_worker`` GPUs. Workers write the
job's row themselves (progress, outcome), so every machine needs the same database
(PostgreSQL for more than one machine) and the same data dir (a shared media store).

A worker that dies mid-job (its process killed, its machine lost) is restarted by Ray for
later jobs; the job it held is marked failed with how to resume — never run twice behind
the user's back, since the agent's checkpoints let Resume go on from the last finished step.
"""

from __future__ import annotations

import itertools
import logging
import threading
from concurrent.futures import Future
from typing import Any

from agent.config import Settings
from storage import Database, Job
from storage.models import utcnow
from web.errors import WebError
from web.running import Work

logger = logging.getLogger(__name__)

WORKER_LOST = (
    "the worker running this job stopped ({reason}); press Resume to go on from the last"
    " finished step"
)


RESUBMIT_TRIES = 20  # a job the worker never started is sent again, this many times at most
RESUBMIT_WAIT = 1.0  # seconds between those tries (a restarting worker takes a few)


class RayUnavailableError(WebError):
    """Ray is not installed, or its cluster cannot be reached."""


class StudioWorker:
    """One Ray actor: a studio opened once, adapters kept, one job at a time."""

    def __init__(self, settings: Settings) -> None:
        from agent.studio import open_studio
        from web.adapters import KeptStudios

        self.studio = open_studio(settings)
        self.studios = KeptStudios(self.studio)

    def run(self, job_id: int, work: Work, adapter: str | None) -> str:
        from web.running import run_job

        return run_job(self.studio, job_id, work, adapter, self.studios)

    def loaded(self) -> list[str]:
        """The adapters this worker holds (tests, and ``storybeat doctor`` one day)."""
        return self.studios.names()


class RayExecutor:
    """Jobs go to a pool of :class:`StudioWorker` actors, to the one with the fewest queued."""

    name = "ray"

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        address: str | None = None,
        workers: int = 1,
        gpus_per_worker: float = 0.0,
    ) -> None:
        try:
            import ray
        except ImportError:
            raise RayUnavailableError(
                "STORYBEAT_EXECUTOR=ray needs Ray: pip install 'storybeat[ray]'"
            ) from None
        self._ray = ray
        self.settings = settings
        self.db = db
        if not ray.is_initialized():
            try:
                ray.init(
                    address=address or None,
                    include_dashboard=False,
                    log_to_driver=False,
                    configure_logging=False,
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise RayUnavailableError(
                    f"cannot join the Ray cluster at RAY_ADDRESS={address!r}: {exc}; start it"
                    " with `ray start --head` or unset RAY_ADDRESS for a local one. A cluster"
                    " with token authentication needs RAY_AUTH_MODE=token and its RAY_AUTH_TOKEN"
                    " in the server's environment when it starts"
                ) from None
        actor = ray.remote(num_cpus=1, num_gpus=gpus_per_worker, max_restarts=-1)(StudioWorker)
        self.workers: list[Any] = [actor.remote(settings) for _ in range(workers)]
        self._queued = [0] * workers
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def start(self, job_id: int, work: Work, adapter: str | None) -> Future[str]:
        done: Future[str] = Future()
        self._dispatch(job_id, work, adapter, done, RESUBMIT_TRIES)
        return done

    def _dispatch(
        self, job_id: int, work: Work, adapter: str | None, done: Future[str], tries: int
    ) -> None:
        with self._lock:
            fewest = min(self._queued)
            candidates = [i for i, n in enumerate(self._queued) if n == fewest]
            index = candidates[next(self._turn) % len(candidates)]
            self._queued[index] += 1
        ref = self.workers[index].run.remote(job_id, work, adapter)

        def finished(ray_future: Future[str]) -> None:
            with self._lock:
                self._queued[index] -= 1
            try:
                done.set_result(ray_future.result())
                return
            except Exception as exc:  # the worker died, is restarting, or never got the job
                reason = _reason(exc)
            if tries > 1 and self._never_started(job_id):
                # a job still queued never ran (run_job marks it running first): send it again
                # once the worker is back, so it runs exactly once
                logger.info("job %d: worker unavailable (%s); sending it again", job_id, reason)
                timer = threading.Timer(
                    RESUBMIT_WAIT, self._dispatch, (job_id, work, adapter, done, tries - 1)
                )
                timer.daemon = True
                timer.start()
                return
            logger.warning("job %d: Ray worker failed: %s", job_id, reason)
            self._mark_lost(job_id, reason)
            done.set_result("failed")

        ref.future().add_done_callback(finished)

    def _never_started(self, job_id: int) -> bool:
        with self.db.session() as session:
            job = session.get(Job, job_id)
            return job is not None and job.state == "queued"

    def _mark_lost(self, job_id: int, reason: str) -> None:
        """The job row says what happened, unless the job had already finished."""
        with self.db.session() as session:
            job = session.get(Job, job_id)
            if job is not None and job.state in ("queued", "running"):
                job.state = "failed"
                job.error = WORKER_LOST.format(reason=reason)
                job.updated_at = utcnow()

    def shutdown(self) -> None:
        for worker in self.workers:
            self._ray.kill(worker, no_restart=True)
        self.workers = []


def _reason(exc: BaseException) -> str:
    """A one-line reason from Ray's long error text."""
    first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
    return " ".join(first.split())[:300]
