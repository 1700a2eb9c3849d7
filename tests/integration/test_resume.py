"""Durability: a killed render resumes from its checkpoint; a repeat render reuses caches."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.video import facts


def _command(track: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "agent.cli",
        "render",
        str(track),
        "--resolution",
        "360p",
        "-o",
        str(out),
    ]


def _stats(stderr: str, stage: str) -> tuple[int, int]:
    match = re.search(rf"storybeat: {stage}: (\d+) made, (\d+) reused", stderr)
    assert match, stderr
    return int(match.group(1)), int(match.group(2))


def test_killed_during_storyboard_resumes_without_redrawing(
    short_track: Path, tmp_path: Path
) -> None:
    killed_and_resumed(short_track, tmp_path)
    assert (Path(os.environ["STORYBEAT_DATA_DIR"]) / "checkpoints.sqlite").is_file()


@pytest.mark.postgres
def test_with_postgres_the_checkpoints_live_there_and_resume(
    short_track: Path,
    tmp_path: Path,
    make_postgres_database: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = make_postgres_database()
    monkeypatch.setenv("STORYBEAT_DATABASE_URL", url)
    killed_and_resumed(short_track, tmp_path)
    assert not (Path(os.environ["STORYBEAT_DATA_DIR"]) / "checkpoints.sqlite").exists()
    engine = create_engine(url)
    with engine.connect() as connection:
        threads = connection.execute(text("SELECT DISTINCT thread_id FROM checkpoints")).all()
    engine.dispose()
    assert len(threads) == 1 and threads[0][0].startswith("r")


def killed_and_resumed(demo_track: Path, tmp_path: Path) -> None:
    """Kill a render while it draws the storyboard; the rerun must resume there."""
    out = tmp_path / "cut.mp4"
    proc = subprocess.Popen(
        _command(demo_track, out), stderr=subprocess.PIPE, text=True, env=os.environ
    )
    assert proc.stderr is not None
    drawn = 0
    for line in proc.stderr:
        found = re.match(r"storybeat: storyboard (\d+)/(\d+)", line)
        if found and int(found.group(1)) >= 2:
            drawn = int(found.group(1))
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert drawn >= 2, "the storyboard stage never reported progress"
    assert not out.exists(), "a killed render must not leave an output file"
    media = Path(os.environ["STORYBEAT_DATA_DIR"]) / "media"
    before = {p: p.stat().st_mtime_ns for p in media.rglob("*.png")}

    again = subprocess.run(
        _command(demo_track, out), capture_output=True, text=True, env=os.environ
    )
    assert again.returncode == 0, again.stderr
    assert "at draw_storyboard" in again.stderr, again.stderr
    made, reused = _stats(again.stderr, "storyboard")
    assert reused >= drawn
    assert made >= 1, "the kill came after the storyboard had finished"
    assert "references:" not in again.stderr, "finished stages must not run again"
    for path, mtime in before.items():
        assert path.stat().st_mtime_ns == mtime, f"{path.name} was redrawn"
    assert facts(out).frames > 0


def test_second_render_reuses_analysis_frames_and_clips(short_track: Path, tmp_path: Path) -> None:
    demo_track = short_track  # the 30 s excerpt: the same caching, half the rendering
    first = subprocess.run(
        _command(demo_track, tmp_path / "a.mp4"), capture_output=True, text=True, env=os.environ
    )
    assert first.returncode == 0, first.stderr
    second = subprocess.run(
        _command(demo_track, tmp_path / "b.mp4"), capture_output=True, text=True, env=os.environ
    )
    assert second.returncode == 0, second.stderr
    frames_made, _ = _stats(first.stderr, "storyboard")
    assert _stats(second.stderr, "storyboard") == (0, frames_made)
    assert _stats(second.stderr, "analysis") == (0, 1)
    assert _stats(second.stderr, "video")[0] == 0
    assert (tmp_path / "b.mp4").stat().st_size > 0
