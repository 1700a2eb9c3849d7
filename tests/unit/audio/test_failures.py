"""Ill-formed input: each gives a clear AudioInputError naming the problem."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio import (
    AudioFileNotFoundError,
    CorruptAudioError,
    SilentTrackError,
    TrackLengthError,
    UnsupportedAudioError,
    load_track,
)
from audio.ffmpeg import ffmpeg_exe


def _wav(path: Path, seconds: float, *, amplitude: float = 0.5, rate: int = 44_100) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    soundfile.write(str(path), amplitude * np.sin(2 * np.pi * 220 * t), rate)
    return path


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioFileNotFoundError, match="not found"):
        load_track(tmp_path / "nope.wav")


def test_zero_length_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.touch()
    with pytest.raises(TrackLengthError, match="empty"):
        load_track(empty)


def test_text_file_named_mp3(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp3"
    fake.write_text("these are my lyrics, not audio\n" * 50)
    with pytest.raises(UnsupportedAudioError, match="not an audio file"):
        load_track(fake)


def test_image_file(tmp_path: Path) -> None:
    from PIL import Image

    picture = tmp_path / "cover.png"
    Image.new("RGB", (64, 64), "red").save(picture)
    with pytest.raises(UnsupportedAudioError):
        load_track(picture)


def test_silence(tmp_path: Path) -> None:
    with pytest.raises(SilentTrackError, match="silent"):
        load_track(_wav(tmp_path / "quiet.wav", 10.0, amplitude=0.0))


def test_half_second_track(tmp_path: Path) -> None:
    with pytest.raises(TrackLengthError, match=r"0\.50 s long"):
        load_track(_wav(tmp_path / "blip.wav", 0.5))


def test_over_the_length_limit(tmp_path: Path) -> None:
    with pytest.raises(TrackLengthError, match="limit"):
        load_track(_wav(tmp_path / "long.wav", 12.0), max_duration=10.0)


def test_truncated_mp3(tmp_path: Path, demo_track: Path) -> None:
    mp3 = tmp_path / "song.mp3"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(demo_track), "-c:a", "libmp3lame", str(mp3)],
        check=True,
    )
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(mp3.read_bytes()[: mp3.stat().st_size // 2])
    with pytest.raises(CorruptAudioError, match="truncated"):
        load_track(cut)


def test_common_formats_decode_to_the_same_length(tmp_path: Path) -> None:
    source = _wav(tmp_path / "tone.wav", 4.0)
    for ext, codec in (
        (".flac", "flac"),
        (".ogg", "libvorbis"),
        (".m4a", "aac"),
        (".mp3", "libmp3lame"),
    ):
        out = tmp_path / f"tone{ext}"
        subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-i", str(source), "-c:a", codec, str(out)], check=True
        )
        track = load_track(out)
        assert track.duration == pytest.approx(4.0, abs=0.1), ext
