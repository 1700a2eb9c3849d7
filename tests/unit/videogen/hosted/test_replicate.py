"""Replicate's predictions protocol: what the adapter sends, statuses, modes, outputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.unit.videogen.hosted.conftest import Rig
from tests.unit.videogen.hosted.fakes import KEYS, Answer, FakeReplicate
from videogen import (
    ClipRequest,
    GenerationCancelled,
    ProviderError,
    VideoGenInputError,
    probe_video,
)


@pytest.fixture
def replicate(serve: Callable[[str], Rig]) -> Rig:
    return serve("replicate")


def model_input(rig: Rig, request: ClipRequest, tmp_path: Path, **options: Any) -> dict[str, Any]:
    """The prediction input for ``request`` (cancelled right after it is created)."""
    with pytest.raises(GenerationCancelled):
        rig.adapter(**options).generate(request, tmp_path / "clip.mp4", cancel=lambda: True)
    (submit,) = rig.fake.of("submit")
    assert set(submit.body) == {"input"}
    return dict(submit.body["input"])


def test_predictions_protocol_end_to_end(
    replicate: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    out = replicate.adapter().generate(request_for(n_frames=150), tmp_path / "clip.mp4")

    info = probe_video(out)  # a 2 s clip slowed 1.5x, then held, fills the 6.25 s slot
    assert (info.n_frames, info.width, info.height) == (150, 160, 90)
    (submit,) = replicate.fake.of("submit")
    assert submit.path == "/v1/models/kwaivgi/kling-v2.1/predictions"
    assert submit.headers["authorization"] == f"Bearer {KEYS['REPLICATE_API_TOKEN']}"
    assert "prefer" not in submit.headers
    sent = submit.body["input"]
    assert set(sent) == {"start_image", "prompt", "duration", "mode"}
    assert sent["start_image"].startswith("data:image/png;base64,")
    assert (sent["duration"], sent["mode"]) == (10, "standard")
    assert sent["prompt"].endswith("Camera: slow push-in.")
    assert [p.path for p in replicate.fake.of("poll")] == ["/v1/predictions/pred-1"] * 3
    (clip,) = replicate.fake.of("clip")
    assert "authorization" not in clip.headers


def test_prefer_wait_is_sent_when_asked(
    replicate: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    model_input(replicate, request_for(), tmp_path, wait=30)
    assert replicate.fake.of("submit")[0].headers["prefer"] == "wait=30"


def test_pro_mode_takes_an_end_frame(
    replicate: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path, still: Path
) -> None:
    sent = model_input(replicate, request_for(end_image=still), tmp_path, mode="pro")
    assert sent["mode"] == "pro" and sent["end_image"].startswith("data:image/png;base64,")
    assert replicate.adapter(mode="pro").capabilities.end_frame
    with pytest.raises(VideoGenInputError, match="end_image"):
        replicate.adapter().submit(request_for(end_image=still))


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        ("failed", "E005: flagged as sensitive", "pred-1 failed: E005: flagged as sensitive"),
        ("failed", None, "pred-1 failed: no reason given"),
        ("canceled", None, "was cancelled by the provider"),
    ],
)
def test_failed_and_cancelled_predictions(
    replicate: Rig,
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    status: str,
    error: str | None,
    message: str,
) -> None:
    fake = replicate.fake
    assert isinstance(fake, FakeReplicate)
    fake.replace["poll"] = Answer(body=fake.state(status, error=error))
    with pytest.raises(ProviderError, match=message):
        replicate.adapter().generate(request_for(), tmp_path / "clip.mp4")
    assert fake.of("clip") == []


def test_a_list_output_uses_its_first_file(
    replicate: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    fake = replicate.fake
    assert isinstance(fake, FakeReplicate)
    fake.pending = 0
    files = [fake.clip_url(), f"{fake.files}/files/second.mp4"]
    fake.replace["poll"] = Answer(body=fake.state("succeeded", output=files))
    replicate.adapter().generate(request_for(), tmp_path / "clip.mp4")
    assert [c.path for c in fake.of("clip")] == ["/files/clip.mp4"]


def test_succeeded_without_output_is_unexpected(
    replicate: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    fake = replicate.fake
    assert isinstance(fake, FakeReplicate)
    fake.replace["poll"] = Answer(body=fake.state("succeeded", output=None))
    with pytest.raises(ProviderError, match="no output URL"):
        replicate.adapter().generate(request_for(), tmp_path / "clip.mp4")


def test_options_are_checked(replicate: Rig) -> None:
    for options, name in [({"model": "x/y"}, "model"), ({"mode": "max"}, "mode"),
                          ({"wait": 61}, "wait")]:  # fmt: skip
        with pytest.raises(VideoGenInputError, match=name):
            replicate.adapter(**options)
    standard, pro = replicate.adapter(), replicate.adapter(mode="pro")
    assert standard.version != pro.version
    assert (standard.capabilities.resolutions, pro.capabilities.resolutions) == (
        ("720p",),
        ("1080p",),
    )
