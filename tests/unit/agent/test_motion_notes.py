"""Clip instructions: a camera move and a strength, or a clear refusal."""

from __future__ import annotations

import pytest

from agent.errors import AgentInputError
from agent.motion_notes import CALMER_SCALE, STRONGER_SCALE, MotionNote, parse_motion
from agent.review import Decision, regenerated


@pytest.mark.parametrize(
    ("instruction", "note"),
    [
        ("slow pan left", MotionNote("pan-left", CALMER_SCALE)),
        ("Zoom in, more energy!", MotionNote("push-in", STRONGER_SCALE)),
        ("pull back", MotionNote("pull-out", 1.0)),
        ("tilt-up", MotionNote("tilt-up", 1.0)),
        ("locked off", MotionNote("static", 1.0)),
        ("subtler please", MotionNote(None, CALMER_SCALE)),
    ],
)
def test_moves_and_strengths_are_read(instruction: str, note: MotionNote) -> None:
    assert parse_motion(instruction) == note


@pytest.mark.parametrize(
    ("instruction", "message"),
    [
        ("make her jacket blue", "say how"),
        ("pan left then tilt up", "names 2 camera moves"),
    ],
)
def test_instructions_the_adapter_cannot_follow_are_refused(instruction: str, message: str) -> None:
    with pytest.raises(AgentInputError, match=message):
        parse_motion(instruction)


def test_the_video_gate_regenerates_only_quoted_clips() -> None:
    state = {"clips": ["a.mp4", "b.mp4", "c.mp4"], "clip_notes": {"0": "static"}}
    decision = Decision(action="regenerate", instruction="slow push in", targets=["2", "3"])
    update = regenerated("animate_shots", state, decision)  # type: ignore[arg-type]
    assert update == {"clip_notes": {"0": "static", "1": "slow push in", "2": "slow push in"}}
    with pytest.raises(AgentInputError, match="numbered 1 to 3"):
        regenerated(
            "animate_shots",
            state,
            Decision(action="regenerate", instruction="x", targets=["4"]),  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    ("instruction", "note"),
    [
        ("more depth", MotionNote(None, 1.0, parallax=1.0)),
        ("no depth, slow pan left", MotionNote("pan-left", CALMER_SCALE, parallax=0.0)),
        ("flat", MotionNote(None, 1.0, parallax=0.0)),
        ("push in with parallax", MotionNote("push-in", 1.0, parallax=1.0)),
        ("less depth", MotionNote(None, 1.0, parallax=0.0)),
    ],
)
def test_depth_is_read_apart_from_strength(instruction: str, note: MotionNote) -> None:
    assert parse_motion(instruction) == note
