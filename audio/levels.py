"""Is the tracked beat the beat? Checks for a tracker that counted eighths or half notes
(or a 6/8 in eighths), from how strong the beats are and whether kick and snare alternate."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from audio.beatgrid import align_to_onsets, strength_at
from audio.features import HOP, Features
from audio.meter import downbeat_phase, zscore

COMPOUND_TEMPO = 140.0  # a "3/4" faster than this may be 6/8 counted in eighths
PAIRING = 0.5  # kick/snare alternation (times evenness) that makes a backbeat
DOUBLE_TEMPO = 115.0  # a 4/4 faster than this may be counted in eighths
UNEVEN = 0.65  # ... when every other beat is this much weaker (median onset)
HALF_TEMPO = 100.0  # a 4/4 slower than this may be counted in half notes
EVEN = 0.6  # ... when the points between its beats are at least this strong (median onset)
HINT_TOLERANCE = 0.08  # a hint this close to a multiple of the found tempo picks that level
HIGH_BANDS = slice(60, 110)  # mel bands of snare and hi-hat attacks (~1.8–7 kHz)


class Grid(NamedTuple):
    """A tracked beat grid: envelope frames and attack times of the beats, and its meter."""

    frames: np.ndarray
    beats: np.ndarray
    tempo: float
    per_bar: int
    meter: str


def settle_level(features: Features, env: np.ndarray, grid: Grid, *, free_meter: bool) -> Grid:
    """The grid at the level a listener taps: a fast "3/4" whose bars alternate kick and
    snare becomes 6/8 in dotted quarters (only when the meter was not given); a 4/4 counted
    in eighths is halved, one counted in half notes doubled."""
    frames, beats, tempo, per_bar, meter = grid
    if free_meter and meter == "3/4" and tempo > COMPOUND_TEMPO:
        phase = downbeat_phase(features, frames, per_bar)
        if bars_pair_up(features, frames[phase::3]):
            keep = np.arange(phase, frames.size, 3)
            return Grid(frames[keep], beats[keep], tempo / 3, 2, "6/8")
    if meter != "4/4":
        return grid
    strong = counted_eighths(features, env, frames) if tempo > DOUBLE_TEMPO else None
    if strong is not None:
        keep = np.arange(strong, frames.size, 2)
        return Grid(frames[keep], beats[keep], tempo / 2, per_bar, meter)
    if tempo < HALF_TEMPO and counted_halves(features, env, frames):
        frames, beats = subdivide(features, frames, beats, 2)
        return Grid(frames, beats, tempo * 2, per_bar, meter)
    return grid


def bars_pair_up(features: Features, bars: np.ndarray) -> bool:
    """Do consecutive points of `bars` alternate low (kick) and high (snare) attacks at
    similar strength, as a backbeat does (or the two dotted-quarter beats of a 6/8 bar)?"""
    import librosa

    if bars.size < 8:
        return False
    high = librosa.onset.onset_strength(
        S=features.mel_db[HIGH_BANDS], sr=features.sr, hop_length=HOP
    )
    envelopes = {"full": features.onset, "low": features.low_onset, "high": high}
    strength = {
        name: strength_at(env[: features.onset.size], bars) for name, env in envelopes.items()
    }
    timbre = zscore(strength["high"]) - zscore(strength["low"])
    alternation = abs(timbre[0::2].mean() - timbre[1::2].mean()) / (timbre.std() + 1e-9)
    even, odd = strength["full"][0::2].mean(), strength["full"][1::2].mean()
    return bool(alternation * min(even, odd) / max(even, odd, 1e-9) >= PAIRING)


def counted_eighths(features: Features, env: np.ndarray, frames: np.ndarray) -> int | None:
    """The phase (0 or 1) of the real beats when the tracker counted eighth notes: every
    other beat is weak and the strong ones alternate kick and snare; else None."""
    if frames.size < 16:
        return None
    medians = _phase_medians(strength_at(env, frames), 2)
    strong = int(np.argmax(medians))
    if min(medians) >= UNEVEN * max(medians):
        return None
    return strong if bars_pair_up(features, frames[strong::2]) else None


def counted_halves(features: Features, env: np.ndarray, frames: np.ndarray) -> bool:
    """Did the tracker count half notes: the points halfway between beats are about as
    strong as the beats, and beats and halfway points alternate kick and snare?"""
    if frames.size < 16:
        return False
    grid = _interleave(frames, np.round((frames[:-1] + frames[1:]) / 2).astype(int))
    strength = strength_at(env, grid)
    if np.median(strength[1::2]) < EVEN * np.median(strength[0::2]):
        return False
    return bars_pair_up(features, grid)


def subdivide(
    features: Features, frames: np.ndarray, beats: np.ndarray, parts: int
) -> tuple[np.ndarray, np.ndarray]:
    """Frames and beat times with each beat split into `parts` equal parts (the added
    beats moved onto nearby attacks)."""
    steps = np.arange(parts)[None, :] / parts
    inner = (frames[:-1, None] + (frames[1:] - frames[:-1])[:, None] * steps).round().astype(int)
    times = beats[:-1, None] + (beats[1:] - beats[:-1])[:, None] * steps
    times[:, 1:] = align_to_onsets(times[:, 1:].ravel(), features).reshape(-1, parts - 1)
    return np.append(inner.ravel(), frames[-1]), np.append(times.ravel(), beats[-1])


def to_hinted_level(features: Features, env: np.ndarray, grid: Grid, bpm: float) -> Grid | None:
    """The found grid at the tempo the musician taps, when that is 1/3, 1/2, 1, 2 or 3
    times the found one: split or thin the found beats (they stay on what was tracked);
    None for any other ratio."""
    ratio = bpm / grid.tempo
    for parts in (1, 2, 3):
        if abs(ratio / parts - 1) <= HINT_TOLERANCE:
            if parts == 1:
                return grid
            frames, beats = subdivide(features, grid.frames, grid.beats, parts)
            return grid._replace(frames=frames, beats=beats, tempo=grid.tempo * parts)
        if abs(ratio * parts - 1) <= HINT_TOLERANCE:
            phase = _strongest_phase(env, grid.frames, parts)
            keep = np.arange(phase, grid.frames.size, parts)
            return grid._replace(
                frames=grid.frames[keep], beats=grid.beats[keep], tempo=grid.tempo / parts
            )
    return None


def _strongest_phase(env: np.ndarray, frames: np.ndarray, parts: int) -> int:
    return int(np.argmax(_phase_medians(strength_at(env, frames), parts)))


def _phase_medians(strength: np.ndarray, parts: int) -> list[float]:
    """Median strength of every `parts`-th beat, for each of the `parts` phases."""
    return [float(np.median(strength[p::parts])) for p in range(parts)]


def _interleave(first: np.ndarray, between: np.ndarray) -> np.ndarray:
    """first[0], between[0], first[1], ... first[-1] (len(between) == len(first) - 1)."""
    out = np.empty(first.size + between.size, dtype=first.dtype)
    out[0::2], out[1::2] = first, between
    return out
