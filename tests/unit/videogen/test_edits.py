"""Edits on the timeline: beat snapping, trim, roll, move, reorder and transitions."""

from __future__ import annotations

import pytest

from videogen import Gap, Timeline, TimelineClip, Track, Transition, VideoGenInputError
from videogen.edits import move_clip, reorder_clip, set_transition, snap_to_beats, trim_clip


def clip(name: str, duration: int, **fields: object) -> TimelineClip:
    return TimelineClip(name=name, media=f"media-{name}", duration=duration, **fields)  # type: ignore[arg-type]


def abc() -> Timeline:
    items: list[TimelineClip | Gap | Transition] = [
        clip("a", 20), clip("b", 20, source_start=10), clip("c", 20),
    ]  # fmt: skip
    return Timeline(
        name="cut", rate=24, duration=60, width=320, height=180,
        tracks=[Track(name="V1", items=items)],
    )  # fmt: skip


def layout(tl: Timeline) -> list[tuple[str, int, int]]:
    """(name, start, duration) of each clip and gap; transitions as (name, in, out)."""
    out = []
    starts = {p.index: p.start for p in tl.placements()}
    for i, item in enumerate(tl.tracks[0].items):
        if isinstance(item, Transition):
            out.append((item.name, item.in_offset, item.out_offset))
        else:
            out.append((getattr(item, "name", "gap"), starts[i], item.duration))
    return out


def test_snap_to_beats_moves_only_within_tolerance() -> None:
    beats = [0, 12, 24, 36]
    assert snap_to_beats(13, beats, 2) == 12
    assert snap_to_beats(18, beats, 2) == 18  # nearest beat is 6 frames away
    assert snap_to_beats(18, beats, 6) == 12  # tie: the earlier beat
    assert snap_to_beats(23, [30, 24, 12], 1) == 24  # any order
    assert snap_to_beats(5, [], 3) == 5
    with pytest.raises(VideoGenInputError, match="tolerance=-1"):
        snap_to_beats(5, beats, -1)


def test_trim_snaps_to_the_beat_keeps_the_picture_in_place_and_leaves_a_gap() -> None:
    tl = trim_clip(abc(), "b", start=23, beats=[24, 48], tolerance=2)
    assert layout(tl) == [("a", 0, 20), ("gap", 20, 4), ("b", 24, 16), ("c", 40, 20)]
    b = tl.tracks[0].items[2]
    assert isinstance(b, TimelineClip) and b.source_start == 14  # frame 24 still shows 14
    again = trim_clip(tl, "b", start=21)  # lengthening takes frames back from the gap
    assert layout(again)[1:3] == [("gap", 20, 1), ("b", 21, 19)]
    assert abc() == abc()  # edits return copies; the input is unchanged


def test_trim_into_a_neighbour_names_it_unless_rolling() -> None:
    with pytest.raises(VideoGenInputError, match=r"clip 'b'.*overlap clip 'a'.*roll=True"):
        trim_clip(abc(), "b", start=16)
    rolled = trim_clip(abc(), "b", start=16, roll=True)
    assert layout(rolled) == [("a", 0, 16), ("b", 16, 24), ("c", 40, 20)]
    with pytest.raises(VideoGenInputError, match=r"clip 'b' cannot start 12 frames earlier.*10"):
        trim_clip(abc(), "b", start=8, roll=True)  # only 10 source frames before its in-point
    with pytest.raises(VideoGenInputError, match=r"clip 'b'.*15 frames at its tail.*clip 'c'"):
        trim_clip(trim_clip(abc(), "b", end=30), "b", end=45)  # through the gap into c
    with pytest.raises(VideoGenInputError, match=r"no clip named 'z'.*'a', 'b', 'c'"):
        trim_clip(abc(), "z", start=3)


def test_move_into_a_gap_or_onto_a_clip() -> None:
    short = trim_clip(abc(), "b", end=30)  # b 20…29, gap 30…39
    moved = move_clip(short, "b", start=27, beats=[26], tolerance=1)
    assert layout(moved) == [("a", 0, 20), ("gap", 20, 6), ("b", 26, 10), ("gap", 36, 4),
                             ("c", 40, 20)]  # fmt: skip
    with pytest.raises(VideoGenInputError, match=r"clip 'b'.*frames 35…44.*overlap clip 'c'"):
        move_clip(short, "b", start=35)
    with pytest.raises(VideoGenInputError, match=r"frames 55…64"):
        move_clip(short, "b", start=55)


def test_reorder_ripples_and_drops_the_transitions_it_breaks() -> None:
    tl = set_transition(set_transition(abc(), "a", "crossfade", frames=4), "b", "cut")
    reordered = reorder_clip(tl, "c", index=0)
    assert [name for name, *_ in layout(reordered)] == ["c", "a", "crossfade after a", "b"]
    assert reorder_clip(tl, "a", index=2).tracks[0].items == [
        clip("b", 20, source_start=10), clip("c", 20), clip("a", 20)
    ]  # fmt: skip
    with pytest.raises(VideoGenInputError, match="index=5"):
        reorder_clip(tl, "a", index=5)


def test_set_transition_aligns_like_an_nle_and_checks_its_length() -> None:
    centre = set_transition(abc(), "a", "crossfade", frames=5)
    assert layout(centre)[1] == ("crossfade after a", 2, 3)
    start = set_transition(centre, "a", "dip-to-black", frames=6, align="start", name="dip")
    assert layout(start)[1] == ("dip", 0, 6)
    assert len(start.tracks[0].items) == 4  # replaced, not added
    assert len(set_transition(start, "a", "cut").tracks[0].items) == 3
    with pytest.raises(VideoGenInputError, match=r"out_offset=30.*20 frames.*clip 'b'"):
        set_transition(abc(), "a", "crossfade", frames=30, align="start")
    with pytest.raises(VideoGenInputError, match="last item"):
        set_transition(abc(), "c", "crossfade", frames=4)
    with pytest.raises(VideoGenInputError, match="transition_type must be one of"):
        set_transition(abc(), "a", "wipe", frames=4)


def test_a_roll_may_use_the_handles_but_not_frames_the_media_lacks() -> None:
    clips = [
        TimelineClip(name=n, media=f"{n}.mp4", source_start=6, duration=48, source_frames=60)
        for n in ("A", "B")
    ]
    timeline = Timeline(
        name="cut", rate=24, duration=96, width=320, height=180,
        tracks=[Track(name="V1", items=clips)],
    )  # fmt: skip
    rolled = trim_clip(timeline, "A", end=54, roll=True)  # six frames of A's tail handle
    a, b = rolled.tracks[0].items
    assert (a.duration, b.source_start, b.duration) == (54, 12, 42)
    with pytest.raises(VideoGenInputError, match="'A' has 60 frames of media"):
        trim_clip(timeline, "A", end=55, roll=True)
    with pytest.raises(VideoGenInputError, match="only 6 source frames before its in-point"):
        trim_clip(timeline, "B", start=41, roll=True)  # B's head would need frame -1
