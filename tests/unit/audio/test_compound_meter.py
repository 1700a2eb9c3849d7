"""A 6/8 groove counted in eighths is heard in dotted quarters; a fast waltz stays 3/4."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio import analyze
from tests.support.drums import write_groove


def test_fast_eighths_with_kick_and_snare_bars_read_as_six_eight(tmp_path: Path) -> None:
    six = [("kick", "hat"), ("hat",), ("hat",), ("snare", "hat"), ("hat",), ("hat",)]
    result = analyze(write_groove(tmp_path / "ballad68.wav", six, 60 / 174, bars=24))
    assert (result.meter, result.beats_per_bar) == ("6/8", 2)
    assert result.tempo == pytest.approx(58, rel=0.02)  # dotted quarters


def test_a_fast_waltz_stays_in_three(tmp_path: Path) -> None:
    waltz = [("kick", "hat"), ("snare",), ("snare",)]
    result = analyze(write_groove(tmp_path / "waltz.wav", waltz, 60 / 165, bars=36))
    assert (result.meter, result.beats_per_bar) == ("3/4", 3)
    assert result.tempo == pytest.approx(165, rel=0.02)
