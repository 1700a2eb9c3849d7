"""Stage artifacts as pydantic models: what the planner writes and the musician reviews."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from audio.models import RhythmHint

Template = Literal["story", "performance", "abstract"]
Aspect = Literal["16:9", "9:16", "1:1"]
Resolution = Literal["360p", "720p", "1080p"]
TEMPLATES: tuple[str, ...] = ("story", "performance", "abstract")
ASPECTS: tuple[str, ...] = ("16:9", "9:16", "1:1")
RESOLUTIONS: tuple[str, ...] = ("360p", "720p", "1080p")
METERS: tuple[str, ...] = ("4/4", "3/4", "6/8", "2/4")


def frame_size(aspect: str, resolution: str) -> tuple[int, int]:
    """Width and height for an aspect at a resolution (the short side is the 'p' number)."""
    short = int(resolution.rstrip("p"))
    long = short * 16 // 9
    return {"16:9": (long, short), "9:16": (short, long), "1:1": (short, short)}[aspect]


class RenderOptions(BaseModel):
    """What the musician asked for."""

    brief: str = ""
    template: Template = "story"
    aspect: Aspect = "16:9"
    resolution: Resolution = "720p"
    fps: int = Field(default=24, ge=12, le=60)
    references: list[Path] = Field(default_factory=list, max_length=10)
    rhythm: RhythmHint | None = Field(
        default=None, description="the musician's tempo, meter and bar start, if given"
    )

    @property
    def size(self) -> tuple[int, int]:
        return frame_size(self.aspect, self.resolution)


class Character(BaseModel):
    name: str
    description: str
    color: str
    reference: str | None = Field(default=None, description="name of an uploaded reference")


class Location(BaseModel):
    name: str
    description: str
    time_of_day: str = "night"


class Brief(BaseModel):
    """The creative brief: the idea every later stage follows."""

    title: str
    logline: str
    template: Template
    mood: list[str]
    palette: list[str] = Field(min_length=1, max_length=6)
    style: str
    characters: list[Character]
    locations: list[Location] = Field(min_length=1)
    props: list[str]
    user_text: str = ""


class ReferenceImage(BaseModel):
    """One image in the reference bank (uploaded or generated)."""

    name: str
    kind: Literal["character", "location", "upload"]
    media: str
    prompt: str = ""


class Shot(BaseModel):
    """One shot: where it sits on the song's clock and what it shows."""

    index: int
    start: float
    end: float
    section: str
    energy: float
    shot_type: str
    camera: str
    subject: str
    location: str
    action: str
    references: list[str]
    prompt: str
    seed: int

    @property
    def duration(self) -> float:
        return self.end - self.start
