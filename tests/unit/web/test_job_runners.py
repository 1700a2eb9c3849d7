"""Servers sharing one database: whose jobs are lost, heartbeats, Cancel through the row,
and studios kept per adapter."""

from __future__ import annotations

import os
import socket
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agent.config import Settings
from agent.studio import Studio, open_studio
from storage import Job, create_job
from storage.accounts import create_user
from storage.models import utcnow
from web import adapters as web_adapters
from web.config import WebSettings
from web.jobs import INTERRUPTED, JobRunner, _gone_from


@pytest.fixture
def studio(tmp_path: Path) -> Studio:
    return open_studio(Settings(data_dir=tmp_path / "data"))


@pytest.fixture
def owner(studio: Studio) -> int:
    with studio.db.session() as session:
        return create_user(session, "ada@example.com", "not-a-real-hash").id


def add_job(
    studio: Studio, runner: str | None, beat_ago: float | None, state: str = "running"
) -> int:
    with studio.db.session() as session:
        job = create_job(session, kind="render")
        job.state, job.runner = state, runner
        job.heartbeat_at = None if beat_ago is None else utcnow() - timedelta(seconds=beat_ago)
        return job.id


def states(studio: Studio) -> dict[int, tuple[str, str | None]]:
    with studio.db.session() as session:
        return {job.id: (job.state, job.error) for job in session.query(Job).all()}


def test_a_runner_is_gone_when_its_process_on_this_host_has_exited() -> None:
    host = socket.gethostname()
    assert _gone_from(host, None)
    assert _gone_from(host, f"{host}:{os.getpid()}:0000")  # this process, an earlier runner
    assert not _gone_from(host, f"{host}:1:0000")  # pid 1 is alive (no permission is not gone)
    assert _gone_from(host, f"{host}:{2**22 + 12345}:0000")  # no such process
    assert not _gone_from(host, "elsewhere:1234:abcd")  # another machine: wait for its heartbeat


def test_start_up_marks_the_jobs_of_dead_or_silent_runners_only(studio: Studio) -> None:
    web = WebSettings(job_stale_s=30)
    other_host_fresh = add_job(studio, "elsewhere:99:aa", beat_ago=5)
    other_host_silent = add_job(studio, "elsewhere:99:aa", beat_ago=120)
    here_dead = add_job(studio, f"{socket.gethostname()}:{2**22 + 7}:bb", beat_ago=1)
    finished = add_job(studio, None, beat_ago=None, state="done")
    runner = JobRunner(studio, web=web)
    try:
        assert runner.recover() == 2
        found = states(studio)
        assert found[other_host_fresh] == ("running", None)  # another server's live job
        assert found[other_host_silent] == ("failed", INTERRUPTED)
        assert found[here_dead] == ("failed", INTERRUPTED)
        assert found[finished][0] == "done"
    finally:
        runner.shutdown()


def test_heartbeats_keep_own_jobs_and_mark_silent_ones(
    studio: Studio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("web.jobs.HEARTBEAT_EVERY", 0.05)
    runner = JobRunner(studio, web=WebSettings(job_stale_s=30))
    try:
        own = add_job(studio, runner.runner_id, beat_ago=600)  # old, but ours: kept alive
        silent = add_job(studio, "elsewhere:99:aa", beat_ago=600)
        deadline = utcnow() + timedelta(seconds=10)
        while states(studio)[silent][0] != "failed":
            assert utcnow() < deadline, "the silent job was never marked"
            threading.Event().wait(0.05)
        with studio.db.session() as session:
            job = session.get(Job, own)
            assert job is not None and job.state == "running"
            assert job.heartbeat_at is not None
            assert utcnow() - job.heartbeat_at < timedelta(seconds=5)
    finally:
        runner.shutdown()


def test_cancel_is_a_flag_any_server_can_set_and_a_worker_reads(studio: Studio, owner: int) -> None:
    started, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    def work(s: Studio) -> dict[str, Any]:
        started.set()
        release.wait(10)
        seen.append(s.cancel())
        return {}

    runner = JobRunner(studio)
    other_server = JobRunner(studio)
    try:
        job_id = runner.submit(work, kind="render", owner_id=owner)
        assert started.wait(10)
        other_server.cancel(job_id)  # pressed on a page another server served
        release.set()
        runner.wait(job_id, timeout=10)
        assert seen == [True]
    finally:
        runner.shutdown()
        other_server.shutdown()


def test_a_job_cancelled_before_it_starts_never_runs(studio: Studio, owner: int) -> None:
    ran: list[int] = []
    gate = threading.Event()
    runner = JobRunner(studio)  # one worker thread: the second job waits for the first
    try:
        first = runner.submit(lambda s: gate.wait(10) and None, kind="a", owner_id=owner)
        second = runner.submit(lambda s: ran.append(1) and None, kind="b", owner_id=owner)
        runner.cancel(second)
        gate.set()
        runner.wait(first, timeout=10)
        runner.wait(second, timeout=10)
        assert ran == [] and states(studio)[second] == ("cancelled", "cancelled")
    finally:
        runner.shutdown()


def test_kept_studios_build_an_adapter_once_per_thread(
    studio: Studio, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str | None] = []

    def counting(base: Studio, name: str | None) -> Studio:
        built.append(name)
        return base

    monkeypatch.setattr(web_adapters, "studio_for", counting)
    kept = web_adapters.KeptStudios(studio)
    for _ in range(3):
        kept(None)
        kept("motion")
    other = threading.Thread(target=lambda: kept("motion"))
    other.start()
    other.join()
    assert built == [None, "motion", "motion"]  # once here, once in the other thread
    assert kept.names() == ["", "motion"]
