"""The JSON form of a prompt, for engines that read Flux.2 structured prompts.

Flux.2 reads a JSON object with ``scene``, ``subjects`` (description, action, position,
color_palette), ``style``, ``color_palette``, ``lighting``, ``mood``, ``background``,
``composition`` and ``camera`` (angle, lens, depth_of_field). Keys keep the text prompt's order
of importance, and the object is built from the same :class:`PromptParts` as the text, so both
forms name the same subject and the same hex colours.
"""

from __future__ import annotations

import json
from typing import Any

from agent.planner.prompts import (
    PromptParts,
    location_parts,
    reference_parts,
    render_text,
    shot_parts,
)
from agent.planner.vocabulary import POSITIONS
from agent.schemas import Brief, Character, Location, Shot


def json_prompt(parts: PromptParts, *, position: str = "center", scene: str = "") -> str:
    """``parts`` as a one-line JSON object; ``scene`` replaces the generated scene sentence."""
    where = POSITIONS.get(position, POSITIONS["center"])
    angle, lens, depth = parts.camera
    lead = f"{parts.framing} of {parts.subject}{parts.link} {parts.action}"
    subjects = [
        {
            "description": parts.subject,
            "action": parts.action,
            "position": where,
            "color_palette": [parts.color],
        }
    ]
    data: dict[str, Any] = {
        "scene": scene or ", ".join(p for p in (lead, parts.context) if p),
        "subjects": subjects if parts.color else [],
        "style": parts.style,
        "color_palette": list(parts.palette),
        "lighting": parts.lighting,
        "mood": parts.mood,
        "background": ", ".join(f"{surface} in hex {color}" for surface, color in parts.surfaces),
        "composition": f"{parts.framing.lower()}, subject {where}"
        if parts.color
        else parts.framing.lower(),
        "camera": {"angle": angle, "lens": lens, "depth_of_field": depth},
    }
    return dump({key: value for key, value in data.items() if value})


def frame_prompt(
    brief: Brief, shot: Shot, location: Location, *, structured: bool, position: str = "center"
) -> str:
    """What an engine is sent for a shot: the JSON form where it reads one, else the text.

    A prompt the musician wrote as JSON goes as it is, to every engine.
    """
    if not structured or is_json_prompt(shot.prompt):
        return shot.prompt
    return shot_json(brief, shot, location, position=position)


def shot_json(brief: Brief, shot: Shot, location: Location, *, position: str = "center") -> str:
    """The JSON form of a shot's prompt.

    A shot whose prompt is still the rules planner's keeps the generated scene sentence; one
    the LLM wrote or the musician edited becomes the scene, word for word.
    """
    parts = shot_parts(
        brief,
        shot_type=shot.shot_type,
        subject=shot.subject,
        action=shot.action,
        location=location,
    )
    scene = "" if render_text(parts) == shot.prompt else shot.prompt
    return json_prompt(parts, position=position, scene=scene)


def reference_json(brief: Brief, character: Character) -> str:
    """The JSON form of a character's reference sheet."""
    return json_prompt(reference_parts(brief, character))


def location_json(brief: Brief, location: Location) -> str:
    """The JSON form of a location's establishing plate."""
    return json_prompt(location_parts(brief, location))


def is_json_prompt(prompt: str) -> bool:
    """Whether ``prompt`` is a JSON object (written by the musician or built here)."""
    if not prompt.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(prompt), dict)
    except json.JSONDecodeError:
        return False


def with_instruction(prompt: str, instruction: str) -> str:
    """The prompt with the musician's instruction first, in whichever form the prompt is."""
    instruction = " ".join(instruction.split()).rstrip(".")
    if not instruction:
        return prompt
    if not is_json_prompt(prompt):
        return f"{instruction}. {prompt}"
    data = json.loads(prompt)
    scene = str(data.pop("scene", "")).strip()
    return dump({"scene": f"{instruction}. {scene}" if scene else instruction, **data})


def dump(data: dict[str, Any]) -> str:
    """One line, keys in the order given (most important first), non-ASCII kept."""
    return json.dumps(data, ensure_ascii=False)
