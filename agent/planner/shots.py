"""The rules planner's shot list: cuts on the beat, framing and movement by the music."""

from __future__ import annotations

import hashlib
import itertools

from agent.planner.cuts import PACE_FLOOR, plan_cuts
from agent.planner.prompts import INSERT_ACTION, shot_prompt
from agent.planner.vocabulary import ACTIONS, CAMERA_BY_SHOT, SHOT_PATTERNS
from agent.schemas import Brief, Shot
from audio import TrackAnalysis


def plan_shots(brief: Brief, analysis: TrackAnalysis) -> list[Shot]:
    """One shot per span between cuts, covering the whole track without gaps."""
    pace = PACE_FLOOR.get(brief.template, 0.0)
    edges = [0.0, *plan_cuts(analysis, pace_floor=pace), analysis.duration]
    pattern = SHOT_PATTERNS[brief.template]
    levels = [s.energy for s in analysis.sections]
    low, high = min(levels), max(levels)
    shots: list[Shot] = []
    previous_type = ""
    for index, (start, end) in enumerate(itertools.pairwise(edges)):
        section = analysis.section_at(start)
        section_no = analysis.sections.index(section)
        relative = (section.energy - low) / (high - low) if high > low else 0.5
        shot_type = pattern[index % len(pattern)]
        if shot_type == previous_type:
            shot_type = pattern[(index + 1) % len(pattern)]
        previous_type = shot_type
        moves = CAMERA_BY_SHOT[shot_type]
        camera = "push-in" if relative >= 0.75 and index % 2 == 0 else moves[index % len(moves)]
        subject_name, subject_refs = _subject(brief, shot_type, index)
        location = brief.locations[section_no % len(brief.locations)]
        actions = ACTIONS[brief.template].get(section.label, ACTIONS[brief.template]["verse"])
        action = actions[index % len(actions)] if shot_type != "insert" else INSERT_ACTION
        prompt = shot_prompt(
            brief, shot_type=shot_type, subject=subject_name, action=action, location=location
        )
        shots.append(
            Shot(
                index=index,
                start=round(start, 4),
                end=round(end, 4),
                section=section.label,
                energy=round(relative, 3),
                shot_type=shot_type,
                camera=camera,
                subject=subject_name,
                location=location.name,
                action=action,
                references=[*subject_refs, location.name],
                prompt=prompt,
                seed=_seed(prompt, index),
            )
        )
    return shots


def _subject(brief: Brief, shot_type: str, index: int) -> tuple[str, list[str]]:
    """(subject name, reference names it needs); the prompt describes it from the brief."""
    if shot_type == "insert" or not brief.characters:
        return brief.props[index % len(brief.props)], []
    lead = brief.characters[0]
    other = brief.characters[1] if len(brief.characters) > 1 else lead
    character = other if index % 3 == 2 else lead
    refs = [character.name]
    if character.reference:
        refs.append(character.reference)
    return character.name, refs


def _seed(prompt: str, index: int) -> int:
    digest = hashlib.sha256(f"{index}:{prompt}".encode()).hexdigest()
    return int(digest[:8], 16)
