"""Audio analysis: decode any common format, find beats, downbeats, sections and energy."""

from audio.analyze import (
    analyze,
    analyze_decoded,
    content_hash,
    load_cached,
    plot_file,
    store_cached,
    with_lyrics,
)
from audio.decode import MAX_DURATION, MIN_DURATION, DecodedTrack, load_track, write_master
from audio.errors import (
    AsrModelError,
    AudioError,
    AudioFileNotFoundError,
    AudioInputError,
    CorruptAudioError,
    LyricsError,
    SilentTrackError,
    TrackLengthError,
    UnsupportedAudioError,
)
from audio.models import (
    EnergyCurve,
    Key,
    LyricLine,
    Mood,
    RhythmHint,
    Section,
    TimeRegion,
    TrackAnalysis,
)
from audio.mood import MOOD_TAGS, estimate_mood
from audio.tonal import estimate_key

__all__ = [
    "MAX_DURATION",
    "MIN_DURATION",
    "MOOD_TAGS",
    "AsrModelError",
    "AudioError",
    "AudioFileNotFoundError",
    "AudioInputError",
    "CorruptAudioError",
    "DecodedTrack",
    "EnergyCurve",
    "Key",
    "LyricLine",
    "LyricsError",
    "Mood",
    "RhythmHint",
    "Section",
    "SilentTrackError",
    "TimeRegion",
    "TrackAnalysis",
    "TrackLengthError",
    "UnsupportedAudioError",
    "analyze",
    "analyze_decoded",
    "content_hash",
    "estimate_key",
    "estimate_mood",
    "load_cached",
    "load_track",
    "plot_file",
    "store_cached",
    "with_lyrics",
    "write_master",
]
