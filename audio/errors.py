"""Errors raised by the audio package."""


class AudioError(Exception):
    """Root of every error the audio package raises."""


class AudioInputError(AudioError, ValueError):
    """The input track cannot be used; the message says why and what to do."""


class AudioFileNotFoundError(AudioInputError):
    """The track path does not exist or is not a file."""


class UnsupportedAudioError(AudioInputError):
    """The file holds no decodable audio stream."""


class CorruptAudioError(AudioInputError):
    """The file is damaged or truncated."""


class TrackLengthError(AudioInputError):
    """The track is empty, too short or over the length limit."""


class SilentTrackError(AudioInputError):
    """The track holds nothing but silence."""


class LyricsError(AudioInputError):
    """The lyrics cannot be used: unreadable file, malformed timestamp, times past the end."""


class AsrModelError(LyricsError):
    """The speech-recognition model folder is missing, holds no model, or fails to load or run."""
