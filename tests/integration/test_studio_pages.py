"""The studio's HTML pages with FastAPI's TestClient: every page renders for its owner, every
form works without JavaScript, and another musician gets 404 for all of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile
from fastapi import FastAPI
from fastapi.testclient import TestClient

from agent.config import Settings
from web.app import create_app
from web.config import WebSettings
from web.projects import STAGE_PAGES

PASSWORD = "correct horse battery"
BASE = "http://127.0.0.1:8000"


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found[1]


class Browser:
    """A form-posting client, as a browser without JavaScript."""

    def __init__(self, app: FastAPI, email: str) -> None:
        self.app = app
        self.client = TestClient(app, base_url=BASE)
        page = self.client.get("/signup")
        answer = self.client.post(
            "/signup",
            data={"email": email, "password": PASSWORD, "csrf_token": token(page.text)},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text

    def form(self, page: str, action: str, data: dict | None = None, **kwargs: object) -> str:
        """Post a form found on ``page`` to ``action``; the job page's path it redirects to."""
        html = self.client.get(page).text
        body = {"csrf_token": token(html), **(data or {})}
        answer = self.client.post(action, data=body, follow_redirects=False, **kwargs)
        assert answer.status_code == 303, answer.text
        return answer.headers["location"]

    def finish(self, job_page: str) -> dict:
        job_id = int(job_page.rsplit("/", 1)[1])
        self.app.state.jobs.wait(job_id, timeout=600)
        job = self.client.get(f"/api/jobs/{job_id}").json()
        assert job["state"] == "done", job["error"]
        return job


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    studio = create_app(Settings(data_dir=tmp_path_factory.mktemp("pages")), WebSettings())
    yield studio
    studio.state.jobs.shutdown()


@pytest.fixture(scope="module")
def ada(app: FastAPI) -> Browser:
    return Browser(app, "ada@example.com")


@pytest.fixture(scope="module")
def project(ada: Browser, short_track: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    audio, rate = soundfile.read(short_track)
    song = tmp_path_factory.mktemp("song") / "rooftop.wav"
    soundfile.write(song, audio[: 10 * rate], rate, subtype="PCM_16")
    with song.open("rb") as fh:
        job_page = ada.form(
            "/projects/new",
            "/projects/new",
            {"brief": "a dancer on a rooftop", "resolution": "360p", "template": "story"},
            files={"track": (song.name, fh, "audio/wav")},
        )
    job = ada.finish(job_page)
    return str(job["project_id"])


def test_every_page_renders_for_its_owner(ada: Browser, project: str) -> None:
    for path in ("/projects", "/projects/new", *(f"/projects/{project}/{p}" for p in STAGE_PAGES)):
        answer = ada.client.get(path)
        assert answer.status_code == 200, path
        assert "<html" in answer.text and "Storybeat" in answer.text
    assert "rooftop" in ada.client.get("/projects").text
    review = ada.client.get(f"/projects/{project}", follow_redirects=False)
    assert review.headers["location"] == f"/projects/{project}/review"
    assert ada.client.get(f"/projects/{project}/review").url.path.endswith("/brief")


def test_forms_take_a_project_through_review_quote_and_export(ada: Browser, project: str) -> None:
    stage = f"/projects/{project}"
    waiting = "review_write_brief"
    while waiting:
        job = ada.finish(ada.form(f"{stage}/review", f"{stage}/decision", {"action": "approve"}))
        waiting = job["result"]["waiting_at"]
    html = ada.client.get(f"{stage}/storyboard").text
    assert 'name="numbers"' in html
    job = ada.finish(
        ada.form(
            f"{stage}/storyboard",
            f"{stage}/quote",
            {"kind": "frame", "numbers": ["1", "2"], "instruction": "rain, neon reflections"},
        )
    )
    assert job["result"]["made"]["storyboard"] == 2
    history = ada.client.get(f"{stage}/storyboard").text
    assert "rain, neon reflections" in history
    waiting = job["result"]["waiting_at"]
    while waiting:
        job = ada.finish(ada.form(f"{stage}/review", f"{stage}/decision", {"action": "approve"}))
        waiting = job["result"]["waiting_at"]
    bad = '[{"op": "transition", "after": 1, "type": "dip"}]'
    html = ada.client.get(f"{stage}/timeline").text
    refused = ada.client.post(f"{stage}/timeline", data={"csrf_token": token(html), "edits": bad})
    assert refused.status_code == 400 and "dip-to-black" in refused.text
    edits = '[{"op": "transition", "after": 1, "type": "dip-to-black"}]'
    job = ada.finish(ada.form(f"{stage}/timeline", f"{stage}/timeline", {"edits": edits}))
    ada.finish(ada.form(f"{stage}/timeline", f"{stage}/decision", {"action": "approve"}))
    job = ada.finish(ada.form(f"{stage}/export", f"{stage}/export", {"format": "mp4"}))
    page = ada.client.get(f"{stage}/export").text
    assert f"/api/projects/{project}/exports/{job['id']}" in page
    assert ada.client.get(f"/jobs/{job['id']}").status_code == 200


def test_bad_form_input_is_shown_not_lost(ada: Browser, project: str) -> None:
    stage = f"/projects/{project}"
    html = ada.client.get(f"{stage}/storyboard").text
    answer = ada.client.post(
        f"{stage}/quote",
        data={"csrf_token": token(html), "kind": "frame", "instruction": "x"},
    )
    assert answer.status_code == 400 and "select the frames" in answer.text
    assert 'role="alert"' in answer.text
    forged = ada.client.post(f"{stage}/export", data={"format": "mp4"})
    assert forged.status_code == 403
    html = ada.client.get(f"{stage}/export").text
    unknown = ada.client.post(
        f"{stage}/export",
        data={"csrf_token": token(html), "format": "mp4", "preset": "16:9-8k"},
    )
    assert unknown.status_code == 400 and "9:16-1080p" in unknown.text  # nothing queued
    assert ada.client.get(f"{stage}/nonsense").status_code == 404


def test_another_musician_gets_404_for_every_page(app: FastAPI, project: str) -> None:
    bea = Browser(app, "bea@example.com")
    for page in ("", *(f"/{p}" for p in STAGE_PAGES)):
        assert bea.client.get(f"/projects/{project}{page}").status_code == 404, page
    assert bea.client.get("/jobs/1").status_code == 404
    html = bea.client.get("/projects").text
    assert project not in html
    answer = bea.client.post(
        f"/projects/{project}/decision",
        data={"csrf_token": token(html), "action": "approve"},
    )
    assert answer.status_code == 404


def test_the_remaining_forms_restore_cancel_resume_and_model(ada: Browser, project: str) -> None:
    stage = f"/projects/{project}"
    job = ada.finish(ada.form(f"{stage}/storyboard", f"{stage}/restore",
                              {"artifact": "frame:1", "version": "1"}))  # fmt: skip
    assert job["kind"] == "restore"
    waiting = job["result"]["waiting_at"]
    while waiting:
        job = ada.finish(ada.form(f"{stage}/review", f"{stage}/decision", {"action": "approve"}))
        waiting = job["result"]["waiting_at"]
    assert ada.form(f"{stage}/video", f"/jobs/{job['id']}/cancel") == f"/jobs/{job['id']}"
    html = ada.client.get(f"{stage}/video").text
    assert 'name="video_adapter"' in html
    moved = ada.client.post(
        f"{stage}/adapter",
        data={"csrf_token": token(html), "video_adapter": "motion"},
        follow_redirects=False,
    )
    assert moved.status_code == 303 and moved.headers["location"] == f"{stage}/video"
    resumed = ada.client.post(
        f"{stage}/resume", data={"csrf_token": token(html)}, follow_redirects=False
    )
    job_id = int(resumed.headers["location"].rsplit("/", 1)[1])
    ada.app.state.jobs.wait(job_id, timeout=60)
    failed = ada.client.get(f"/api/jobs/{job_id}").json()
    assert failed["state"] == "failed" and "nothing to resume" in failed["error"]
    assert "nothing to resume" in ada.client.get(f"/jobs/{job_id}").text
