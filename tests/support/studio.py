"""A signed-in studio API client for tests: JSON calls with the CSRF header, jobs waited for."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import soundfile
from fastapi import FastAPI
from fastapi.testclient import TestClient

from agent.config import Settings
from web.app import create_app
from web.config import WebSettings

PASSWORD = "correct horse battery"


class Musician:
    """A signed-in API client: JSON calls with the CSRF header, jobs waited for."""

    def __init__(self, app: FastAPI, email: str) -> None:
        self.client = TestClient(app, base_url="http://127.0.0.1:8000")
        self.csrf = self.client.get("/api/auth/csrf").json()["csrf_token"]
        answer = self.post("/api/auth/signup", {"email": email, "password": PASSWORD})
        assert answer.status_code == 201, answer.text
        self.csrf = answer.json()["csrf_token"]

    def post(self, url: str, body: Any = None, **kwargs: Any) -> Any:
        headers = {"X-CSRF-Token": self.csrf}
        if body is not None:
            kwargs["json"] = body
        return self.client.post(url, headers=headers, **kwargs)

    def get(self, url: str) -> Any:
        return self.client.get(url)

    def wait(self, started: Any) -> dict[str, Any]:
        """The finished job of a 202 answer."""
        assert started.status_code == 202, started.text
        job_id = started.json()["job"]["id"]
        self.client.app.state.jobs.wait(job_id, timeout=600)  # type: ignore[attr-defined]
        job = self.get(f"/api/jobs/{job_id}").json()
        assert job["state"] == "done", job["error"]
        return job

    def start(self, song: Path, **fields: str) -> dict[str, Any]:
        """Upload ``song`` as a new project with the form ``fields``; its finished first job."""
        with song.open("rb") as fh:
            started = self.post(
                "/api/projects", data=fields, files={"track": (song.name, fh, "audio/wav")}
            )
        return self.wait(started)

    def approve_to_end(self, project_id: str, waiting: str | None) -> list[str]:
        """Approve every gate from ``waiting`` on; the gates passed."""
        passed = []
        while waiting:
            passed.append(waiting)
            answer = self.post(f"/api/projects/{project_id}/decision", {"action": "approve"})
            waiting = self.wait(answer)["result"]["waiting_at"]
        return passed


def running_studio(data_dir: Path, web: WebSettings | None = None) -> Iterator[FastAPI]:
    """A studio app over ``data_dir`` whose jobs are shut down afterwards (``yield from`` it
    in a fixture)."""
    app = create_app(Settings(data_dir=data_dir), web or WebSettings())
    yield app
    app.state.jobs.shutdown()


def short_song(folder: Path, seconds: float = 12.0, name: str = "night drive.wav") -> Path:
    """The first ``seconds`` of the synthesised demo song, as a WAV file in ``folder``."""
    from audio.demo import synthesize_demo

    synthesize_demo(folder / "demo.wav")
    audio, rate = soundfile.read(folder / "demo.wav")
    path = folder / name
    soundfile.write(path, audio[: int(seconds * rate)], rate, subtype="PCM_16")
    return path
