"""Structured edits of the shot list: split, merge, retime, reprompt, remove.

Shots tile the song: each starts where the previous ends, the first at 0 and the last at the
song's end. Every edit keeps that true or is refused; indices are renumbered afterwards.
"""

from __future__ import annotations

import itertools
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.errors import AgentInputError
from agent.schemas import Shot

MIN_SHOT = 0.25  # seconds; shorter shots cannot carry a picture


class ShotEdit(BaseModel):
    """One edit; ``shot`` counts from 1 like the storyboard's labels."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["split", "merge", "retime", "reprompt", "remove"]
    shot: int
    at: float | None = None  # split: where the second part starts
    end: float | None = None  # retime: the shot's new end (the next shot starts there)
    prompt: str | None = None  # reprompt


def apply_edits(
    shots: list[dict[str, Any]], edits: list[Any], duration: float
) -> list[dict[str, Any]]:
    """The shot list after ``edits`` in order; :class:`AgentInputError` names the first bad one."""
    current = [Shot.model_validate(s) for s in shots]
    for number, raw in enumerate(edits, 1):
        try:
            edit = ShotEdit.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            raise AgentInputError(f"edit {number} is malformed: {problems}") from None
        if not 1 <= edit.shot <= len(current):
            raise AgentInputError(
                f"edit {number}: shot {edit.shot} does not exist;"
                f" the list has shots 1 to {len(current)}"
            )
        current = _apply(current, edit, number)
        _check_tiling(current, duration, number)
    return [s.model_copy(update={"index": i}).model_dump() for i, s in enumerate(current)]


def _apply(shots: list[Shot], edit: ShotEdit, number: int) -> list[Shot]:
    i = edit.shot - 1
    shot = shots[i]
    if edit.op == "split":
        if edit.at is None or not shot.start + MIN_SHOT <= edit.at <= shot.end - MIN_SHOT:
            raise AgentInputError(
                f"edit {number}: split shot {edit.shot} needs 'at' inside it"
                f" ({shot.start + MIN_SHOT:.2f} to {shot.end - MIN_SHOT:.2f} s)"
            )
        first = shot.model_copy(update={"end": edit.at})
        second = shot.model_copy(update={"start": edit.at, "seed": shot.seed + 7919})
        return [*shots[:i], first, second, *shots[i + 1 :]]
    if edit.op == "merge":
        if i + 1 >= len(shots):
            raise AgentInputError(f"edit {number}: shot {edit.shot} is the last; nothing to merge")
        merged = shot.model_copy(update={"end": shots[i + 1].end})
        return [*shots[:i], merged, *shots[i + 2 :]]
    if edit.op == "remove":
        if len(shots) == 1:
            raise AgentInputError(f"edit {number}: the only shot cannot be removed")
        if i == 0:  # the next shot takes over from the song's start
            return [shots[1].model_copy(update={"start": shot.start}), *shots[2:]]
        previous = shots[i - 1].model_copy(update={"end": shot.end})
        return [*shots[: i - 1], previous, *shots[i + 1 :]]
    if edit.op == "retime":
        if edit.end is None:
            raise AgentInputError(f"edit {number}: retime needs the shot's new 'end' in seconds")
        if i + 1 >= len(shots):
            raise AgentInputError(
                f"edit {number}: the last shot ends with the song; retime the shot before it"
            )
        following = shots[i + 1]
        if not shot.start + MIN_SHOT <= edit.end <= following.end - MIN_SHOT:
            raise AgentInputError(
                f"edit {number}: shot {edit.shot} can end between {shot.start + MIN_SHOT:.2f} and"
                f" {following.end - MIN_SHOT:.2f} s (the next shot must keep {MIN_SHOT} s)"
            )
        return [
            *shots[:i],
            shot.model_copy(update={"end": edit.end}),
            following.model_copy(update={"start": edit.end}),
            *shots[i + 2 :],
        ]
    prompt = " ".join((edit.prompt or "").split())
    if not prompt:
        raise AgentInputError(f"edit {number}: reprompt needs a non-empty 'prompt'")
    return [*shots[:i], shot.model_copy(update={"prompt": prompt}), *shots[i + 1 :]]


def _check_tiling(shots: list[Shot], duration: float, number: int) -> None:
    if abs(shots[0].start) > 1e-6 or abs(shots[-1].end - duration) > 1e-3:
        raise AgentInputError(f"edit {number} leaves the song's start or end without a shot")
    for a, b in itertools.pairwise(shots):
        if abs(a.end - b.start) > 1e-6:
            kind = "a gap" if b.start > a.end else "an overlap"
            raise AgentInputError(
                f"edit {number} leaves {kind} between {a.end:.2f} and {b.start:.2f} s"
            )
