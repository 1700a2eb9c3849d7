"""Errors raised by the videogen package."""

from collections.abc import Iterable


class VideoGenError(Exception):
    """Root of every error the videogen package raises."""


class VideoGenInputError(VideoGenError, ValueError):
    """A parameter is out of range or inconsistent; the message names it and its value."""


class UnknownAdapterError(VideoGenInputError):
    """No video adapter is registered under the requested name."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = sorted(known)
        super().__init__(
            f"unknown video adapter name={name!r}; known adapters: {', '.join(self.known)}"
        )

    def __reduce__(self) -> tuple[type["UnknownAdapterError"], tuple[str, list[str]]]:
        return (type(self), (self.name, self.known))


class MediaError(VideoGenError):
    """A media file is missing, unreadable, truncated or of the wrong size; names the file."""


class ExportError(VideoGenError):
    """The output cannot be written; says which path and what to do."""


class DiskFullError(ExportError):
    """The disk (or the user's quota) filled up while writing; says how much room is left
    where, and that the file that was there before is kept."""


class GenerationCancelled(VideoGenError):
    """The caller's cancel flag stopped the work; nothing was written."""


class ProviderError(VideoGenError):
    """A hosted provider refused, failed, timed out or answered something unusable; says which
    provider, what happened and what to do."""


class ProviderAuthError(ProviderError):
    """The provider's key is missing or was refused; names the environment variable."""
