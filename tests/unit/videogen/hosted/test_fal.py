"""fal.ai's queue protocol: what the adapter sends, how it reads statuses, its models."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from tests.unit.videogen.hosted.conftest import Rig, leftovers
from tests.unit.videogen.hosted.fakes import KEYS, Answer
from videogen import (
    ClipRequest,
    GenerationCancelled,
    JobAdapter,
    ProviderError,
    VideoAdapter,
    VideoGenInputError,
    get_adapter,
    probe_video,
)
from videogen.hosted import FalAdapter


@pytest.fixture
def fal(serve: Callable[[str], Rig]) -> Rig:
    return serve("fal")


def decode_data_uri(uri: str) -> Image.Image:
    header, _, data = uri.partition(",")
    assert header == "data:image/png;base64"
    return Image.open(io.BytesIO(base64.b64decode(data)))


def submitted(rig: Rig, request: ClipRequest, tmp_path: Path) -> dict[str, object]:
    """The submit body for ``request`` (the job is cancelled right after submitting)."""
    with pytest.raises(GenerationCancelled):
        rig.adapter().generate(request, tmp_path / "clip.mp4", cancel=lambda: True)
    (submit,) = rig.fake.of("submit")
    assert isinstance(submit.body, dict)
    return submit.body


def test_queue_protocol_end_to_end(
    fal: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    adapter = fal.adapter()
    assert isinstance(adapter, VideoAdapter) and isinstance(adapter, JobAdapter)
    out = adapter.generate(request_for(), tmp_path / "clip.mp4")

    info = probe_video(out)
    assert (info.n_frames, info.width, info.height, info.fps) == (30, 160, 90, 24)
    (submit,) = fal.fake.of("submit")
    assert submit.path == "/fal-ai/kling-video/v2.1/standard/image-to-video"
    assert submit.headers["authorization"] == f"Key {KEYS['FAL_KEY']}"
    body = submit.body
    assert isinstance(body, dict) and set(body) == {"prompt", "image_url", "duration"}
    assert body["prompt"] == "a lighthouse at dusk, waves breaking. Camera: slow push-in."
    assert body["duration"] == "5"  # 1.25 s snapped up to fal Kling's shortest clip
    assert decode_data_uri(str(body["image_url"])).size == (400, 225)  # 4:3 still cut to 16:9
    polls = fal.fake.of("poll")
    assert len(polls) == 2 and all(p.method == "GET" for p in polls)
    assert all(p.headers["authorization"] == f"Key {KEYS['FAL_KEY']}" for p in polls)
    assert len(fal.fake.of("result")) == 1
    (clip,) = fal.fake.of("clip")
    assert "authorization" not in clip.headers  # result files never see the key
    assert fal.waits == [0.01]  # one wait between the two polls
    assert not leftovers(tmp_path)


@pytest.mark.parametrize(("seconds", "asked"), [(0.5, "5"), (5.0, "5"), (6.2, "10"), (14.0, "10")])
def test_durations_snap_to_what_the_model_makes(
    fal: Rig,
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    seconds: float,
    asked: str,
) -> None:
    body = submitted(fal, request_for(n_frames=round(seconds * 24)), tmp_path)
    assert body["duration"] == asked
    assert len(fal.fake.of("cancel")) == 1


def test_portrait_and_square_slots_send_a_still_of_that_shape(
    fal: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    body = submitted(fal, request_for(width=90, height=160), tmp_path)
    assert decode_data_uri(str(body["image_url"])).size == (169, 300)  # 9:16 from 400×300


def test_completed_with_an_error_is_a_failed_job(
    fal: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    fal.fake.pending = 0
    fal.fake.replace["poll"] = Answer(body={"status": "COMPLETED", "error": "image too small"})
    with pytest.raises(ProviderError, match="req-1 failed: image too small"):
        fal.adapter().generate(request_for(), tmp_path / "clip.mp4")
    assert fal.fake.of("result") == [] and fal.fake.of("clip") == []


def test_a_result_without_a_video_url_is_unexpected(
    fal: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    fal.fake.replace["result"] = Answer(body={"images": []})
    with pytest.raises(ProviderError, match="unexpected fal answer to result of request req-1"):
        fal.adapter().generate(request_for(), tmp_path / "clip.mp4")


def test_a_validation_error_from_fal_is_reported_not_retried(
    fal: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    detail = [{"loc": ["body", "duration"], "msg": "unexpected value"}]
    fal.fake.queued["submit"].append(Answer(422, {"detail": detail}))
    with pytest.raises(ProviderError, match=r"HTTP 422.*unexpected value"):
        fal.adapter().generate(request_for(), tmp_path / "clip.mp4")
    assert len(fal.fake.of("submit")) == 1


def test_models_options_and_registry(fal: Rig, request_for: Callable[..., ClipRequest]) -> None:
    master = fal.adapter(model="fal-ai/kling-video/v2.1/master/image-to-video")
    standard = get_adapter("FAL", base_url=fal.fake.base, client=fal.client)
    assert isinstance(standard, FalAdapter)
    assert master.version != standard.version
    assert master.capabilities.resolutions == ("1080p",)
    assert standard.capabilities.durations == (5.0, 10.0) and not standard.capabilities.local
    with pytest.raises(VideoGenInputError, match=r"fal-ai/kling-video/v2\.1/standard"):
        fal.adapter(model="fal-ai/unknown")
    with pytest.raises(VideoGenInputError, match="end_image"):
        standard.submit(request_for(end_image=request_for().image))
    for option in ({"timeout": 0}, {"first_poll": -1.0}, {"max_retries": -1}):
        with pytest.raises(VideoGenInputError):
            fal.adapter(**option)
    assert fal.fake.seen == []
