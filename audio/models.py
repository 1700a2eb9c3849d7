"""The analysis result: everything the planner and the editor need from a track."""

from __future__ import annotations

import bisect
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ANALYSIS_VERSION = "4"
Meter = Literal["4/4", "3/4", "6/8", "2/4"]
BEATS_PER_BAR: dict[str, int] = {"4/4": 4, "3/4": 3, "6/8": 2, "2/4": 2}
BPM_RANGE = (30.0, 300.0)  # tempos a musician may give
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


class Key(BaseModel):
    """Tonal centre and mode, e.g. A minor."""

    tonic: str = Field(description="pitch class, one of " + " ".join(PITCH_CLASSES))
    mode: Literal["major", "minor"]
    confidence: float = Field(ge=0.0, le=1.0)

    @property
    def name(self) -> str:
        return f"{self.tonic} {self.mode}"


class Mood(BaseModel):
    """Valence (sad 0 … happy 1), arousal (calm 0 … excited 1) and tags the planner can use."""

    valence: float = Field(ge=0.0, le=1.0)
    arousal: float = Field(ge=0.0, le=1.0)
    tags: list[str]


class RhythmHint(BaseModel):
    """What the musician knows about the beat: the tempo they tap, the time signature and
    where a bar starts.

    The analysis is automatic; a hint settles what audio alone leaves open (double or
    half time, 3/4 or 6/8, which beat is "one") the way a DAW's tempo field and
    "set 1.1.1 here" do.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    bpm: float | None = Field(
        default=None,
        ge=BPM_RANGE[0],
        le=BPM_RANGE[1],
        description="beats per minute; dotted quarters in 6/8",
    )
    meter: Meter | None = None
    downbeat: float | None = Field(
        default=None, ge=0.0, description="time (s) of the first beat of any bar"
    )

    @property
    def empty(self) -> bool:
        return self.bpm is None and self.meter is None and self.downbeat is None

    def cache_suffix(self) -> str:
        """A file-name-safe tag for caches keyed by content hash."""
        if self.empty:
            return ""
        bpm = f"{self.bpm:g}" if self.bpm is not None else "auto"
        meter = self.meter.replace("/", "-") if self.meter else "auto"
        one = f"-one{self.downbeat:g}s" if self.downbeat is not None else ""
        return f"-{bpm}bpm-{meter}{one}"


class TimeRegion(BaseModel):
    """A stretch of time, e.g. where a voice is present."""

    start: float
    end: float


class LyricLine(BaseModel):
    """One timed line of lyrics."""

    start: float
    end: float
    text: str


class Section(BaseModel):
    """A stretch of the song with one role (intro, verse, chorus, ...)."""

    start: float
    end: float
    label: str
    energy: float = Field(ge=0.0, le=1.0, description="mean loudness, 0 quiet … 1 loudest")


class EnergyCurve(BaseModel):
    """Loudness sampled every `hop` seconds, normalised to 0 … 1."""

    hop: float
    values: list[float]

    def at(self, time: float) -> float:
        if not self.values:
            return 0.0
        index = min(max(int(time / self.hop), 0), len(self.values) - 1)
        return self.values[index]

    def mean(self, start: float, end: float) -> float:
        lo = max(int(start / self.hop), 0)
        hi = max(min(int(end / self.hop) + 1, len(self.values)), lo + 1)
        window = self.values[lo:hi] or self.values[-1:]
        return sum(window) / len(window) if window else 0.0


class TrackAnalysis(BaseModel):
    """Beats, downbeats, sections and energy of one track; times in seconds."""

    version: str = ANALYSIS_VERSION
    content_hash: str
    duration: float
    tempo: float = Field(description="beats per minute")
    beats: list[float]
    downbeats: list[float]
    beats_per_bar: int = 4
    meter: str = Field(default="4/4", description="4/4, 3/4 or 6/8 (2/4 when hinted)")
    steady_beat: bool = Field(
        default=True, description="False for speech, ambient or free time: beats are then empty"
    )
    beat_confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    sections: list[Section]
    energy: EnergyCurve
    key: Key | None = None
    mood: Mood | None = None
    vocals: list[TimeRegion] = Field(
        default_factory=list, description="voice regions: not detected yet, always empty"
    )
    lyrics: list[LyricLine] = Field(default_factory=list)
    hint: RhythmHint | None = Field(default=None, description="the musician's tempo/meter, if any")

    def section_at(self, time: float) -> Section:
        starts = [s.start for s in self.sections]
        index = max(bisect.bisect_right(starts, time) - 1, 0)
        return self.sections[index]

    def summary(self) -> dict[str, object]:
        """The stable JSON shape printed by `storybeat analyze --json`."""
        return {
            "duration": round(self.duration, 4),
            "tempo": round(self.tempo, 2),
            "beats_per_bar": self.beats_per_bar,
            "meter": self.meter,
            "steady_beat": self.steady_beat,
            "beat_confidence": self.beat_confidence,
            "key": self.key.name if self.key else None,
            "mood": self.mood.model_dump() if self.mood else None,
            "beats": [round(t, 4) for t in self.beats],
            "downbeats": [round(t, 4) for t in self.downbeats],
            "sections": [
                {
                    "start": round(s.start, 3),
                    "end": round(s.end, 3),
                    "label": s.label,
                    "energy": round(s.energy, 3),
                }
                for s in self.sections
            ],
            "vocals": [r.model_dump() for r in self.vocals],
            "lyrics": [line.model_dump() for line in self.lyrics],
            "hint": self.hint.model_dump(exclude_none=True) if self.hint else None,
            "content_hash": self.content_hash,
        }
