"""Output-path checks and the write-to-temp-then-replace convention."""

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from videogen.errors import ExportError, VideoGenError

logger = logging.getLogger(__name__)


def check_output_path(out_path: Path) -> Path:
    """Return ``out_path`` made absolute; ExportError unless its folder exists and is writable.

    Creates nothing: a missing folder is the caller's to make.
    """
    out_path = Path(out_path).expanduser().absolute()
    folder = out_path.parent
    if out_path.is_dir():
        raise ExportError(f"out_path {str(out_path)!r} is a folder; give a file name ending .mp4")
    if not folder.is_dir():
        raise ExportError(
            f"cannot write {str(out_path)!r}: folder {str(folder)!r} does not exist; "
            "create it first"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(
            f"cannot write {str(out_path)!r}: folder {str(folder)!r} is not writable; "
            "fix its permissions or choose another out_path"
        )
    probe = partial_path(out_path, ".probe")
    try:  # really create a file: permission bits alone miss root, /proc, full or RO disks
        probe.touch(exist_ok=False)
    except OSError as exc:
        raise ExportError(
            f"cannot write {str(out_path)!r}: {exc.strerror or exc} in folder {str(folder)!r}; "
            "fix its permissions or choose another output path"
        ) from None
    remove_quietly(probe)
    if out_path.exists() and not os.access(out_path, os.W_OK):
        raise ExportError(f"cannot overwrite {str(out_path)!r}: the file is read-only")
    return out_path


def partial_path(out_path: Path, suffix: str = ".mp4") -> Path:
    """A unique hidden temp name beside ``out_path``: ``.{stem}.{id}.partial{suffix}``."""
    return out_path.with_name(f".{out_path.stem}.{uuid.uuid4().hex[:8]}.partial{suffix}")


def remove_quietly(path: Path) -> None:
    """Delete ``path`` if it exists; log instead of raising."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        logger.warning("could not remove temporary file %s: %s", path, exc)


@contextmanager
def atomic_output(out_path: Path, what: str) -> Iterator[Path]:
    """Yield a temp path beside ``out_path``; on success move it onto ``out_path``.

    On any failure the temp file is removed and ``out_path`` is left as it was; errors
    that are not already a VideoGenError become an ExportError naming ``what``.
    """
    temp = partial_path(out_path)
    try:
        yield temp
        publish(temp, out_path)
    except VideoGenError:
        remove_quietly(temp)
        raise
    except Exception as exc:
        remove_quietly(temp)
        raise ExportError(f"{what} {str(out_path)!r} failed: {exc}") from exc


def publish(temp: Path, out_path: Path) -> Path:
    """Atomically move a finished temp file onto ``out_path``."""
    try:
        os.replace(temp, out_path)
    except OSError as exc:
        raise ExportError(
            f"cannot move the finished file onto {str(out_path)!r}: {exc.strerror or exc}"
        ) from exc
    return out_path
