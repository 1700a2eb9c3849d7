"""The version of what an edit is made on: a short hash of the state it changes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from agent.errors import AgentInputError, EditConflict
from agent.review import check_version, edit_version, timeline_version

TIMELINE = {
    "name": "cut",
    "rate": 24,
    "duration": 96,
    "width": 640,
    "height": 360,
    "tracks": [{"name": "V1", "kind": "video", "items": [
        {"kind": "clip", "name": "Shot 1", "media": "aa.mp4", "duration": 48},
        {"kind": "clip", "name": "Shot 2", "media": "bb.mp4", "duration": 48},
    ]}],
}  # fmt: skip


def state(**extra: Any) -> dict[str, Any]:
    return {"timeline": copy.deepcopy(TIMELINE), "timeline_edits": [], **extra}


def test_the_same_timeline_has_the_same_short_version_whatever_its_key_order() -> None:
    version = timeline_version(state())
    assert isinstance(version, str) and len(version) == 12 and int(version, 16) >= 0
    shuffled = {"timeline_edits": [], "timeline": dict(reversed(list(TIMELINE.items())))}
    assert timeline_version(shuffled) == version
    assert timeline_version(state(shots=[{"prompt": "other"}])) == version  # only the timeline


def test_any_change_to_the_timeline_or_its_edits_changes_the_version() -> None:
    version = timeline_version(state())
    trimmed = state()
    trimmed["timeline"]["tracks"][0]["items"][0]["duration"] = 47
    redone = state()
    redone["timeline"]["tracks"][0]["items"][1]["media"] = "cc.mp4"  # a refine's new clip
    edited = state(timeline_edits=[{"op": "reorder", "shot": 2, "index": 0}])
    versions = {timeline_version(s) for s in (trimmed, redone, edited)}
    assert version not in versions and len(versions) == 3


def test_no_timeline_yet_has_no_version_and_other_stages_have_their_own() -> None:
    assert timeline_version({"shots": [{"prompt": "a"}]}) is None
    shots = edit_version("plan_shot_list", {"shots": [{"prompt": "a"}]})
    assert shots and shots != edit_version("plan_shot_list", {"shots": [{"prompt": "b"}]})
    with pytest.raises(AgentInputError, match="draw_storyboard stage has no version"):
        edit_version("draw_storyboard", state())


def test_a_stale_version_is_a_conflict_naming_both_versions() -> None:
    current = timeline_version(state())
    check_version("assemble_timeline", state(), current)  # current: fine
    check_version("assemble_timeline", state(), None)  # none given: nothing to check
    with pytest.raises(EditConflict) as caught:
        check_version("assemble_timeline", state(), "0123456789ab")
    assert str(caught.value) == (
        "the timeline was changed in another tab or by someone else since you loaded it"
        f" (version 0123456789ab, now {current}): reload to see the change, then make your"
        " edit again"
    )
    assert not isinstance(caught.value, ValueError)  # not an input error: the web says 409
