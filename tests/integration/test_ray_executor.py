"""The studio's jobs on a local Ray cluster (``ray start --head``): the same project as the
local executor gives the same outputs, workers keep what they loaded, and a worker killed
mid-job leaves a clear failure that Resume finishes without duplicates."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from agent.config import Settings
from tests.support.studio import Musician, short_song
from web.app import create_app
from web.config import WebSettings

# The cluster's token, as a deployment gives it to every web server: in the environment before
# Ray is imported (Ray reads its auth settings once, at import).
os.environ.pop("RAY_AUTH_TOKEN_PATH", None)
os.environ.setdefault("RAY_AUTH_MODE", "token")
os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
ray = pytest.importorskip("ray")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    """A local Ray cluster of its own, with token authentication as a real one should have (the
    token set above): a head node on a free port, stopped at the end."""
    binary = shutil.which("ray", path=os.path.dirname(sys.executable))
    if binary is None:
        pytest.skip("the ray command is not installed")
    port = _free_port()
    temp = Path("/tmp") / f"sb-ray-{port}"  # Ray's socket paths must stay short
    command = [
        binary, "start", "--head", f"--port={port}", "--num-cpus=2", "--num-gpus=0",
        "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}",
        "--object-store-memory=200000000", "--node-ip-address=127.0.0.1",
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        ray.shutdown()
        subprocess.run([binary, "stop", "--force"], capture_output=True, timeout=120)
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_song(tmp_path_factory.mktemp("song"), seconds=6.0)


def run_project(app: FastAPI, song: Path) -> dict[str, Any]:
    """Upload, approve every gate, export MP4 and .otio; what came out (the .otio's media
    paths relative to the data dir)."""
    ada = Musician(app, "ada@example.com")
    job = ada.start(song, brief="a dancer on a rooftop at night", resolution="360p")
    project_id = job["project_id"]
    ada.approve_to_end(project_id, job["result"]["waiting_at"])
    exports = {}
    for kind in ("mp4", "otio"):
        done = ada.wait(ada.post(f"/api/projects/{project_id}/export", {"format": kind}))
        exports[kind] = ada.get(f"/api/projects/{project_id}/exports/{done['id']}").content
    data_dir = str(app.state.settings.data_dir).encode()
    exports["otio"] = exports["otio"].replace(data_dir, b"<data>")
    shown = ada.get(f"/api/projects/{project_id}").json()
    artifacts = sorted(
        (a["kind"], a["key"], a["version"], a["sha256"])
        for a in shown["artifacts"]
        if a["kind"] != "export"  # the export record names its file in the data dir
    )
    return {"artifacts": artifacts, "timeline": shown["timeline"], "exports": exports}


def ray_app(data: Path, address: str) -> FastAPI:
    return create_app(
        Settings(data_dir=data), WebSettings(executor="ray", ray_address=address, workers=1)
    )


def test_a_project_through_ray_matches_the_local_executor(
    ray_address: str, song: Path, tmp_path: Path
) -> None:
    local = create_app(Settings(data_dir=tmp_path / "local"), WebSettings())
    through_ray = ray_app(tmp_path / "ray", ray_address)
    try:
        assert through_ray.state.jobs.executor.name == "ray"
        expected = run_project(local, song)
        got = run_project(through_ray, song)
        assert got["artifacts"] == expected["artifacts"]  # every frame and clip, byte for byte
        assert got["timeline"] == expected["timeline"]
        assert got["exports"]["otio"] == expected["exports"]["otio"]
        assert (
            hashlib.sha256(got["exports"]["mp4"]).digest()
            == hashlib.sha256(expected["exports"]["mp4"]).digest()
        )

        worker = through_ray.state.jobs.executor.workers[0]
        assert ray.get(worker.loaded.remote()) == [""]  # the studio was opened once, and kept
    finally:
        local.state.jobs.shutdown()
        through_ray.state.jobs.shutdown()


def test_a_worker_killed_mid_job_fails_it_clearly_and_resume_finishes(
    ray_address: str, song: Path, tmp_path: Path
) -> None:
    app = ray_app(tmp_path / "data", ray_address)
    try:
        ada = Musician(app, "ada@example.com")
        with song.open("rb") as fh:
            started = ada.post(
                "/api/projects", data={"resolution": "360p"}, files={"track": (song.name, fh)}
            )
        job = ada.wait(started)
        project_id = job["project_id"]
        for _ in range(3):  # brief, references, shot list: on to the storyboard's review
            ada.wait(ada.post(f"/api/projects/{project_id}/decision", {"action": "approve"}))
        answer = ada.post(f"/api/projects/{project_id}/decision", {"action": "approve"})
        job_id = answer.json()["job"]["id"]  # animating the shots: the longest stage
        worker = app.state.jobs.executor.workers[0]
        deadline = time.monotonic() + 120
        while True:  # kill the worker once the first clip is made
            job = ada.get(f"/api/jobs/{job_id}").json()
            if job["stage"] == "video" and job["progress"] > 0:
                break
            assert job["state"] in ("queued", "running"), job
            assert time.monotonic() < deadline, "the job never reached the video stage"
            time.sleep(0.05)
        ray.kill(worker, no_restart=False)
        app.state.jobs.wait(job_id, timeout=60)
        job = ada.get(f"/api/jobs/{job_id}").json()
        assert job["state"] == "failed", job
        assert "worker running this job stopped" in job["error"] and "Resume" in job["error"]

        resumed = ada.wait(ada.post(f"/api/projects/{project_id}/resume"))  # Ray restarted it
        assert resumed["result"]["waiting_at"] == "review_animate_shots"
        shown = ada.get(f"/api/projects/{project_id}").json()
        clips = [a for a in shown["artifacts"] if a["kind"] == "clip"]
        assert len(clips) == len(shown["shots"])  # every shot animated once, none twice
        assert all(a["versions"] == 1 for a in clips)
    finally:
        app.state.jobs.shutdown()
