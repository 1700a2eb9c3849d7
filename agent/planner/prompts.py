"""Flux.2-style prompts: subject + action + style + context, most important first."""

from __future__ import annotations

from agent.planner.vocabulary import SHOT_PHRASES
from agent.schemas import Brief

PROMPT_TEMPLATE = "{framing} of {subject} {action}, {style}, in a {place} at {time}, {colors}"
REFERENCE_PROMPT = "Character sheet of {subject}, full figure, neutral pose, {style}, {colors}"
LOCATION_PROMPT = "Establishing wide shot of a {place} at {time}, empty, {style}, {colors}"


def shot_prompt(
    brief: Brief, *, shot_type: str, subject: str, action: str, location: str, time: str
) -> str:
    return PROMPT_TEMPLATE.format(
        framing=SHOT_PHRASES[shot_type],
        subject=subject,
        action=action,
        style=brief.style,
        place=location,
        time=time,
        colors=palette_phrase(brief),
    )


def palette_phrase(brief: Brief) -> str:
    """Hex colours attached to objects, as the Flux.2 guide recommends."""
    targets = ("light", "shadows", "accents", "highlights", "haze")
    pairs = [f"{color} {target}" for color, target in zip(brief.palette, targets, strict=False)]
    return "palette: " + ", ".join(pairs)
