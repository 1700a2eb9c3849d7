"""Corrections to a tracked beat grid: beats onto the attacks they stand for, and back
from the phase slips a tracker makes in syncopated passages."""

from __future__ import annotations

import numpy as np

from audio.features import FINE_HOP, Features

SLIP = 0.2  # an interval this far (relative) from both steady neighbours is a slip
RETURN_WITHIN = 64  # beats: a displacement that ends this soon was the tracker's, not the music's
ON_GRID = 0.1  # of a beat: back on the grid


def align_to_onsets(beats: np.ndarray, features: Features) -> np.ndarray:
    """Move each beat onto the attack it stands for, when a clear one is within 70 ms.

    The tracker works on a coarse (23 ms), smeared envelope whose peaks trail the
    attacks; a fine envelope puts cuts on the hit itself.
    """
    env = features.fine_onset
    if env.size == 0 or beats.size == 0:
        return beats
    strong = float(env.mean() + env.std())
    reach = int(0.07 * features.sr / FINE_HOP)
    aligned = beats.copy()
    for i, t in enumerate(beats):
        c = round(t * features.sr / FINE_HOP)
        lo, hi = max(c - reach, 0), min(c + reach + 1, env.size)
        if hi <= lo:
            continue
        peak = lo + int(np.argmax(env[lo:hi]))
        if env[peak] >= strong:
            aligned[i] = peak * FINE_HOP / features.sr
    return aligned


def repair_slips(beats: np.ndarray) -> np.ndarray:
    """Put back beats that left the grid for a while and came back to it.

    Music does not shift its beat by a fraction and back: when the tracker jumps to an
    off-beat in a syncopated passage and later lands on the old grid with as many beats
    as grid steps in between, those beats are spread evenly between the two runs.
    """
    fixed = np.asarray(beats, dtype=float).copy()
    i = 4
    while i < fixed.size - 5:
        before = np.diff(fixed[i - 4 : i + 1])
        period = float(np.median(before))
        jump = abs((fixed[i + 1] - fixed[i]) / period - 1)
        back = (
            _back_on_grid(fixed, i, period)
            if jump >= SLIP and before.std() < 0.05 * period
            else None
        )
        if back is None:
            i += 1
            continue
        fixed[i + 1 : back] = np.linspace(fixed[i], fixed[back], back - i + 1)[1:-1]
        i = back
    return fixed


def _back_on_grid(beats: np.ndarray, i: int, period: float) -> int | None:
    """The first beat after `i` from which four beats sit on beat i's grid again, with
    as many beats as grid steps in between; None when none does within `RETURN_WITHIN`."""
    for m in range(i + 2, min(beats.size - 3, i + RETURN_WITHIN)):
        steps = (beats[m : m + 4] - beats[i]) / period
        if np.all(np.abs(steps - np.round(steps)) < ON_GRID) and round(steps[0]) == m - i:
            return m
    return None


def count_slips(beats: np.ndarray) -> int:
    """Beat intervals unlike the steady intervals either side of them: phase slips.

    A tempo change differs on one side only; a slip (the tracker jumping to an off-beat
    or a sixteenth) leaves one odd interval between two runs that agree.
    """
    if beats.size < 10:
        return 0
    ibi = np.diff(beats)
    slips = 0
    for i in range(4, ibi.size - 4):
        before, after = np.median(ibi[i - 4 : i]), np.median(ibi[i + 1 : i + 5])
        steady = abs(before / after - 1) < SLIP / 2
        odd = abs(ibi[i] / before - 1) >= SLIP and abs(ibi[i] / after - 1) >= SLIP
        slips += int(steady and odd)
    return slips


def strength_at(env: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Onset strength at each frame: the envelope's peak from one frame before to two
    after (its peak trails the attack)."""
    return np.max([env[np.clip(frames + d, 0, env.size - 1)] for d in range(-1, 3)], axis=0)
