"""What the LLM is asked, and how its answers are checked: the brief, and each shot's
creative fields merged onto the rules planner's cuts.

The rules planner owns the clock (start, end, section, energy, index, seed); the LLM only writes
the creative fields. Each answer is checked against the brief and the allowed vocabularies, and
its prompt against the Flux.2 guide: subject + action + style + context, 30–80 words, hex
colours attached to objects, no negative phrasing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agent.planner.prompts import MAX_WORDS, MIN_WORDS, loose_colours
from agent.planner.vocabulary import CAMERA_BY_SHOT, SHOT_PHRASES
from agent.schemas import Brief, Shot
from audio import TrackAnalysis

SHOT_TYPES: tuple[str, ...] = tuple(SHOT_PHRASES)
CAMERAS: tuple[str, ...] = tuple(dict.fromkeys(m for ms in CAMERA_BY_SHOT.values() for m in ms))

HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
_HEX_ONLY = re.compile(r"^#[0-9a-fA-F]{6}$")
_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")
_NEGATIVE = re.compile(r"\b(no|not|without|never|avoid|don't|do not|none)\b|n't\b", re.IGNORECASE)

BRIEF_SYSTEM = """You write the creative brief for a music video. Answer with one JSON object
and nothing else, with these fields:
- "title": short title; "logline": one sentence
- "mood": list of mood words; "style": a visual style phrase (medium, lens, light)
- "palette": 1 to 6 hex colours "#RRGGBB"; every hex colour the musician wrote, exactly
- "characters": list of {"name", "description", "color": "#RRGGBB", "reference": null or the
  name of an uploaded reference}; [] for an abstract video
- "locations": at least one {"name": "location-1", "description", "time_of_day"}
- "props": list of short object phrases"""

BRIEF_REQUEST = """Template: {template}
The music: {music}
The musician's words: {text}"""

BRIEF_REPAIR = """That brief was not usable:
{errors}
Answer again with the whole brief as one JSON object that fixes every problem."""


SHOTS_SYSTEM = f"""You write the creative side of a music video's shot list.
The timing is fixed: never change, add or drop shots. For each shot you are given, answer with
an object holding exactly these fields:
- "index": the shot's index, as given
- "shot_type": one of {", ".join(SHOT_TYPES)}
- "camera": one of {", ".join(CAMERAS)}
- "subject": a character name or a prop from the brief, spelled exactly
- "location": a location name from the brief (e.g. "location-1"), spelled exactly
- "action": what the subject does, a short present-tense phrase
- "prompt": an image prompt following the Flux.2 guide: subject + action + style + context,
  most important first, {MIN_WORDS} to {MAX_WORDS} words, hex colours from the brief's palette
  attached to objects (e.g. "#FF2E88 neon light"), and no negative phrasing (never "no ...",
  "without ...", "not ...")
- "references": extra reference names from the brief (character or location names); may be []
Answer with a JSON list of these objects and nothing else."""

SHOTS_REQUEST = """Brief:
{brief}

Shots to write (timing fixed; the draft fields are a starting point you may improve):
{shots}"""

SHOTS_REPAIR = """Some shots were not usable:
{errors}
Write again only shots {indices}, as a JSON list of {count} objects with the same fields."""


def shots_request(brief: Brief, shots: list[Shot]) -> str:
    """The first message for the shot list: the brief and the rules planner's cuts."""
    return SHOTS_REQUEST.format(
        brief=json.dumps(brief.model_dump(exclude={"user_text"}), indent=1),
        shots=json.dumps([_draft(s) for s in shots], indent=1),
    )


def _draft(shot: Shot) -> dict[str, Any]:
    return shot.model_dump(include={"index", "start", "end", "section", "energy", "shot_type"}) | {
        "draft": shot.model_dump(include={"camera", "subject", "location", "action"})
    }


def repair_request(errors: dict[int, str], general: str = "") -> str:
    """A repair message naming each unusable shot and what was wrong with it."""
    lines = [general] if general else []
    lines += [f"- shot index {i}: {why}" for i, why in sorted(errors.items())]
    indices = ", ".join(str(i) for i in sorted(errors))
    return SHOTS_REPAIR.format(errors="\n".join(lines), indices=indices, count=len(errors))


def read_answers(data: object, wanted: list[int]) -> dict[int, dict[str, Any]]:
    """The reply's objects keyed by shot index; ValueError when the list doesn't fit `wanted`."""
    if isinstance(data, dict) and isinstance(data.get("shots"), list):
        data = data["shots"]
    if not isinstance(data, list):
        raise ValueError(f"expected a JSON list of {len(wanted)} shots, got {type(data).__name__}")
    if len(data) != len(wanted):
        raise ValueError(f"expected {len(wanted)} shots, got {len(data)}")
    if all(isinstance(item, dict) and item.get("index") in wanted for item in data):
        answers = {int(item["index"]): item for item in data}
        if len(answers) == len(wanted):
            return answers
    if not all(isinstance(item, dict) for item in data):
        raise ValueError("every shot must be a JSON object")
    return dict(zip(wanted, data, strict=True))  # indices missing or muddled: go by position


def merge_shot(rules: Shot, answer: dict[str, Any], brief: Brief) -> Shot:
    """The rules shot with the LLM's creative fields; ValueError naming every problem."""
    problems: list[str] = []
    fields = {k: answer.get(k) for k in ("shot_type", "camera", "subject", "location", "action")}
    for key, value in fields.items():
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key} is missing or empty")
    if fields["shot_type"] not in SHOT_TYPES:
        problems.append(f"shot_type {fields['shot_type']!r} is not one of {', '.join(SHOT_TYPES)}")
    if fields["camera"] not in CAMERAS:
        problems.append(f"camera {fields['camera']!r} is not one of {', '.join(CAMERAS)}")
    characters = {c.name: c for c in brief.characters}
    if fields["subject"] not in characters and fields["subject"] not in brief.props:
        problems.append(f"subject {fields['subject']!r} is not a character or prop in the brief")
    locations = [loc.name for loc in brief.locations]
    if fields["location"] not in locations:
        problems.append(f"location {fields['location']!r} is not one of {', '.join(locations)}")
    prompt = answer.get("prompt")
    if isinstance(prompt, str):
        prompt = clean_prompt(prompt)
        problems += prompt_problems(prompt, brief)
    else:
        problems.append("prompt is missing")
    extra = answer.get("references") or []
    known = set(characters) | set(locations) | {c.reference for c in brief.characters}
    if not isinstance(extra, list) or not all(r in known for r in extra):
        problems.append(f"references {extra!r} must be names from the brief")
    if problems:
        raise ValueError("; ".join(problems))
    subject = characters.get(str(fields["subject"]))
    needed = [subject.name, subject.reference] if subject else []
    references = [r for r in dict.fromkeys([*needed, fields["location"], *extra]) if r]
    return rules.model_copy(
        update={
            **{k: str(v).strip() for k, v in fields.items()},
            "prompt": prompt,
            "references": references,
        }
    )


def clean_prompt(prompt: str) -> str:
    """The prompt without negative clauses ("no people", "without text"): Flux.2 has no
    negative prompt, and naming a thing draws it."""
    clauses = [c.strip() for c in re.split(r"[,;]", " ".join(prompt.split()))]
    return ", ".join(c for c in clauses if c and not _NEGATIVE.search(c))


def prompt_problems(prompt: str, brief: Brief) -> list[str]:
    """What keeps a (cleaned) prompt from following the Flux.2 guide."""
    problems = []
    words = len(prompt.split())
    if not MIN_WORDS <= words <= MAX_WORDS:
        problems.append(
            f"prompt has {words} words without negative phrasing; "
            f"it needs {MIN_WORDS} to {MAX_WORDS}"
        )
    colours = {c.upper() for c in [*brief.palette, *(ch.color for ch in brief.characters)]}
    strays = [h for h in HEX.findall(prompt) if h.upper() not in colours]
    if strays:
        problems.append(f"prompt uses colours {', '.join(strays)} that are not in the brief")
    if loose := loose_colours(prompt):
        problems.append(
            f"prompt lists colours {', '.join(loose)} bare; tie each to an object"
            ' (e.g. "neon sign in hex #FF2E88")'
        )
    return problems


def music_summary(analysis: TrackAnalysis) -> dict[str, Any]:
    """What the brief needs to know about the music, small enough for a prompt."""
    return {
        "duration_s": round(analysis.duration, 1),
        "tempo_bpm": round(analysis.tempo),
        "meter": analysis.meter,
        "key": analysis.key.name if analysis.key else None,
        "mood": list(analysis.mood.tags) if analysis.mood else [],
        "sections": [
            {"label": s.label, "start_s": round(s.start, 1), "energy": round(s.energy, 2)}
            for s in analysis.sections
        ],
    }


def check_brief(data: object, *, user_text: str, template: str, colours: list[str]) -> Brief:
    """The brief with the musician's text and template; ValueError naming every problem."""
    if not isinstance(data, dict):
        raise ValueError(f"expected one JSON object, got {type(data).__name__}")
    brief = Brief.model_validate({**data, "template": template, "user_text": user_text})
    problems = [
        f"palette colour {c!r} is not #RRGGBB" for c in brief.palette if not _HEX_ONLY.match(c)
    ]
    problems += [
        f"character {c.name!r} colour {c.color!r} is not #RRGGBB"
        for c in brief.characters
        if not _HEX_ONLY.match(c.color)
    ]
    have = {c.upper() for c in brief.palette}
    problems += [f"palette must keep the musician's colour {c}" for c in colours if c not in have]
    for what, names in (
        ("character", [c.name for c in brief.characters]),
        ("location", [loc.name for loc in brief.locations]),
    ):
        if len(set(names)) != len(names):
            problems.append(f"{what} names must be unique, got {names}")
    if problems:
        raise ValueError("; ".join(problems))
    return brief


def parse_json(reply: str) -> object:
    """The JSON in a reply, ``` fences and chatter around it stripped."""
    text = _FENCE.sub("", reply.strip())
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
        if not starts:
            raise ValueError(f"the reply holds no JSON: {reply[:200]!r}") from None
        start = min(starts)
        end = max(text.rfind("}"), text.rfind("]")) + 1
        try:
            return json.loads(text[start:end])
        except json.JSONDecodeError as exc:
            raise ValueError(f"the reply is not valid JSON: {exc}") from None
