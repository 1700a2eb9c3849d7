"""Projects as the studio shows them: ownership, the view of each stage, the media they use."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from agent import project as agent_project
from agent.review import edit_version
from agent.studio import Studio
from storage import Artifact, Job, Project, artifact_history, get_track
from web.errors import NotFoundError

STAGE_PAGES = ("analysis", "brief", "references", "shots", "storyboard", "video", "timeline",
               "export")  # fmt: skip
# The review gate a project waits at → the page that reviews it.
GATES = {
    "review_write_brief": "brief",
    "review_generate_references": "references",
    "review_plan_shot_list": "shots",
    "review_draw_storyboard": "storyboard",
    "review_animate_shots": "video",
    "review_assemble_timeline": "timeline",
}

# Stages whose result the musician edits → the page (and version field) named after it.
VERSIONED_PAGES = {"write_brief": "brief", "plan_shot_list": "shots",
                   "assemble_timeline": "timeline"}  # fmt: skip


class ProjectPublic(BaseModel):
    id: str
    name: str
    created_at: str
    options: dict[str, Any]


class JobPublic(BaseModel):
    id: int
    project_id: str | None
    kind: str
    state: str
    stage: str | None
    progress: float
    message: str | None
    error: str | None
    result: Any

    @classmethod
    def of(cls, job: Job) -> JobPublic:
        return cls(
            id=job.id,
            project_id=job.project_id,
            kind=job.kind,
            state=job.state,
            stage=job.stage,
            progress=round(job.progress, 4),
            message=job.message,
            error=job.error,
            result=job.result,
        )


def owned(session: Session, project_id: str, user_id: int) -> Project:
    """The user's project; NotFoundError for a missing one and for another user's alike."""
    project = session.get(Project, project_id) if len(project_id) <= 64 else None
    if project is None or project.owner_id != user_id:
        raise NotFoundError(f"no project {project_id!r}")
    return project


def owned_job(session: Session, job_id: int, user_id: int) -> Job:
    """The user's job; NotFoundError for a missing one (any id a database row cannot have,
    too) and for another user's alike."""
    job = session.get(Job, job_id) if 0 < job_id < 2**63 else None
    if job is None or job.owner_id != user_id:
        raise NotFoundError(f"no job {job_id}")
    return job


def projects_of(session: Session, user_id: int) -> list[ProjectPublic]:
    """The user's projects, newest first."""
    rows = session.scalars(
        select(Project).where(Project.owner_id == user_id).order_by(Project.created_at.desc())
    )
    return [
        ProjectPublic(id=p.id, name=p.name, created_at=p.created_at.isoformat(), options=p.options)
        for p in rows
    ]


def active_job(session: Session, project_id: str) -> Job | None:
    """The project's queued or running job, else its latest one."""
    jobs = session.scalars(
        select(Job).where(Job.project_id == project_id).order_by(Job.id.desc()).limit(5)
    ).all()
    running = [j for j in jobs if j.state in ("queued", "running")]
    return running[0] if running else (jobs[0] if jobs else None)


def media_allowed(session: Session, project_id: str, ref: str) -> bool:
    """Whether ``ref`` is media of the project: its track or any version of an artifact."""
    track = get_track(session, project_id)
    if track is not None and track.media == ref:
        return True
    found = session.scalars(
        select(Artifact.id).where(Artifact.project_id == project_id, Artifact.media == ref)
    ).first()
    return found is not None


def state_media(values: dict[str, Any]) -> set[str]:
    """Media the agent's state names outside artifact rows: the master and the uploads."""
    refs = {u.get("media") for u in values.get("uploads", [])}
    refs.add((values.get("track") or {}).get("master"))
    return {r for r in refs if isinstance(r, str)}


def view(studio: Studio, project_id: str) -> dict[str, Any]:
    """Everything the project pages show: the agent's state, the artifacts, the gate the
    project waits at (as a page name) and the versions edits of the brief, shot list and
    timeline send back (:func:`agent.review.edit_version`; None before each exists)."""
    shown = agent_project.show(studio, project_id, with_state=True)
    values = shown.pop("state")
    waiting = shown["next"][0] if shown["next"] else None
    artifacts: dict[str, list[dict[str, Any]]] = {}
    for artifact in shown["artifacts"]:
        artifacts.setdefault(artifact["kind"], []).append(artifact)
    done = {
        GATES[f"review_{node}"]: ok for node, ok in shown["stages"].items() if node != "export_cut"
    }
    done["analysis"] = "analysis" in values
    done["export"] = bool(shown.get("export"))
    return {
        **shown,
        "done": done,  # page name → whether that stage has its result
        "values": values,
        "waiting": waiting,
        "gate": GATES.get(waiting or ""),
        "interrupted": waiting is not None and not waiting.startswith("review_"),
        "by_kind": artifacts,
        **{
            f"{page}_version": edit_version(stage, values)
            for stage, page in VERSIONED_PAGES.items()
        },
    }


def history(session: Session, project_id: str, kind: str, key: str) -> list[dict[str, Any]]:
    """Every version of one artifact, oldest first: number, media, instruction, current."""
    return [
        {
            "version": a.version,
            "media": a.media,
            "current": a.is_current,
            "instruction": a.data.get("instruction") if isinstance(a.data, dict) else None,
            "created_at": a.created_at.isoformat(),
        }
        for a in artifact_history(session, project_id, kind, key)
    ]


def waveform(path: Path, columns: int = 600) -> list[float]:
    """Peak amplitude (0…1) of the track in ``columns`` equal slices, for drawing."""
    return list(_peaks(str(path), path.stat().st_mtime_ns, columns))


@lru_cache(maxsize=32)
def _peaks(path: str, _mtime: int, columns: int) -> tuple[float, ...]:
    import numpy as np
    import soundfile as sf

    data, _ = sf.read(path, dtype="float32", always_2d=True)
    mono = np.abs(data).max(axis=1)
    if mono.size == 0:
        return ()
    columns = min(columns, mono.size)
    edges = np.linspace(0, mono.size, columns + 1).astype(int)
    peaks = np.maximum.reduceat(mono, edges[:-1])
    top = float(peaks.max()) or 1.0
    return tuple(round(float(p) / top, 4) for p in peaks)
