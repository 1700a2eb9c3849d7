"""Synthetic drum grooves with an exact grid: kick, snare, hi-hat and a bass note."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

RATE = 44_100
Step = tuple[str, ...]  # the sounds struck together on one grid step


def _hit(kind: str, rng: np.random.Generator, hat: float) -> np.ndarray:
    t = np.arange(int(0.15 * RATE)) / RATE
    noise = rng.standard_normal(t.size)
    if kind == "kick":
        return np.sin(2 * np.pi * 55 * t) * np.exp(-t * 25) + 0.3 * noise * np.exp(-t * 300)
    if kind == "snare":
        return 0.6 * noise * np.exp(-t * 30) + 0.4 * np.sin(2 * np.pi * 190 * t) * np.exp(-t * 20)
    if kind == "bass":
        return 0.5 * np.sin(2 * np.pi * 82 * t) * np.exp(-t * 8)
    return hat * noise * np.exp(-t * 120) * np.sin(2 * np.pi * 6000 * t)  # hi-hat


def groove(pattern: list[Step], step: float, bars: int, *, hat: float = 0.15) -> np.ndarray:
    """Samples of one bar of `pattern` (a step every `step` seconds) looped `bars` times,
    with one second of tail, peak 0.8."""
    rng = np.random.default_rng(0)
    bar = len(pattern) * step
    out = np.zeros(int((bars * bar + 1.0) * RATE))
    for b in range(bars):
        for i, kinds in enumerate(pattern):
            for kind in kinds:
                sound = _hit(kind, rng, hat)
                at = int((b * bar + i * step) * RATE)
                out[at : at + sound.size] += sound[: out.size - at]
    return 0.8 * out / np.abs(out).max()


def write_groove(
    path: Path, pattern: list[Step], step: float, bars: int, *, hat: float = 0.15
) -> Path:
    """`groove` written to a WAV at `path`."""
    soundfile.write(str(path), groove(pattern, step, bars, hat=hat), RATE)
    return path
