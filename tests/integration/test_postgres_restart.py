"""The studio on PostgreSQL while the server restarts under load: a private server (the shared
one is never restarted) is stopped and started again while threads keep listing projects,
reading a job and signing in. During the outage every request is answered at once with 503
"the database is unavailable … try again", never a 500 or a hang; afterwards requests work
again without restarting the app, and no user, project or job is lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from agent.config import Settings
from storage import create_job, get_or_create_project, update_job
from tests.support.pg_cluster import PrivateServer, private_postgres
from tests.support.studio import PASSWORD, Musician
from web.app import create_app
from web.config import WebSettings

BASE = "http://127.0.0.1:8000"
OUTAGE = 2.0  # seconds the server stays down
FAST = 3.0  # no request may take longer than this, outage or not
UNAVAILABLE = "the database is unavailable right now; try again in a moment"


@dataclass(frozen=True)
class Call:
    what: str
    started: float
    seconds: float
    status: int
    detail: str


@pytest.fixture
def server() -> Iterator[PrivateServer]:
    with private_postgres() as running:
        yield running


@pytest.fixture
def app(server: PrivateServer, tmp_path: Path) -> Iterator[FastAPI]:
    made = create_app(Settings(data_dir=tmp_path / "data", database_url=server.url), WebSettings())
    yield made
    made.state.jobs.shutdown()
    made.state.studio.db.dispose()


def rows(url: str) -> dict[str, Any]:
    """Users, projects and jobs as the database holds them (read apart from the app)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                "users": connection.execute(text("SELECT id, email FROM users ORDER BY id")).all(),
                "projects": connection.execute(
                    text("SELECT id, name, owner_id FROM projects ORDER BY id")
                ).all(),
                "jobs": connection.execute(
                    text("SELECT id, project_id, kind, state, owner_id FROM jobs ORDER BY id")
                ).all(),
            }
    finally:
        engine.dispose()


def client_like(app: FastAPI, musician: Musician | None = None) -> TestClient:
    """Another browser: a 500 comes back as a response (not raised), the musician's cookies."""
    client = TestClient(app, base_url=BASE, raise_server_exceptions=False)
    if musician is not None:
        for name, value in musician.client.cookies.items():
            client.cookies.set(name, value)
    return client


def sign_in(client: TestClient, email: str) -> Any:
    client.cookies.clear()  # a browser that has not signed in
    token = client.get("/api/auth/csrf").json()["csrf_token"]
    return client.post(
        "/api/auth/signin",
        json={"email": email, "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )


def hammer(name: str, call: Callable[[], Any], stop: threading.Event, calls: list[Call]) -> None:
    """Make ``call`` again and again until ``stop``; a request that raised is status 0."""
    while not stop.is_set():
        started = time.monotonic()
        try:
            answer = call()
            status, body = answer.status_code, answer.json()
        except Exception as exc:  # recorded, so the test fails saying what happened
            status, body = 0, {"detail": repr(exc)}
        detail = str(body.get("detail", "")) if isinstance(body, dict) else ""
        calls.append(Call(name, started, time.monotonic() - started, status, detail))
        time.sleep(0.02)


def test_a_postgres_restart_is_a_clear_503_then_the_app_works_again(
    server: PrivateServer, app: FastAPI
) -> None:
    ada = Musician(app, "ada@example.com")
    with app.state.studio.db.session() as session:
        for n in range(3):
            get_or_create_project(session, f"r{n:015x}", name=f"song {n}", options={},
                                  owner_id=1)  # fmt: skip
        job = create_job(session, kind="render", project_id="r000000000000000")
        job.owner_id = 1
        update_job(session, job.id, state="done")
        job_id = job.id
    before = rows(server.url)
    assert len(before["projects"]) == 3 and len(before["users"]) == 1

    lister, reader, signer = client_like(app, ada), client_like(app, ada), client_like(app)
    load = {
        "list projects": lambda: lister.get("/api/projects"),
        "get a job": lambda: reader.get(f"/api/jobs/{job_id}"),
        "sign in": lambda: sign_in(signer, "ada@example.com"),
    }
    calls: list[Call] = []
    stop = threading.Event()
    threads = [threading.Thread(target=hammer, args=(name, call, stop, calls), daemon=True)
               for name, call in load.items()]  # fmt: skip
    for thread in threads:
        thread.start()
    try:
        warm = time.monotonic() + 30
        while {c.what for c in calls if c.status == 200} != set(load) and time.monotonic() < warm:
            time.sleep(0.05)  # each kind of request has worked once (the first are slow)
        time.sleep(0.5)
        stopping = time.monotonic()
        server.stop("fast")  # every session is ended, as in a restart
        down = time.monotonic()
        time.sleep(OUTAGE)
        starting = time.monotonic()  # it may take connections before pg_ctl returns
        server.start()
        up = time.monotonic()
        time.sleep(2.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a request hung"

    assert {c.status for c in calls} <= {200, 503}, [c for c in calls if c.status not in (200, 503)]
    assert max(c.seconds for c in calls) < FAST, "a request did not fail fast"
    outage = [c for c in calls if down + 0.2 < c.started and c.started + c.seconds < starting]
    for name in load:  # every kind of request met the outage, and was told so
        met = [c for c in outage if c.what == name]
        wrong = [(c.started - down, c.seconds, c.status, c.detail) for c in met
                 if (c.status, c.detail) != (503, UNAVAILABLE)]  # fmt: skip
        assert met and not wrong, (name, wrong)
    for name in load:  # and works again, on the same app, soon after the server is back
        after = [c for c in calls if c.what == name and c.started > up + 1.0]
        failed = [(c.started - up, c.seconds, c.status, c.detail) for c in after if c.status != 200]
        assert after and not failed, (name, failed)
    before_ok = [c for c in calls if c.started + c.seconds < stopping]
    assert before_ok and all(c.status == 200 for c in before_ok)

    after_rows = rows(server.url)
    assert after_rows == before  # no user, project or job lost
    assert lister.get("/api/projects").json()[0]["name"].startswith("song")
