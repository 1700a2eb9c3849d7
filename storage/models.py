"""SQLAlchemy tables: projects, tracks, versioned artifacts, jobs and the result cache."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.errors import StorageInputError

JOB_STATES = ("queued", "running", "done", "failed", "cancelled")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on SQLite, JSONB on PostgreSQL; Python None is stored as SQL NULL.
JSONType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise StorageInputError(f"datetime {value!r} is naive; pass a timezone-aware value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base; its metadata is what the migrations must produce."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Project(Base):
    """A music-video project; its id is also the agent's thread id."""

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    """The studio account the project belongs to; None for projects made with the CLI."""

    def __repr__(self) -> str:
        return f"Project(id={self.id!r}, name={self.name!r})"


class Track(Base):
    """The song of a project, stored in the media store."""

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    media: Mapped[str] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String)
    content_hash: Mapped[str] = mapped_column(String(64))
    duration: Mapped[float] = mapped_column(Double)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"Track(project_id={self.project_id!r}, filename={self.filename!r})"


class Artifact(Base):
    """One version of a stage result, addressed by (project, kind, key, version)."""

    __tablename__ = "artifacts"
    __table_args__ = (
        UniqueConstraint("project_id", "kind", "key", "version"),
        Index("ix_artifacts_project_id_kind_key", "project_id", "kind", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int]
    media: Mapped[str | None] = mapped_column(String(80))
    data: Mapped[Any] = mapped_column(JSONType, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return (
            f"Artifact(project_id={self.project_id!r}, kind={self.kind!r}, key={self.key!r}, "
            f"version={self.version}, is_current={self.is_current})"
        )


class Job(Base):
    """A durable record of a unit of background work."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[str | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Double, default=0.0)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    stage: Mapped[str | None] = mapped_column(String(32), default=None)
    """The stage the job is working on (progress names: brief, references, …, export)."""
    message: Mapped[str | None] = mapped_column(Text, default=None)
    """The latest progress line, for people watching."""
    result: Mapped[Any] = mapped_column(JSON, nullable=True, default=None)
    """What the job produced (JSON), e.g. the gate it stopped at or the export's media."""
    runner: Mapped[str | None] = mapped_column(String(96), default=None)
    """Which server's job runner holds the job (``host:pid:nonce``)."""
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When that runner last said the job is still in hand; a stale one means it died."""
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Set by whoever presses Cancel; the worker (any process, any machine) stops at its next
    step."""

    def __repr__(self) -> str:
        return f"Job(id={self.id}, kind={self.kind!r}, state={self.state!r})"


class User(Base):
    """A studio account; the password is kept only as an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"User(id={self.id}, email={self.email!r})"


class WebSession(Base):
    """A signed-in browser: the sha256 of its cookie token (never the token), its CSRF token."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CacheEntry(Base):
    """A cached result (media and/or data) under a caller-chosen key."""

    __tablename__ = "cache_entries"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    media: Mapped[str | None] = mapped_column(String(80))
    data: Mapped[Any] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"CacheEntry(key={self.key!r}, kind={self.kind!r})"
