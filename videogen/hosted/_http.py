"""HTTP for the hosted adapters: one client, retries with backoff, checked URLs, downloads.

Every URL is checked before it is fetched (see :mod:`videogen.hosted._urls`). Redirects are
never followed by httpx; :meth:`ProviderHTTP.download` follows at most ``redirects`` hops, each
checked again, and sends the key only to the provider's API host. Downloads stream to a
temporary file with a size cap and replace the target only when complete.

429, 500, 502, 503, 504, time-outs and connection errors are retried ``max_retries`` times,
waiting ``backoff * 2**attempt`` seconds (capped at :data:`MAX_BACKOFF`, with jitter) or what
``Retry-After`` says (capped at :data:`MAX_RETRY_AFTER`). Inside :meth:`ProviderHTTP.time_limit`
everything ends by the limit: each request's time-outs are cut to the time left, no retry
waits past it, and running out is a ProviderError saying so. Keys never reach logs or messages:
provider text is scrubbed of every secret, URLs are shown without their query string.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from videogen._files import remove_quietly
from videogen.errors import MediaError, ProviderAuthError, ProviderError, VideoGenInputError
from videogen.hosted._urls import Origin, host_matches, origin_of, refusal

logger = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
MAX_RETRY_AFTER = 60.0  # seconds; a longer Retry-After is cut to this
MAX_BACKOFF = 30.0
MAX_CLIP_BYTES = 512 * 2**20
_SNIPPET = 300
_CHUNK = 1 << 16


def key_from_env(provider: str, names: tuple[str, ...]) -> str:
    """The first of the environment variables ``names`` that is set; ProviderAuthError naming
    them when none is."""
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    raise ProviderAuthError(f"no {provider} key: set the {' or '.join(names)} environment variable")


class _NoQueryStrings(logging.Filter):
    """Drops the query string from URLs in httpx's own request log lines (signed result URLs
    carry their signature there)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                a.copy_with(query=None, fragment=None) if isinstance(a, httpx.URL) else a
                for a in record.args
            )
        return True


def scrub_httpx_logs() -> None:
    """Install :class:`_NoQueryStrings` on the ``httpx`` logger (once)."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _NoQueryStrings) for f in httpx_logger.filters):
        httpx_logger.addFilter(_NoQueryStrings())


@dataclass
class _Retry(Exception):
    """A failure worth another attempt; ``final`` is raised when attempts run out."""

    reason: str
    wait: float | None = None
    final: type[Exception] = ProviderError


class ProviderHTTP:
    """Calls and downloads for one provider.

    Parameters
    ----------
    provider : name used in messages (``"fal"``).
    key_env : the environment variable(s) the key came from, for messages.
    api_hosts : hosts that receive the key (exact names).
    file_hosts : hosts result files may be fetched from (exact, or ``.suffix``).
    auth : returns the auth headers for a call (called per request, so tokens can refresh).
    secrets : strings blanked out of every message and log line (keys, tokens).
    testing : a loopback ``(scheme, host, port)`` trusted like the provider's hosts (tests).
    client : an ``httpx.Client`` (closed by its owner); default one made here.
    max_retries, backoff, sleep : retry policy; ``sleep`` waits between attempts.
    max_bytes : largest file :meth:`download` accepts.
    """

    def __init__(
        self,
        provider: str,
        *,
        key_env: str,
        api_hosts: tuple[str, ...],
        file_hosts: tuple[str, ...],
        auth: Callable[[], dict[str, str]],
        secrets: Iterable[str],
        testing: Origin | None = None,
        client: httpx.Client | None = None,
        max_retries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        max_bytes: int = MAX_CLIP_BYTES,
    ) -> None:
        if max_retries < 0 or not backoff >= 0:
            raise VideoGenInputError(
                f"max_retries={max_retries!r}, backoff={backoff!r}: must not be negative"
            )
        self.provider = provider
        self.key_env = key_env
        self.api_hosts = api_hosts
        self.file_hosts = file_hosts
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_bytes = max_bytes
        self._auth = auth
        self._secrets = {s for s in secrets if s}
        self._testing = testing
        self._sleep = sleep
        self._random = random.Random()
        self._owns_client = client is None
        self._client = client if client is not None else default_client()
        self._limits = threading.local()  # (deadline, seconds, label) of this thread's limit
        scrub_httpx_logs()

    @contextmanager
    def time_limit(self, seconds: float, label: str) -> Iterator[None]:
        """Every call and download this thread makes in the block ends within ``seconds``
        from now (see the module docstring); ``label`` names the work in messages ("the
        clip"). A nested block replaces the limit while it runs (a cancel gets its own few
        seconds after the clip's time ran out)."""
        saved = getattr(self._limits, "current", None)
        self._limits.current = (time.monotonic() + seconds, seconds, label)
        try:
            yield
        finally:
            self._limits.current = saved

    def _left(self) -> float | None:
        """Seconds left inside a time_limit block, else None."""
        current: tuple[float, float, str] | None = getattr(self._limits, "current", None)
        return None if current is None else current[0] - time.monotonic()

    def _timeout(self) -> Any:
        """The client's time-outs, each cut to the time left (its defaults outside a limit)."""
        left = self._left()
        if left is None:
            return httpx.USE_CLIENT_DEFAULT
        room = max(left, 0.001)
        default = self._client.timeout
        parts = (default.connect, default.read, default.write, default.pool)
        connect, read, write, pool = (room if t is None else min(t, room) for t in parts)
        return httpx.Timeout(connect=connect, read=read, write=write, pool=pool)

    def close(self) -> None:
        """Close the HTTP client if this object made it."""
        if self._owns_client:
            self._client.close()

    def add_secret(self, secret: str) -> None:
        """Blank ``secret`` out of messages from now on (e.g. a freshly signed token)."""
        if secret:
            self._secrets.add(secret)

    # ---- calls -------------------------------------------------------------------------

    def call(
        self,
        method: str,
        url: str,
        what: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One API exchange (with the key) with retries; a 2xx answer or an error."""
        self.check_url(url, what, api=True)
        where = self.where(url)

        def once() -> httpx.Response:
            sent = {"accept": "application/json", **self._auth(), **(headers or {})}
            try:
                response = self._client.request(
                    method,
                    url,
                    json=body,
                    params=params,
                    headers=sent,
                    follow_redirects=False,
                    timeout=self._timeout(),
                )
            except httpx.TransportError as exc:
                raise self._transport_retry(exc) from None
            if response.status_code >= 300:
                self._fail(response, what, where, keyed=True)
            return response

        return self._attempts(what, where, once)

    def json(self, response: httpx.Response, what: str, expected: str) -> dict[str, Any]:
        """The answer as a JSON object; ProviderError naming what was expected otherwise."""
        try:
            value = response.json()
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ProviderError(
                f"{self.provider} answered {what} at {self.where(str(response.url))} with"
                f" something that is not a JSON object (expected {expected}):"
                f" {self.clean(response.text)!r}"
            )
        return value

    def unexpected(self, what: str, detail: str, answer: Any) -> ProviderError:
        """The error for a JSON answer without the fields the protocol promises."""
        shown = self.clean(json.dumps(answer, default=str))
        return ProviderError(f"unexpected {self.provider} answer to {what}: {detail}: {shown}")

    # ---- downloads ---------------------------------------------------------------------

    def download(
        self, url: str, out_path: Path, what: str, *, keyed: bool = False, redirects: int = 0
    ) -> Path:
        """Stream ``url`` to ``out_path`` (replaced only when complete) and return it.

        ``keyed`` sends the auth headers to API hosts (never to other hosts); at most
        ``redirects`` redirects are followed, each to an allowed host. MediaError when the file
        is empty, larger than ``max_bytes`` or cut short; ProviderError for refusals.
        """
        out_path = Path(out_path)
        temp = out_path.with_name(f".{out_path.name}.partial")
        where = self.where(url)
        try:
            self._attempts(
                what, where, lambda: self._download_once(url, temp, what, keyed, redirects)
            )
            os.replace(temp, out_path)
        except BaseException:
            remove_quietly(temp)
            raise
        return out_path

    def _download_once(self, url: str, temp: Path, what: str, keyed: bool, redirects: int) -> int:
        current = url
        for hop in range(redirects + 1):
            self.check_url(current, what, api=False)
            to_api = self._is_api_host(current)
            headers = self._auth() if keyed and to_api else {}
            try:
                with self._client.stream(
                    "GET", current, headers=headers, follow_redirects=False, timeout=self._timeout()
                ) as response:
                    status = response.status_code
                    if status in REDIRECT_STATUS and hop < redirects:
                        current = urljoin(current, response.headers.get("location", ""))
                        logger.debug(
                            "%s: %s redirected to %s", self.provider, what, self.where(current)
                        )
                        continue
                    if status >= 300:
                        response.read()
                        self._fail(response, what, self.where(current), keyed=keyed and to_api)
                    return self._write(response, temp, what, self.where(current))
            except httpx.TransportError as exc:
                raise self._transport_retry(exc) from None
        raise ProviderError(
            f"{self.provider}: {what} at {self.where(url)} redirected more than {redirects}"
            " times; not followed"
        )

    def _write(self, response: httpx.Response, temp: Path, what: str, where: str) -> int:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise MediaError(
                f"{self.provider}: {what} at {where} is {int(declared)} bytes, more than the"
                f" {self.max_bytes} accepted"
            )
        size = 0
        try:
            with temp.open("wb") as fh:
                for chunk in response.iter_bytes(_CHUNK):
                    left = self._left()
                    if left is not None and left <= 0:
                        raise self._out_of_time(what, where, f"{size} bytes downloaded")
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise MediaError(
                            f"{self.provider}: {what} at {where} is larger than the"
                            f" {self.max_bytes} bytes accepted"
                        )
                    fh.write(chunk)
        except httpx.TransportError as exc:  # the body stopped early
            raise _Retry(
                f"the download was cut short after {size} bytes"
                + (f" of {declared}" if declared else "")
                + f" ({type(exc).__name__})",
                final=MediaError,
            ) from None
        except OSError as exc:
            raise MediaError(f"cannot write {str(temp)!r}: {exc.strerror or exc}") from exc
        if size == 0:
            raise MediaError(f"{self.provider}: {what} at {where} is empty (0 bytes)")
        logger.info("%s: %s downloaded, %d bytes from %s", self.provider, what, size, where)
        return size

    # ---- shared ------------------------------------------------------------------------

    def _attempts(self, what: str, where: str, once: Callable[[], T]) -> T:
        last = _Retry("no attempt made")
        for attempt in range(self.max_retries + 1):
            delay = min(self.backoff * 2**attempt, MAX_BACKOFF) * self._random.uniform(0.5, 1.0)
            self._check_time(what, where, last, attempt)
            try:
                return once()
            except _Retry as retry:
                last = retry
                delay = delay if retry.wait is None else retry.wait
            if attempt < self.max_retries:
                left = self._left()
                if left is not None and delay >= left:
                    raise self._out_of_time(what, where, last.reason)
                logger.info(
                    "%s: %s at %s: %s; retry %d of %d in %.2f s",
                    self.provider,
                    what,
                    where,
                    last.reason,
                    attempt + 1,
                    self.max_retries,
                    delay,
                )
                self._sleep(delay)
        raise last.final(
            f"{self.provider}: {what} at {where} failed after {self.max_retries + 1} attempts;"
            f" last error: {last.reason}. Try again later"
        )

    def _check_time(self, what: str, where: str, last: _Retry, attempt: int) -> None:
        """ProviderError when the time limit has run out (before an attempt)."""
        left = self._left()
        if left is not None and left <= 0:
            raise self._out_of_time(what, where, last.reason if attempt else None)

    def _out_of_time(self, what: str, where: str, detail: str | None) -> ProviderError:
        _, limit, label = self._limits.current
        said = f": {detail}" if detail else ""
        return ProviderError(
            f"{self.provider}: {label} did not finish in its time limit of {limit:g} s"
            f" ({what} at {where}{said}). Try again later, or allow more time"
        )

    def _transport_retry(self, exc: httpx.TransportError) -> _Retry:
        if isinstance(exc, httpx.TimeoutException):
            return _Retry(f"timed out ({type(exc).__name__})")
        return _Retry(f"connection failed: {self.clean(str(exc)) or type(exc).__name__}")

    def _fail(self, response: httpx.Response, what: str, where: str, *, keyed: bool) -> NoReturn:
        """Raise for a non-2xx answer: _Retry for transient ones, errors for the rest."""
        status = response.status_code
        message = self.clean(provider_message(response))
        if status in RETRY_STATUS:
            raise _Retry(f"HTTP {status}: {message}", wait=retry_after(response))
        if status < 400:
            target = self.where(urljoin(str(response.url), response.headers.get("location", "")))
            raise ProviderError(
                f"{self.provider}: {what} at {where} answered HTTP {status}, a redirect to"
                f" {target}; redirects are not followed"
            )
        if status in (401, 403) and keyed:
            raise ProviderAuthError(
                f"{self.provider} refused the key (HTTP {status} at {where}): {message};"
                f" check {self.key_env}"
            )
        if status in (401, 403, 404, 410):
            raise ProviderError(
                f"{self.provider}: {what} at {where} was refused (HTTP {status}): {message};"
                " result links expire, so the clip must be fetched as soon as it is made"
            )
        raise ProviderError(
            f"{self.provider}: {what} failed: HTTP {status} from {where}: {message}"
        )

    def check_url(self, url: str, what: str, *, api: bool) -> None:
        """ProviderError unless ``url`` may be fetched (see the module docstring)."""
        hosts = self.api_hosts if api else self.file_hosts
        reason = refusal(url, hosts, testing=self._testing, check_dns=not api)
        if reason:
            allowed = ", ".join(f"*{p}" if p.startswith(".") else p for p in hosts)
            raise ProviderError(
                f"refusing to fetch {self.where(url)} for {self.provider} {what}: {reason}"
                f" (allowed: https on {allowed})"
            )

    def _is_api_host(self, url: str) -> bool:
        origin = origin_of(url)
        if origin is None:
            return False
        if self._testing is not None and origin == self._testing:
            return True
        return origin[0] == "https" and host_matches(origin[1], self.api_hosts)

    def where(self, url: str) -> str:
        """A URL fit for messages: no query string (signatures), no user info, no secrets."""
        try:
            parts = urlsplit(url)
            shown = f"{parts.scheme}://{parts.hostname or ''}"
            shown += f":{parts.port}" if parts.port else ""
            shown += parts.path
        except ValueError:
            shown = "(malformed URL)"
        shown = self.clean(shown)
        return shown if len(shown) <= 120 else shown[:120] + "…"

    def clean(self, text: str) -> str:
        """Provider text fit for a message: secrets blanked out, cut to a few hundred chars."""
        for secret in self._secrets:
            text = text.replace(secret, "[secret]")
        text = text.strip()
        return text if len(text) <= _SNIPPET else text[:_SNIPPET] + "…"


def default_client() -> httpx.Client:
    """A client with time-outs that never follows redirects on its own."""
    return httpx.Client(timeout=httpx.Timeout(90.0, connect=10.0), follow_redirects=False)


def provider_message(response: httpx.Response) -> str:
    """The ``detail``/``message``/``error`` of an error answer, else its text."""
    try:
        value = response.json()
    except ValueError:
        return response.text
    if isinstance(value, dict):
        value = value.get("detail") or value.get("message") or value.get("error") or value
        if isinstance(value, dict) and isinstance(value.get("message"), str):
            value = value["message"]  # Google: {"error": {"code", "message", "status"}}
    return value if isinstance(value, str) else json.dumps(value, default=str)


def retry_after(response: httpx.Response) -> float | None:
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
