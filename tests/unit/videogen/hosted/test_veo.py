"""Veo on the Gemini API: the predictLongRunning body, operations, the keyed download."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.unit.videogen.hosted.conftest import Rig, mock_client
from tests.unit.videogen.hosted.fakes import KEYS, Answer, FakeVeo
from videogen import ClipRequest, GenerationCancelled, ProviderError, probe_video
from videogen.hosted import VeoAdapter, _urls

OPERATION = "models/veo-3.1-fast-generate-preview/operations/op-1"


@pytest.fixture
def veo(serve: Callable[[str], Rig]) -> Rig:
    return serve("veo")


def body_for(rig: Rig, request: ClipRequest, tmp_path: Path) -> dict[str, Any]:
    with pytest.raises(GenerationCancelled):
        rig.adapter().generate(request, tmp_path / "clip.mp4", cancel=lambda: True)
    (submit,) = rig.fake.of("submit")
    return dict(submit.body)


def image_size(part: dict[str, str]) -> tuple[int, int]:
    assert part["mimeType"] == "image/png"
    return Image.open(io.BytesIO(base64.b64decode(part["bytesBase64Encoded"]))).size


def test_long_running_operation_end_to_end(
    veo: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    out = veo.adapter().generate(request_for(), tmp_path / "clip.mp4")

    info = probe_video(out)
    assert (info.n_frames, info.width, info.height, info.fps) == (30, 160, 90, 24)
    (submit,) = veo.fake.of("submit")
    assert submit.path == "/v1beta/models/veo-3.1-fast-generate-preview:predictLongRunning"
    assert submit.headers["x-goog-api-key"] == KEYS["GEMINI_API_KEY"]
    (instance,) = submit.body["instances"]
    assert set(instance) == {"prompt", "image"}
    assert instance["prompt"].endswith("Camera: slow push-in.")
    assert image_size(instance["image"]) == (400, 225)
    assert submit.body["parameters"] == {
        "aspectRatio": "16:9",
        "durationSeconds": 4,
        "resolution": "720p",
    }
    assert {p.path for p in veo.fake.of("poll")} == {f"/v1beta/{OPERATION}"}
    (clip,) = veo.fake.of("clip")
    assert clip.headers["x-goog-api-key"] == KEYS["GEMINI_API_KEY"]  # the URI is the API's


@pytest.mark.parametrize(
    ("size", "seconds", "parameters"),
    [
        ((1920, 1080), 1.0, {"aspectRatio": "16:9", "durationSeconds": 8, "resolution": "1080p"}),
        ((90, 160), 5.0, {"aspectRatio": "9:16", "durationSeconds": 6, "resolution": "720p"}),
        ((128, 128), 9.0, {"aspectRatio": "16:9", "durationSeconds": 8, "resolution": "720p"}),
    ],
)
def test_size_and_length_map_to_what_veo_makes(
    veo: Rig,
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    size: tuple[int, int],
    seconds: float,
    parameters: dict[str, Any],
) -> None:
    request = request_for(width=size[0], height=size[1], n_frames=round(seconds * 24))
    assert body_for(veo, request, tmp_path)["parameters"] == parameters


def test_an_end_frame_is_sent_as_last_frame(
    veo: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    end = tmp_path / "end.png"
    Image.new("RGB", (320, 180), "navy").save(end)
    (instance,) = body_for(veo, request_for(end_image=end), tmp_path)["instances"]
    assert image_size(instance["lastFrame"]) == (320, 180)


def test_google_api_key_is_the_fallback(
    veo: Rig,
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GEMINI_API_KEY")
    monkeypatch.setenv("GOOGLE_API_KEY", KEYS["GEMINI_API_KEY"])
    assert VeoAdapter.availability().available
    body_for(veo, request_for(), tmp_path)
    assert veo.fake.of("submit")[0].headers["x-goog-api-key"] == KEYS["GEMINI_API_KEY"]


@pytest.mark.parametrize(
    ("done", "message"),
    [
        (
            {"error": {"code": 3, "message": "prompt was blocked"}},
            "op-1 failed: prompt was blocked",
        ),
        (
            {
                "response": {
                    "generateVideoResponse": {
                        "raiMediaFilteredCount": 1,
                        "raiMediaFilteredReasons": ["may depict a real person"],
                    }
                }
            },
            "filtered by safety filters: may depict a real person",
        ),
    ],
)
def test_failed_and_filtered_operations(
    veo: Rig,
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    done: dict[str, Any],
    message: str,
) -> None:
    veo.fake.replace["poll"] = Answer(body={"name": OPERATION, "done": True, **done})
    with pytest.raises(ProviderError, match=message):
        veo.adapter().generate(request_for(), tmp_path / "clip.mp4")
    assert veo.fake.of("clip") == []


@pytest.mark.parametrize("name", ["../../v1/other", "operations/op 1?x=1", ""])
def test_an_operation_name_that_is_not_one_is_refused(
    veo: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path, name: str
) -> None:
    veo.fake.replace["submit"] = Answer(body={"name": name})
    with pytest.raises(ProviderError, match="no operation name"):
        veo.adapter().generate(request_for(), tmp_path / "clip.mp4")
    assert veo.fake.of("poll") == []


def test_the_documented_redirect_is_followed_to_google_without_the_key(
    clips: dict[str, bytes],
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_urls, "resolve", lambda host: ["142.250.74.97"])
    fake = FakeVeo(clips["good"])
    fake.base = fake.files = VeoAdapter.base_urls[0]
    fake.redirect_to = "https://video-downloads.googleusercontent.com/redirected/v.mp4?sig=1"
    adapter = VeoAdapter(client=mock_client(fake), sleep=lambda s: None)
    out = adapter.generate(request_for(), tmp_path / "clip.mp4")

    assert probe_video(out).n_frames == 30
    (first,) = fake.of("clip")
    (second,) = fake.of("redirected")
    assert first.headers["x-goog-api-key"] == KEYS["GEMINI_API_KEY"]
    assert second.host == "video-downloads.googleusercontent.com"
    assert "x-goog-api-key" not in second.headers


@pytest.mark.parametrize(
    "target",
    ["https://evil.test/v.mp4", "https://10.0.0.9/v.mp4", "http://video.googleusercontent.com/v"],
)
def test_redirects_off_google_are_refused(
    clips: dict[str, bytes],
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
) -> None:
    monkeypatch.setattr(_urls, "resolve", lambda host: ["142.250.74.97"])
    fake = FakeVeo(clips["good"])
    fake.base = fake.files = VeoAdapter.base_urls[0]
    fake.redirect_to = target
    with pytest.raises(ProviderError, match="refusing to fetch"):
        VeoAdapter(client=mock_client(fake), sleep=lambda s: None).generate(
            request_for(), tmp_path / "clip.mp4"
        )
    assert fake.of("redirected") == []
