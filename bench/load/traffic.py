"""Simulated musicians: one ``httpx.AsyncClient`` each (its own cookies), every request timed.

A *browser* loops over the studio's read routes on its own project with a short think time;
a *follower* holds the server-sent events of its project's job open until ``end``, then
starts the next piece of work (approve the gate it waits at; once past every gate, export
the cut) and streams that job in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "load test password"
TIMEOUT = httpx.Timeout(30.0)
SSE_TIMEOUT = httpx.Timeout(30.0, read=None)  # a queued job may stay silent for long
ACTIVE = ("queued", "running")
# What a browsing user does, and how often (weights).
MIX: dict[str, int] = {
    "api_projects": 1,  # GET /api/projects
    "projects_page": 1,  # GET /projects (HTML)
    "project_page": 2,  # GET /projects/ID/review → the stage page under review (HTML)
    "project": 2,  # GET /api/projects/ID
    "analysis": 1,  # GET /api/projects/ID/analysis
    "job": 3,  # GET /api/jobs/ID (progress polling)
}


class LoadError(RuntimeError):
    """A step that must work for the test to mean anything (sign-up, a project) failed."""


@dataclass
class Recorder:
    """Latencies (s) per request kind, errors by (kind, what), SSE and job counts."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)
    sse_events: int = 0
    sse_ended: int = 0
    sse_open_at_end: int = 0
    jobs: Counter[str] = field(default_factory=Counter)
    job_failures: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, seconds: float, error: str | None = None) -> None:
        self.latencies[kind].append(seconds)
        if error is not None:
            self.errors[(kind, error)] += 1

    def error_count(self, kind: str | None = None) -> int:
        return sum(n for (k, _), n in self.errors.items() if kind is None or k == kind)

    def total(self) -> int:
        return sum(len(v) for v in self.latencies.values())


def _problem(answer: httpx.Response) -> str:
    try:
        detail = answer.json().get("detail", "")
    except (ValueError, AttributeError):
        detail = answer.text[:120]
    return f"HTTP {answer.status_code} {' '.join(str(detail).split())[:160]}".strip()


class User:
    """One signed-in musician with their own client, project and latest job."""

    def __init__(self, base_url: str, index: int, recorder: Recorder) -> None:
        self.index = index
        self.email = f"musician{index:03d}@load.example"
        self.client = httpx.AsyncClient(
            base_url=base_url, timeout=TIMEOUT, headers={"Origin": base_url}
        )
        self.recorder = recorder
        self.rng = random.Random(index)
        self.csrf = ""
        self.project_id: str | None = None
        self.job_id: int | None = None

    async def request(
        self, kind: str, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        """Send, time and record one request; None when it failed to complete."""
        if method != "GET":
            kwargs.setdefault("headers", {})["X-CSRF-Token"] = self.csrf
        started = time.perf_counter()
        try:
            answer = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.recorder.add(kind, time.perf_counter() - started, type(exc).__name__)
            return None
        elapsed = time.perf_counter() - started
        error = _problem(answer) if answer.status_code >= 400 else None
        if error is None and answer.url.path == "/signin":
            error = "sent to /signin (session lost)"
        self.recorder.add(kind, elapsed, error)
        return answer if error is None else None

    async def sign_up(self) -> None:
        answer = await self.request("csrf", "GET", "/api/auth/csrf")
        if answer is None:
            raise LoadError(f"{self.email}: no CSRF token")
        self.csrf = answer.json()["csrf_token"]
        body = {"email": self.email, "password": PASSWORD}
        answer = await self.request("signup", "POST", "/api/auth/signup", json=body)
        if answer is None or answer.status_code != 201:
            raise LoadError(f"{self.email}: sign-up failed: {self.recorder.errors}")
        self.csrf = answer.json()["csrf_token"]

    async def create_project(self, song: Path, brief: str) -> None:
        """Upload ``song`` as a new 360p project; its first job becomes this user's job."""
        with song.open("rb") as handle:
            answer = await self.request(
                "upload", "POST", "/api/projects",
                data={"brief": brief, "resolution": "360p"},
                files={"track": (song.name, handle, "audio/wav")},
            )  # fmt: skip
        if answer is None:
            raise LoadError(f"{self.email}: the project was refused: {self.recorder.errors}")
        self.job_id = answer.json()["job"]["id"]

    async def wait_job(self, timeout: float = 300.0) -> dict[str, Any]:
        """Poll this user's job until it ends; learn the project it made."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            answer = await self.request("job", "GET", f"/api/jobs/{self.job_id}")
            job: dict[str, Any] = answer.json() if answer is not None else {}
            if job.get("state") not in (*ACTIVE, None):
                self.project_id = job.get("project_id") or self.project_id
                return job
            await asyncio.sleep(0.25)
        raise LoadError(f"{self.email}: job {self.job_id} did not end within {timeout:g} s")

    async def visit(self, kind: str) -> None:
        """One browsing request of ``kind`` (see MIX)."""
        pid = self.project_id
        urls = {
            "api_projects": "/api/projects",
            "projects_page": "/projects",
            "project_page": f"/projects/{pid}/review",
            "project": f"/api/projects/{pid}",
            "analysis": f"/api/projects/{pid}/analysis",
            "job": f"/api/jobs/{self.job_id}",
            "health": "/health",
        }
        await self.request(kind, "GET", urls[kind], follow_redirects=kind == "project_page")

    async def stream(self, stop: asyncio.Event) -> str | None:
        """Read the job's events until ``end``: its final state, or None when stopped first
        (or the stream failed, which is recorded)."""
        reader = asyncio.create_task(self._read_events())
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if reader.done():
            return reader.result()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        self.recorder.sse_open_at_end += 1
        return None

    async def _read_events(self) -> str | None:
        url = f"/api/jobs/{self.job_id}/events"
        started = time.perf_counter()
        first: float | None = None
        event = ""
        try:
            async with self.client.stream("GET", url, timeout=SSE_TIMEOUT) as answer:
                if answer.status_code >= 400:
                    await answer.aread()
                    self.recorder.add("sse", time.perf_counter() - started, _problem(answer))
                    return None
                async for line in answer.aiter_lines():
                    if line.startswith("event: "):
                        event = line.removeprefix("event: ")
                    elif line.startswith("data: "):
                        if first is None:
                            first = time.perf_counter() - started
                            self.recorder.add("sse", first)  # time to the first event
                        self.recorder.sse_events += 1
                        if event == "end":
                            self.recorder.sse_ended += 1
                            state: str = json.loads(line.removeprefix("data: "))
                            return state
        except httpx.HTTPError as exc:
            if first is None:
                self.recorder.add("sse", time.perf_counter() - started, type(exc).__name__)
            else:
                self.recorder.errors[("sse", f"{type(exc).__name__} mid-stream")] += 1
            return None
        if first is None:
            self.recorder.add("sse", time.perf_counter() - started, "closed before any event")
        else:
            self.recorder.errors[("sse", "closed without an end event")] += 1
        return None

    async def next_job(self) -> bool:
        """Start the project's next piece of work: approve the gate it waits at, or export
        once past every gate. False if the studio refused (recorded)."""
        answer = await self.request("job", "GET", f"/api/jobs/{self.job_id}")
        if answer is None:
            return False
        job = answer.json()
        self.recorder.jobs[job["state"]] += 1
        if job["state"] == "failed":
            self.recorder.job_failures[f"{job['kind']}: {job['error']}"[:200]] += 1
        await self.request("project", "GET", f"/api/projects/{self.project_id}")
        waiting = (job.get("result") or {}).get("waiting_at") if job["kind"] != "export" else None
        kind = "decision" if waiting else "export"
        body = {"action": "approve"} if waiting else {"format": "mp4"}
        url = f"/api/projects/{self.project_id}/{kind}"
        started = await self.request(kind, "POST", url, json=body)
        if started is None:
            return False
        self.job_id = started.json()["job"]["id"]
        return True

    async def cancel_active(self) -> None:
        """Ask this user's job to stop if it still runs (the studio goes idle after a run)."""
        answer = await self.request("job", "GET", f"/api/jobs/{self.job_id}")
        if answer is not None and answer.json()["state"] in ACTIVE:
            await self.request("cancel", "POST", f"/api/jobs/{self.job_id}/cancel")

    async def close(self) -> None:
        await self.client.aclose()


async def browse(user: User, stop: asyncio.Event, think: float, kinds: dict[str, int]) -> None:
    """Visit ``kinds`` at random (weighted) with 0 to ``think`` seconds between, until stopped."""
    names, weights = list(kinds), list(kinds.values())
    while not stop.is_set():
        await user.visit(user.rng.choices(names, weights)[0])
        if think > 0:
            await asyncio.sleep(user.rng.uniform(0.0, think))


async def follow(user: User, stop: asyncio.Event, think: float) -> None:
    """Stream the job, start the next, stream that … until stopped; browse if refused."""
    while not stop.is_set():
        if await user.stream(stop) is None and stop.is_set():
            return
        if stop.is_set() or not await user.next_job():
            break
    await browse(user, stop, think, MIX)


async def run_window(
    browsers: list[User],
    followers: list[User],
    seconds: float,
    think: float,
    *,
    mix: dict[str, int],
) -> float:
    """Every user at work for ``seconds``; then each finishes the request it is in (streams
    are closed). The seconds the window lasted."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(browse(u, stop, think, mix)) for u in browsers]
    tasks += [asyncio.create_task(follow(u, stop, think)) for u in followers]
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - started
    await asyncio.gather(*tasks)
    return elapsed


async def gather_limited(limit: int, *jobs: Any) -> None:
    """Await the coroutines ``jobs`` with at most ``limit`` running at once."""
    gate = asyncio.Semaphore(limit)

    async def one(job: Any) -> None:
        async with gate:
            await job

    await asyncio.gather(*(one(job) for job in jobs))
