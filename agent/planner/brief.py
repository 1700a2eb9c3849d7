"""The rules planner's creative brief: the user's words + a template + the music."""

from __future__ import annotations

import re

from agent.planner.vocabulary import (
    COLOR_WORDS,
    DEFAULTS,
    LOCATION_WORDS,
    MOOD_PALETTES,
    PERSON_WORDS,
    TIME_WORDS,
)
from agent.schemas import Brief, Character, Location
from audio import TrackAnalysis

_HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
_WORD = re.compile(r"[a-z]+")


def write_brief(text: str, *, template: str, analysis: TrackAnalysis, uploads: list[str]) -> Brief:
    """Turn free text into a full brief; anything the text leaves out comes from the music."""
    words = _WORD.findall(text.lower())
    mood = _mood(analysis)
    palette = _palette(text, words, mood[0])
    defaults = DEFAULTS[template]
    time_of_day = next((TIME_WORDS[w] for w in words if w in TIME_WORDS), "night")
    named = list(dict.fromkeys(LOCATION_WORDS[w] for w in words if w in LOCATION_WORDS))
    places = named or list(defaults["locations"])  # type: ignore[call-overload]
    locations = [
        Location(name=f"location-{i + 1}", description=d, time_of_day=time_of_day)
        for i, d in enumerate(places[:3])
    ]
    characters = _characters(template, words, palette, uploads)
    title = _title(text, template, mood)
    logline = text.strip() or (
        f"A {mood[0]} {template} video at {analysis.tempo:.0f} BPM: "
        f"{', '.join(loc.description for loc in locations)}."
    )
    return Brief(
        title=title,
        logline=logline,
        template=template,  # type: ignore[arg-type]
        mood=mood,
        palette=palette,
        style=str(defaults["style"]),
        characters=characters,
        locations=locations,
        props=list(defaults["props"]),  # type: ignore[call-overload]
        user_text=text,
    )


def _mood(analysis: TrackAnalysis) -> list[str]:
    if analysis.mood is not None and analysis.mood.tags:
        return list(analysis.mood.tags)
    levels = [s.energy for s in analysis.sections] or [0.5]
    energy = sum(levels) / len(levels)
    fast = analysis.tempo >= 115
    if fast and energy >= 0.6:
        return ["euphoric", "driving"]
    if fast:
        return ["driving", "restless"]
    if energy >= 0.6:
        return ["warm", "anthemic"]
    return ["wistful", "intimate"]


def _palette(text: str, words: list[str], mood: str) -> list[str]:
    chosen = [h.upper() for h in _HEX.findall(text)]
    chosen += [COLOR_WORDS[w] for w in words if w in COLOR_WORDS]
    chosen += MOOD_PALETTES.get(mood, MOOD_PALETTES["driving"])
    return list(dict.fromkeys(chosen))[:5]


def _characters(
    template: str, words: list[str], palette: list[str], uploads: list[str]
) -> list[Character]:
    cast = list(DEFAULTS[template]["characters"])  # type: ignore[call-overload]
    person = next((w for w in words if w in PERSON_WORDS), None)
    if person and cast:
        name, _ = cast[0]
        cast[0] = (name, f"{name}, a {person}")
    if not cast and uploads:
        cast = [("the subject", "the subject of the reference image")]
    result = []
    for i, (name, description) in enumerate(cast):
        color = palette[(i + 1) % len(palette)]
        reference = uploads[i] if i < len(uploads) else None
        result.append(
            Character(name=name, description=description, color=color, reference=reference)
        )
    return result


def _title(text: str, template: str, mood: list[str]) -> str:
    words = text.strip().split()
    if words:
        return " ".join(words[:6]).rstrip(".,;:!") + ("…" if len(words) > 6 else "")
    return f"{mood[0].capitalize()} {template} video"
