"""The ``kling`` adapter: Kling image-to-video through Kling's own API (JWT auth).

Protocol, as documented by Kuaishou for the Kling API (read 2026):

- Auth: an HS256 JWT signed with ``KLING_SECRET_KEY``, header ``{"alg": "HS256", "typ":
  "JWT"}``, claims ``{"iss": KLING_ACCESS_KEY, "exp": now + 1800, "nbf": now - 5}``, sent as
  ``Authorization: Bearer <token>``; a fresh token is signed before the old one expires.
- Submit ``POST {base}/v1/videos/image2video`` with ``model_name``, ``image`` (base64, no
  ``data:`` prefix), ``image_tail`` (end frame; pro mode), ``prompt``, ``duration`` ``"5"`` or
  ``"10"`` (a string), ``mode`` ``"std"`` (720p) or ``"pro"`` (1080p). Every answer is
  ``{"code": 0, "message", "request_id", "data": {...}}``; a non-zero ``code`` is an error.
- Poll ``GET {base}/v1/videos/image2video/{task_id}``: ``data.task_status`` ``submitted`` |
  ``processing`` | ``succeed`` | ``failed``, ``task_status_msg``, and
  ``task_result.videos[0].url`` (on ``cdn.klingai.com``; links expire, so it is fetched at once).
- Base ``https://api-singapore.klingai.com`` (the global endpoint) or
  ``https://api.klingai.com``. The API has no cancel: a cancelled job runs on at Kling.
  https://app.klingai.com/global/dev/document-api (API reference, image to video)
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import httpx
import jwt

from videogen.adapter import Capabilities, Job, JobState, JobStatus
from videogen.errors import ProviderAuthError, ProviderError, VideoGenInputError
from videogen.hosted._base import HostedAdapter
from videogen.hosted._http import key_from_env
from videogen.hosted._media import build_prompt, encode_still, expectation
from videogen.request import ClipRequest

logger = logging.getLogger(__name__)

MODELS = ("kling-v2-1", "kling-v2-1-master")
DEFAULT_MODEL = "kling-v2-1"
MODES = {"std": "720p", "pro": "1080p"}
TAIL_MODES = {"kling-v2-1": ("pro",), "kling-v2-1-master": ()}  # where image_tail is taken
TOKEN_LIFETIME = 1800  # seconds
TOKEN_REFRESH = 300  # sign a new token this long before the old one expires
AUTH_CODES = range(1000, 1005)  # Kling's authentication failures
STATES = {
    "submitted": JobState.QUEUED,
    "processing": JobState.RUNNING,
    "succeed": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
}
_TASK_ID = re.compile(r"[\w-]{1,128}")


class KlingAdapter(HostedAdapter):
    """Clips from Kling's API; ``model`` is a ``model_name`` (one of :data:`MODELS`), ``mode``
    ``"std"`` (720p) or ``"pro"`` (1080p; end frames need it), ``base_url`` one of
    :attr:`base_urls`. Keys: ``KLING_ACCESS_KEY`` and ``KLING_SECRET_KEY``. Other options:
    see :class:`~videogen.hosted._base.HostedAdapter`."""

    name = "kling"
    provider = "Kling"
    key_envs = ("KLING_ACCESS_KEY", "KLING_SECRET_KEY")
    all_keys = True
    base_urls = ("https://api-singapore.klingai.com", "https://api.klingai.com")
    file_hosts = (".klingai.com",)

    def __init__(self, model: str = DEFAULT_MODEL, *, mode: str = "std", **options: Any) -> None:
        if model not in MODELS:
            raise VideoGenInputError(
                f"model={model!r}: Kling models known here: {', '.join(MODELS)}"
            )
        if mode not in MODES:
            raise VideoGenInputError(f"mode={mode!r}: must be one of {', '.join(MODES)}")
        self.model = model
        self.mode = mode
        self.version = f"1-{model}-{mode}"
        self.capabilities = Capabilities(
            durations=(5.0, 10.0),
            resolutions=(MODES[mode],),
            aspect_ratios=("16:9", "9:16", "1:1"),
            fps=(24,),
            end_frame=mode in TAIL_MODES[model],
            prompt=True,
            local=False,
        )
        self._token = ""
        self._token_expires = 0.0
        super().__init__(**options)

    def _load_keys(self) -> list[str]:
        self._access = key_from_env("Kling", ("KLING_ACCESS_KEY",))
        self._secret = key_from_env("Kling", ("KLING_SECRET_KEY",))
        return [self._access, self._secret]

    def token(self) -> str:
        """A signed JWT, renewed :data:`TOKEN_REFRESH` s before it expires."""
        now = time.time()
        if now < self._token_expires - TOKEN_REFRESH:
            return self._token
        claims = {"iss": self._access, "exp": int(now) + TOKEN_LIFETIME, "nbf": int(now) - 5}
        self._token = jwt.encode(claims, self._secret, algorithm="HS256", headers={"typ": "JWT"})
        self._token_expires = now + TOKEN_LIFETIME
        self.http.add_secret(self._token)
        return self._token

    def _auth_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token()}"}

    def _data(self, response: httpx.Response, what: str) -> dict[str, Any]:
        """``data`` of Kling's ``{"code", "message", "data"}`` envelope; errors for a non-zero
        code (auth codes as ProviderAuthError)."""
        answer = self.http.json(response, what, "{code, message, data}")
        code = answer.get("code")
        if code != 0:
            message = self.http.clean(str(answer.get("message", "")))
            if isinstance(code, int) and code in AUTH_CODES:
                raise ProviderAuthError(
                    f"Kling refused the keys (code {code}): {message}; check KLING_ACCESS_KEY"
                    " and KLING_SECRET_KEY"
                )
            if code is None:
                raise self.http.unexpected(what, "no 'code'", answer)
            raise ProviderError(f"kling: {what} failed with code {code}: {message}")
        data = answer.get("data")
        if not isinstance(data, dict):
            raise self.http.unexpected(what, "no 'data' object", answer)
        return data

    def submit(self, request: ClipRequest) -> Job:
        """Create the task: still (and tail frame) as base64, prompt, duration, mode."""
        self._check_end_frame(request)
        _, aspect = self._aspect(request)
        seconds = self.capabilities.snap_duration(request.duration)
        body: dict[str, Any] = {
            "model_name": self.model,
            "image": encode_still(request.image, aspect).base64(),
            "prompt": build_prompt(request),
            "duration": f"{seconds:g}",
            "mode": self.mode,
        }
        if request.end_image is not None:
            tail = encode_still(request.end_image, aspect, field="request.end_image")
            body["image_tail"] = tail.base64()
        url = f"{self.base_url}/v1/videos/image2video"
        data = self._data(self.http.call("POST", url, "submit", body=body), "submit")
        task_id = data.get("task_id")
        if not isinstance(task_id, str) or not _TASK_ID.fullmatch(task_id):
            raise self.http.unexpected("submit", "no usable data.task_id", data)
        logger.info(
            "kling: %s task %s submitted (%g s, %s)", self.model, task_id, seconds, self.mode
        )
        return Job(self.name, task_id, {"expect": expectation(request, aspect)})

    def _task(self, job: Job, what: str) -> dict[str, Any]:
        url = f"{self.base_url}/v1/videos/image2video/{job.id}"
        return self._data(self.http.call("GET", url, what), what)

    def _poll(self, job: Job) -> JobStatus:
        task = self._task(job, "poll")
        return self._mapped_status(
            job, task, STATES, status_field="task_status", error_field="task_status_msg"
        )

    def _cancel(self, job: Job) -> None:
        """Kling's API has no cancel: the task runs on (and is billed); say so."""
        logger.warning("kling: the API cannot cancel task %s; it runs on at Kling", job.id)

    def _result_url(self, job: Job) -> str:
        task = self._task(job, "result")
        result = task.get("task_result")
        videos = result.get("videos") if isinstance(result, dict) else None
        first = videos[0] if isinstance(videos, list) and videos else None
        url = first.get("url") if isinstance(first, dict) else None
        if not isinstance(url, str) or not url:
            raise self.http.unexpected(
                f"result of task {job.id}", "no task_result.videos[0].url", task
            )
        return url
