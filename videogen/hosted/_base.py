"""What the four hosted adapters share: options, availability, generate, poll, fetch.

A subclass says which provider it is (name, key variables, hosts) and speaks its protocol in
``submit``, ``_poll``, ``_cancel`` and ``_result_url``; ``generate`` runs the job with
:func:`videogen.jobs.run_job`, which conforms the clip to the request.

Time: ``generate`` returns or fails within ``timeout`` seconds, whatever the provider does —
answers slowly, hangs, keeps saying 429/5xx with long Retry-After — plus at most
:data:`CANCEL_LIMIT` seconds to cancel the provider's job; every HTTP request's own time-outs
(``httpx``: 10 s to connect, 90 s between bytes by default) are cut to the time left.
"""

from __future__ import annotations

import abc
import logging
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import httpx

from videogen.adapter import AdapterInfo, CancelFn, Capabilities, Job, JobState, JobStatus
from videogen.errors import ProviderError, VideoGenInputError
from videogen.hosted._http import ProviderHTTP, key_from_env
from videogen.hosted._media import check_clip, closest_aspect
from videogen.hosted._urls import check_base_url
from videogen.jobs import FIRST_POLL, cancel_quietly, run_job
from videogen.request import ClipRequest

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 900.0  # seconds for one clip: submit, waiting, polls, retries and download
CANCEL_LIMIT = 10.0  # seconds a cancel may take, even after the clip's time ran out


class HostedAdapter(abc.ABC):
    """Base of the hosted adapters (see the module docstring).

    Parameters (all keyword-only, shared by every hosted adapter)
    ----------
    timeout : seconds one clip may take, all calls, retries, polls and the download
        included; then the provider's job is cancelled and ProviderError says so.
    first_poll : seconds before the first poll (polls back off to 15 s).
    max_retries, backoff : retries of one call after 429/5xx/time-outs, waiting
        ``backoff * 2**attempt`` seconds (with jitter) or the server's ``Retry-After``.
    base_url, client, sleep : testing hooks: an http://127.0.0.1 server standing in for the
        provider, an ``httpx.Client`` (closed by its owner), and the function that waits.
    """

    name: str
    provider: ClassVar[str]  # e.g. "fal.ai", for messages
    key_envs: ClassVar[tuple[str, ...]]  # environment variables holding the key
    base_urls: ClassVar[tuple[str, ...]]  # documented API roots; the first is the default
    file_hosts: ClassVar[tuple[str, ...]]  # where result clips may be fetched from
    redirects: ClassVar[int] = 0  # redirects followed when fetching the clip
    keyed_download: ClassVar[bool] = False  # the clip's first URL is on the API host, keyed
    all_keys: ClassVar[bool] = False  # every key variable is needed (else any one)
    version: str
    capabilities: Capabilities

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        first_poll: float = FIRST_POLL,
        max_retries: int = 4,
        backoff: float = 1.0,
        base_url: str | None = None,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        for option, value in (("timeout", timeout), ("first_poll", first_poll)):
            if not value > 0:
                raise VideoGenInputError(
                    f"{option}={value!r}: must be a positive number of seconds"
                )
        self.base_url, testing = check_base_url(base_url or self.base_urls[0], self.base_urls)
        self.timeout = timeout
        self.first_poll = first_poll
        self._sleep = sleep or time.sleep
        keys = self._load_keys()
        self.http = ProviderHTTP(
            self.name,
            key_env=" / ".join(self.key_envs),
            api_hosts=(httpx.URL(self.base_url).host,),  # the key goes to the API root only
            file_hosts=self.file_hosts,
            auth=self._auth_headers,
            secrets=keys,
            testing=testing,
            client=client,
            max_retries=max_retries,
            backoff=backoff,
            sleep=self._sleep,
        )

    @classmethod
    def availability(cls) -> AdapterInfo:
        """Available when the key variable(s) are set; contacts nothing and shows no key."""
        have = [n for n in cls.key_envs if os.environ.get(n, "").strip()]
        if cls.all_keys and len(have) < len(cls.key_envs):
            missing = [n for n in cls.key_envs if n not in have]
            return AdapterInfo(
                cls.name, False, f"set {' and '.join(missing)} to use {cls.provider}"
            )
        if not have:
            return AdapterInfo(
                cls.name, False, f"set {' or '.join(cls.key_envs)} to use {cls.provider}"
            )
        return AdapterInfo(cls.name, True, f"{cls.provider} ({', '.join(have)} set)")

    def _load_keys(self) -> list[str]:
        """Read the key(s) from the environment; ProviderAuthError naming what is missing."""
        self._key = key_from_env(self.provider, self.key_envs)
        return [self._key]

    @abc.abstractmethod
    def _auth_headers(self) -> dict[str, str]:
        """The headers that carry the key."""

    def close(self) -> None:
        """Close the HTTP client if this adapter made it."""
        self.http.close()

    def generate(
        self, request: ClipRequest, out_path: Path, *, cancel: CancelFn | None = None
    ) -> Path:
        """Make the clip with the provider and write it, conformed to ``request``, to
        ``out_path`` (replaced atomically; left as it was on any error or cancel), within
        ``timeout`` seconds (see the module docstring)."""
        with self.http.time_limit(self.timeout, "the clip"):
            return run_job(
                self,
                request,
                out_path,
                cancel=cancel,
                timeout=self.timeout,
                sleep=self._sleep,
                first_poll=self.first_poll,
            )

    @abc.abstractmethod
    def submit(self, request: ClipRequest) -> Job:
        """Start a job for ``request`` with the provider."""

    def cancel(self, job: Job) -> None:
        """Ask the provider to stop ``job`` (best effort where it has no cancel), taking at
        most :data:`CANCEL_LIMIT` seconds."""
        with self.http.time_limit(CANCEL_LIMIT, f"cancelling job {job.id}"):
            self._cancel(job)

    @abc.abstractmethod
    def _cancel(self, job: Job) -> None:
        """The provider's cancel call."""

    def poll(self, job: Job) -> JobStatus:
        """The job's state; when the provider cannot be asked any more the job is cancelled
        (it would run on unwatched) and the error raised."""
        try:
            return self._poll(job)
        except ProviderError:
            cancel_quietly(self, job)
            raise

    def _mapped_status(
        self,
        job: Job,
        answer: dict[str, Any],
        states: Mapping[str, JobState],
        *,
        status_field: str,
        error_field: str,
    ) -> JobStatus:
        """The JobStatus of a provider answer whose ``status_field`` is one of ``states``
        (the provider's reason from ``error_field`` when it failed); an undocumented status
        is taken as still running, an answer without one is a ProviderError."""
        status = answer.get(status_field)
        if isinstance(status, str) and status in states:
            state = states[status]
            error = answer.get(error_field) if state is JobState.FAILED else None
            return JobStatus(state, error=self.http.clean(str(error)) if error else None)
        if not isinstance(status, str):
            raise self.http.unexpected(f"poll of {job.id}", f"no {status_field!r}", answer)
        logger.info(
            "%s: job %s has undocumented status %r; still waiting", self.name, job.id, status
        )
        return JobStatus(JobState.RUNNING)

    @abc.abstractmethod
    def _poll(self, job: Job) -> JobStatus:
        """The job's state as the provider reports it."""

    def fetch(self, job: Job, out_path: Path) -> Path:
        """Download the finished clip at once (result links expire) and check that it is what
        was asked for; MediaError otherwise."""
        url = self._result_url(job)
        self.http.download(
            url, out_path, "clip", keyed=self.keyed_download, redirects=self.redirects
        )
        check_clip(out_path, job.data.get("expect", {}), provider=self.name, job_id=job.id)
        return out_path

    @abc.abstractmethod
    def _result_url(self, job: Job) -> str:
        """The finished job's clip URL."""

    def _aspect(self, request: ClipRequest) -> tuple[str | None, float]:
        """The aspect ratio to ask for: the closest the model makes, else the request's own
        (the still is cropped to it, so models that follow the image's shape keep it)."""
        choices = self.capabilities.aspect_ratios
        if not choices:
            return None, request.width / request.height
        label = closest_aspect(request.width, request.height, choices)
        w, _, h = label.partition(":")
        return label, int(w) / int(h)

    def _check_end_frame(self, request: ClipRequest) -> None:
        if request.end_image is not None and not self.capabilities.end_frame:
            raise VideoGenInputError(
                f"request.end_image={str(request.end_image)!r}: {self.name} model"
                f" {getattr(self, 'model', '?')!r} cannot end on a given frame"
                " (capabilities.end_frame is False)"
            )
