"""Text overlays: drawn inside the frame, blended only where and when they show, checked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.unit.videogen.conftest import H, W, decode_rgb
from tests.unit.videogen.test_export import GREEN, clip, make_timeline
from videogen import TextOverlay, Timeline, VideoGenInputError, export_video
from videogen.overlays import PlanarOverlays, blend_planar, draw_overlay, planar_patch


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("We run for the last train", (1280, 720)),
        ("a line far too long " * 12, (720, 1280)),
        ("Über den Wolken — Привет", (360, 360)),
    ],
)
def test_patch_fits_inside_the_frame(text: str, size: tuple[int, int]) -> None:
    width, height = size
    patch = draw_overlay(TextOverlay(text=text, start=0, duration=10), width, height)
    h, w = patch.alpha.shape[:2]
    assert patch.top >= 0 and patch.top + h <= height
    assert patch.left >= 0 and patch.left + w <= width
    assert w <= width * 0.85, "long text wraps inside the title-safe area"
    assert patch.alpha.max() == pytest.approx(1.0) and patch.alpha.min() == 0.0
    assert patch.top + h / 2 > height / 2, "lyric lines sit below the middle of the frame"


def _grey_yuv(luma: int) -> np.ndarray:
    """A flat yuv420p frame (I420 layout) of luma ``luma`` and neutral chroma."""
    frame = np.full((H * 3 // 2, W), 128, np.uint8)
    frame[:H] = luma
    return frame


def test_blend_changes_only_the_patch_region() -> None:
    frame = _grey_yuv(90)
    patch = draw_overlay(TextOverlay(text="hello", start=0, duration=1), W, H)
    out = blend_planar(frame, planar_patch(patch), W, H)
    h, w = patch.alpha.shape[:2]
    changed = np.argwhere(out[:H] != frame[:H])
    assert len(changed) > 50
    assert changed[:, 0].min() >= patch.top - 1 and changed[:, 0].max() <= patch.top + h
    assert changed[:, 1].min() >= patch.left - 1 and changed[:, 1].max() <= patch.left + w
    assert (frame[:H] == 90).all(), "the source frame is not modified"
    assert out[:H].max() >= 230, "the text is white (video-range white is luma 235)"


def test_overlays_show_only_on_their_frames() -> None:
    base = _grey_yuv(60)
    overlays = [
        TextOverlay(text="one", start=5, duration=10),
        TextOverlay(text="two", start=15, duration=5),
        TextOverlay(text="title", start=0, duration=30, style="title"),
    ]
    draw = PlanarOverlays(overlays, W, H)
    lower = slice(int(H * 0.6), H)
    middle = slice(int(H * 0.45), int(H * 0.55))

    def lyric_visible(i: int) -> bool:
        return bool((draw(i, base)[lower] != 60).any())

    assert [lyric_visible(i) for i in (0, 4, 5, 14, 15, 19, 20, 29)] == [
        False, False, True, True, True, True, False, False,
    ]  # fmt: skip
    one, two = draw(10, base), draw(16, base)
    assert not np.array_equal(one[lower], two[lower]), "the next line replaces the last"
    assert (draw(25, base)[middle] != 60).any(), "styles may overlap"


def test_overlapping_or_overlong_lines_are_input_errors() -> None:
    items = [clip("green", 48)]
    with pytest.raises(VideoGenInputError, match="overlap"):
        make_timeline(items).model_copy(
            update={
                "overlays": [
                    TextOverlay(text="a", start=0, duration=20),
                    TextOverlay(text="b", start=10, duration=20),
                ]
            }
        ).validate_layout()
    with pytest.raises(VideoGenInputError, match="past the timeline"):
        make_timeline(items).model_copy(
            update={"overlays": [TextOverlay(text="a", start=40, duration=20)]}
        ).validate_layout()
    with pytest.raises(VideoGenInputError, match="text"):
        TextOverlay(text="", start=0, duration=5)


def test_export_draws_lines_on_their_frames(
    tmp_path: Path, make_clip: Callable[..., Path], sine_wav: Callable[[float], Path]
) -> None:
    media = {"green": make_clip("green", GREEN, 48), "song": sine_wav(2.0)}
    plain = make_timeline([clip("green", 48)])
    lined = Timeline.model_validate(
        plain.model_dump() | {"overlays": [{"text": "Hold on", "start": 12, "duration": 12}]}
    )
    frames = {}
    for name, timeline in (("plain", plain), ("lined", lined)):
        out = tmp_path / f"{name}.mp4"
        export_video(timeline, resolve=media.__getitem__, out_path=out)
        frames[name] = decode_rgb(out).astype(int)
    diff = np.abs(frames["lined"] - frames["plain"]).max(axis=(1, 2, 3))
    shown = [i for i, d in enumerate(diff) if d > 40]
    assert shown == list(range(12, 24))
