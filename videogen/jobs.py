"""Run a provider's job to the end: submit, poll with backoff, fetch, conform to the slot."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from videogen.adapter import CancelFn, Job, JobAdapter, JobState
from videogen.conform import conform_clip
from videogen.errors import GenerationCancelled, ProviderError
from videogen.request import ClipRequest

logger = logging.getLogger(__name__)

FIRST_POLL = 2.0  # seconds
MAX_POLL = 15.0


def run_job(
    adapter: JobAdapter,
    request: ClipRequest,
    out_path: Path,
    *,
    cancel: CancelFn | None = None,
    timeout: float = 900.0,
    sleep: Callable[[float], None] = time.sleep,
    first_poll: float = FIRST_POLL,
) -> Path:
    """Make ``request``'s clip with ``adapter`` and write it, conformed, to ``out_path``.

    Polls every ``first_poll`` seconds, backing off to ``MAX_POLL``; ``timeout`` seconds
    after the start (the submit included) the job is cancelled and ProviderError says so; no
    wait between polls runs past that. Cancelling cancels the provider's job too.
    """
    deadline = time.monotonic() + timeout
    job = adapter.submit(request)
    logger.info("%s: job %s submitted", adapter.name, job.id)
    wait = first_poll
    while True:
        if cancel is not None and cancel():
            cancel_quietly(adapter, job)
            raise GenerationCancelled(f"{adapter.name} job {job.id} cancelled")
        if time.monotonic() >= deadline:
            cancel_quietly(adapter, job)
            raise ProviderError(
                f"{adapter.name} job {job.id} did not finish in {timeout:g} s; it was"
                " cancelled. Try again later, or pick another adapter"
            )
        status = adapter.poll(job)
        if status.state is JobState.SUCCEEDED:
            break
        if status.state is JobState.FAILED:
            raise ProviderError(
                f"{adapter.name} job {job.id} failed: {status.error or 'no reason given'}"
            )
        if status.state is JobState.CANCELLED:
            raise ProviderError(f"{adapter.name} job {job.id} was cancelled by the provider")
        sleep(max(min(wait, deadline - time.monotonic()), 0.0))
        wait = min(wait * 1.5, MAX_POLL)
    with tempfile.TemporaryDirectory(prefix="storybeat-job-") as tmp:
        raw = adapter.fetch(job, Path(tmp) / "provider.mp4")
        return conform_clip(raw, request, out_path)


def cancel_quietly(adapter: JobAdapter, job: Job) -> None:
    """Cancel ``job``, logging (not raising) when the provider will not: it is abandoned."""
    try:
        adapter.cancel(job)
    except Exception as exc:  # the job is abandoned either way; say so and go on
        logger.warning("%s: could not cancel job %s: %s", adapter.name, job.id, exc)
