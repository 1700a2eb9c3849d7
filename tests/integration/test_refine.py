"""Refine by quoting, restore and export on a rendered project, through the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from agent.config import Settings
from storage import current_artifacts, open_database
from tests.integration.test_render import storybeat
from tests.support.video import facts


def show(project: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(storybeat("project", "show", project, "--json").stdout)
    return data


def hashes(info: dict[str, Any], kind: str) -> dict[int, tuple[int, str]]:
    return {
        a["number"]: (a["version"], a["sha256"]) for a in info["artifacts"] if a["kind"] == kind
    }


def test_refine_quoted_frames_restore_and_export(short_track: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.mp4"
    rendered = storybeat("render", str(short_track), "--resolution", "360p", "-o", str(first))
    project = re.search(r"project (r[0-9a-f]+)", rendered.stderr).group(1)  # type: ignore[union-attr]
    before = show(project)
    assert all(before["stages"].values())
    frames, clips = hashes(before, "frame"), hashes(before, "clip")
    assert len(frames) == len(clips) >= 7
    bad_quotes_are_clear_errors(project, tmp_path)
    assert show(project)["artifacts"] == before["artifacts"]  # nothing changed

    refined = tmp_path / "refined.mp4"
    proc = storybeat(
        "refine",
        project,
        "--frames",
        "3,7",
        "--instruction",
        "rain on the glass",
        "-o",
        str(refined),
    )
    assert "storyboard: 2 made" in proc.stderr and "video: 2 made" in proc.stderr
    after = show(project)
    new_frames, new_clips = hashes(after, "frame"), hashes(after, "clip")
    for n in frames:
        if n in (3, 7):
            assert new_frames[n][0] == 2 and new_frames[n][1] != frames[n][1]
            assert new_clips[n][0] == 2 and new_clips[n][1] != clips[n][1]
        else:
            assert new_frames[n] == frames[n] and new_clips[n] == clips[n]
    assert after["refinements"] == {"2": "rain on the glass", "6": "rain on the glass"}
    assert abs(facts(refined).video_duration - facts(first).video_duration) < 0.05

    storybeat("project", "restore", project, "frame:3", "1")
    restored = show(project)
    assert hashes(restored, "frame")[3] == (1, frames[3][1])  # frame 3's first bytes are back
    assert hashes(restored, "clip")[3][1] == clips[3][1]  # and its clip, from the cache
    assert hashes(restored, "frame")[7] == new_frames[7]
    assert restored["refinements"] == {"6": "rain on the glass"}

    final = tmp_path / "final.mp4"
    assert storybeat("export", project, "-o", str(final)).stdout.strip() == str(final)
    assert facts(final).width == 640
    quote_clips_and_shots(project)
    timeline_edits_survive_a_refine(project, first, tmp_path)


def quote_clips_and_shots(project: str) -> None:
    """A quoted clip is re-animated from its unchanged frame; a quoted shot is redrawn and
    takes the camera move its instruction names; restoring a clip brings its bytes back."""
    before = show(project)
    frames, clips = hashes(before, "frame"), hashes(before, "clip")

    proc = storybeat("refine", project, "--clips", "2", "--instruction", "slow pan left")
    assert "clips 2 of project" in proc.stdout and "video: 1 made" in proc.stderr
    after = show(project)
    assert hashes(after, "frame") == frames
    changed = {n for n, v in hashes(after, "clip").items() if v != clips[n]}
    assert changed == {2} and hashes(after, "clip")[2][0] == clips[2][0] + 1
    (clip2,) = [a for a in after["artifacts"] if a["kind"] == "clip" and a["number"] == 2]
    assert clip2["instruction"] == "slow pan left"

    shots_version = next(a["version"] for a in after["artifacts"] if a["kind"] == "shots")
    proc = storybeat("refine", project, "--shots", "4", "--instruction", "pull out, dawn light")
    assert "storyboard: 1 made" in proc.stderr and "video: 1 made" in proc.stderr
    again = show(project)
    shots = next(a for a in again["artifacts"] if a["kind"] == "shots")
    assert shots["version"] == shots_version + 1
    assert shots["data"]["shots"][3]["camera"] == "pull-out"
    assert {n for n, v in hashes(again, "frame").items() if v != frames[n]} == {4}

    refused = storybeat("refine", project, "--clips", "2", "--instruction", "blue", check=False)
    assert refused.returncode == 2 and "say how" in refused.stderr
    assert show(project)["artifacts"] == again["artifacts"]

    storybeat("project", "restore", project, "clip:2", str(clips[2][0]))
    assert hashes(show(project), "clip")[2] == clips[2]


def bad_quotes_are_clear_errors(project: str, tmp_path: Path) -> None:
    cases = [
        (["refine", project, "--frames", "99", "--instruction", "x"], "frame 99 does not exist"),
        (["refine", project, "--frames", "3", "--instruction", "  "], "instruction is empty"),
        (["refine", "rnope", "--frames", "3", "--instruction", "x"], "no project 'rnope'"),
        (["project", "restore", project, "frame:3", "4"], "no version 4"),
        (["project", "restore", project, "shot:3", "1"], "name a frame or clip like frame:3"),
        (["export", project, "-o", str(tmp_path / "cut.mov")], "must end in .mp4"),
    ]
    for args, message in cases:
        proc = storybeat(*args, check=False)
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def _timeline(project: str) -> tuple[int, dict[str, Any]]:
    db = open_database(Settings().db_url)
    try:
        with db.session() as session:
            (artifact,) = [a for a in current_artifacts(session, project) if a.kind == "timeline"]
            return artifact.version, artifact.data
    finally:
        db.dispose()


def _order(timeline: dict[str, Any]) -> list[str]:
    return [i["name"] for i in timeline["tracks"][0]["items"] if i["kind"] == "clip"]


def _transitions(timeline: dict[str, Any]) -> list[str]:
    """The clip before each transition."""
    items = timeline["tracks"][0]["items"]
    return [items[k - 1]["name"] for k, i in enumerate(items) if i["kind"] == "transition"]


def timeline_edits_survive_a_refine(project: str, first: Path, tmp_path: Path) -> None:
    """Timeline edits make a new version, are kept through a refine (only the refined shot's
    media changes), export as MP4 (also at a preset) and as .otio; an overlapping edit is
    refused."""
    import opentimelineio as otio

    version, before = _timeline(project)
    assert _transitions(before), "each new section is led into by a dissolve"

    edits = [
        {"op": "transition", "after": 2, "type": "crossfade", "seconds": 0.5},
        {"op": "reorder", "shot": 4, "index": 0},
    ]
    out = tmp_path / "edited.mp4"
    storybeat("project", "timeline", project, "--edits", json.dumps(edits), "-o", str(out))
    version2, edited = _timeline(project)
    assert version2 == version + 1
    assert _order(edited)[0] == "Shot 4" and "Shot 2" in _transitions(edited)
    assert abs(facts(out).video_duration - facts(first).video_duration) < 0.05

    storybeat("refine", project, "--frames", "5", "--instruction", "snow falling")
    _, refined = _timeline(project)
    assert _order(refined) == _order(edited) and _transitions(refined) == _transitions(edited)
    media = {i["name"]: i["media"] for i in refined["tracks"][0]["items"] if i["kind"] == "clip"}
    old = {i["name"]: i["media"] for i in edited["tracks"][0]["items"] if i["kind"] == "clip"}
    assert [n for n in media if media[n] != old[n]] == ["Shot 5"]

    cut = tmp_path / "cut.otio"
    storybeat("export", project, "-o", str(cut))
    read = otio.adapters.read_from_file(str(cut))
    assert len(read.video_tracks()[0].find_clips()) == len(_order(refined))
    assert [t.name for t in read.video_tracks()[0] if isinstance(t, otio.schema.Transition)]

    big = tmp_path / "big.mp4"
    storybeat("export", project, "-o", str(big), "--preset", "16:9-720p")
    assert (facts(big).width, facts(big).height) == (1280, 720)

    bad = storybeat(
        "project", "timeline", project, "--edits", '[{"op": "move", "shot": 2, "to": 0.0}]',
        check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "overlap" in bad.stderr
    assert _timeline(project)[1] == refined, "a refused edit changes nothing"
