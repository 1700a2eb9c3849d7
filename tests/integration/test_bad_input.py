"""Bad input to `storybeat render`: one clear line, non-zero exit, no traceback, no output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio.ffmpeg import ffmpeg_exe


def _render(track: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", "render", str(track), "-o", str(out), *extra],
        capture_output=True,
        text=True,
        env=os.environ,
    )


def _assert_clean_failure(proc: subprocess.CompletedProcess[str], out: Path, *words: str) -> None:
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("storybeat: error:"), lines[0]
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.stem}*")), "partial output left behind"


def _tone(path: Path, seconds: float, amplitude: float = 0.5) -> Path:
    t = np.arange(int(seconds * 44_100)) / 44_100
    soundfile.write(str(path), amplitude * np.sin(2 * np.pi * 220 * t), 44_100)
    return path


def test_missing_file(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    _assert_clean_failure(_render(tmp_path / "missing.wav", out), out, "not found")


def test_non_audio_file(tmp_path: Path) -> None:
    fake = tmp_path / "song.mp3"
    fake.write_text("not music\n" * 100)
    out = tmp_path / "out.mp4"
    _assert_clean_failure(_render(fake, out), out, "not an audio file")


def test_zero_length_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.touch()
    out = tmp_path / "out.mp4"
    _assert_clean_failure(_render(empty, out), out, "empty")


def test_pure_silence(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    _assert_clean_failure(_render(_tone(tmp_path / "s.wav", 20.0, 0.0), out), out, "silent")


def test_truncated_mp3(tmp_path: Path, demo_track: Path) -> None:
    mp3 = tmp_path / "full.mp3"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(demo_track), str(mp3)], check=True)
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(mp3.read_bytes()[: mp3.stat().st_size // 3])
    out = tmp_path / "out.mp4"
    _assert_clean_failure(_render(cut, out), out, "truncated")


def test_half_second_track(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    _assert_clean_failure(_render(_tone(tmp_path / "blip.wav", 0.5), out), out, "0.50 s")


@pytest.mark.parametrize("target", ["/proc/storybeat-out.mp4", "no-such-folder/out.mp4"])
def test_unwritable_output(tmp_path: Path, demo_track: Path, target: str) -> None:
    out = Path(target) if target.startswith("/") else tmp_path / target
    _assert_clean_failure(_render(demo_track, out), out, "cannot write")


def test_output_must_be_mp4(tmp_path: Path, demo_track: Path) -> None:
    out = tmp_path / "out.avi"
    _assert_clean_failure(_render(demo_track, out), out, ".mp4")


@pytest.mark.parametrize(
    ("flag", "value"), [("--template", "opera"), ("--aspect", "4:3"), ("--resolution", "8k")]
)
def test_unknown_choice(tmp_path: Path, demo_track: Path, flag: str, value: str) -> None:
    out = tmp_path / "out.mp4"
    _assert_clean_failure(_render(demo_track, out, flag, value), out, value)


def test_corrupt_reference_image(tmp_path: Path, demo_track: Path) -> None:
    ref = tmp_path / "face.png"
    ref.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    out = tmp_path / "out.mp4"
    _assert_clean_failure(_render(demo_track, out, "--ref", str(ref)), out, "face.png")


def test_failed_render_keeps_the_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    out.write_bytes(b"previous export")
    proc = _render(_tone(tmp_path / "s.wav", 20.0, 0.0), out)
    assert proc.returncode != 0
    assert out.read_bytes() == b"previous export"
