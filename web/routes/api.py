"""The JSON API under /api: everything the pages do (documented at /docs)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Header, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, Field, field_validator

from agent import project as agent_project
from agent.review import timeline_version
from agent.studio import Studio
from storage import Job
from videogen.presets import get_preset
from web import actions
from web.actions import check_owner
from web.adapters import AdapterChoice, choices
from web.deps import JobsDep, StudioDep, WebDep
from web.errors import NotFoundError, WebInputError
from web.projects import JobPublic, ProjectPublic, history, owned, owned_job, projects_of, view
from web.projects import waveform as track_waveform
from web.security import CurrentUser

router = APIRouter(prefix="/api", tags=["studio"])
POLL = 0.4  # seconds between looks at a job row while streaming its events
KEEP_ALIVE = 15.0  # seconds of silence before a comment line
VERSION_HELP = (
    "the version of what you edit, as the project read showed it (timeline_version,"
    " shots_version, brief_version); when it has changed since, the answer is 409 and nothing"
    " is done. Leave it out to edit whatever is current"
)
IfMatch = Annotated[
    str | None, Header(description="the timeline version, as an ETag; instead of version")
]


class Started(BaseModel):
    job: JobPublic


class DecisionIn(BaseModel):
    action: Literal["approve", "edit", "regenerate"]
    instruction: str = Field(default="", max_length=500)
    targets: list[str] = Field(default_factory=list)
    edits: Any = None
    version: str | None = Field(default=None, max_length=64, description=VERSION_HELP)


class QuoteIn(BaseModel):
    kind: Literal["frame", "shot", "clip"]
    numbers: list[int] = Field(min_length=1)
    instruction: str = Field(min_length=1, max_length=500)


class RestoreIn(BaseModel):
    artifact: str = Field(pattern=r"^(frame|clip):\d{1,9}$", description="frame:N or clip:N")
    version: int = Field(ge=1, lt=2**31)  # what the database's INTEGER column holds


class TimelineIn(BaseModel):
    edits: list[dict[str, Any]] = Field(min_length=1)
    version: str | None = Field(default=None, max_length=64, description=VERSION_HELP)


class ExportIn(BaseModel):
    format: Literal["mp4", "otio"] = "mp4"
    preset: str | None = Field(default=None, description="e.g. 16:9-1080p, 9:16-720p, 1:1-4k")

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, preset: str | None) -> str | None:
        if preset:
            get_preset(preset)  # a ValueError listing the known presets: 422, before the job
        return preset


def _started(studio: Studio, job_id: int) -> Started:
    with studio.db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None  # just queued
        return Started(job=JobPublic.of(job))


@router.get("/projects", response_model=list[ProjectPublic])
def list_projects(user: CurrentUser, studio: StudioDep) -> list[ProjectPublic]:
    with studio.db.session() as session:
        return projects_of(session, user.id)


@router.post("/projects", status_code=202, response_model=Started)
def create_project(
    user: CurrentUser,
    studio: StudioDep,
    jobs: JobsDep,
    web: WebDep,
    track: Annotated[UploadFile, File(description="the song: wav, mp3, flac, ogg, m4a, …")],
    brief: Annotated[str, Form(max_length=4000)] = "",
    template: Annotated[str, Form()] = "story",
    aspect: Annotated[str | None, Form()] = None,
    resolution: Annotated[str, Form()] = "720p",
    references: Annotated[list[UploadFile] | None, File()] = None,
    lyrics: Annotated[UploadFile | None, File()] = None,
    video_adapter: Annotated[str, Form(description="see GET /api/adapters")] = "",
) -> Started:
    """Upload a track (streamed to disk) and start the project; it runs to the brief review."""
    fields = {"brief": brief, "template": template, "aspect": aspect, "resolution": resolution,
              "video_adapter": video_adapter}  # fmt: skip
    job_id = actions.start_project(
        studio, jobs, web, user.id, track=track, fields=fields, references=references or [],
        lyrics=lyrics,
    )  # fmt: skip
    return _started(studio, job_id)


@router.get("/adapters", response_model=list[AdapterChoice])
def list_adapters(user: CurrentUser, studio: StudioDep) -> list[AdapterChoice]:
    """The video adapters, and whether a project here can animate with each (and why not)."""
    return choices(studio)


class AdapterIn(BaseModel):
    video_adapter: str


@router.post("/projects/{project_id}/adapter")
def choose_adapter(
    project_id: str, body: AdapterIn, user: CurrentUser, studio: StudioDep
) -> dict[str, str]:
    """Animate the project's next clips with this adapter; quote clips to redo them with it."""
    chosen = actions.choose_adapter(studio, user.id, project_id, body.video_adapter)
    return {"video_adapter": chosen}


@router.get("/projects/{project_id}")
def get_project(project_id: str, user: CurrentUser, studio: StudioDep) -> dict[str, Any]:
    """Stages, the gate it waits at, every current artifact, the brief, shots and timeline,
    and the versions edits send back (``timeline_version``, ``shots_version``,
    ``brief_version``)."""
    check_owner(studio, project_id, user.id)
    shown = view(studio, project_id)
    values = shown.pop("values")
    shown.pop("by_kind")
    keep = ("brief", "shots", "timeline", "timeline_edits", "references", "uploads", "options")
    return {**shown, **{k: values.get(k) for k in keep}}


@router.get("/projects/{project_id}/analysis")
def get_analysis(project_id: str, user: CurrentUser, studio: StudioDep) -> dict[str, Any]:
    """Beats, downbeats, sections, energy and a 600-column waveform of the song."""
    check_owner(studio, project_id, user.id)
    values = agent_project.state(studio, project_id)
    master = (values.get("track") or {}).get("master")
    peaks = track_waveform(studio.media.path(master)) if master else []
    return {"analysis": values.get("analysis"), "waveform": peaks}


@router.get("/projects/{project_id}/history/{kind}/{key}")
def get_history(
    project_id: str, kind: str, key: str, user: CurrentUser, studio: StudioDep
) -> list[dict[str, Any]]:
    """Every version of one artifact (frame/clip keys count from 0), oldest first."""
    with studio.db.session() as session:
        owned(session, project_id, user.id)
        return history(session, project_id, kind, key)


@router.post("/projects/{project_id}/decision", status_code=202, response_model=Started)
def decide(
    project_id: str,
    body: DecisionIn,
    user: CurrentUser,
    studio: StudioDep,
    jobs: JobsDep,
) -> Started:
    """Answer the review gate: approve, regenerate (instruction, targets) or edit."""
    answer = body.model_dump(exclude_none=True)
    version = answer.pop("version", None)
    job_id = actions.answer_gate(studio, jobs, user.id, project_id, answer, version)
    return _started(studio, job_id)


@router.post("/projects/{project_id}/references", status_code=202, response_model=Started)
def use_own_reference(
    project_id: str,
    user: CurrentUser,
    studio: StudioDep,
    jobs: JobsDep,
    name: Annotated[str, Form(description="the character or location reference to replace")],
    image: Annotated[UploadFile, File(description="png, jpg or webp, at most 20 MB")],
) -> Started:
    """At the references review: replace a generated reference with your own image."""
    job_id = actions.use_own_reference(studio, jobs, user.id, project_id, name, image)
    return _started(studio, job_id)


@router.post("/projects/{project_id}/quote", status_code=202, response_model=Started)
def quote(
    project_id: str, body: QuoteIn, user: CurrentUser, jobs: JobsDep, studio: StudioDep
) -> Started:
    """Quote frames, shots or clips with an instruction: only those are redone."""
    job_id = actions.quote(
        studio, jobs, user.id, project_id, kind=body.kind, numbers=body.numbers,
        instruction=body.instruction,
    )  # fmt: skip
    return _started(studio, job_id)


@router.post("/projects/{project_id}/restore", status_code=202, response_model=Started)
def restore(
    project_id: str, body: RestoreIn, user: CurrentUser, jobs: JobsDep, studio: StudioDep
) -> Started:
    job_id = actions.restore(studio, jobs, user.id, project_id, body.artifact, body.version)
    return _started(studio, job_id)


@router.get("/projects/{project_id}/timeline")
def get_timeline(
    project_id: str, user: CurrentUser, studio: StudioDep, response: Response
) -> dict[str, Any]:
    """The timeline, the edits kept for it and its version (also the ``ETag``, for
    ``If-Match``)."""
    check_owner(studio, project_id, user.id)
    values = agent_project.state(studio, project_id)
    version = timeline_version(values)
    if version is not None:
        response.headers["ETag"] = f'"{version}"'
    return {
        "timeline": values.get("timeline"),
        "timeline_edits": values.get("timeline_edits", []),
        "version": version,
    }


@router.post("/projects/{project_id}/timeline", status_code=202, response_model=Started)
def edit_timeline(
    project_id: str,
    body: TimelineIn,
    user: CurrentUser,
    jobs: JobsDep,
    studio: StudioDep,
    if_match: IfMatch = None,
) -> Started:
    """Reorder, move, trim (snapped to the beat) or set transitions. Send the timeline version
    the edits were made on (``version``, or the ``If-Match`` header): when someone changed the
    timeline since, the answer is 409 and nothing is queued — reload and edit again."""
    version = actions.clean_version(body.version)
    header = actions.clean_version(if_match)
    if version is not None and header is not None and version != header:
        raise WebInputError(f"version {version!r} and If-Match {header!r} disagree: send one")
    job_id = actions.edit_timeline(studio, jobs, user.id, project_id, body.edits, version or header)
    return _started(studio, job_id)


@router.post("/projects/{project_id}/export", status_code=202, response_model=Started)
def export(
    project_id: str,
    body: ExportIn,
    user: CurrentUser,
    studio: StudioDep,
    jobs: JobsDep,
) -> Started:
    job_id = actions.export(studio, jobs, user.id, project_id, preset=body.preset, kind=body.format)
    return _started(studio, job_id)


@router.post("/projects/{project_id}/resume", status_code=202, response_model=Started)
def resume(project_id: str, user: CurrentUser, jobs: JobsDep, studio: StudioDep) -> Started:
    """Go on after a server restart stopped the project mid-stage."""
    return _started(studio, actions.resume(studio, jobs, user.id, project_id))


@router.get("/projects/{project_id}/exports/{job_id}")
def download(project_id: str, job_id: int, user: CurrentUser, studio: StudioDep) -> FileResponse:
    """The file an export job wrote."""
    with studio.db.session() as session:
        owned(session, project_id, user.id)
        job = JobPublic.of(owned_job(session, job_id, user.id))
    name = job.result.get("file") if isinstance(job.result, dict) else None
    if job.project_id != project_id or job.kind != "export" or not name:
        raise NotFoundError(f"no export {job_id} in this project")
    path = actions.exports_dir(studio, project_id) / name
    if not path.is_file():
        raise NotFoundError(f"export {job_id} is no longer on disk: export again")
    media = "video/mp4" if path.suffix == ".mp4" else "application/octet-stream"
    return FileResponse(path, media_type=media, filename=path.name)


@router.get("/jobs/{job_id}", response_model=JobPublic)
def get_job(job_id: int, user: CurrentUser, studio: StudioDep) -> JobPublic:
    with studio.db.session() as session:
        return JobPublic.of(owned_job(session, job_id, user.id))


@router.post("/jobs/{job_id}/cancel", status_code=202)
def cancel_job(job_id: int, user: CurrentUser, jobs: JobsDep, studio: StudioDep) -> dict[str, str]:
    actions.cancel(studio, jobs, user.id, job_id)
    return {"status": "cancelling"}


@router.get("/jobs/{job_id}/events")
async def job_events(job_id: int, user: CurrentUser, studio: StudioDep) -> StreamingResponse:
    """Server-sent events: the job's row each time it changes, until it ends; a comment every
    :data:`KEEP_ALIVE` seconds keeps proxies from closing a quiet stream (a queued job)."""

    def check() -> None:
        with studio.db.session() as session:
            owned_job(session, job_id, user.id)

    def read() -> JobPublic | None:
        with studio.db.session() as session:
            row = session.get(Job, job_id)
            return None if row is None else JobPublic.of(row)

    await run_in_threadpool(check)  # database reads stay off the event loop

    async def stream() -> AsyncIterator[str]:
        last, quiet_since = None, time.monotonic()
        while True:
            job = await run_in_threadpool(read)
            if job is None:  # removed with its owner's account
                return
            data = job.model_dump_json()
            if data != last:
                last, quiet_since = data, time.monotonic()
                yield f"event: job\ndata: {data}\n\n"
            elif time.monotonic() - quiet_since >= KEEP_ALIVE:
                quiet_since = time.monotonic()
                yield ": still here\n\n"
            if job.state not in ("queued", "running"):
                yield f"event: end\ndata: {json.dumps(job.state)}\n\n"
                return
            await asyncio.sleep(POLL)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
