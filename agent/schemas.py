"""Stage artifacts as pydantic models: what the planner writes and the musician reviews."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, model_validator

from audio.models import RhythmHint

# story / performance / abstract music videos; "lyric": the words timed over atmospheric
# backdrops; "shorts": a 9:16, 15–60 s cut of the song's strongest section.
Template = Literal["story", "performance", "abstract", "lyric", "shorts"]
Aspect = Literal["16:9", "9:16", "1:1"]
Resolution = Literal["360p", "720p", "1080p"]
TEMPLATES: tuple[str, ...] = get_args(Template)
ASPECTS: tuple[str, ...] = get_args(Aspect)
RESOLUTIONS: tuple[str, ...] = get_args(Resolution)
SHORTS_ASPECT = "9:16"
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
    lyrics: Path | None = Field(default=None, description="timed .lrc or plain-text lyrics")

    @model_validator(mode="before")
    @classmethod
    def _format_aspect(cls, data: Any) -> Any:
        """Shorts are vertical unless told otherwise; everything else defaults to 16:9."""
        if isinstance(data, dict) and data.get("aspect") is None:
            vertical = data.get("template") == "shorts"
            data = {**data, "aspect": SHORTS_ASPECT if vertical else "16:9"}
        return data

    @model_validator(mode="after")
    def _template_needs(self) -> RenderOptions:
        if self.template == "shorts" and self.aspect != SHORTS_ASPECT:
            raise ValueError(
                f"Shorts are vertical {SHORTS_ASPECT}; leave the aspect out or give {SHORTS_ASPECT}"
            )
        if self.template == "lyric" and self.lyrics is None:
            raise ValueError(
                "the lyric template shows the song's words: give the lyrics file (--lyrics FILE,"
                " timed .lrc or plain text)"
            )
        return self

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
