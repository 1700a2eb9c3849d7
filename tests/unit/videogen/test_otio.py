"""The .otio export, read back with OpenTimelineIO's own reader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import opentimelineio as otio
import pytest

from tests.unit.videogen.test_export import BLUE, GREEN, RED, clip, leftovers
from videogen import (
    ExportError,
    Gap,
    MediaError,
    TextOverlay,
    Timeline,
    Track,
    Transition,
    VideoGenInputError,
)
from videogen.otio import export_otio


def rt(frames: int) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, 24)


@pytest.fixture
def cut(
    make_clip: Callable[..., Path], sine_wav: Callable[[float], Path]
) -> tuple[Timeline, dict[str, Path]]:
    media = {
        "red": make_clip("red", RED, 30),  # used 0…19: 10 frames of tail handle
        "green": make_clip("green", GREEN, 30),  # used 4…19: 4 head, 10 tail
        "blue": make_clip("blue", BLUE, 24),
        "song": sine_wav(3.0),
    }
    fade = Transition(name="fade", transition_type="crossfade", in_offset=2, out_offset=3)
    dip = Transition(name="dip", transition_type="dip-to-black", in_offset=2, out_offset=2)
    items = [
        clip("red", 20), fade, clip("green", 16, source_start=4), dip,
        clip("blue", 10, speed=2.0), Gap(duration=6),
    ]  # fmt: skip
    timeline = Timeline(
        name="Night drive", rate=24, duration=52, audio="song", width=320, height=180,
        tracks=[Track(name="V1", items=items), Track(name="V2", items=[clip("red", 8)])],
        overlays=[TextOverlay(text="We run", start=4, duration=10),
                  TextOverlay(text="Title", start=0, duration=24, style="title")],
    )  # fmt: skip
    return timeline, media


def test_otio_reader_sees_durations_dissolves_handles_markers_and_song(
    tmp_path: Path, cut: tuple[Timeline, dict[str, Path]]
) -> None:
    timeline, media = cut
    path = export_otio(timeline, resolve=media.__getitem__, out_path=tmp_path / "cut.otio")
    read = otio.adapters.read_from_file(str(path))

    assert read.name == "Night drive" and read.duration() == rt(52)
    v1, v2, song = read.tracks
    assert (v1.kind, v2.kind, song.kind) == ("Video", "Video", "Audio")
    assert v1.duration() == rt(52) and v2.duration() == rt(8) and song.duration() == rt(52)
    red, fade, green, dip, blue, gap = v1
    assert isinstance(gap, otio.schema.Gap) and gap.duration() == rt(6)

    assert fade.transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve
    assert (fade.in_offset, fade.out_offset) == (rt(2), rt(3))
    assert fade.range_in_parent() == otio.opentime.TimeRange(rt(18), rt(5))
    assert dip.name == "Dip to Black" and dip.metadata["storybeat"]["transition_type"] == (
        "dip-to-black"
    )

    # Used ranges, whole files as available ranges, and the handles a dissolve takes.
    assert green.source_range == otio.opentime.TimeRange(rt(4), rt(16))
    assert green.available_range() == otio.opentime.TimeRange(rt(0), rt(30))
    assert green.visible_range().start_time == rt(2)  # 2 frames of head for the fade
    assert red.visible_range() == otio.opentime.TimeRange(rt(0), rt(23))  # 3 of tail
    assert Path(red.media_reference.target_url) == media["red"].absolute()
    assert blue.effects[0].time_scalar == 2.0 and blue.duration() == rt(10)

    markers = {m.name: m for m in v1.markers}
    assert markers["We run"].marked_range == otio.opentime.TimeRange(rt(4), rt(10))
    assert markers["Title"].metadata["storybeat"]["style"] == "title"
    assert Path(song[0].media_reference.target_url) == media["song"].absolute()
    assert song[0].available_range().duration == rt(72)  # the 3 s song


def test_missing_media_wrong_suffix_or_unwritable_folder_write_nothing(
    tmp_path: Path, cut: tuple[Timeline, dict[str, Path]]
) -> None:
    timeline, media = cut
    out = tmp_path / "cut.otio"
    missing = {**media, "green": tmp_path / "nowhere.mp4"}
    with pytest.raises(MediaError, match=r"clip 'green'.*nowhere\.mp4.*does not exist"):
        export_otio(timeline, resolve=missing.__getitem__, out_path=out)
    with pytest.raises(VideoGenInputError, match=r"\.otio"):
        export_otio(timeline, resolve=media.__getitem__, out_path=tmp_path / "cut.json")
    with pytest.raises(ExportError, match="does not exist"):
        export_otio(timeline, resolve=media.__getitem__, out_path=tmp_path / "no" / "c.otio")
    assert not out.exists() and leftovers(tmp_path) == []
