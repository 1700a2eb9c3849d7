"""Studio jobs survive what servers go through: a stop mid-stage, and two requests at once."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import soundfile
from fastapi.testclient import TestClient

from agent.config import Settings
from tests.support.studio import Musician
from web import running as web_running
from web.app import create_app
from web.config import WebSettings


class Crash(BaseException):
    """What a killed process looks like to the code it stops: nothing catches it."""


@pytest.fixture
def song(tmp_path: Path, short_track: Path) -> Path:
    audio, rate = soundfile.read(short_track)
    path = tmp_path / "song.wav"
    soundfile.write(path, audio[: 10 * rate], rate, subtype="PCM_16")
    return path


def start(ada: Musician, song: Path) -> dict[str, Any]:
    with song.open("rb") as fh:
        answer = ada.post(
            "/api/projects", data={"resolution": "360p"}, files={"track": (song.name, fh)}
        )
    return ada.wait(answer)


def test_a_server_stopped_mid_stage_marks_the_job_and_resume_goes_on(
    tmp_path: Path, song: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = create_app(settings, WebSettings())
    ada = Musician(first, "ada@example.com")
    project_id = start(ada, song)["project_id"]

    real_stage = web_running._ProgressWriter.stage

    def crash_in_references(self: Any, stage: str, done: int, total: int) -> None:
        real_stage(self, stage, done, total)
        if stage == "references" and done >= 1:
            raise Crash

    monkeypatch.setattr(web_running._ProgressWriter, "stage", crash_in_references)
    answer = ada.post(f"/api/projects/{project_id}/decision", {"action": "approve"})
    job_id = answer.json()["job"]["id"]
    with pytest.raises(Crash):
        first.state.jobs.wait(job_id, timeout=120)
    assert ada.get(f"/api/jobs/{job_id}").json()["state"] == "running"  # as a dead server left it
    monkeypatch.undo()

    second = create_app(settings, WebSettings())  # the server starts again
    cookies = ada.client.cookies
    ada.client = TestClient(second, base_url=str(ada.client.base_url))  # same browser
    ada.client.cookies = cookies
    job = ada.get(f"/api/jobs/{job_id}").json()
    assert job["state"] == "failed" and "press Resume" in job["error"]
    shown = ada.get(f"/api/projects/{project_id}").json()
    assert shown["next"] == ["generate_references"] and shown["gate"] is None
    assert shown["interrupted"]

    resumed = ada.wait(ada.post(f"/api/projects/{project_id}/resume"))
    assert resumed["result"]["waiting_at"] == "review_generate_references"
    second.state.jobs.shutdown()


def test_a_second_job_on_a_busy_project_is_refused(tmp_path: Path, song: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data"), WebSettings())
    ada = Musician(app, "ada@example.com")
    project_id = start(ada, song)["project_id"]
    user_id = ada.get("/api/auth/me").json()["id"]
    release = threading.Event()
    busy = app.state.jobs.submit(
        lambda studio: release.wait(30) and None,
        kind="long work",
        owner_id=user_id,
        project_id=project_id,
    )
    try:
        answer = ada.post(f"/api/projects/{project_id}/decision", {"action": "approve"})
        assert answer.status_code == 409 and "busy with long work" in answer.json()["detail"]
    finally:
        release.set()
    app.state.jobs.wait(busy, timeout=30)
    assert ada.wait(ada.post(f"/api/projects/{project_id}/decision", {"action": "approve"}))
    app.state.jobs.shutdown()


def test_own_image_replaces_a_generated_reference_at_its_review(tmp_path: Path, song: Path) -> None:
    from PIL import Image

    app = create_app(Settings(data_dir=tmp_path / "data"), WebSettings())
    ada = Musician(app, "ada@example.com")
    project_id = start(ada, song)["project_id"]
    url = f"/api/projects/{project_id}/references"
    photo = tmp_path / "me.png"
    Image.new("RGB", (320, 480), (200, 40, 90)).save(photo)
    early = ada.post(url, data={"name": "x"}, files={"image": ("me.png", photo.read_bytes())})
    assert early.status_code == 400 and "references review" in early.json()["detail"]
    ada.wait(ada.post(f"/api/projects/{project_id}/decision", {"action": "approve"}))

    shown = ada.get(f"/api/projects/{project_id}").json()
    name = next(r["name"] for r in shown["references"] if r["kind"] == "character")
    wrong = ada.post(url, data={"name": "nobody"}, files={"image": ("me.png", photo.read_bytes())})
    assert wrong.status_code == 400 and name in wrong.json()["detail"]
    not_image = ada.post(url, data={"name": name}, files={"image": ("me.png", b"not a png")})
    assert not_image.status_code == 400  # a .png name is not enough: the upload is looked at
    assert "'me.png' is not a PNG, JPEG or WebP image" in not_image.json()["detail"]

    job = ada.wait(
        ada.post(url, data={"name": name}, files={"image": ("me.png", photo.read_bytes())})
    )
    assert job["result"]["waiting_at"] == "review_generate_references"
    shown = ada.get(f"/api/projects/{project_id}").json()
    mine = next(r for r in shown["references"] if r["name"] == name)
    stored = ada.get(f"/media/{project_id}/{mine['media']}").content
    assert stored == photo.read_bytes()
    versions = ada.get(f"/api/projects/{project_id}/history/reference/{name}").json()
    assert len(versions) == 2 and versions[-1]["instruction"] == "the musician's own image"
    ada.wait(ada.post(f"/api/projects/{project_id}/decision", {"action": "approve"}))
    app.state.jobs.shutdown()


def test_a_quiet_job_stream_gets_keep_alive_comments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.routes import api

    monkeypatch.setattr(api, "KEEP_ALIVE", 0.2)
    monkeypatch.setattr(api, "POLL", 0.05)
    app = create_app(Settings(data_dir=tmp_path / "data"), WebSettings())
    ada = Musician(app, "ada@example.com")
    user_id = ada.get("/api/auth/me").json()["id"]
    job_id = app.state.jobs.submit(
        lambda studio: threading.Event().wait(1.0) and None, kind="quiet work", owner_id=user_id
    )
    with ada.client.stream("GET", f"/api/jobs/{job_id}/events") as answer:
        text = "".join(answer.iter_text())
    assert text.count("event: job") >= 2 and ": still here" in text
    assert text.rstrip().endswith('event: end\ndata: "done"')
    app.state.jobs.shutdown()
