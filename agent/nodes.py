"""One node per stage. Each reads the state, does its stage, saves a versioned artifact."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from agent import planner
from agent.animation import Animator, handle_frames
from agent.drawing import draw_all
from agent.errors import RenderCancelled
from agent.planner.llm import LLMPlanner, chat_model_from_spec, music_summary
from agent.planner.prompts import location_prompt, reference_prompt
from agent.planner.structured import frame_prompt, location_json, reference_json, with_instruction
from agent.schemas import Brief, ReferenceImage, RenderOptions, Shot
from agent.state import RenderState
from agent.studio import Studio
from agent.timeline_edits import apply_edits, clip_name
from audio import TrackAnalysis
from audio.models import LyricLine
from imagegen import ImageRequest, Scene, Subject
from imagegen.request import MAX_REFERENCES
from storage import file_sha256, save_artifact
from videogen import (
    Gap,
    TextOverlay,
    Timeline,
    TimelineClip,
    Track,
    Transition,
    edits,
    export_otio,
    export_video,
    seconds_to_frames,
)
from videogen import GenerationCancelled as VideoCancelled

logger = logging.getLogger(__name__)

REFERENCE_SIZE = 512
SECTION_DISSOLVE = 0.33  # seconds of dissolve into each new section
COMPOSITIONS = ("left-third", "center", "right-third")


def _save(studio: Studio, state: RenderState, kind: str, key: str = "", **content: Any) -> None:
    with studio.db.session() as session:
        save_artifact(session, state["project_id"], kind, key, **content)


def _llm(studio: Studio) -> LLMPlanner:
    """The LLM planner for ``STORYBEAT_LLM`` (the rules planner is its fallback)."""
    assert studio.settings.llm
    return LLMPlanner(chat_model_from_spec(studio.settings.llm))


def _options(state: RenderState) -> RenderOptions:
    return RenderOptions.model_validate(state["options"])


def _drawing_size(options: RenderOptions) -> tuple[int, int]:
    """Image engines draw in multiples of 16; the video adapter crops to the exact size."""
    width, height = options.size
    return -(-width // 16) * 16, -(-height // 16) * 16


def write_brief(state: RenderState, runtime: Runtime[Studio]) -> dict[str, Any]:
    """Creative Brief: the user's text + template + the music's mood."""
    studio = runtime.context
    options = _options(state)
    analysis = TrackAnalysis.model_validate(state["analysis"])
    uploads = [u["name"] for u in state.get("uploads", [])]

    note = state.get("stage_notes", {}).get("write_brief", "")
    text = f"{options.brief} {note}".strip()

    def rules() -> Brief:
        return planner.write_brief(
            text, template=options.template, analysis=analysis, uploads=uploads
        )

    if studio.settings.llm:
        summary = music_summary(analysis) | {"uploads": uploads}
        brief, warnings = _llm(studio).write_brief(text, options.template, summary, rules)
        for warning in warnings:
            studio.on_event(warning)
    else:
        brief = rules()
    _save(studio, state, "brief", data=brief.model_dump())
    studio.on_progress("brief", 1, 1)
    return {"brief": brief.model_dump()}


def generate_references(state: RenderState, runtime: Runtime[Studio]) -> dict[str, Any]:
    """Reference Generation: a sheet per character and a plate per location."""
    studio = runtime.context
    brief = Brief.model_validate(state["brief"])
    uploads = {u["name"]: u for u in state.get("uploads", [])}
    wanted: list[tuple[ReferenceImage, ImageRequest]] = []
    structured = _structured(studio)
    notes = state.get("reference_notes", {})
    for character in brief.characters:
        upload = uploads.get(character.reference or "")
        note = notes.get(character.name, "")
        sheet = reference_json if structured else reference_prompt
        prompt = refined_prompt(sheet(brief, character), note)
        scene = Scene(
            shot_type="medium",
            subjects=[Subject(name=character.name, color=character.color)],
            location="studio",
            palette=brief.palette,
            time_of_day="day",
            label=f"Reference · {character.name}",
            caption=character.description + (f" — {note}" if note else ""),
        )
        refs = (studio.media.path(upload["media"]),) if upload else ()
        request = _image_request(prompt, REFERENCE_SIZE, REFERENCE_SIZE, scene, refs)
        wanted.append((ReferenceImage(name=character.name, kind="character", media=""), request))
    for location in brief.locations:
        note = notes.get(location.name, "")
        plate = location_json if structured else location_prompt
        prompt = refined_prompt(plate(brief, location), note)
        scene = Scene(
            shot_type="wide",
            location=location.description,
            palette=brief.palette,
            time_of_day=location.time_of_day,
            label=f"Reference · {location.name}",
            caption=location.description + (f" — {note}" if note else ""),
        )
        request = _image_request(prompt, REFERENCE_SIZE, REFERENCE_SIZE, scene, ())
        wanted.append((ReferenceImage(name=location.name, kind="location", media=""), request))
    bank = [ReferenceImage(**u) for u in uploads.values()]

    def keep(i: int, ref: str) -> None:
        reference = wanted[i][0].model_copy(update={"media": ref, "prompt": wanted[i][1].prompt})
        _save(studio, state, "reference", reference.name, data=reference.model_dump(), media=ref)
        bank.append(reference)

    draw_all(studio, "references", [request for _, request in wanted], keep)
    return {"references": [r.model_dump() for r in bank]}


def _structured(studio: Studio) -> bool:
    """Whether the image engine reads Flux.2 JSON prompts (engines that don't say: no)."""
    return bool(getattr(studio.engine, "structured_prompts", False))


def _image_request(
    prompt: str, width: int, height: int, scene: Scene, references: tuple[Path, ...], seed: int = 0
) -> ImageRequest:
    return ImageRequest(
        prompt=prompt, width=width, height=height, seed=seed, references=references, scene=scene
    )


def plan_shot_list(state: RenderState, runtime: Runtime[Studio]) -> dict[str, Any]:
    """Shot List: cuts on the beat, framing and movement paced by the music."""
    studio = runtime.context
    brief = Brief.model_validate(state["brief"])
    analysis = TrackAnalysis.model_validate(state["analysis"])
    if studio.settings.llm:
        shots, warnings = _llm(studio).plan_shots(
            brief, analysis, lambda: planner.plan_shots(brief, analysis)
        )
        for warning in warnings:
            studio.on_event(warning)
    else:
        shots = planner.plan_shots(brief, analysis)
    data = [s.model_dump() for s in shots]
    _save(studio, state, "shots", data={"shots": data})
    studio.on_progress("shots", 1, 1)
    return {"shots": data}


def draw_storyboard(state: RenderState, runtime: Runtime[Studio]) -> dict[str, Any]:
    """Storyboard: one frame per shot, carrying the shot's reference images."""
    studio = runtime.context
    brief = Brief.model_validate(state["brief"])
    width, height = _drawing_size(_options(state))
    bank = {r["name"]: r["media"] for r in state.get("references", [])}
    characters = {c.name: c for c in brief.characters}
    locations = {loc.name: loc for loc in brief.locations}
    refinements = state.get("refinements", {})
    structured = _structured(studio)
    requests = []
    for shot in (Shot.model_validate(s) for s in state["shots"]):
        instruction = refinements.get(str(shot.index), "")
        location = locations[shot.location]
        if shot.subject in characters:
            subject = Subject(name=shot.subject, color=characters[shot.subject].color)
        else:
            subject = Subject(name=shot.subject, color=brief.palette[-1], role="object")
        composition = COMPOSITIONS[shot.index % len(COMPOSITIONS)]
        scene = Scene(
            shot_type=shot.shot_type,
            subjects=[subject],
            location=location.description,
            palette=brief.palette,
            time_of_day=location.time_of_day,
            composition=composition,
            label=f"Shot {shot.index + 1} · {shot.section} · {_clock(shot.start)}",
            caption=f"{shot.subject} {shot.action}" + (f" — {instruction}" if instruction else ""),
        )
        named = [name for name in dict.fromkeys(shot.references) if name in bank]
        if len(named) > MAX_REFERENCES:  # the planner ranks them; Flux.2 takes at most 10
            logger.info(
                "shot %d names %d references; using the first %d",
                shot.index,
                len(named),
                MAX_REFERENCES,
            )
            named = named[:MAX_REFERENCES]
        references = tuple(studio.media.path(bank[name]) for name in named)
        prompt = refined_prompt(
            frame_prompt(brief, shot, location, structured=structured, position=composition),
            instruction,
        )
        requests.append(_image_request(prompt, width, height, scene, references, shot.seed))

    def keep(i: int, ref: str) -> None:
        data = {"shot": i, "prompt": requests[i].prompt}
        if refinements.get(str(i)):
            data["instruction"] = refinements[str(i)]
        _save(studio, state, "frame", str(i), data=data, media=ref)

    frames = draw_all(studio, "storyboard", requests, keep)
    return {"frames": frames}


def refined_prompt(prompt: str, instruction: str) -> str:
    """The prompt with the musician's instruction first: Flux.2 weighs early words most.

    A JSON prompt gets it at the start of its ``scene``, the first key.
    """
    return with_instruction(prompt, instruction) if instruction else prompt


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def animate_shots(state: RenderState, runtime: Runtime[Studio]) -> dict[str, Any]:
    """Video Generation: each storyboard frame becomes a clip its shot's length plus a beat of
    handle at each end (for trims and dissolves); a clip the adapter cannot make is the still
    with camera motion, and the project says so."""
    studio = runtime.context
    options = _options(state)
    analysis = TrackAnalysis.model_validate(state["analysis"])
    handle = handle_frames(analysis.tempo, analysis.steady_beat, options.fps)
    animator = Animator(
        studio,
        fps=options.fps,
        size=options.size,
        downbeats=analysis.downbeats,
        handle=handle,
    )
    shots = [Shot.model_validate(s) for s in state["shots"]]
    notes = state.get("clip_notes", {})
    clips: list[str] = []
    stand_ins: dict[str, str] = {}
    for shot, frame in zip(shots, state["frames"], strict=True):
        if studio.cancel():
            raise RenderCancelled("cancelled during video generation; finished clips are kept")
        note = notes.get(str(shot.index), "")
        clip = animator.clip(animator.request(shot, studio.media.path(frame), note), shot.index + 1)
        data: dict[str, Any] = {"shot": shot.index, "camera": clip.camera}
        if note:
            data["instruction"] = note
        if clip.stand_in_reason:
            data["stand_in"] = {"adapter": "motion", "reason": clip.stand_in_reason}
            stand_ins[str(shot.index)] = clip.stand_in_reason
        _save(studio, state, "clip", str(shot.index), data=data, media=clip.media)
        clips.append(clip.media)
        studio.on_progress("video", len(clips), len(shots))
    return {"clips": clips, "stand_ins": stand_ins, "clip_handles": handle}


def assemble_timeline(state: RenderState, runtime: Runtime[Studio]) -> dict[str, Any]:
    """Timeline: the clips on one video track, cut on the planned frames, song as clock; the
    musician's timeline edits (order, trims, transitions) are applied on top."""
    studio = runtime.context
    options = _options(state)
    width, height = options.size
    shots = [Shot.model_validate(s) for s in state["shots"]]
    handle = state.get("clip_handles", 0)  # projects animated before handles have none
    items: list[TimelineClip | Gap | Transition] = []
    for shot, clip in zip(shots, state["clips"], strict=True):
        first = seconds_to_frames(shot.start, options.fps)
        last = seconds_to_frames(shot.end, options.fps)
        items.append(
            TimelineClip(
                name=clip_name(shot.index + 1),
                media=clip,
                source_start=handle,
                duration=last - first,
                source_frames=last - first + 2 * handle,
                shot_index=shot.index,
            )
        )
    duration = seconds_to_frames(state["track"]["duration"], options.fps)
    overlays = []
    if options.template == "lyric":
        lines = TrackAnalysis.model_validate(state["analysis"]).lyrics
        overlays = lyric_overlays(lines, options.fps, duration)
    timeline = Timeline(
        name=Brief.model_validate(state["brief"]).title,
        rate=options.fps,
        duration=duration,
        audio=state["track"]["master"],
        width=width,
        height=height,
        tracks=[Track(name="V1", items=items)],
        overlays=overlays,
    )
    timeline.validate_layout()
    timeline = lead_into_sections(timeline, shots)
    if state.get("timeline_edits"):  # the musician's edits, applied again to the new clips
        beats = TrackAnalysis.model_validate(state["analysis"]).beats
        timeline = apply_edits(timeline, state["timeline_edits"], beats, on_skip=studio.on_event)
    data = timeline.model_dump(mode="json")
    _save(studio, state, "timeline", data=data)
    studio.on_progress("timeline", 1, 1)
    return {"timeline": data}


def lead_into_sections(timeline: Timeline, shots: list[Shot]) -> Timeline:
    """A new section is led into: the last shot before it dissolves into the section's first
    frame over ``SECTION_DISSOLVE`` seconds, ending on the cut, so the cut stays on its beat.
    Clips stay independent (a refined shot re-animates alone); the incoming frame is held."""
    frames = max(round(SECTION_DISSOLVE * timeline.rate), 1)
    for shot, following in itertools.pairwise(shots):
        if following.section != shot.section and shot.duration > 3 * SECTION_DISSOLVE:
            timeline = edits.set_transition(
                timeline, clip_name(shot.index + 1), "crossfade", frames=frames, align="end"
            )
    return timeline


def lyric_overlays(lines: list[LyricLine], fps: int, duration: int) -> list[TextOverlay]:
    """One overlay per timed lyric line, on whole frames, each ending where the next starts."""
    overlays: list[TextOverlay] = []
    for i, line in enumerate(lines):
        start = seconds_to_frames(line.start, fps)
        end = min(seconds_to_frames(line.end, fps), duration)
        if i + 1 < len(lines):
            end = min(end, seconds_to_frames(lines[i + 1].start, fps))
        text = " ".join(line.text.split())[:300]
        if end > start and text:
            overlays.append(TextOverlay(text=text, start=start, duration=end - start))
    return overlays


def export_cut(state: RenderState, runtime: Runtime[Studio]) -> dict[str, Any]:
    """Export: H.264 + AAC MP4 with the track as the soundtrack."""
    studio = runtime.context
    if studio.output is None:
        return {}
    return {"export": write_export(studio, state, studio.output)}


def write_export(
    studio: Studio, state: RenderState, output: Path, *, preset: str | None = None
) -> dict[str, Any]:
    """Render the state's timeline to ``output`` and record it as the export artifact: an MP4
    (at ``preset``'s size when one is named), or for ``.otio`` an OpenTimelineIO edit of the
    same cut that points at the project's media (for DaVinci Resolve and other editors)."""
    timeline = Timeline.model_validate(state["timeline"])
    try:
        if output.suffix.lower() == ".otio":
            export_otio(timeline, resolve=studio.media.path, out_path=output)
        else:
            export_video(
                timeline,
                resolve=studio.media.path,
                out_path=output,
                audio_duration=state["track"]["duration"],
                export_preset=preset,
                on_progress=lambda done, total: studio.on_progress("export", done, total),
                cancel=studio.cancel,
            )
    except VideoCancelled as exc:
        raise RenderCancelled("cancelled during export; the previous export is intact") from exc
    record = {
        "path": str(output),
        "sha256": file_sha256(output),
        "duration": timeline.duration / timeline.rate,
    }
    _save(studio, state, "export", data=record)
    return record
