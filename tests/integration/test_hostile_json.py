"""Malformed and hostile JSON bodies on every JSON route (walked from ``app.routes``): cut-off
JSON, wrong types, numbers no field can hold, deep nesting, a 10 MB string. Each is a 4xx
whose message says what was wrong; none is a 500 and none starts a job."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from tests.support.routes import routes
from tests.support.studio import Musician, running_studio, short_song

BASE = "http://127.0.0.1:8000"
MALFORMED: dict[str, bytes] = {
    "cut-off": b'{"action": "appr',
    "not-utf8": b'{"action": "\xff\xfe"}',
    "empty": b"",
    "list": b"[]",
    "string": b'"approve"',
    "number": b"42",
    "null": b"null",
    "deep-lists": b"[" * 100_000 + b"]" * 100_000,
    "deep-objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "5000-digits": b'{"version": 1' + b"0" * 5000 + b', "numbers": [1]}',
    "ten-megabytes": json.dumps({"instruction": "x" * 10_000_000, "edits": ["x"]}).encode(),
}
WRONG_TYPES = [{"x": [1]}, [[1]], -(10**30), True]  # no field takes these alone
INFINITE = b"1e999"  # standard JSON; Python reads it as inf (and NaN as nan)


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    yield from running_studio(tmp_path_factory.mktemp("json"))


@pytest.fixture(scope="module")
def ada(studio: FastAPI) -> Musician:
    return Musician(studio, "ada@example.com")


@pytest.fixture(scope="module")
def project(ada: Musician, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Ada's project, reviewed to the end (so it has shots, frames, clips and a timeline)."""
    job = ada.start(short_song(tmp_path_factory.mktemp("song"), 6.0), resolution="360p")
    ada.approve_to_end(job["project_id"], job["result"]["waiting_at"])
    return {"project_id": job["project_id"], "job_id": job["id"]}


@pytest.fixture(scope="module")
def json_routes(studio: FastAPI, project: dict[str, Any]) -> dict[str, type[BaseModel]]:
    """URL → body model of every JSON route, with Ada's project and job in the path."""
    found = [r for r in routes(studio) if r.body == "json"]
    assert {r.method for r in found} == {"POST"}
    return {
        r.path.format(**project): r.dependant.body_params[0].field_info.annotation for r in found
    }


def send(client: TestClient, csrf: str, url: str, body: bytes) -> Any:
    headers = {"X-CSRF-Token": csrf, "content-type": "application/json"}
    return client.post(url, content=body, headers=headers)


def assert_refused(answer: Any, what: str) -> None:
    assert 400 <= answer.status_code < 500 and answer.status_code != 404, (what, answer.text)
    detail = answer.json()["detail"]
    assert detail and "something went wrong" not in str(detail), (what, detail)


def test_there_are_json_routes_to_try(json_routes: dict[str, type[BaseModel]]) -> None:
    assert len(json_routes) >= 8  # auth, adapter, decision, quote, restore, timeline, export


@pytest.mark.parametrize("kind", MALFORMED)
def test_malformed_bodies_are_refused_on_every_json_route(
    ada: Musician, json_routes: dict[str, type[BaseModel]], kind: str
) -> None:
    anonymous = TestClient(ada.client.app, base_url=BASE)
    anonymous_csrf = anonymous.get("/api/auth/csrf").json()["csrf_token"]
    for url in json_routes:
        client, csrf = (anonymous, anonymous_csrf) if "/auth/" in url else (ada.client, ada.csrf)
        assert_refused(send(client, csrf, url, MALFORMED[kind]), f"{kind} → {url}")
    too_long = send(ada.client, ada.csrf, list(json_routes)[-1], MALFORMED["ten-megabytes"])
    assert too_long.status_code == 413 and "larger than 1024 KB" in too_long.json()["detail"]


def test_fields_of_the_wrong_type_are_refused(
    studio: FastAPI, ada: Musician, json_routes: dict[str, type[BaseModel]]
) -> None:
    anonymous = TestClient(studio, base_url=BASE)
    anonymous_csrf = anonymous.get("/api/auth/csrf").json()["csrf_token"]
    for url, model in json_routes.items():
        client, csrf = (anonymous, anonymous_csrf) if "/auth/" in url else (ada.client, ada.csrf)
        for name in model.model_fields:
            for value in WRONG_TYPES:
                body = json.dumps({name: value}).encode()
                assert_refused(send(client, csrf, url, body), f"{name}={value!r} → {url}")


@pytest.mark.parametrize(
    "edit",
    [
        {"op": "move", "shot": 1, "to": "INF"},
        {"op": "move", "shot": 1, "to": "NAN"},
        {"op": "move", "shot": 1, "to": 1e300},
        {"op": "reorder", "shot": 1, "index": "INF"},
        {"op": "reorder", "shot": 1, "index": -(10**40)},
        {"op": "reorder", "shot": 10**40, "index": 0},
        {"op": "trim", "shot": 1, "start": "NAN", "end": "INF"},
        {"op": "transition", "after": 1, "seconds": "INF"},
        {"op": "transition", "after": 1, "type": "<script>", "align": {"x": 1}},
        {"op": "split", "shot": [1], "at": None},
    ],
    ids=lambda e: json.dumps(e)[:48],
)
def test_timeline_edits_no_number_can_hold_are_refused(
    ada: Musician, project: dict[str, Any], edit: dict[str, Any]
) -> None:
    text = json.dumps({"edits": [edit]}).replace('"INF"', "1e999").replace('"NAN"', "NaN")
    url = f"/api/projects/{project['project_id']}/timeline"
    assert_refused(send(ada.client, ada.csrf, url, text.encode()), text)


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("quote", {"kind": "frame", "numbers": [10**40], "instruction": "x"}),
        ("quote", {"kind": "frame", "numbers": [1], "instruction": " " * 400}),
        ("quote", {"kind": "frame", "numbers": [1] * 5000, "instruction": "x" * 501}),
        ("restore", {"artifact": "frame:99999999999999999999", "version": 1}),
        ("restore", {"artifact": "frame:1", "version": 10**40}),
        ("decision", {"action": "regenerate", "instruction": "x" * 501}),
        ("adapter", {"video_adapter": "../../motion"}),
        ("export", {"format": "mp4", "preset": "<script>alert(1)</script>"}),
    ],
    ids=lambda v: v if isinstance(v, str) else json.dumps(v)[:40],
)
def test_well_formed_but_impossible_requests_are_refused(
    ada: Musician, project: dict[str, Any], route: str, body: dict[str, Any]
) -> None:
    url = f"/api/projects/{project['project_id']}/{route}"
    assert_refused(ada.post(url, body), f"{route}: {body}")
