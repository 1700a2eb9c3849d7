"""Synthetic track analyses for planner tests: sections, a steady beat, flat energy."""

from __future__ import annotations

from audio import EnergyCurve, Section, TrackAnalysis


def analysis_of(
    sections: list[tuple[float, float, str, float]], tempo: float = 120.0
) -> TrackAnalysis:
    """An analysis with ``(start, end, label, energy)`` sections and beats at ``tempo`` from
    0.25 s, every fourth a downbeat."""
    duration = sections[-1][1]
    beat = 60.0 / tempo
    beats = [round(0.25 + i * beat, 4) for i in range(int((duration - 0.25) / beat) + 1)]
    return TrackAnalysis(
        content_hash="0" * 64,
        duration=duration,
        tempo=tempo,
        beats=beats,
        downbeats=beats[::4],
        sections=[Section(start=a, end=b, label=lab, energy=e) for a, b, lab, e in sections],
        energy=EnergyCurve(hop=0.25, values=[0.5] * int(duration * 4)),
    )
