"""Exceptions raised by :mod:`storage`."""


class StorageError(Exception):
    """Root of every error raised by the storage package."""


class StorageInputError(StorageError, ValueError):
    """A caller passed a bad value; the message names the parameter and the value."""


class MediaNotFoundError(StorageError):
    """A well-formed media ref has no file in the media store."""


class DatabaseUnavailableError(StorageError):
    """The database cannot be reached, or its URL cannot be used."""
