"""Where jobs run: threads of this server (``local``, the default) or a Ray cluster (``ray``).

An executor only runs :func:`web.running.run_job` somewhere and says when it has finished;
the job's row is the record of everything else, so the two behave the same to the studio.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from agent.studio import Studio
from web.adapters import KeptStudios
from web.config import WebSettings
from web.running import Work, run_job


class Executor(Protocol):
    """Runs jobs whose rows exist; the future's result is the state the job ended in."""

    name: str

    def start(self, job_id: int, work: Work, adapter: str | None) -> Future[str]: ...

    def shutdown(self) -> None: ...


class LocalExecutor:
    """A thread pool in this server; adapters stay loaded per thread between jobs."""

    name = "local"

    def __init__(self, studio: Studio, *, workers: int = 1) -> None:
        self.studio = studio
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="storybeat-job")
        self._studios = KeptStudios(studio)

    def start(self, job_id: int, work: Work, adapter: str | None) -> Future[str]:
        return self._pool.submit(run_job, self.studio, job_id, work, adapter, self._studios)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def make_executor(studio: Studio, web: WebSettings) -> Executor:
    """The executor ``web.executor`` names (``STORYBEAT_EXECUTOR``)."""
    if web.executor == "ray":
        from web.ray_executor import RayExecutor

        return RayExecutor(
            studio.settings,
            studio.db,
            address=web.ray_address,
            workers=web.workers,
            gpus_per_worker=web.ray_gpus_per_worker,
        )
    return LocalExecutor(studio, workers=web.workers)
