"""The content-addressed media store."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from storage import MediaNotFoundError, MediaStore, StorageInputError, file_sha256

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64


def test_put_bytes_returns_content_address(media_store: MediaStore) -> None:
    ref = media_store.put_bytes(PNG_BYTES, ".png")
    assert ref == hashlib.sha256(PNG_BYTES).hexdigest() + ".png"
    path = media_store.path(ref)
    assert path == media_store.root / ref[:2] / ref
    assert path.read_bytes() == PNG_BYTES


def test_same_bytes_give_same_ref_and_file_is_not_rewritten(media_store: MediaStore) -> None:
    ref = media_store.put_bytes(PNG_BYTES, "png")
    path = media_store.path(ref)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert media_store.put_bytes(PNG_BYTES, ".PNG") == ref
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert media_store.put_bytes(b"other", ".png") != ref


def test_put_file_matches_put_bytes_and_uses_suffix(
    media_store: MediaStore, tmp_path: Path
) -> None:
    source = tmp_path / "Frame 03.PNG"
    source.write_bytes(PNG_BYTES)
    ref = media_store.put_file(source)
    assert ref == media_store.put_bytes(PNG_BYTES, ".png")
    assert media_store.put_file(source, ext="") == ref[:64]
    assert media_store.path(ref).read_bytes() == PNG_BYTES
    assert source.read_bytes() == PNG_BYTES


def test_put_file_streams_large_files(media_store: MediaStore, tmp_path: Path) -> None:
    data = os.urandom(3 * (1 << 20) + 17)
    source = tmp_path / "clip.mp4"
    source.write_bytes(data)
    ref = media_store.put_file(source)
    assert ref == hashlib.sha256(data).hexdigest() + ".mp4"
    assert file_sha256(source) == ref[:64]
    assert media_store.path(ref).read_bytes() == data


def test_missing_ref_raises_media_not_found(media_store: MediaStore) -> None:
    ref = "0" * 64 + ".png"
    assert not media_store.exists(ref)
    with pytest.raises(MediaNotFoundError, match=ref):
        media_store.path(ref)


@pytest.mark.parametrize(
    "ref",
    [
        "../../etc/passwd",
        "ab/../../secret",
        "/etc/passwd",
        "0" * 64 + "/../x",
        "0" * 64 + ".PNG",
        "0" * 63,
        "G" * 64,
        "0" * 64 + ".toolongext",
        "",
    ],
)
def test_malformed_refs_are_refused(media_store: MediaStore, ref: str) -> None:
    with pytest.raises(StorageInputError, match="ref="):
        media_store.path(ref)
    with pytest.raises(StorageInputError):
        media_store.exists(ref)


@pytest.mark.parametrize("ext", ["png/../x", ".tar.gz", ".weird_ext", "." + "a" * 9])
def test_bad_extension_is_refused(media_store: MediaStore, ext: str) -> None:
    with pytest.raises(StorageInputError, match="ext="):
        media_store.put_bytes(b"x", ext)


def test_put_file_of_missing_path_names_it(media_store: MediaStore, tmp_path: Path) -> None:
    with pytest.raises(StorageInputError, match=r"nope\.wav"):
        media_store.put_file(tmp_path / "nope.wav")


def test_failed_write_leaves_no_file(
    media_store: MediaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(src: str, dst: str) -> None:
        raise OSError("disk died")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk died"):
        media_store.put_bytes(PNG_BYTES, ".png")
    ref = hashlib.sha256(PNG_BYTES).hexdigest() + ".png"
    assert not media_store.exists(ref)
    assert [p for p in media_store.root.rglob("*") if p.is_file()] == []
