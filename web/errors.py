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
    """The HTTP status for ``exc``: input errors of every package are 400, the rest 500."""
    from agent.errors import AgentInputError
    from audio.errors import AudioInputError
    from imagegen.errors import ImageGenInputError
    from storage.errors import StorageInputError
    from videogen.errors import VideoGenInputError

    if isinstance(exc, WebError):
        return exc.status
    inputs = (AgentInputError, AudioInputError, ImageGenInputError, StorageInputError,
              VideoGenInputError)  # fmt: skip
    return 400 if isinstance(exc, inputs) else 500
