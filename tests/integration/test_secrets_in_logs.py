"""Secrets never reach the logs: with every hosted provider's key, a database URL with a
password and the musicians' passwords about, all log records (DEBUG and up, tracebacks too)
of sign-up, sign-in, failed sign-ins and a hosted video adapter refusing its key hold none of
them; neither do job errors, API answers or the reprs of settings, adapters and engines."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from agent.config import Settings
from tests.support.studio import short_song
from web.app import create_app
from web.config import WebSettings

KEYS = {
    "FAL_KEY": "fal-key-SECRET-1111",
    "REPLICATE_API_TOKEN": "r8_SECRET2222",
    "BFL_API_KEY": "bfl-SECRET-3333",
    "GEMINI_API_KEY": "gemini-SECRET-4444",
    "KLING_ACCESS_KEY": "kling-ak-SECRET-5555",
    "KLING_SECRET_KEY": "kling-sk-SECRET-6666",
}
PASSWORD = "pw-SECRET-7777-long"
WRONG_PASSWORD = "wrong-SECRET-8888"
DB_PASSWORD = "db-SECRET-9999"
DATABASE_URL = f"postgresql://storybeat:{DB_PASSWORD}@127.0.0.1:1/studio"
SECRETS = [*KEYS.values(), PASSWORD, WRONG_PASSWORD, DB_PASSWORD]
BASE = "http://127.0.0.1:8000"


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def provider_refuses_the_key(request: httpx.Request) -> httpx.Response:
    """A provider that echoes the key it was sent in its refusal (some do)."""
    sent = request.headers.get("authorization", "")
    return httpx.Response(401, json={"detail": f"invalid credentials: {sent!r}"})


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Everything below, with every record logged meanwhile kept."""
    kept = Kept()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(kept)
    root.setLevel(logging.DEBUG)
    logging.getLogger("numba").setLevel(logging.WARNING)  # its compiler's DEBUG is huge
    seen: dict[str, Any] = {"records": kept.records}
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in KEYS.items():
                patch.setenv(name, value)
            patch.setattr("videogen.hosted._http.default_client", lambda: httpx.Client(
                transport=httpx.MockTransport(provider_refuses_the_key)))  # fmt: skip
            seen |= _sign_in_and_fail(tmp_path_factory)
            seen["database"] = _open_with_password(tmp_path_factory.mktemp("db"))
        yield seen
    finally:
        root.removeHandler(kept)
        root.setLevel(old_level)


def _sign_in_and_fail(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("secrets")), WebSettings())
    client = TestClient(app, base_url=BASE)
    headers = {"X-CSRF-Token": client.get("/api/auth/csrf").json()["csrf_token"]}
    answers = []
    account = {"email": "ada@example.com", "password": PASSWORD}
    answers.append(client.post("/api/auth/signup", json=account, headers=headers))
    headers = {"X-CSRF-Token": answers[-1].json()["csrf_token"]}
    answers.append(client.post("/api/auth/signout", headers=headers))
    headers = {"X-CSRF-Token": client.get("/api/auth/csrf").json()["csrf_token"]}
    wrong = {**account, "password": WRONG_PASSWORD}
    answers.append(client.post("/api/auth/signin", json=wrong, headers=headers))
    answers.append(client.post("/signin", data={**wrong, "csrf_token": headers["X-CSRF-Token"]}))
    again = {
        "email": "ada@example.com",
        "password": PASSWORD,
        "csrf_token": headers["X-CSRF-Token"],
    }
    answers.append(client.post("/signup", data=again))  # taken: the form comes back
    answers.append(client.post("/api/auth/signin", json=account, headers=headers))
    session = client.cookies.get("sb_session")
    headers = {"X-CSRF-Token": answers[-1].json()["csrf_token"]}
    assert [a.status_code for a in answers] == [201, 204, 401, 400, 400, 200]

    song = short_song(tmp_path_factory.mktemp("song"), 6.0)
    started = client.post("/api/projects", headers=headers,
                          data={"resolution": "360p", "video_adapter": "fal"},
                          files={"track": (song.name, song.read_bytes(), "audio/wav")})  # fmt: skip
    jobs = [_finished(app, client, started)]
    pid = jobs[0]["project_id"]
    while jobs[-1]["result"]["waiting_at"]:  # fal refuses its key; stills stand in for clips
        approve = client.post(f"/api/projects/{pid}/decision", json={"action": "approve"},
                              headers=headers)  # fmt: skip
        jobs.append(_finished(app, client, approve))
    shown = client.get(f"/api/projects/{pid}").text
    app.state.jobs.shutdown()
    return {"answers": answers, "jobs": jobs, "project": shown, "session": session,
            "csrf": headers["X-CSRF-Token"]}  # fmt: skip


def _finished(app: Any, client: TestClient, started: Any) -> dict[str, Any]:
    assert started.status_code == 202, started.text
    job_id = started.json()["job"]["id"]
    app.state.jobs.wait(job_id, timeout=300)
    job: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json()
    assert job["state"] == "done", job["error"]
    return job


def _open_with_password(folder: Path) -> str:
    from storage import StorageError

    try:
        create_app(Settings(data_dir=folder, database_url=DATABASE_URL), WebSettings())
    except StorageError as exc:
        logging.getLogger(__name__).exception("the studio could not start")
        return str(exc)
    raise AssertionError("a database on port 1 answered")


def test_no_log_record_holds_a_secret(run: dict[str, Any]) -> None:
    records: list[logging.LogRecord] = run["records"]
    loggers = {r.name.split(".")[0] for r in records}
    assert {"web", "videogen", "storage"} <= loggers, loggers
    assert any("signed in" in r.getMessage() for r in records)
    assert any("refused" in r.getMessage() for r in records)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    tokens = [run["session"], run["csrf"]]
    for record in records:
        text = formatter.format(record)  # the message, and the traceback if there is one
        for secret in [*SECRETS, *tokens]:
            assert secret not in text, f"{secret!r} logged by {record.name}: {text[:300]}"


def test_the_adapter_error_names_the_variable_not_the_key(run: dict[str, Any]) -> None:
    assert "FAL_KEY" in run["project"]  # the stand-in's reason: fal refused, check FAL_KEY
    for text in [run["project"], *(json.dumps(job) for job in run["jobs"])]:
        assert not [s for s in SECRETS if s in text], text


def test_answers_never_echo_a_password(run: dict[str, Any]) -> None:
    for answer in run["answers"]:
        assert PASSWORD not in answer.text and WRONG_PASSWORD not in answer.text
    assert DB_PASSWORD not in run["database"] and "***" in run["database"]


def test_reprs_of_settings_adapters_and_engines_hide_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from imagegen.flux2.hosted import Flux2HostedEngine
    from videogen.hosted import FalAdapter, KlingAdapter, ReplicateAdapter, VeoAdapter

    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    settings = Settings(database_url=DATABASE_URL)
    shown = [repr(settings), str(settings)]
    for adapter in (FalAdapter(), KlingAdapter(), ReplicateAdapter(), VeoAdapter()):
        shown += [repr(adapter), str(adapter), repr(adapter.http)]
        adapter.close()
    engine = Flux2HostedEngine()
    shown += [repr(engine), str(engine)]
    engine.close()
    for text in shown:
        assert not [s for s in SECRETS if s in text], text
