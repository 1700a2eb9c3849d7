"""Tempo (steady or changing), beats, meter and downbeats, with a confidence.

librosa's dynamic-programming tracker runs on an onset envelope that weights bass and
kick onsets, with a per-frame tempo curve when the tempo moves; beats are then moved onto
the attacks they stand for. Music with no steady pulse (speech, ambience, noise) gets no
beats at all instead of an invented grid. A musician's hint (tempo, meter, a bar start)
fixes the metrical level, the bar length and the bar phase, which audio alone can leave
ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audio.beatgrid import align_to_onsets, count_slips, repair_slips, strength_at
from audio.features import HOP, Features
from audio.levels import HINT_TOLERANCE, Grid, settle_level, to_hinted_level
from audio.meter import detect_meter, downbeat_phase, hinted_meter
from audio.models import RhythmHint

MIN_CLARITY = 0.3  # speech and noise measure ≤ 0.2, the eval set's music ≥ 0.48
TEMPO_RANGE = (40.0, 220.0)
LOW_WEIGHT = 0.25  # bass/kick onsets: little enough not to follow syncopated funk kicks
LOW_WEIGHTS = (0.5, LOW_WEIGHT)  # tried in order: anchoring on the low end keeps 6/8 and
# funk grooves from slipping to an off-beat, unless it makes the beats slip more itself
TIGHTNESS = 400  # stay on the grid through syncopation (librosa's default 100 slips a half beat)
HINT_WIDTH = 0.05  # octaves: a hinted tempo picks the nearest tempogram peak within ~±4 %
PLAYED = 0.3  # a beat whose onset is under 30 % of the median beat's is not played
LOUD_START_DB = -30.0  # ... unless the track opens on it this loud (dB under its peak)
LEVELS = (1 / 3, 1 / 2, 2 / 3, 1.0, 3 / 2, 2.0, 3.0)  # metrical levels a hint may pick


@dataclass(frozen=True)
class Rhythm:
    tempo: float
    beats: np.ndarray
    downbeats: np.ndarray
    beats_per_bar: int
    meter: str
    steady: bool
    confidence: float


def track_rhythm(features: Features, hint: RhythmHint | None = None) -> Rhythm:
    """Beats, downbeats (s) and meter of a track; no beats when there is no steady pulse.

    With a hinted tempo the tracker follows that metrical level (and still follows the
    music's drift and changes); a hinted meter sets the bar length and a hinted downbeat
    the beat bars start on. A hinted tempo also means the musician says there is a beat,
    so a faint pulse still gets a grid.
    """

    hint = hint or RhythmHint()
    clarity = local_pulse_clarity(_pulse_envelope(features, LOW_WEIGHT), features.frame_rate)
    if clarity < MIN_CLARITY and hint.bpm is None:
        empty = np.zeros(0)
        return Rhythm(0.0, empty, empty, 4, "4/4", False, round(clarity, 3))
    # anchored on the low end first; the lighter mix when that makes the beats slip
    tracks = [_track(features, _pulse_envelope(features, w)) for w in LOW_WEIGHTS]
    env, frames, beats, tempo = min(tracks, key=lambda t: count_slips(t[2]))
    per_bar, meter = (
        detect_meter(features, frames) if hint.meter is None else hinted_meter(hint.meter)
    )
    grid = Grid(frames, beats, tempo, per_bar, meter)
    if hint.bpm is None:  # the level is ours to check
        grid = settle_level(features, env, grid, free_meter=hint.meter is None)
    else:  # the musician's level: from the found beats when it is a simple multiple
        hinted = to_hinted_level(features, env, grid, hint.bpm) if beats.size >= 2 else None
        if hinted is None:
            env, frames, beats, tempo = _track(features, env, hint.bpm)
            hinted = Grid(frames, beats, tempo, per_bar, meter)
        grid = hinted
    frames, beats, tempo, per_bar, meter = grid
    phase = downbeat_phase(features, frames, per_bar)
    first, last = _played_span(env, features.rms, frames)
    beats, phase = beats[first:last], (phase - first) % per_bar
    if hint.downbeat is not None and beats.size:
        phase = int(np.argmin(np.abs(beats - hint.downbeat))) % per_bar
    downbeats = beats[phase::per_bar] if beats.size else beats
    confidence = min(1.0, clarity / 0.6)
    return Rhythm(tempo, beats, downbeats, per_bar, meter, True, round(confidence, 3))


def _track(
    features: Features, env: np.ndarray, hinted: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Envelope, beat frames, beat times (on the attacks) and tempo (BPM, from the beats'
    median spacing) for one envelope, at the musician's tempo when `hinted`."""
    import librosa

    bpm = _tempo_curve(env, features.sr)
    if hinted is not None:
        bpm = _follow_hint(bpm, hinted, env, features.sr)
    _, frames = librosa.beat.beat_track(
        onset_envelope=env,
        sr=features.sr,
        hop_length=HOP,
        bpm=bpm,
        tightness=TIGHTNESS,
        trim=False,
        units="frames",
    )
    frames = np.asarray(frames, dtype=int)
    peaks = repair_slips(librosa.frames_to_time(frames, sr=features.sr, hop_length=HOP))
    frames = np.round(peaks * features.sr / HOP).astype(int)  # on the envelope's peaks
    beats = repair_slips(align_to_onsets(peaks, features))  # on the attacks
    tempo = 60.0 / np.median(np.diff(beats)) if beats.size >= 2 else np.median(bpm)
    return env, frames, beats, float(tempo)


def _pulse_envelope(features: Features, low_weight: float) -> np.ndarray:
    """Full-band onsets plus bass/kick onsets (they sit on the beat, melodies often don't)."""
    full = features.onset / (features.onset.max() + 1e-9)
    low = features.low_onset / (features.low_onset.max() + 1e-9)
    return full + low_weight * low


def local_pulse_clarity(env: np.ndarray, frame_rate: float, *, window: float = 10.0) -> float:
    """Median pulse clarity over 10 s windows: a drifting tempo stays clear locally."""
    size = int(window * frame_rate)
    if env.size <= size:
        return pulse_clarity(env, frame_rate)
    starts = range(0, env.size - size + 1, size // 2)
    return float(np.median([pulse_clarity(env[s : s + size], frame_rate) for s in starts]))


def pulse_clarity(env: np.ndarray, frame_rate: float) -> float:
    """Highest normalised autocorrelation of the onset envelope at beat-like lags (0 … 1)."""
    x = env - env.mean()
    if x.size < 4 or not np.any(x):
        return 0.0
    n = 1 << int(np.ceil(np.log2(2 * x.size)))
    spectrum = np.fft.rfft(x, n)
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[: x.size]
    acf /= acf[0]
    lo = int(frame_rate * 60.0 / TEMPO_RANGE[1])
    hi = min(int(frame_rate * 60.0 / TEMPO_RANGE[0]), x.size - 1)
    return float(max(acf[lo:hi].max(), 0.0)) if hi > lo else 0.0


def _tempo_curve(env: np.ndarray, sr: int) -> float | np.ndarray:
    """One tempo when the song keeps it, else a smoothed per-frame tempo.

    A passage only gets its own tempo when the song's overall tempo no longer explains
    its onsets: syncopation (a rag's 3+3+2) shows up as a strong 4/3 periodicity, but the
    overall pulse is still there, whereas after a real tempo change it is gone.
    """
    import librosa
    import scipy.ndimage

    overall = float(librosa.feature.tempo(onset_envelope=env, sr=sr, hop_length=HOP)[0])
    gram = librosa.feature.tempogram(onset_envelope=env, sr=sr, hop_length=HOP, win_length=384)
    bpms = librosa.tempo_frequencies(gram.shape[0], sr=sr, hop_length=HOP)
    usable = (bpms >= TEMPO_RANGE[0]) & (bpms <= TEMPO_RANGE[1])
    gram = np.where(usable[:, None], gram, 0.0)[:, : env.size]
    near = np.abs(np.log2(np.maximum(bpms, 1e-6) / overall)) < 0.04
    support = gram[near].max(axis=0) / (gram.max(axis=0) + 1e-9)
    local = bpms[np.argmax(gram, axis=0)]
    for factor in (2.0, 0.5):  # octave slips are not tempo changes
        folded = local * factor
        better = np.abs(np.log2(folded / overall)) < np.abs(np.log2(local / overall)) - 0.5
        local = np.where(better, folded, local)
    window = max(int(12.0 * sr / HOP), 1)
    lost = scipy.ndimage.uniform_filter1d(support, size=window) < 0.5
    curve = np.where(lost, local, overall)
    curve = scipy.ndimage.median_filter(curve, size=window, mode="nearest")
    if np.mean(np.abs(np.log2(curve / overall)) > 0.05) < 0.15:
        return overall
    return curve


def _follow_hint(
    bpm: float | np.ndarray, hinted: float, env: np.ndarray, sr: int
) -> float | np.ndarray:
    """Move the found tempo (curve) to the metrical level the musician taps.

    When the hint is a simple ratio (1/3 … 3) of what the audio says, keep the audio's
    tempo and its changes at the hinted level; otherwise take the tempogram peak
    nearest the hint as one steady tempo.
    """
    import librosa

    curve = np.atleast_1d(np.asarray(bpm, dtype=float))
    centre = float(np.median(curve))
    low, high = curve.min() * (1 - HINT_TOLERANCE), curve.max() * (1 + HINT_TOLERANCE)
    fits = [k for k in LEVELS if low * k <= hinted <= high * k]
    if fits:
        factor = min(fits, key=lambda k: abs(np.log2(centre * k / hinted)))
        return bpm * factor
    found = librosa.feature.tempo(
        onset_envelope=env, sr=sr, hop_length=HOP, start_bpm=hinted, std_bpm=HINT_WIDTH
    )
    return float(found[0])


def _played_span(env: np.ndarray, rms: np.ndarray, frames: np.ndarray) -> tuple[int, int]:
    """Beats [first, last) from the first to the last beat that is played.

    A release or reverb tail keeps the track audible after the final hit and a lead-in
    can be faintly audible before the first; the tracker would fill both with a grid
    nobody plays. Inside the song, rests and held chords keep their beats.
    """
    if frames.size < 2:
        return 0, frames.size
    strength = strength_at(env, frames)
    played = strength >= PLAYED * np.median(strength)
    # the envelope cannot see an attack in its first frames: a track that starts loud
    # starts on a played beat
    level_db = 20 * np.log10(rms[np.minimum(frames, rms.size - 1)] / (rms.max() + 1e-9) + 1e-9)
    played |= (frames < 4) & (level_db > LOUD_START_DB)
    played = np.flatnonzero(played)
    if played.size == 0:
        return 0, frames.size
    return int(played[0]), int(played[-1]) + 1
