"""The ``replicate`` adapter: image-to-video models on Replicate, through its predictions API.

Protocol, as documented by Replicate (read 2026):

- Create ``POST https://api.replicate.com/v1/models/{owner}/{name}/predictions`` with header
  ``Authorization: Bearer $REPLICATE_API_TOKEN`` and ``{"input": {...}}``; the optional
  ``Prefer: wait=N`` (1…60 s) holds the answer until the prediction is done or N s pass.
  https://replicate.com/docs/topics/predictions/create-a-prediction
- The prediction is ``{"id", "status": "starting" | "processing" | "succeeded" | "failed" |
  "canceled", "output", "error", "urls": {"get", "cancel"}}``; poll ``GET urls.get``, cancel
  with ``POST urls.cancel``. Files may be passed as data URLs.
- Output files are served by ``replicate.delivery`` and its subdomains and are deleted after an
  hour, so the clip is fetched as soon as the prediction succeeds.
  https://replicate.com/docs/topics/predictions/output-files
- ``kwaivgi/kling-v2.1`` (the default): ``start_image``, ``prompt``, ``duration`` 5 or 10,
  ``mode`` ``"standard"`` (720p) or ``"pro"`` (1080p), both 24 fps, ``end_image`` (pro mode
  only), ``negative_prompt``; output is one URI.
  https://replicate.com/kwaivgi/kling-v2.1/api
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

MODELS = ("kwaivgi/kling-v2.1",)
DEFAULT_MODEL = "kwaivgi/kling-v2.1"
MODES = {"standard": "720p", "pro": "1080p"}
STATES = {
    "starting": JobState.QUEUED,
    "processing": JobState.RUNNING,
    "succeeded": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
    "canceled": JobState.CANCELLED,
}


class ReplicateAdapter(HostedAdapter):
    """Clips from an image-to-video model on Replicate.

    ``model`` is ``owner/name`` (one of :data:`MODELS`); ``mode`` is ``"standard"`` (720p) or
    ``"pro"`` (1080p, and the only mode that takes an end frame); ``wait`` (1…60 s) sends
    ``Prefer: wait``. Other options: see :class:`~videogen.hosted._base.HostedAdapter`.
    """

    name = "replicate"
    provider = "Replicate"
    key_envs = ("REPLICATE_API_TOKEN",)
    base_urls = ("https://api.replicate.com",)
    file_hosts = ("replicate.delivery", ".replicate.delivery")

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        mode: str = "standard",
        wait: int | None = None,
        **options: Any,
    ) -> None:
        if model not in MODELS:
            raise VideoGenInputError(
                f"model={model!r}: Replicate models known here: {', '.join(MODELS)}"
            )
        if mode not in MODES:
            raise VideoGenInputError(f"mode={mode!r}: must be one of {', '.join(MODES)}")
        if wait is not None and not 1 <= wait <= 60:
            raise VideoGenInputError(f"wait={wait!r}: must be 1…60 seconds, or None")
        self.model = model
        self.mode = mode
        self.wait = wait
        self.version = f"1-{model}-{mode}"
        self.capabilities = Capabilities(
            durations=(5.0, 10.0),
            resolutions=(MODES[mode],),
            aspect_ratios=("16:9", "9:16", "1:1"),
            fps=(24,),
            end_frame=mode == "pro",
            prompt=True,
            local=False,
        )
        super().__init__(**options)

    def _auth_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self._key}"}

    def submit(self, request: ClipRequest) -> Job:
        """Create the prediction: the still (and end frame) as data URLs, prompt, duration."""
        self._check_end_frame(request)
        _, aspect = self._aspect(request)
        seconds = self.capabilities.snap_duration(request.duration)
        model_input: dict[str, Any] = {
            "start_image": encode_still(request.image, aspect).data_uri(),
            "prompt": build_prompt(request),
            "duration": round(seconds),
            "mode": self.mode,
        }
        if request.end_image is not None:
            end = encode_still(request.end_image, aspect, field="request.end_image")
            model_input["end_image"] = end.data_uri()
        headers = {"prefer": f"wait={self.wait}"} if self.wait else None
        url = f"{self.base_url}/v1/models/{self.model}/predictions"
        answer = self.http.json(
            self.http.call("POST", url, "create", body={"input": model_input}, headers=headers),
            "create",
            "a prediction with id and urls",
        )
        prediction_id = answer.get("id")
        urls = answer.get("urls")
        get = urls.get("get") if isinstance(urls, dict) else None
        cancel = urls.get("cancel") if isinstance(urls, dict) else None
        if not isinstance(prediction_id, str) or not isinstance(get, str) or not get:
            raise self.http.unexpected("create", "no id or urls.get", answer)
        logger.info(
            "replicate: %s prediction %s created (%g s clip)", self.model, prediction_id, seconds
        )
        data = {"get": get, "cancel": cancel, "expect": expectation(request, aspect)}
        return Job(self.name, prediction_id, data)

    def _prediction(self, job: Job) -> dict[str, Any]:
        return self.http.json(
            self.http.call("GET", job.data["get"], "poll"), "poll", "a prediction with status"
        )

    def _poll(self, job: Job) -> JobStatus:
        answer = self._prediction(job)
        return self._mapped_status(job, answer, STATES, status_field="status", error_field="error")

    def _cancel(self, job: Job) -> None:
        """Cancel the prediction through its ``urls.cancel``."""
        cancel = job.data.get("cancel")
        if not isinstance(cancel, str) or not cancel:
            logger.warning("replicate: prediction %s has no cancel URL; it runs on", job.id)
            return
        self.http.call("POST", cancel, "cancel")
        logger.info("replicate: prediction %s cancelled", job.id)

    def _result_url(self, job: Job) -> str:
        answer = self._prediction(job)
        output = answer.get("output")
        if isinstance(output, list) and output:
            output = output[0]
        if not isinstance(output, str) or not output:
            raise self.http.unexpected(f"output of prediction {job.id}", "no output URL", answer)
        return output
