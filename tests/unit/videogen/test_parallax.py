"""Parallax in the motion adapter: a depth guess from the still, near things moving more."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from tests.unit.videogen.conftest import decode_rgb
from videogen import ClipRequest, MotionAdapter
from videogen.camera import plan_camera
from videogen.depth import estimate_depth
from videogen.parallax import ParallaxWarp
from videogen.request import CAMERA_MOVES

W, H = 320, 180


def layered_still(path: Path) -> Path:
    """Soft noise everywhere (the far background) and a sharp noise block low in the middle
    (the subject in focus, near the camera)."""
    rng = np.random.default_rng(0)
    img = Image.fromarray((rng.random((360, 640, 3)) * 255).astype(np.uint8))
    img = img.filter(ImageFilter.GaussianBlur(6))
    img.paste(Image.fromarray((rng.random((120, 160, 3)) * 255).astype(np.uint8)), (240, 220))
    img.save(path)
    return path


def shift_x(before: np.ndarray, after: np.ndarray) -> int:
    """Horizontal shift of ``after`` against ``before`` (phase correlation, whole pixels)."""
    a, b = before - before.mean(), after - after.mean()
    cross = np.fft.fft2(b) * np.conj(np.fft.fft2(a))
    peak = np.fft.ifft2(cross / (np.abs(cross) + 1e-9)).real
    x = int(np.unravel_index(peak.argmax(), peak.shape)[1])
    return x - a.shape[1] if x > a.shape[1] // 2 else x


def request(image: Path, **fields: object) -> ClipRequest:
    spec: dict[str, object] = dict(image=image, width=W, height=H, fps=24, n_frames=24)
    spec.update(camera="pan-right", parallax=1.0)
    spec.update(fields)
    return ClipRequest(**spec)  # type: ignore[arg-type]


def test_depth_reads_the_sharp_low_subject_as_near_and_the_soft_top_as_far(
    tmp_path: Path,
) -> None:
    depth = estimate_depth(Image.open(layered_still(tmp_path / "s.png")))
    rows, cols = depth.shape
    assert depth.min() >= -1.0 and depth.max() <= 1.0
    assert depth[int(rows * 0.78), cols // 2] > 0.8  # the sharp block
    assert depth[int(rows * 0.15), cols // 6] < -0.5  # soft, high in the frame


def test_depth_of_an_evenly_sharp_still_follows_the_ground_plane() -> None:
    rng = np.random.default_rng(1)
    noise = Image.fromarray((rng.random((180, 320)) * 255).astype(np.uint8)).convert("RGB")
    for img in (noise, Image.new("RGB", (320, 180), (90, 120, 40))):
        column = estimate_depth(img).mean(axis=1)
        assert column[-1] > 0.8 and column[0] < -0.8
        assert np.all(np.diff(column) > -0.05), "nearer towards the bottom"


def test_near_things_slide_past_faster_than_far_ones(tmp_path: Path) -> None:
    still = layered_still(tmp_path / "s.png")
    moved = {}
    for parallax in (0.0, 1.0):
        out = MotionAdapter().generate(request(still, parallax=parallax), tmp_path / "c.mp4")
        frames = decode_rgb(out).astype(np.float64).mean(axis=3)
        first, last = frames[0], frames[-1]
        near = shift_x(first[115:175, 125:195], last[115:175, 125:195])
        far = shift_x(first[10:60, 10:120], last[10:60, 10:120])
        moved[parallax] = (near, far)
    flat_near, flat_far = moved[0.0]
    near, far = moved[1.0]
    assert flat_near == pytest.approx(flat_far, abs=1) and flat_near < -20  # one flat picture
    assert near == pytest.approx(flat_near, abs=2)  # the nearest keep the full travel
    assert abs(far) < abs(near) / 2, f"far moved {far} px, near {near} px"


def test_on_a_push_in_near_things_grow_faster_than_far_ones() -> None:
    plan = plan_camera(request(Path("unused.png"), camera="push-in"))
    spans = {}
    for nearness in (1.0, -1.0):
        warp = ParallaxWarp(plan, np.full((9, 16), nearness), W, H)
        spans[nearness] = [float(np.ptp(warp.vertices(k)[0])) for k in (0, 23)]
    assert spans[1.0][0] == pytest.approx(spans[-1.0][0])  # same on the widest frame
    assert spans[1.0][1] < spans[-1.0][1] * 0.9  # near: a smaller window, so bigger on screen


@pytest.mark.parametrize("camera", CAMERA_MOVES)
def test_the_warp_never_reaches_outside_the_still(camera: str) -> None:
    fields = dict(camera=camera, intensity=2.0, pulses=(0.3, 0.7), n_frames=48)
    tilted = np.linspace(-1.0, 1.0, 16)[None, :].repeat(9, axis=0)
    for seed in range(3):
        plan = plan_camera(request(Path("unused.png"), seed=seed, **fields))
        for depth in (np.ones((9, 16)), -np.ones((9, 16)), tilted, tilted.T.copy()):
            warp = ParallaxWarp(plan, depth, W, H)
            for k in range(48):
                x, y = warp.reach(k)
                assert min(x.min(), y.min()) > -1e-3 and max(x.max(), y.max()) < 1 + 1e-3


def test_parallax_is_deterministic_and_keys_stay_put_without_it(tmp_path: Path) -> None:
    still = layered_still(tmp_path / "s.png")
    a = MotionAdapter().generate(request(still, camera="static", seed=3), tmp_path / "a.mp4")
    b = MotionAdapter().generate(request(still, camera="static", seed=3), tmp_path / "b.mp4")
    assert a.read_bytes() == b.read_bytes()
    plain = request(still).model_copy(update={"parallax": 0.0})
    unset = ClipRequest(**plain.model_dump(exclude={"parallax"}))
    assert plain.cache_key("motion", "1") == unset.cache_key("motion", "1")
    assert request(still).cache_key("motion", "1") != plain.cache_key("motion", "1")
    with pytest.raises(ValueError, match="parallax"):
        request(still, parallax=1.5)
