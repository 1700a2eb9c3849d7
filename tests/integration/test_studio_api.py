"""The studio's JSON API end to end: one musician's whole project, and a second who sees none
of it. Every route is called; the agent does the work (previz + motion on a 12 s song)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.studio import Musician, running_studio, short_song
from videogen import probe_video
from web.config import WebSettings


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_song(tmp_path_factory.mktemp("song"))


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    yield from running_studio(tmp_path_factory.mktemp("studio-data"), WebSettings(max_upload_mb=4))


@pytest.fixture(scope="module")
def ada(studio: FastAPI) -> Musician:
    return Musician(studio, "ada@example.com")


@pytest.fixture(scope="module")
def project(ada: Musician, song: Path) -> dict[str, Any]:
    """Ada's project after a full review: approved at every gate."""
    job = ada.start(song, brief="a dancer on a rooftop at night", resolution="360p")
    project_id = job["project_id"]
    assert job["result"]["waiting_at"] == "review_write_brief"
    gates = ada.approve_to_end(project_id, job["result"]["waiting_at"])
    return {"id": project_id, "gates": gates, "job": job["id"]}


def frame_hashes(ada: Musician, project_id: str) -> dict[int, str]:
    shown = ada.get(f"/api/projects/{project_id}").json()
    return {a["number"]: a["sha256"] for a in shown["artifacts"] if a["kind"] == "frame"}


def test_a_project_goes_through_every_gate_to_the_end(ada: Musician, project: dict) -> None:
    assert project["gates"] == [
        "review_write_brief",
        "review_generate_references",
        "review_plan_shot_list",
        "review_draw_storyboard",
        "review_animate_shots",
        "review_assemble_timeline",
    ]
    listed = ada.get("/api/projects").json()
    assert [p["id"] for p in listed] == [project["id"]]
    assert listed[0]["name"] == "night drive"
    shown = ada.get(f"/api/projects/{project['id']}").json()
    assert shown["next"] == [] and shown["export"] is None  # a reviewed project exports later
    assert all(ok for page, ok in shown["done"].items() if page != "export")
    assert shown["brief"]["title"] and len(shown["shots"]) >= 3


def test_the_analysis_has_beats_sections_and_a_waveform(ada: Musician, project: dict) -> None:
    body = ada.get(f"/api/projects/{project['id']}/analysis").json()
    analysis = body["analysis"]
    assert 11.5 < analysis["duration"] < 12.5
    assert len(analysis["beats"]) > 10 and analysis["sections"]
    assert len(body["waveform"]) == 600 and max(body["waveform"]) == 1.0


def test_media_is_served_to_its_owner(ada: Musician, project: dict) -> None:
    shown = ada.get(f"/api/projects/{project['id']}").json()
    frame = next(a for a in shown["artifacts"] if a["kind"] == "frame")
    answer = ada.get(f"/media/{project['id']}/{frame['media']}")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert hashlib.sha256(answer.content).hexdigest() == frame["sha256"]
    assert ada.get(f"/media/{project['id']}/{'0' * 64}.png").status_code == 404
    assert ada.get(f"/media/{project['id']}/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_quoting_two_frames_redraws_only_them_and_restore_brings_one_back(
    ada: Musician, project: dict
) -> None:
    before = frame_hashes(ada, project["id"])
    quote = {"kind": "frame", "numbers": [1, 3], "instruction": "make it dawn, warm light"}
    job = ada.wait(ada.post(f"/api/projects/{project['id']}/quote", quote))
    assert job["result"]["made"]["storyboard"] == 2
    assert job["result"]["waiting_at"] == "review_draw_storyboard"  # reviewed again
    after = frame_hashes(ada, project["id"])
    changed = {n for n in before if before[n] != after[n]}
    assert changed == {1, 3}
    versions = ada.get(f"/api/projects/{project['id']}/history/frame/0").json()
    assert [v["version"] for v in versions] == [1, 2] and versions[1]["current"]
    assert versions[1]["instruction"] == "make it dawn, warm light"

    body = {"artifact": "frame:1", "version": 1}
    job = ada.wait(ada.post(f"/api/projects/{project['id']}/restore", body))
    restored = frame_hashes(ada, project["id"])
    assert restored[1] == before[1] and restored[3] == after[3]
    ada.approve_to_end(project["id"], job["result"]["waiting_at"])


def test_timeline_edits_and_exports_download_with_the_right_duration(
    ada: Musician, project: dict, tmp_path: Path
) -> None:
    edits = [{"op": "reorder", "shot": 2, "index": 0}, {"op": "transition", "after": 1,
                                                         "type": "crossfade"}]  # fmt: skip
    job = ada.wait(ada.post(f"/api/projects/{project['id']}/timeline", {"edits": edits}))
    assert ada.approve_to_end(project["id"], job["result"]["waiting_at"]) == [
        "review_assemble_timeline"  # a reviewed project shows the edited timeline for approval
    ]
    shown = ada.get(f"/api/projects/{project['id']}").json()
    items = shown["timeline"]["tracks"][0]["items"]
    clips = [item["name"] for item in items if item["kind"] == "clip"]
    assert clips[:2] == ["Shot 2", "Shot 1"]
    assert [i["kind"] for i in items].count("transition") >= 1

    job = ada.wait(ada.post(f"/api/projects/{project['id']}/export", {"format": "mp4"}))
    answer = ada.get(f"/api/projects/{project['id']}/exports/{job['id']}")
    assert answer.status_code == 200 and answer.headers["content-type"] == "video/mp4"
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(answer.content)
    info = probe_video(cut)
    assert info.has_audio and abs(info.n_frames / info.fps - 12.0) < 0.1

    job = ada.wait(ada.post(f"/api/projects/{project['id']}/export", {"format": "otio"}))
    otio = ada.get(f"/api/projects/{project['id']}/exports/{job['id']}")
    assert json.loads(otio.content)["OTIO_SCHEMA"].startswith("Timeline")


def test_another_musician_sees_nothing_of_it(studio: FastAPI, ada: Musician, project: dict) -> None:
    shown = ada.get(f"/api/projects/{project['id']}").json()
    frame = next(a for a in shown["artifacts"] if a["kind"] == "frame")
    job_id, pid = project["job"], project["id"]
    hashes = frame_hashes(ada, pid)
    bea = Musician(studio, "bea@example.com")
    assert bea.get("/api/projects").json() == []
    for url in (
        f"/api/projects/{pid}",
        f"/api/projects/{pid}/analysis",
        f"/api/projects/{pid}/history/frame/0",
        f"/media/{pid}/{frame['media']}",
        f"/api/jobs/{job_id}",
        f"/api/jobs/{job_id}/events",
        f"/api/projects/{pid}/exports/{job_id}",
    ):
        assert bea.get(url).status_code == 404, url
    for url, body in (
        (f"/api/projects/{pid}/decision", {"action": "approve"}),
        (f"/api/projects/{pid}/quote", {"kind": "frame", "numbers": [1], "instruction": "x"}),
        (f"/api/projects/{pid}/restore", {"artifact": "frame:1", "version": 1}),
        (f"/api/projects/{pid}/timeline", {"edits": [{"op": "reorder", "shot": 1, "index": 1}]}),
        (f"/api/projects/{pid}/export", {"format": "mp4"}),
        (f"/api/projects/{pid}/resume", None),
        (f"/api/jobs/{job_id}/cancel", None),
    ):
        assert bea.post(url, body).status_code == 404, url
    assert frame_hashes(ada, pid) == hashes  # untouched
    stranger = TestClient(studio, base_url="http://127.0.0.1:8000")
    assert stranger.get(f"/api/projects/{pid}").status_code == 401
    media = stranger.get(f"/media/{pid}/{frame['media']}", follow_redirects=False)
    assert media.status_code == 303 and media.headers["location"].startswith("/signin?next=")


def test_progress_streams_as_server_sent_events(ada: Musician, project: dict) -> None:
    job = ada.wait(ada.post(f"/api/projects/{project['id']}/export", {"format": "otio"}))
    with ada.client.stream("GET", f"/api/jobs/{job['id']}/events") as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        text = "".join(answer.iter_text())
    events = [block for block in text.split("\n\n") if block]
    assert events[0].startswith("event: job\ndata: ")
    assert json.loads(events[0].split("data: ", 1)[1])["state"] == "done"
    assert events[-1] == 'event: end\ndata: "done"'


def test_bad_uploads_and_requests_are_refused_with_the_reason(
    ada: Musician, project: dict, song: Path, tmp_path: Path
) -> None:
    def upload(name: str, data: bytes, **fields: str) -> Any:
        return ada.post("/api/projects", data=fields, files={"track": (name, data, "audio/wav")})

    answer = upload("notes.txt", b"hello")
    assert answer.status_code == 400 and ".wav" in answer.json()["detail"]
    assert upload("empty.wav", b"").status_code == 400
    too_big = upload("big.wav", b"\0" * (5 * 1024 * 1024))
    assert too_big.status_code == 413 and "4 MB" in too_big.json()["detail"]
    wrong = upload("x.wav", song.read_bytes()[:1000], template="opera")
    assert wrong.status_code == 400 and "template" in wrong.json()["detail"]
    assert not list((ada.client.app.state.settings.data_dir / "uploads").glob("*/x.wav"))

    corrupt = upload("broken.wav", b"RIFF" + b"\x07" * 5000)
    corrupt_job = corrupt.json()["job"]["id"]
    ada.client.app.state.jobs.wait(corrupt_job, timeout=120)  # type: ignore[attr-defined]
    failed = ada.get(f"/api/jobs/{corrupt_job}").json()
    assert failed["state"] == "failed" and "broken" in failed["error"]

    pid = project["id"]
    no_csrf = ada.client.post(f"/api/projects/{pid}/export", json={"format": "mp4"})
    assert no_csrf.status_code == 403
    assert ada.post(f"/api/projects/{pid}/quote", {"kind": "frame"}).status_code == 422
    bad = ada.post(f"/api/projects/{pid}/quote", {"kind": "frame", "numbers": [99],
                                                   "instruction": "x"})  # fmt: skip
    assert bad.status_code == 400 and "frame 99 does not exist" in bad.json()["detail"]
    assert ada.post(f"/api/projects/{pid}/decision", {"action": "approve"}).status_code == 400
    assert ada.get("/api/projects/nope").status_code == 404
    answer = ada.client.post(
        f"/api/projects/{pid}/timeline",
        content=b"{not json",
        headers={"X-CSRF-Token": ada.csrf, "content-type": "application/json"},
    )
    assert answer.status_code == 422


def test_a_project_picks_its_video_model_from_those_that_can_run_here(
    ada: Musician, project: dict, song: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAL_KEY", raising=False)
    adapters = {a["name"]: a for a in ada.get("/api/adapters").json()}
    assert adapters["motion"]["available"]
    assert not adapters["fal"]["available"] and "FAL_KEY" in adapters["fal"]["detail"]
    assert not adapters["diffusers-i2v"]["available"]

    pid = project["id"]
    refused = ada.post(f"/api/projects/{pid}/adapter", {"video_adapter": "fal"})
    assert refused.status_code == 400 and "FAL_KEY" in refused.json()["detail"]
    unknown = ada.post(f"/api/projects/{pid}/adapter", {"video_adapter": "sora"})
    assert unknown.status_code == 400 and "motion" in unknown.json()["detail"]
    chosen = ada.post(f"/api/projects/{pid}/adapter", {"video_adapter": "motion"})
    assert chosen.json() == {"video_adapter": "motion"}
    with song.open("rb") as fh:
        answer = ada.post(
            "/api/projects",
            data={"video_adapter": "veo"},
            files={"track": (song.name, fh, "audio/wav")},
        )
    assert answer.status_code == 400 and "GEMINI_API_KEY" in answer.json()["detail"]
