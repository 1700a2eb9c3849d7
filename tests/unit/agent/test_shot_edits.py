"""Shot-list edits keep the shots tiling the song, or say which edit breaks it."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from agent.errors import AgentInputError
from agent.shot_edits import apply_edits

BOUNDS = [0.0, 2.0, 4.0, 7.0, 10.0]


def shots() -> list[dict[str, Any]]:
    return [
        {
            "index": i,
            "start": a,
            "end": b,
            "section": "verse",
            "energy": 0.5,
            "shot_type": "wide",
            "camera": "push-in",
            "subject": "the lead",
            "location": "roof",
            "action": "dances",
            "references": [],
            "prompt": f"shot {i}",
            "seed": 10 + i,
        }
        for i, (a, b) in enumerate(itertools.pairwise(BOUNDS))
    ]


def spans(result: list[dict[str, Any]]) -> list[tuple[float, float]]:
    assert [s["index"] for s in result] == list(range(len(result)))
    return [(s["start"], s["end"]) for s in result]


def test_split_retime_merge_remove_reprompt() -> None:
    assert spans(apply_edits(shots(), [{"op": "split", "shot": 2, "at": 3.0}], 10.0)) == [
        (0, 2),
        (2, 3),
        (3, 4),
        (4, 7),
        (7, 10),
    ]
    assert spans(apply_edits(shots(), [{"op": "retime", "shot": 1, "end": 2.5}], 10.0)) == [
        (0, 2.5),
        (2.5, 4),
        (4, 7),
        (7, 10),
    ]
    assert spans(apply_edits(shots(), [{"op": "merge", "shot": 2}], 10.0)) == [
        (0, 2),
        (2, 7),
        (7, 10),
    ]
    assert spans(apply_edits(shots(), [{"op": "remove", "shot": 3}], 10.0)) == [
        (0, 2),
        (2, 7),
        (7, 10),
    ]
    assert spans(apply_edits(shots(), [{"op": "remove", "shot": 1}], 10.0))[0] == (0, 4)
    edited = apply_edits(shots(), [{"op": "reprompt", "shot": 4, "prompt": " new  words "}], 10.0)
    assert edited[3]["prompt"] == "new words"


def test_split_parts_get_their_own_seeds() -> None:
    edited = apply_edits(shots(), [{"op": "split", "shot": 1, "at": 1.0}], 10.0)
    assert edited[0]["seed"] != edited[1]["seed"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"op": "split", "shot": 2, "at": 9.0}, "needs 'at' inside it"),
        ({"op": "retime", "shot": 4, "end": 9.0}, "last shot ends with the song"),
        ({"op": "retime", "shot": 1, "end": 3.9}, "can end between"),
        ({"op": "merge", "shot": 4}, "nothing to merge"),
        ({"op": "reprompt", "shot": 1, "prompt": "  "}, "non-empty"),
        ({"op": "split", "shot": 9, "at": 1.0}, "shot 9 does not exist"),
        ({"op": "swap", "shot": 1}, "malformed"),
        ({"op": "retime", "shot": 1}, "needs the shot's new 'end'"),
    ],
)
def test_bad_edits_name_the_problem(edit: dict[str, Any], message: str) -> None:
    with pytest.raises(AgentInputError, match=message):
        apply_edits(shots(), [edit], 10.0)


def test_a_list_that_does_not_tile_the_song_is_refused() -> None:
    broken = shots()
    broken[2]["start"] = 4.5  # a gap before shot 3
    with pytest.raises(AgentInputError, match=r"a gap between 4\.00 and 4\.50"):
        apply_edits(broken, [{"op": "reprompt", "shot": 1, "prompt": "x"}], 10.0)
