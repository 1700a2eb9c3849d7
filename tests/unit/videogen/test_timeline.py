"""Timeline layout rules, cut positions and frame/second conversion."""

from __future__ import annotations

import pytest

from videogen import (
    Gap,
    Timeline,
    TimelineClip,
    Track,
    Transition,
    VideoGenInputError,
    frames_to_seconds,
    seconds_to_frames,
)


def timeline(items: list[TimelineClip | Gap | Transition], duration: int = 60) -> Timeline:
    return Timeline(
        name="cut",
        rate=24,
        duration=duration,
        audio="song",
        width=320,
        height=180,
        tracks=[Track(name="V1", items=items)],
    )


def clip(name: str, duration: int, **fields: object) -> TimelineClip:
    return TimelineClip(name=name, media=f"media-{name}", duration=duration, **fields)  # type: ignore[arg-type]


def test_seconds_to_frames_rounds_half_up() -> None:
    assert seconds_to_frames(0.0, 24) == 0
    assert seconds_to_frames(1.0, 24) == 24
    assert seconds_to_frames(0.0625, 24) == 2  # 1.5 frames → 2
    assert seconds_to_frames(0.0624, 24) == 1
    assert seconds_to_frames(1 / 48, 24) == 1  # exactly half a frame
    assert seconds_to_frames(2.5 / 30, 30) == 3
    assert seconds_to_frames(0.1, 30) == 3
    assert frames_to_seconds(36, 24) == 1.5
    with pytest.raises(VideoGenInputError, match="rate"):
        seconds_to_frames(1.0, 0)
    with pytest.raises(VideoGenInputError, match="t="):
        seconds_to_frames(float("inf"), 24)


def test_cut_frames_and_times_are_item_starts_after_zero() -> None:
    tl = timeline(
        [clip("a", 17), Transition(name="x"), clip("b", 20), Gap(duration=5), clip("c", 18)]
    )
    tl.validate_layout()
    assert tl.cut_frames() == [17, 37, 42]
    assert tl.cut_times() == [17 / 24, 37 / 24, 42 / 24]
    start, item = tl.item_at(37)
    assert start == 37 and isinstance(item, Gap)


def test_durations_that_leave_a_hole_are_rejected() -> None:
    tl = timeline([clip("a", 20), clip("b", 30)])
    with pytest.raises(VideoGenInputError, match=r"cover 50 frames.*duration=60"):
        tl.validate_layout()


def test_durations_that_overrun_the_end_name_the_item() -> None:
    tl = timeline([clip("a", 40), clip("b", 30)])
    with pytest.raises(VideoGenInputError, match=r"item 1 \(clip 'b'\).*past"):
        tl.validate_layout()


def test_zero_length_items_are_rejected() -> None:
    with pytest.raises(VideoGenInputError, match="duration=0"):
        clip("a", 0)
    tl = timeline([clip("a", 60), Gap(duration=0)])
    with pytest.raises(VideoGenInputError, match=r"item 1 \(gap\) has duration=0"):
        tl.validate_layout()
    tl = timeline([clip("a", 70), Gap(duration=-10)])
    with pytest.raises(VideoGenInputError, match="duration=-10"):
        tl.validate_layout()


def test_empty_track_and_misplaced_transition_are_rejected() -> None:
    with pytest.raises(VideoGenInputError, match="empty"):
        timeline([]).validate_layout()
    with pytest.raises(VideoGenInputError, match="between two"):
        timeline([Transition(name="x"), clip("a", 60)]).validate_layout()
    long_fade = Transition(name="fade", transition_type="crossfade", in_offset=40)
    with pytest.raises(VideoGenInputError, match="in_offset=40"):
        timeline([clip("a", 30), long_fade, clip("b", 30)]).validate_layout()


def test_bad_timeline_fields_are_input_errors() -> None:
    with pytest.raises(VideoGenInputError, match="width=321"):
        Timeline(name="t", rate=24, duration=10, width=321, height=180)
    with pytest.raises(VideoGenInputError, match="rate=0"):
        Timeline(name="t", rate=0, duration=10, width=320, height=180)
    with pytest.raises(VideoGenInputError, match="transition_type"):
        Transition(name="x", transition_type="wipe")  # type: ignore[arg-type]


def test_timeline_round_trips_through_json_with_item_kinds() -> None:
    tl = timeline(
        [
            clip("a", 17, shot_index=0),
            Transition(name="x"),
            clip("b", 38, source_start=4),
            Gap(duration=5),
        ]
    )
    again = Timeline.model_validate_json(tl.model_dump_json())
    assert again == tl
    assert [type(i).__name__ for i in again.tracks[0].items] == [
        "TimelineClip",
        "Transition",
        "TimelineClip",
        "Gap",
    ]
    with pytest.raises(VideoGenInputError, match=r"tracks\.0\.items\.0"):
        Timeline.model_validate(
            {**tl.model_dump(), "tracks": [{"name": "V1", "items": [{"kind": "still"}]}]}
        )


def test_cut_and_transition_offsets_must_fit_the_type() -> None:
    with pytest.raises(VideoGenInputError, match=r"'x' is a cut.*in_offset=2"):
        Transition(name="x", in_offset=2)
    with pytest.raises(VideoGenInputError, match=r"crossfade of 0 frames"):
        Transition(name="x", transition_type="crossfade")


def test_crossfade_weights_are_symmetric_and_a_dip_is_black_in_its_middle() -> None:
    fade = Transition(name="f", transition_type="crossfade", in_offset=3, out_offset=3)
    weights = [fade.weights(j) for j in range(6)]
    assert [round(b, 4) for _, b in weights] == [0.0833, 0.25, 0.4167, 0.5833, 0.75, 0.9167]
    assert all(a + b == pytest.approx(1.0) for a, b in weights)
    dip = Transition(name="d", transition_type="dip-to-black", in_offset=2, out_offset=3)
    assert [dip.weights(j) for j in range(5)] == [
        pytest.approx((0.8, 0.0)),
        pytest.approx((0.4, 0.0)),
        (0.0, 0.0),
        pytest.approx((0.0, 0.4)),
        pytest.approx((0.0, 0.8)),
    ]
    with pytest.raises(VideoGenInputError, match="j=5"):
        dip.weights(5)


def test_speed_picks_source_frames_and_handles_follow_otio_offsets() -> None:
    fast = clip("a", 10, source_start=4, speed=2.0)
    assert [fast.source_frame(i) for i in range(4)] == [4, 6, 8, 10]
    assert fast.source_end == 23
    slow = clip("b", 6, speed=0.5)
    assert [slow.source_frame(i) for i in range(6)] == [0, 0, 1, 1, 2, 2]
    with pytest.raises(VideoGenInputError, match="speed"):
        clip("c", 5, speed=8.0)

    # A crossfade 2 frames before and 4 after the cut needs 4 frames past a's out-point and
    # 2 before b's in-point; a centred dip needs none; a dip starting at the cut needs a's tail.
    fade = Transition(name="f", transition_type="crossfade", in_offset=2, out_offset=4)
    dip = Transition(name="d", transition_type="dip-to-black", in_offset=2, out_offset=2)
    late = Transition(name="l", transition_type="dip-to-black", out_offset=4)
    tl = timeline(
        [clip("a", 20), fade, clip("b", 10, source_start=5), dip, clip("c", 10), late,
         clip("d", 20)]
    )  # fmt: skip
    tl.validate_layout()
    assert tl.required_handles() == {"a": (0, 4), "b": (2, 0), "c": (0, 2), "d": (0, 0)}
    starts = [(p.start, p.item.duration) for p in tl.placements()]
    assert starts == [(0, 20), (20, 10), (30, 10), (40, 20)]


def test_overlapping_transitions_and_other_tracks_are_checked() -> None:
    a = Transition(name="a", transition_type="crossfade", in_offset=2, out_offset=3)
    b = Transition(name="b", transition_type="crossfade", in_offset=3, out_offset=2)
    tl = timeline([clip("x", 25), a, clip("y", 5), b, clip("z", 30)])
    with pytest.raises(VideoGenInputError, match=r"'a' and 'b' overlap on clip 'y'.*6 of its 5"):
        tl.validate_layout()
    second = Track(name="V2", items=[Gap(duration=10), clip("title", 20)])
    ok = timeline([clip("x", 60)]).model_copy(
        update={"tracks": [Track(name="V1", items=[clip("x", 60)]), second]}
    )
    ok.validate_layout()  # a second track may end early
    long = Track(name="V2", items=[Gap(duration=50), clip("title", 20)])
    with pytest.raises(VideoGenInputError, match=r"track 'V2' item 1 \(clip 'title'\).*past"):
        ok.model_copy(update={"tracks": [ok.tracks[0], long]}).validate_layout()
