"""The graph's state: plain JSON-able dicts so every checkpoint is durable and portable."""

from __future__ import annotations

from typing import Any, TypedDict


class RenderState(TypedDict, total=False):
    """One project's progress through the stages; each key is one stage's artifact."""

    project_id: str
    options: dict[str, Any]
    track: dict[str, Any]
    analysis: dict[str, Any]
    uploads: list[dict[str, Any]]
    brief: dict[str, Any]
    references: list[dict[str, Any]]
    shots: list[dict[str, Any]]
    refinements: dict[str, str]  # shot index → the instruction its frame was refined with
    clip_notes: dict[str, str]  # shot index → the motion instruction its clip was redone with
    reference_notes: dict[str, str]  # reference name → the instruction it was redrawn with
    stage_notes: dict[str, str]  # stage → the instruction it was regenerated with
    review: bool  # pause at a review gate after each stage
    frames: list[str]
    clips: list[str]
    stand_ins: dict[str, str]  # shot index → why its clip is the still with motion
    clip_handles: int  # frames each clip has past both ends of its slot
    timeline: dict[str, Any]
    timeline_edits: list[dict[str, Any]]  # the musician's edits, re-applied on reassembly
    export: dict[str, Any]
