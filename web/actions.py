"""What a user can ask of the studio; the pages and the JSON API both call these.

Each check of ownership and input happens here, before a job starts, so a bad request is a
clear error and nothing is queued.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import UploadFile
from pydantic import ValidationError

from agent import project as agent_project
from agent.project import MAX_INSTRUCTION
from agent.review import check_version, parse_decision, timeline_update
from agent.schemas import RenderOptions
from agent.studio import Studio
from videogen.presets import get_preset
from web import work
from web.adapters import check_choice
from web.config import WebSettings
from web.errors import WebInputError
from web.jobs import JobRunner
from web.projects import owned, owned_job
from web.uploads import (
    IMAGE_TYPES,
    LYRICS_TYPES,
    MAX_IMAGE_BYTES,
    MAX_LYRICS_BYTES,
    MAX_REFERENCES,
    TRACK_TYPES,
    discard,
    new_slot,
    save_new,
    save_upload,
)

QUOTE_KINDS = ("frame", "shot", "clip")


def start_project(
    studio: Studio,
    jobs: JobRunner,
    web: WebSettings,
    user_id: int,
    *,
    track: UploadFile,
    fields: dict[str, Any],
    references: list[UploadFile],
    lyrics: UploadFile | None,
) -> int:
    """Save the uploads, check the options and queue the new project's first run."""
    references = [r for r in references if r.filename]
    if len(references) > MAX_REFERENCES:
        raise WebInputError(f"{len(references)} reference images: give at most {MAX_REFERENCES}")
    slot, folder = new_slot(studio.settings.data_dir)
    try:
        path = save_upload(track, folder, "track", TRACK_TYPES, web.max_upload_bytes)
        refs = [
            save_upload(r, folder, f"reference-{i + 1}", IMAGE_TYPES, MAX_IMAGE_BYTES)
            for i, r in enumerate(references)
        ]
        words = None
        if lyrics is not None and lyrics.filename:
            words = save_upload(lyrics, folder, "lyrics", LYRICS_TYPES, MAX_LYRICS_BYTES)
        adapter = fields.pop("video_adapter", None) or None
        adapter = check_choice(studio, adapter) if adapter else None
        options = _options({**fields, "references": refs, "lyrics": words})
    except BaseException:
        discard(folder)
        raise
    named = folder / (Path(track.filename or "track").stem[:80] + path.suffix)
    path = path.rename(named) if named.name != path.name else path  # the project's name
    return jobs.submit(
        work.new_project(path, options, owner_id=user_id, slot=slot, adapter=adapter),
        kind="new project",
        owner_id=user_id,
        adapter=adapter,
    )


def use_own_reference(
    studio: Studio, jobs: JobRunner, user_id: int, project_id: str, name: str, image: UploadFile
) -> int:
    """Queue replacing reference ``name`` with the musician's uploaded ``image``."""
    check_owner(studio, project_id, user_id)
    values = agent_project.state(studio, project_id)
    if values["next"] != ["review_generate_references"]:
        raise WebInputError("your own images replace generated references at the references review")
    names = [r["name"] for r in values.get("references", []) if r.get("kind") != "upload"]
    if name not in names:
        raise WebInputError(f"no reference {name!r}; this project has {', '.join(names)}")
    path = save_new(image, studio.settings.data_dir, "reference", IMAGE_TYPES, MAX_IMAGE_BYTES)
    return jobs.submit(
        work.use_own_reference(project_id, name, path),
        kind="own reference",
        owner_id=user_id,
        project_id=project_id,
    )


def choose_adapter(studio: Studio, user_id: int, project_id: str, name: str) -> str:
    """Animate the project's next clips with adapter ``name`` (quote clips to redo them)."""
    check_owner(studio, project_id, user_id)
    chosen = check_choice(studio, name)
    work.set_adapter(studio, project_id, chosen)
    return chosen


def _options(fields: dict[str, Any]) -> RenderOptions:
    values = {k: v for k, v in fields.items() if v not in (None, "")}
    try:
        return RenderOptions.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "options"
        raise WebInputError(f"{where}: {error['msg']}") from None


def check_owner(studio: Studio, project_id: str, user_id: int) -> None:
    """NotFoundError unless the user owns the project (in a short session of its own: SQLite
    allows one writer, and the agent opens sessions of its own)."""
    with studio.db.session() as session:
        owned(session, project_id, user_id)


def answer_gate(
    studio: Studio,
    jobs: JobRunner,
    user_id: int,
    project_id: str,
    answer: dict[str, Any],
    version: str | None = None,
) -> int:
    """Approve, regenerate (with an instruction, optionally only some targets) or edit the
    stage the project waits at. With ``version`` (that of the brief, shot list or timeline the
    answer was made on), a result changed since is a 409 and nothing is queued; the job checks
    it again."""
    check_owner(studio, project_id, user_id)
    version = clean_version(version)
    values = agent_project.state(studio, project_id)
    pending = values["next"]
    if not pending or not pending[0].startswith("review_"):
        raise WebInputError("this project is not waiting for a review")
    stage = pending[0].removeprefix("review_")
    parse_decision(stage, answer)  # the agent's own check, early
    check_version(stage, values, version)
    return jobs.submit(
        work.decide(project_id, answer, version),
        kind=answer["action"],
        owner_id=user_id,
        project_id=project_id,
    )


def quote(
    studio: Studio,
    jobs: JobRunner,
    user_id: int,
    project_id: str,
    *,
    kind: str,
    numbers: list[int],
    instruction: str,
) -> int:
    """Redo the quoted frames, shots or clips with ``instruction``; nothing else changes."""
    check_owner(studio, project_id, user_id)
    if kind not in QUOTE_KINDS:
        raise WebInputError(f"kind={kind!r}: quote one of {', '.join(QUOTE_KINDS)}")
    if not numbers:
        raise WebInputError(f"select the {kind}s to change first")
    count = len(agent_project.state(studio, project_id).get("shots", []))
    missing = [n for n in numbers if not 1 <= n <= count]
    if missing:
        raise WebInputError(f"{kind} {missing[0]} does not exist: this project has 1 to {count}")
    instruction = " ".join(instruction.split())
    if not instruction or len(instruction) > MAX_INSTRUCTION:
        raise WebInputError(f"say what to change, in 1 to {MAX_INSTRUCTION} characters")
    return jobs.submit(
        work.refine(project_id, kind, sorted(set(numbers)), instruction),
        kind=f"refine {kind}s",
        owner_id=user_id,
        project_id=project_id,
    )


def restore(
    studio: Studio, jobs: JobRunner, user_id: int, project_id: str, artifact: str, version: int
) -> int:
    check_owner(studio, project_id, user_id)
    return jobs.submit(
        work.restore(project_id, artifact, version),
        kind="restore",
        owner_id=user_id,
        project_id=project_id,
    )


def edit_timeline(
    studio: Studio,
    jobs: JobRunner,
    user_id: int,
    project_id: str,
    edits: Any,
    version: str | None = None,
) -> int:
    """Queue timeline edits. ``version`` is the timeline version they were made on (the studio's
    pages always send it; scripts may leave it out): when the timeline has changed since —
    another tab, a refine's re-assembly — the answer is 409 and nothing is queued. The job
    checks it again, so two requests that both pass here cannot both apply."""
    check_owner(studio, project_id, user_id)
    version = clean_version(version)
    edits = parse_json(edits, "edits") if isinstance(edits, str) else edits
    if not isinstance(edits, list) or not edits:
        raise WebInputError(
            'timeline edits are a list like [{"op": "reorder", "shot": 3, "index": 0}]'
        )
    values = agent_project.state(studio, project_id)
    if "timeline" not in values:
        raise WebInputError("this project has no timeline yet: approve the stages before it")
    check_version("assemble_timeline", values, version)
    timeline_update(values, edits)  # type: ignore[arg-type]  # the agent's check, before the job
    return jobs.submit(
        work.edit_timeline(project_id, edits, version),
        kind="timeline edit",
        owner_id=user_id,
        project_id=project_id,
    )


def export(
    studio: Studio,
    jobs: JobRunner,
    user_id: int,
    project_id: str,
    *,
    preset: str | None,
    kind: str,
) -> int:
    """Queue an export of the current cut as MP4 (at ``preset``) or as an .otio edit."""
    with studio.db.session() as session:
        name = owned(session, project_id, user_id).name
    if kind not in ("mp4", "otio"):
        raise WebInputError(f"format={kind!r}: choose mp4 or otio")
    if preset:
        get_preset(preset)  # an unknown name is a 400 listing the known ones, before the job
    folder = exports_dir(studio, project_id)
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:60] or "cut"
    output = folder / f"{name}-{_next_number(folder)}.{kind}"
    return jobs.submit(
        work.export(project_id, output, preset or None),
        kind="export",
        owner_id=user_id,
        project_id=project_id,
    )


def exports_dir(studio: Studio, project_id: str) -> Path:
    return studio.settings.data_dir / "exports" / project_id


def _next_number(folder: Path) -> int:
    return len(list(folder.glob("*"))) + 1 if folder.is_dir() else 1


def resume(studio: Studio, jobs: JobRunner, user_id: int, project_id: str) -> int:
    check_owner(studio, project_id, user_id)
    return jobs.submit(
        work.resume(project_id), kind="resume", owner_id=user_id, project_id=project_id
    )


def cancel(studio: Studio, jobs: JobRunner, user_id: int, job_id: int) -> None:
    with studio.db.session() as session:
        owned_job(session, job_id, user_id)
    jobs.cancel(job_id)


def clean_version(version: str | None) -> str | None:
    """A version from a form, a JSON body or an ``If-Match`` header (``"abc"``, ``W/"abc"``);
    None for none given (``*`` or blank: nothing to check)."""
    if version is None:
        return None
    text = version.strip().removeprefix("W/").strip('"').strip()
    if text in ("", "*"):
        return None
    if len(text) > 64 or not text.isalnum():
        raise WebInputError(f"version {version[:70]!r} is not one this studio hands out")
    return text


def parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise WebInputError(f"{name} is not valid JSON: {exc.msg} at character {exc.pos}") from None


def parse_numbers(values: list[str] | str) -> list[int]:
    """Frame numbers from checkboxes or "3, 7" text; WebInputError for anything else."""
    items = values.split(",") if isinstance(values, str) else values
    try:
        numbers = [int(v) for v in (i.strip() for i in items) if v]
    except ValueError:
        raise WebInputError(f"numbers must be whole numbers, got {values!r}") from None
    if any(n < 1 for n in numbers):
        raise WebInputError("numbers count from 1")
    return numbers
