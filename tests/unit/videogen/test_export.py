"""Export: frame-exact cuts, soundtrack length, and failures that never leave a broken file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.unit.videogen.conftest import (
    FPS,
    H,
    W,
    decode_rgb,
    frame_numbers,
    scene_scores,
    stream_info,
    write_clip,
)
from videogen import (
    ExportError,
    Gap,
    GenerationCancelled,
    MediaError,
    Timeline,
    TimelineClip,
    Track,
    Transition,
    VideoGenInputError,
    export_video,
    probe_video,
)

RED, GREEN, BLUE = (210, 30, 30), (30, 200, 40), (40, 40, 210)


def make_timeline(
    items: list[TimelineClip | Gap | Transition], audio: str | None = "song"
) -> Timeline:
    duration = sum(i.duration for i in items if not isinstance(i, Transition))
    return Timeline(
        name="cut", rate=FPS, duration=duration, audio=audio, width=W, height=H,
        tracks=[Track(name="V1", items=items)],
    )  # fmt: skip


def clip(name: str, duration: int, source_start: int = 0, speed: float = 1.0) -> TimelineClip:
    return TimelineClip(
        name=name, media=name, duration=duration, source_start=source_start, speed=speed
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name)


@pytest.fixture
def three_colours(
    tmp_path: Path, make_clip: Callable[..., Path], sine_wav: Callable[[float], Path]
) -> tuple[Timeline, dict[str, Path]]:
    media = {
        "red": make_clip("red", RED, 24),
        "green": make_clip("green", GREEN, 30),
        "blue": make_clip("blue", BLUE, 24),
        "song": sine_wav(3.0),
    }
    items = [clip("red", 17), clip("green", 20, source_start=5), clip("blue", 23)]
    return make_timeline(items), media  # type: ignore[arg-type]


def test_three_clips_cut_on_exactly_the_planned_frames(
    tmp_path: Path, three_colours: tuple[Timeline, dict[str, Path]]
) -> None:
    timeline, media = three_colours
    out = tmp_path / "out" / "video.mp4"
    out.parent.mkdir()
    progress: list[tuple[int, int]] = []

    result = export_video(
        timeline, resolve=media.__getitem__, out_path=out,
        on_progress=lambda done, total: progress.append((done, total)),
    )  # fmt: skip

    assert result == out
    info = probe_video(out)
    assert (info.width, info.height, info.fps) == (W, H, FPS)
    assert abs(info.n_frames - timeline.duration) <= 1
    assert info.n_frames == timeline.duration == 60
    assert info.has_audio and info.audio_duration == pytest.approx(60 / FPS, abs=0.03)
    streams = stream_info(out)
    assert "Video: h264" in streams and "yuv420p" in streams and "Audio: aac" in streams

    frames = decode_rgb(out)
    dominant = frames.reshape(len(frames), -1, 3).mean(axis=1).argmax(axis=1)
    changes = [i for i in range(1, len(dominant)) if dominant[i] != dominant[i - 1]]
    assert dominant[0] == 0 and dominant[20] == 1 and dominant[-1] == 2
    assert changes == timeline.cut_frames() == [17, 37]
    scores = scene_scores(out)
    assert all(scores[f] > 0.3 for f in changes)

    assert progress[-1] == (60, 60)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    assert leftovers(out.parent) == []


def test_source_start_and_gaps_pick_exact_source_frames(
    tmp_path: Path, numbered_clip: Path
) -> None:
    # Includes a jump far ahead (frame 120) and one backwards, which make the reader seek.
    items = [
        clip("n", 10, source_start=5), Gap(duration=4), clip("n", 6),
        clip("n", 5, source_start=120), clip("n", 3, source_start=40),
    ]  # fmt: skip
    timeline = make_timeline(items, audio=None)  # type: ignore[arg-type]
    out = export_video(timeline, resolve=lambda _: numbered_clip, out_path=tmp_path / "o.mp4")

    expected = [*range(5, 15), None, None, None, None, *range(6), *range(120, 125), 40, 41, 42]
    assert frame_numbers(decode_rgb(out)) == expected
    assert not probe_video(out).has_audio


def test_short_soundtrack_and_audio_duration_trim_the_audio_not_the_video(
    tmp_path: Path, make_clip: Callable[..., Path], sine_wav: Callable[[float], Path]
) -> None:
    media = {"red": make_clip("red", RED, 48), "song": sine_wav(1.5), "long": sine_wav(3.0)}
    timeline = make_timeline([clip("red", 48)])
    short = export_video(timeline, resolve=media.__getitem__, out_path=tmp_path / "short.mp4")
    info = probe_video(short)
    assert info.n_frames == 48
    assert info.audio_duration == pytest.approx(1.5, abs=0.03)

    timeline = timeline.model_copy(update={"audio": "long"})
    trimmed = export_video(
        timeline, resolve=media.__getitem__, out_path=tmp_path / "t.mp4", audio_duration=1.25
    )
    assert probe_video(trimmed).audio_duration == pytest.approx(1.25, abs=0.03)


def test_missing_output_folder_is_an_export_error_and_creates_nothing(
    tmp_path: Path, three_colours: tuple[Timeline, dict[str, Path]]
) -> None:
    timeline, media = three_colours
    with pytest.raises(ExportError, match=r"missing.*does not exist"):
        export_video(timeline, resolve=media.__getitem__, out_path=tmp_path / "missing" / "v.mp4")
    assert not (tmp_path / "missing").exists()
    with pytest.raises(ExportError, match="is a folder"):
        export_video(timeline, resolve=media.__getitem__, out_path=tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to any folder")
def test_read_only_output_folder_is_an_export_error(
    tmp_path: Path, three_colours: tuple[Timeline, dict[str, Path]]
) -> None:
    timeline, media = three_colours
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(ExportError, match="not writable"):
            export_video(timeline, resolve=media.__getitem__, out_path=locked / "v.mp4")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_unwritable_output_folder_is_an_export_error(
    tmp_path: Path,
    three_colours: tuple[Timeline, dict[str, Path]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Root ignores permission bits, so stand in for a read-only folder at the check itself.
    import videogen._files

    timeline, media = three_colours
    monkeypatch.setattr(videogen._files.os, "access", lambda path, mode: False)
    with pytest.raises(ExportError, match=r"v\.mp4.*not writable.*permissions"):
        export_video(timeline, resolve=media.__getitem__, out_path=tmp_path / "v.mp4")
    assert not (tmp_path / "v.mp4").exists() and leftovers(tmp_path) == []


def test_empty_clip_file_is_a_media_error_before_encoding(
    tmp_path: Path, three_colours: tuple[Timeline, dict[str, Path]]
) -> None:
    timeline, media = three_colours
    empty = tmp_path / "empty.mp4"
    empty.touch()
    progress: list[tuple[int, int]] = []
    with pytest.raises(MediaError, match=r"clip 'blue'.*empty\.mp4.*0 bytes"):
        export_video(
            timeline, resolve={**media, "blue": empty}.__getitem__, out_path=tmp_path / "v.mp4",
            on_progress=lambda d, t: progress.append((d, t)),
        )  # fmt: skip
    assert progress == []
    assert not (tmp_path / "v.mp4").exists() and leftovers(tmp_path) == []


def test_clip_of_the_wrong_size_is_a_media_error_before_encoding(
    tmp_path: Path,
    three_colours: tuple[Timeline, dict[str, Path]],
    make_clip: Callable[..., Path],
) -> None:
    timeline, media = three_colours
    big = make_clip("big", BLUE, 24, size=(640, 360))
    with pytest.raises(MediaError, match=r"clip 'blue'.*big\.mp4.*640x360.*320x180"):
        export_video(
            timeline, resolve={**media, "blue": big}.__getitem__, out_path=tmp_path / "v.mp4"
        )
    assert not (tmp_path / "v.mp4").exists()


def test_clip_shorter_than_its_use_or_unresolvable_is_a_media_error(
    tmp_path: Path, three_colours: tuple[Timeline, dict[str, Path]]
) -> None:
    timeline, media = three_colours
    short = {**media, "green": media["red"]}  # 24 frames, but frames 5…24 are needed
    with pytest.raises(MediaError, match=r"clip 'green'.*5…24.*24 frames"):
        export_video(timeline, resolve=short.__getitem__, out_path=tmp_path / "v.mp4")
    del media["blue"]
    with pytest.raises(MediaError, match=r"clip 'blue'.*could not be resolved"):
        export_video(timeline, resolve=media.__getitem__, out_path=tmp_path / "v.mp4")


def test_cancel_stops_with_no_output(
    tmp_path: Path, three_colours: tuple[Timeline, dict[str, Path]]
) -> None:
    timeline, media = three_colours
    seen: list[int] = []
    out = tmp_path / "v.mp4"
    with pytest.raises(GenerationCancelled):
        export_video(
            timeline, resolve=media.__getitem__, out_path=out,
            on_progress=lambda d, t: seen.append(d), cancel=lambda: len(seen) >= 10,
        )  # fmt: skip
    assert max(seen) == 9  # polled before each frame: stopped at the 11th
    assert not out.exists() and leftovers(tmp_path) == []
    with pytest.raises(GenerationCancelled, match="before it started"):
        export_video(timeline, resolve=media.__getitem__, out_path=out, cancel=lambda: True)


def test_previous_export_survives_a_failed_or_cancelled_one(
    tmp_path: Path, three_colours: tuple[Timeline, dict[str, Path]]
) -> None:
    timeline, media = three_colours
    out = tmp_path / "v.mp4"
    export_video(timeline, resolve=media.__getitem__, out_path=out)
    before = out.read_bytes()

    def explode(done: int, total: int) -> None:
        if done == 30:
            raise RuntimeError("disk on fire")

    with pytest.raises(ExportError, match=r"v\.mp4.*disk on fire"):
        export_video(timeline, resolve=media.__getitem__, out_path=out, on_progress=explode)
    with pytest.raises(GenerationCancelled):
        export_video(timeline, resolve=media.__getitem__, out_path=out, cancel=lambda: True)
    assert out.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_bad_options_are_input_errors_and_write_nothing(
    tmp_path: Path, three_colours: tuple[Timeline, dict[str, Path]]
) -> None:
    _, media = three_colours
    ok = make_timeline([clip("red", 17)])
    out = tmp_path / "v.mp4"
    bad: list[tuple[dict[str, object], str]] = [
        ({"crf": 80}, "crf=80"),
        ({"audio_duration": 0}, "audio_duration"),
        ({"handles": "freeze"}, "handles must be 'hold' or 'error'"),
        ({"verify": "none"}, "verify must be"),
        ({"threads": 0}, "threads must be"),
        ({"export_preset": "8k"}, "unknown export preset name='8k'"),
    ]
    for options, message in bad:
        with pytest.raises(VideoGenInputError, match=message):
            export_video(ok, resolve=media.__getitem__, out_path=out, **options)  # type: ignore[arg-type]
    assert not out.exists() and leftovers(tmp_path) == []


def test_truncated_clip_is_a_media_error_before_encoding(
    tmp_path: Path, three_colours: tuple[Timeline, dict[str, Path]]
) -> None:
    timeline, media = three_colours
    whole = media["green"].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 2])
    progress: list[int] = []
    with pytest.raises(MediaError, match=r"clip 'green'.*cut\.mp4"):
        export_video(
            timeline, resolve={**media, "green": cut}.__getitem__, out_path=tmp_path / "v.mp4",
            on_progress=lambda d, t: progress.append(d),
        )  # fmt: skip
    assert progress == [] and not (tmp_path / "v.mp4").exists() and leftovers(tmp_path) == []


def test_clip_at_the_wrong_frame_rate_is_a_media_error(
    tmp_path: Path, three_colours: tuple[Timeline, dict[str, Path]]
) -> None:
    timeline, media = three_colours
    fast = write_clip(tmp_path / "fast.mp4", [np.full((H, W, 3), 90, np.uint8)] * 30, fps=30)
    with pytest.raises(MediaError, match=r"clip 'blue'.*fast\.mp4.*30 fps.*24 fps.*conform"):
        export_video(
            timeline, resolve={**media, "blue": fast}.__getitem__, out_path=tmp_path / "v.mp4"
        )
    assert not (tmp_path / "v.mp4").exists()


def test_damaged_bitstream_fails_the_export_without_output(
    tmp_path: Path, three_colours: tuple[Timeline, dict[str, Path]]
) -> None:
    # Bytes overwritten inside the video data: every packet is still there, so only decoding
    # notices. verify="decode" reports it before encoding; the default fails while rendering.
    timeline, media = three_colours
    data = bytearray(media["green"].read_bytes())
    rng = np.random.default_rng(3)
    middle = len(data) // 2
    data[middle : middle + 600] = rng.integers(0, 256, 600, dtype=np.uint8).tobytes()
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    resolve = {**media, "green": damaged}.__getitem__
    out = tmp_path / "v.mp4"
    progress: list[int] = []
    with pytest.raises(MediaError, match=r"clip 'green'.*damaged"):
        export_video(
            timeline, resolve=resolve, out_path=out, verify="decode",
            on_progress=lambda d, t: progress.append(d),
        )  # fmt: skip
    assert progress == []
    with pytest.raises(MediaError, match=r"clip 'green'.*damaged"):
        export_video(timeline, resolve=resolve, out_path=out)
    assert not out.exists() and leftovers(tmp_path) == []
