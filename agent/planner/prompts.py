"""Flux.2-style prompts: subject + action + style + context, most important first.

Every prompt the rules planner writes follows the Flux.2 prompting guide: the framing and the
subject lead, then what it does, then the look, then where and when; 30–80 words; positive
phrasing only (Flux.2 has no negative prompt, and naming a thing draws it); each hex colour tied
to a concrete object or surface ("the wet asphalt in hex #1D3557"), never a bare palette list;
lighting and lens last. The plain text and the JSON form (:mod:`agent.planner.structured`) are
both rendered from one :class:`PromptParts`, so they carry the same subject and colours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from agent.planner.vocabulary import (
    CAMERA_DETAILS,
    LIGHTING,
    SHOT_PHRASES,
    SURFACE_WORDS,
    SURFACES,
    TIME_PHRASES,
    TIME_WORDS,
)
from agent.schemas import Brief, Character, Location

MIN_WORDS, MAX_WORDS = 30, 80  # the guide's "medium" prompt: most scenes, everyday prompting

REFERENCE_FRAMING = "Character reference sheet"
REFERENCE_ACTION = "stands in a relaxed neutral pose, full figure, front view"
REFERENCE_BACKDROP = "against a plain light grey studio backdrop"
REFERENCE_LIGHTING = "even softbox lighting"
REFERENCE_CAMERA = ("eye level", "50mm lens", "sharp focus from head to toe")
LOCATION_FRAMING = "Establishing wide shot"
LOCATION_ACTION = "empty and still"
FILLERS = ("crisp fine detail", "rich natural texture", "balanced cinematic composition")
INSERT_ACTION = "catches the light"

_WORD = re.compile(r"[a-z]+")
_HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
_DANGLING = {
    *("a", "an", "the", "and", "or", "but", "with", "while", "that", "which", "who", "whose"),
    *("of", "in", "on", "at", "to", "for", "from", "by", "as", "into", "over", "under"),
    *("behind", "near", "its", "their", "his", "her", "my", "our", "your"),
}
_TIMES = {*TIME_WORDS, "evening", "afternoon", "golden", "twilight", "daylight", "sundown"}
_SIGNAL_WORDS = {"palette", "color", "colour", "colors", "colours", "hex", "and", "in", "of"}


@dataclass(frozen=True)
class PromptParts:
    """One image's description, most important first; rendered as text or as JSON."""

    framing: str  # "Medium shot"
    subject: str  # "the lead, a young woman in a long coat"
    color: str  # the subject's hex colour, "" for none
    wear: str  # how the colour attaches to the subject: "dressed in", "in"
    link: str  # joins the action to the subject: ", who", " that", ","
    action: str
    style: str
    context: str  # "set in a city street with wet asphalt at night"
    surfaces: tuple[tuple[str, str], ...]  # (concrete surface, hex colour)
    lighting: str
    camera: tuple[str, str, str]  # angle, lens, depth of field
    mood: str  # "driving, restless"
    palette: tuple[str, ...]  # every colour the image uses

    @property
    def lead(self) -> str:
        """Framing, subject with its colour, and the action: the words Flux.2 weighs most."""
        colored = f"{self.subject} {self.wear} hex {self.color}" if self.color else self.subject
        return f"{self.framing} of {colored}{self.link} {self.action}"


def shot_prompt(
    brief: Brief, *, shot_type: str, subject: str, action: str, location: Location
) -> str:
    """The text prompt of one shot; ``subject`` is a character name or a prop from the brief."""
    parts = shot_parts(
        brief, shot_type=shot_type, subject=subject, action=action, location=location
    )
    return render_text(parts)


def reference_prompt(brief: Brief, character: Character) -> str:
    """The text prompt of a character's reference sheet."""
    return render_text(reference_parts(brief, character))


def location_prompt(brief: Brief, location: Location) -> str:
    """The text prompt of a location's establishing plate."""
    return render_text(location_parts(brief, location))


def shot_parts(
    brief: Brief, *, shot_type: str, subject: str, action: str, location: Location
) -> PromptParts:
    character = next((c for c in brief.characters if c.name == subject), None)
    if character is not None:
        text, color, wear, link = character.description, character.color, "dressed in", ", who"
    else:
        text, color, wear, link = subject, brief.palette[-1], "in", " that"
    return PromptParts(
        framing=SHOT_PHRASES.get(shot_type, "Shot"),
        subject=_clip(text, 16),
        color=color,
        wear=wear,
        link=link,
        action=_clip(action, 12),
        style=_clip(brief.style, 16),
        context=f"set in {_place(location)}",
        surfaces=_surfaces(location.description, [c for c in brief.palette if c != color]),
        lighting=_lighting(location),
        camera=CAMERA_DETAILS.get(shot_type, CAMERA_DETAILS["medium"]),
        mood=_mood(brief),
        palette=tuple(dict.fromkeys([color, *brief.palette])),
    )


def reference_parts(brief: Brief, character: Character) -> PromptParts:
    return PromptParts(
        framing=REFERENCE_FRAMING,
        subject=_clip(character.description, 16),
        color=character.color,
        wear="dressed in",
        link=", who",
        action=REFERENCE_ACTION,
        style=_clip(brief.style, 16),
        context=REFERENCE_BACKDROP,
        surfaces=(),
        lighting=REFERENCE_LIGHTING,
        camera=REFERENCE_CAMERA,
        mood="",
        palette=(character.color,),
    )


def location_parts(brief: Brief, location: Location) -> PromptParts:
    return PromptParts(
        framing=LOCATION_FRAMING,
        subject=_place(location),
        color="",
        wear="",
        link=",",
        action=LOCATION_ACTION,
        style=_clip(brief.style, 16),
        context="",
        surfaces=_surfaces(location.description, list(brief.palette)),
        lighting=_lighting(location),
        camera=CAMERA_DETAILS["wide"],
        mood=_mood(brief),
        palette=tuple(brief.palette),
    )


def render_text(parts: PromptParts) -> str:
    """The richest rendering of ``parts`` that fits MIN_WORDS..MAX_WORDS.

    Over the limit, the least important details go first: mood, then lighting, then the
    "hex" signal word, then angle and depth of field, then long phrases are clipped, and last
    the least visible coloured surfaces. Under it, neutral quality details are added.
    """
    text = ""
    for variant, compact in _shorter(parts):
        text = _join(variant, compact=compact)
        if _words(text) <= MAX_WORDS:
            break
    while _words(text) > MAX_WORDS and variant.surfaces:
        variant = replace(variant, surfaces=variant.surfaces[:-1])
        text = _join(variant, compact=True)
    for filler in FILLERS:
        if _words(text) >= MIN_WORDS:
            break
        text = f"{text}, {filler}"
    return text


def camera_text(camera: tuple[str, str, str]) -> str:
    """Lens, angle and depth of field as a phrase: "85mm portrait lens, slightly low angle"."""
    angle, lens, depth = camera
    return ", ".join(p for p in (lens, angle, depth) if p)


def loose_colours(prompt: str) -> list[str]:
    """Hex colours standing in a bare list ("palette: #E63946, #1D3557"), tied to no object."""
    loose = []
    for clause in re.split(r"[,;:.]\s", f"{prompt} "):
        words = set(_WORD.findall(_HEX.sub(" ", clause.lower())))
        if not words - _SIGNAL_WORDS:
            loose += _HEX.findall(clause)
    return loose


def _shorter(parts: PromptParts) -> list[tuple[PromptParts, bool]]:
    """Ever shorter renderings, each with whether it drops the "hex" signal word."""
    quiet = replace(parts, mood="")
    dark = replace(quiet, lighting="")
    bare = replace(dark, camera=("", parts.camera[1], ""))
    clipped = replace(
        bare,
        subject=_clip(parts.subject, 10),
        action=_clip(parts.action, 8),
        style=_clip(parts.style, 8),
        context=_clip(parts.context, 10),
    )
    return [
        (parts, False),
        (quiet, False),
        (dark, False),
        (dark, True),
        (bare, True),
        (clipped, True),
    ]


def _join(parts: PromptParts, *, compact: bool) -> str:
    signal = "in" if compact else "in hex"
    lead = parts.lead.replace(" hex #", " #") if compact else parts.lead
    pieces = [
        lead,
        parts.style,
        parts.context,
        *(f"{surface} {signal} {color}" for surface, color in parts.surfaces),
        parts.lighting,
        camera_text(parts.camera),
        f"{parts.mood} mood" if parts.mood else "",
    ]
    return ", ".join(p for p in pieces if p)


def _surfaces(description: str, colors: list[str]) -> tuple[tuple[str, str], ...]:
    words = _WORD.findall(description.lower())
    kind = next((SURFACE_WORDS[w] for w in words if w in SURFACE_WORDS), "set")
    names = SURFACES[kind]
    return tuple((names[i % len(names)], color) for i, color in enumerate(colors))


def _place(location: Location) -> str:
    place = _clip(location.description, 12)
    first = place.split()[0].lower() if place.split() else ""
    if first not in ("a", "an", "the"):
        place = ("an " if place[:1].lower() in "aeiou" else "a ") + place
    time = location.time_of_day.strip()
    if _says_when(place):  # "a rooftop at golden hour" needs no "at night" after it
        time = ""
    time = TIME_PHRASES.get(time, f"during {_clip(time, 4)}" if time else "")
    return f"{place} {time}".strip()


def _lighting(location: Location) -> str:
    """The time of day's light, unless the place's own words already set it."""
    return "" if _says_when(location.description) else LIGHTING.get(location.time_of_day, "")


def _says_when(description: str) -> bool:
    return bool(set(_WORD.findall(description.lower())) & _TIMES)


def _mood(brief: Brief) -> str:
    moods = [_clip(m, 3) for m in brief.mood[:2] if m.strip()]
    return ", ".join(moods)


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` words: at the last comma if that keeps at least half of them,
    and never ending on a word that needs another ("with", "the", "that"...)."""
    words = text.split()
    if len(words) <= limit:
        return " ".join(words)
    kept = words[:limit]
    commas = [i for i, word in enumerate(kept) if word.endswith(",")]
    if commas and commas[-1] + 1 >= limit // 2:
        kept = kept[: commas[-1] + 1]
    while len(kept) > 1 and kept[-1].strip(",;:").lower() in _DANGLING:
        kept.pop()
    return " ".join(kept).rstrip(" ,;:")


def _words(text: str) -> int:
    return len(text.split())
