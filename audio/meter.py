"""Meter and downbeats from a beat grid: bar accents (bass/kick, harmonic change) and
how beats subdivide."""

from __future__ import annotations

import itertools

import numpy as np

from audio.features import Features
from audio.models import BEATS_PER_BAR


def beat_accents(features: Features, frames: np.ndarray) -> np.ndarray:
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
    return zscore(kick) + zscore(change)


def detect_meter(features: Features, frames: np.ndarray) -> tuple[int, str]:
    """Beats per bar (2, 3 or 4) and the meter name; compound time reads as 6/8."""
    if frames.size < 16:
        return 4, "4/4"
    accents = beat_accents(features, frames)
    contrast = {}
    for per_bar in (2, 3, 4):
        means = [accents[p::per_bar].mean() for p in range(per_bar)]
        contrast[per_bar] = max(means) - float(np.mean(means))
    if contrast[3] > 1.15 * max(contrast[2], contrast[4]):
        return 3, "3/4"
    if is_ternary(features, frames):
        return 2, "6/8"
    return 4, "4/4"


def hinted_meter(meter: str) -> tuple[int, str]:
    return BEATS_PER_BAR[meter], meter


def is_ternary(features: Features, frames: np.ndarray) -> bool:
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


def downbeat_phase(features: Features, frames: np.ndarray, per_bar: int) -> int:
    if frames.size < 2 * per_bar:
        return 0
    accents = beat_accents(features, frames)
    means = [accents[p::per_bar].mean() for p in range(per_bar)]
    return int(np.argmax(means))


def zscore(values: np.ndarray) -> np.ndarray:
    std = values.std()
    return (values - values.mean()) / std if std > 0 else np.zeros_like(values)
