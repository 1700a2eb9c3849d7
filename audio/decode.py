"""Load any common audio file into a validated, resampled sample array."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio import ffmpeg
from audio.errors import (
    AudioFileNotFoundError,
    CorruptAudioError,
    SilentTrackError,
    TrackLengthError,
)

logger = logging.getLogger(__name__)

MASTER_RATE = 44_100
MIN_DURATION = 3.0
MAX_DURATION = 20 * 60.0
SILENCE_PEAK = 10 ** (-60 / 20)  # -60 dBFS


@dataclass(frozen=True)
class DecodedTrack:
    """Stereo float32 samples shaped (2, n) at `sample_rate`."""

    samples: np.ndarray
    sample_rate: int

    @property
    def duration(self) -> float:
        return float(self.samples.shape[1] / self.sample_rate)

    def mono(self, sample_rate: int) -> np.ndarray:
        """Down-mix to mono and resample (for analysis)."""
        import librosa

        mono = self.samples.mean(axis=0)
        if sample_rate == self.sample_rate:
            return mono
        resampled = librosa.resample(
            mono, orig_sr=self.sample_rate, target_sr=sample_rate, res_type="soxr_hq"
        )
        return np.asarray(resampled, dtype=np.float32)


def load_track(
    path: Path,
    *,
    min_duration: float = MIN_DURATION,
    max_duration: float = MAX_DURATION,
) -> DecodedTrack:
    """Decode `path` (wav/flac/ogg/mp3/m4a/...) to stereo at 44.1 kHz.

    Raises an `AudioInputError` subclass, with what to do, for a missing, empty,
    non-audio, damaged, truncated, too short, too long or silent file.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioFileNotFoundError(f"track not found: {str(path)!r}")
    if path.stat().st_size == 0:
        raise TrackLengthError(f"{path.name!r} is empty (0 bytes); choose the exported audio file")
    info = ffmpeg.probe(path)
    if info.declared_duration is not None and info.declared_duration > max_duration:
        raise TrackLengthError(_too_long(path, info.declared_duration, max_duration))
    samples = ffmpeg.decode(path, sample_rate=MASTER_RATE, channels=2)
    track = DecodedTrack(samples=samples, sample_rate=MASTER_RATE)
    if samples.shape[1] == 0:
        raise TrackLengthError(f"{path.name!r} holds no audio samples; re-export the file")
    declared = info.declared_duration
    if declared is not None and track.duration < declared - max(0.5, 0.02 * declared):
        raise CorruptAudioError(
            f"{path.name!r} is truncated: its header says {declared:.1f} s but only "
            f"{track.duration:.1f} s could be decoded; re-export or re-download the file"
        )
    if track.duration < min_duration:
        raise TrackLengthError(
            f"{path.name!r} is {track.duration:.2f} s long; a music video needs at least "
            f"{min_duration:g} s of audio"
        )
    if track.duration > max_duration:
        raise TrackLengthError(_too_long(path, track.duration, max_duration))
    peak = float(np.max(np.abs(samples)))
    if peak < SILENCE_PEAK:
        level = "-inf" if peak == 0 else f"{20 * np.log10(peak):.0f}"
        raise SilentTrackError(
            f"{path.name!r} is silent (peak {level} dBFS); there is no music to cut to"
        )
    logger.debug("decoded %s: %.2f s, codec %s", path, track.duration, info.codec)
    return track


def _too_long(path: Path, duration: float, limit: float) -> str:
    return (
        f"{path.name!r} is {duration / 60:.1f} min long; the limit is {limit / 60:g} min "
        "(raise it with --max-minutes or STORYBEAT_MAX_TRACK_MINUTES)"
    )


def write_master(track: DecodedTrack, path: Path) -> None:
    """Write the decoded track as 16-bit PCM WAV: the soundtrack of every export."""
    import soundfile

    soundfile.write(str(path), track.samples.T, track.sample_rate, subtype="PCM_16")
