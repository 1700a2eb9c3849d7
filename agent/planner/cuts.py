"""Where the cuts go: on beats (downbeats preferred), paced by tempo and section energy."""

from __future__ import annotations

import bisect
import itertools

from audio import TrackAnalysis

MIN_SHOT = 1.2  # seconds
MAX_SHOT = 8.0  # seconds; keeps at least one cut per 10 s wherever there are beats
# Templates cut at least as fast as a section of this relative energy: Shorts on every bar.
PACE_FLOOR = {"shorts": 1.0}


def plan_cuts(analysis: TrackAnalysis, *, pace_floor: float = 0.0) -> list[float]:
    """Cut times (s), strictly inside (0, duration), every one on a detected beat.

    Section boundaries are honoured (snapped to the nearest downbeat, else beat).
    Inside a section the target shot length is 1, 2 or 4 bars by relative energy, which
    ``pace_floor`` (0 … 1) raises for fast-cut formats.
    """
    beats = sorted(analysis.beats)
    if not analysis.steady_beat or len(beats) < 2:
        return phrase_cuts(analysis)
    downbeats = sorted(analysis.downbeats) or beats
    beat_len = (beats[-1] - beats[0]) / max(len(beats) - 1, 1)
    bar_len = beat_len * analysis.beats_per_bar
    levels = [s.energy for s in analysis.sections]
    low, high = min(levels), max(levels)
    anchors = [0.0]
    for section in analysis.sections[1:]:
        snapped = _snap(section.start, downbeats, beats, reach=beat_len * 1.01)
        if snapped is not None and snapped - anchors[-1] >= MIN_SHOT:
            anchors.append(snapped)
    anchors.append(analysis.duration)
    cuts: list[float] = []
    for start, end in itertools.pairwise(anchors):
        relative = (analysis.section_at(start).energy - low) / (high - low) if high > low else 0.5
        target = _target_length(max(relative, pace_floor), bar_len)
        cuts.extend(_fill(start, end, target, downbeats, beats))
        if end < analysis.duration:
            cuts.append(end)
    return sorted(set(c for c in cuts if 0 < c < analysis.duration))


def phrase_cuts(analysis: TrackAnalysis, *, length: float = 5.0) -> list[float]:
    """Cuts for music without a steady beat (ambient, speech, free time).

    Section boundaries first; inside a section, about every `length` seconds, on the
    strongest rise in loudness near that point (a new phrase or entry), never on a grid.
    """
    energy = analysis.energy
    rises = [b - a for a, b in zip(energy.values[:-1], energy.values[1:], strict=True)]
    anchors = [0.0] + [s.start for s in analysis.sections[1:]] + [analysis.duration]
    cuts: list[float] = []
    for start, end in itertools.pairwise(anchors):
        t = start
        while end - t > 1.6 * length:
            lo = int((t + 0.7 * length) / energy.hop)
            hi = int((t + 1.3 * length) / energy.hop)
            window = rises[lo:hi]
            if not window:
                break
            best = lo + max(range(len(window)), key=window.__getitem__)
            t = (best + 1) * energy.hop
            cuts.append(round(t, 3))
        if end < analysis.duration:
            cuts.append(end)
    return sorted(c for c in set(cuts) if MIN_SHOT <= c <= analysis.duration - MIN_SHOT)


def _target_length(relative_energy: float, bar_len: float) -> float:
    bars = 1 if relative_energy >= 0.75 else 2 if relative_energy >= 0.35 else 4
    length = bars * bar_len
    while length < MIN_SHOT * 1.5:
        length *= 2
    while length > MAX_SHOT:
        length /= 2
    return length


def _fill(
    start: float, end: float, target: float, downbeats: list[float], beats: list[float]
) -> list[float]:
    """Cuts between two anchors, about `target` apart, never leaving a sliver."""
    cuts: list[float] = []
    t = start
    while end - t > target * 1.5:
        wanted = t + target
        lo, hi = t + max(0.75 * target, MIN_SHOT), end - max(0.5 * target, MIN_SHOT)
        choice = nearest_in(wanted, downbeats, lo, hi) or nearest_in(wanted, beats, lo, hi)
        if choice is None:
            break
        cuts.append(choice)
        t = choice
    # split anything still too long on beats (sparse downbeats, slow songs)
    edges = [start, *cuts, end]
    extra: list[float] = []
    for a, b in itertools.pairwise(edges):
        while b - a > MAX_SHOT + 1e-6:
            cut = nearest_in(a + min(target, MAX_SHOT), beats, a + MIN_SHOT, min(b, a + MAX_SHOT))
            if cut is None or b - cut < MIN_SHOT:
                break
            extra.append(cut)
            a = cut
    return sorted(cuts + extra)


def _snap(time: float, downbeats: list[float], beats: list[float], reach: float) -> float | None:
    choice = nearest_in(time, downbeats, time - reach, time + reach)
    return choice if choice is not None else nearest_in(time, beats, time - reach, time + reach)


def nearest_in(time: float, grid: list[float], lo: float, hi: float) -> float | None:
    i = bisect.bisect_left(grid, lo)
    j = bisect.bisect_right(grid, hi)
    window = grid[i:j]
    return min(window, key=lambda g: abs(g - time)) if window else None
