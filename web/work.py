"""What the studio's jobs do: each is one call into the agent, nothing re-implemented here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent import project as agent_project
from agent.render import render
from agent.schemas import RenderOptions
from agent.studio import Studio
from web.adapters import OPTION
from web.jobs import Work

EXPORT_KINDS = (".mp4", ".otio")


def new_project(
    track: Path, options: RenderOptions, *, owner_id: int, slot: str, adapter: str | None = None
) -> Work:
    """Analyse the track and run to the first review gate; the project keeps its adapter."""

    def work(studio: Studio) -> dict[str, Any]:
        result = render(
            track, options, studio=studio, output=None, review=True, owner_id=owner_id, slot=slot
        )
        if adapter is not None:
            set_adapter(studio, result.project_id, adapter)
        return {"project_id": result.project_id, "waiting_at": result.waiting_at}

    return work


def set_adapter(studio: Studio, project_id: str, adapter: str) -> None:
    """Keep ``adapter`` as the video adapter of the project's later jobs."""
    from storage import Project

    with studio.db.session() as session:
        project = session.get(Project, project_id)
        if project is not None:
            project.options = {**project.options, OPTION: adapter}


def decide(project_id: str, answer: dict[str, Any], version: str | None = None) -> Work:
    """Answer the gate the project waits at (approve, regenerate, edit) and run to the next;
    with ``version``, only if what the gate shows is still at that version."""

    def work(studio: Studio) -> dict[str, Any]:
        waiting = agent_project.decide(studio, project_id, answer, expected_version=version)
        return {"waiting_at": waiting}

    return work


def use_own_reference(project_id: str, name: str, image: Path) -> Work:
    def work(studio: Studio) -> dict[str, Any]:
        return {"waiting_at": agent_project.use_own_reference(studio, project_id, name, image)}

    return work


def resume(project_id: str) -> Work:
    def work(studio: Studio) -> dict[str, Any]:
        return {"waiting_at": agent_project.resume(studio, project_id)}

    return work


def refine(project_id: str, kind: str, numbers: list[int], instruction: str) -> Work:
    """Redo the quoted frames, shots or clips with the instruction; the rest is kept."""

    def work(studio: Studio) -> dict[str, Any]:
        change = agent_project.refine(studio, project_id, numbers, instruction, kind=kind)
        return {"waiting_at": change.waiting_at, "made": change.made, "reused": change.reused}

    return work


def restore(project_id: str, artifact: str, version: int) -> Work:
    def work(studio: Studio) -> dict[str, Any]:
        change = agent_project.restore(studio, project_id, artifact, version)
        return {"waiting_at": change.waiting_at}

    return work


def edit_timeline(project_id: str, edits: list[dict[str, Any]], version: str | None = None) -> Work:
    """Apply the edits; with ``version``, only if the timeline is still at that version (the
    check the request made is made again here: another job may have run in between)."""

    def work(studio: Studio) -> dict[str, Any]:
        change = agent_project.edit_timeline(studio, project_id, edits, expected_version=version)
        return {"waiting_at": change.waiting_at}

    return work


def export(project_id: str, output: Path, preset: str | None) -> Work:
    """Write the cut (MP4, or the .otio edit) into the studio's exports folder."""

    def work(studio: Studio) -> dict[str, Any]:
        output.parent.mkdir(parents=True, exist_ok=True)
        written = agent_project.export(studio, project_id, output, preset=preset)
        return {"file": written.name, "bytes": written.stat().st_size, "preset": preset}

    return work
