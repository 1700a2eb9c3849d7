"""The beat is what a listener taps: not the eighths of a ballad, not the half notes of punk."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio import RhythmHint, analyze
from tests.support.drums import write_groove

# one 4/4 bar in eighths
BALLAD = [
    ("kick", "hat", "bass"),
    ("hat",),
    ("snare", "hat"),
    ("hat",),
    ("bass", "hat"),
    ("kick", "hat"),
    ("snare", "hat"),
    ("hat",),
]
PUNK = [("kick", "hat", "bass"), ("bass", "hat"), ("snare", "hat", "bass"), ("bass", "hat")] * 2


def test_a_slow_backbeat_with_soft_eighths_is_not_double_time(tmp_path: Path) -> None:
    path = write_groove(tmp_path / "ballad.wav", BALLAD, 60 / 64 / 2, bars=24, hat=0.05)
    assert analyze(path).tempo == pytest.approx(64, rel=0.02)


def test_fast_eighths_of_bass_under_a_backbeat_are_not_half_time(tmp_path: Path) -> None:
    path = write_groove(tmp_path / "punk.wav", PUNK, 60 / 168 / 2, bars=40, hat=0.05)
    result = analyze(path)
    assert result.tempo == pytest.approx(168, rel=0.02)
    assert len(result.downbeats) == pytest.approx(len(result.beats) / 4, abs=1)


def test_a_tempo_hint_overrides_the_checks(tmp_path: Path) -> None:
    path = write_groove(tmp_path / "ballad.wav", BALLAD, 60 / 64 / 2, bars=24, hat=0.05)
    assert analyze(path, hint=RhythmHint(bpm=128)).tempo == pytest.approx(128, rel=0.02)
