"""Energy curve and sections (boundaries by novelty, labels by repetition and energy)."""

from __future__ import annotations

import itertools

import numpy as np

from audio.features import HOP, Features
from audio.models import EnergyCurve, Section

ENERGY_HOP = 0.25
FLOOR_DB = -60.0


def energy_curve(y: np.ndarray, sr: int) -> EnergyCurve:
    """RMS loudness every 0.25 s, smoothed over 1 s, mapped to 0 … 1 (-60 dBFS … peak)."""
    import librosa

    hop = int(sr * ENERGY_HOP)
    rms = librosa.feature.rms(y=y, frame_length=2 * hop, hop_length=hop, center=True)[0]
    db = 20 * np.log10(np.maximum(rms, 1e-6))
    kernel = np.ones(4) / 4
    smooth = np.convolve(np.pad(db, 2, mode="edge"), kernel, mode="same")[2:-2]
    top = float(smooth.max()) if smooth.size else 0.0
    norm = np.clip((smooth - FLOOR_DB) / max(top - FLOOR_DB, 1e-6), 0.0, 1.0)
    return EnergyCurve(hop=ENERGY_HOP, values=[round(float(v), 4) for v in norm])


def find_sections(
    features: Features,
    *,
    downbeats: np.ndarray,
    duration: float,
    energy: EnergyCurve,
) -> list[Section]:
    """Split the track at bar lines where timbre, harmony or loudness change most."""
    bars = _bar_grid(downbeats, duration)
    boundaries = _novelty_boundaries(features, bars, duration)
    edges = [0.0, *boundaries, duration]
    spans = [(a, b) for a, b in itertools.pairwise(edges) if b - a > 1e-3]
    levels = [energy.mean(a, b) for a, b in spans]
    labels = _labels(levels)
    return [
        Section(start=round(a, 6), end=round(b, 6), label=label, energy=round(level, 4))
        for (a, b), label, level in zip(spans, labels, levels, strict=True)
    ]


def _bar_grid(downbeats: np.ndarray, duration: float) -> np.ndarray:
    if downbeats.size >= 2:
        return np.asarray(downbeats, dtype=float)
    return np.arange(0.0, duration, 4.0)


def _novelty_boundaries(features: Features, bars: np.ndarray, duration: float) -> list[float]:
    """Foote novelty on a bar-synchronous self-similarity matrix."""
    import librosa

    if bars.size < 8:
        return []
    frames = librosa.time_to_frames(bars, sr=features.sr, hop_length=HOP)
    frames = np.minimum(frames, features.onset.size - 1)
    loud = 20 * np.log10(features.rms[np.newaxis, :] + 1e-6)
    feats = [
        librosa.util.sync(f, frames.tolist(), aggregate=np.mean)
        for f in (features.chroma, features.mfcc, loud)
    ]
    stacked = np.vstack([_standardise(f) * w for f, w in zip(feats, (1.0, 1.0, 2.0), strict=True)])
    stacked = stacked[:, 1 : bars.size]  # one column per bar, from the first downbeat
    n = stacked.shape[1]
    unit = stacked / (np.linalg.norm(stacked, axis=0, keepdims=True) + 1e-9)
    ssm = unit.T @ unit
    half = 4 if n >= 16 else 2
    sign = np.ones((2 * half, 2 * half))
    sign[:half, half:] = -1
    sign[half:, :half] = -1
    padded = np.pad(ssm, half, mode="edge")
    novelty = np.array(
        [float(np.sum(padded[i : i + 2 * half, i : i + 2 * half] * sign)) for i in range(n)]
    )
    novelty = np.maximum(novelty, 0)
    if novelty.max() <= 0:
        return []
    novelty /= novelty.max()
    min_gap = 3  # bars (tuned on bench/audio: hit rate 0.72 → 0.77)
    picked: list[int] = []
    for i in np.argsort(-novelty):
        if novelty[i] < 0.2 or i < 2 or i > n - 2:
            continue
        if all(abs(int(i) - j) >= min_gap for j in picked):
            picked.append(int(i))
        if len(picked) >= max(1, int(duration / 12)):
            break
    return sorted(float(bars[i]) for i in picked)


def _standardise(feature: np.ndarray) -> np.ndarray:
    mean = feature.mean(axis=1, keepdims=True)
    std = feature.std(axis=1, keepdims=True) + 1e-6
    return (feature - mean) / std


def _labels(levels: list[float]) -> list[str]:
    """Name sections by their loudness rank and position in the song."""
    n = len(levels)
    if n == 1:
        return ["verse"]
    ordered = sorted(levels)
    high = ordered[-1] - (ordered[-1] - ordered[0]) / 3 if n > 2 else ordered[-1]
    labels: list[str] = []
    for i, level in enumerate(levels):
        if i == 0 and level < high:
            labels.append("intro")
        elif i == n - 1 and level < high:
            labels.append("outro")
        elif level >= high:
            labels.append("chorus")
        elif 0 < i < n - 1 and level <= ordered[0] + 1e-9:
            labels.append("bridge")
        else:
            labels.append("verse")
    return labels
