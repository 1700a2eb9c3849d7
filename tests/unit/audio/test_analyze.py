"""The baseline analysis on the synthesised demo track, whose grid is known exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio import analyze
from audio.demo import demo_truth


@pytest.fixture(scope="module")
def demo_analysis(demo_track: Path):
    return analyze(demo_track)


def test_tempo_and_duration_match_the_score(demo_analysis) -> None:
    truth = demo_truth()
    assert demo_analysis.tempo == pytest.approx(truth.tempo, rel=0.02)
    assert demo_analysis.duration == pytest.approx(truth.duration, abs=0.01)


def test_beats_land_on_the_known_grid(demo_analysis) -> None:
    truth = np.array(demo_truth().beats)
    beats = np.array(demo_analysis.beats)
    errors = np.array([np.abs(truth - b).min() for b in beats])
    assert len(beats) >= 0.9 * len(truth)
    assert np.mean(errors < 0.035) >= 0.95, errors.max()


def test_downbeats_are_bar_starts(demo_analysis) -> None:
    bars = np.array(demo_truth().downbeats)
    errors = np.array([np.abs(bars - d).min() for d in demo_analysis.downbeats])
    assert np.mean(errors < 0.05) >= 0.9


def test_section_boundaries_follow_the_arrangement(demo_analysis) -> None:
    truth = [start for start, _, _ in demo_truth().sections[1:]]
    found = [s.start for s in demo_analysis.sections[1:]]
    hits = sum(any(abs(t - f) < 1.0 for f in found) for t in truth)
    assert hits >= len(truth) - 1
    loud = max(demo_analysis.sections, key=lambda s: s.energy)
    assert loud.label == "chorus"
    assert demo_analysis.sections[0].start == 0.0
    assert demo_analysis.sections[-1].end == pytest.approx(demo_analysis.duration)


def test_analysis_is_cached_by_content(demo_track: Path, tmp_path: Path) -> None:
    first = analyze(demo_track, cache_dir=tmp_path)
    entries = list(tmp_path.glob("*.json"))
    assert len(entries) == 1 and first.content_hash in entries[0].name
    copy = tmp_path / "renamed.wav"
    copy.write_bytes(demo_track.read_bytes())
    assert analyze(copy, cache_dir=tmp_path) == first
    assert len(list(tmp_path.glob("*.json"))) == 1
