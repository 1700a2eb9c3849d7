"""Content-addressed media store: files are named by the SHA-256 of their bytes."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from storage.errors import MediaNotFoundError, StorageInputError

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1 << 20
REF_PATTERN = re.compile(r"^[0-9a-f]{64}(\.[a-z0-9]{1,8})?$")
_EXT_PATTERN = re.compile(r"^(\.[a-z0-9]{1,8})?$")


def check_ref(ref: str) -> str:
    """Return ``ref`` if it is a well-formed media ref, else raise StorageInputError."""
    if not isinstance(ref, str) or not REF_PATTERN.fullmatch(ref):
        raise StorageInputError(
            f"ref={ref!r} is not a media ref ('<64 lower-case hex chars><.ext>', e.g. 'ab…12.png')"
        )
    return ref


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file (streamed)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _normalise_ext(ext: str) -> str:
    """Lower-case ``ext`` and give it a leading dot; '' stays ''."""
    normal = ext.lower()
    if normal and not normal.startswith("."):
        normal = "." + normal
    if not _EXT_PATTERN.fullmatch(normal):
        raise StorageInputError(
            f"ext={ext!r} is not a file extension (1-8 letters or digits, e.g. '.png'; '' for none)"
        )
    return normal


class MediaStore:
    """Files under ``root/<first two hex chars>/<ref>``, written atomically and never rewritten."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"MediaStore({str(self.root)!r})"

    def _location(self, ref: str) -> Path:
        return self.root / ref[:2] / ref

    def path(self, ref: str) -> Path:
        """Return the file of ``ref``; raise MediaNotFoundError if the store lacks it."""
        location = self._location(check_ref(ref))
        if not location.is_file():
            raise MediaNotFoundError(f"media ref {ref!r} not found in {self.root}")
        return location

    def exists(self, ref: str) -> bool:
        """Whether the store holds ``ref`` (a malformed ref raises StorageInputError)."""
        return self._location(check_ref(ref)).is_file()

    def put_bytes(self, data: bytes, ext: str) -> str:
        """Store ``data`` and return its ref; storing the same bytes again is a no-op."""
        ref = hashlib.sha256(data).hexdigest() + _normalise_ext(ext)
        if not self.exists(ref):
            self._write(ref, [data])
        return ref

    def put_file(self, path: Path, *, ext: str | None = None) -> str:
        """Copy the file at ``path`` in and return its ref (``ext`` defaults to its suffix)."""
        path = Path(path)
        if not path.is_file():
            raise StorageInputError(f"path={str(path)!r} is not a file")
        ref = file_sha256(path) + _normalise_ext(path.suffix if ext is None else ext)
        if self.exists(ref):
            return ref
        with open(path, "rb") as f:
            self._write(ref, iter(lambda: f.read(CHUNK_SIZE), b""))
        return ref

    def _write(self, ref: str, chunks: Iterable[bytes]) -> None:
        """Write ``chunks`` under ``ref`` via a temp file and os.replace, checking the hash."""
        target = self._location(ref)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as tmp:
                for chunk in chunks:
                    digest.update(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            if digest.hexdigest() != ref[:64]:
                raise StorageInputError(f"content of media ref {ref!r} changed while being stored")
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        logger.debug("stored media %s", ref)
