"""The studio's FastAPI app: pages, the JSON API under /api, media, server-sent progress."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from agent.config import Settings
from agent.studio import Studio, open_studio
from web.config import WebSettings
from web.errors import status_for
from web.executors import make_executor
from web.jobs import JobRunner
from web.limits import BodyLimit

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
FORM_SLACK = 64 * 1024 * 1024  # the body limit allows the references and fields beside a track
SAYS_WHAT_TO_DO = (503, 507)  # server-side, but the message tells the user what to do


def create_app(
    settings: Settings | None = None,
    web: WebSettings | None = None,
    *,
    studio: Studio | None = None,
) -> FastAPI:
    """The studio for ``settings``' engines and data dir; ``studio`` reuses an open one."""
    from web import security
    from web.routes import api, auth, media, pages

    settings = settings or Settings()
    web = web or WebSettings()
    studio = studio or open_studio(settings)
    jobs = JobRunner(studio, make_executor(studio, web), web=web)
    jobs.recover()  # before anything is queued: what a stopped server left running is marked

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()

    app = FastAPI(
        title="Storybeat studio",
        description="Upload a track, review every stage, quote frames, edit the timeline, export.",
        lifespan=lifespan,
        dependencies=[Depends(security.check_csrf)],
    )
    app.state.settings = settings
    app.state.web = web
    app.state.studio = studio
    app.state.jobs = jobs
    templates = Jinja2Templates(directory=HERE / "templates")
    security.install(templates)
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(security.CsrfCookieMiddleware)
    app.add_middleware(BodyLimit, limit=web.max_upload_bytes + FORM_SLACK)
    app.add_middleware(security.SecurityHeadersMiddleware)  # outermost: on every answer
    for error in _error_roots():
        app.add_exception_handler(error, _handle_error)
    for router in (auth.router, pages.router, api.router, media.router):
        app.include_router(router)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _error_roots() -> tuple[type[Exception], ...]:
    """Every package's root error: their input errors are the user's to fix (4xx)."""
    from agent.errors import AgentError
    from audio.errors import AudioError
    from imagegen.errors import ImageGenError
    from storage.errors import StorageError
    from videogen.errors import VideoGenError
    from web.errors import WebError

    return (WebError, AgentError, AudioError, ImageGenError, StorageError, VideoGenError)


async def _handle_error(request: Request, exc: Exception) -> Response:
    """Package errors → status codes (input errors 400, missing 404, busy 409, …); pages get
    the error page, the API JSON, and a page that needs sign-in redirects to it."""
    from web.security import SignInRequired

    status = status_for(exc)
    api = request.url.path.startswith("/api/")
    if isinstance(exc, SignInRequired) and not api:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?{urlencode({'next': target})}", status_code=303)
    if status >= 500 and status not in SAYS_WHAT_TO_DO:
        logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        message = "something went wrong on the server; it is logged — try again"
    else:
        if status >= 500:
            logger.warning("%s %s: %s", request.method, request.url.path, exc)
        message = " ".join(str(exc).split())
    headers = {"Retry-After": "5"} if status == 503 else None
    if api:
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message},
        status_code=status,
        headers=headers,
    )
