"""The LLM planner: the model's brief and shots are used when valid, repaired once, and the
rules planner takes over (with a warning) whenever they are not; the clock is never moved."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableLambda
from pydantic import Field

from agent.errors import AgentInputError
from agent.planner import plan_shots, write_brief
from agent.planner.llm import LLMPlanner, chat_model_from_spec, music_summary
from agent.schemas import Brief, Shot
from audio import EnergyCurve, Section, TrackAnalysis


class Recorder(FakeListChatModel):
    """Replies from a list and keeps every conversation it was sent."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _call(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> str:
        self.seen.append(list(messages))
        return super()._call(messages, *args, **kwargs)


class Broken(FakeListChatModel):
    """A model whose provider times out on every call."""

    def _call(self, *args: Any, **kwargs: Any) -> str:
        raise TimeoutError("read timed out after 60 s")


def _analysis() -> TrackAnalysis:
    duration, beat = 48.0, 0.5
    beats = [round(0.25 + i * beat, 4) for i in range(int((duration - 0.25) / beat) + 1)]
    sections = [(0.0, 16.0, "intro", 0.3), (16.0, 32.0, "verse", 0.6), (32.0, 48.0, "chorus", 0.9)]
    return TrackAnalysis(
        content_hash="0" * 64,
        duration=duration,
        tempo=120.0,
        beats=beats,
        downbeats=beats[::4],
        sections=[Section(start=a, end=b, label=lab, energy=e) for a, b, lab, e in sections],
        energy=EnergyCurve(hop=0.25, values=[0.5] * int(duration * 4)),
    )


SONG = _analysis()
TEXT = "a skater at dusk on a rooftop, #FF00AA and #00ffcc"
BRIEF_DATA = {
    "title": "Rooftop Dusk",
    "logline": "A skater chases the last light across the rooftops.",
    "mood": ["euphoric"],
    "palette": ["#FF00AA", "#00ffcc", "#14213D"],
    "style": "cinematic 35mm film still, anamorphic lens",
    "characters": [
        {"name": "the skater", "description": "a skater in a hoodie", "color": "#FF00AA"}
    ],
    "locations": [{"name": "location-1", "description": "neon rooftop", "time_of_day": "dusk"}],
    "props": ["a battered skateboard"],
}


def _rules_brief() -> Brief:
    return write_brief(TEXT, template="story", analysis=SONG, uploads=[])


def _ask_brief(model: FakeListChatModel) -> tuple[Brief, list[str]]:
    planner = LLMPlanner(model)
    return planner.write_brief(TEXT, "story", music_summary(SONG), _rules_brief)


def _prompt(n: int = 40) -> str:
    head = (
        "Medium shot of a skater in a hoodie kicks off the edge, #FF00AA hoodie, #00ffcc rim light"
    )
    filler = ["cinematic", "35mm", "film", "still", "on", "a", "neon", "rooftop", "at", "dusk"]
    words = head.split()
    return " ".join(words + [filler[i % len(filler)] for i in range(max(n - len(words), 0))])


def _answer(shot: Shot, **change: Any) -> dict[str, Any]:
    answer = {
        "index": shot.index,
        "shot_type": "medium",
        "camera": "pan-left",
        "subject": "the skater",
        "location": "location-1",
        "action": "kicks off the edge",
        "prompt": _prompt(),
        "references": [],
    }
    return answer | change


def _shots_setup() -> tuple[Brief, list[Shot]]:
    brief = Brief.model_validate({**BRIEF_DATA, "template": "story"})
    return brief, plan_shots(brief, SONG)


def _plan(model: FakeListChatModel, brief: Brief) -> tuple[list[Shot], list[str]]:
    return LLMPlanner(model).plan_shots(brief, SONG, lambda: plan_shots(brief, SONG))


def test_a_valid_json_brief_is_used_with_its_hex_colours_kept() -> None:
    reply = "```json\n" + json.dumps(BRIEF_DATA) + "\n```"
    brief, warnings = _ask_brief(FakeListChatModel(responses=[reply]))
    assert warnings == []
    assert brief.title == "Rooftop Dusk"
    assert brief.palette == ["#FF00AA", "#00ffcc", "#14213D"]
    assert brief.characters[0].color == "#FF00AA"
    assert brief.template == "story" and brief.user_text == TEXT


def test_garbage_then_a_valid_brief_after_the_repair_message() -> None:
    model = Recorder(responses=["Sure! Here is a lovely idea.", json.dumps(BRIEF_DATA)])
    brief, warnings = _ask_brief(model)
    assert warnings == [] and brief.title == "Rooftop Dusk"
    assert len(model.seen) == 2
    repair = str(model.seen[1][-1].content)
    assert "not usable" in repair and "no JSON" in repair


def test_the_repair_message_names_the_validation_error() -> None:
    bad = {**BRIEF_DATA, "palette": ["#14213D"]}  # drops the musician's colours
    model = Recorder(responses=[json.dumps(bad), json.dumps(BRIEF_DATA)])
    brief, warnings = _ask_brief(model)
    assert warnings == [] and "#FF00AA" in brief.palette
    assert "#FF00AA" in str(model.seen[1][-1].content)


def test_garbage_every_time_falls_back_to_the_rules_brief() -> None:
    model = Recorder(responses=["nope", '{"title": 3}', "still nope"])
    brief, warnings = _ask_brief(model)
    assert brief == _rules_brief()
    assert len(model.seen) == 2  # retries=2: the first ask and one repair
    assert len(warnings) == 1 and "rules planner wrote it" in warnings[0]


def test_a_model_that_raises_falls_back_without_crashing() -> None:
    brief, warnings = _ask_brief(Broken(responses=["unused"]))
    assert brief == _rules_brief()
    assert "timed out" in warnings[0]
    brief2, shots = _shots_setup()
    planned, shot_warnings = _plan(Broken(responses=["unused"]), brief2)
    assert planned == shots and "timed out" in shot_warnings[0]


def test_structured_output_is_used_when_the_model_supports_it() -> None:
    class Structured(FakeListChatModel):
        def with_structured_output(self, schema: Any, **kwargs: Any) -> Any:
            return RunnableLambda(
                lambda _: Brief.model_validate({**BRIEF_DATA, "template": "story"})
            )

    brief, warnings = _ask_brief(Structured(responses=["unused"]))
    assert warnings == [] and brief.palette[1] == "#00ffcc"


def test_shot_merge_keeps_the_rules_clock_and_takes_the_creative_fields() -> None:
    brief, rules = _shots_setup()
    answers = [_answer(s, camera="tilt-up" if s.index % 2 else "static") for s in rules]
    planned, warnings = _plan(FakeListChatModel(responses=[json.dumps(answers)]), brief)
    assert warnings == []
    assert len(planned) == len(rules)
    for new, old in zip(planned, rules, strict=True):
        keep = ("index", "start", "end", "section", "energy", "seed")
        assert new.model_dump(include=set(keep)) == old.model_dump(include=set(keep))
        assert new.camera == ("tilt-up" if old.index % 2 else "static")
        assert new.action == "kicks off the edge" and new.prompt == _prompt()
        assert new.references == ["the skater", "location-1"]


def test_an_invalid_camera_falls_back_for_that_shot_only() -> None:
    brief, rules = _shots_setup()
    answers = [_answer(s) for s in rules]
    answers[1]["camera"] = "drone-swoop"
    answers[3]["subject"] = ["not", "a", "name"]
    model = Recorder(responses=[json.dumps(answers)])  # repeats the same bad answer on repair
    planned, warnings = _plan(model, brief)
    assert planned[1] == rules[1] and planned[3] == rules[3]
    assert all(p.camera == "pan-left" for i, p in enumerate(planned) if i not in (1, 3))
    assert len(warnings) == 1 and "shots 2, 4 " in warnings[0] and "drone-swoop" in warnings[0]
    repair = str(model.seen[1][-1].content)
    assert "shot index 1" in repair and "drone-swoop" in repair


def test_the_repair_round_rewrites_only_the_bad_shots() -> None:
    brief, rules = _shots_setup()
    answers = [_answer(s) for s in rules]
    answers[2]["location"] = "the moon"
    fixed = [_answer(rules[2], camera="pull-out")]
    model = Recorder(responses=[json.dumps(answers), json.dumps(fixed)])
    planned, warnings = _plan(model, brief)
    assert warnings == [] and planned[2].camera == "pull-out"


def test_a_wrong_shot_count_is_repaired_then_falls_back() -> None:
    brief, rules = _shots_setup()
    short = json.dumps([_answer(s) for s in rules[:-1]])
    model = Recorder(responses=[short, short])
    planned, warnings = _plan(model, brief)
    assert planned == rules
    assert f"expected {len(rules)} shots" in str(model.seen[1][-1].content)
    assert "shot list was unusable" in warnings[0]


def test_negative_phrasing_is_removed_and_a_prompt_left_too_short_rejected() -> None:
    brief, rules = _shots_setup()
    answers = [_answer(s, prompt=_prompt() + ", no people, without text") for s in rules]
    answers[0]["prompt"] = _prompt(26) + ", no blur, without any people or cars or text at all"
    planned, warnings = _plan(FakeListChatModel(responses=[json.dumps(answers)]), brief)
    assert all(p.prompt == _prompt() for p in planned[1:])
    assert planned[0] == rules[0]  # 26 words once the negatives are gone
    assert "shots 1 " in warnings[0] and "30 to 80" in warnings[0]


@pytest.mark.parametrize("words", [20, 95])
def test_prompt_length_outside_30_to_80_words_falls_back(words: int) -> None:
    brief, rules = _shots_setup()
    answers = [_answer(s, prompt=_prompt(words)) for s in rules]
    planned, warnings = _plan(FakeListChatModel(responses=[json.dumps(answers)]), brief)
    assert planned == rules and f"{words} words" in warnings[0]


def test_a_malformed_spec_names_the_expected_form() -> None:
    with pytest.raises(AgentInputError, match="provider:model"):
        chat_model_from_spec("nonsense")


def test_a_missing_provider_package_names_the_pip_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for module in ("langchain", "langchain.chat_models", "langchain_openai"):
        monkeypatch.setitem(sys.modules, module, None)  # import → ImportError
    with pytest.raises(AgentInputError, match="pip install langchain-openai"):
        chat_model_from_spec("openai:gpt-x")
    with pytest.raises(AgentInputError, match="known: anthropic, ollama, openai"):
        chat_model_from_spec("acme:big-model")


def test_retries_below_one_is_refused() -> None:
    with pytest.raises(AgentInputError, match="retries"):
        LLMPlanner(FakeListChatModel(responses=["x"]), retries=0)
