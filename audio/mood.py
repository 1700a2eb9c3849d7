"""Mood: valence (sad … happy) and arousal (calm … excited) from a few audio cues, plus tags.

Every cue is first mapped onto 0 … 1 by a clipped linear ramp between two anchors, so
each formula term has a known range and the weighted sums stay in 0 … 1:

=============  =========================================  ==================================
cue            measured as                                0 at … 1 at
=============  =========================================  ==================================
loudness       mean power of frames over -60 dBFS (dBFS)  -42 dBFS … -12 dBFS
density        onsets per sounding second                 0.5 /s … 6 /s
tempo          beats per minute (0: no steady beat → 0)   60 BPM … 160 BPM
flux           mean spectral flux (dB per 23 ms, mel)     0.3 dB … 2.0 dB
brightness     median spectral centroid (Hz)              500 Hz … 3000 Hz
consonance     chroma share of the best-fitting triad     0.3 (noise) … 0.7 (clean triads)
mode           major 0.5 + conf / 2, minor 0.5 - conf / 2, unknown 0.5
=============  =========================================  ==================================

``valence = 0.35 mode + 0.25 brightness + 0.15 tempo + 0.25 consonance``
``arousal = 0.35 loudness + 0.25 density + 0.20 tempo + 0.20 flux``

Tags come from the fixed vocabulary `MOOD_TAGS`: each tag has an affinity in 0 … 1
(see `tag_affinities`); the tags with affinity ≥ 0.5 are kept, strongest first, at most
four, and the next strongest are added until there are two.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from audio.errors import AudioInputError
from audio.models import EnergyCurve, Key, Mood
from audio.validate import check_samples

logger = logging.getLogger(__name__)

MOOD_TAGS = (
    "energetic",
    "calm",
    "uplifting",
    "melancholic",
    "dark",
    "bright",
    "tense",
    "dreamy",
    "driving",
    "intimate",
)
MIN_TAGS, MAX_TAGS = 2, 4
TAG_THRESHOLD = 0.5

N_FFT = 2048
HOP = 512  # 23 ms at 22.05 kHz
CHROMA_FFT = 4096  # 5.4 Hz bins: semitones resolved from ~150 Hz up
CHROMA_BAND = (150.0, 5000.0)  # Hz
CHROMA_FLOOR = 1e-4  # frames 40 dB below the loudest hold no reliable chroma
GATE_DB = -60.0  # frames quieter than this (dBFS) are left out of every cue
ONSET_RISE_DB = 1.5  # an onset: a flux peak this far (dB) above the median flux
ONSET_GAP = 0.07  # seconds: closer peaks count as one onset

# (low anchor, high anchor) of each cue's ramp.
RAMPS = {
    "loudness": (-42.0, -12.0),
    "density": (0.5, 6.0),
    "tempo": (60.0, 160.0),
    "flux": (0.3, 2.0),
    "brightness": (500.0, 3000.0),
    "consonance": (0.3, 0.7),
}
VALENCE_WEIGHTS = {"mode": 0.35, "brightness": 0.25, "tempo": 0.15, "consonance": 0.25}
AROUSAL_WEIGHTS = {"loudness": 0.35, "density": 0.25, "tempo": 0.20, "flux": 0.20}


@dataclass(frozen=True)
class MoodCues:
    """The cues behind a mood, each normalised to 0 … 1 (see the module table)."""

    loudness: float
    density: float
    tempo: float
    flux: float
    brightness: float
    consonance: float
    mode: float
    steady: float  # mean of the energy curve, 0 … 1: how much of the track is near its peak


def estimate_mood(
    *, y: np.ndarray, sr: int, tempo: float, key: Key | None, energy: EnergyCurve
) -> Mood:
    """Valence, arousal and 2 … 4 tags from `MOOD_TAGS`.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono samples in -1 … 1 at `sr` (the analysis signal: 22.05 kHz, DC removed).
        Loudness is read from the absolute level, so pass the track as mastered.
    sr : int
        Sample rate in Hz.
    tempo : float
        Beats per minute; 0 when the track has no steady beat.
    key : Key or None
        The estimated key; None (or confidence 0) leaves the mode term at 0.5.
    energy : EnergyCurve
        The track's loudness curve (0 … 1 relative to its own peak).

    Returns
    -------
    Mood
        Valence and arousal rounded to 3 decimals; the same input gives the same output.

    Raises
    ------
    AudioInputError
        `y` is not a non-empty 1-D array of finite samples, `sr` is not positive, or
        `tempo` is negative or not finite.
    """
    _check_input(y, sr, tempo)
    cues = measure_cues(y=y, sr=sr, tempo=tempo, key=key, energy=energy)
    valence = sum(weight * getattr(cues, name) for name, weight in VALENCE_WEIGHTS.items())
    arousal = sum(weight * getattr(cues, name) for name, weight in AROUSAL_WEIGHTS.items())
    valence = float(np.clip(valence, 0.0, 1.0))
    arousal = float(np.clip(arousal, 0.0, 1.0))
    tags = choose_tags(tag_affinities(cues, valence=valence, arousal=arousal))
    logger.debug("mood valence=%.3f arousal=%.3f tags=%s cues=%s", valence, arousal, tags, cues)
    return Mood(valence=round(valence, 3), arousal=round(arousal, 3), tags=tags)


def measure_cues(
    *, y: np.ndarray, sr: int, tempo: float, key: Key | None, energy: EnergyCurve
) -> MoodCues:
    """Measure every cue of the module table and map it onto 0 … 1.

    Near-silence (no frame over `GATE_DB`) has no timbre or harmony to judge: its
    brightness and consonance are set to the neutral 0.5, its arousal cues to 0.
    """
    raw = raw_cues(y, sr)
    if raw is None:
        norm = {"loudness": 0.0, "density": 0.0, "flux": 0.0, "brightness": 0.5, "consonance": 0.5}
    else:
        norm = {name: _ramp(value, *RAMPS[name]) for name, value in raw.items()}
    norm["tempo"] = _ramp(tempo, *RAMPS["tempo"]) if tempo > 0 else 0.0
    mode = 0.5
    if key is not None:
        sign = 1.0 if key.mode == "major" else -1.0
        mode = 0.5 + sign * key.confidence / 2
    steady = float(np.clip(np.mean(energy.values), 0.0, 1.0)) if energy.values else 0.0
    return MoodCues(**norm, mode=mode, steady=steady)


def raw_cues(y: np.ndarray, sr: int) -> dict[str, float] | None:
    """The cues in their own units (dBFS, onsets/s, dB/frame, Hz, share), before the ramps.

    Frames quieter than `GATE_DB` are left out; None when no frame is left (near-silence).
    """
    import librosa

    spec = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP))
    rms = librosa.feature.rms(S=spec, frame_length=N_FFT, hop_length=HOP)[0]
    frame_db = 20 * np.log10(np.maximum(rms, 1e-10))
    sounding = frame_db > GATE_DB
    if not np.any(sounding):
        return None
    centroid = librosa.feature.spectral_centroid(S=spec[:, sounding], sr=sr, n_fft=N_FFT)[0]
    return {
        "loudness": float(10 * np.log10(np.mean(10 ** (frame_db[sounding] / 10)))),
        **_onset_cues(spec, sr, sounding),
        "brightness": float(np.median(centroid)),
        "consonance": _triad_share(y, sr),
    }


def tag_affinities(cues: MoodCues, *, valence: float, arousal: float) -> dict[str, float]:
    """How well each tag of `MOOD_TAGS` fits, 0 … 1 (minimum of soft conditions)."""
    up, down = _ramp, _fall
    return {
        "energetic": up(arousal, 0.5, 0.7),
        "calm": down(arousal, 0.25, 0.45),
        "uplifting": min(up(valence, 0.5, 0.7), up(arousal, 0.35, 0.55)),
        "melancholic": min(down(valence, 0.3, 0.5), down(arousal, 0.45, 0.65)),
        "dark": min(down(valence, 0.25, 0.45), down(cues.brightness, 0.3, 0.55)),
        "bright": min(up(cues.brightness, 0.5, 0.7), up(valence, 0.45, 0.6)),
        "tense": min(
            up(arousal, 0.45, 0.65),
            max(down(valence, 0.3, 0.45), down(cues.consonance, 0.3, 0.5)),
        ),
        "dreamy": min(
            down(arousal, 0.35, 0.55), down(cues.density, 0.15, 0.35), up(cues.consonance, 0.4, 0.6)
        ),
        "driving": min(
            up(cues.tempo, 0.4, 0.6), up(cues.density, 0.3, 0.5), up(cues.steady, 0.5, 0.7)
        ),
        "intimate": min(
            down(cues.loudness, 0.3, 0.5), down(arousal, 0.35, 0.5), down(cues.brightness, 0.4, 0.6)
        ),
    }


def choose_tags(affinities: dict[str, float]) -> list[str]:
    """Tags at or over `TAG_THRESHOLD`, strongest first (ties in `MOOD_TAGS` order), 2 … 4."""
    ranked = sorted(MOOD_TAGS, key=lambda tag: (-round(affinities[tag], 6), MOOD_TAGS.index(tag)))
    chosen = [tag for tag in ranked if affinities[tag] >= TAG_THRESHOLD][:MAX_TAGS]
    return chosen if len(chosen) >= MIN_TAGS else ranked[:MIN_TAGS]


def _onset_cues(spec: np.ndarray, sr: int, sounding: np.ndarray) -> dict[str, float]:
    """Onsets per sounding second and mean spectral flux (dB per frame over 64 mel bands)."""
    import librosa
    from scipy.signal import find_peaks

    mel_db = librosa.power_to_db(librosa.filters.mel(sr=sr, n_fft=N_FFT, n_mels=64) @ spec**2)
    flux = np.concatenate([[0.0], np.maximum(np.diff(mel_db, axis=1), 0.0).mean(axis=0)])
    flux = np.where(sounding, flux, 0.0)
    rate = sr / HOP
    floor = float(np.median(flux[sounding]))
    gap = max(1, round(ONSET_GAP * rate))
    peaks, _ = find_peaks(flux, height=floor + ONSET_RISE_DB, distance=gap)
    seconds = max(float(np.count_nonzero(sounding)) / rate, 1.0)
    return {"density": peaks.size / seconds, "flux": float(flux[sounding].mean())}


def _triad_share(y: np.ndarray, sr: int) -> float:
    """Mean over sounding frames of the chroma share held by the best of the 24 triads.

    A coarse 4096-point spectrogram above 150 Hz, where semitones are bins apart: noise
    reads about 0.28, triads with their overtones about 0.65.
    """
    import librosa

    power = np.abs(librosa.stft(y, n_fft=CHROMA_FFT, hop_length=CHROMA_FFT // 2)) ** 2
    freqs = librosa.fft_frequencies(sr=sr, n_fft=CHROMA_FFT)
    power[(freqs < CHROMA_BAND[0]) | (freqs > CHROMA_BAND[1])] = 0.0
    loud = power.sum(axis=0)
    power = power[:, loud > CHROMA_FLOOR * max(float(loud.max()), 1e-30)]
    if power.shape[1] == 0:
        return 0.0
    chroma = librosa.filters.chroma(sr=sr, n_fft=CHROMA_FFT, tuning=0.0) @ power
    chroma = chroma / np.maximum(chroma.sum(axis=0, keepdims=True), 1e-20)
    return float((_TRIADS @ chroma).max(axis=0).mean())


def _triads() -> np.ndarray:
    """Shape (24, 12): rows 0 … 11 major triads on C … B, rows 12 … 23 minor triads."""
    triads = np.zeros((24, 12))
    for root in range(12):
        for row, third in ((root, 4), (12 + root, 3)):
            triads[row, [root, (root + third) % 12, (root + 7) % 12]] = 1.0
    return triads


_TRIADS = _triads()


def _ramp(value: float, low: float, high: float) -> float:
    return float(np.clip((value - low) / (high - low), 0.0, 1.0))


def _fall(value: float, low: float, high: float) -> float:
    return 1.0 - _ramp(value, low, high)


def _check_input(y: np.ndarray, sr: int, tempo: float) -> None:
    check_samples(y, sr)
    if not np.isfinite(tempo) or tempo < 0:
        raise AudioInputError(f"tempo must be 0 (no beat) or a positive BPM, got {tempo}")
