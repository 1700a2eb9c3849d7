"""Lyric videos and Shorts, end to end through the command line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from agent.config import Settings
from storage import current_artifacts, open_database
from tests.integration.test_render import storybeat
from tests.support.video import facts

LRC = """[ar:Storybeat]
[00:02.00]Headlights on the water
[00:06.50]the city hums our name
[00:11.00]we run for the last train
[00:24.00]Hold on, hold on tonight
[00:29.50]the last words
"""


def _timeline(stderr: str) -> dict[str, Any]:
    project = re.search(r"project (r[0-9a-f]+)", stderr).group(1)  # type: ignore[union-attr]
    db = open_database(Settings().db_url)
    try:
        with db.session() as session:
            (timeline,) = [a for a in current_artifacts(session, project) if a.kind == "timeline"]
            data: dict[str, Any] = timeline.data
    finally:
        db.dispose()
    return data


def test_lyric_video_shows_each_line_at_its_time(short_track: Path, tmp_path: Path) -> None:
    lyrics = tmp_path / "song.lrc"
    lyrics.write_text(LRC)
    out = tmp_path / "lyric.mp4"
    proc = storybeat(
        "render", str(short_track), "--template", "lyric", "--lyrics", str(lyrics),
        "--resolution", "360p", "-o", str(out),
    )  # fmt: skip
    overlays = _timeline(proc.stderr)["overlays"]
    assert [(o["text"], o["start"]) for o in overlays] == [
        ("Headlights on the water", 48),
        ("the city hums our name", 156),
        ("we run for the last train", 264),
        ("Hold on, hold on tonight", 576),
        ("the last words", 708),
    ]
    assert overlays[0]["start"] + overlays[0]["duration"] == overlays[1]["start"]
    assert abs(facts(out).video_duration - 30.0) < 0.1


def test_shorts_are_a_vertical_cut_of_the_strongest_section(
    short_track: Path, tmp_path: Path
) -> None:
    out = tmp_path / "short.mp4"
    proc = storybeat(
        "render", str(short_track), "--template", "shorts", "--resolution", "360p", "-o", str(out)
    )
    video = facts(out)
    assert (video.width, video.height) == (360, 640)
    assert 15.0 <= video.video_duration < 29.0, "a part of the 30 s track"
    assert abs(video.audio_duration - video.video_duration) < 0.1
    timeline = _timeline(proc.stderr)
    shots = len(timeline["tracks"][0]["items"])
    assert video.video_duration / shots < 2.5, "Shorts cut on every bar"


def test_template_errors_are_one_line(short_track: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "cut.mp4")
    cases = [
        (["--template", "lyric"], "give the lyrics file (--lyrics FILE"),
        (["--template", "shorts", "--aspect", "16:9"], "Shorts are vertical 9:16"),
        (["--template", "lyric", "--lyrics", str(tmp_path / "none.lrc")], "none.lrc"),
    ]
    for args, message in cases:
        proc = storybeat("render", str(short_track), *args, "-o", out, check=False)
        assert proc.returncode == 2, proc.stderr
        assert message in proc.stderr and "analysis" not in proc.stderr, "checked before work"


def test_a_shorts_excerpt_is_cut_once(short_track: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import soundfile

    from agent.studio import open_studio
    from agent.track import excerpt_track, prepare_track

    studio = open_studio(Settings())
    try:
        prepared = prepare_track(studio, short_track)
        first = excerpt_track(studio, prepared, 5.0, 20.0)

        def no_reading(*args: object, **kwargs: object) -> None:
            raise AssertionError("the master was read again")

        monkeypatch.setattr(soundfile, "read", no_reading)
        again = excerpt_track(studio, prepared, 5.0, 20.0)
    finally:
        studio.db.dispose()
    assert again.master == first.master != prepared.master
    assert again.analysis == first.analysis and first.analysis.duration == pytest.approx(15.0)
