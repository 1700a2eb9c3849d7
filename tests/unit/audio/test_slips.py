"""Phase slips are told apart from tempo changes."""

from __future__ import annotations

import numpy as np

from audio.rhythm import count_slips


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
