"""Key and mode: a duration-weighted chroma correlated with major/minor key profiles.

The chroma comes from the harmonic part of a coarse spectrogram (drums removed by
median-filter HPSS), so percussion does not smear the pitch classes. Each frame that
holds sound counts once, whatever its loudness, the audio analogue of weighting notes
by duration in the Krumhansl–Schmuckler method. The profiles are Albrecht & Shanahan's
(2013), which confuse a key with its dominant less often than Krumhansl–Kessler's, spread
over each note's first six partials (Gómez 2006) because audio chroma, unlike a score,
also hears the overtones: the fifth and major third above every note.
"""

from __future__ import annotations

import logging

import numpy as np

from audio.models import PITCH_CLASSES, Key
from audio.validate import check_samples

logger = logging.getLogger(__name__)

N_FFT = 4096  # 5.4 Hz bins at 22.05 kHz: semitones apart from ~90 Hz up
HOP = 2048  # 93 ms at 22.05 kHz: key needs no finer time
FMIN = 55.0  # A1; below it bins are too coarse to name a pitch class
FMAX = 5000.0  # above it little but overtones and noise
HPSS_KERNEL = 17  # frames (1.6 s) × bins (92 Hz): sustained vs. struck
SOUND_FLOOR = 1e-3  # frames below this fraction of the loudest frame are silence
MARGIN_SCALE = 0.25  # a correlation lead this large over the runner-up means confidence 1
PARTIALS = 6  # harmonics per note in the expected chroma
PARTIAL_DECAY = 0.5  # amplitude of harmonic k is PARTIAL_DECAY ** (k - 1)

# Albrecht & Shanahan (2013), "The use of large corpora to train a new type of key-finding
# algorithm", Music Perception 31(1): pitch-class weights from C, for C major / C minor.
MAJOR_PROFILE = np.array(
    [0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081]
)
MINOR_PROFILE = np.array(
    [0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052]
)


def with_overtones(profile: np.ndarray) -> np.ndarray:
    """The chroma a note profile sounds like: each note adds its partials' pitch classes.

    Parameters
    ----------
    profile : np.ndarray, shape (12,)
        Note weights per pitch class, C first.

    Returns
    -------
    np.ndarray, shape (12,)
        Circular convolution of `profile` with the pitch classes of partials 1 … `PARTIALS`
        (unison, octave, twelfth, …) weighted ``PARTIAL_DECAY ** (k - 1)``.
    """
    heard = np.zeros(12)
    for k in range(1, PARTIALS + 1):
        shift = round(12 * np.log2(k)) % 12  # semitones above the note, modulo the octave
        heard += PARTIAL_DECAY ** (k - 1) * np.roll(profile, shift)
    return heard


def estimate_key(y: np.ndarray, sr: int) -> Key:
    """The most likely key of a track, with a confidence from the margin over the runner-up.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono samples, float, in -1 … 1 (the analysis signal: 22.05 kHz, DC removed).
    sr : int
        Sample rate of `y` in Hz (8 kHz or more, so that the `FMAX` band exists).

    Returns
    -------
    Key
        Tonic (one of `PITCH_CLASSES`), mode and confidence in 0 … 1:
        ``clip((r1 - r2) / MARGIN_SCALE, 0, 1) * clip(r1, 0, 1)`` where r1 and r2 are the
        Pearson correlations (-1 … 1) of the best and second-best of the 24 keys. Silence
        gets C major with confidence 0; unpitched sound (noise, drums) a confidence near 0.

    Raises
    ------
    AudioInputError
        `y` is not a non-empty 1-D array of finite samples, or `sr` is below 8000.
    """
    _check_input(y, sr)
    profile = pitch_class_profile(y, sr)
    if not np.any(profile > 0) or np.ptp(profile) == 0:
        logger.info("no pitched content: key unknown (C major, confidence 0)")
        return Key(tonic="C", mode="major", confidence=0.0)
    scores = key_correlations(profile)
    order = np.argsort(scores, axis=None)[::-1]
    best, second = scores.flat[order[0]], scores.flat[order[1]]
    mode_index, tonic = np.unravel_index(order[0], scores.shape)
    confidence = float(np.clip((best - second) / MARGIN_SCALE, 0, 1) * np.clip(best, 0, 1))
    key = Key(
        tonic=PITCH_CLASSES[int(tonic)],
        mode="major" if mode_index == 0 else "minor",
        confidence=round(confidence, 4),
    )
    logger.debug("key %s (r=%.3f, runner-up r=%.3f)", key.name, best, second)
    return key


def pitch_class_profile(y: np.ndarray, sr: int) -> np.ndarray:
    """Duration-weighted chroma of the harmonic part of `y`, tuned to the track's own A.

    Tuning is estimated first, so a band tuned a quarter-tone away from A440 still
    lands on the right pitch classes.

    Returns
    -------
    np.ndarray, shape (12,)
        Sum over sounding frames of each frame's chroma (peak-normalised to 1), C first.
    """
    import librosa

    spec = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP))
    freqs = librosa.fft_frequencies(sr=sr, n_fft=N_FFT)
    band = (freqs >= FMIN) & (freqs <= FMAX)
    harmonic, _ = librosa.decompose.hpss(spec[band], kernel_size=HPSS_KERNEL)
    power = np.zeros_like(spec)
    power[band] = harmonic**2
    tuning = 0.0
    if np.any(power > 0):  # fraction of a chroma bin; librosa warns on an empty spectrum
        tuning = float(librosa.estimate_tuning(S=power, sr=sr, n_fft=N_FFT))
    chroma = librosa.feature.chroma_stft(
        S=power, sr=sr, n_fft=N_FFT, tuning=tuning, octwidth=None, norm=np.inf
    )
    loudness = power.sum(axis=0)
    sounding = loudness > SOUND_FLOOR * max(float(loudness.max()), 1e-20)
    return np.asarray(chroma[:, sounding].sum(axis=1), dtype=float)


def key_correlations(profile: np.ndarray) -> np.ndarray:
    """Pearson correlation of a pitch-class profile with every key's profile.

    Parameters
    ----------
    profile : np.ndarray, shape (12,)
        Pitch-class weights, C first.

    Returns
    -------
    np.ndarray, shape (2, 12)
        Row 0 major, row 1 minor; column = tonic pitch class. Values -1 … 1.
    """
    templates = np.stack(
        [
            np.stack([np.roll(base, tonic) for tonic in range(12)])
            for base in (_MAJOR_HEARD, _MINOR_HEARD)
        ]
    )
    centred = templates - templates.mean(axis=-1, keepdims=True)
    observed = profile - profile.mean()
    num = centred @ observed
    den = np.linalg.norm(centred, axis=-1) * np.linalg.norm(observed)
    return np.asarray(num / np.maximum(den, 1e-12))


_MAJOR_HEARD = with_overtones(MAJOR_PROFILE)
_MINOR_HEARD = with_overtones(MINOR_PROFILE)


def _check_input(y: np.ndarray, sr: int) -> None:
    check_samples(y, sr, min_rate=8000)
