"""The ``veo`` adapter: Google Veo 3.1 through the Gemini API's long-running operations.

Protocol, as documented by Google (read 2026):

- Submit ``POST https://generativelanguage.googleapis.com/v1beta/models/{model}:
  predictLongRunning`` with header ``x-goog-api-key`` and ``{"instances": [{"prompt", "image":
  {"bytesBase64Encoded", "mimeType"}, "lastFrame": {…}}], "parameters": {"aspectRatio",
  "durationSeconds", "resolution"}}``; the answer is an operation ``{"name": "models/…/
  operations/…"}``. Poll ``GET /v1beta/{name}`` until ``"done": true``; then ``"error":
  {"code", "message"}`` or ``response.generateVideoResponse.generatedSamples[0].video.uri``
  (``raiMediaFilteredCount``/``raiMediaFilteredReasons`` when safety filters removed it).
  https://ai.google.dev/gemini-api/docs/video,
  https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/veo-video-generation
- The video URI is on generativelanguage.googleapis.com and is fetched with the key; the docs'
  ``curl -L`` follows its redirect, which is followed here only to ``*.googleusercontent.com``
  and without the key. Generated videos are kept for two days.
- Veo 3.1 (``veo-3.1-generate-preview``, ``veo-3.1-fast-generate-preview``): 4, 6 or 8 s,
  720p or 1080p (1080p only at 8 s), 16:9 or 9:16, 24 fps, first and last frame, audio.
- The Gemini API documents no cancel for video operations; :meth:`VeoAdapter.cancel` sends
  the standard ``POST /v1beta/{name}:cancel`` of long-running operations, best effort.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from videogen.adapter import Capabilities, Job, JobState, JobStatus
from videogen.errors import VideoGenInputError
from videogen.hosted._base import HostedAdapter
from videogen.hosted._media import build_prompt, encode_still, expectation, pick_resolution
from videogen.request import ClipRequest

logger = logging.getLogger(__name__)

MODELS = ("veo-3.1-generate-preview", "veo-3.1-fast-generate-preview")
DEFAULT_MODEL = "veo-3.1-fast-generate-preview"
FULL_HD_SECONDS = 8.0  # 1080p is made at 8 s only
_OPERATION = re.compile(r"(models/[\w.-]+/)?operations/[\w.-]+")
CAPABILITIES = Capabilities(
    durations=(4.0, 6.0, 8.0),
    resolutions=("720p", "1080p"),
    aspect_ratios=("16:9", "9:16"),
    fps=(24,),
    end_frame=True,
    audio_out=True,
    prompt=True,
    local=False,
)


class VeoAdapter(HostedAdapter):
    """Clips from Veo 3.1 on the Gemini API; ``model`` is one of :data:`MODELS`. The key is
    ``GEMINI_API_KEY`` (or ``GOOGLE_API_KEY``). Other options: see
    :class:`~videogen.hosted._base.HostedAdapter`."""

    name = "veo"
    provider = "the Gemini API (Veo)"
    key_envs = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    base_urls = ("https://generativelanguage.googleapis.com",)
    file_hosts = ("generativelanguage.googleapis.com", ".googleusercontent.com")
    redirects = 3
    keyed_download = True
    capabilities = CAPABILITIES

    def __init__(self, model: str = DEFAULT_MODEL, **options: Any) -> None:
        if model not in MODELS:
            raise VideoGenInputError(f"model={model!r}: Veo models known here: {', '.join(MODELS)}")
        self.model = model
        self.version = f"1-{model}"
        super().__init__(**options)

    def _auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self._key}

    def submit(self, request: ClipRequest) -> Job:
        """Start the operation: still and end frame inline, aspect, duration, resolution."""
        label, aspect = self._aspect(request)
        resolution = pick_resolution(min(request.width, request.height), CAPABILITIES.resolutions)
        seconds = CAPABILITIES.snap_duration(request.duration)
        if resolution == "1080p":
            seconds = FULL_HD_SECONDS
        still = encode_still(request.image, aspect)
        instance: dict[str, Any] = {
            "prompt": build_prompt(request),
            "image": {"bytesBase64Encoded": still.base64(), "mimeType": still.mime},
        }
        if request.end_image is not None:
            end = encode_still(request.end_image, aspect, field="request.end_image")
            instance["lastFrame"] = {"bytesBase64Encoded": end.base64(), "mimeType": end.mime}
        body = {
            "instances": [instance],
            "parameters": {
                "aspectRatio": label,
                "durationSeconds": round(seconds),
                "resolution": resolution,
            },
        }
        url = f"{self.base_url}/v1beta/models/{self.model}:predictLongRunning"
        answer = self.http.json(
            self.http.call("POST", url, "submit", body=body), "submit", "an operation name"
        )
        name = answer.get("name")
        if not isinstance(name, str) or not _OPERATION.fullmatch(name):
            raise self.http.unexpected("submit", "no operation name", answer)
        logger.info(
            "veo: %s operation %s started (%g s, %s)", self.model, name, seconds, resolution
        )
        return Job(self.name, name, {"expect": expectation(request, aspect)})

    def _operation(self, job: Job, what: str) -> dict[str, Any]:
        url = f"{self.base_url}/v1beta/{job.id}"
        return self.http.json(self.http.call("GET", url, what), what, "an operation")

    def _poll(self, job: Job) -> JobStatus:
        answer = self._operation(job, "poll")
        if answer.get("name") != job.id:
            raise self.http.unexpected(f"poll of {job.id}", "not that operation", answer)
        if not answer.get("done"):
            metadata = answer.get("metadata")
            percent = metadata.get("progressPercent") if isinstance(metadata, dict) else None
            progress = percent / 100 if isinstance(percent, int | float) else None
            return JobStatus(JobState.RUNNING, progress=progress)
        error = answer.get("error")
        if error:
            message = error.get("message") if isinstance(error, dict) else error
            return JobStatus(JobState.FAILED, error=self.http.clean(str(message)))
        if _video_uri(answer) is None:
            return JobStatus(JobState.FAILED, error=self.http.clean(_filtered(answer)))
        return JobStatus(JobState.SUCCEEDED, progress=1.0)

    def _cancel(self, job: Job) -> None:
        """Best effort: the Gemini API documents no cancel for Veo operations."""
        self.http.call("POST", f"{self.base_url}/v1beta/{job.id}:cancel", "cancel")
        logger.info("veo: operation %s cancelled", job.id)

    def _result_url(self, job: Job) -> str:
        answer = self._operation(job, "result")
        uri = _video_uri(answer)
        if uri is None:
            raise self.http.unexpected(f"result of {job.id}", "no generatedSamples video", answer)
        return uri


def _video_uri(operation: dict[str, Any]) -> str | None:
    """``response.generateVideoResponse.generatedSamples[0].video.uri``, if there."""
    value: Any = operation
    for key in ("response", "generateVideoResponse", "generatedSamples", 0, "video", "uri"):
        if isinstance(key, int):
            value = value[0] if isinstance(value, list) and value else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) and value else None


def _filtered(operation: dict[str, Any]) -> str:
    """Why a finished operation holds no video: the safety filters' reasons, if given."""
    response = operation.get("response")
    result = response.get("generateVideoResponse") if isinstance(response, dict) else None
    reasons = result.get("raiMediaFilteredReasons") if isinstance(result, dict) else None
    if isinstance(reasons, list) and reasons:
        return "no video: filtered by safety filters: " + "; ".join(str(r) for r in reasons)
    return "the operation finished without a video"
