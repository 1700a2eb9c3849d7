"""Request dependencies as ``Annotated`` aliases: the studio, settings, jobs, templates.

There is no request-wide database session on purpose: SQLite allows one writer at a time and
the agent opens sessions of its own, so routes use short ``studio.db.session()`` blocks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from agent.studio import Studio
from web.config import WebSettings
from web.jobs import JobRunner


def get_studio(request: Request) -> Studio:
    return request.app.state.studio


def get_web(request: Request) -> WebSettings:
    return request.app.state.web


def get_jobs(request: Request) -> JobRunner:
    return request.app.state.jobs


def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


StudioDep = Annotated[Studio, Depends(get_studio)]
WebDep = Annotated[WebSettings, Depends(get_web)]
JobsDep = Annotated[JobRunner, Depends(get_jobs)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
