"""The studio's HTML pages: projects, new project, job progress and one page per stage.

Forms post to the routes below and are redirected (303) to the job's progress page or back to
the stage; every route answers the same thing for another user's project as for a missing
one (404).
"""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from agent.errors import EditConflict
from agent.schemas import Aspect, Resolution, Template
from videogen.presets import PRESETS
from web import actions
from web.actions import check_owner
from web.adapters import choices, project_adapter
from web.deps import JobsDep, StudioDep, TemplatesDep, WebDep
from web.errors import NotFoundError
from web.projects import (
    STAGE_PAGES,
    JobPublic,
    active_job,
    history,
    owned,
    owned_job,
    projects_of,
    view,
)
from web.projects import waveform as track_waveform
from web.security import CurrentUser

router = APIRouter(include_in_schema=False)
TEMPLATES, ASPECTS, RESOLUTIONS = (get_args(t) for t in (Template, Aspect, Resolution))


def _job_page(job_id: int) -> RedirectResponse:
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/projects", status_code=303)


@router.get("/projects", response_class=HTMLResponse)
def projects_page(
    request: Request, user: CurrentUser, studio: StudioDep, templates: TemplatesDep
) -> Response:
    with studio.db.session() as session:
        projects = projects_of(session, user.id)
    return templates.TemplateResponse(
        request, "projects.html", {"user": user, "projects": projects}
    )


@router.get("/projects/new", response_class=HTMLResponse)
def new_project_page(
    request: Request, user: CurrentUser, web: WebDep, studio: StudioDep, templates: TemplatesDep
) -> Response:
    context = _new_context(user, web, studio)
    return templates.TemplateResponse(request, "new_project.html", context)


def _new_context(user: Any, web: Any, studio: Any, **extra: Any) -> dict[str, Any]:
    return {
        "adapters": choices(studio),
        "default_adapter": studio.settings.video_adapter.strip().lower(),
        "user": user,
        "templates_": TEMPLATES,
        "aspects": ASPECTS,
        "resolutions": RESOLUTIONS,
        "max_upload_mb": web.max_upload_mb,
        "error": None,
        "form": {},
        **extra,
    }


@router.post("/projects/new")
def new_project(
    user: CurrentUser,
    studio: StudioDep,
    jobs: JobsDep,
    web: WebDep,
    track: Annotated[UploadFile, File()],
    brief: Annotated[str, Form(max_length=4000)] = "",
    template: Annotated[str, Form()] = "story",
    aspect: Annotated[str, Form()] = "",
    resolution: Annotated[str, Form()] = "720p",
    references: Annotated[list[UploadFile] | None, File()] = None,
    lyrics: Annotated[UploadFile | None, File()] = None,
    video_adapter: Annotated[str, Form()] = "",
) -> Response:
    fields = {"brief": brief, "template": template, "aspect": aspect or None,
              "resolution": resolution, "video_adapter": video_adapter}  # fmt: skip
    job_id = actions.start_project(
        studio, jobs, web, user.id, track=track, fields=fields, references=references or [],
        lyrics=lyrics,
    )  # fmt: skip
    return _job_page(job_id)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request, job_id: int, user: CurrentUser, studio: StudioDep, templates: TemplatesDep
) -> Response:
    """Progress of one job, followed live by server-sent events (/api/jobs/ID/events)."""
    with studio.db.session() as session:
        job = JobPublic.of(owned_job(session, job_id, user.id))
    return templates.TemplateResponse(request, "job.html", {"user": user, "job": job})


@router.post("/jobs/{job_id}/cancel")
def cancel_job(job_id: int, user: CurrentUser, jobs: JobsDep, studio: StudioDep) -> Response:
    actions.cancel(studio, jobs, user.id, job_id)
    return _job_page(job_id)


@router.get("/projects/{project_id}")
def project_home(project_id: str, user: CurrentUser, studio: StudioDep) -> RedirectResponse:
    """To the stage under review, or to the analysis while the first run works."""
    check_owner(studio, project_id, user.id)
    return RedirectResponse(f"/projects/{project_id}/review", status_code=303)


@router.get("/projects/{project_id}/review")
def project_review(project_id: str, user: CurrentUser, studio: StudioDep) -> RedirectResponse:
    check_owner(studio, project_id, user.id)
    shown = view(studio, project_id)
    page = shown["gate"] or ("timeline" if shown["done"]["timeline"] else "analysis")
    return RedirectResponse(f"/projects/{project_id}/{page}", status_code=303)


@router.get("/projects/{project_id}/{page}", response_class=HTMLResponse)
def stage_page(
    request: Request,
    project_id: str,
    page: str,
    user: CurrentUser,
    studio: StudioDep,
    templates: TemplatesDep,
) -> Response:
    """One stage of the project: what it made, and the review actions when it waits there."""
    if page not in STAGE_PAGES:
        raise NotFoundError(f"no page {page!r}")
    with studio.db.session() as session:
        project = owned(session, project_id, user.id)
        name, project_options = project.name, dict(project.options)
        latest = active_job(session, project_id)
        job = JobPublic.of(latest) if latest is not None else None
    shown = view(studio, project_id)
    context: dict[str, Any] = {
        "user": user,
        "project": shown,
        "name": name,
        "values": shown["values"],
        "page": page,
        "pages": STAGE_PAGES,
        "job": job,
        "reviewing": shown["gate"] == page,
    }
    if page == "video":
        context["adapters"] = choices(studio)
        chosen = project_adapter(project_options)
        context["project_adapter"] = chosen or studio.settings.video_adapter.strip().lower()
    if page == "analysis":
        master = (shown["values"].get("track") or {}).get("master")
        context["waveform"] = track_waveform(studio.media.path(master)) if master else []
    with studio.db.session() as session:
        if page in ("storyboard", "video"):
            kind = "frame" if page == "storyboard" else "clip"
            context["histories"] = {
                a["key"]: history(session, project_id, kind, a["key"])
                for a in shown["by_kind"].get(kind, [])
            }
        if page == "export":
            context["presets"] = sorted(PRESETS)
            context["exports"] = _exports(session, project_id)
    return templates.TemplateResponse(request, f"stage_{page}.html", context)


def _exports(session: Any, project_id: str) -> list[JobPublic]:
    from sqlalchemy import select

    from storage import Job

    rows = session.scalars(
        select(Job)
        .where(Job.project_id == project_id, Job.kind == "export")
        .order_by(Job.id.desc())
        .limit(10)
    )
    return [JobPublic.of(j) for j in rows]


def _conflict_page(
    request: Request, templates: Any, user: Any, project_id: str, page: str, exc: EditConflict
) -> Response:
    """409 for an edit made on a version changed since: what happened and the way back to the
    page (``review``: the stage under review), which shows the change."""
    context = {
        "user": user,
        "message": " ".join(str(exc).split()),
        "back": f"/projects/{project_id}/{page}",
        "what": "page" if page == "review" else page,
    }
    return templates.TemplateResponse(request, "edit_conflict.html", context, status_code=409)


@router.post("/projects/{project_id}/decision")
def decide(
    request: Request,
    project_id: str,
    user: CurrentUser,
    studio: StudioDep,
    jobs: JobsDep,
    templates: TemplatesDep,
    action: Annotated[str, Form()],
    instruction: Annotated[str, Form(max_length=500)] = "",
    targets: Annotated[list[str] | None, Form()] = None,
    edits: Annotated[str, Form(max_length=100_000)] = "",
    version: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    answer: dict[str, Any] = {"action": action}
    if action == "regenerate":
        answer["instruction"] = instruction
        answer["targets"] = [t for t in targets or [] if t.strip()]
    if action == "edit":
        answer["edits"] = actions.parse_json(edits, "edits")
    try:
        job_id = actions.answer_gate(studio, jobs, user.id, project_id, answer, version)
    except EditConflict as exc:
        return _conflict_page(request, templates, user, project_id, "review", exc)
    return _job_page(job_id)


@router.post("/projects/{project_id}/references")
def use_own_reference(
    project_id: str,
    user: CurrentUser,
    studio: StudioDep,
    jobs: JobsDep,
    name: Annotated[str, Form()],
    image: Annotated[UploadFile, File()],
) -> Response:
    return _job_page(actions.use_own_reference(studio, jobs, user.id, project_id, name, image))


@router.post("/projects/{project_id}/quote")
def quote(
    project_id: str,
    user: CurrentUser,
    jobs: JobsDep,
    studio: StudioDep,
    kind: Annotated[str, Form()],
    instruction: Annotated[str, Form(max_length=500)],
    numbers: Annotated[list[str] | None, Form()] = None,
) -> Response:
    job_id = actions.quote(
        studio, jobs, user.id, project_id, kind=kind,
        numbers=actions.parse_numbers(numbers or []), instruction=instruction,
    )  # fmt: skip
    return _job_page(job_id)


@router.post("/projects/{project_id}/restore")
def restore(
    project_id: str,
    user: CurrentUser,
    jobs: JobsDep,
    studio: StudioDep,
    artifact: Annotated[str, Form(pattern=r"^(frame|clip):\d+$")],
    version: Annotated[int, Form(ge=1)],
) -> Response:
    return _job_page(actions.restore(studio, jobs, user.id, project_id, artifact, version))


@router.post("/projects/{project_id}/timeline")
def edit_timeline(
    request: Request,
    project_id: str,
    user: CurrentUser,
    jobs: JobsDep,
    studio: StudioDep,
    templates: TemplatesDep,
    edits: Annotated[str, Form(max_length=100_000)],
    version: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Queue the edits; made on a timeline version changed since: the conflict page (409)."""
    try:
        job_id = actions.edit_timeline(studio, jobs, user.id, project_id, edits, version)
    except EditConflict as exc:
        return _conflict_page(request, templates, user, project_id, "timeline", exc)
    return _job_page(job_id)


@router.post("/projects/{project_id}/export")
def export(
    project_id: str,
    user: CurrentUser,
    studio: StudioDep,
    jobs: JobsDep,
    format: Annotated[str, Form()] = "mp4",
    preset: Annotated[str, Form()] = "",
) -> Response:
    job_id = actions.export(studio, jobs, user.id, project_id, preset=preset or None, kind=format)
    return _job_page(job_id)


@router.post("/projects/{project_id}/adapter")
def choose_adapter(
    project_id: str,
    user: CurrentUser,
    studio: StudioDep,
    video_adapter: Annotated[str, Form()],
) -> Response:
    actions.choose_adapter(studio, user.id, project_id, video_adapter)
    return RedirectResponse(f"/projects/{project_id}/video", status_code=303)


@router.post("/projects/{project_id}/resume")
def resume(project_id: str, user: CurrentUser, jobs: JobsDep, studio: StudioDep) -> Response:
    return _job_page(actions.resume(studio, jobs, user.id, project_id))
