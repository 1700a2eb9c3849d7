"""Two tabs editing one project: every read shows the version of the timeline (and shot list),
every edit sends back the version it was made on, and an edit made on a version that has
changed since is refused with 409 — at the request and again inside the job — so no tab
silently overwrites what another saved. Previz + motion on a 8 s song at 360p, rendered once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from agent import project as agent_project
from agent.config import Settings
from agent.errors import EditConflict
from storage import Job
from tests.support.studio import Musician, short_song
from web import work
from web.app import create_app
from web.config import WebSettings

CHANGED = "was changed in another tab or by someone else since you loaded it"
REORDER = {"op": "reorder", "shot": 2, "index": 0}
CROSSFADE = {"op": "transition", "after": 2, "type": "crossfade", "seconds": 0.25}


class Tab(Musician):
    """A second tab of a signed-in musician: the same cookies and CSRF token, its own client."""

    def __init__(self, first: Musician) -> None:
        self.client = TestClient(
            first.client.app, base_url=str(first.client.base_url), cookies=first.client.cookies
        )
        self.csrf = first.csrf


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("versions")), WebSettings())
    yield app
    app.state.jobs.shutdown()


@pytest.fixture(scope="module")
def tab_a(studio: FastAPI) -> Musician:
    return Musician(studio, "ada@example.com")


@pytest.fixture(scope="module")
def tab_b(tab_a: Musician) -> Musician:
    return Tab(tab_a)


@pytest.fixture(scope="module")
def at_shots(tab_a: Musician, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A reviewed project waiting at the shot-list review."""
    song = short_song(tmp_path_factory.mktemp("song"), seconds=8.0)
    with song.open("rb") as fh:
        started = tab_a.post(
            "/api/projects",
            data={"brief": "a dancer on a rooftop at night", "resolution": "360p"},
            files={"track": (song.name, fh, "audio/wav")},
        )
    job = tab_a.wait(started)
    pid = str(job["project_id"])
    waiting = job["result"]["waiting_at"]
    while waiting != "review_plan_shot_list":
        waiting = tab_a.wait(tab_a.post(f"/api/projects/{pid}/decision", {"action": "approve"}))[
            "result"
        ]["waiting_at"]
    return pid


@pytest.fixture(scope="module")
def finished(tab_a: Musician, at_shots: str) -> str:
    """The same project approved to the end: it has its timeline and waits nowhere."""
    pending = tab_a.get(f"/api/projects/{at_shots}").json()["next"]
    tab_a.approve_to_end(at_shots, pending[0] if pending else None)
    return at_shots


def jobs_of(studio: FastAPI, pid: str) -> int:
    with studio.state.studio.db.session() as session:
        return int(session.scalar(select(func.count()).where(Job.project_id == pid)) or 0)


def shown(tab: Musician, pid: str) -> dict[str, Any]:
    return dict(tab.get(f"/api/projects/{pid}").json())


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found[1]


def clips_and_transitions(timeline: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Clip names in order, and the clip each transition follows."""
    items = timeline["tracks"][0]["items"]
    clips = [i["name"] for i in items if i["kind"] == "clip"]
    after = [items[k - 1]["name"] for k, i in enumerate(items) if i["kind"] == "transition"]
    return clips, after


def test_shot_list_edits_from_a_stale_tab_are_refused(
    studio: FastAPI, tab_a: Musician, tab_b: Musician, at_shots: str
) -> None:
    url = f"/api/projects/{at_shots}/decision"
    version = shown(tab_a, at_shots)["shots_version"]
    assert version and shown(tab_b, at_shots)["shots_version"] == version
    first = {"action": "edit", "edits": [{"op": "reprompt", "shot": 1, "prompt": "neon rain"}]}
    tab_a.wait(tab_a.post(url, {**first, "version": version}))
    now = shown(tab_a, at_shots)["shots_version"]
    assert now != version

    queued = jobs_of(studio, at_shots)
    second = {"action": "edit", "edits": [{"op": "reprompt", "shot": 2, "prompt": "dawn"}]}
    refused = tab_b.post(url, {**second, "version": version})
    assert refused.status_code == 409
    assert f"the shot list {CHANGED} (version {version}, now {now})" in refused.json()["detail"]
    html = tab_b.get(f"/projects/{at_shots}/shots").text  # the form without JavaScript
    assert f'name="version" value="{now}"' in html
    form = {"csrf_token": csrf(html), "action": "edit", "version": version,
            "edits": '[{"op": "remove", "shot": 2}]'}  # fmt: skip
    page = tab_b.client.post(f"/projects/{at_shots}/decision", data=form)
    assert page.status_code == 409 and f"the shot list {CHANGED}" in page.text
    assert f'href="/projects/{at_shots}/review"' in page.text  # back to the shot list
    assert jobs_of(studio, at_shots) == queued

    tab_b.wait(tab_b.post(url, {**second, "version": shown(tab_b, at_shots)["shots_version"]}))
    shots = shown(tab_b, at_shots)["shots"]
    assert shots[0]["prompt"] == "neon rain" and shots[1]["prompt"] == "dawn"  # both edits


def test_a_stale_tab_gets_409_then_reloads_and_both_edits_are_kept(
    studio: FastAPI, tab_a: Musician, tab_b: Musician, finished: str
) -> None:
    url = f"/api/projects/{finished}/timeline"
    version = shown(tab_a, finished)["timeline_version"]
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    assert shown(tab_b, finished)["timeline_version"] == version  # both tabs loaded it

    tab_a.wait(tab_a.post(url, {"edits": [REORDER], "version": version}))  # re-assembles
    now = shown(tab_a, finished)["timeline_version"]
    assert now != version

    queued = jobs_of(studio, finished)
    refused = tab_b.post(url, {"edits": [CROSSFADE], "version": version})
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"the timeline {CHANGED} (version {version}, now {now}): reload to see the change,"
        " then make your edit again"
    )
    assert jobs_of(studio, finished) == queued  # nothing queued
    assert shown(tab_b, finished)["timeline_version"] == now  # nothing applied

    reloaded = shown(tab_b, finished)
    tab_b.wait(tab_b.post(url, {"edits": [CROSSFADE], "version": reloaded["timeline_version"]}))
    final = shown(tab_a, finished)
    clips, transitions_after = clips_and_transitions(final["timeline"])
    assert clips[:2] == ["Shot 2", "Shot 1"]  # tab A's reorder
    assert "Shot 2" in transitions_after  # tab B's crossfade, after the shot A moved first
    assert final["timeline_edits"][-2:] == [REORDER, CROSSFADE]
    assert final["timeline_version"] not in (version, now)


def test_if_match_carries_the_version_and_scripts_may_leave_it_out(
    tab_a: Musician, finished: str
) -> None:
    url = f"/api/projects/{finished}/timeline"
    read = tab_a.get(url)
    etag = read.headers["etag"]
    assert etag == f'"{read.json()["version"]}"'
    assert read.json()["version"] == shown(tab_a, finished)["timeline_version"]
    # a cut that exists in the timeline as it is now: this test may run without the ones
    # before it (xdist hands a module's tests to different workers, each with its own
    # project), so it cannot assume their reorder put Shot 2 first
    clips, _ = clips_and_transitions(read.json()["timeline"])
    assert len(clips) >= 2, clips
    first = int(clips[0].removeprefix("Shot "))  # the first clip always has a cut after it
    dip = {"op": "transition", "after": first, "type": "dip-to-black", "seconds": 0.25}
    edit = {"edits": [dip]}

    def post(headers: dict[str, str], body: dict[str, Any] = edit) -> Any:
        return tab_a.client.post(url, json=body, headers={"X-CSRF-Token": tab_a.csrf, **headers})

    stale = post({"If-Match": '"0123456789ab"'})
    assert stale.status_code == 409 and CHANGED in stale.json()["detail"]
    both = post({"If-Match": etag}, {**edit, "version": "0123456789ab"})
    assert both.status_code == 400 and "disagree" in both.json()["detail"]
    tab_a.wait(post({"If-Match": etag}))
    assert tab_a.get(url).headers["etag"] != etag
    unversioned = {"edits": [{"op": "reorder", "shot": 1, "index": 0}]}
    tab_a.wait(tab_a.post(url, unversioned))  # no version: applied to whatever is current


def test_the_job_checks_the_version_again(studio: FastAPI, tab_a: Musician, finished: str) -> None:
    """Two requests that both pass the request's check before either job runs: the second
    job finds the timeline changed and fails, applying nothing."""
    agent_studio = studio.state.studio
    before = shown(tab_a, finished)
    stale = "0123456789ab"
    with pytest.raises(EditConflict, match=f"version {stale}, now {before['timeline_version']}"):
        agent_project.edit_timeline(agent_studio, finished, [CROSSFADE], expected_version=stale)
    job_id = studio.state.jobs.submit(
        work.edit_timeline(finished, [CROSSFADE], stale),
        kind="timeline edit",
        owner_id=1,
        project_id=finished,
    )
    studio.state.jobs.wait(job_id, timeout=60)
    job = tab_a.get(f"/api/jobs/{job_id}").json()
    assert job["state"] == "failed"
    assert f"the timeline {CHANGED}" in job["error"] and "reload" in job["error"]
    after = shown(tab_a, finished)
    assert after["timeline_version"] == before["timeline_version"]
    assert after["timeline_edits"] == before["timeline_edits"]


def test_a_refine_changes_the_version_too(tab_a: Musician, finished: str) -> None:
    """Re-assembly after a refine writes the timeline: an edit made before it is refused."""
    pid = finished
    pending = shown(tab_a, pid)["next"]  # the edits above wait for approval at the timeline
    tab_a.approve_to_end(pid, pending[0] if pending else None)
    before = shown(tab_a, pid)["timeline_version"]
    quote = {"kind": "clip", "numbers": [1], "instruction": "slow push in"}
    job = tab_a.wait(tab_a.post(f"/api/projects/{pid}/quote", quote))
    tab_a.approve_to_end(pid, job["result"]["waiting_at"])
    assert shown(tab_a, pid)["timeline_version"] != before
    refused = tab_a.post(f"/api/projects/{pid}/timeline", {"edits": [REORDER], "version": before})
    assert refused.status_code == 409


def test_the_timeline_page_carries_the_version_and_a_stale_form_gets_the_way_back(
    tab_a: Musician, finished: str
) -> None:
    version = shown(tab_a, finished)["timeline_version"]
    html = tab_a.get(f"/projects/{finished}/timeline").text
    assert f'data-version="{version}"' in html
    assert f'name="version" value="{version}"' in html
    form = {"csrf_token": csrf(html), "edits": '[{"op": "reorder", "shot": 1, "index": 1}]'}
    answer = tab_a.client.post(
        f"/projects/{finished}/timeline", data={**form, "version": "0123456789ab"}
    )
    assert answer.status_code == 409
    assert "Your edits were not saved" in answer.text and CHANGED in answer.text
    assert f'href="/projects/{finished}/timeline"' in answer.text  # reload the timeline page
    assert shown(tab_a, finished)["timeline_version"] == version
