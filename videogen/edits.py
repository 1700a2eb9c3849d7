"""Edits on a Timeline: beat snapping, move, reorder, trim and set a transition.

Each edit returns a new, validated Timeline (the models are immutable) or raises
VideoGenInputError naming the clip and what is in the way; the input is never changed.
Clips are named by ``TimelineClip.name``. Frames freed by an edit become gaps (black) and
adjacent gaps merge; nothing ripples except ``reorder_clip``.
"""

from collections.abc import Sequence
from typing import Literal

from videogen.errors import VideoGenInputError
from videogen.timeline import (
    TRANSITION_TYPES,
    Gap,
    Item,
    Timeline,
    TimelineClip,
    Transition,
    place_items,
)

Align = Literal["centre", "start", "end"]
Side = Literal["head", "tail"]


def snap_to_beats(frame: int, beats_frames: Sequence[int], tolerance: int) -> int:
    """The beat frame nearest ``frame`` if one lies within ``tolerance`` frames, else ``frame``.

    Parameters
    ----------
    frame : int
        Timeline frame to snap.
    beats_frames : sequence of int
        Beat positions in frames (any order), e.g. ``seconds_to_frames(t, rate)`` of each beat.
    tolerance : int
        Largest distance in frames a snap may move ``frame``; 0 snaps only exact hits.

    Ties go to the earlier beat.
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, int) or tolerance < 0:
        raise VideoGenInputError(
            f"tolerance must be a whole number of frames ≥ 0, got tolerance={tolerance!r}"
        )
    best: int | None = None
    for beat in beats_frames:
        distance = abs(beat - frame)
        if distance <= tolerance and (
            best is None
            or distance < abs(best - frame)
            or (distance == abs(best - frame) and beat < best)
        ):
            best = beat
    return frame if best is None else best


def move_clip(
    timeline: Timeline,
    name: str,
    *,
    start: int,
    beats: Sequence[int] | None = None,
    tolerance: int = 0,
    track: int = 0,
) -> Timeline:
    """Move clip ``name`` so it starts at frame ``start`` (snapped to ``beats`` within
    ``tolerance``), keeping its length and source range.

    Its old place becomes a gap and the transitions on its edges are removed. The new place
    must be free (gap): landing on another clip raises VideoGenInputError naming that clip.
    """
    items = _items(timeline, track)
    i = _find(items, name)
    clip = _clip(items, i)
    if beats is not None:
        start = snap_to_beats(start, beats, tolerance)
    end = start + clip.duration
    if start < 0 or end > timeline.duration:
        raise VideoGenInputError(
            f"clip {name!r} cannot move to frames {start}…{end - 1}: the timeline has frames "
            f"0…{timeline.duration - 1}"
        )
    _drop_transitions_around(items, i)
    i = _find(items, name)
    items[i] = Gap(duration=clip.duration)
    items = _normalise(items)
    overlapped = [p for p in place_items(items) if p.start < end and p.end > start]
    for p in overlapped:
        if isinstance(p.item, TimelineClip):
            raise VideoGenInputError(
                f"clip {name!r} cannot move to frames {start}…{end - 1}: it would overlap "
                f"clip {p.item.name!r} (frames {p.start}…{p.end - 1}); move or trim that "
                "clip first"
            )
    if len(overlapped) != 1:  # gaps are merged, so only the track's end is in the way
        raise VideoGenInputError(
            f"clip {name!r} cannot move to frames {start}…{end - 1}: the track does not "
            "reach that far"
        )
    gap = overlapped[0]
    items[gap.index : gap.index + 1] = [
        Gap(duration=start - gap.start),
        clip,
        Gap(duration=gap.end - end),
    ]
    return _rebuild(timeline, track, items)


def reorder_clip(timeline: Timeline, name: str, *, index: int, track: int = 0) -> Timeline:
    """Move clip ``name`` to position ``index`` among the track's clips and gaps, shifting
    the items between (a ripple reorder; the track's length is unchanged).

    Transitions on the clip's old edges and at the edit it lands in are removed.
    """
    items = _items(timeline, track)
    i = _find(items, name)
    clip = _clip(items, i)
    _drop_transitions_around(items, i)
    items.remove(clip)
    slots = [k for k, item in enumerate(items) if not isinstance(item, Transition)]
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= len(slots):
        raise VideoGenInputError(
            f"index={index!r} is not a position for clip {name!r}; use 0…{len(slots)}"
        )
    at = slots[index] if index < len(slots) else len(items)
    if at > 0 and isinstance(items[at - 1], Transition):
        del items[at - 1]
        at -= 1
    items.insert(at, clip)
    return _rebuild(timeline, track, items)


def trim_clip(
    timeline: Timeline,
    name: str,
    *,
    start: int | None = None,
    end: int | None = None,
    beats: Sequence[int] | None = None,
    tolerance: int = 0,
    roll: bool = False,
    track: int = 0,
) -> Timeline:
    """Set clip ``name``'s in-point ``start`` and/or out-point ``end`` (timeline frames, end
    exclusive), each snapped to ``beats`` within ``tolerance``.

    The source follows the in-point (``source_start`` moves with it, times ``speed``), so
    the picture stays where it was on the timeline. Shortening leaves a gap. Lengthening
    takes frames from an adjacent gap; into an adjacent clip it raises VideoGenInputError
    naming that clip, unless ``roll`` is set, when that clip gives up the frames (a roll
    edit: the cut between them moves). Transitions stay on the clip's edges.
    """
    items = _items(timeline, track)
    i = _find(items, name)
    _clip(items, i)
    place = next(p for p in place_items(items) if p.index == i)
    new_start = place.start if start is None else start
    new_end = place.end if end is None else end
    if beats is not None:
        new_start = snap_to_beats(new_start, beats, tolerance) if start is not None else new_start
        new_end = snap_to_beats(new_end, beats, tolerance) if end is not None else new_end
    if new_end - new_start < 1:
        raise VideoGenInputError(
            f"clip {name!r} cannot be trimmed to frames {new_start}…{new_end - 1}: "
            "it needs at least one frame"
        )
    if new_start < 0 or new_end > timeline.duration:
        raise VideoGenInputError(
            f"clip {name!r} cannot be trimmed to frames {new_start}…{new_end - 1}: the "
            f"timeline has frames 0…{timeline.duration - 1}"
        )
    if new_end != place.end:
        _move_edge(items, i, new_end - place.end, side="tail", roll=roll)
    if new_start != place.start:
        _move_edge(items, i, place.start - new_start, side="head", roll=roll)
    return _rebuild(timeline, track, items)


def set_transition(
    timeline: Timeline,
    after: str,
    transition_type: str,
    *,
    frames: int = 0,
    align: Align = "centre",
    name: str | None = None,
    track: int = 0,
) -> Timeline:
    """Put a transition at the cut after clip ``after`` (replacing any there).

    Parameters
    ----------
    transition_type : {"cut", "crossfade", "dip-to-black"}
        A cut removes the transition.
    frames : int
        Length of a crossfade or dip.
    align : {"centre", "start", "end"}
        Centred on the cut (``in_offset = frames // 2``), starting at the cut
        (``in_offset = 0``) or ending at it (``out_offset = 0``), as in an NLE.
    """
    if transition_type not in TRANSITION_TYPES:
        raise VideoGenInputError(
            f"transition_type must be one of {', '.join(TRANSITION_TYPES)}, got {transition_type!r}"
        )
    if align not in ("centre", "start", "end"):
        raise VideoGenInputError(f"align must be centre, start or end, got {align!r}")
    items = _items(timeline, track)
    i = _find(items, after)
    _clip(items, i)
    if i + 1 < len(items) and isinstance(items[i + 1], Transition):
        del items[i + 1]
    if i + 1 >= len(items):
        raise VideoGenInputError(f"clip {after!r} is the last item; there is no cut after it")
    if transition_type != "cut":
        if isinstance(frames, bool) or not isinstance(frames, int) or frames < 1:
            raise VideoGenInputError(f"a {transition_type} needs frames ≥ 1, got frames={frames!r}")
        in_offset = {"centre": frames // 2, "start": 0, "end": frames}[align]
        items.insert(
            i + 1,
            Transition(
                name=name or f"{transition_type} after {after}",
                transition_type=transition_type,  # type: ignore[arg-type]
                in_offset=in_offset,
                out_offset=frames - in_offset,
            ),
        )
    return _rebuild(timeline, track, items)


def _items(timeline: Timeline, track: int) -> list[Item]:
    if (
        isinstance(track, bool)
        or not isinstance(track, int)
        or not 0 <= track < len(timeline.tracks)
    ):
        raise VideoGenInputError(
            f"track={track!r} is not a track of timeline {timeline.name!r} "
            f"(it has {len(timeline.tracks)})"
        )
    return list(timeline.tracks[track].items)


def _find(items: list[Item], name: str) -> int:
    hits = [
        i for i, item in enumerate(items) if isinstance(item, TimelineClip) and item.name == name
    ]
    if len(hits) == 1:
        return hits[0]
    names = [item.name for item in items if isinstance(item, TimelineClip)]
    if not hits:
        raise VideoGenInputError(
            f"no clip named {name!r} on the track; clips: {', '.join(map(repr, names)) or 'none'}"
        )
    raise VideoGenInputError(f"{len(hits)} clips are named {name!r}; rename them to edit one")


def _clip(items: list[Item], i: int) -> TimelineClip:
    item = items[i]
    assert isinstance(item, TimelineClip)
    return item


def _drop_transitions_around(items: list[Item], i: int) -> None:
    if i + 1 < len(items) and isinstance(items[i + 1], Transition):
        del items[i + 1]
    if i > 0 and isinstance(items[i - 1], Transition):
        del items[i - 1]


def _neighbour(items: list[Item], i: int, step: int) -> int | None:
    """Index of the clip or gap next to ``items[i]`` in direction ``step`` (±1)."""
    k = i + step
    if 0 <= k < len(items) and isinstance(items[k], Transition):
        k += step
    return k if 0 <= k < len(items) else None


def _resized(clip: TimelineClip, grow: int, side: Side) -> TimelineClip:
    """``clip`` lengthened (``grow`` > 0) or shortened at one edge; the source follows a
    head edit so the picture stays put on the timeline."""
    duration = clip.duration + grow
    if duration < 1:
        raise VideoGenInputError(
            f"clip {clip.name!r} would be left with {duration} frames; it needs at least one"
        )
    update: dict[str, int] = {"duration": duration}
    if side == "head":
        update["source_start"] = clip.source_frame(-grow)
        if update["source_start"] < 0:
            raise VideoGenInputError(
                f"clip {clip.name!r} cannot start {grow} frames earlier: its media has only "
                f"{clip.source_start} source frames before its in-point"
            )
    return clip.model_copy(update=update)


def _move_edge(items: list[Item], i: int, grow: int, *, side: Side, roll: bool) -> None:
    """Lengthen (``grow`` > 0) or shorten clip ``items[i]`` at one edge, taking frames from
    or giving them to its neighbour on that side."""
    clip = _clip(items, i)
    items[i] = _resized(clip, grow, side)
    step = -1 if side == "head" else 1
    k = _neighbour(items, i, step)
    other = items[k] if k is not None else None
    if k is not None and isinstance(other, TimelineClip) and roll:
        items[k] = _resized(other, -grow, "tail" if side == "head" else "head")
        return
    if grow < 0:  # the freed frames go to the neighbouring gap, or a new one
        if k is not None and isinstance(other, Gap):
            items[k] = Gap(duration=other.duration - grow)
        else:  # outside any transition on that edge: it stays on the clip
            if side == "head":
                at = i - 1 if i > 0 and isinstance(items[i - 1], Transition) else i
            else:
                at = i + 2 if i + 1 < len(items) and isinstance(items[i + 1], Transition) else i + 1
            items.insert(at, Gap(duration=-grow))
        return
    if other is None and side == "tail":
        return  # the track gets longer; validation checks it against the timeline
    if k is not None and isinstance(other, Gap) and other.duration >= grow:
        items[k] = Gap(duration=other.duration - grow)
        return
    blocker = other
    if k is not None and isinstance(other, Gap):
        beyond = _neighbour(items, k, step)
        blocker = items[beyond] if beyond is not None else None
    if isinstance(blocker, TimelineClip):
        raise VideoGenInputError(
            f"clip {clip.name!r} cannot be lengthened by {grow} frames at its {side}: it "
            f"would overlap clip {blocker.name!r}; trim that clip first or use roll=True"
        )
    raise VideoGenInputError(
        f"clip {clip.name!r} cannot be lengthened by {grow} frames at its {side}: the track "
        "has no room there"
    )


def _normalise(items: list[Item]) -> list[Item]:
    """Drop empty gaps with the transitions touching them, merge neighbouring gaps (and the
    transition between them), and drop transitions left at an end or doubled."""
    drop: set[int] = set()
    for k, item in enumerate(items):
        if isinstance(item, Gap) and item.duration == 0:
            drop.add(k)
            drop.update(
                j
                for j in (k - 1, k + 1)
                if 0 <= j < len(items) and isinstance(items[j], Transition)
            )
    out: list[Item] = []
    for k, item in enumerate(items):
        if k in drop:
            continue
        if isinstance(item, Transition) and (not out or isinstance(out[-1], Transition)):
            continue
        if isinstance(item, Gap):
            if len(out) >= 2 and isinstance(out[-1], Transition) and isinstance(out[-2], Gap):
                out.pop()
            if out and isinstance(out[-1], Gap):
                out[-1] = Gap(duration=out[-1].duration + item.duration)
                continue
        out.append(item)
    while out and isinstance(out[-1], Transition):
        out.pop()
    return out


def _rebuild(timeline: Timeline, track: int, items: list[Item]) -> Timeline:
    tracks = list(timeline.tracks)
    tracks[track] = tracks[track].model_copy(update={"items": _normalise(items)})
    edited = timeline.model_copy(update={"tracks": tracks})
    edited.validate_layout()
    for item in tracks[track].items:
        if isinstance(item, TimelineClip) and item.source_frames is not None:
            _check_source(item)
    return edited


def _check_source(clip: TimelineClip) -> None:
    """An edit may use a clip's handles but not frames its media does not have."""
    if clip.source_start < 0 or clip.source_end > (clip.source_frames or 0):
        raise VideoGenInputError(
            f"clip {clip.name!r} has {clip.source_frames} frames of media and would need "
            f"frames {clip.source_start}…{clip.source_end - 1}: it cannot grow that far; "
            "make the shot longer in the shot list to re-animate it at the new length"
        )
