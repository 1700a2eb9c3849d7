"""The musician's timeline edits, kept as operations and applied to the assembled cut.

The project stores the edits, not the edited timeline: when a refine re-animates a shot, the
timeline is assembled again from the new clips and the same edits are applied, so the order,
trims and transitions the musician chose survive. Clips are named by shot number; times are
seconds on the song's clock; moves and trims snap to the nearest beat within a quarter beat
unless ``"snap": false``.

    {"op": "reorder", "shot": 3, "index": 0}
    {"op": "move", "shot": 3, "to": 12.5}
    {"op": "trim", "shot": 3, "start": 10.0, "end": 14.2, "roll": true}
    {"op": "transition", "after": 3, "type": "crossfade", "seconds": 0.5, "align": "centre"}
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from agent.errors import AgentInputError
from videogen import Timeline, VideoGenInputError, edits, seconds_to_frames

logger = logging.getLogger(__name__)

OPS = ("reorder", "move", "trim", "transition")
# What a malformed edit raises while applied; OverflowError: JSON's 1e999 reads as infinity.
MALFORMED = (VideoGenInputError, AgentInputError, KeyError, TypeError, ValueError, OverflowError)
SNAP_FRACTION = 0.25  # of a beat


def clip_name(shot: int) -> str:
    """The timeline clip of shot ``shot`` (numbered from 1)."""
    return f"Shot {shot}"


def apply_edits(
    timeline: Timeline,
    ops: list[dict[str, Any]],
    beats: list[float],
    *,
    on_skip: Callable[[str], None] | None = None,
) -> Timeline:
    """``timeline`` with ``ops`` applied in order.

    Without ``on_skip`` an edit that cannot apply is an AgentInputError naming it; with it,
    the edit is skipped and ``on_skip`` told why (re-applying old edits to a timeline whose
    shots changed).
    """
    if not isinstance(ops, list) or not all(isinstance(op, dict) for op in ops):
        raise AgentInputError(
            'timeline edits are a JSON list like [{"op": "reorder", "shot": 3, "index": 0}]'
        )
    rate = timeline.rate
    beat_frames = sorted({seconds_to_frames(t, rate) for t in beats})
    spacing = (beats[-1] - beats[0]) / (len(beats) - 1) if len(beats) > 1 else 0.5
    tolerance = max(int(spacing * SNAP_FRACTION * rate), 0)
    for number, op in enumerate(ops, 1):
        try:
            timeline = _apply(timeline, op, beat_frames, tolerance)
        except MALFORMED as exc:
            reason = f"timeline edit {number} ({_describe(op)}): {_reason(exc)}"
            if on_skip is None:
                raise AgentInputError(reason) from None
            on_skip(reason)
    return timeline


def _apply(timeline: Timeline, op: dict[str, Any], beats: list[int], tolerance: int) -> Timeline:
    kind = op.get("op")
    if kind not in OPS:
        raise AgentInputError(f"op must be one of {', '.join(OPS)}, got {kind!r}")
    rate = timeline.rate
    snap = beats if op.get("snap", True) else None

    def frame(key: str) -> int | None:
        value = op.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise AgentInputError(f"{key} is a time in seconds, got {value!r}")
        return seconds_to_frames(float(value), rate)

    if kind == "transition":
        seconds = op.get("seconds", 0.5)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise AgentInputError(f"seconds is a length in seconds, got {seconds!r}")
        return edits.set_transition(
            timeline,
            clip_name(_shot(op, "after")),
            str(op.get("type", "crossfade")),
            frames=max(round(seconds * rate), 1),
            align=op.get("align", "centre"),
        )
    name = clip_name(_shot(op, "shot"))
    if kind == "reorder":
        return edits.reorder_clip(timeline, name, index=int(op["index"]))
    if kind == "move":
        start = frame("to")
        if start is None:
            raise AgentInputError("move needs to: the new start in seconds")
        return edits.move_clip(timeline, name, start=start, beats=snap, tolerance=tolerance)
    start, end = frame("start"), frame("end")
    if start is None and end is None:
        raise AgentInputError("trim needs start and/or end, in seconds")
    return edits.trim_clip(
        timeline,
        name,
        start=start,
        end=end,
        beats=snap,
        tolerance=tolerance,
        roll=bool(op.get("roll", False)),
    )


def _shot(op: dict[str, Any], key: str) -> int:
    value = op.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AgentInputError(f"{key} is a shot number (from 1), got {value!r}")
    return value


def _describe(op: Any) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in op.items()) if isinstance(op, dict) else repr(op)


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]!r}"
    return " ".join(str(exc).split())
