"""ClipRequest validation and cache keys."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.unit.videogen.conftest import storyboard_still
from videogen import CAMERA_MOVES, ClipRequest, MediaError, VideoGenInputError


def request(image: Path, **changes: object) -> ClipRequest:
    fields: dict[str, object] = dict(
        image=image, width=320, height=180, fps=24, n_frames=48, camera="push-in"
    )
    fields.update(changes)
    return ClipRequest(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("camera", "zoom-wildly"),
        ("width", 321),
        ("height", 32),
        ("width", 8192),
        ("fps", 0),
        ("fps", 121),
        ("n_frames", 0),
        ("intensity", 2.5),
        ("intensity", -0.1),
        ("pulses", (0.5, float("nan"))),
    ],
)
def test_bad_field_is_an_input_error_naming_field_and_value(
    tmp_path: Path, field: str, value: object
) -> None:
    with pytest.raises(VideoGenInputError) as caught:
        request(tmp_path / "still.png", **{field: value})
    assert field in str(caught.value)
    assert repr(value)[:6] in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_every_camera_move_is_accepted(tmp_path: Path) -> None:
    for move in CAMERA_MOVES:
        assert request(tmp_path / "s.png", camera=move).camera == move


def test_request_is_frozen(tmp_path: Path) -> None:
    clip = request(tmp_path / "s.png")
    with pytest.raises(ValueError, match="frozen"):
        clip.fps = 30


def test_cache_key_follows_image_content_not_path(tmp_path: Path) -> None:
    a = storyboard_still(tmp_path / "a.png", seed=1)
    b = tmp_path / "elsewhere" / "copy.png"
    b.parent.mkdir()
    shutil.copy(a, b)
    c = storyboard_still(tmp_path / "c.png", seed=2)

    key = request(a).cache_key("motion", "1")
    assert len(key) == 64
    assert request(b).cache_key("motion", "1") == key
    assert request(c).cache_key("motion", "1") != key
    assert request(a, pulses=(0.5,)).cache_key("motion", "1") != key
    assert request(a, seed=3).cache_key("motion", "1") != key
    assert request(a).cache_key("motion", "2") != key
    assert request(a).cache_key("wan", "1") != key


def test_cache_key_of_missing_image_is_a_media_error(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"missing\.png"):
        request(tmp_path / "missing.png").cache_key("motion", "1")
