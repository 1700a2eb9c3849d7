"""Which part of the song a Short uses: its strongest section, grown or cut to 15–60 s."""

from __future__ import annotations

from agent.planner.cuts import nearest_in
from audio import TrackAnalysis

SHORT_MIN = 15.0
SHORT_MAX = 60.0
SNAP_SECONDS = 1.0  # window edges move to a downbeat this close


def shorts_window(
    analysis: TrackAnalysis, *, shortest: float = SHORT_MIN, longest: float = SHORT_MAX
) -> tuple[float, float]:
    """(start, end) in seconds of the Short's excerpt.

    The loudest section (a chorus on a tie) is the core. A core under ``shortest`` seconds
    takes in the sections after it, then before it; one over ``longest`` is cut at the last
    downbeat that fits. Edges snap to nearby downbeats so the Short starts on a "one". A track
    no longer than ``shortest`` is used whole.
    """
    if analysis.duration <= shortest or not analysis.sections:
        return 0.0, analysis.duration
    sections = analysis.sections
    core = max(
        range(len(sections)), key=lambda i: (sections[i].energy, sections[i].label == "chorus")
    )
    first = last = core
    while sections[last].end - sections[first].start < shortest:
        if last + 1 < len(sections):
            last += 1
        elif first > 0:
            first -= 1
        else:
            break
    start = _snap(sections[first].start, analysis.downbeats)
    end = _snap(sections[last].end, analysis.downbeats)
    if end - start > longest:
        fitting = [t for t in analysis.downbeats if start + shortest <= t <= start + longest]
        end = fitting[-1] if fitting else start + longest
    if end - start < shortest:  # snapping shrank it: take the seconds after, or before
        end = min(start + shortest, analysis.duration)
        start = max(end - shortest, 0.0)
    return round(start, 4), round(min(end, analysis.duration), 4)


def _snap(time: float, downbeats: list[float]) -> float:
    near = nearest_in(time, downbeats, time - SNAP_SECONDS, time + SNAP_SECONDS)
    return time if near is None else near
