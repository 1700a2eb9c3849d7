"""Script injection: a musician's e-mail, track name, brief, lyrics, brief edits, shot prompt
and quote instruction carry script payloads; every page that shows them renders them as text
(escaped), never as markup, and no link or source becomes a ``javascript:`` URL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from markupsafe import escape

from agent.config import Settings
from tests.support.studio import Musician, short_song
from web.app import create_app
from web.config import WebSettings
from web.projects import STAGE_PAGES

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "'><svg/onload=alert(1)>"
NAME = "<img src=x onerror=alert(1)>"  # the track's name: browsers send '"' in names as %22
JS_URL = "javascript:alert(document.cookie)"
PAYLOADS = (SCRIPT, IMG, SVG)
EMAIL = f"{SVG}@evil.io"
EXECUTABLE = re.compile(r"""(?:href|src|action|formaction|data)\s*=\s*["']?\s*javascript:""", re.I)


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("xss")), WebSettings())
    yield app
    app.state.jobs.shutdown()


@pytest.fixture(scope="module")
def mallory(studio: FastAPI) -> Musician:
    return Musician(studio, EMAIL)


@pytest.fixture(scope="module")
def project(mallory: Musician, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A project whose every piece of user text is a payload, reviewed to the end."""
    song = short_song(tmp_path_factory.mktemp("song"), 6.0)
    lyrics = f"{SCRIPT}\n{IMG}\n{JS_URL}\n".encode()
    started = mallory.post(
        "/api/projects",
        data={"brief": f"{SCRIPT} {IMG} {JS_URL}", "resolution": "360p"},
        files=[("track", (f"{NAME}.wav", song.read_bytes(), "audio/wav")),
               ("lyrics", ("words.txt", lyrics, "text/plain"))],
    )  # fmt: skip
    job = mallory.wait(started)
    pid = job["project_id"]

    def decide(answer: dict[str, Any]) -> str | None:
        job = mallory.wait(mallory.post(f"/api/projects/{pid}/decision", answer))
        waiting: str | None = job["result"]["waiting_at"]
        return waiting

    edits = {"title": SCRIPT, "logline": IMG, "style": JS_URL}
    assert decide({"action": "edit", "edits": edits}) == "review_write_brief"
    assert decide({"action": "approve"}) == "review_generate_references"
    assert decide({"action": "approve"}) == "review_plan_shot_list"
    reprompt = [{"op": "reprompt", "shot": 1, "prompt": f"{SVG} {SCRIPT}"}]
    assert decide({"action": "edit", "edits": reprompt}) == "review_plan_shot_list"
    mallory.approve_to_end(pid, "review_plan_shot_list")
    quote = {"kind": "frame", "numbers": [1], "instruction": f"{IMG} {SCRIPT}"}
    job = mallory.wait(mallory.post(f"/api/projects/{pid}/quote", quote))
    mallory.approve_to_end(pid, job["result"]["waiting_at"])
    return {"id": pid, "quote_job": job["id"]}


def assert_inert(html: str, where: str, *shown: str) -> None:
    """No payload as markup in ``html``, no ``javascript:`` link, and each of ``shown`` there
    escaped (so the page did show it)."""
    for payload in PAYLOADS:
        assert payload not in html, f"{where}: {payload!r} is markup"
    assert not EXECUTABLE.search(html), f"{where}: {EXECUTABLE.search(html)}"
    for text in shown:
        assert str(escape(text)) in html, f"{where} does not show {text!r} escaped"


def test_the_projects_list_shows_names_briefs_and_email_as_text(
    mallory: Musician, project: dict[str, Any]
) -> None:
    page = mallory.get("/projects")
    assert page.status_code == 200
    assert_inert(page.text, "/projects", NAME, f"{SCRIPT} {IMG} {JS_URL}", EMAIL)


@pytest.mark.parametrize("page", STAGE_PAGES)
def test_every_stage_page_shows_user_text_as_text(
    mallory: Musician, project: dict[str, Any], page: str
) -> None:
    shown = {
        "analysis": [SCRIPT, IMG, JS_URL],  # the lyrics
        "brief": [SCRIPT, IMG, JS_URL],  # the edited title, logline and style
        "shots": [f"{SVG} {SCRIPT}"],  # the new prompt
        "storyboard": [f"{IMG} {SCRIPT}"],  # the quote's instruction
    }
    answer = mallory.get(f"/projects/{project['id']}/{page}")
    assert answer.status_code == 200, answer.text
    assert_inert(answer.text, page, NAME, EMAIL, *shown.get(page, []))


def test_the_job_page_and_the_json_api_keep_text_as_data(
    mallory: Musician, project: dict[str, Any]
) -> None:
    job = mallory.get(f"/jobs/{project['quote_job']}")
    assert_inert(job.text, "job page", EMAIL)
    api = mallory.get(f"/api/projects/{project['id']}")
    assert api.headers["content-type"] == "application/json"
    assert api.json()["brief"]["title"] == SCRIPT  # stored as given; escaping is the page's job


def test_error_pages_echo_requests_as_text(mallory: Musician, project: dict[str, Any]) -> None:
    missing = mallory.get(f"/projects/{project['id']}/{IMG}")
    assert missing.status_code == 404
    assert_inert(missing.text, "404 page", IMG)
    form = mallory.client.get(f"/projects/{project['id']}/timeline").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    edits = f'[{{"op": "transition", "after": 1, "type": "{SCRIPT}"}}]'
    refused = mallory.client.post(
        f"/projects/{project['id']}/timeline",
        data={"csrf_token": token[1], "edits": edits},
        follow_redirects=False,
    )
    assert refused.status_code == 400 and "transition" in refused.text
    assert_inert(refused.text, "400 page", SCRIPT)


@pytest.mark.parametrize("target", [JS_URL, f"/{IMG}", f"//evil.example/{SCRIPT}"])
def test_sign_in_forms_keep_next_and_email_as_text(studio: FastAPI, target: str) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(studio, base_url="http://127.0.0.1:8000")
    page = client.get("/signin", params={"next": target})
    assert_inert(page.text, "sign-in page")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {"email": EMAIL, "password": "wrong password", "csrf_token": token[1]}
    failed = client.post("/signin", params={"next": target}, data=form)
    assert failed.status_code == 400
    assert_inert(failed.text, "failed sign-in", EMAIL)
