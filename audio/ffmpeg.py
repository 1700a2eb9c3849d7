"""Thin wrapper around the ffmpeg binary shipped by imageio-ffmpeg."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from audio.errors import CorruptAudioError, UnsupportedAudioError

_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_AUDIO_STREAM = re.compile(r"Stream #\S+.*?: Audio: ([^,\n]+)(?:.*?(\d+) Hz)?")
_DECODE_ERROR = re.compile(
    r"(invalid data|error while decoding|header missing|corrupt|truncat|"
    r"overread|partial file|incomplete frame|could not find)",
    re.IGNORECASE,
)


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary (from imageio-ffmpeg, no system install needed)."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@dataclass(frozen=True)
class AudioProbe:
    """What ffmpeg says about a file before decoding it."""

    codec: str
    sample_rate: int | None
    declared_duration: float | None


# An uploaded playlist (HLS, ffconcat) must not make ffmpeg open URLs or other files' protocols.
LOCAL_ONLY = ("-protocol_whitelist", "file")


def probe(path: Path) -> AudioProbe:
    """Read the container header; raise `UnsupportedAudioError` when there is no audio."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", *LOCAL_ONLY, "-i", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    info = proc.stderr
    stream = _AUDIO_STREAM.search(info)
    if stream is None:
        raise UnsupportedAudioError(
            f"{path.name!r} is not an audio file ffmpeg can read "
            "(no audio stream found); use WAV, FLAC, OGG, MP3 or M4A"
        )
    duration = _DURATION.search(info)
    declared = None
    if duration:
        h, m, s = duration.groups()
        declared = int(h) * 3600 + int(m) * 60 + float(s)
    rate = int(stream.group(2)) if stream.group(2) else None
    return AudioProbe(codec=stream.group(1).strip(), sample_rate=rate, declared_duration=declared)


def decode(path: Path, *, sample_rate: int, channels: int) -> np.ndarray:
    """Decode to float32 samples shaped (channels, n); raise on decoder errors."""
    proc = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-v",
            "error",
            *LOCAL_ONLY,
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-f",
            "f32le",
            "-acodec",
            "pcm_f32le",
            "-ac",
            str(channels),
            "-ar",
            str(sample_rate),
            "-",
        ],
        capture_output=True,
        check=False,
    )
    errors = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0 or _DECODE_ERROR.search(errors):
        first = errors.splitlines()[-1] if errors else f"ffmpeg exit code {proc.returncode}"
        raise CorruptAudioError(
            f"{path.name!r} is damaged or truncated ({first.strip()}); "
            "re-export or re-download the file"
        )
    samples = np.frombuffer(proc.stdout, dtype="<f4")
    usable = samples.size - samples.size % channels
    return samples[:usable].reshape(-1, channels).T.copy()
