"""Output-path checks and the write-to-temp-then-replace convention.

Every file the package writes goes to a hidden temp file beside its destination, is flushed
to disk, and replaces the destination with ``os.replace`` only when complete; on any failure
the temp file is removed and the destination is left as it was. A full disk (ENOSPC) or a
used-up quota (EDQUOT), met anywhere while writing, is a :class:`DiskFullError`.
"""

import errno
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from videogen.errors import DiskFullError, ExportError, VideoGenError

logger = logging.getLogger(__name__)

_FULL = {errno.ENOSPC: "full"}
if hasattr(errno, "EDQUOT"):
    _FULL[errno.EDQUOT] = "quota"
# What ffmpeg (a subprocess: no errno reaches us) prints for the same two errors.
_FULL_TEXT = {os.strerror(errno.ENOSPC): "full", "Disk quota exceeded": "quota"}


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
        if disk_full(exc):
            raise disk_full_error(out_path, exc) from exc
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
def atomic_output(
    out_path: Path,
    what: str,
    *,
    suffix: str = ".mp4",
    again: str = "try again",
    kind: str = "file",
) -> Iterator[Path]:
    """Yield a temp path (ending ``suffix``) beside ``out_path``; on success flush it to disk
    and move it onto ``out_path``.

    On any failure the temp file is removed and ``out_path`` is left as it was. A full disk
    or quota anywhere in the writing is a DiskFullError (``again`` and ``kind`` word its
    advice: "free space and {again}; the previous {kind} is kept"); other errors that are not
    already a VideoGenError become an ExportError naming ``what``.
    """
    temp = partial_path(out_path, suffix)
    try:
        yield temp
        publish(temp, out_path)
    except Exception as exc:
        remove_quietly(temp)  # first, so the free space reported counts it as freed
        if disk_full(exc):
            raise disk_full_error(out_path, exc, again=again, kind=kind) from exc
        if isinstance(exc, VideoGenError):
            raise
        raise ExportError(f"{what} {str(out_path)!r} failed: {exc}") from exc
    except BaseException:  # KeyboardInterrupt, SystemExit: no temp file left either
        remove_quietly(temp)
        raise


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (a temp file from :func:`atomic_output`); OSError as is."""
    with open(path, "wb") as fh:
        fh.write(data)


def publish(temp: Path, out_path: Path) -> Path:
    """Flush a finished temp file to disk and atomically move it onto ``out_path``."""
    try:
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)  # a full disk can still refuse the data here (NFS, delayed allocation)
        finally:
            os.close(fd)
        os.replace(temp, out_path)
    except OSError as exc:
        raise ExportError(
            f"cannot move the finished file onto {str(out_path)!r}: {exc.strerror or exc}"
        ) from exc
    return out_path


def disk_full(exc: BaseException) -> str | None:
    """``"full"`` or ``"quota"`` when ``exc``, or an error it came from, is ENOSPC or EDQUOT
    (or ffmpeg's message for them); else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _FULL:
            return _FULL[current.errno]
        text = str(current)
        for message, which in _FULL_TEXT.items():
            if message in text:
                return which
        current = current.__cause__ or current.__context__
    return None


def disk_full_error(
    out_path: Path, exc: BaseException, *, again: str = "try again", kind: str = "file"
) -> DiskFullError:
    """The DiskFullError for writing ``out_path``: how much room is left, what to do, and
    whether a previous file is still there."""
    folder = out_path.parent
    try:
        room = f"{_size(shutil.disk_usage(folder).free)} free in {str(folder)!r}"
    except OSError:
        room = f"free space in {str(folder)!r} unknown"
    what = "your disk quota is used up" if disk_full(exc) == "quota" else "the disk is full"
    kept = f"the previous {kind} is kept" if out_path.exists() else "nothing was written"
    return DiskFullError(
        f"{what} while writing {out_path.name!r} ({room}): free space and {again}; {kept}"
    )


def _size(size: int) -> str:
    mb = size / 1e6
    if mb >= 10_000:
        return f"{mb / 1000:.0f} GB"
    return f"{mb:.1f} MB" if mb < 10 else f"{mb:.0f} MB"
