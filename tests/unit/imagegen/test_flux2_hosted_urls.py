"""SSRF: the hosted FLUX.2 engine fetches the polling and sample URLs BFL's answers name, so
each is checked first: never loopback, private, link-local or metadata addresses, never plain
http, another port or user info (no network: ``resolve`` is replaced, as in videogen's tests)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from imagegen.errors import ProviderError
from imagegen.flux2 import urls
from imagegen.flux2.hosted import Flux2HostedEngine
from imagegen.request import ImageRequest

KEY = "bfl_test_SECRET_4242"
BASE = urlsplit("https://api.bfl.ai")
HOSTS = ("bfl.ai",)
PUBLIC = "93.184.216.34"


@pytest.fixture(autouse=True)
def public_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """Every host resolves to a public address unless a test names it in the dict."""
    answers: dict[str, list[str]] = {}
    monkeypatch.setattr(urls, "resolve", lambda host: answers.get(host, [PUBLIC]))
    yield answers


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://api.bfl.ai/v1/get_result?id=1", ""),
        ("https://delivery-eu1.bfl.ai/results/x.png?sig=1", ""),
        ("https://DELIVERY.bfl.ai./x.png", ""),
        ("https://delivery.bfl.ai:443/x.png", ""),
        ("https://169.254.169.254/latest/meta-data/", "host not allowed"),
        ("http://169.254.169.254/latest/meta-data/", "host not allowed"),
        ("https://127.0.0.1/x.png", "host not allowed"),
        ("https://[::1]/x.png", "host not allowed"),
        ("https://localhost/x.png", "host not allowed"),
        ("https://10.0.0.7/x.png", "host not allowed"),
        ("https://metadata.google.internal/x", "host not allowed"),
        ("file:///etc/passwd", "host not allowed"),
        ("gopher://delivery.bfl.ai/x", "scheme 'gopher' is not https"),
        ("http://delivery.bfl.ai/x.png", "scheme 'http' is not https"),
        ("https://delivery.bfl.ai:8443/x.png", "port 8443 is not 443"),
        ("https://user:pw@delivery.bfl.ai/x.png", "user info in the URL"),
        ("https://delivery.bfl.ai@169.254.169.254/x.png", "user info in the URL"),
        ("https://delivery.bfl.ai:99999/x.png", "not a valid URL"),
    ],
)
def test_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    assert urls.refusal(url, BASE, HOSTS) == reason


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "127.0.0.1", "10.1.2.3", "192.168.1.4", "::1", "fd00::1",
                "fe80::1%eth0", "::ffff:172.16.0.9", "0.0.0.0"],
)  # fmt: skip
def test_allowed_hosts_resolving_to_non_public_addresses_are_refused(
    address: str, public_dns: dict[str, list[str]]
) -> None:
    public_dns["delivery.bfl.ai"] = [PUBLIC, address]
    reason = urls.refusal("https://delivery.bfl.ai/x.png", BASE, HOSTS)
    assert reason == f"host resolves to non-public address {address}"


def test_hosts_that_do_not_resolve_are_left_to_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(host: str) -> list[str]:
        raise OSError("no DNS here")

    monkeypatch.setattr(urls, "resolve", fail)
    assert urls.refusal("https://delivery.bfl.ai/x.png", BASE, HOSTS) == ""


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "orange").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("where", ["polling_url", "sample"])
def test_the_engine_never_contacts_a_metadata_address(
    where: str, public_dns: dict[str, list[str]]
) -> None:
    """BFL's answer names a bfl.ai host that resolves to the cloud metadata address: refused
    before any request, with a message saying why (and never the key)."""
    public_dns["evil.eu1.bfl.ai"] = ["169.254.169.254"]
    evil = "https://evil.eu1.bfl.ai/latest/meta-data/"
    poll = evil if where == "polling_url" else "https://api.eu1.bfl.ai/v1/get_result?id=t"
    sample = evil if where == "sample" else "https://delivery.eu1.bfl.ai/x.png"
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.host))
        answers: dict[str, Any] = {
            "api.bfl.ai": {"id": "t", "polling_url": poll},
            "api.eu1.bfl.ai": {"status": "Ready", "result": {"sample": sample}},
        }
        if request.url.host in answers:
            return httpx.Response(200, json=answers[request.url.host])
        return httpx.Response(200, content=_png())

    request = ImageRequest(prompt="a lighthouse", width=64, height=64, seed=1)
    with httpx.Client(transport=httpx.MockTransport(handle)) as client:
        engine = Flux2HostedEngine(api_key=KEY, client=client, poll_interval=0.01)
        with pytest.raises(ProviderError, match=r"non-public address 169\.254\.169\.254") as info:
            engine.generate(request)
    assert "evil.eu1.bfl.ai" not in seen and "refusing to fetch" in str(info.value)
    assert KEY not in str(info.value)
