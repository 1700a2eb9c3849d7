"""Phase slips are told apart from tempo changes."""

from __future__ import annotations

import numpy as np

from audio.beatgrid import count_slips, repair_slips


def test_a_steady_grid_has_no_slips() -> None:
    assert count_slips(np.arange(40) * 0.5) == 0


def test_a_jump_to_the_off_beat_is_one_slip() -> None:
    beats = np.arange(40) * 0.5
    beats[20:] += 0.25  # from beat 20 on the tracker sits on the "and"
    assert count_slips(beats) == 1


def test_a_tempo_change_is_not_a_slip() -> None:
    slow = np.arange(20) * 60 / 96
    fast = slow[-1] + np.arange(1, 21) * 60 / 128
    assert count_slips(np.concatenate([slow, fast])) == 0


def test_small_timing_jitter_is_not_a_slip() -> None:
    jitter = np.random.default_rng(2).normal(0, 0.01, 40)
    assert count_slips(np.arange(40) * 0.5 + jitter) == 0


def test_a_stretch_on_the_off_beat_that_comes_back_is_put_back() -> None:
    grid = np.arange(60) * 0.5
    tracked = grid.copy()
    tracked[21:35] += 0.2  # a syncopated passage pulled the tracker off the beat for a while
    assert count_slips(tracked) == 2  # off, and back on
    np.testing.assert_allclose(repair_slips(tracked), grid, atol=1e-9)
    assert count_slips(repair_slips(tracked)) == 0


def test_a_lasting_shift_and_a_tempo_change_are_left_alone() -> None:
    shifted = np.arange(60) * 0.5
    shifted[30:] += 0.2  # never comes back: not the tracker's doing to undo here
    np.testing.assert_array_equal(repair_slips(shifted), shifted)
    slow = np.arange(30) * 60 / 96
    change = np.concatenate([slow, slow[-1] + np.arange(1, 31) * 60 / 128])
    np.testing.assert_array_equal(repair_slips(change), change)
