"""Audio analysis: decode any common format, find beats, downbeats, sections and energy."""

from audio.analyze import analyze, analyze_decoded, content_hash, load_cached, store_cached
from audio.decode import MAX_DURATION, MIN_DURATION, DecodedTrack, load_track, write_master
from audio.errors import (
    AudioError,
    AudioFileNotFoundError,
    AudioInputError,
    CorruptAudioError,
    SilentTrackError,
    TrackLengthError,
    UnsupportedAudioError,
)
from audio.models import EnergyCurve, Section, TrackAnalysis

__all__ = [
    "MAX_DURATION",
    "MIN_DURATION",
    "AudioError",
    "AudioFileNotFoundError",
    "AudioInputError",
    "CorruptAudioError",
    "DecodedTrack",
    "EnergyCurve",
    "Section",
    "SilentTrackError",
    "TrackAnalysis",
    "TrackLengthError",
    "UnsupportedAudioError",
    "analyze",
    "analyze_decoded",
    "content_hash",
    "load_cached",
    "load_track",
    "store_cached",
    "write_master",
]
