"""Uploads saved to disk under names the studio chooses (never the browser's), each checked to
be what its extension says before anything else reads it."""

from __future__ import annotations

import re
import secrets
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

from fastapi import UploadFile

from web.errors import TooLargeError, WebInputError

TRACK_TYPES = (".wav", ".mp3", ".flac", ".ogg", ".oga", ".m4a", ".aac", ".aif", ".aiff", ".opus")
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".webp")
LYRICS_TYPES = (".lrc", ".txt")
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP")  # what PIL may parse an uploaded image as
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 8000 * 8000
MAX_LYRICS_BYTES = 256 * 1024
MAX_REFERENCES = 10
MAX_NAME_BYTES = 200  # of the browser's file name, kept as the project's name (255 on disk)
CHUNK = 1024 * 1024


def new_slot(data_dir: Path) -> tuple[str, Path]:
    """A fresh random folder for one new project's uploads."""
    slot = secrets.token_hex(8)
    folder = data_dir / "uploads" / slot
    folder.mkdir(parents=True)
    return slot, folder


def clean_name(filename: str | None, default: str = "upload") -> str:
    """The browser's file name fit to keep: its last part (after ``/`` or ``\\``) without
    control characters, at most :data:`MAX_NAME_BYTES` of UTF-8, the extension kept."""
    name = re.split(r"[/\\]", filename or "")[-1]
    name = " ".join("".join(c for c in name if unicodedata.category(c)[0] != "C").split())
    suffix = Path(name).suffix if len(Path(name).suffix) <= 8 else ""
    stem = name.removesuffix(suffix)
    if not stem.strip(". "):
        stem = default
    room = MAX_NAME_BYTES - len(suffix.encode())
    return stem.encode()[:room].decode(errors="ignore").rstrip() + suffix


def save_upload(
    upload: UploadFile, folder: Path, stem: str, kinds: tuple[str, ...], limit: int
) -> Path:
    """Copy ``upload`` to ``folder/stem.EXT`` in chunks, refusing a type not in ``kinds``, an
    empty file, one over ``limit`` bytes and an image or text whose content is not what its
    extension says (the partial file is removed). ``upload.filename`` becomes its
    :func:`clean_name`, which callers may name things after."""
    upload.filename = clean_name(upload.filename)
    suffix = Path(upload.filename).suffix.lower()
    what = upload.filename
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
        if written == 0:
            raise WebInputError(f"{what!r} is empty: choose the file again")
        CONTENT_CHECKS.get(suffix, _unchecked)(target, what)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
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


def check_image(path: Path, what: str) -> None:
    """WebInputError unless ``path`` is a PNG, JPEG or WebP of at most
    :data:`MAX_IMAGE_PIXELS` pixels; only its header is read, no pixel is decoded."""
    from PIL import Image

    try:
        with Image.open(path, formats=IMAGE_FORMATS) as image:
            pixels = image.width * image.height
            if pixels <= MAX_IMAGE_PIXELS:
                image.verify()
    except Image.DecompressionBombError:  # over PIL's own limit, far above ours
        pixels = MAX_IMAGE_PIXELS + 1
    except (OSError, SyntaxError, ValueError):  # UnidentifiedImageError is an OSError
        raise WebInputError(
            f"{what!r} is not a PNG, JPEG or WebP image (or it is damaged): export it as one"
        ) from None
    if pixels > MAX_IMAGE_PIXELS:
        raise WebInputError(
            f"{what!r} is too large an image: at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels"
            " (e.g. 8000×8000); scale it down and upload it again"
        )


def check_text(path: Path, what: str) -> None:
    """WebInputError unless ``path`` holds UTF-8 text."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WebInputError(
            f"{what!r} is not UTF-8 text (byte {exc.start}): save the lyrics as UTF-8 text"
        ) from None
    if "\x00" in text:
        raise WebInputError(f"{what!r} is not a text file: save the lyrics as UTF-8 text")


def _unchecked(path: Path, what: str) -> None:
    """Tracks: ffmpeg reads them by their content and says when it is not audio."""


CONTENT_CHECKS: dict[str, Callable[[Path, str], None]] = {
    **dict.fromkeys(IMAGE_TYPES, check_image),
    **dict.fromkeys(LYRICS_TYPES, check_text),
}
