"""A scripted review session through the CLI: gates, a regenerated reference, shot-list edits,
quoted frames, export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.integration.test_refine import hashes, show
from tests.integration.test_render import storybeat
from tests.support.video import facts


def waiting(project: str) -> str:
    return str(show(project)["next"][0])


def test_scripted_review_session(short_track: Path, tmp_path: Path) -> None:
    new = storybeat(
        "project", "new", str(short_track), "--resolution", "360p", "--brief", "a dancer"
    )
    project = new.stdout.strip()
    assert waiting(project) == "review_write_brief"
    assert "references" not in [a["kind"] for a in show(project)["artifacts"]]

    storybeat("project", "approve", project)
    assert waiting(project) == "review_generate_references"
    refs = {a["key"]: a for a in show(project)["artifacts"] if a["kind"] == "reference"}
    lead = next(k for k in refs if not k.startswith("location"))
    storybeat("project", "regenerate", project, "--instruction", "golden hour", "--targets", lead)
    after = {a["key"]: a for a in show(project)["artifacts"] if a["kind"] == "reference"}
    assert after[lead]["version"] == 2 and after[lead]["sha256"] != refs[lead]["sha256"]
    assert all(after[k] == refs[k] for k in refs if k != lead)

    storybeat("project", "approve", project)
    assert waiting(project) == "review_plan_shot_list"
    bad = storybeat(
        "project",
        "edit",
        project,
        "--edits",
        '[{"op": "retime", "shot": 1, "end": 999}]',
        check=False,
    )
    assert bad.returncode == 2 and "can end between" in bad.stderr
    gap = storybeat(
        "project", "edit", project, "--edits", '[{"op": "split", "shot": 1}]', check=False
    )
    assert gap.returncode == 2 and "needs 'at' inside it" in gap.stderr
    plan = _shots(project)
    first = plan[1]
    middle = round((first["start"] + first["end"]) / 2, 3)
    fourth = plan[3]
    new_end = round((fourth["start"] + fourth["end"]) / 2, 3)
    edits = [{"op": "split", "shot": 2, "at": middle}, {"op": "retime", "shot": 5, "end": new_end}]
    storybeat("project", "edit", project, "--edits", json.dumps(edits))
    edited = _shots(project)
    assert len(edited) == len(plan) + 1
    assert edited[1]["end"] == middle and edited[2]["start"] == middle
    assert edited[4]["end"] == new_end and edited[5]["start"] == new_end
    assert waiting(project) == "review_plan_shot_list"  # the gate asks again after an edit
    (shot_list,) = [a for a in show(project)["artifacts"] if a["kind"] == "shots"]
    assert shot_list["version"] == 2 and shot_list["versions"] == 2

    storybeat("project", "approve", project)
    assert waiting(project) == "review_draw_storyboard"
    before = hashes(show(project), "frame")
    assert len(before) == len(edited)
    storybeat("project", "regenerate", project, "--instruction", "rain", "--targets", "3,7")
    after_frames = hashes(show(project), "frame")
    changed = sorted(n for n in before if before[n] != after_frames[n])
    assert changed == [3, 7]

    for gate in ("review_animate_shots", "review_assemble_timeline"):
        storybeat("project", "approve", project)
        assert waiting(project) == gate
    edit_the_timeline_at_its_gate(project)
    storybeat("project", "approve", project)
    assert show(project)["next"] == []
    out = tmp_path / "cut.mp4"
    storybeat("export", project, "-o", str(out))
    duration = json.loads(storybeat("analyze", str(short_track), "--json").stdout)["duration"]
    assert abs(facts(out).video_duration - duration) < 0.1
    timeline = show(project)["artifacts"]
    clips = [a for a in timeline if a["kind"] == "clip"]
    assert len(clips) == len(edited)  # the export carries the split shot

    storybeat("project", "restore", project, "frame:3", "1")
    assert hashes(show(project), "frame")[3] == before[3]
    assert waiting(project) == "review_draw_storyboard"  # the restore is reviewed there
    for gate in ("review_animate_shots", "review_assemble_timeline"):
        storybeat("project", "approve", project)
        assert waiting(project) == gate
    storybeat("project", "approve", project)
    assert show(project)["next"] == []

    # quoting a frame of the finished project redraws it and stops at the storyboard gate
    refined = storybeat("refine", project, "--frames", "2", "--instruction", "fog", "-o", str(out))
    assert "waiting for review at review_draw_storyboard" in refined.stderr
    assert refined.stdout.strip().endswith("updated")  # no path: nothing exported yet
    assert hashes(show(project), "frame")[2][0] == 2


def _shots(project: str) -> list[dict[str, Any]]:
    (plan,) = [a for a in show(project)["artifacts"] if a["kind"] == "shots"]
    data: list[dict[str, Any]] = plan["data"]["shots"]
    return data


def edit_the_timeline_at_its_gate(project: str) -> None:
    """At the timeline gate an edit makes a new timeline version and the gate asks again; an
    edit that would overlap another clip is refused and changes nothing."""

    def timeline_version() -> int:
        return next(a["version"] for a in show(project)["artifacts"] if a["kind"] == "timeline")

    version = timeline_version()
    reorder = '[{"op": "reorder", "shot": 2, "index": 0}]'
    storybeat("project", "timeline", project, "--edits", reorder)
    assert waiting(project) == "review_assemble_timeline"
    assert timeline_version() == version + 1
    overlap = '[{"op": "move", "shot": 3, "to": 0.0}]'
    refused = storybeat("project", "timeline", project, "--edits", overlap, check=False)
    assert refused.returncode == 2 and "overlap" in refused.stderr
    assert timeline_version() == version + 1
    assert waiting(project) == "review_assemble_timeline"
