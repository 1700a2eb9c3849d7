"""The web layer's errors, and the one place package errors become HTTP status codes."""

from __future__ import annotations


class WebError(Exception):
    """Root of the web layer's errors."""

    status = 500


class WebInputError(WebError, ValueError):
    """The request is wrong: a bad field, a file of the wrong kind, too large."""

    status = 400


class NotFoundError(WebError):
    """No such thing for this user (another user's project is not found either)."""

    status = 404


class ConflictError(WebError):
    """The thing changed or is busy: a job already runs on the project."""

    status = 409


class TooLargeError(WebInputError):
    """An upload over its size limit."""

    status = 413


def status_for(exc: Exception) -> int:
    """The HTTP status for ``exc``: input errors of every package are 400, a database that is
    away for a moment 503 (try again), a full disk 507, the rest 500."""
    from agent.errors import AgentInputError, EditConflict
    from audio.errors import AudioInputError
    from imagegen.errors import ImageGenInputError
    from storage.errors import DatabaseUnavailableError, StorageInputError
    from videogen.errors import DiskFullError, VideoGenInputError

    if isinstance(exc, WebError):
        return exc.status
    if isinstance(exc, EditConflict):
        return 409
    if isinstance(exc, DatabaseUnavailableError):
        return 503
    if isinstance(exc, DiskFullError):
        return 507
    inputs = (AgentInputError, AudioInputError, ImageGenInputError, StorageInputError,
              VideoGenInputError)  # fmt: skip
    return 400 if isinstance(exc, inputs) else 500
