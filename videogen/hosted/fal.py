"""The ``fal`` adapter: image-to-video models on fal.ai, through fal's queue API.

Protocol, as documented by fal (read 2026):

- Submit ``POST https://queue.fal.run/{model_id}`` with header ``Authorization: Key $FAL_KEY``
  and the model's JSON input; the answer is ``{"request_id", "status_url", "response_url",
  "cancel_url"}``. Poll ``GET status_url`` (``?logs=1``): ``{"status": "IN_QUEUE" |
  "IN_PROGRESS" | "COMPLETED", "queue_position", "logs"}``; then ``GET response_url`` is the
  model's output; ``PUT cancel_url`` cancels.
  https://docs.fal.ai/documentation/model-apis/inference/queue
- File inputs may be data URIs; outputs are served from ``fal.media`` and its subdomains
  (``v3.fal.media``, ``v3b.fal.media``).
- Kling 2.1 on fal (default ``fal-ai/kling-video/v2.1/standard/image-to-video``, 720p; and
  ``…/v2.1/master/…``, 1080p): input ``prompt``, ``image_url``, ``duration`` ``"5"`` or
  ``"10"``, ``negative_prompt``, ``cfg_scale``; output ``{"video": {"url", …}}``; the clip
  takes the input image's shape.
  https://fal.ai/models/fal-ai/kling-video/v2.1/standard/image-to-video/llms.txt
"""

from __future__ import annotations

import logging
from typing import Any

from videogen.adapter import Capabilities, Job, JobState, JobStatus
from videogen.errors import VideoGenInputError
from videogen.hosted._base import HostedAdapter
from videogen.hosted._media import build_prompt, encode_still, expectation
from videogen.request import ClipRequest

logger = logging.getLogger(__name__)

KLING_ASPECTS = ("16:9", "9:16", "1:1")
MODELS: dict[str, Capabilities] = {
    "fal-ai/kling-video/v2.1/standard/image-to-video": Capabilities(
        durations=(5.0, 10.0),
        resolutions=("720p",),
        aspect_ratios=KLING_ASPECTS,
        fps=(24,),
        prompt=True,
        local=False,
    ),
    "fal-ai/kling-video/v2.1/master/image-to-video": Capabilities(
        durations=(5.0, 10.0),
        resolutions=("1080p",),
        aspect_ratios=KLING_ASPECTS,
        fps=(24,),
        prompt=True,
        local=False,
    ),
}
DEFAULT_MODEL = "fal-ai/kling-video/v2.1/standard/image-to-video"
_URLS = ("status_url", "response_url", "cancel_url")


class FalAdapter(HostedAdapter):
    """Clips from an image-to-video model on fal.ai; ``model`` is its endpoint id (one of
    :data:`MODELS`); other options: see :class:`~videogen.hosted._base.HostedAdapter`."""

    name = "fal"
    provider = "fal.ai"
    key_envs = ("FAL_KEY",)
    base_urls = ("https://queue.fal.run",)
    file_hosts = ("fal.media", ".fal.media")

    def __init__(self, model: str = DEFAULT_MODEL, **options: Any) -> None:
        if model not in MODELS:
            known = ", ".join(repr(m) for m in MODELS)
            raise VideoGenInputError(f"model={model!r}: fal models known here: {known}")
        self.model = model
        self.version = f"1-{model}"  # each model draws differently: separate cache keys
        self.capabilities = MODELS[model]
        super().__init__(**options)

    def _auth_headers(self) -> dict[str, str]:
        return {"authorization": f"Key {self._key}"}

    def submit(self, request: ClipRequest) -> Job:
        """Queue the clip: the still (as a data URI), the prompt and the snapped duration."""
        self._check_end_frame(request)
        _, aspect = self._aspect(request)
        seconds = self.capabilities.snap_duration(request.duration)
        body = {
            "prompt": build_prompt(request),
            "image_url": encode_still(request.image, aspect).data_uri(),
            "duration": f"{seconds:g}",
        }
        url = f"{self.base_url}/{self.model}"
        answer = self.http.json(
            self.http.call("POST", url, "submit", body=body),
            "submit",
            "request_id, status_url, response_url and cancel_url",
        )
        fields = {k: answer.get(k) for k in ("request_id", *_URLS)}
        missing = [k for k, v in fields.items() if not isinstance(v, str) or not v]
        if missing:
            raise self.http.unexpected("submit", f"no {', '.join(missing)}", answer)
        data: dict[str, Any] = {k: fields[k] for k in _URLS}
        data["expect"] = expectation(request, aspect)
        logger.info(
            "fal: %s request %s queued (%g s clip)", self.model, fields["request_id"], seconds
        )
        return Job(self.name, str(fields["request_id"]), data)

    def _poll(self, job: Job) -> JobStatus:
        url = job.data["status_url"]
        answer = self.http.json(
            self.http.call("GET", url, "status", params={"logs": "1"}), "status", "a status"
        )
        status = answer.get("status")
        logs = answer.get("logs")
        if isinstance(logs, list) and logs and isinstance(logs[-1], dict):
            logger.debug("fal %s: %s", job.id, self.http.clean(str(logs[-1].get("message", ""))))
        if status == "IN_QUEUE":
            return JobStatus(JobState.QUEUED)
        if status == "IN_PROGRESS":
            return JobStatus(JobState.RUNNING)
        if status == "COMPLETED":
            error = answer.get("error")
            if error:
                return JobStatus(JobState.FAILED, error=self.http.clean(str(error)))
            return JobStatus(JobState.SUCCEEDED, progress=1.0)
        if not isinstance(status, str):
            raise self.http.unexpected(f"status of request {job.id}", "no 'status'", answer)
        logger.info("fal: request %s has undocumented status %r; still waiting", job.id, status)
        return JobStatus(JobState.RUNNING)

    def _cancel(self, job: Job) -> None:
        """Ask fal to cancel the request (only a queued request is sure to stop)."""
        self.http.call("PUT", job.data["cancel_url"], "cancel")
        logger.info("fal: request %s cancelled", job.id)

    def _result_url(self, job: Job) -> str:
        answer = self.http.json(
            self.http.call("GET", job.data["response_url"], "result"),
            "result",
            "the model output with video.url",
        )
        video = answer.get("video")
        url = video.get("url") if isinstance(video, dict) else None
        if not isinstance(url, str) or not url:
            raise self.http.unexpected(f"result of request {job.id}", "no video.url", answer)
        return url
