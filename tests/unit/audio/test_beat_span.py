"""Beats start at the first played beat and stop at the last: no grid over a ringing tail."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio import analyze
from tests.support import drums

RATE = drums.RATE


def test_a_ringing_final_chord_and_a_quiet_lead_in_get_no_beats(tmp_path: Path) -> None:
    lead_in = 0.002 * np.random.default_rng(1).standard_normal(int(2.0 * RATE))  # room noise
    groove = drums.groove([("kick",)], 0.5, bars=24)[: int(12.0 * RATE)]
    t = np.arange(int(6.0 * RATE)) / RATE
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) * np.exp(-t * 0.6) * 0.2
    path = tmp_path / "ending.wav"
    soundfile.write(str(path), np.concatenate([lead_in, groove, chord]), RATE)
    result = analyze(path)
    assert result.steady_beat
    assert result.tempo == pytest.approx(120, rel=0.02)
    assert result.beats[0] == pytest.approx(2.0, abs=0.06)
    assert result.beats[-1] < 2.0 + 12.0 + 0.1  # nothing over the chord's 6 s tail
    assert result.beats[-1] > 2.0 + 12.0 - 0.6
