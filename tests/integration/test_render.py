"""`storybeat render` end to end, checked on the output file itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.support.video import audio_matches, detect_cuts, facts, frame_at


def storybeat(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "agent.cli", *args], capture_output=True, text=True, env=os.environ
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def analyzed_beats(track: Path) -> tuple[float, list[float]]:
    data = json.loads(storybeat("analyze", str(track), "--json").stdout)
    assert {"tempo", "duration", "beats", "downbeats", "sections"} <= set(data)
    assert all({"start", "end", "label"} <= set(s) for s in data["sections"])
    return data["duration"], data["beats"]


def check_cut(track: Path, video: Path) -> None:
    duration, beats = analyzed_beats(track)
    f = facts(video)
    frame = 1.0 / f.fps
    assert f.video_codec == "h264" and f.audio_codec == "aac"
    assert abs(f.video_duration - duration) <= frame
    assert abs(f.audio_duration - duration) <= frame
    assert audio_matches(track, video) > 0.9
    cuts = detect_cuts(video)
    assert len(cuts) >= duration / 10, cuts
    on_beat = [min(abs(c - b) for b in beats) <= frame + 1e-6 for c in cuts]
    assert np.mean(on_beat) >= 0.95, list(zip(cuts, on_beat, strict=True))


def test_demo_track_renders_a_beat_cut_video(demo_track: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo.mp4"
    proc = storybeat(
        "render", str(demo_track), "--brief", "neon rooftop, #FF2E88 jacket", "-o", str(out)
    )
    assert proc.stdout.strip() == str(out)
    f = facts(out)
    assert (f.width, f.height, f.fps) == (1280, 720, 24.0)
    check_cut(demo_track, out)


def test_real_music_renders_a_beat_cut_video(rag_track: Path, tmp_path: Path) -> None:
    out = tmp_path / "rag.mp4"
    storybeat(
        "render",
        str(rag_track),
        "--template",
        "performance",
        "--resolution",
        "360p",
        "-o",
        str(out),
    )
    check_cut(rag_track, out)


@pytest.mark.parametrize(("aspect", "size"), [("9:16", (360, 640)), ("1:1", (360, 360))])
def test_aspect_is_composed_not_letterboxed(
    short_track: Path, tmp_path: Path, aspect: str, size: tuple[int, int]
) -> None:
    out = tmp_path / "shaped.mp4"
    storybeat(
        "render", str(short_track), "--aspect", aspect, "--resolution", "360p", "-o", str(out)
    )
    f = facts(out)
    assert (f.width, f.height) == size
    for t in (4.0, 15.0, 27.0):
        frame = frame_at(out, t).astype(float)
        for band in (frame[:8], frame[-8:], frame[:, :8], frame[:, -8:]):
            assert band.mean() > 12 or band.std() > 6, "black bar at the frame edge"
