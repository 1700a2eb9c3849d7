"""Lyric video and Shorts: options, the Short's excerpt window, lyric overlays."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from agent.nodes import lyric_overlays
from agent.planner import plan_shots, write_brief
from agent.planner.excerpt import shorts_window
from agent.schemas import RenderOptions
from audio import AudioInputError, LyricLine
from audio.excerpt import excerpt_analysis
from tests.unit.agent.test_planner import SONG, _analysis


def test_shorts_are_vertical_and_lyric_videos_need_lyrics(tmp_path: Path) -> None:
    assert RenderOptions(template="shorts").aspect == "9:16"
    assert RenderOptions(template="story").aspect == "16:9"
    assert RenderOptions(template="shorts", aspect="9:16").size == (720, 1280)
    with pytest.raises(ValidationError, match="Shorts are vertical 9:16"):
        RenderOptions(template="shorts", aspect="16:9")
    with pytest.raises(ValidationError, match="--lyrics FILE"):
        RenderOptions(template="lyric")
    lrc = tmp_path / "song.lrc"
    assert RenderOptions(template="lyric", lyrics=lrc).lyrics == lrc


def test_shorts_window_is_the_loudest_section_on_downbeats() -> None:
    start, end = shorts_window(SONG)
    assert (start, end) == (48.25, 80.25)  # the chorus, from the downbeat at its start
    assert start in SONG.downbeats and end in SONG.downbeats


def test_a_short_section_grows_and_a_long_one_is_cut() -> None:
    short_chorus = _analysis(
        [(0.0, 20.0, "verse", 0.5), (20.0, 28.0, "chorus", 0.9), (28.0, 50.0, "verse", 0.6)]
    )
    start, end = shorts_window(short_chorus)
    assert 15 <= end - start <= 60 and abs(start - 20.0) <= 0.5
    long_chorus = _analysis([(0.0, 10.0, "intro", 0.3), (10.0, 130.0, "chorus", 0.9)])
    start, end = shorts_window(long_chorus)
    assert 15 <= end - start <= 60 and end in long_chorus.downbeats
    at_the_end = _analysis([(0.0, 40.0, "verse", 0.4), (40.0, 48.0, "chorus", 0.9)])
    start, end = shorts_window(at_the_end)
    assert end == pytest.approx(48.0) and end - start >= 15, "grows backwards at the end"
    tiny = _analysis([(0.0, 12.0, "chorus", 0.9)])
    assert shorts_window(tiny) == (0.0, 12.0)


def test_excerpt_analysis_shifts_and_clips_everything() -> None:
    lyrics = [
        LyricLine(start=40.0, end=49.0, text="before and into"),
        LyricLine(start=50.0, end=54.0, text="inside"),
        LyricLine(start=79.9, end=85.0, text="just a sliver"),
    ]
    song = SONG.model_copy(update={"lyrics": lyrics})
    part = excerpt_analysis(song, 48.25, 80.25)
    assert part.duration == pytest.approx(32.0)
    assert part.beats[0] == 0.0 and all(0 <= b < 32 for b in part.beats)
    assert [s.label for s in part.sections] == ["chorus", "outro"]
    assert part.sections[0].start == 0 and part.sections[-1].end == pytest.approx(32.0)
    assert [line.text for line in part.lyrics] == ["before and into", "inside", "just a sliver"]
    assert part.lyrics[0].start == 0.0 and part.lyrics[1].start == pytest.approx(1.75)
    assert part.content_hash != SONG.content_hash
    assert len(part.energy.values) == pytest.approx(32 * 4, abs=2)
    with pytest.raises(AudioInputError, match="outside the track"):
        excerpt_analysis(SONG, 90.0, 120.0)


def test_shorts_cut_on_every_bar_and_lyric_videos_have_no_cast() -> None:
    story = plan_shots(write_brief("", template="story", analysis=SONG, uploads=[]), SONG)
    shorts = plan_shots(write_brief("", template="shorts", analysis=SONG, uploads=[]), SONG)
    assert len(shorts) > len(story)
    assert max(s.duration for s in shorts) <= 2.5  # a bar at 120 BPM is 2 s
    lyric = write_brief("", template="lyric", analysis=SONG, uploads=[])
    assert lyric.characters == [] and "lyrics" in lyric.style
    assert all(s.subject in lyric.props for s in plan_shots(lyric, SONG))


def test_lyric_overlays_sit_on_whole_frames_one_at_a_time() -> None:
    lines = [
        LyricLine(start=1.0, end=4.2, text="first  line"),
        LyricLine(start=4.0, end=6.0, text="second"),
        LyricLine(start=9.5, end=12.0, text="runs past the end"),
    ]
    overlays = lyric_overlays(lines, fps=24, duration=240)
    assert [(o.text, o.start, o.end) for o in overlays] == [
        ("first line", 24, 96),
        ("second", 96, 144),
        ("runs past the end", 228, 240),
    ]
