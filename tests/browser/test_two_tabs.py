"""Two tabs on one timeline in headless Chromium: the tab that saves second, on the version it
loaded, is told the timeline changed (409), keeps its pending edit, and Reload puts the edit
back on the new timeline to save again. The project is made through the JSON API (8 s, 360p)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import DESKTOP
from tests.support.studio import PASSWORD, short_song

JOB_SECONDS = 300


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_song(tmp_path_factory.mktemp("song"), seconds=8.0, name="two tabs.wav")


def finished_job(api: APIRequestContext, job_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + JOB_SECONDS
    while time.monotonic() < deadline:
        job: dict[str, Any] = api.get(f"/api/jobs/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            assert job["state"] == "done", job["error"]
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {JOB_SECONDS} s")


def started(answer: Any) -> int:
    assert answer.status == 202, answer.text()
    return int(answer.json()["job"]["id"])


def save(page: Page, api: APIRequestContext, project: str) -> None:
    """Save the pending edits: on to the job's page, and back to the timeline once it is done
    (a job done before its page loaded leaves the page where it is: go back by hand)."""
    page.click("button:has-text('Save edits')")
    page.wait_for_url("**/jobs/*", timeout=30_000)
    finished_job(api, int(page.url.rsplit("/", 1)[1]))
    try:
        page.wait_for_url("**/timeline", timeout=5_000)
    except PlaywrightTimeoutError:
        page.goto(f"/projects/{project}/timeline")


def test_the_second_tab_is_told_keeps_its_edit_and_reloads(
    browser: Browser, live_server: str, song: Path, shot: Callable[[Page, str], Path]
) -> None:
    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    try:
        api = context.request  # shares the tabs' cookies
        token = api.get("/api/auth/csrf").json()["csrf_token"]
        account = {"email": "tabs@example.com", "password": PASSWORD}
        signed = api.post("/api/auth/signup", data=account, headers={"X-CSRF-Token": token})
        headers = {"X-CSRF-Token": signed.json()["csrf_token"]}
        track = {"name": song.name, "mimeType": "audio/wav", "buffer": song.read_bytes()}
        fields = {"track": track, "resolution": "360p", "brief": "a dancer on a rooftop"}
        job = finished_job(
            api, started(api.post("/api/projects", multipart=fields, headers=headers))
        )
        pid, waiting = job["project_id"], job["result"]["waiting_at"]
        while waiting:
            approve = api.post(f"/api/projects/{pid}/decision", data={"action": "approve"},
                               headers=headers)  # fmt: skip
            waiting = finished_job(api, started(approve))["result"]["waiting_at"]

        problems: list[str] = []
        first, second = context.new_page(), context.new_page()
        for tab in (first, second):
            tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
            tab.goto(f"/projects/{pid}/timeline")  # both tabs load the same version

        first.select_option("#tl-trans-1", "dip-to-black")
        save(first, api, pid)

        second.get_by_role("button", name="Move Shot 1 later").click()
        second.click("button:has-text('Save edits')")
        error = second.locator("[data-editor-error]")
        expect(error).to_contain_text("the timeline was changed in another tab")
        expect(second.locator("[data-pending] li")).to_have_count(1)  # the edit is still there
        assert second.url.endswith("/timeline")  # still here: nothing retried behind its back
        shot(second, "conflict")

        second.get_by_role("button", name="Reload").click()
        expect(second.locator("[data-editor-notice]")).to_contain_text("pending again")
        expect(second.locator("[data-pending] li")).to_have_count(1)
        shot(second, "reloaded")
        save(second, api, pid)

        edits = api.get(f"/api/projects/{pid}").json()["timeline_edits"]
        assert [e["op"] for e in edits[-2:]] == ["transition", "reorder"]  # both tabs' edits
        assert not problems, problems
    finally:
        context.close()
