"""Work on a rendered project: show it, refine quoted frames, restore versions, export.

Every change goes through the project's checkpointed graph: the state is updated as if the
stage before the change had just finished, and the graph runs on from there. Images and clips
are cached by their full request, so only what the change touched is redrawn or re-animated;
every other artifact keeps its bytes and hash.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langgraph.types import Command

from agent.errors import AgentInputError
from agent.graph import PRODUCES, STAGES, compiled_graph
from agent.motion_notes import parse_motion
from agent.nodes import write_export
from agent.render import check_output, check_references, open_checkpointer
from agent.review import (
    check_version,
    edited,
    gate_name,
    parse_decision,
    regenerated,
    timeline_update,
)
from agent.studio import Studio
from storage import (
    artifact_history,
    current_artifacts,
    get_project,
    restore_artifact,
    save_artifact,
    version_counts,
)

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

logger = logging.getLogger(__name__)

MAX_INSTRUCTION = 500
# Artifact kinds the user addresses one by one, numbered from 1 like the shots they belong to.
NUMBERED = ("frame", "clip")
QUOTABLE = ("frame", "shot", "clip")


@dataclass(frozen=True)
class Change:
    """What a refine or restore did: what it touched and the stats of the rerun."""

    project_id: str
    frames: list[int]  # 1-based numbers of the quoted frames, shots or clips
    output: Path | None
    made: dict[str, int]
    reused: dict[str, int]
    waiting_at: str | None = None  # a reviewed project pauses at the storyboard gate again
    kind: str = "frame"


@contextlib.contextmanager
def _graph(studio: Studio, project_id: str) -> Iterator[tuple[Any, RunnableConfig, dict[str, Any]]]:
    with studio.db.session() as session:
        if get_project(session, project_id) is None:
            raise AgentInputError(
                f"no project {project_id!r}; `storybeat render` prints the id of the project"
                " it made"
            )
    with open_checkpointer(studio.settings) as saver:
        config: RunnableConfig = {"configurable": {"thread_id": project_id}}
        review = bool(compiled_graph(False, saver).get_state(config).values.get("review"))
        graph = compiled_graph(review, saver)
        snapshot = graph.get_state(config)
        yield graph, config, dict(snapshot.values)


def show(studio: Studio, project_id: str, *, with_state: bool = False) -> dict[str, Any]:
    """Stages done and every current artifact with its version, version count and hash; with
    ``with_state`` also the agent's state as ``state`` (one checkpoint read for both)."""
    with _graph(studio, project_id) as (graph, config, values):
        pending = list(graph.get_state(config).next)
    with studio.db.session() as session:
        project = get_project(session, project_id)
        assert project is not None
        artifacts = []
        counts = version_counts(session, project_id)
        for artifact in current_artifacts(session, project_id):
            entry: dict[str, Any] = {
                "kind": artifact.kind,
                "key": artifact.key,
                "version": artifact.version,
                "versions": counts.get((artifact.kind, artifact.key), 1),
                "media": artifact.media,
                "sha256": _media_hash(artifact.media) or artifact.content_hash,
            }
            if artifact.kind in NUMBERED:
                entry["number"] = int(artifact.key) + 1
            if isinstance(artifact.data, dict) and artifact.data.get("instruction"):
                entry["instruction"] = artifact.data["instruction"]
            if isinstance(artifact.data, dict) and artifact.data.get("stand_in"):
                entry["stand_in"] = artifact.data["stand_in"]
            if artifact.kind in ("brief", "shots"):
                entry["data"] = artifact.data
            artifacts.append(entry)
        name = project.name
    stages = {name: _stage_done(name, values) for name, _ in STAGES}
    return {
        "project_id": project_id,
        "name": name,
        "stages": stages,
        "next": pending,
        "refinements": values.get("refinements", {}),
        "stand_ins": {  # clips the adapter could not make: shot number → why
            str(int(index) + 1): reason for index, reason in values.get("stand_ins", {}).items()
        },
        "export": values.get("export"),
        "artifacts": artifacts,
        **({"state": {**values, "next": pending}} if with_state else {}),
    }


def refine(
    studio: Studio,
    project_id: str,
    numbers: list[int],
    instruction: str,
    *,
    output: Path | None = None,
    kind: str = "frame",
) -> Change:
    """Redo the quoted frames, shots or clips (numbered from 1) with ``instruction``, as new
    versions, and redo only what depended on them; the cut is exported to ``output`` when
    one is given.

    A frame is redrawn (and its clip re-animated from it); a shot is redrawn and takes any
    camera move the instruction names; a clip is re-animated from its unchanged frame with
    the move or strength the instruction names.
    """
    if kind not in QUOTABLE:
        raise AgentInputError(f"quote {', '.join(QUOTABLE)}s; not {kind!r}")
    instruction = " ".join(instruction.split())
    if not instruction:
        raise AgentInputError(f"the instruction is empty; say what to change in the quoted {kind}s")
    if len(instruction) > MAX_INSTRUCTION:
        raise AgentInputError(
            f"the instruction is {len(instruction)} characters; at most {MAX_INSTRUCTION}"
        )
    if kind == "clip":
        parse_motion(instruction)  # refuse what the video adapter cannot follow, before work
    if output is not None:
        output = check_output(output)
    with _graph(studio, project_id) as (graph, config, values):
        shots = _storyboarded(values, project_id)
        if kind == "clip" and not values.get("clips"):
            raise AgentInputError(
                f"project {project_id!r} has no clips yet; approve the storyboard"
            )
        chosen = _check_frames(numbers, len(shots), kind)
        waiting = _waiting(graph, config)
        gate = gate_name("animate_shots" if kind == "clip" else "draw_storyboard")
        if waiting == gate and kind != "shot":
            answer = {
                "action": "regenerate",
                "instruction": instruction,
                "targets": [str(n) for n in chosen],
            }
            studio.output = output
            graph.invoke(Command(resume=answer), config, context=studio, durability="sync")
            return _change(studio, project_id, chosen, output, _waiting(graph, config), kind)
        if waiting is not None:
            raise AgentInputError(
                f"project {project_id!r} is waiting for review at {waiting}; approve it first"
            )
        if kind == "clip":
            notes = dict(values.get("clip_notes", {}))
            notes.update({str(n - 1): instruction for n in chosen})
            graph.update_state(config, {"clip_notes": notes}, as_node="draw_storyboard")
        else:
            update: dict[str, Any] = {
                "refinements": {
                    **values.get("refinements", {}),
                    **{str(n - 1): instruction for n in chosen},
                }
            }
            if kind == "shot":
                update["shots"] = _recamera(values["shots"], chosen, instruction)
                with studio.db.session() as session:
                    save_artifact(session, project_id, "shots", data={"shots": update["shots"]})
            graph.update_state(config, update, as_node="plan_shot_list")
        if values.get("review"):
            # a reviewed project now waits at the gate before the redone stage: pass it, redo,
            # and stop at the next gate so the musician sees the result
            studio.output = output
            graph.invoke(
                Command(resume={"action": "approve"}), config, context=studio, durability="sync"
            )
            return _change(studio, project_id, chosen, output, _waiting(graph, config), kind)
        return _run_on(studio, graph, config, project_id, chosen, output, kind)


def _recamera(shots: list[dict[str, Any]], numbers: list[int], instruction: str) -> list[Any]:
    """The shot list with the quoted shots' camera set to the move the instruction names."""
    try:
        camera = parse_motion(instruction).camera
    except AgentInputError:
        camera = None  # a shot instruction need not talk about the camera
    changed = [dict(shot) for shot in shots]
    if camera is not None:
        for number in numbers:
            changed[number - 1]["camera"] = camera
    return changed


def restore(
    studio: Studio, project_id: str, artifact: str, version: int, *, output: Path | None = None
) -> Change:
    """Make version ``version`` of ``artifact`` (``frame:N`` or ``clip:N``) current again and
    redo what depended on it; the restored frame or clip comes back with exactly its old bytes."""
    kind, number = _parse_artifact(artifact)
    if output is not None:
        output = check_output(output)
    state_key, notes_key, stage = {
        "frame": ("frames", "refinements", "draw_storyboard"),
        "clip": ("clips", "clip_notes", "animate_shots"),
    }[kind]
    with _graph(studio, project_id) as (graph, config, values):
        shots = _storyboarded(values, project_id)
        if not values.get(state_key):
            raise AgentInputError(f"project {project_id!r} has no {state_key} yet")
        (number,) = _check_frames([number], len(shots), kind)
        waiting = _waiting(graph, config)
        if waiting not in (None, gate_name(stage)):
            raise AgentInputError(
                f"project {project_id!r} is waiting for review at {waiting}; approve it first"
            )
        key = str(number - 1)
        with studio.db.session() as session:
            versions = [a.version for a in artifact_history(session, project_id, kind, key)]
            if version not in versions:
                raise AgentInputError(
                    f"{kind} {number} has versions {', '.join(map(str, versions))};"
                    f" no version {version}"
                )
            target = restore_artifact(session, project_id, kind, key, version)
            media = target.media
            instruction = (
                (target.data or {}).get("instruction") if isinstance(target.data, dict) else None
            )
        media_list = list(values[state_key])
        media_list[number - 1] = media
        notes = dict(values.get(notes_key, {}))
        notes.pop(key, None)
        if instruction:
            notes[key] = instruction
        graph.update_state(config, {state_key: media_list, notes_key: notes}, as_node=stage)
        return _run_on(studio, graph, config, project_id, [number], output, kind)


def export(studio: Studio, project_id: str, output: Path, *, preset: str | None = None) -> Path:
    """Write the project's current cut to ``output``: an MP4 (``preset`` picks the size, e.g.
    ``9:16-1080p``), or the same cut as an OpenTimelineIO edit when it ends in ``.otio``."""
    output = check_output(output, (".mp4", ".otio"))
    with _graph(studio, project_id) as (graph, config, values):
        if "timeline" not in values:
            raise AgentInputError(
                f"project {project_id!r} has no timeline yet; finish it with `storybeat render`"
            )
        waiting = _waiting(graph, config)
        if waiting is not None:
            raise AgentInputError(
                f"project {project_id!r} is waiting for review at {waiting}; approve it first"
            )
        record = write_export(studio, values, output, preset=preset)  # type: ignore[arg-type]
        graph.update_state(config, {"export": record}, as_node="export_cut")
    return output


def edit_timeline(
    studio: Studio,
    project_id: str,
    edits: Any,
    *,
    output: Path | None = None,
    expected_version: str | None = None,
) -> Change:
    """Apply timeline ``edits`` (see :mod:`agent.timeline_edits`): the timeline gets a new
    version and the edits are kept for later reassembly. A project waiting at the timeline
    gate takes them as that gate's edit decision; a finished one is reassembled and, when
    ``output`` is given, exported.

    ``expected_version`` is the timeline version (:func:`agent.review.timeline_version`) the
    edits were made on: when the timeline has changed since, nothing is applied and
    :class:`EditConflict` says so. It is checked on the same checkpoint read that applies the
    edits, so of two edits made on one version only the first applies. None checks nothing.
    """
    if output is not None:
        output = check_output(output)
    with _graph(studio, project_id) as (graph, config, values):
        if "timeline" not in values:
            raise AgentInputError(f"project {project_id!r} has no timeline yet")
        check_version("assemble_timeline", values, expected_version)
        waiting = _waiting(graph, config)
        if waiting == gate_name("assemble_timeline"):
            answer = {"action": "edit", "edits": edits}
            waiting_next = _answer(studio, graph, config, values, waiting, answer)
            return _change(studio, project_id, [], None, waiting_next, "timeline")
        if waiting is not None:
            raise AgentInputError(
                f"project {project_id!r} is waiting for review at {waiting}; approve it first"
            )
        update = timeline_update(values, edits)  # type: ignore[arg-type]
        graph.update_state(
            config, {"timeline_edits": update["timeline_edits"]}, as_node="animate_shots"
        )
        if not values.get("review"):
            return _run_on(studio, graph, config, project_id, [], output, "timeline")
        # pass the (unchanged) clips' gate; stop at the timeline's with the new timeline
        studio.output = output
        graph.invoke(
            Command(resume={"action": "approve"}), config, context=studio, durability="sync"
        )
        return _change(studio, project_id, [], output, _waiting(graph, config), "timeline")


def decide(
    studio: Studio,
    project_id: str,
    answer: dict[str, Any],
    *,
    expected_version: str | None = None,
) -> str | None:
    """Answer the review gate the project waits at; returns the gate it waits at next (None
    when the project has run to the end). ``expected_version`` is the version of the brief,
    shot list or timeline the answer was made on (:func:`agent.review.edit_version`); when it
    has changed since, nothing is done and :class:`EditConflict` says so."""
    with _graph(studio, project_id) as (graph, config, values):
        waiting = _waiting(graph, config)
        if waiting is None or not waiting.startswith("review_"):
            raise AgentInputError(f"project {project_id!r} is not waiting for a review")
        if expected_version is not None:
            check_version(waiting.removeprefix("review_"), values, expected_version)
        return _answer(studio, graph, config, values, waiting, answer)


def _answer(
    studio: Studio,
    graph: Any,
    config: RunnableConfig,
    values: dict[str, Any],
    waiting: str,
    answer: dict[str, Any],
) -> str | None:
    """Resume the gate ``waiting`` with ``answer``; the gate it waits at next."""
    stage = waiting.removeprefix("review_")
    decision = parse_decision(stage, answer)
    # Check the decision against the state now: a gate that failed on resume would keep the
    # bad answer in its checkpoint, so only decisions known to apply are handed to it.
    if decision.action == "edit":
        edited(stage, values, decision.edits)  # type: ignore[arg-type]
    elif decision.action == "regenerate":
        regenerated(stage, values, decision)  # type: ignore[arg-type]
    graph.invoke(Command(resume=answer), config, context=studio, durability="sync")
    return _waiting(graph, config)


def use_own_reference(studio: Studio, project_id: str, name: str, image: Path) -> str | None:
    """Replace reference ``name`` (a character sheet or a location plate) with the musician's
    own ``image`` while the project waits at the references review: every storyboard frame
    that names it then carries this image. The generated one stays as an earlier version.
    Returns the gate the project waits at (the references review, again)."""
    check_references([image])
    with _graph(studio, project_id) as (graph, config, values):
        waiting = _waiting(graph, config)
        if waiting != gate_name("generate_references"):
            raise AgentInputError(
                "your own reference images replace generated ones at the references review;"
                f" project {project_id!r} is {f'at {waiting}' if waiting else 'finished'}"
            )
        references = [dict(r) for r in values.get("references", [])]
        generated = [r["name"] for r in references if r.get("kind") != "upload"]
        if name not in generated:
            raise AgentInputError(
                f"no reference {name!r} to replace; this project has {', '.join(generated)}"
            )
        media = studio.media.put_file(image)
        for reference in references:
            if reference["name"] == name:
                reference.update(media=media, prompt="")
                data = {**reference, "instruction": "the musician's own image"}
        with studio.db.session() as session:
            save_artifact(session, project_id, "reference", name, data=data, media=media)
        graph.update_state(config, {"references": references}, as_node="generate_references")
        graph.invoke(None, config, context=studio, durability="sync")
        return _waiting(graph, config)


def resume(studio: Studio, project_id: str) -> str | None:
    """Go on from the last checkpoint of a run that stopped (a crash, a server restart); the
    finished steps are kept. Returns the gate the project waits at next (None: done)."""
    with _graph(studio, project_id) as (graph, config, _values):
        waiting = _waiting(graph, config)
        if waiting is None:
            raise AgentInputError(f"project {project_id!r} has finished: nothing to resume")
        if waiting.startswith("review_"):
            raise AgentInputError(
                f"project {project_id!r} is waiting for review at {waiting}: approve or change it"
            )
        graph.invoke(None, config, context=studio, durability="sync")
        return _waiting(graph, config)


def state(studio: Studio, project_id: str) -> dict[str, Any]:
    """The project's agent state as its last checkpoint holds it (analysis, brief, shots,
    frames, clips, timeline, …) and ``next``, the step it runs or waits at next."""
    with _graph(studio, project_id) as (graph, config, values):
        return {**values, "next": list(graph.get_state(config).next)}


def _waiting(graph: Any, config: RunnableConfig) -> str | None:
    pending = graph.get_state(config).next
    return pending[0] if pending else None


def _run_on(
    studio: Studio,
    graph: Any,
    config: RunnableConfig,
    project_id: str,
    frames: list[int],
    output: Path | None,
    kind: str = "frame",
) -> Change:
    studio.output = output
    graph.invoke(None, config, context=studio, durability="sync")
    return _change(studio, project_id, frames, output, _waiting(graph, config), kind)


def _change(
    studio: Studio,
    project_id: str,
    frames: list[int],
    output: Path | None,
    waiting: str | None = None,
    kind: str = "frame",
) -> Change:
    """What was done; a project that paused for review has not been exported."""
    return Change(
        kind=kind,
        waiting_at=waiting,
        project_id=project_id,
        frames=frames,
        output=None if waiting else output,
        made={stage: s.made for stage, s in studio.stats.items()},
        reused={stage: s.reused for stage, s in studio.stats.items()},
    )


def _storyboarded(values: dict[str, Any], project_id: str) -> list[Any]:
    if not values.get("frames") or not values.get("shots"):
        raise AgentInputError(
            f"project {project_id!r} has no storyboard yet; finish it with `storybeat render`"
        )
    return list(values["shots"])


def _check_frames(frames: list[int], count: int, kind: str = "frame") -> list[int]:
    if not frames:
        raise AgentInputError(f"quote at least one {kind}, e.g. --{kind}s 3,7")
    missing = sorted({n for n in frames if not 1 <= n <= count})
    if missing:
        raise AgentInputError(
            f"{kind} {', '.join(map(str, missing))} does not exist; this project has {kind}s"
            f" 1 to {count}"
        )
    return sorted(set(frames))


def _parse_artifact(text: str) -> tuple[str, int]:
    kind, _, number = text.replace(" ", ":").partition(":")
    if kind not in NUMBERED or not number.isdigit():
        raise AgentInputError(
            f"artifact {text!r} is not one to restore; name a frame or clip like frame:3 or clip:3"
        )
    return kind, int(number)


def _stage_done(name: str, values: dict[str, Any]) -> bool:
    return PRODUCES[name] in values


def _media_hash(media: str | None) -> str | None:
    """Media refs are named by their content's sha256."""
    return media.split(".", 1)[0] if media else None
