"""A musician's whole session in headless Chromium: sign up → upload → approve every stage →
quote two frames → reorder and trim the timeline → export → the MP4 downloads and plays at the
song's length. Every page is screenshotted at 1280×800 and at phone width."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import soundfile
from playwright.sync_api import Browser, Page, expect

from videogen import probe_video
from web.projects import STAGE_PAGES

JOB_SECONDS = 300
SONG_SECONDS = 10


@pytest.fixture(scope="module")
def song(short_track: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    audio, rate = soundfile.read(short_track)
    path = tmp_path_factory.mktemp("song") / "city lights.wav"
    soundfile.write(path, audio[: SONG_SECONDS * rate], rate, subtype="PCM_16")
    return path


def after_job(page: Page, then: str) -> None:
    """Follow the job page the form led to until it sends us on to ``then``."""
    page.wait_for_url("**/jobs/*", timeout=30_000)
    page.wait_for_url(then, timeout=JOB_SECONDS * 1000)


def no_errors_shown(page: Page) -> None:
    alerts = [a for a in page.locator("[role=alert]:visible").all_inner_texts() if a.strip()]
    assert not alerts, alerts


def frame_sources(page: Page) -> list[str]:
    return [src or "" for src in page.locator(".frame-tile .tile-media img").evaluate_all(
        "imgs => imgs.map(i => i.getAttribute('src'))")]  # fmt: skip


def clip_lengths(page: Page, project: str) -> dict[str, int]:
    """Clip name → frames on the timeline, in timeline order (through the JSON API)."""
    timeline = page.request.get(f"/api/projects/{project}").json()["timeline"]
    items = timeline["tracks"][0]["items"]
    return {i["name"]: i["duration"] for i in items if i["kind"] == "clip"}


def test_a_musician_makes_a_video_in_the_browser(
    page: Page,
    browser: Browser,
    live_server: str,
    song: Path,
    shot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))

    page.goto("/signup")
    shot(page, "sign-up")
    page.fill("#email", "mia@example.com")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/projects")
    shot(page, "projects-empty")

    page.goto("/projects/new")
    page.set_input_files("#track", str(song))
    page.fill("#brief", "a dancer on a rooftop at night, neon signs")
    page.select_option("#resolution", "360p")
    shot(page, "new-project")
    page.click("button:has-text('Start project')")
    shot(page, "job-progress")
    after_job(page, "**/brief")
    project = page.url.split("/projects/")[1].split("/")[0]
    no_errors_shown(page)
    shot(page, "brief")

    for stage, following in (("brief", "references"), ("references", "shots"),
                             ("shot list", "storyboard")):  # fmt: skip
        page.click(f"button:has-text('Approve {stage}')")
        after_job(page, f"**/{following}")
        no_errors_shown(page)
        shot(page, following)

    before = frame_sources(page)
    assert len(before) >= 3
    page.locator("input[name=numbers]").nth(0).check()
    page.locator("input[name=numbers]").nth(2).check()
    page.fill("#quote-instruction", "pouring rain, reflections on the roof")
    page.click("button:has-text('Redraw selected')")
    after_job(page, "**/storyboard")
    after = frame_sources(page)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [0, 2], "only the two quoted frames are redrawn"
    expect(page.locator(".frame-tile").nth(0)).to_contain_text("pouring rain")
    shot(page, "storyboard-after-quote")

    page.click("button:has-text('Approve storyboard')")
    after_job(page, "**/video")
    no_errors_shown(page)
    shot(page, "video")
    page.click("button:has-text('Approve video')")
    after_job(page, "**/timeline")
    shot(page, "timeline")

    before_edit = clip_lengths(page, project)
    page.get_by_role("button", name="Move Shot 1 later").click()
    page.get_by_role("button", name="End Shot 2 one beat later").click()
    expect(page.locator("[data-pending] li")).to_have_count(2)
    shot(page, "timeline-edited")
    page.click("button:has-text('Save edits')")
    after_job(page, "**/timeline")
    edited = clip_lengths(page, project)
    assert list(edited)[:2] == ["Shot 2", "Shot 1"], edited  # reordered
    assert edited["Shot 2"] > before_edit["Shot 2"]  # one beat longer, rolled into Shot 1
    assert edited["Shot 1"] < before_edit["Shot 1"]
    assert sum(edited.values()) == sum(before_edit.values())  # still the song's length
    page.click("button:has-text('Approve timeline')")
    after_job(page, "**/timeline")

    page.goto(f"/projects/{project}/export")
    shot(page, "export")
    page.click("button:has-text('Export')")
    page.wait_for_url("**/jobs/*")
    download_link = page.locator("a:has-text('Download')").first
    download_link.wait_for(timeout=JOB_SECONDS * 1000)
    shot(page, "export-done")
    with page.expect_download() as started:
        download_link.click()
    cut = tmp_path / "cut.mp4"
    started.value.save_as(cut)
    info = probe_video(cut)
    assert info.has_audio and abs(info.n_frames / info.fps - SONG_SECONDS) < 0.1

    page.goto(f"/projects/{project}/analysis")
    shot(page, "analysis")
    page.goto("/projects")
    shot(page, "projects")
    assert not problems, problems

    phone = browser.new_context(
        base_url=live_server,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        storage_state=page.context.storage_state(),
    )
    try:
        small = phone.new_page()
        for name in (
            "/projects",
            "/projects/new",
            *(f"/projects/{project}/{p}" for p in STAGE_PAGES),
        ):
            small.goto(name)
            width = small.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{name} is {width} px wide on a 390 px phone"
            shot(small, f"phone-{name.rsplit('/', 1)[1]}")
    finally:
        phone.close()
