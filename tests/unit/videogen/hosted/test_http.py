"""The shared HTTP layer: Retry-After, backoff with jitter, size caps, URL checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from videogen import MediaError, ProviderAuthError, ProviderError, VideoGenInputError
from videogen.hosted import _http, _urls
from videogen.hosted._http import ProviderHTTP, key_from_env, retry_after
from videogen.hosted._urls import check_base_url

KEY = "test-SECRET-key"


def provider(handler: httpx.MockTransport, **options: object) -> tuple[ProviderHTTP, list[float]]:
    waits: list[float] = []
    settings: dict[str, object] = {
        "key_env": "TEST_KEY",
        "api_hosts": ("api.example.com",),
        "file_hosts": ("files.example.com", ".cdn.example.com"),
        "auth": lambda: {"authorization": f"Key {KEY}"},
        "secrets": [KEY],
        "client": httpx.Client(transport=handler),
        "sleep": waits.append,
        "max_retries": 3,
        "backoff": 1.0,
    }
    return ProviderHTTP("test", **(settings | options)), waits  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def public_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_urls, "resolve", lambda host: ["93.184.216.34"])


def test_retry_after_in_seconds_or_as_a_date_capped_at_a_minute() -> None:
    def answer(value: str) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value})

    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert retry_after(answer("2.5")) == 2.5
    assert 28 <= (retry_after(answer(soon)) or 0) <= 30
    assert retry_after(answer("3600")) == 60.0
    assert retry_after(answer("-4")) == 0.0
    assert retry_after(answer("soon")) is None and retry_after(httpx.Response(503)) is None


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    http, waits = provider(httpx.MockTransport(lambda r: httpx.Response(503)), max_retries=6,
                           backoff=4.0)  # fmt: skip
    with pytest.raises(ProviderError, match="after 7 attempts; last error: HTTP 503"):
        http.call("GET", "https://api.example.com/v1/x", "poll")
    assert len(waits) == 6
    for attempt, wait in enumerate(waits):
        ceiling = min(4.0 * 2**attempt, _http.MAX_BACKOFF)
        assert ceiling / 2 <= wait <= ceiling
    assert len(set(waits)) > 1


def test_401_and_403_from_the_api_name_the_variable_and_are_not_retried() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(403, json={"detail": f"forbidden for {KEY}"})

    http, waits = provider(httpx.MockTransport(handle))
    with pytest.raises(ProviderAuthError, match="check TEST_KEY") as info:
        http.call("POST", "https://api.example.com/v1/jobs", "submit", body={})
    assert KEY not in str(info.value) and len(seen) == 1 and waits == []


def test_downloads_are_capped_and_leave_nothing_behind(tmp_path: Path) -> None:
    big = b"x" * 5000
    for headers in ({}, {"content-length": str(len(big))}):

        def handle(request: httpx.Request, headers: dict[str, str] = headers) -> httpx.Response:
            if headers:
                return httpx.Response(200, content=big, headers=headers)
            return httpx.Response(200, content=iter([big[:3000], big[3000:]]))

        http, _ = provider(httpx.MockTransport(handle), max_bytes=4096)
        out = tmp_path / "clip.mp4"
        with pytest.raises(MediaError, match="4096"):
            http.download("https://x.cdn.example.com/clip.mp4", out, "clip")
        assert list(tmp_path.iterdir()) == []


def test_a_download_replaces_the_target_only_when_complete(tmp_path: Path) -> None:
    http, _ = provider(httpx.MockTransport(lambda r: httpx.Response(200, content=b"mp4 bytes")))
    out = tmp_path / "clip.mp4"
    out.write_bytes(b"old")
    assert http.download("https://files.example.com/c.mp4?sig=1", out, "clip") == out
    assert out.read_bytes() == b"mp4 bytes" and list(tmp_path.iterdir()) == [out]


def test_the_key_goes_to_api_hosts_only(tmp_path: Path) -> None:
    seen: dict[str, httpx.Headers] = {}

    def handle(request: httpx.Request) -> httpx.Response:
        seen[str(request.url.host)] = request.headers
        if request.url.host == "api.example.com":
            return httpx.Response(302, headers={"location": "https://a.cdn.example.com/c.mp4"})
        return httpx.Response(200, content=b"mp4")

    http, _ = provider(
        httpx.MockTransport(handle), file_hosts=("api.example.com", ".cdn.example.com")
    )
    http.download("https://api.example.com/f:download", tmp_path / "c.mp4", "clip",
                  keyed=True, redirects=1)  # fmt: skip
    assert seen["api.example.com"]["authorization"] == f"Key {KEY}"
    assert "authorization" not in seen["a.cdn.example.com"]
    with pytest.raises(ProviderError, match="redirects are not followed"):
        http.download("https://api.example.com/f", tmp_path / "d.mp4", "clip", redirects=0)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://files.example.com.evil.test/c.mp4", "host not allowed"),
        ("https://cdn.example.com/c.mp4", "host not allowed"),  # only its subdomains
        ("https://FILES.example.com./c.mp4", ""),
        ("https://a.b.cdn.example.com/c.mp4", ""),
        ("https://files.example.com:443/c.mp4", ""),
        ("https://[fe80::1%25eth0]/c.mp4", "IP address"),
        ("https://0x7f000001/c.mp4", "host not allowed"),
        ("https://files.example.com:99999/c.mp4", "not a valid URL"),
    ],
)
def test_url_checks(url: str, reason: str) -> None:
    http, _ = provider(httpx.MockTransport(lambda r: httpx.Response(200, content=b"x")))
    if reason:
        with pytest.raises(ProviderError, match=reason):
            http.check_url(url, "clip", api=False)
    else:
        http.check_url(url, "clip", api=False)


def test_hosts_that_do_not_resolve_are_left_to_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(host: str) -> list[str]:
        raise OSError("no DNS here")

    monkeypatch.setattr(_urls, "resolve", fail)
    http, _ = provider(httpx.MockTransport(lambda r: httpx.Response(200, content=b"x")))
    http.check_url("https://files.example.com/c.mp4", "clip", api=False)
    monkeypatch.setattr(_urls, "resolve", lambda host: ["::ffff:192.168.1.4"])
    with pytest.raises(ProviderError, match="non-public"):
        http.check_url("https://files.example.com/c.mp4", "clip", api=False)


def test_keys_and_base_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("A_KEY", "  ")
    monkeypatch.delenv("B_KEY", raising=False)
    with pytest.raises(ProviderAuthError, match="set the A_KEY or B_KEY environment variable"):
        key_from_env("test", ("A_KEY", "B_KEY"))
    monkeypatch.setenv("B_KEY", " b-key\n")
    assert key_from_env("test", ("A_KEY", "B_KEY")) == "b-key"
    assert check_base_url("https://api.example.com/", ("https://api.example.com",)) == (
        "https://api.example.com",
        None,
    )
    assert check_base_url("http://127.0.0.1:8080", ("https://x",))[1] == ("http", "127.0.0.1", 8080)
    with pytest.raises(VideoGenInputError, match="base_url"):
        check_base_url("http://192.168.0.2:8080", ("https://api.example.com",))
