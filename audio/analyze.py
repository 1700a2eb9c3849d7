"""`analyze(path)`: decode, measure and cache a track's analysis by content hash."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from audio.decode import MAX_DURATION, DecodedTrack, load_track
from audio.errors import AudioInputError
from audio.features import compute_features
from audio.models import ANALYSIS_VERSION, Key, RhythmHint, TrackAnalysis
from audio.mood import estimate_mood
from audio.rhythm import track_rhythm
from audio.structure import energy_curve, find_sections
from audio.tonal import estimate_key

logger = logging.getLogger(__name__)

ANALYSIS_RATE = 22_050
MIN_KEY_CONFIDENCE = 0.1


def content_hash(path: Path) -> str:
    """sha256 of the file's bytes: the cache key of everything derived from it."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def analyze(
    path: Path,
    *,
    cache_dir: Path | None = None,
    max_duration: float = MAX_DURATION,
    hint: RhythmHint | None = None,
) -> TrackAnalysis:
    """Analyse a track, reusing a cached result for identical file contents and hint."""
    path = Path(path)
    digest = content_hash(path) if path.is_file() else ""
    if digest and cache_dir is not None:
        cached = load_cached(cache_dir, digest, hint)
        if cached is not None:
            return cached
    track = load_track(path, max_duration=max_duration)
    result = analyze_decoded(track, digest, hint)
    if cache_dir is not None:
        store_cached(cache_dir, result)
    return result


def analyze_decoded(
    track: DecodedTrack, digest: str, hint: RhythmHint | None = None
) -> TrackAnalysis:
    """Run the analysis on already-decoded samples (`hint`: the musician's tempo/meter)."""
    hint = None if hint is None or hint.empty else hint
    if hint is not None and hint.downbeat is not None and hint.downbeat > track.duration:
        raise AudioInputError(
            f"the bar start you gave ({hint.downbeat:g} s) is past the end of the track "
            f"({track.duration:.1f} s)"
        )
    y = track.mono(ANALYSIS_RATE)
    y = y - float(np.mean(y))  # DC offset would bias the onset envelope
    features = compute_features(y, ANALYSIS_RATE)
    rhythm = track_rhythm(features, hint)
    energy = energy_curve(y, ANALYSIS_RATE)
    sections = find_sections(
        features, downbeats=rhythm.downbeats, duration=track.duration, energy=energy
    )
    key: Key | None = estimate_key(y, ANALYSIS_RATE)
    if key is not None and key.confidence < MIN_KEY_CONFIDENCE:
        key = None  # noise, speech, drums alone: no tonal centre worth naming
    mood = estimate_mood(y=y, sr=ANALYSIS_RATE, tempo=rhythm.tempo, key=key, energy=energy)
    return TrackAnalysis(
        content_hash=digest,
        duration=round(track.duration, 6),
        tempo=round(rhythm.tempo, 3),
        beats=[round(float(t), 4) for t in rhythm.beats],
        downbeats=[round(float(t), 4) for t in rhythm.downbeats],
        beats_per_bar=rhythm.beats_per_bar,
        meter=rhythm.meter,
        steady_beat=rhythm.steady,
        beat_confidence=rhythm.confidence,
        sections=sections,
        energy=energy,
        key=key,
        mood=mood,
        hint=hint,
    )


def with_lyrics(
    analysis: TrackAnalysis,
    lyrics: Path,
    *,
    track: Path,
    asr_model: Path | None = None,
    max_duration: float = MAX_DURATION,
) -> TrackAnalysis:
    """Attach timed lyrics: from an .lrc's own times, by speech recognition when a local
    model folder is named, else spread over the vocal regions and sections."""
    from audio.asr import align_lyrics_asr
    from audio.lyrics import is_lrc, load_lyrics, read_lyrics

    text = read_lyrics(Path(lyrics))
    if asr_model is not None and not is_lrc(text):
        decoded = load_track(track, max_duration=max_duration)
        lines = align_lyrics_asr(
            text.splitlines(),
            samples=decoded.samples,
            sample_rate=decoded.sample_rate,
            model_dir=Path(asr_model),
        )
    else:
        lines = load_lyrics(
            Path(lyrics),
            duration=analysis.duration,
            vocals=analysis.vocals,
            sections=analysis.sections,
        )
    return analysis.model_copy(update={"lyrics": lines})


def plot_file(
    track: Path, analysis: TrackAnalysis, *, out: Path, max_duration: float = MAX_DURATION
) -> Path:
    """Draw the analysis over the track's waveform into a PNG."""
    from audio.plot import plot_analysis

    decoded = load_track(track, max_duration=max_duration)
    return plot_analysis(
        y=decoded.mono(ANALYSIS_RATE), sr=ANALYSIS_RATE, analysis=analysis, out=Path(out)
    )


def _cache_path(cache_dir: Path, digest: str, hint: RhythmHint | None) -> Path:
    suffix = hint.cache_suffix() if hint is not None else ""
    return cache_dir / f"{digest}{suffix}-v{ANALYSIS_VERSION}.json"


def load_cached(
    cache_dir: Path, digest: str, hint: RhythmHint | None = None
) -> TrackAnalysis | None:
    """The cached analysis for a content hash and hint, or None (damaged entries are ignored)."""
    target = _cache_path(cache_dir, digest, hint)
    if not target.is_file():
        return None
    try:
        return TrackAnalysis.model_validate_json(target.read_text())
    except ValueError:
        logger.warning("ignoring damaged analysis cache entry %s", target)
        return None


def store_cached(cache_dir: Path, analysis: TrackAnalysis) -> None:
    """Write atomically so a killed process never leaves a half-written entry."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        handle.write(analysis.model_dump_json())
    os.replace(tmp, _cache_path(cache_dir, analysis.content_hash, analysis.hint))
