"""Timeline edits on a rendered project: kept through a refine, exported as MP4 and .otio."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from agent.config import Settings
from storage import current_artifacts, open_database
from tests.integration.test_render import storybeat
from tests.support.video import facts


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


def test_edits_survive_a_refine_and_export_to_mp4_and_otio(
    short_track: Path, tmp_path: Path
) -> None:
    import opentimelineio as otio

    rendered = storybeat(
        "render", str(short_track), "--resolution", "360p", "-o", str(tmp_path / "a.mp4")
    )
    project = re.search(r"project (r[0-9a-f]+)", rendered.stderr).group(1)  # type: ignore[union-attr]
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
    assert abs(facts(out).video_duration - facts(tmp_path / "a.mp4").video_duration) < 0.05

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
