"""Kling's own API: the JWT, the image2video body, the code envelope, task statuses."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from PIL import Image

from tests.unit.videogen.hosted.conftest import Rig
from tests.unit.videogen.hosted.fakes import KEYS, Answer, FakeKling
from videogen import (
    ClipRequest,
    GenerationCancelled,
    ProviderAuthError,
    ProviderError,
    VideoGenInputError,
    probe_video,
)
from videogen.hosted import KlingAdapter, kling


@pytest.fixture
def rig(serve: Callable[[str], Rig]) -> Rig:
    return serve("kling")


def body_for(rig: Rig, request: ClipRequest, tmp_path: Path, **options: Any) -> dict[str, Any]:
    with pytest.raises(GenerationCancelled):
        rig.adapter(**options).generate(request, tmp_path / "clip.mp4", cancel=lambda: True)
    (submit,) = rig.fake.of("submit")
    return dict(submit.body)


def claims_of(headers: dict[str, str]) -> dict[str, Any]:
    scheme, _, token = headers["authorization"].partition(" ")
    assert scheme == "Bearer"
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    return jwt.decode(
        token,
        KEYS["KLING_SECRET_KEY"],
        algorithms=["HS256"],
        options={"require": ["iss", "exp", "nbf"]},
    )


def test_image2video_end_to_end_with_a_verified_jwt(
    rig: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    before = int(time.time())
    out = rig.adapter().generate(request_for(), tmp_path / "clip.mp4")

    assert probe_video(out).n_frames == 30
    (submit,) = rig.fake.of("submit")
    assert submit.path == "/v1/videos/image2video"
    claims = claims_of(submit.headers)
    assert claims["iss"] == KEYS["KLING_ACCESS_KEY"]
    assert before + 1800 <= claims["exp"] <= int(time.time()) + 1800
    assert claims["nbf"] <= before and claims["exp"] - claims["nbf"] == 1805
    body = submit.body
    assert set(body) == {"model_name", "image", "prompt", "duration", "mode"}
    assert (body["model_name"], body["duration"], body["mode"]) == ("kling-v2-1", "5", "std")
    assert not body["image"].startswith("data:")  # Kling wants bare base64
    assert Image.open(io.BytesIO(base64.b64decode(body["image"]))).size == (400, 225)
    polls = rig.fake.of("poll")
    assert [p.path for p in polls] == ["/v1/videos/image2video/task-1"] * 3
    assert all(claims_of(p.headers)["iss"] == KEYS["KLING_ACCESS_KEY"] for p in polls)
    (clip,) = rig.fake.of("clip")
    assert "authorization" not in clip.headers


def test_the_token_is_reused_then_renewed_before_it_expires(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = rig.adapter()
    assert isinstance(adapter, KlingAdapter)
    now = [1_000_000.0]
    monkeypatch.setattr(kling.time, "time", lambda: now[0])
    first = adapter.token()
    now[0] += 1400  # 400 s left: still used
    assert adapter.token() == first
    now[0] += 150  # 250 s left: renewed
    second = adapter.token()
    assert second != first
    claims = jwt.decode(second, KEYS["KLING_SECRET_KEY"], algorithms=["HS256"],
                        options={"verify_exp": False, "verify_nbf": False})  # fmt: skip
    assert claims == {"iss": KEYS["KLING_ACCESS_KEY"], "exp": 1_003_350, "nbf": 1_001_545}


def test_pro_mode_sends_the_end_frame_as_image_tail(
    rig: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path, still: Path
) -> None:
    body = body_for(rig, request_for(end_image=still, n_frames=200), tmp_path, mode="pro")
    assert (body["mode"], body["duration"]) == ("pro", "10")
    assert Image.open(io.BytesIO(base64.b64decode(body["image_tail"]))).size == (400, 225)
    with pytest.raises(VideoGenInputError, match="end_image"):
        rig.adapter().submit(request_for(end_image=still))
    with pytest.raises(VideoGenInputError, match="end_image"):
        rig.adapter(model="kling-v2-1-master", mode="pro").submit(request_for(end_image=still))


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        (1102, ProviderError, "code 1102: account balance not enough"),
        (1002, ProviderAuthError, "refused the keys.*KLING_SECRET_KEY"),
    ],
)
def test_a_non_zero_code_is_an_error(
    rig: Rig,
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    code: int,
    error: type[Exception],
    message: str,
) -> None:
    fake = rig.fake
    assert isinstance(fake, FakeKling)
    fake.replace["submit"] = Answer(body=fake.envelope(None, code, "account balance not enough"))
    with pytest.raises(error, match=message):
        rig.adapter().generate(request_for(), tmp_path / "clip.mp4")
    assert fake.of("poll") == []


def test_a_failed_task_reports_kling_s_reason(
    rig: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    fake = rig.fake
    assert isinstance(fake, FakeKling)
    task = {"task_id": "task-1", "task_status": "failed", "task_status_msg": "image risk check"}
    fake.replace["poll"] = Answer(body=fake.envelope(task))
    with pytest.raises(ProviderError, match="task-1 failed: image risk check"):
        rig.adapter().generate(request_for(), tmp_path / "clip.mp4")


def test_both_keys_are_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLING_SECRET_KEY")
    info = KlingAdapter.availability()
    assert not info.available and "KLING_SECRET_KEY" in info.detail
    assert "KLING_ACCESS_KEY" not in info.detail
    with pytest.raises(ProviderAuthError, match="KLING_SECRET_KEY"):
        KlingAdapter()


def test_options_are_checked(rig: Rig) -> None:
    for options, name in [({"model": "kling-v9"}, "model"), ({"mode": "turbo"}, "mode")]:
        with pytest.raises(VideoGenInputError, match=name):
            rig.adapter(**options)
    assert rig.adapter(mode="pro").capabilities.resolutions == ("1080p",)
    KlingAdapter(base_url="https://api.klingai.com").close()
