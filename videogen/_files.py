"""Output-path checks and the write-to-temp-then-replace convention."""

import logging
import os
import uuid
from pathlib import Path

from videogen.errors import ExportError

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


def publish(temp: Path, out_path: Path) -> Path:
    """Atomically move a finished temp file onto ``out_path``."""
    try:
        os.replace(temp, out_path)
    except OSError as exc:
        raise ExportError(
            f"cannot move the finished file onto {str(out_path)!r}: {exc.strerror or exc}"
        ) from exc
    return out_path
