"""Rendered transitions and speed: decoded frames show the planned mix on the planned frame."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.unit.videogen.conftest import decode_rgb, frame_numbers
from tests.unit.videogen.test_export import clip, leftovers, make_timeline
from videogen import Gap, MediaError, Transition, export_video

RED, BLUE = np.array([210, 30, 30]), np.array([40, 40, 210])


def means(path: Path) -> np.ndarray:
    """Mean RGB of each decoded frame, ``(n, 3)``."""
    frames = decode_rgb(path)
    return frames.reshape(len(frames), -1, 3).mean(axis=1)


def faded_number(rgb: np.ndarray, weight: float) -> int:
    """Index of a numbered-clip frame shown at ``weight`` over black."""
    r, g = rgb[0] / weight, rgb[1] / weight
    return round((r - 20) / 12) + 16 * round((g - 20) / 12)


def test_crossfade_mixes_both_pictures_around_the_cut(
    tmp_path: Path, make_clip: Callable[..., Path]
) -> None:
    media = {"red": make_clip("red", tuple(RED), 30), "blue": make_clip("blue", tuple(BLUE), 30)}
    fade = Transition(name="x", transition_type="crossfade", in_offset=2, out_offset=3)
    timeline = make_timeline([clip("red", 20), fade, clip("blue", 16, source_start=4)], audio=None)
    out = export_video(timeline, resolve=media.__getitem__, out_path=tmp_path / "x.mp4")

    rgb = means(out)
    assert len(rgb) == 36
    assert np.allclose(rgb[:18], RED, atol=5) and np.allclose(rgb[23:], BLUE, atol=5)
    for j, f in enumerate(range(18, 23)):  # frames cut - in_offset … cut + out_offset - 1
        u = (j + 0.5) / 5
        assert np.allclose(rgb[f], RED * (1 - u) + BLUE * u, atol=5), (f, rgb[f])
    assert np.allclose(rgb[20], (RED + BLUE) / 2, atol=5), "the cut frame is the 50/50 middle"


def test_transitions_read_handles_and_leave_every_other_frame_exact(
    tmp_path: Path, numbered_clip: Path
) -> None:
    fade_out = Transition(name="out", transition_type="crossfade", out_offset=4)
    dip = Transition(name="dip", transition_type="dip-to-black", in_offset=2, out_offset=2)
    items = [
        clip("n", 20, source_start=10), fade_out, Gap(duration=6),
        clip("n", 10, source_start=60), dip, clip("n", 10, source_start=100),
    ]  # fmt: skip
    timeline = make_timeline(items, audio=None)  # type: ignore[arg-type]
    out = export_video(timeline, resolve=lambda _: numbered_clip, out_path=tmp_path / "h.mp4")

    rgb = means(out)
    numbers = frame_numbers(decode_rgb(out))
    assert len(numbers) == 46
    assert numbers[:20] == list(range(10, 30))
    # Fading to the gap shows the clip's frames past its out-point (its tail handle).
    assert [faded_number(rgb[20], 0.875), faded_number(rgb[21], 0.625)] == [30, 31]
    assert rgb[24:26].max() < 4, "then the gap is black"
    assert numbers[26:34] == list(range(60, 68))
    # A centred dip needs no handles: its own last frames fade out, the next clip's first in.
    assert [faded_number(rgb[34], 0.75), faded_number(rgb[37], 0.75)] == [68, 101]
    assert rgb[35].max() < rgb[34].max() / 2 and rgb[36].max() < rgb[37].max() / 2
    assert numbers[38:] == list(range(102, 110)), "the cut stays on its planned frame"


def test_odd_dip_is_black_in_its_middle(tmp_path: Path, make_clip: Callable[..., Path]) -> None:
    media = {"red": make_clip("red", tuple(RED), 24), "blue": make_clip("blue", tuple(BLUE), 24)}
    dip = Transition(name="d", transition_type="dip-to-black", in_offset=2, out_offset=3)
    timeline = make_timeline([clip("red", 20), dip, clip("blue", 16)], audio=None)
    rgb = means(export_video(timeline, resolve=media.__getitem__, out_path=tmp_path / "d.mp4"))
    assert rgb[20].max() < 3, "the middle frame of a 5-frame dip (the cut frame) is black"
    assert np.allclose(rgb[18], RED * 0.8, atol=5) and np.allclose(rgb[19], RED * 0.4, atol=5)
    assert np.allclose(rgb[21], BLUE * 0.4, atol=5) and np.allclose(rgb[22], BLUE * 0.8, atol=5)
    assert np.allclose(rgb[17], RED, atol=5) and np.allclose(rgb[23], BLUE, atol=5)


def test_speed_reads_every_other_frame_or_each_frame_twice(
    tmp_path: Path, numbered_clip: Path
) -> None:
    items = [clip("n", 8, source_start=0, speed=2.0), clip("n", 6, source_start=50, speed=0.5)]
    timeline = make_timeline(items, audio=None)  # type: ignore[arg-type]
    out = export_video(timeline, resolve=lambda _: numbered_clip, out_path=tmp_path / "s.mp4")
    assert frame_numbers(decode_rgb(out)) == [0, 2, 4, 6, 8, 10, 12, 14, 50, 50, 51, 51, 52, 52]


def test_missing_handles_hold_the_edge_frame_or_fail_before_encoding(
    tmp_path: Path, make_clip: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    media = {"red": make_clip("red", tuple(RED), 20), "blue": make_clip("blue", tuple(BLUE), 16)}
    fade = Transition(name="x", transition_type="crossfade", in_offset=2, out_offset=2)
    timeline = make_timeline([clip("red", 20), fade, clip("blue", 16)], audio=None)
    assert timeline.required_handles() == {"red": (0, 2), "blue": (2, 0)}

    out = tmp_path / "e.mp4"
    with pytest.raises(
        MediaError, match=r"clip 'red' needs 0.*and 2 after.*has 0 and 0; clip 'blue' needs 2"
    ):
        export_video(timeline, resolve=media.__getitem__, out_path=out, handles="error")
    assert not out.exists() and leftovers(tmp_path) == []

    with caplog.at_level(logging.WARNING, logger="videogen.frames"):
        export_video(timeline, resolve=media.__getitem__, out_path=out)
    assert "clip 'red' needs 0 source frames before its in-point and 2 after" in caplog.text
    assert "clip 'blue' needs 2 source frames before" in caplog.text
    rgb = means(out)
    assert np.allclose(rgb[19], RED * 0.625 + BLUE * 0.375, atol=5)  # held frames still mix
