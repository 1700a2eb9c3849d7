"""A small studio app for the auth routes: CSRF dependency, middleware, templates, a DB."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from fastapi.testclient import TestClient

from storage import Database, StorageError, open_database, sqlite_url
from web.config import WebSettings
from web.errors import WebError, status_for
from web.routes import auth
from web.security import CsrfCookieMiddleware, SignInRequired, check_csrf, install

WEB_TEMPLATES = Path(__file__).resolve().parents[3] / "web" / "templates"
# A stand-in for the studio's base.html, so these tests do not depend on its layout.
BASE_HTML = """<!doctype html>
<html lang="en"><head><meta name="csrf-token" content="{{ csrf_token(request) }}">
<title>{% block title %}{% endblock %}</title></head>
<body><main>{% block content %}{% endblock %}</main></body></html>
"""
PASSWORD = "correct horse battery"
_HIDDEN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_META_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def form_token(html: str) -> str:
    """The CSRF token of the page's form."""
    match = _HIDDEN_TOKEN.search(html)
    assert match, "the page has no csrf_token field"
    return match.group(1)


def meta_token(html: str) -> str:
    """The CSRF token base.html puts in its ``<meta name="csrf-token">``."""
    match = _META_TOKEN.search(html)
    assert match, "the page has no csrf-token meta tag"
    return match.group(1)


async def _handle_error(request: Request, exc: Exception) -> Response:
    """Like the studio's handler: sign-in pages redirect, everything else is JSON."""
    if isinstance(exc, SignInRequired) and not request.url.path.startswith("/api/"):
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
    return JSONResponse({"detail": str(exc)}, status_code=status_for(exc))


def build_app(db: Database, web: WebSettings, templates_dir: Path) -> FastAPI:
    """The auth router in an app wired like the studio's."""
    app = FastAPI(dependencies=[Depends(check_csrf)])
    app.state.studio = SimpleNamespace(db=db)
    app.state.web = web
    templates = Jinja2Templates(directory=[templates_dir, WEB_TEMPLATES])
    install(templates)
    app.state.templates = templates
    app.add_middleware(CsrfCookieMiddleware)
    app.add_exception_handler(WebError, _handle_error)
    app.add_exception_handler(StorageError, _handle_error)
    app.include_router(auth.router)

    @app.get("/plain")
    def plain(request: Request) -> Response:
        """A page of the studio that is not an auth page (base.html asks for a token)."""
        return templates.TemplateResponse(request, "plain.html")

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, str]:
        """A state-changing route that reads its own form after the CSRF check did."""
        form = await request.form()
        return {key: str(value) for key, value in form.items()}

    return app


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = open_database(sqlite_url(tmp_path / "db.sqlite"))
    yield db
    db.dispose()


@pytest.fixture
def templates_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "base.html").write_text(BASE_HTML)
    (folder / "plain.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>plain</p>{% endblock %}'
    )
    return folder


@pytest.fixture
def make_client(database: Database, templates_dir: Path) -> Iterator[Callable[..., TestClient]]:
    """``make_client(secure_cookies=False, base_url=...)``: a client of a fresh app."""
    clients: list[TestClient] = []

    def make(*, secure_cookies: bool = False, base_url: str = "http://testserver") -> TestClient:
        app = build_app(database, WebSettings(secure_cookies=secure_cookies), templates_dir)
        client = TestClient(app, base_url=base_url, follow_redirects=False)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture
def anon_token(client: TestClient) -> str:
    """Visit the sign-in page (which sets the anonymous cookie); return its form's token."""
    return form_token(client.get("/signin").text)


@pytest.fixture
def signed_in(client: TestClient, anon_token: str) -> str:
    """Sign ``client`` up through the API; return the session's CSRF token."""
    response = client.post(
        "/api/auth/signup",
        json={"email": "Ada@Example.com", "password": PASSWORD},
        headers={"X-CSRF-Token": anon_token},
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["csrf_token"]
    return token
