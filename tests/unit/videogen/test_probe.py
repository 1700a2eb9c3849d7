"""probe_video: exact counts, and clear errors for files that are not whole videos."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from videogen import MediaError, probe_video


def test_counts_frames_exactly_with_and_without_decoding(make_clip: Callable[..., Path]) -> None:
    path = make_clip("c", (10, 120, 200), 29)
    for decode in (True, False):
        info = probe_video(path, decode=decode)
        assert (info.width, info.height, info.fps, info.n_frames) == (320, 180, 24.0, 29)
        assert info.duration == pytest.approx(29 / 24)
        assert not info.has_audio and info.audio_duration is None


def test_missing_empty_truncated_and_non_video_files_are_media_errors(
    tmp_path: Path, make_clip: Callable[..., Path], sine_wav: Callable[[float], Path]
) -> None:
    with pytest.raises(MediaError, match=r"nothing\.mp4"):
        probe_video(tmp_path / "nothing.mp4")
    (tmp_path / "empty.mp4").touch()
    with pytest.raises(MediaError, match=r"empty\.mp4.*0 bytes"):
        probe_video(tmp_path / "empty.mp4")
    whole = make_clip("whole", (200, 100, 0), 48).read_bytes()
    (tmp_path / "cut.mp4").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(MediaError, match=r"cut\.mp4"):
        probe_video(tmp_path / "cut.mp4")
    with pytest.raises(MediaError, match="no video stream"):
        probe_video(sine_wav(0.5))
