"""Review gates: in interactive projects the graph pauses after each stage for the musician.

A gate raises LangGraph's ``interrupt`` with the stage's artifact and resumes with a decision:
``approve`` (go on), ``edit`` (structured changes, then the gate asks again) or ``regenerate``
(the stage runs again with an instruction, for the named targets only where it has targets).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import AgentInputError, EditConflict
from agent.graph import PRODUCES
from agent.motion_notes import parse_motion
from agent.schemas import Brief
from agent.shot_edits import apply_edits
from agent.state import RenderState
from agent.studio import Studio
from agent.timeline_edits import apply_edits as apply_timeline_edits

# Stage node → the state key it produces, for the stages that have a review gate (all but export).
GATED = {stage: key for stage, key in PRODUCES.items() if stage != "export_cut"}
EDITABLE = ("write_brief", "plan_shot_list", "assemble_timeline")
BRIEF_FIELDS = ("title", "logline", "mood", "palette", "style", "props")
# Editable stage → the state keys its edits are based on (what its version hashes), and its name.
VERSIONED = {
    "write_brief": ("brief",),
    "plan_shot_list": ("shots",),
    "assemble_timeline": ("timeline", "timeline_edits"),
}
NOUNS = {"write_brief": "brief", "plan_shot_list": "shot list", "assemble_timeline": "timeline"}
VERSION_DIGITS = 12


class Decision(BaseModel):
    """The musician's answer at a gate."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "edit", "regenerate"]
    instruction: str = ""
    targets: list[str] = Field(default_factory=list)  # reference names, frame or clip numbers
    edits: Any = None  # brief: {field: value}; shots: a list of shot edits


def gate_name(stage: str) -> str:
    return f"review_{stage}"


def parse_decision(stage: str, answer: Any) -> Decision:
    """Check a decision for ``stage`` before it is given to the graph."""
    try:
        decision = Decision.model_validate(answer)
    except ValidationError as exc:
        raise AgentInputError(f"not a review decision: {exc.errors()[0]['msg']}") from None
    if decision.action == "regenerate" and not " ".join(decision.instruction.split()):
        raise AgentInputError("regenerate needs an instruction saying what to change")
    if decision.action == "edit" and stage not in EDITABLE:
        raise AgentInputError(
            f"the {stage} stage takes approve or regenerate; edits apply to the brief, the"
            " shot list and the timeline"
        )
    return decision


def edited(stage: str, state: RenderState, edits: Any) -> dict[str, Any]:
    """The state update an edit decision makes (raises :class:`AgentInputError` when invalid)."""
    if stage == "write_brief":
        if not isinstance(edits, dict) or not edits:
            raise AgentInputError(
                f"brief edits are a JSON object of fields: {', '.join(BRIEF_FIELDS)}"
            )
        unknown = sorted(set(edits) - set(BRIEF_FIELDS))
        if unknown:
            raise AgentInputError(
                f"brief fields {', '.join(unknown)} cannot be edited; use {', '.join(BRIEF_FIELDS)}"
            )
        try:
            brief = Brief.model_validate({**state["brief"], **edits})
        except ValidationError as exc:
            raise AgentInputError(f"brief edit rejected: {exc.errors()[0]['msg']}") from None
        return {"brief": brief.model_dump()}
    if stage == "assemble_timeline":
        return timeline_update(state, edits)
    if not isinstance(edits, list) or not edits:
        raise AgentInputError(
            'shot-list edits are a JSON list like [{"op": "split", "shot": 3, "at": 12.5}]'
        )
    return {"shots": apply_edits(state["shots"], edits, state["track"]["duration"])}


def timeline_update(state: RenderState, edits: Any) -> dict[str, Any]:
    """The state update that adds ``edits`` to the project's timeline edits (checked by
    applying them to the current timeline; AgentInputError names one that cannot apply)."""
    from videogen import Timeline

    if not isinstance(edits, list) or not edits:
        raise AgentInputError(
            'timeline edits are a JSON list like [{"op": "reorder", "shot": 3, "index": 0}]'
        )
    beats = state["analysis"]["beats"]
    timeline = apply_timeline_edits(Timeline.model_validate(state["timeline"]), edits, beats)
    return {
        "timeline": timeline.model_dump(mode="json"),
        "timeline_edits": [*state.get("timeline_edits", []), *edits],
    }


def edit_version(stage: str, state: Mapping[str, Any]) -> str | None:
    """The version of the result that ``stage``'s edits change (``VERSIONED``: the brief, the
    shot list, the timeline), as every read shows it; None before the stage has its result.

    It is the first 12 hex digits of the SHA-256 of the canonical JSON (sorted keys) of those
    state keys; the timeline's covers the timeline and the edits kept for it. A hash of the
    checkpoint, not a counter kept beside it, so it changes whatever writes the timeline — an
    edit, a gate edit, the re-assembly after a refine or restore — with no writer having to
    bump it, and projects made before versions existed have one. Every accepted timeline edit
    changes it (the edit list grows); content that comes back byte for byte the same has the
    same version, and an edit made on it is no lost update.
    """
    keys = VERSIONED.get(stage)
    if keys is None:
        raise AgentInputError(
            f"the {stage} stage has no version to check; the {', the '.join(NOUNS.values())}"
            " have one"
        )
    if keys[0] not in state:
        return None
    parts = {key: state.get(key) for key in keys}
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:VERSION_DIGITS]


def timeline_version(state: Mapping[str, Any]) -> str | None:
    """The timeline's version (see :func:`edit_version`); None before it is assembled."""
    return edit_version("assemble_timeline", state)


def check_version(stage: str, state: Mapping[str, Any], expected: str | None) -> None:
    """EditConflict unless ``expected``, the version the musician's change was made on, is the
    current version of ``stage``'s result; None checks nothing (scripts, the CLI)."""
    if expected is None:
        return
    current = edit_version(stage, state)
    if expected != current:
        raise EditConflict(
            f"the {NOUNS[stage]} was changed in another tab or by someone else since you loaded"
            f" it (version {expected}, now {current}): reload to see the change, then make your"
            " edit again"
        )


def regenerated(stage: str, state: RenderState, decision: Decision) -> dict[str, Any]:
    """The state update that makes ``stage`` redo its (targeted) work with the instruction."""
    instruction = " ".join(decision.instruction.split())
    if stage == "draw_storyboard":
        count = len(state.get("shots", []))
        numbers = [int(t) for t in decision.targets if t.isdigit()]
        if not numbers or any(not 1 <= n <= count for n in numbers):
            raise AgentInputError(f"quote the frames to redraw, numbered 1 to {count}")
        notes = dict(state.get("refinements", {}))
        notes.update({str(n - 1): instruction for n in numbers})
        return {"refinements": notes}
    if stage == "animate_shots":
        count = len(state.get("clips", []))
        numbers = [int(t) for t in decision.targets if t.isdigit()]
        if not numbers or any(not 1 <= n <= count for n in numbers):
            raise AgentInputError(f"quote the clips to redo, numbered 1 to {count}")
        parse_motion(instruction)
        notes = dict(state.get("clip_notes", {}))
        notes.update({str(n - 1): instruction for n in numbers})
        return {"clip_notes": notes}
    if stage == "generate_references":
        names = [r["name"] for r in state.get("references", []) if r.get("kind") != "upload"]
        targets = decision.targets or names
        unknown = sorted(set(targets) - set(names))
        if unknown:
            raise AgentInputError(
                f"no reference named {', '.join(unknown)}; references: {', '.join(names)}"
            )
        notes = dict(state.get("reference_notes", {}))
        notes.update({name: instruction for name in targets})
        return {"reference_notes": notes}
    if stage == "write_brief":
        notes = dict(state.get("stage_notes", {}))
        notes[stage] = instruction
        return {"stage_notes": notes}
    raise AgentInputError(
        f"the {stage} stage cannot be regenerated with an instruction here; approve it, or go"
        " back by editing the shot list or quoting frames"
    )


def make_gate(stage: str, following: str) -> Callable[[RenderState, Runtime[Studio]], Command[str]]:
    """The gate node after ``stage``; ``following`` is where approval leads."""
    key = GATED[stage]

    def gate(state: RenderState, runtime: Runtime[Studio]) -> Command[str]:
        answer = interrupt({"stage": stage, "artifact": state.get(key)})
        decision = parse_decision(stage, answer)
        if decision.action == "approve":
            return Command(goto=following)
        if decision.action == "edit":
            update = edited(stage, state, decision.edits)
            _save_edit(runtime.context, state["project_id"], update)
            return Command(goto=gate_name(stage), update=update)
        return Command(goto=stage, update=regenerated(stage, state, decision))

    gate.__name__ = gate_name(stage)
    return gate


def _save_edit(studio: Studio, project_id: str, update: dict[str, Any]) -> None:
    """An edited brief or shot list becomes the artifact's next version."""
    from storage import save_artifact

    with studio.db.session() as session:
        if "brief" in update:
            save_artifact(session, project_id, "brief", data=update["brief"])
        if "shots" in update:
            save_artifact(session, project_id, "shots", data={"shots": update["shots"]})
        if "timeline" in update:
            save_artifact(session, project_id, "timeline", data=update["timeline"])
