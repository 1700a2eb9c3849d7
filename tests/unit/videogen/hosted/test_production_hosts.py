"""The adapters with their production settings (no base_url override), through httpx's mock
transport: only the providers' documented https hosts are fetched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.unit.videogen.hosted.conftest import ADAPTERS, PROVIDERS, mock_client
from tests.unit.videogen.hosted.fakes import FAKES, Fake
from videogen import ClipRequest, ProviderError, VideoGenInputError, probe_video
from videogen.hosted import _urls

API = {
    "fal": "queue.fal.run",
    "replicate": "api.replicate.com",
    "veo": "generativelanguage.googleapis.com",
    "kling": "api-singapore.klingai.com",
}
CLIPS = {  # result URLs as the providers document them
    "fal": "https://v3b.fal.media/files/b/0a97/w4qtf_output.mp4",
    "replicate": "https://replicate.delivery/yhqm/zhBT5Cu9/out-0.mp4",
    "veo": "https://generativelanguage.googleapis.com/v1beta/files/vid-1:download?alt=media",
    "kling": "https://cdn.klingai.com/bs2/upload-kling-api/2154/image2video/Cj-0_raw_video_1.mp4",
}
REFUSED = {
    "fal": [
        "https://fal.media.evil.test/x.mp4",
        "https://evilfal.media/x.mp4",
        "https://queue.fal.run.evil.test/x.mp4",
    ],
    "replicate": ["https://replicate.delivery.evil.test/x.mp4", "https://api.replicate.com/x.mp4"],
    "veo": ["https://storage.googleapis.com/x.mp4", "https://googleusercontent.com.evil.test/x"],
    "kling": ["https://klingai.com.evil.test/x.mp4", "https://cdn.kling.ai/x.mp4"],
}
EVERYWHERE = [  # refused for every provider
    "http://{host}/x.mp4",  # downgraded scheme
    "https://{host}:8443/x.mp4",
    "https://user:pass@{host}/x.mp4",
    "https://127.0.0.1/x.mp4",
    "https://[::1]/x.mp4",
    "https://169.254.169.254/latest/meta-data",
    "file:///etc/passwd",
]


@pytest.fixture(autouse=True)
def public_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """No network: every host name resolves to a public address."""
    monkeypatch.setattr(_urls, "resolve", lambda host: ["93.184.216.34"])


def run(fake: Fake, request: ClipRequest, out: Path) -> Path:
    adapter = ADAPTERS[fake.name](client=mock_client(fake), sleep=lambda s: None, first_poll=0.01)
    return adapter.generate(request, out)


def production_fake(provider: str, clip: bytes, video_url: str) -> Fake:
    fake = FAKES[provider](clip)
    fake.base = ADAPTERS[provider].base_urls[0]
    fake.video_url = video_url
    return fake


@pytest.mark.parametrize("provider", PROVIDERS)
def test_documented_hosts_are_used_and_only_api_hosts_see_the_key(
    provider: str,
    clips: dict[str, bytes],
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
) -> None:
    fake = production_fake(provider, clips["good"], CLIPS[provider])
    out = run(fake, request_for(), tmp_path / "clip.mp4")
    assert probe_video(out).n_frames == 30
    clip_host = CLIPS[provider].split("/")[2]
    assert {s.host for s in fake.seen if s.kind != "clip"} == {API[provider]}
    (clip,) = fake.of("clip")
    assert clip.host == clip_host
    keyed = {"authorization", "x-goog-api-key"} & set(clip.headers)
    assert keyed == ({"x-goog-api-key"} if provider == "veo" else set())


@pytest.mark.parametrize("provider", PROVIDERS)
def test_result_urls_off_the_documented_hosts_are_refused_without_contact(
    provider: str,
    clips: dict[str, bytes],
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
) -> None:
    host = CLIPS[provider].split("/")[2]
    for bad in REFUSED[provider] + [u.format(host=host) for u in EVERYWHERE]:
        fake = production_fake(provider, clips["good"], bad)
        with pytest.raises(ProviderError, match="refusing to fetch"):
            run(fake, request_for(), tmp_path / "clip.mp4")
        assert fake.of("clip") == [], bad


@pytest.mark.parametrize("provider", PROVIDERS)
def test_result_hosts_resolving_to_private_addresses_are_refused(
    provider: str,
    clips: dict[str, bytes],
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_urls, "resolve", lambda host: ["93.184.216.34", "10.20.30.40"])
    fake = production_fake(provider, clips["good"], CLIPS[provider])
    with pytest.raises(ProviderError, match=r"non-public address 10\.20\.30\.40"):
        run(fake, request_for(), tmp_path / "clip.mp4")
    assert fake.of("clip") == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_base_url_is_the_providers_or_loopback_http(provider: str) -> None:
    cls = ADAPTERS[provider]
    for bad in ["https://evil.test", "http://queue.fal.run", "http://10.0.0.1:8000", "ftp://x"]:
        with pytest.raises(VideoGenInputError, match="base_url"):
            cls(base_url=bad)
    for good in [*cls.base_urls, cls.base_urls[0] + "/", "http://127.0.0.1:8123"]:
        cls(base_url=good).close()
