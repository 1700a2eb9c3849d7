"""Prompt craft per the Flux.2 guide: subject + action + style + context, most important first,
30–80 words, positive phrasing, hex colours tied to objects, JSON where the engine reads it."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

import pytest

from agent import nodes
from agent.planner import plan_shots, write_brief
from agent.planner.llm_checks import _NEGATIVE, clean_prompt, prompt_problems
from agent.planner.prompts import (
    MAX_WORDS,
    MIN_WORDS,
    location_prompt,
    reference_prompt,
    shot_prompt,
)
from agent.planner.structured import (
    frame_prompt,
    location_json,
    reference_json,
    shot_json,
    with_instruction,
)
from agent.planner.vocabulary import SHOT_PATTERNS, SHOT_PHRASES
from agent.schemas import TEMPLATES, Brief, Character, Location, RenderOptions, Shot
from imagegen import ImageRequest, PrevizEngine
from tests.support.analysis import analysis_of as _analysis

HEX = re.compile(r"#[0-9A-Fa-f]{6}")
_GLUE = {"a", "an", "the", "in", "of", "and", "hex", "color", "colour", "dressed", "that", "who"}


ANALYSES = {
    "fast-pop": _analysis(
        [
            (0.0, 16.0, "intro", 0.3),
            (16.0, 48.0, "verse", 0.6),
            (48.0, 80.0, "chorus", 0.95),
            (80.0, 96.0, "outro", 0.35),
        ],
        tempo=128.0,
    ),
    "slow-ballad": _analysis(
        [
            (0.0, 12.0, "intro", 0.2),
            (12.0, 40.0, "verse", 0.4),
            (40.0, 60.0, "bridge", 0.3),
            (60.0, 90.0, "chorus", 0.8),
            (90.0, 100.0, "outro", 0.25),
        ],
        tempo=84.0,
    ),
}
BRIEFS = {
    "empty": "",
    "hex": "a dancer in the desert at dawn wearing #12AB34, with #FF8800 flares",
    "long": (
        "A moody story about a girl and a drummer skating through the city at midnight, then"
        " down into the subway, out to the beach and finally a warehouse rave. Neon pink, teal,"
        " gold, violet and silver everywhere, #0A0A23 shadows, lots of rain, slow motion, a"
        " grainy VHS feel, heartbreak turning into hope by the last chorus, and the camera"
        " always moving with the music. " * 3
    ),
}
CASES = [(t, a, b) for t in TEMPLATES for a in ANALYSES for b in BRIEFS]


def _brief(template: str, text: str, uploads: list[str] | None = None) -> Brief:
    return write_brief(
        text, template=template, analysis=ANALYSES["fast-pop"], uploads=uploads or []
    )


def _subject_text(brief: Brief, name: str) -> str:
    return next((c.description for c in brief.characters if c.name == name), name)


def assert_guide(prompt: str, brief: Brief) -> None:
    """What every text prompt must satisfy, whatever made it."""
    words = len(prompt.split())
    assert MIN_WORDS <= words <= MAX_WORDS, f"{words} words: {prompt}"
    assert not _NEGATIVE.search(prompt), f"negative phrasing: {prompt}"
    assert clean_prompt(prompt) == prompt  # the LLM checks would strip nothing
    assert prompt_problems(prompt, brief) == []
    assert "palette" not in prompt.lower(), f"a bare palette list: {prompt}"
    for clause in prompt.split(", "):
        found = list(HEX.finditer(clause))
        assert len(found) <= 1, f"colours listed together in {clause!r}"
        for match in found:
            before = clause[: match.start()].lower()
            assert re.search(r"\bin (hex )?$", before), f"{match.group()} not attached: {clause!r}"
            nouns = [w for w in re.findall(r"[a-z][a-z-]+", before) if w not in _GLUE]
            assert nouns, f"{match.group()} is tied to no object in {clause!r}"


@pytest.mark.parametrize(("template", "analysis", "text"), CASES)
def test_every_planned_shot_follows_the_guide(template: str, analysis: str, text: str) -> None:
    song = ANALYSES[analysis]
    brief = write_brief(BRIEFS[text], template=template, analysis=song, uploads=[])
    shots = plan_shots(brief, song)
    assert {s.shot_type for s in shots} == set(SHOT_PATTERNS[template])
    locations = {loc.name: loc for loc in brief.locations}
    for shot in shots:
        assert_guide(shot.prompt, brief)
        subject = _subject_text(brief, shot.subject)
        framing = SHOT_PHRASES[shot.shot_type]
        assert shot.prompt.startswith(f"{framing} of {subject}")
        # subject, then action, then style, then context: most important first
        order = [subject, shot.action, " ".join(brief.style.split()[:3]), "set in"]
        places = [shot.prompt.index(part) for part in order]
        assert places == sorted(places), shot.prompt
        assert set(HEX.findall(shot.prompt)) >= set(brief.palette)  # every colour placed
        location = locations[shot.location]
        assert location.description in shot.prompt
    again = plan_shots(brief, song)
    assert [(s.prompt, s.seed) for s in again] == [(s.prompt, s.seed) for s in shots]


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("text", list(BRIEFS))
def test_every_shot_type_fits_for_characters_and_props(template: str, text: str) -> None:
    brief = _brief(template, BRIEFS[text], uploads=["upload-1"])
    subjects = [c.name for c in brief.characters] + brief.props
    for shot_type in SHOT_PHRASES:
        for subject in subjects:
            for location in brief.locations:
                prompt = shot_prompt(
                    brief,
                    shot_type=shot_type,
                    subject=subject,
                    action="walks away into the distance",
                    location=location,
                )
                assert_guide(prompt, brief)
                assert prompt.startswith(
                    f"{SHOT_PHRASES[shot_type]} of {_subject_text(brief, subject)}"
                )


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("text", list(BRIEFS))
def test_reference_sheets_and_plates_follow_the_guide(template: str, text: str) -> None:
    brief = _brief(template, BRIEFS[text], uploads=["upload-1"])
    for character in brief.characters:
        prompt = reference_prompt(brief, character)
        assert_guide(prompt, brief)
        assert prompt.startswith(f"Character reference sheet of {character.description}")
        assert f"dressed in hex {character.color}" in prompt
    for location in brief.locations:
        prompt = location_prompt(brief, location)
        assert_guide(prompt, brief)
        assert prompt.startswith("Establishing wide shot of ")
        assert location.description in prompt
        assert set(HEX.findall(prompt)) == set(brief.palette)


def test_briefs_from_an_llm_are_fitted_into_the_word_range() -> None:
    wordy = Brief(
        title="t",
        logline="l",
        template="story",
        mood=["bittersweet and nostalgic longing", "hazy"],
        palette=["#111111", "#222222", "#333333", "#444444", "#555555", "#666666"],
        style="hand-painted gouache illustration with visible brush strokes, muted earth tones,"
        " soft grain, 1970s paperback cover art, heavy vignette and warm halation",
        characters=[
            Character(
                name="ava",
                description="Ava, a tall woman in her thirties with cropped silver hair, a long"
                " green raincoat over a striped sweater and worn red boots, carrying an umbrella",
                color="#777777",
            )
        ],
        locations=[
            Location(
                name="alley",
                description="narrow cobblestone alley behind an old Lisbon tram depot with"
                " laundry lines strung overhead and flickering lamps",
                time_of_day="late afternoon",
            )
        ],
        props=["an old brass key on a long faded ribbon handed down for generations"],
    )
    terse = Brief(
        title="t",
        logline="l",
        template="abstract",
        mood=[],
        palette=["#ABCDEF"],
        style="ink",
        characters=[],
        locations=[Location(name="void", description="void", time_of_day="night")],
        props=["dot"],
    )
    for brief in (wordy, terse):
        location = brief.locations[0]
        for shot_type in SHOT_PHRASES:
            for subject in [*(c.name for c in brief.characters), *brief.props]:
                prompt = shot_prompt(
                    brief, shot_type=shot_type, subject=subject, action="turns", location=location
                )
                assert MIN_WORDS <= len(prompt.split()) <= MAX_WORDS, prompt
                assert prompt.startswith(SHOT_PHRASES[shot_type] + " of ")
        for prompt in (
            location_prompt(brief, location),
            *(reference_prompt(brief, c) for c in brief.characters),
        ):
            assert MIN_WORDS <= len(prompt.split()) <= MAX_WORDS, prompt


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("text", list(BRIEFS))
def test_json_prompts_carry_the_same_subject_and_colours(template: str, text: str) -> None:
    brief = _brief(template, BRIEFS[text])
    locations = {loc.name: loc for loc in brief.locations}
    for shot in plan_shots(brief, ANALYSES["slow-ballad"]):
        structured = shot_json(brief, shot, locations[shot.location], position="left-third")
        assert structured == shot_json(brief, shot, locations[shot.location], position="left-third")
        assert len(structured) < 1200  # well inside the 512 text tokens the local engine encodes
        data = json.loads(structured)
        assert next(iter(data)) == "scene"
        subject = _subject_text(brief, shot.subject)
        assert data["scene"].startswith(f"{SHOT_PHRASES[shot.shot_type]} of {subject}")
        assert data["subjects"][0]["description"] == subject
        assert data["subjects"][0]["action"] == shot.action
        assert data["subjects"][0]["position"] == "on the left third of the frame"
        assert set(HEX.findall(structured)) == set(HEX.findall(shot.prompt))
        assert set(data["color_palette"]) == set(HEX.findall(shot.prompt))
        assert brief.style.startswith(data["style"])
        assert set(data["camera"]) == {"angle", "lens", "depth_of_field"}
        assert not _NEGATIVE.search(structured)
    for character in brief.characters:
        data = json.loads(reference_json(brief, character))
        assert data["subjects"][0]["description"] == character.description
        assert data["color_palette"] == [character.color]
    for location in brief.locations:
        data = json.loads(location_json(brief, location))
        assert location.description in data["scene"]
        assert set(data["color_palette"]) == set(brief.palette)
        assert "subjects" not in data


def _shot(brief: Brief, **update: Any) -> Shot:
    return plan_shots(brief, ANALYSES["fast-pop"])[1].model_copy(update=update)


def test_edited_prompts_become_the_json_scene_and_json_passes_through() -> None:
    brief = _brief("story", "")
    location = brief.locations[0]
    shot = _shot(brief)
    assert frame_prompt(brief, shot, location, structured=False) == shot.prompt
    edited = _shot(brief, prompt="Medium shot of the lead dancing in the rain under a red umbrella")
    data = json.loads(frame_prompt(brief, edited, location, structured=True))
    assert data["scene"] == edited.prompt
    own = _shot(brief, prompt='{"scene": "a lighthouse in a storm"}')
    assert frame_prompt(brief, own, location, structured=True) == own.prompt
    assert frame_prompt(brief, own, location, structured=False) == own.prompt


def test_the_instruction_comes_first_in_both_forms() -> None:
    brief = _brief("performance", "")
    shot = _shot(brief)
    text = with_instruction(shot.prompt, "make it rain.")
    assert text == f"make it rain. {shot.prompt}"
    structured = with_instruction(shot_json(brief, shot, brief.locations[0]), "make it rain")
    data = json.loads(structured)
    framing = SHOT_PHRASES[shot.shot_type]
    assert next(iter(data)) == "scene"
    assert data["scene"].startswith(f"make it rain. {framing} of")
    assert ImageRequest(prompt=structured, width=64, height=64, seed=0).prompt == structured
    assert with_instruction(shot.prompt, "  ") == shot.prompt


class _JsonEngine:
    name = "json-engine"
    version = "1"
    structured_prompts = True


class _QuietEngine:  # says nothing about prompts: gets text
    name = "quiet"
    version = "1"


def _drawn(
    monkeypatch: pytest.MonkeyPatch, engine: object, state: dict[str, Any]
) -> list[ImageRequest]:
    seen: list[ImageRequest] = []
    monkeypatch.setattr(
        nodes, "draw_all", lambda studio, stage, requests, keep: seen.extend(requests) or []
    )
    runtime: Any = SimpleNamespace(context=SimpleNamespace(engine=engine))
    nodes.generate_references(state, runtime)
    nodes.draw_storyboard(state, runtime)
    return seen


def _state(template: str) -> dict[str, Any]:
    brief = _brief(template, BRIEFS["hex"])
    shots = plan_shots(brief, ANALYSES["fast-pop"])[:6]
    return {
        "brief": brief.model_dump(),
        "shots": [s.model_dump() for s in shots],
        "options": RenderOptions(resolution="360p").model_dump(),
        "references": [],
        "refinements": {"2": "add falling snow"},
        "reference_notes": {"location-1": "at low tide"},
    }


@pytest.mark.parametrize("template", TEMPLATES)
def test_nodes_send_json_only_to_engines_that_read_it(
    monkeypatch: pytest.MonkeyPatch, template: str
) -> None:
    state = _state(template)
    brief = Brief.model_validate(state["brief"])
    json_requests = _drawn(monkeypatch, _JsonEngine(), state)
    text_requests = _drawn(monkeypatch, PrevizEngine(), state)
    assert _drawn(monkeypatch, _QuietEngine(), state) == text_requests
    assert (
        len(json_requests)
        == len(text_requests)
        == len(brief.characters) + len(brief.locations) + len(state["shots"])
    )
    for structured, text in zip(json_requests, text_requests, strict=True):
        data = json.loads(structured.prompt)
        assert not text.prompt.lstrip().startswith("{")
        assert_guide(text.prompt.split(". ", 1)[-1], brief)
        assert set(HEX.findall(structured.prompt)) == set(HEX.findall(text.prompt))
        # the same picture is asked for: scene, seed, size and references are shared
        assert (structured.scene, structured.seed, structured.width) == (
            text.scene,
            text.seed,
            text.width,
        )
        assert isinstance(data["scene"], str)
    shots = len(brief.characters) + len(brief.locations)
    refined = text_requests[shots + 2]
    assert refined.prompt.startswith("add falling snow. ")
    assert json.loads(json_requests[shots + 2].prompt)["scene"].startswith("add falling snow. ")
    plate = len(brief.characters)  # location-1 has a note
    assert text_requests[plate].prompt.startswith("at low tide. Establishing wide shot")
    assert json.loads(json_requests[plate].prompt)["scene"].startswith("at low tide. ")


def test_previz_draws_from_the_scene_and_keeps_its_cache_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = _state("story")
    first = _drawn(monkeypatch, PrevizEngine(), state)
    again = _drawn(monkeypatch, PrevizEngine(), state)
    assert [r.cache_key("previz", "2") for r in first] == [
        r.cache_key("previz", "2") for r in again
    ]
    assert len({r.cache_key("previz", "2") for r in first}) == len(first)
    engine = PrevizEngine()
    frame = first[-1]
    small = frame.model_copy(update={"width": 256, "height": 144})
    reworded = small.model_copy(update={"prompt": "Wide shot of something else entirely"})
    assert engine.generate(small).tobytes() == engine.generate(reworded).tobytes()
