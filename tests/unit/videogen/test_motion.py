"""The motion adapter: exact clip format, camera moves that go the right way, gentle pulses."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.unit.videogen.conftest import (
    decode_rgb,
    scene_scores,
    storyboard_still,
    stream_info,
    target_still,
)
from videogen import (
    ADAPTERS,
    ClipRequest,
    ExportError,
    MediaError,
    MotionAdapter,
    UnknownAdapterError,
    VideoAdapter,
    VideoGenInputError,
    adapter_infos,
    get_adapter,
    probe_video,
)


def generate(tmp_path: Path, image: Path, name: str = "clip", **fields: object) -> Path:
    spec: dict[str, object] = dict(
        image=image, width=320, height=180, fps=24, n_frames=24, camera="static"
    )
    spec.update(fields)
    return MotionAdapter().generate(ClipRequest(**spec), tmp_path / f"{name}.mp4")  # type: ignore[arg-type]


def white_share(frame: np.ndarray) -> float:
    return float((frame.mean(axis=2) > 128).mean())


def white_centroid(frame: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(frame.mean(axis=2) > 128)
    return float(xs.mean()), float(ys.mean())


def luma(frames: np.ndarray) -> np.ndarray:
    return frames.astype(np.float64).mean(axis=(1, 2, 3))


def test_clip_has_exact_frames_size_rate_and_format(tmp_path: Path) -> None:
    still = storyboard_still(tmp_path / "s.png")
    out = generate(tmp_path, still, fps=25, n_frames=37, camera="pan-left", pulses=(0.4,))

    info = probe_video(out)
    assert (info.width, info.height, info.fps, info.n_frames) == (320, 180, 25.0, 37)
    assert not info.has_audio
    assert len(decode_rgb(out)) == 37
    streams = stream_info(out)
    assert "Video: h264" in streams and "yuv420p" in streams
    assert not list(tmp_path.glob(".*partial*")), "temp file left behind"


def test_push_in_enlarges_the_subject_and_pull_out_shrinks_it(tmp_path: Path) -> None:
    still = target_still(tmp_path / "target.png")
    push = decode_rgb(generate(tmp_path, still, "push", camera="push-in"))
    pull = decode_rgb(generate(tmp_path, still, "pull", camera="pull-out"))

    grow = white_share(push[-1]) / white_share(push[0])
    assert 1.15 < grow < 1.35  # zoom 1.0 → 1.12 scales the disc's area by ~1.25
    assert white_share(pull[-1]) / white_share(pull[0]) == pytest.approx(1 / grow, rel=0.05)
    # Eased: the zoom moves less over the first frames than in the middle.
    shares = [white_share(f) for f in push]
    assert shares[1] - shares[0] < shares[13] - shares[12]


def test_stronger_intensity_zooms_further(tmp_path: Path) -> None:
    still = target_still(tmp_path / "target.png")
    gentle = decode_rgb(generate(tmp_path, still, "gentle", camera="push-in", intensity=0.5))
    strong = decode_rgb(generate(tmp_path, still, "strong", camera="push-in", intensity=2.0))
    assert white_share(strong[-1]) / white_share(strong[0]) > (
        white_share(gentle[-1]) / white_share(gentle[0])
    )


@pytest.mark.parametrize(
    ("camera", "axis", "sign"),
    [("pan-left", 0, +1), ("pan-right", 0, -1), ("tilt-up", 1, +1), ("tilt-down", 1, -1)],
)
def test_pans_and_tilts_move_the_subject_across_the_frame(
    tmp_path: Path, camera: str, axis: int, sign: int
) -> None:
    # Panning left sweeps the view left, so the subject slides right (and so on).
    frames = decode_rgb(generate(tmp_path, target_still(tmp_path / "t.png"), camera=camera))
    first, last = white_centroid(frames[0]), white_centroid(frames[-1])
    travel = (last[axis] - first[axis]) * sign
    assert travel > 5, f"{camera}: subject moved {travel:.1f} px the wrong way or not at all"
    other = abs(last[1 - axis] - first[1 - axis])
    assert other < 1.0
    assert white_share(frames[-1]) == pytest.approx(white_share(frames[0]), rel=0.05)


def test_static_shot_breathes_slowly_and_is_deterministic(tmp_path: Path) -> None:
    still = storyboard_still(tmp_path / "s.png")
    a = decode_rgb(generate(tmp_path, still, "a", seed=7))
    b = decode_rgb(generate(tmp_path, still, "b", seed=7))
    assert np.array_equal(a, b)
    drift = np.abs(a[-1].astype(int) - a[0].astype(int)).mean()
    assert 0.2 < drift < 8.0
    steps = np.abs(np.diff(a.astype(int), axis=0)).mean(axis=(1, 2, 3))
    assert steps.max() < 1.5


def test_pulse_lifts_brightness_briefly_and_is_no_cut(tmp_path: Path) -> None:
    still = storyboard_still(tmp_path / "s.png", seed=1)
    plain = decode_rgb(generate(tmp_path, still, "plain", n_frames=48))
    pulsed = decode_rgb(generate(tmp_path, still, "pulsed", n_frames=48, pulses=(0.5, 1.5)))

    lift = luma(pulsed) - luma(plain)
    at_pulse = 12  # 0.5 s at 24 fps
    assert lift[at_pulse] > 4.0
    assert lift[at_pulse + 4] < lift[at_pulse] * 0.3  # ~0.17 s later it has mostly decayed
    assert abs(lift[at_pulse + 6]) < 1.0
    assert abs(lift[6]) < 0.5  # no pulse, no change
    assert lift[36] > 4.0  # second pulse at 1.5 s

    # A real cut: this still against a different one.
    other = decode_rgb(generate(tmp_path, storyboard_still(tmp_path / "o.png", seed=2), "other"))
    cut_step = np.abs(other[0].astype(int) - pulsed[23].astype(int)).mean()
    pulse_steps = np.abs(np.diff(pulsed.astype(int), axis=0)).mean(axis=(1, 2, 3))
    assert pulse_steps.max() < cut_step / 4
    assert max(scene_scores(tmp_path / "pulsed.mp4")) < 0.1  # cut detectors use 0.3-0.4


def test_still_of_any_size_and_aspect_is_centre_cropped_to_cover(tmp_path: Path) -> None:
    tall = Image.new("RGB", (200, 600), (220, 20, 20))
    tall.paste((20, 200, 20), (0, 200, 200, 400))  # green middle third
    tall.save(tmp_path / "tall.png")
    frames = decode_rgb(generate(tmp_path, tmp_path / "tall.png", "tall", n_frames=3))
    assert frames.shape == (3, 180, 320, 3)
    mean = frames[0].reshape(-1, 3).mean(axis=0)
    assert mean[1] > 180 and mean[0] < 40  # only the green middle shows

    Image.new("RGB", (90, 50), (10, 10, 200)).save(tmp_path / "tiny.png")
    tiny = decode_rgb(generate(tmp_path, tmp_path / "tiny.png", "tiny", n_frames=3))
    assert tiny.shape == (3, 180, 320, 3)


def test_missing_or_corrupt_still_is_a_media_error(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"nope\.png"):
        generate(tmp_path, tmp_path / "nope.png")
    (tmp_path / "broken.png").write_bytes(b"not an image")
    with pytest.raises(MediaError, match=r"broken\.png"):
        generate(tmp_path, tmp_path / "broken.png")
    assert not list(tmp_path.glob("*.mp4"))


def test_output_folder_missing_is_an_export_error(tmp_path: Path) -> None:
    request = ClipRequest(
        image=storyboard_still(tmp_path / "s.png"),
        width=320,
        height=180,
        fps=24,
        n_frames=4,
        camera="static",
    )
    with pytest.raises(ExportError, match="does not exist"):
        MotionAdapter().generate(request, tmp_path / "missing" / "clip.mp4")
    assert not (tmp_path / "missing").exists()


def test_existing_clip_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    out.write_bytes(b"old")
    generate(tmp_path, storyboard_still(tmp_path / "s.png"), n_frames=5)
    assert probe_video(out).n_frames == 5


def test_registry_builds_motion_and_names_known_adapters() -> None:
    assert next(iter(ADAPTERS)) == "motion"
    assert {"diffusers-i2v", "fal", "replicate", "veo", "kling"} <= set(ADAPTERS)
    adapter = get_adapter("Motion", crf=23)
    assert isinstance(adapter, MotionAdapter) and isinstance(adapter, VideoAdapter)
    assert (adapter.name, adapter.version) == ("motion", "1")
    with pytest.raises(UnknownAdapterError, match="motion") as caught:
        get_adapter("sora")
    assert "sora" in str(caught.value)
    assert str(pickle.loads(pickle.dumps(caught.value))) == str(caught.value)
    with pytest.raises(VideoGenInputError, match="crf"):
        get_adapter("motion", crf=99)
    with pytest.raises(VideoGenInputError, match="colour"):
        get_adapter("motion", colour="red")
    info = adapter_infos()[0]
    assert info.name == "motion" and info.available


def test_an_end_frame_is_dissolved_into_over_the_last_third_of_a_second(tmp_path: Path) -> None:
    from tests.unit.videogen.conftest import decode_rgb

    red, blue = tmp_path / "red.png", tmp_path / "blue.png"
    Image.new("RGB", (400, 240), (220, 20, 20)).save(red)
    Image.new("RGB", (400, 240), (20, 20, 220)).save(blue)
    base = {"image": red, "width": 320, "height": 180, "fps": 24, "n_frames": 24}
    base["camera"] = "static"
    plain = decode_rgb(MotionAdapter().generate(ClipRequest(**base), tmp_path / "a.mp4"))
    into = decode_rgb(
        MotionAdapter().generate(ClipRequest(**base, end_image=blue), tmp_path / "b.mp4")
    )
    blue_share = into[..., 2].mean(axis=(1, 2)) / 255
    assert np.abs(into[:16].astype(int) - plain[:16]).max() <= 2, "untouched before the dissolve"
    assert blue_share[-1] > 0.7 and blue_share[16] < blue_share[20] < blue_share[-1]
    assert MotionAdapter.capabilities.end_frame
