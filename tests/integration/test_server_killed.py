"""A real server process killed (SIGKILL) mid-job: the restarted server says so at once, and
Resume finishes the stage with nothing made twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.studio import PASSWORD, short_song

STORYBEAT = Path(sys.executable).with_name("storybeat")


class Server:
    """``storybeat serve`` on a free port over ``data``."""

    def __init__(self, data: Path, log: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        env = {k: v for k, v in os.environ.items() if not k.startswith("STORYBEAT_")}
        env |= {"STORYBEAT_DATA_DIR": str(data), "STORYBEAT_WEB_PORT": str(self.port)}
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [str(STORYBEAT), "serve"], env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert self.proc.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self._log.close()


class Browser:
    """Cookies, CSRF token and Origin of one signed-in musician."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, headers={"Origin": url}, timeout=30)
        self.csrf = self.client.get("/api/auth/csrf").json()["csrf_token"]

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        if body is not None:
            kwargs["json"] = body
        return self.client.post(path, headers={"X-CSRF-Token": self.csrf}, **kwargs)

    def job(self, job_id: int) -> dict[str, Any]:
        return dict(self.client.get(f"/api/jobs/{job_id}").json())

    def finish(self, answer: httpx.Response, timeout: float = 300) -> dict[str, Any]:
        assert answer.status_code == 202, answer.text
        job_id = answer.json()["job"]["id"]
        deadline = time.monotonic() + timeout
        while (job := self.job(job_id))["state"] in ("queued", "running"):
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        assert job["state"] == "done", job
        return job


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        if server.proc.poll() is None:
            server.kill()


def test_a_killed_server_marks_its_job_and_resume_finishes_it(
    tmp_path: Path, servers: list[Server]
) -> None:
    data, log = tmp_path / "data", tmp_path / "server.log"
    song = short_song(tmp_path, seconds=6.0)
    servers.append(first := Server(data, log))
    ada = Browser(first.url)
    signed = ada.post("/api/auth/signup", {"email": "ada@example.com", "password": PASSWORD})
    assert signed.status_code == 201, signed.text
    ada.csrf = signed.json()["csrf_token"]
    with song.open("rb") as fh:
        started = ada.post("/api/projects", data={"resolution": "360p"}, files={"track": fh})
    project_id = ada.finish(started)["project_id"]
    for _ in range(3):  # brief, references, shot list
        ada.finish(ada.post(f"/api/projects/{project_id}/decision", {"action": "approve"}))
    answer = ada.post(f"/api/projects/{project_id}/decision", {"action": "approve"})
    job_id = answer.json()["job"]["id"]  # animating: the longest stage
    deadline = time.monotonic() + 120
    while not ((job := ada.job(job_id))["stage"] == "video" and job["progress"] > 0):
        assert job["state"] in ("queued", "running") and time.monotonic() < deadline, job
        time.sleep(0.05)
    first.kill()

    servers.append(second := Server(data, log))  # the same machine, a new process
    ada.client.base_url = httpx.URL(second.url)
    ada.client.headers["Origin"] = second.url
    job = ada.job(job_id)
    assert job["state"] == "failed" and "press Resume" in job["error"]
    resumed = ada.finish(ada.post(f"/api/projects/{project_id}/resume"))
    assert resumed["result"]["waiting_at"] == "review_animate_shots"
    shown = ada.client.get(f"/api/projects/{project_id}").json()
    clips = [a for a in shown["artifacts"] if a["kind"] == "clip"]
    assert len(clips) == len(shown["shots"]) and all(a["versions"] == 1 for a in clips)
