"""Uploads saved to disk under names the studio chooses (never the browser's)."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

from fastapi import UploadFile

from web.errors import TooLargeError, WebInputError

TRACK_TYPES = (".wav", ".mp3", ".flac", ".ogg", ".oga", ".m4a", ".aac", ".aif", ".aiff", ".opus")
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".webp")
LYRICS_TYPES = (".lrc", ".txt")
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_LYRICS_BYTES = 256 * 1024
MAX_REFERENCES = 10
CHUNK = 1024 * 1024


def new_slot(data_dir: Path) -> tuple[str, Path]:
    """A fresh random folder for one new project's uploads."""
    slot = secrets.token_hex(8)
    folder = data_dir / "uploads" / slot
    folder.mkdir(parents=True)
    return slot, folder


def save_upload(
    upload: UploadFile, folder: Path, stem: str, kinds: tuple[str, ...], limit: int
) -> Path:
    """Copy ``upload`` to ``folder/stem.EXT`` in chunks, refusing a type not in ``kinds``, an
    empty file and one over ``limit`` bytes (the partial file is removed)."""
    suffix = Path(upload.filename or "").suffix.lower()
    what = upload.filename or "the file"
    if suffix not in kinds:
        raise WebInputError(f"{what!r} is not one of {', '.join(kinds)}: choose such a file")
    target = folder / f"{stem}{suffix}"
    written = 0
    try:
        with target.open("wb") as out:
            while chunk := upload.file.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise TooLargeError(
                        f"{what!r} is larger than {limit // (1024 * 1024)} MB: send a smaller file"
                    )
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if written == 0:
        target.unlink()
        raise WebInputError(f"{what!r} is empty: choose the file again")
    return target


def save_new(
    upload: UploadFile, data_dir: Path, stem: str, kinds: tuple[str, ...], limit: int
) -> Path:
    """:func:`save_upload` into a fresh folder of its own, removed again if it fails."""
    _, folder = new_slot(data_dir)
    try:
        return save_upload(upload, folder, stem, kinds, limit)
    except BaseException:
        discard(folder)
        raise


def discard(folder: Path) -> None:
    """Remove a new project's uploads after it failed to start."""
    shutil.rmtree(folder, ignore_errors=True)
