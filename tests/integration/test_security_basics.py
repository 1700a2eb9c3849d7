"""Security basics, walked from ``app.routes`` so that routes added later are covered too:
sign-in is needed everywhere but on an explicit list of public routes; another musician's
ids are 404 on every route; cookies are HttpOnly and SameSite; every response carries nosniff
and a same-origin Content-Security-Policy."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from agent.config import Settings
from storage import Job
from tests.support.routes import Route, routes
from tests.support.studio import Musician, running_studio, short_song
from web.app import create_app
from web.config import WebSettings
from web.projects import STAGE_PAGES

BASE = "http://127.0.0.1:8000"
PUBLIC = {  # what an anonymous browser may use; every other route needs sign-in
    ("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"), ("GET", "/health"), ("GET", "/"),  # "/" only redirects to /projects
    ("GET", "/signin"), ("POST", "/signin"), ("GET", "/signup"), ("POST", "/signup"),
    ("POST", "/signout"), ("GET", "/api/auth/csrf"), ("POST", "/api/auth/signup"),
    ("POST", "/api/auth/signin"), ("POST", "/api/auth/signout"),
}  # fmt: skip
TIMELINE_EDIT = [{"op": "reorder", "shot": 1, "index": 1}]
BODIES: dict[str, dict[str, Any]] = {  # a valid body for each route that takes one
    "/api/projects": {"data": {"resolution": "360p"}, "track": True},
    "/projects/new": {"data": {"resolution": "360p"}, "track": True},
    "/api/projects/{project_id}/adapter": {"json": {"video_adapter": "motion"}},
    "/api/projects/{project_id}/decision": {"json": {"action": "approve"}},
    "/api/projects/{project_id}/quote": {
        "json": {"kind": "frame", "numbers": [1], "instruction": "at dawn"}
    },
    "/api/projects/{project_id}/restore": {"json": {"artifact": "frame:1", "version": 1}},
    "/api/projects/{project_id}/timeline": {"json": {"edits": TIMELINE_EDIT}},
    "/api/projects/{project_id}/export": {"json": {"format": "otio"}},
    "/api/projects/{project_id}/references": {"data": {"name": "Ada"}, "image": True},
    "/projects/{project_id}/decision": {"data": {"action": "approve"}},
    "/projects/{project_id}/references": {"data": {"name": "Ada"}, "image": True},
    "/projects/{project_id}/quote": {
        "data": {"kind": "frame", "numbers": "1", "instruction": "at dawn"}
    },
    "/projects/{project_id}/restore": {"data": {"artifact": "frame:1", "version": "1"}},
    "/projects/{project_id}/timeline": {"data": {"edits": json.dumps(TIMELINE_EDIT)}},
    "/projects/{project_id}/export": {"data": {"format": "otio"}},
    "/projects/{project_id}/adapter": {"data": {"video_adapter": "motion"}},
}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def call(client: TestClient, csrf: str, route: Route, url: str) -> Any:
    """``route`` at ``url`` with a valid body, the CSRF header, and no redirects followed."""
    kwargs: dict[str, Any] = {"follow_redirects": False}
    if route.method == "POST":
        example = BODIES.get(route.path, {})
        assert example or route.body is None, f"add a valid body for {route.path} to BODIES"
        if "json" in example:
            kwargs["json"] = example["json"]
        if "data" in example:
            kwargs["data"] = {**example["data"], "csrf_token": csrf}
        if example.get("image"):
            kwargs["files"] = {"image": ("me.png", png(), "image/png")}
        if example.get("track"):
            kwargs["files"] = {"track": ("song.wav", b"RIFF", "audio/wav")}
        kwargs["headers"] = {"X-CSRF-Token": csrf}
    return client.request(route.method, url, **kwargs)


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    yield from running_studio(tmp_path_factory.mktemp("basics"))


@pytest.fixture(scope="module")
def ada(studio: FastAPI) -> Musician:
    return Musician(studio, "ada@example.com")


@pytest.fixture(scope="module")
def project(ada: Musician, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Ada's project reviewed to the end and exported: the ids the walks put into paths."""
    job = ada.start(short_song(tmp_path_factory.mktemp("song"), 6.0), resolution="360p")
    pid = job["project_id"]
    ada.approve_to_end(pid, job["result"]["waiting_at"])
    export = ada.wait(ada.post(f"/api/projects/{pid}/export", {"format": "otio"}))
    frame = next(a for a in ada.get(f"/api/projects/{pid}").json()["artifacts"]
                 if a["kind"] == "frame")  # fmt: skip
    return {"project_id": pid, "job_id": str(export["id"]), "kind": "frame", "key": "0",
            "ref": frame["media"]}  # fmt: skip


def urls(route: Route, ids: dict[str, str]) -> list[str]:
    """``route``'s path with ``ids`` filled in (every stage for ``{page}``)."""
    missing = set(route.parameters) - set(ids) - {"page"}
    assert not missing, f"give the walk a value for {missing} ({route.path})"
    if "page" not in route.parameters:
        return [route.path.format(**ids)]
    return [route.path.format(**ids, page=page) for page in STAGE_PAGES]


def test_the_walk_sees_every_router(studio: FastAPI) -> None:
    paths = {r.path for r in routes(studio)}
    assert {"/signin", "/projects/{project_id}/{page}", "/api/projects/{project_id}/quote",
            "/media/{project_id}/{ref}", "/api/jobs/{job_id}/events"} <= paths  # fmt: skip
    assert {(r.method, r.path) for r in routes(studio)} >= PUBLIC  # no stale public entries


def test_every_route_but_the_public_ones_needs_sign_in(
    studio: FastAPI, project: dict[str, str]
) -> None:
    stranger = TestClient(studio, base_url=BASE)
    csrf = stranger.get("/api/auth/csrf").json()["csrf_token"]  # so CSRF is not what refuses
    checked = 0
    for route in routes(studio):
        if (route.method, route.path) in PUBLIC:
            continue
        for url in urls(route, project):
            answer = call(stranger, csrf, route, url)
            where = f"{route.method} {url}"
            if url.startswith("/api/"):
                assert answer.status_code == 401, (where, answer.text)
                assert answer.json() == {"detail": "sign in to continue"}, where
            else:
                assert answer.status_code == 303, (where, answer.text)
                assert answer.headers["location"].startswith("/signin?next="), where
            checked += 1
    assert checked >= 40


def test_another_musicians_ids_are_not_found_on_any_route(
    studio: FastAPI, ada: Musician, project: dict[str, str]
) -> None:
    def hashes() -> dict[str, str]:
        shown = ada.get(f"/api/projects/{project['project_id']}").json()
        return {f"{a['kind']}{a.get('number')}": a["sha256"] for a in shown["artifacts"]}

    before = hashes()
    bea = Musician(studio, "bea@example.com")
    owned = [r for r in routes(studio) if set(r.parameters) & {"project_id", "job_id"}]
    assert len(owned) >= 25
    for route in owned:
        for url in urls(route, project):
            if route.method == "GET":  # the ids are right: Ada sees it
                assert call(ada.client, ada.csrf, route, url).status_code in (200, 303), url
            answer = call(bea.client, bea.csrf, route, url)
            assert answer.status_code == 404, (route.method, url, answer.text)
            assert "night drive" not in answer.text, url  # nothing of Ada's project shows
    assert bea.get("/api/projects").json() == []
    assert hashes() == before
    with studio.state.studio.db.session() as session:
        owners = set(session.scalars(select(Job.owner_id)))
    assert bea.get("/api/auth/me").json()["id"] not in owners  # Bea queued nothing


def cookie(answer: Any, name: str) -> str:
    (found,) = [c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    return found.lower()


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_cookies_are_http_only_and_same_site(
    tmp_path_factory: pytest.TempPathFactory, secure: bool
) -> None:
    data = tmp_path_factory.mktemp("cookies")
    app = create_app(Settings(data_dir=data), WebSettings(secure_cookies=secure))
    client = TestClient(app, base_url=BASE.replace("http", "https" if secure else "http"))
    first = client.get("/api/auth/csrf")
    csrf = cookie(first, "sb_csrf")
    assert "httponly" in csrf and "samesite=strict" in csrf and "path=/" in csrf
    assert ("; secure" in csrf) is secure
    body = {"email": "cleo@example.com", "password": "a long enough password"}
    signed_up = client.post("/api/auth/signup", json=body,
                            headers={"X-CSRF-Token": first.json()["csrf_token"]})  # fmt: skip
    session = cookie(signed_up, "sb_session")
    assert "httponly" in session and "samesite=lax" in session and "path=/" in session
    assert ("; secure" in session) is secure
    assert signed_up.headers["cache-control"] == "no-store"
    app.state.jobs.shutdown()


def test_every_response_says_nosniff_and_restricts_scripts(
    ada: Musician, project: dict[str, str]
) -> None:
    pid, ref = project["project_id"], project["ref"]
    for url in ["/projects", f"/projects/{pid}/storyboard", f"/api/projects/{pid}",
                f"/media/{pid}/{ref}", "/static/studio.js", "/signin", "/api/nothing-here",
                f"/projects/{pid}/nothing-here", "/health"]:  # fmt: skip
        answer = ada.client.get(url, follow_redirects=False)
        assert answer.headers["x-content-type-options"] == "nosniff", url
        policy = answer.headers["content-security-policy"]
        for rule in ("default-src 'self'", "script-src 'self'", "object-src 'none'",
                     "frame-ancestors 'none'", "base-uri 'none'"):  # fmt: skip
            assert rule in policy, (url, rule)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
    too_big = ada.client.post(f"/api/projects/{pid}/decision", content=b"x" * (2 << 20),
                              headers={"Content-Type": "application/json",
                                       "X-CSRF-Token": ada.csrf})  # fmt: skip
    assert too_big.status_code == 413  # refused before routing, and still with the headers
    assert too_big.headers["x-content-type-options"] == "nosniff"
    docs = ada.client.get("/docs")  # Swagger's page loads from a CDN and has an inline script
    assert docs.status_code == 200 and "content-security-policy" not in docs.headers
    assert docs.headers["x-content-type-options"] == "nosniff"


def test_pages_need_no_inline_script_or_style(ada: Musician, project: dict[str, str]) -> None:
    """What the policy forbids is not used: no inline script (JSON data blocks are data), no
    style attribute, no inline event handler."""
    pid = project["project_id"]
    pages = ["/projects", "/projects/new", *(f"/projects/{pid}/{p}" for p in STAGE_PAGES)]
    for url in pages:
        html = ada.get(url).text
        scripts = re.findall(r"<script\b([^>]*)>", html)
        assert all('src="/static/' in s or 'type="application/json"' in s for s in scripts), url
        assert not re.search(r"\sstyle\s*=", html), url
        assert not re.search(r"\son[a-z]+\s*=", html), url
