"""Export presets: sizes, encoder settings, centre crop, and an export at a preset."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.unit.videogen.conftest import H, W, decode_rgb, stream_info, write_clip
from tests.unit.videogen.test_export import clip, make_timeline
from videogen import VideoGenInputError, export_video, probe_video
from videogen.presets import PRESETS, crop_box, get_preset


def test_every_aspect_and_resolution_has_the_expected_size() -> None:
    sizes = {name: (p.width, p.height) for name, p in PRESETS.items()}
    assert sizes == {
        "16:9-720p": (1280, 720), "16:9-1080p": (1920, 1080), "16:9-4k": (3840, 2160),
        "9:16-720p": (720, 1280), "9:16-1080p": (1080, 1920), "9:16-4k": (2160, 3840),
        "1:1-720p": (720, 720), "1:1-1080p": (1080, 1080), "1:1-4k": (2160, 2160),
    }  # fmt: skip
    hd, uhd = get_preset("16:9-1080p"), get_preset("16:9-4K")  # names are case-insensitive
    assert hd.maxrate_kbps < uhd.maxrate_kbps and hd.audio_bitrate == "256k"
    assert get_preset("1:1-1080p").maxrate_kbps < hd.maxrate_kbps  # fewer pixels, lower cap
    assert "-maxrate" in hd.x264_args() and "-bufsize" in hd.x264_args()
    with pytest.raises(VideoGenInputError, match=r"name='4:3-720p'.*16:9-720p, 16:9-1080p"):
        get_preset("4:3-720p")


@pytest.mark.parametrize(
    ("size", "preset", "box"),
    [
        ((1280, 720), "9:16-1080p", (438, 0, 404, 720)),
        ((1280, 720), "1:1-720p", (280, 0, 720, 720)),
        ((1280, 720), "16:9-4k", (0, 0, 1280, 720)),
        ((720, 1280), "16:9-720p", (0, 438, 720, 404)),
    ],
)
def test_crop_box_is_centred_even_and_keeps_the_aspect(
    size: tuple[int, int], preset: str, box: tuple[int, int, int, int]
) -> None:
    spec = get_preset(preset)
    x, y, w, h = crop_box(*size, spec)
    assert (x, y, w, h) == box
    assert all(v % 2 == 0 for v in box)
    assert w / h == pytest.approx(spec.width / spec.height, rel=0.01)


def test_vertical_preset_crops_the_middle_and_scales_up(
    tmp_path: Path, sine_wav: Callable[[float], Path]
) -> None:
    # Left third red, middle green, right third blue: a 9:16 crop of 16:9 sees only green.
    frame = np.zeros((H, W, 3), np.uint8)
    frame[:, : W // 3] = (200, 30, 30)
    frame[:, W // 3 : 2 * W // 3] = (30, 200, 40)
    frame[:, 2 * W // 3 :] = (40, 40, 200)
    media = {"bands": write_clip(tmp_path / "bands.mp4", [frame] * 6), "song": sine_wav(1.0)}
    timeline = make_timeline([clip("bands", 6)])
    out = export_video(
        timeline, resolve=media.__getitem__, out_path=tmp_path / "v.mp4", export_preset="9:16-720p"
    )
    info = probe_video(out)
    assert (info.width, info.height, info.n_frames) == (720, 1280, 6)
    assert "Audio: aac" in stream_info(out)
    colour = decode_rgb(out).reshape(6, -1, 3).mean(axis=1)
    assert np.allclose(colour, (30, 200, 40), atol=6), "only the middle band is left"
