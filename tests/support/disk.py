"""Full disks for tests: a real tiny tmpfs (root, where mounting is allowed), filled to leave
a set number of bytes, or temp files sent to ``/dev/full`` (the kernel's ENOSPC) otherwise."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

PAGE = 4096  # tmpfs hands out whole pages


@contextmanager
def small_disk(folder: Path, size: int) -> Iterator[Path]:
    """A ``size``-byte tmpfs mounted on ``folder`` for the block; skip where it cannot be."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("a real small disk needs root on Linux to mount a tmpfs")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        reason = (mounted.stderr or mounted.stdout).strip() or f"exit {mounted.returncode}"
        pytest.skip(f"cannot mount a tmpfs here (containers often forbid it): {reason}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def fill(folder: Path, leave: int) -> Path:
    """Fill ``folder``'s file system until only about ``leave`` bytes (whole pages) are free;
    returns the filler file (delete it to free the space again)."""
    spare = folder / ".spare"
    filler = folder / f".filler-{uuid.uuid4().hex[:8]}"
    spare.write_bytes(b"\0" * max(leave, 1))  # keeps the room to leave while the rest fills
    chunk = b"\0" * (1 << 16)
    with open(filler, "wb", buffering=0) as fh:
        while True:
            try:
                fh.write(chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                if len(chunk) == PAGE:
                    break
                chunk = chunk[: max(len(chunk) // 4, PAGE)]
    spare.unlink()
    return filler


def partials(folder: Path) -> list[str]:
    """Temp files a writer left behind in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name or ".probe" in p.name)


def temps_to_dev_full(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Make every temp file the package writes (not the writability probe) a link to
    ``/dev/full``, where every write fails with ENOSPC from the kernel; returns a counter
    of the temp files made."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    from videogen import _files

    made: list[Path] = []
    original = _files.partial_path

    def partial_path(out_path: Path, suffix: str = ".mp4") -> Path:
        path = original(out_path, suffix)
        if suffix != ".probe":
            with suppress(FileExistsError):
                path.symlink_to("/dev/full")
            made.append(path)
        return path

    monkeypatch.setattr(_files, "partial_path", partial_path)
    return lambda: len(made)
