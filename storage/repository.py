"""Queries and updates over the storage tables; every function takes a Session first."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.errors import StorageInputError
from storage.media import check_ref
from storage.models import JOB_STATES, Artifact, Base, CacheEntry, Job, Project, Track, utcnow

logger = logging.getLogger(__name__)

_SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
_NUMERIC_KEY = re.compile(r"^[0-9]+$")


# -- validation ---------------------------------------------------------------------------------


def _check_str(name: str, value: object, max_len: int, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or len(value) > max_len or (not value and not allow_empty):
        need = "a string" if allow_empty else "a non-empty string"
        raise StorageInputError(f"{name}={value!r} must be {need} of at most {max_len} characters")
    return value


def _check_media(name: str, media: str | None) -> str | None:
    if media is None:
        return None
    try:
        return check_ref(media)
    except StorageInputError:
        raise StorageInputError(
            f"{name}={media!r} is not a media ref; store the file with MediaStore first"
        ) from None


def _to_json(name: str, value: Any) -> str:
    """Canonical JSON text of ``value`` (sorted keys, no NaN), or StorageInputError."""
    try:
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise StorageInputError(f"{name}={value!r} is not JSON-serialisable: {exc}") from None


def _normalise_json(name: str, value: Any) -> Any:
    """``value`` as it will read back from the database (tuples become lists, and so on)."""
    return json.loads(_to_json(name, value))


def _content_hash(data: Any, media: str | None) -> str:
    """SHA-256 of the canonical JSON of ``{"data": data, "media": media}``."""
    text = _to_json("data", {"data": data, "media": media})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _insert(session: Session, model: type[Base]) -> Any:
    """A dialect-specific INSERT for ``model`` that supports ON CONFLICT."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(model)
    raise StorageInputError(f"dialect={dialect!r} is not supported (use sqlite or postgresql)")


def _lock_project(session: Session, project_id: str) -> Project:
    """Load the project row FOR UPDATE, so concurrent writers of one project take turns."""
    project = session.get(Project, project_id, with_for_update=True)
    if project is None:
        raise StorageInputError(
            f"project_id={project_id!r} does not exist; call get_or_create_project first"
        )
    return project


# -- projects and tracks ------------------------------------------------------------------------


def get_project(session: Session, project_id: str) -> Project | None:
    """Return the project, or None."""
    return session.get(Project, project_id)


def get_or_create_project(
    session: Session,
    project_id: str,
    *,
    name: str,
    options: dict[str, Any],
    owner_id: int | None = None,
) -> Project:
    """Return the project ``project_id``, creating it with ``name``, ``options`` and
    ``owner_id`` (a studio account; None for the CLI's) if absent.

    An existing project is returned unchanged. Safe when two processes create it at once.
    """
    _check_str("project_id", project_id, 64)
    _check_str("name", name, 10_000, allow_empty=True)
    if not isinstance(options, dict):
        raise StorageInputError(f"options={options!r} must be a dict")
    project = session.get(Project, project_id)
    if project is not None:
        return project
    now = utcnow()
    stmt = _insert(session, Project).values(
        id=project_id,
        name=name,
        options=_normalise_json("options", options),
        owner_id=owner_id,
        created_at=now,
        updated_at=now,
    )
    session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))
    project = session.get(Project, project_id, populate_existing=True)
    if project is None:  # pragma: no cover - the row was just inserted or already there
        raise StorageInputError(f"project_id={project_id!r} could not be created")
    logger.debug("project %s ready", project_id)
    return project


def set_track(
    session: Session,
    project_id: str,
    *,
    media: str,
    filename: str,
    content_hash: str,
    duration: float,
) -> Track:
    """Make the given media the project's track, replacing any previous track row."""
    if _check_media("media", media) is None:
        raise StorageInputError("media=None must be a media ref")
    _check_str("filename", filename, 10_000)
    if not isinstance(content_hash, str) or not _SHA256_PATTERN.fullmatch(content_hash):
        raise StorageInputError(f"content_hash={content_hash!r} must be 64 lower-case hex chars")
    if isinstance(duration, bool) or not isinstance(duration, int | float):
        raise StorageInputError(f"duration={duration!r} must be a number of seconds")
    if not math.isfinite(duration) or duration < 0:
        raise StorageInputError(f"duration={duration!r} must be a finite number of seconds >= 0")
    project = _lock_project(session, project_id)
    for old in session.scalars(select(Track).where(Track.project_id == project_id)):
        session.delete(old)
    track = Track(
        project_id=project_id,
        media=media,
        filename=filename,
        content_hash=content_hash,
        duration=float(duration),
        created_at=utcnow(),
    )
    session.add(track)
    project.updated_at = utcnow()
    session.flush()
    return track


def get_track(session: Session, project_id: str) -> Track | None:
    """Return the project's track, or None."""
    return session.scalars(
        select(Track).where(Track.project_id == project_id).order_by(Track.id.desc())
    ).first()


# -- artifacts ----------------------------------------------------------------------------------


def _artifact_query(project_id: str, kind: str, key: str) -> Any:
    return select(Artifact).where(
        Artifact.project_id == project_id, Artifact.kind == kind, Artifact.key == key
    )


def save_artifact(
    session: Session,
    project_id: str,
    kind: str,
    key: str = "",
    *,
    data: Any = None,
    media: str | None = None,
) -> Artifact:
    """Save a new version of (project, kind, key) and make it current.

    If the current version already holds the same data and media it is returned as it is and
    no version is added. ``data`` must be JSON-serialisable; ``media`` is a media ref.
    """
    _check_str("kind", kind, 32)
    _check_str("key", key, 64, allow_empty=True)
    _check_media("media", media)
    if data is None and media is None:
        raise StorageInputError(
            f"save_artifact(kind={kind!r}, key={key!r}) needs data or media; both are None"
        )
    data = _normalise_json("data", data)
    digest = _content_hash(data, media)
    project = _lock_project(session, project_id)
    current = current_artifact(session, project_id, kind, key)
    if current is not None and current.content_hash == digest:
        return current
    latest = session.scalar(
        select(func.max(Artifact.version)).where(
            Artifact.project_id == project_id, Artifact.kind == kind, Artifact.key == key
        )
    )
    if current is not None:
        current.is_current = False
    artifact = Artifact(
        project_id=project_id,
        kind=kind,
        key=key,
        version=(latest or 0) + 1,
        media=media,
        data=data,
        content_hash=digest,
        is_current=True,
        created_at=utcnow(),
    )
    session.add(artifact)
    project.updated_at = utcnow()
    session.flush()
    logger.debug("saved %r", artifact)
    return artifact


def current_artifact(
    session: Session, project_id: str, kind: str, key: str = ""
) -> Artifact | None:
    """Return the current version of (project, kind, key), or None."""
    query = _artifact_query(project_id, kind, key).where(Artifact.is_current.is_(True))
    result: Artifact | None = session.scalars(query.order_by(Artifact.version.desc())).first()
    return result


def _natural_key(key: str) -> tuple[int, int, str]:
    """Numeric keys first, in numeric order ("2" < "10"), then the others alphabetically."""
    return (0, int(key), key) if _NUMERIC_KEY.fullmatch(key) else (1, 0, key)


def current_artifacts(session: Session, project_id: str, kind: str | None = None) -> list[Artifact]:
    """Current versions of the project's artifacts, by kind, then key (numeric-aware)."""
    query = select(Artifact).where(Artifact.project_id == project_id, Artifact.is_current.is_(True))
    if kind is not None:
        query = query.where(Artifact.kind == kind)
    artifacts = session.scalars(query).all()
    return sorted(artifacts, key=lambda a: (a.kind, _natural_key(a.key), a.version))


def version_counts(session: Session, project_id: str) -> dict[tuple[str, str], int]:
    """How many versions each (kind, key) of the project has, in one query."""
    rows = session.execute(
        select(Artifact.kind, Artifact.key, func.count())
        .where(Artifact.project_id == project_id)
        .group_by(Artifact.kind, Artifact.key)
    )
    return {(kind, key): int(count) for kind, key, count in rows}


def artifact_history(session: Session, project_id: str, kind: str, key: str = "") -> list[Artifact]:
    """Every version of (project, kind, key), oldest first."""
    query = _artifact_query(project_id, kind, key).order_by(Artifact.version)
    return list(session.scalars(query).all())


def restore_artifact(
    session: Session, project_id: str, kind: str, key: str, version: int
) -> Artifact:
    """Make an earlier (or later) version of (project, kind, key) the current one again."""
    project = _lock_project(session, project_id)
    target = session.scalars(
        _artifact_query(project_id, kind, key).where(Artifact.version == version)
    ).first()
    if target is None:
        raise StorageInputError(
            f"no artifact to restore for kind={kind!r}, key={key!r}, version={version!r} "
            f"in project_id={project_id!r}"
        )
    if not target.is_current:
        for other in session.scalars(
            _artifact_query(project_id, kind, key).where(Artifact.is_current.is_(True))
        ):
            other.is_current = False
        target.is_current = True
        project.updated_at = utcnow()
        session.flush()
        logger.debug("restored %r", target)
    return target


# -- cache --------------------------------------------------------------------------------------


def cache_get(session: Session, key: str) -> CacheEntry | None:
    """Return the cache entry under ``key``, or None."""
    return session.get(CacheEntry, key)


def cache_put(
    session: Session, key: str, *, kind: str, media: str | None = None, data: Any = None
) -> CacheEntry:
    """Store a cache entry under ``key``, replacing any entry already there."""
    _check_str("key", key, 128)
    _check_str("kind", kind, 32)
    _check_media("media", media)
    values = {
        "key": key,
        "kind": kind,
        "media": media,
        "data": _normalise_json("data", data),
        "created_at": utcnow(),
    }
    stmt = _insert(session, CacheEntry).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"], set_={name: stmt.excluded[name] for name in values}
    )
    session.execute(stmt)
    entry = session.get(CacheEntry, key, populate_existing=True)
    if entry is None:  # pragma: no cover - the upsert always leaves a row
        raise StorageInputError(f"key={key!r} could not be cached")
    return entry


# -- jobs ---------------------------------------------------------------------------------------


def create_job(session: Session, *, kind: str, project_id: str | None = None) -> Job:
    """Record a queued job."""
    _check_str("kind", kind, 32)
    if project_id is not None and session.get(Project, project_id) is None:
        raise StorageInputError(f"project_id={project_id!r} does not exist")
    now = utcnow()
    job = Job(
        project_id=project_id,
        kind=kind,
        state="queued",
        progress=0.0,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int) -> Job | None:
    """Return the job, or None."""
    return session.get(Job, job_id)


def update_job(
    session: Session,
    job_id: int,
    *,
    state: str | None = None,
    progress: float | None = None,
    error: str | None = None,
) -> Job:
    """Change a job's state, progress and/or error; None leaves a field as it is.

    Entering "running" counts an attempt; entering "queued" or "running" clears the previous
    error; "done" sets progress to 1 unless ``progress`` is given.
    """
    if state is not None and state not in JOB_STATES:
        raise StorageInputError(f"state={state!r} is not one of {', '.join(JOB_STATES)}")
    if progress is not None and (
        isinstance(progress, bool)
        or not isinstance(progress, int | float)
        or not 0.0 <= progress <= 1.0
    ):
        raise StorageInputError(f"progress={progress!r} must be a number from 0 to 1")
    job = session.get(Job, job_id, with_for_update=True)
    if job is None:
        raise StorageInputError(f"job_id={job_id!r} does not exist")
    if state is not None:
        if state != job.state and state == "running":
            job.attempts += 1
        if state != job.state and state in ("queued", "running"):
            job.error = None
        if state == "done" and progress is None:
            progress = 1.0
        job.state = state
    if progress is not None:
        job.progress = float(progress)
    if error is not None:
        job.error = error
    job.updated_at = utcnow()
    session.flush()
    return job
