"""Tempo (steady or changing), beats, meter and downbeats, with a confidence.

librosa's dynamic-programming tracker runs on an onset envelope that weights bass and
kick onsets, with a per-frame tempo curve when the tempo moves; beats are then moved onto
the attacks they stand for. Music with no steady pulse (speech, ambience, noise) gets no
beats at all instead of an invented grid. A musician's hint (tempo, meter, a bar start)
fixes the metrical level, the bar length and the bar phase, which audio alone can leave
ambiguous.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from audio.features import FINE_HOP, HOP, Features
from audio.models import BEATS_PER_BAR, RhythmHint

MIN_CLARITY = 0.3  # speech and noise measure ≤ 0.2, the eval set's music ≥ 0.48
TEMPO_RANGE = (40.0, 220.0)
LOW_WEIGHT = 0.25  # bass/kick onsets: little enough not to follow syncopated funk kicks
LOW_WEIGHTS = (0.5, LOW_WEIGHT)  # tried in order: anchoring on the low end keeps 6/8 and
# funk grooves from slipping to an off-beat, unless it makes the beats slip more itself
SLIP = 0.2  # an interval this far (relative) from both steady neighbours is a slip
RETURN_WITHIN = 64  # beats: a displacement that ends this soon was the tracker's, not the music's
ON_GRID = 0.1  # of a beat: back on the grid
COMPOUND_TEMPO = 140.0  # a "3/4" faster than this may be 6/8 counted in eighths
PAIRING = 0.5  # kick/snare alternation between bars that makes them 6/8's beats
DOUBLE_TEMPO = 115.0  # a 4/4 faster than this may be counted in eighths
UNEVEN = 0.65  # ... when every other beat is this much weaker (median onset)
HALF_TEMPO = 100.0  # a 4/4 slower than this may be counted in half notes
EVEN = 0.6  # ... when the points between its beats are at least this strong (median onset)
HIGH_BANDS = slice(60, 110)  # mel bands of snare and hi-hat attacks (~1.8–7 kHz)
TIGHTNESS = 400  # stay on the grid through syncopation (librosa's default 100 slips a half beat)
HINT_WIDTH = 0.05  # octaves: a hinted tempo picks the nearest tempogram peak within ~±4 %
HINT_TOLERANCE = 0.08  # a hint this close to a level of the found tempo selects that level
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
    tracks = [_track(features, _pulse_envelope(features, w), hint) for w in LOW_WEIGHTS]
    env, frames, beats, bpm = min(tracks, key=lambda t: count_slips(t[2]))
    tempo = float(60.0 / np.median(np.diff(beats))) if beats.size >= 2 else float(np.median(bpm))
    per_bar, meter = _meter(features, frames) if hint.meter is None else _hinted(hint.meter)
    phase = _downbeat_phase(features, frames, per_bar)
    found_level = hint.bpm is None  # without a hinted tempo the level is ours to check
    fast_triple = found_level and hint.meter is None and meter == "3/4" and tempo > COMPOUND_TEMPO
    if fast_triple and _bars_pair_up(features, frames[phase::3]):
        # a fast "3/4" whose bars alternate kick and snare: they are 6/8's beats
        keep = np.arange(phase, frames.size, 3)
        frames, beats, tempo = frames[keep], beats[keep], tempo / 3
        per_bar, meter = 2, "6/8"
        phase = _downbeat_phase(features, frames, per_bar)
    common_time = found_level and meter == "4/4"
    strong = _counted_eighths(features, env, frames) if common_time else None
    if strong is not None and tempo > DOUBLE_TEMPO:
        # strong/weak beats, the strong ones a kick–snare backbeat: the beats were eighths
        keep = np.arange(strong, frames.size, 2)
        frames, beats, tempo = frames[keep], beats[keep], tempo / 2
        phase = _downbeat_phase(features, frames, per_bar)
    elif common_time and tempo < HALF_TEMPO and _counted_halves(features, env, frames):
        # as strong between the beats, kick and snare alternating: the beats were halves
        (frames, beats), tempo = _with_midpoints(features, frames, beats), tempo * 2
        phase = _downbeat_phase(features, frames, per_bar)
    first, last = _played_span(env, features.rms, frames)
    beats, phase = beats[first:last], (phase - first) % per_bar
    if hint.downbeat is not None and beats.size:
        phase = int(np.argmin(np.abs(beats - hint.downbeat))) % per_bar
    downbeats = beats[phase::per_bar] if beats.size else beats
    confidence = min(1.0, clarity / 0.6)
    return Rhythm(tempo, beats, downbeats, per_bar, meter, True, round(confidence, 3))


def _track(
    features: Features, env: np.ndarray, hint: RhythmHint
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float | np.ndarray]:
    """Envelope, beat frames, beat times (on the attacks) and tempo (curve) for one envelope."""
    import librosa

    bpm = _tempo_curve(env, features.sr)
    if hint.bpm is not None:
        bpm = _follow_hint(bpm, hint.bpm, env, features.sr)
    _, frames = librosa.beat.beat_track(
        onset_envelope=env,
        sr=features.sr,
        hop_length=HOP,
        bpm=bpm,
        tightness=TIGHTNESS,
        trim=False,
        units="frames",
    )
    frames = _inside_music(np.asarray(frames, dtype=int), features)
    peaks = repair_slips(librosa.frames_to_time(frames, sr=features.sr, hop_length=HOP))
    frames = np.round(peaks * features.sr / HOP).astype(int)  # on the envelope's peaks
    beats = repair_slips(_align_to_onsets(peaks, features))  # on the attacks
    return env, frames, beats, bpm


def repair_slips(beats: np.ndarray) -> np.ndarray:
    """Put back beats that left the grid for a while and came back to it.

    Music does not shift its beat by a fraction and back: when the tracker jumps to an
    off-beat in a syncopated passage and later lands on the old grid with as many beats
    as grid steps in between, those beats are spread evenly between the two runs.
    """
    fixed = np.asarray(beats, dtype=float).copy()
    i = 4
    while i < fixed.size - 5:
        before = np.diff(fixed[i - 4 : i + 1])
        period = float(np.median(before))
        jump = abs((fixed[i + 1] - fixed[i]) / period - 1)
        back = (
            _back_on_grid(fixed, i, period)
            if jump >= SLIP and before.std() < 0.05 * period
            else None
        )
        if back is None:
            i += 1
            continue
        fixed[i + 1 : back] = np.linspace(fixed[i], fixed[back], back - i + 1)[1:-1]
        i = back
    return fixed


def _back_on_grid(beats: np.ndarray, i: int, period: float) -> int | None:
    """The first beat after `i` from which four beats sit on beat i's grid again, with
    as many beats as grid steps in between; None when none does within `RETURN_WITHIN`."""
    for m in range(i + 2, min(beats.size - 3, i + RETURN_WITHIN)):
        steps = (beats[m : m + 4] - beats[i]) / period
        if np.all(np.abs(steps - np.round(steps)) < ON_GRID) and round(steps[0]) == m - i:
            return m
    return None


def count_slips(beats: np.ndarray) -> int:
    """Beat intervals unlike the steady intervals either side of them: phase slips.

    A tempo change differs on one side only; a slip (the tracker jumping to an off-beat
    or a sixteenth) leaves one odd interval between two runs that agree.
    """
    if beats.size < 10:
        return 0
    ibi = np.diff(beats)
    slips = 0
    for i in range(4, ibi.size - 4):
        before, after = np.median(ibi[i - 4 : i]), np.median(ibi[i + 1 : i + 5])
        steady = abs(before / after - 1) < SLIP / 2
        odd = abs(ibi[i] / before - 1) >= SLIP and abs(ibi[i] / after - 1) >= SLIP
        slips += int(steady and odd)
    return slips


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


def _inside_music(frames: np.ndarray, features: Features) -> np.ndarray:
    """Drop beats in leading/trailing silence (the tracker fills them with a grid)."""
    if frames.size == 0:
        return frames
    loud = 20 * np.log10(features.rms + 1e-9)
    alive = np.flatnonzero(loud > loud.max() - 45)
    if alive.size == 0:
        return frames[:0]
    first, last = alive[0] - 2, alive[-1] + 2
    return frames[(frames >= first) & (frames <= last)]


def _played_span(env: np.ndarray, rms: np.ndarray, frames: np.ndarray) -> tuple[int, int]:
    """Beats [first, last) from the first to the last beat that is played.

    A release or reverb tail keeps the track audible after the final hit and a lead-in
    can be faintly audible before the first; the tracker would fill both with a grid
    nobody plays. Inside the song, rests and held chords keep their beats.
    """
    if frames.size < 2:
        return 0, frames.size
    near = np.stack([env[np.clip(frames + d, 0, env.size - 1)] for d in range(-1, 3)])
    strength = near.max(axis=0)
    played = strength >= PLAYED * np.median(strength)
    # the envelope cannot see an attack in its first frames: a track that starts loud
    # starts on a played beat
    level_db = 20 * np.log10(rms[np.minimum(frames, rms.size - 1)] / (rms.max() + 1e-9) + 1e-9)
    played |= (frames < 4) & (level_db > LOUD_START_DB)
    played = np.flatnonzero(played)
    if played.size == 0:
        return 0, frames.size
    return int(played[0]), int(played[-1]) + 1


def _align_to_onsets(beats: np.ndarray, features: Features) -> np.ndarray:
    """Move each beat onto the attack it stands for, when a clear one is within 70 ms.

    The tracker works on a coarse (23 ms), smeared envelope whose peaks trail the
    attacks; a fine envelope puts cuts on the hit itself.
    """
    env = features.fine_onset
    if env.size == 0 or beats.size == 0:
        return beats
    strong = float(env.mean() + env.std())
    reach = int(0.07 * features.sr / FINE_HOP)
    aligned = beats.copy()
    for i, t in enumerate(beats):
        c = round(t * features.sr / FINE_HOP)
        lo, hi = max(c - reach, 0), min(c + reach + 1, env.size)
        if hi <= lo:
            continue
        peak = lo + int(np.argmax(env[lo:hi]))
        if env[peak] >= strong:
            aligned[i] = peak * FINE_HOP / features.sr
    return aligned


def _beat_accents(features: Features, frames: np.ndarray) -> np.ndarray:
    """Per-beat evidence of a bar start: bass/kick onset and harmonic change (z-scores)."""
    import librosa

    frames = np.minimum(frames, features.onset.size - 1)
    kick = features.low_onset[frames]
    synced = librosa.util.sync(features.chroma, frames.tolist(), aggregate=np.median)
    unit = synced / (np.linalg.norm(synced, axis=0, keepdims=True) + 1e-9)
    change = np.zeros(frames.size)
    # column i of `synced` spans beats i-1 .. i; compare the spans either side of beat i
    for i in range(1, min(frames.size, unit.shape[1] - 1)):
        change[i] = 1.0 - float(unit[:, i] @ unit[:, i + 1])
    return _z(kick) + _z(change)


def _meter(features: Features, frames: np.ndarray) -> tuple[int, str]:
    """Beats per bar (2, 3 or 4) and the meter name; compound time reads as 6/8."""
    if frames.size < 16:
        return 4, "4/4"
    accents = _beat_accents(features, frames)
    contrast = {}
    for per_bar in (2, 3, 4):
        means = [accents[p::per_bar].mean() for p in range(per_bar)]
        contrast[per_bar] = max(means) - float(np.mean(means))
    if contrast[3] > 1.15 * max(contrast[2], contrast[4]):
        return 3, "3/4"
    if _ternary(features, frames):
        return 2, "6/8"
    return 4, "4/4"


def _bars_pair_up(features: Features, bars: np.ndarray) -> bool:
    """Do consecutive bars alternate low (kick) and high (snare) attacks, as the two
    dotted-quarter beats of a 6/8 bar do, at similar strength?"""
    import librosa

    if bars.size < 8:
        return False
    high = librosa.onset.onset_strength(
        S=features.mel_db[HIGH_BANDS], sr=features.sr, hop_length=HOP
    )
    full, low = features.onset, features.low_onset
    at = [np.clip(bars + d, 0, full.size - 1) for d in range(-1, 3)]
    strength = {name: np.max([e[i] for i in at], axis=0) for name, e in
                (("full", full), ("low", low), ("high", high[: full.size]))}  # fmt: skip
    timbre = _z(strength["high"]) - _z(strength["low"])
    alternation = abs(timbre[0::2].mean() - timbre[1::2].mean()) / (timbre.std() + 1e-9)
    even, odd = strength["full"][0::2].mean(), strength["full"][1::2].mean()
    return bool(alternation * min(even, odd) / max(even, odd, 1e-9) >= PAIRING)


def _counted_eighths(features: Features, env: np.ndarray, frames: np.ndarray) -> int | None:
    """The phase (0 or 1) of the real beats when the tracker counted eighth notes: every
    other beat is weak and the strong ones alternate kick and snare; else None."""
    if frames.size < 16:
        return None
    at = [np.clip(frames + d, 0, env.size - 1) for d in range(-1, 3)]
    strength = np.max([env[i] for i in at], axis=0)
    medians = [float(np.median(strength[p::2])) for p in range(2)]
    strong = int(np.argmax(medians))
    if min(medians) >= UNEVEN * max(medians):
        return None
    return strong if _bars_pair_up(features, frames[strong::2]) else None


def _counted_halves(features: Features, env: np.ndarray, frames: np.ndarray) -> bool:
    """Did the tracker count half notes: the points halfway between beats are about as
    strong as the beats, and beats and halfway points alternate kick and snare?"""
    if frames.size < 16:
        return False
    grid = _interleave(frames, np.round((frames[:-1] + frames[1:]) / 2).astype(int))
    at = [np.clip(grid + d, 0, env.size - 1) for d in range(-1, 3)]
    strength = np.max([env[i] for i in at], axis=0)
    if np.median(strength[1::2]) < EVEN * np.median(strength[0::2]):
        return False
    return _bars_pair_up(features, grid)


def _with_midpoints(
    features: Features, frames: np.ndarray, beats: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Frames and beat times with a beat added halfway between each pair."""
    middle = np.round((frames[:-1] + frames[1:]) / 2).astype(int)
    halfway = _align_to_onsets((beats[:-1] + beats[1:]) / 2, features)
    return _interleave(frames, middle), _interleave(beats, halfway)


def _interleave(first: np.ndarray, between: np.ndarray) -> np.ndarray:
    """first[0], between[0], first[1], ... first[-1] (len(between) == len(first) - 1)."""
    out = np.empty(first.size + between.size, dtype=first.dtype)
    out[0::2], out[1::2] = first, between
    return out


def _hinted(meter: str) -> tuple[int, str]:
    return BEATS_PER_BAR[meter], meter


def _ternary(features: Features, frames: np.ndarray) -> bool:
    """Do beats divide in three (compound time) rather than two?"""
    env = features.onset
    thirds, halves = [], []
    for a, b in itertools.pairwise(frames):
        span = b - a
        if span < 6:
            continue
        thirds.append(max(env[a + round(span / 3)], env[a + round(2 * span / 3)]))
        halves.append(env[a + round(span / 2)])
    if len(thirds) < 8:
        return False
    return float(np.median(thirds)) > 1.3 * float(np.median(halves))


def _downbeat_phase(features: Features, frames: np.ndarray, per_bar: int) -> int:
    if frames.size < 2 * per_bar:
        return 0
    accents = _beat_accents(features, frames)
    means = [accents[p::per_bar].mean() for p in range(per_bar)]
    return int(np.argmax(means))


def _z(values: np.ndarray) -> np.ndarray:
    std = values.std()
    return (values - values.mean()) / std if std > 0 else np.zeros_like(values)
