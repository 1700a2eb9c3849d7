"""Storybeat storage: SQLAlchemy tables, Alembic migrations, the media store and jobs."""

from storage.db import Database, open_database, sqlite_url
from storage.errors import (
    DatabaseUnavailableError,
    MediaNotFoundError,
    StorageError,
    StorageInputError,
)
from storage.media import MediaStore, file_sha256
from storage.models import JOB_STATES, Artifact, Base, CacheEntry, Job, Project, Track
from storage.repository import (
    artifact_history,
    cache_get,
    cache_put,
    create_job,
    current_artifact,
    current_artifacts,
    get_job,
    get_or_create_project,
    get_project,
    get_track,
    restore_artifact,
    save_artifact,
    set_track,
    update_job,
)

__all__ = [
    "JOB_STATES",
    "Artifact",
    "Base",
    "CacheEntry",
    "Database",
    "DatabaseUnavailableError",
    "Job",
    "MediaNotFoundError",
    "MediaStore",
    "Project",
    "StorageError",
    "StorageInputError",
    "Track",
    "artifact_history",
    "cache_get",
    "cache_put",
    "create_job",
    "current_artifact",
    "current_artifacts",
    "file_sha256",
    "get_job",
    "get_or_create_project",
    "get_project",
    "get_track",
    "open_database",
    "restore_artifact",
    "save_artifact",
    "set_track",
    "sqlite_url",
    "update_job",
]
