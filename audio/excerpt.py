"""A stretch of an analysed track as a track of its own: times shifted to start at zero."""

from __future__ import annotations

from audio.errors import AudioInputError
from audio.models import EnergyCurve, LyricLine, Section, TimeRegion, TrackAnalysis

MIN_LYRIC_SECONDS = 0.3  # a line cut shorter than this by the window's edge is dropped
MIN_SECTION_SECONDS = 0.1  # a sliver of a section at the window's edge joins its neighbour


def excerpt_analysis(analysis: TrackAnalysis, start: float, end: float) -> TrackAnalysis:
    """The analysis of ``analysis``'s track between ``start`` and ``end`` seconds.

    Beats, downbeats, sections, energy, vocals and lyrics are clipped to the window and shifted
    so the excerpt starts at 0; the content hash names the window.
    """
    if not 0 <= start < end <= analysis.duration + 1e-6:
        raise AudioInputError(
            f"excerpt {start:.2f}–{end:.2f} s is outside the track (0–{analysis.duration:.2f} s)"
        )
    end = min(end, analysis.duration)

    def inside(times: list[float]) -> list[float]:
        return [round(t - start, 6) for t in times if start <= t < end]

    sections = [
        Section(
            start=max(s.start, start) - start,
            end=min(s.end, end) - start,
            label=s.label,
            energy=s.energy,
        )
        for s in analysis.sections
        if min(s.end, end) - max(s.start, start) >= MIN_SECTION_SECONDS
    ]
    if sections:  # the kept sections tile the excerpt
        sections[0] = sections[0].model_copy(update={"start": 0.0})
        sections[-1] = sections[-1].model_copy(update={"end": end - start})
    hop = analysis.energy.hop
    energy = EnergyCurve(
        hop=hop, values=analysis.energy.values[int(start / hop) : int(end / hop) + 1]
    )
    vocals = [
        TimeRegion(start=max(r.start, start) - start, end=min(r.end, end) - start)
        for r in analysis.vocals
        if r.end > start and r.start < end
    ]
    lyrics = [
        LyricLine(start=max(line.start, start) - start, end=min(line.end, end) - start,
                  text=line.text)
        for line in analysis.lyrics
        if min(line.end, end) - max(line.start, start) >= MIN_LYRIC_SECONDS
    ]  # fmt: skip
    return analysis.model_copy(
        update={
            "content_hash": f"{analysis.content_hash}@{start:.3f}-{end:.3f}",
            "duration": end - start,
            "beats": inside(analysis.beats),
            "downbeats": inside(analysis.downbeats),
            "sections": sections,
            "energy": energy,
            "vocals": vocals,
            "lyrics": lyrics,
        }
    )
