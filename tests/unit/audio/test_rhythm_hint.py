"""A musician's tempo and meter settle the metrical level and the bar length."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
from pydantic import ValidationError

from audio import AudioInputError, RhythmHint, analyze, load_cached
from audio.demo import demo_truth


def _near_grid(found: list[float], grid: list[float], tolerance: float = 0.035) -> float:
    """Share of `found` times within `tolerance` s of a time in `grid`."""
    reference = np.asarray(grid)
    return float(np.mean([np.abs(reference - t).min() < tolerance for t in found]))


def test_half_time_hint_tracks_every_other_beat(demo_track: Path) -> None:
    truth = demo_truth()
    result = analyze(demo_track, hint=RhythmHint(bpm=truth.tempo / 2))
    assert result.tempo == pytest.approx(truth.tempo / 2, rel=0.02)
    assert len(result.beats) == pytest.approx(len(truth.beats) / 2, rel=0.1)
    # one bar slips where the arrangement thins out before the bridge (4 of 59 beats)
    assert _near_grid(result.beats, truth.beats, tolerance=0.07) > 0.9  # mir_eval window
    assert result.hint == RhythmHint(bpm=truth.tempo / 2)


def test_double_time_hint_splits_every_beat(demo_track: Path) -> None:
    truth = demo_truth()
    result = analyze(demo_track, hint=RhythmHint(bpm=truth.tempo * 2))
    assert result.tempo == pytest.approx(truth.tempo * 2, rel=0.02)
    assert _near_grid(truth.beats[1:-1], result.beats) > 0.95  # every beat is still there
    halves = [(a + b) / 2 for a, b in zip(truth.beats[:-1], truth.beats[1:], strict=True)]
    assert _near_grid(result.beats, truth.beats + halves, tolerance=0.05) > 0.95


def test_a_rough_hint_picks_the_level_and_the_audio_gives_the_exact_tempo(
    demo_track: Path,
) -> None:
    truth = demo_truth()
    result = analyze(demo_track, hint=RhythmHint(bpm=120))  # the demo plays 124
    assert result.tempo == pytest.approx(truth.tempo, rel=0.01)
    assert _near_grid(result.beats, truth.beats) > 0.95


def test_meter_hint_sets_the_bar_length(demo_track: Path) -> None:
    result = analyze(demo_track, hint=RhythmHint(meter="3/4"))
    assert (result.meter, result.beats_per_bar) == ("3/4", 3)
    first = result.beats.index(result.downbeats[0])
    assert first < 3
    assert result.downbeats == result.beats[first::3]


def test_downbeat_hint_sets_which_beat_is_one(demo_track: Path) -> None:
    truth = demo_truth()
    automatic = analyze(demo_track)
    assert _near_grid(automatic.downbeats, truth.downbeats) > 0.9
    second_beat = truth.beats[5]  # bar 2, beat 2: the musician hears the bars start there
    result = analyze(demo_track, hint=RhythmHint(downbeat=second_beat))
    assert result.beats == automatic.beats
    assert _near_grid(result.downbeats, truth.beats[1::4]) > 0.9
    assert result.downbeats != automatic.downbeats


def test_a_downbeat_past_the_end_is_a_clear_error(demo_track: Path) -> None:
    with pytest.raises(AudioInputError, match="past the end of the track"):
        analyze(demo_track, hint=RhythmHint(downbeat=500.0))


def test_a_bpm_hint_gives_a_grid_even_where_the_pulse_is_faint(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    path = tmp_path / "pad.wav"
    soundfile.write(str(path), 0.2 * rng.standard_normal(44_100 * 15), 44_100)
    assert analyze(path).beats == []
    result = analyze(path, hint=RhythmHint(bpm=100))
    assert result.steady_beat
    assert np.median(np.diff(result.beats)) == pytest.approx(0.6, rel=0.05)


def test_hinted_and_automatic_analyses_are_cached_apart(demo_track: Path, tmp_path: Path) -> None:
    slow = RhythmHint(bpm=62)
    auto = analyze(demo_track, cache_dir=tmp_path)
    hinted = analyze(demo_track, cache_dir=tmp_path, hint=slow)
    assert auto.tempo != pytest.approx(hinted.tempo, rel=0.1)
    again = load_cached(tmp_path, auto.content_hash, slow)
    assert again is not None and again.tempo == hinted.tempo
    plain = load_cached(tmp_path, auto.content_hash)
    assert plain is not None and plain.hint is None


@pytest.mark.parametrize(
    "bad", [{"bpm": 10}, {"bpm": 900}, {"meter": "5/4"}, {"tempo": 90}, {"downbeat": -0.5}]
)
def test_impossible_hints_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RhythmHint.model_validate(bad)


def test_cache_suffix_is_file_name_safe() -> None:
    assert RhythmHint().cache_suffix() == ""
    assert RhythmHint(bpm=87.5, meter="6/8").cache_suffix() == "-87.5bpm-6-8"
    assert RhythmHint(meter="3/4").cache_suffix() == "-autobpm-3-4"
    assert RhythmHint(downbeat=1.25).cache_suffix() == "-autobpm-auto-one1.25s"
