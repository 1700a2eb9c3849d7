"""The ``flux2-api`` engine: FLUX.2 [pro], [max] and [flex] on Black Forest Labs' hosted API.

Protocol, as documented by BFL (docs.bfl.ai / help.bfl.ai, read 2026):

- Submit ``POST {base}/v1/flux-2-pro`` (``-max``, ``-flex``) with header ``x-key`` and a JSON
  body: prompt, width, height, seed, output_format, ``input_image``, ``input_image_2`` …
  ``input_image_8`` (base64 or URL) and, for [flex] only, ``steps`` and ``guidance``. The answer
  is ``{"id", "polling_url", ...}``.
  https://docs.bfl.ai/api-reference/models/generate-or-edit-an-image-with-flux2-[pro]
  (same schema on the ``-[max]`` and ``-[flex]`` pages; [flex] adds steps/guidance).
- Poll the returned ``polling_url`` exactly as given (it names the region that took the task):
  ``{"status": "Pending" | "Ready" | "Error" | "Request Moderated" | "Content Moderated" |
  "Task not found", "result": {"sample": url} | null, "details": ...}``.
  https://docs.bfl.ai/api-reference/utility/get-result, https://docs.bfl.ai/api_integration/errors
- The sample is a signed delivery URL (``delivery.*.bfl.ai``) that expires after 10 minutes, so
  it is fetched at once and without the key.
  https://help.bfl.ai/articles/9532536301-which-api-endpoint-should-i-use
- 429, 500 and 503 are transient: retry with exponential backoff (errors page above).
- Reference images through the API: at most 8 for each of [pro], [max] and [flex] (the
  playground takes 10). https://docs.bfl.ai/guides/prompting_editing_overview,
  https://help.bfl.ai/articles/4029171097-flux-2-technical-specifications

Time: ``generate`` returns or fails within ``timeout`` seconds from the submit to the decoded
image, whatever the API does (hangs, long Retry-After, a task that stays Pending): every
request's own time-outs (30 s between bytes, 10 s to connect by default) are cut to the time
left and no retry waits past it.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import logging
import math
import os
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from PIL import Image

from imagegen.engine import CancelFn, EngineInfo, ProgressFn, generate_each
from imagegen.errors import GenerationCancelled, ImageGenError, ImageGenInputError, ProviderError
from imagegen.flux2 import urls
from imagegen.request import ImageRequest

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)

KEY_ENV = "BFL_API_KEY"
ENDPOINTS = {"pro": "flux-2-pro", "max": "flux-2-max", "flex": "flux-2-flex"}
MAX_REFERENCES = {"pro": 8, "max": 8, "flex": 8}
TUNABLE = ("flex",)  # models whose endpoint takes steps and guidance
DEFAULT_HOSTS = (".bfl.ai",)  # api.bfl.ai, api.eu.bfl.ai, api.us.bfl.ai, delivery.*.bfl.ai
FAILED = ("Error", "Failed", "Request Moderated", "Content Moderated", "Task not found")
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is cut to this many seconds
MAX_BACKOFF = 30.0  # seconds; longer exponential backoffs are cut to this
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_SNIPPET = 300


class Flux2HostedEngine:
    """FLUX.2 through api.bfl.ai: submit, poll, download, fit to the exact requested size.

    Parameters
    ----------
    model : ``"pro"``, ``"max"`` or ``"flex"``.
    api_key : BFL key; default the ``BFL_API_KEY`` environment variable.
    base_url : API root; plain http is accepted only on loopback (tests).
    allowed_hosts : host suffixes that polling and sample URLs may point at, besides base_url's.
    poll_interval, timeout : seconds between polls, and for one image in all (submit, polls,
        retries and the download).
    max_retries, backoff : retries of a call after 429/5xx/timeouts/connection errors, waiting
        ``backoff * 2**attempt`` seconds or the server's ``Retry-After``.
    client : an ``httpx.Client`` to use (closed by its owner); default one made here.
    """

    name = "flux2-api"
    structured_prompts = True  # FLUX.2 reads JSON prompts as well as text

    def __init__(
        self,
        model: str = "pro",
        *,
        api_key: str | None = None,
        base_url: str = "https://api.bfl.ai",
        allowed_hosts: tuple[str, ...] = DEFAULT_HOSTS,
        poll_interval: float = 1.0,
        timeout: float = 300.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        client: httpx.Client | None = None,
    ) -> None:
        if model not in ENDPOINTS:
            known = ", ".join(repr(m) for m in ENDPOINTS)
            raise ImageGenInputError(f"model={model!r}: must be one of {known}")
        for option, value in (("poll_interval", poll_interval), ("timeout", timeout)):
            if not value > 0:
                raise ImageGenInputError(
                    f"{option}={value!r}: must be a positive number of seconds"
                )
        if max_retries < 0 or not backoff >= 0:
            raise ImageGenInputError(
                f"max_retries={max_retries!r}, backoff={backoff!r}: must not be negative"
            )
        self._base = urlsplit(base_url.rstrip("/"))
        if self._base.scheme not in ("https", "http") or not self._base.hostname:
            raise ImageGenInputError(f"base_url={base_url!r}: must be an https URL")
        if self._base.scheme == "http" and self._base.hostname not in _LOOPBACK:
            raise ImageGenInputError(
                f"base_url={base_url!r}: must be https (the key travels in a header)"
            )
        key = (os.environ.get(KEY_ENV, "") if api_key is None else api_key).strip()
        if not key:
            raise ProviderError(f"no BFL API key: set the {KEY_ENV} environment variable")
        self.model = model
        self.version = f"1-{model}"  # each model draws differently: separate cache keys
        self.variant = f"flux-2-{model}"
        self.allowed_hosts = tuple(h.lower().lstrip(".") for h in allowed_hosts if h.strip("."))
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self._key = key
        self._base_url = self._base.geturl()
        self._owns_client = client is None
        self._client = client if client is not None else _default_client()

    @classmethod
    def probe(cls) -> EngineInfo:
        """Available when ``BFL_API_KEY`` is set and httpx is installed; contacts nothing."""
        if importlib.util.find_spec("httpx") is None:
            return EngineInfo(cls.name, False, "needs the httpx package")
        if not os.environ.get(KEY_ENV, "").strip():
            return EngineInfo(cls.name, False, f"set {KEY_ENV} to use FLUX.2 on api.bfl.ai")
        return EngineInfo(
            cls.name, True, f"FLUX.2 [pro]/[max]/[flex] on api.bfl.ai ({KEY_ENV} set)"
        )

    def close(self) -> None:
        """Close the HTTP client if this engine made it."""
        if self._owns_client:
            self._client.close()

    def generate(self, request: ImageRequest, *, cancel: CancelFn | None = None) -> Image.Image:
        """One RGB image of exactly ``request.width``×``request.height``.

        ``cancel()`` is checked before each poll; a true answer raises
        :class:`GenerationCancelled` (the submitted task is still billed by BFL).
        """
        body = self._body(request)
        start = time.monotonic()
        deadline = start + self.timeout
        submit_url = f"{self._base_url}/v1/{ENDPOINTS[self.model]}"
        answer = self._json(
            self._call("POST", submit_url, "submit", body=body, deadline=deadline), submit_url
        )
        task_id = _text_field(answer, "id", self._where(submit_url))
        polling_url = _text_field(answer, "polling_url", self._where(submit_url))
        logger.info("FLUX.2 [%s] request %s submitted", self.model, task_id)
        sample = self._poll(task_id, polling_url, cancel, deadline)
        image = self._download(sample, task_id, deadline)
        if image.size != (request.width, request.height):
            # The API rounds sizes to its own grid (multiples of 16, 32 on older models) and
            # scales anything over 4 MP down; engines promise the exact requested size.
            logger.info(
                "FLUX.2 request %s came back %dx%d for %dx%d; resizing with LANCZOS",
                task_id,
                image.width,
                image.height,
                request.width,
                request.height,
            )
            image = image.resize((request.width, request.height), Image.Resampling.LANCZOS)
        logger.info("FLUX.2 request %s done in %.1f s", task_id, time.monotonic() - start)
        return image

    def generate_many(
        self,
        requests: Sequence[ImageRequest],
        *,
        on_progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> Iterator[tuple[int, Image.Image]]:
        return generate_each(
            lambda r: self.generate(r, cancel=cancel),
            requests,
            on_progress=on_progress,
            cancel=cancel,
        )

    def _body(self, request: ImageRequest) -> dict[str, Any]:
        """The submit body; ill-formed requests fail here, before anything is sent."""
        for field in ("steps", "guidance"):
            value = getattr(request, field)
            if value is not None and self.model not in TUNABLE:
                raise ImageGenInputError(
                    f"request.{field}={value!r}: FLUX.2 [{self.model}] does not take {field};"
                    " only model 'flex' does"
                )
        limit = MAX_REFERENCES[self.model]
        if len(request.references) > limit:
            raise ImageGenInputError(
                f"request.references holds {len(request.references)} images; FLUX.2"
                f" [{self.model}] takes at most {limit} through the API"
            )
        body: dict[str, Any] = {
            "prompt": request.prompt,
            "width": request.width,
            "height": request.height,
            "seed": request.seed,
            "output_format": "png",
        }
        for i, path in enumerate(request.references):
            body["input_image" if i == 0 else f"input_image_{i + 1}"] = _encode_reference(path)
        if request.steps is not None:
            body["steps"] = request.steps
        if request.guidance is not None:
            body["guidance"] = request.guidance
        if self.model in TUNABLE:
            body["prompt_upsampling"] = False  # flex would otherwise rewrite our prompts
        return body

    def _poll(
        self, task_id: str, polling_url: str, cancel: CancelFn | None, deadline: float
    ) -> str:
        """Poll until Ready and return the sample URL.

        An undocumented status string counts as still working, bounded by ``deadline``.
        """
        status: Any = None
        while True:
            if cancel is not None and cancel():
                raise GenerationCancelled(f"cancelled while waiting for FLUX.2 request {task_id}")
            if time.monotonic() >= deadline:
                raise ProviderError(
                    f"FLUX.2 [{self.model}] timed out after {self.timeout:g} s, request id"
                    f" {task_id} (last status {status!r})"
                )
            answer = self._json(
                self._call("GET", polling_url, "poll", deadline=deadline, task=task_id),
                polling_url,
            )
            status = answer.get("status")
            if status == "Ready":
                result = answer.get("result")
                sample = result.get("sample") if isinstance(result, dict) else None
                if not isinstance(sample, str) or not sample:
                    raise ProviderError(
                        f"unexpected answer from {self._where(polling_url)}: status 'Ready' without"
                        f" result.sample (request id {task_id})"
                    )
                return sample
            if status in FAILED:
                details = answer.get("details") or answer.get("result")
                raise ProviderError(
                    f"FLUX.2 request {task_id} ended with status {status!r}"
                    + (f": {self._clean(json.dumps(details, default=str))}" if details else "")
                )
            if not isinstance(status, str):
                raise ProviderError(
                    f"unexpected answer from {self._where(polling_url)}: no 'status' (request id"
                    f" {task_id}): {self._clean(json.dumps(answer, default=str))}"
                )
            logger.debug("FLUX.2 request %s: %s", task_id, status)
            time.sleep(max(min(self.poll_interval, deadline - time.monotonic()), 0.0))

    def _download(self, url: str, task_id: str, deadline: float) -> Image.Image:
        """Fetch the sample at once (its URL expires) and decode it to RGB."""
        data = self._call(
            "GET", url, "download", auth=False, deadline=deadline, task=task_id
        ).content
        if not data:
            raise ProviderError(f"the result of request {task_id} at {self._where(url)} is empty")
        try:
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                return img.convert("RGB")
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise ProviderError(
                f"the result of request {task_id} at {self._where(url)} is not an image"
                f" ({len(data)} bytes): {exc}"
            ) from exc

    def _call(
        self,
        method: str,
        url: str,
        what: str,
        *,
        body: Any = None,
        auth: bool = True,
        deadline: float,
        task: str | None = None,
    ) -> httpx.Response:
        """One HTTP exchange with retries on 429, 5xx, timeouts and connection errors, ending
        by ``deadline`` (``time.monotonic()``); ``task`` is the request id, for messages."""
        import httpx

        self._check_url(url, what)
        headers = {"accept": "application/json", "x-key": self._key} if auth else {}
        where = self._where(url)
        last = ""
        for attempt in range(self.max_retries + 1):
            delay = min(self.backoff * 2**attempt, MAX_BACKOFF)
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._out_of_time(what, where, last, task)
            try:
                response = self._client.request(
                    method,
                    url,
                    json=body,
                    headers=headers,
                    follow_redirects=False,
                    timeout=_cut(self._client.timeout, left),
                )
            except httpx.TimeoutException as exc:
                last = f"timed out ({type(exc).__name__})"
            except httpx.TransportError as exc:
                last = f"connection failed: {self._clean(str(exc)) or type(exc).__name__}"
            else:
                status = response.status_code
                if status < 300:
                    return response
                message = self._clean(_provider_message(response))
                if status == 429 or status >= 500:
                    last = f"HTTP {status}: {message}"
                    wait = _retry_after(response)
                    delay = delay if wait is None else wait
                elif status < 400:
                    target = urlsplit(response.headers.get("location", "")).hostname or "?"
                    raise ProviderError(
                        f"{what} at {where} answered HTTP {status}, a redirect to {target};"
                        " redirects are not followed"
                    )
                elif status in (401, 403) and not auth:
                    raise ProviderError(
                        f"{what} at {where} was refused (HTTP {status}): {message}; signed"
                        " sample URLs expire 10 minutes after the image is made"
                    )
                elif status in (401, 403):
                    raise ProviderError(
                        f"BFL refused the API key (HTTP {status} at {where}): {message};"
                        f" check {KEY_ENV}"
                    )
                else:
                    raise ProviderError(f"{what} failed: HTTP {status} from {where}: {message}")
            if attempt < self.max_retries:
                if delay >= deadline - time.monotonic():
                    raise self._out_of_time(what, where, last, task)
                logger.info(
                    "%s at %s: %s; retry %d of %d in %.2f s",
                    what,
                    where,
                    last,
                    attempt + 1,
                    self.max_retries,
                    delay,
                )
                time.sleep(delay)
        raise ProviderError(
            f"{what} at {where} failed after {self.max_retries + 1} attempts; last error: {last}"
        )

    def _out_of_time(self, what: str, where: str, last: str, task: str | None) -> ProviderError:
        request = f", request id {task}" if task else ""
        said = f": {last}" if last else ""
        return ProviderError(
            f"FLUX.2 [{self.model}] timed out after {self.timeout:g} s{request} ({what} at"
            f" {where}{said}); try again later"
        )

    def _check_url(self, url: str, what: str) -> None:
        """ProviderError unless ``url`` may be fetched (see :mod:`imagegen.flux2.urls`)."""
        reason = urls.refusal(url, self._base, self.allowed_hosts)
        if reason:
            suffixes = (f"https on *.{s}" for s in self.allowed_hosts)
            allowed = ", ".join([self._base.netloc, *suffixes])
            raise ProviderError(
                f"refusing to fetch {self._where(url)} for {what}: {reason} (allowed: {allowed})"
            )

    def _json(self, response: httpx.Response, url: str) -> dict[str, Any]:
        try:
            value = response.json()
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ProviderError(
                f"unexpected answer from {self._where(url)}: not a JSON object:"
                f" {self._clean(response.text)!r}"
            )
        return value

    def _where(self, url: str) -> str:
        """A URL for messages: no query string (sample URLs carry signatures), no user info."""
        try:
            parts = urlsplit(url)
            shown = f"{parts.scheme}://{parts.hostname or ''}"
            shown += f":{parts.port}" if parts.port else ""
            shown += parts.path
        except ValueError:
            shown = "(malformed URL)"
        shown = self._clean(shown)
        return shown if len(shown) <= 120 else shown[:120] + "…"

    def _clean(self, text: str) -> str:
        """Provider text fit for a message: the key blanked out, cut to a few hundred chars."""
        text = text.replace(self._key, "[key]").strip()
        return text if len(text) <= _SNIPPET else text[:_SNIPPET] + "…"


def _cut(default: httpx.Timeout, left: float) -> httpx.Timeout:
    """The client's time-outs, each at most ``left`` seconds."""
    import httpx

    room = max(left, 0.001)
    parts = (default.connect, default.read, default.write, default.pool)
    connect, read, write, pool = (room if t is None else min(t, room) for t in parts)
    return httpx.Timeout(connect=connect, read=read, write=write, pool=pool)


def _default_client() -> httpx.Client:
    try:
        import httpx
    except ImportError as exc:
        raise ImageGenError("the flux2-api engine needs the httpx package") from exc
    return httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0), follow_redirects=False)


def _text_field(answer: dict[str, Any], field: str, where: str) -> str:
    value = answer.get(field)
    if not isinstance(value, str) or not value:
        raise ProviderError(f"unexpected answer from {where}: no {field!r} in it")
    return value


def _encode_reference(path: Path) -> str:
    """Base64 of a reference file after checking that PIL reads it as an image."""
    try:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageGenInputError(
            f"reference image {str(path)!r} is not a readable image: {exc}"
        ) from exc
    return base64.b64encode(data).decode("ascii")


def _provider_message(response: httpx.Response) -> str:
    """The ``detail``/``message`` of an error answer, else its text."""
    try:
        value = response.json()
    except ValueError:
        return response.text
    if isinstance(value, dict):
        value = value.get("detail") or value.get("message") or value.get("error") or value
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (delta or HTTP date), capped at :data:`MAX_RETRY_AFTER`."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
