"""A 6/8 groove counted in eighths is heard in dotted quarters; a fast waltz stays 3/4."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio import analyze

RATE = 44_100


def _hit(kind: str, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.15 * RATE)) / RATE
    noise = rng.standard_normal(t.size)
    if kind == "kick":
        return np.sin(2 * np.pi * 55 * t) * np.exp(-t * 25) + 0.3 * noise * np.exp(-t * 300)
    if kind == "snare":
        return 0.6 * noise * np.exp(-t * 30) + 0.4 * np.sin(2 * np.pi * 190 * t) * np.exp(-t * 20)
    return 0.15 * noise * np.exp(-t * 120) * np.sin(2 * np.pi * 6000 * t)  # hi-hat


def _groove(path: Path, pattern: list[tuple[str, ...]], step: float, bars: int) -> Path:
    rng = np.random.default_rng(0)
    bar = len(pattern) * step
    out = np.zeros(int((bars * bar + 1.0) * RATE))
    for b in range(bars):
        for i, kinds in enumerate(pattern):
            for kind in kinds:
                sound = _hit(kind, rng)
                at = int((b * bar + i * step) * RATE)
                out[at : at + sound.size] += sound[: out.size - at]
    soundfile.write(str(path), 0.8 * out / np.abs(out).max(), RATE)
    return path


def test_fast_eighths_with_kick_and_snare_bars_read_as_six_eight(tmp_path: Path) -> None:
    six = [("kick", "hat"), ("hat",), ("hat",), ("snare", "hat"), ("hat",), ("hat",)]
    result = analyze(_groove(tmp_path / "ballad68.wav", six, 60 / 174, bars=24))
    assert (result.meter, result.beats_per_bar) == ("6/8", 2)
    assert result.tempo == pytest.approx(58, rel=0.02)  # dotted quarters


def test_a_fast_waltz_stays_in_three(tmp_path: Path) -> None:
    waltz = [("kick", "hat"), ("snare",), ("snare",)]
    result = analyze(_groove(tmp_path / "waltz.wav", waltz, 60 / 165, bars=36))
    assert (result.meter, result.beats_per_bar) == ("3/4", 3)
    assert result.tempo == pytest.approx(165, rel=0.02)
