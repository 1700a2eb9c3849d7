"""A disk that fills up while exporting: a clear DiskFullError, the previous export kept byte
for byte, no temp file left; freeing space and exporting again works.

The strongest tests write to a real tiny tmpfs (skipped where mounting is forbidden); the
others send the temp files to ``/dev/full``, where the kernel refuses every write with ENOSPC.
"""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

from tests.support.disk import fill, partials, small_disk, temps_to_dev_full
from tests.unit.videogen.conftest import FPS, H, W, write_clip
from videogen import (
    DiskFullError,
    ExportError,
    Gap,
    Timeline,
    TimelineClip,
    Track,
    Transition,
    export_otio,
    export_video,
)
from videogen._files import atomic_output, disk_full

FULL = r"the disk is full while writing '{name}' \([\d.]+ [MG]B free in '.+'\): free space and"


@pytest.fixture(scope="module")
def noise(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 frames of seeded noise: an export of it is ~300 KB, big enough to fail midway."""
    rng = np.random.default_rng(7)
    frames = [rng.integers(0, 256, (H, W, 3), dtype=np.uint8) for _ in range(12)]
    return write_clip(tmp_path_factory.mktemp("noise") / "noise.mp4", frames)


def cut(clips: int = 1) -> Timeline:
    """``clips`` back-to-back uses of the noise clip (more clips: a longer .otio)."""
    size = 12 // clips
    items: list[TimelineClip | Gap | Transition] = [
        TimelineClip(name=f"shot {i + 1}", media="noise", duration=size) for i in range(clips)
    ]
    return Timeline(name="cut", rate=FPS, duration=size * clips, width=W, height=H,
                    tracks=[Track(name="V1", items=items)])  # fmt: skip


def test_mp4_on_a_disk_that_fills_midway_keeps_the_previous_export(
    tmp_path: Path, noise: Path
) -> None:
    with small_disk(tmp_path / "disk", 2_000_000) as disk:
        out = disk / "out.mp4"
        export_video(cut(), resolve=lambda m: noise, out_path=out)
        before = out.read_bytes()
        filler = fill(disk, leave=len(before) // 3)  # room for a third of the new file

        with pytest.raises(DiskFullError, match=FULL.format(name="out.mp4")) as info:
            export_video(cut(), resolve=lambda m: noise, out_path=out)
        assert str(info.value).endswith("export again; the previous export is kept")
        assert out.read_bytes() == before
        assert partials(disk) == []

        filler.unlink()  # what the message says to do
        export_video(cut(), resolve=lambda m: noise, out_path=out)
        assert out.stat().st_size > 0 and partials(disk) == []


def test_otio_on_a_disk_that_fills_midway_keeps_the_previous_export(
    tmp_path: Path, noise: Path
) -> None:
    with small_disk(tmp_path / "disk", 256 * 1024) as disk:
        out = disk / "edit.otio"
        export_otio(cut(clips=6), resolve=lambda m: noise, out_path=out)
        before = out.read_bytes()
        assert len(before) > 2 * 4096, "the edit must be longer than the room left"
        filler = fill(disk, leave=4096)

        with pytest.raises(DiskFullError, match=FULL.format(name="edit.otio")):
            export_otio(cut(clips=6), resolve=lambda m: noise, out_path=out)
        assert out.read_bytes() == before  # OpenTimelineIO's own writer would truncate it
        assert partials(disk) == []

        filler.unlink()
        export_otio(cut(clips=6), resolve=lambda m: noise, out_path=out)
        assert out.read_bytes() == before


def test_a_first_export_on_a_full_disk_says_nothing_was_written(
    tmp_path: Path, noise: Path
) -> None:
    with small_disk(tmp_path / "disk", 256 * 1024) as disk:
        fill(disk, leave=0)
        for out, export in ((disk / "new.mp4", export_video), (disk / "new.otio", export_otio)):
            with pytest.raises(DiskFullError, match="free space and export again; nothing was"):
                export(cut(clips=6), resolve=lambda m: noise, out_path=out)
            assert not out.exists()
        assert partials(disk) == []


@pytest.mark.parametrize("kind", ["mp4", "otio"])
def test_enospc_from_the_kernel_anywhere_in_the_write_is_a_disk_full_error(
    tmp_path: Path, noise: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """Where no tmpfs can be mounted: the temp file is /dev/full (ffmpeg writes the MP4 in a
    subprocess, so only its message tells; the .otio is written by Python and has the errno)."""
    export = export_video if kind == "mp4" else export_otio
    out = tmp_path / f"out.{kind}"
    export(cut(clips=6), resolve=lambda m: noise, out_path=out)
    before = out.read_bytes()
    made = temps_to_dev_full(monkeypatch)

    with pytest.raises(DiskFullError, match=FULL.format(name=out.name)) as info:
        export(cut(clips=6), resolve=lambda m: noise, out_path=out)
    assert made() == 1
    assert "the previous export is kept" in str(info.value)
    assert out.read_bytes() == before
    assert partials(tmp_path) == []


def test_full_disk_and_quota_are_told_apart_and_other_errors_stay_export_errors(
    tmp_path: Path,
) -> None:
    out = tmp_path / "clip.mp4"
    out.write_bytes(b"old")
    for code, words in ((errno.ENOSPC, "the disk is full"), (errno.EDQUOT, "disk quota is used")):
        with (
            pytest.raises(DiskFullError, match=f"{words}.*the previous file is kept"),
            atomic_output(out, "writing clip") as temp,
        ):
            temp.write_bytes(b"half")
            raise OSError(code, "refused")
    with (
        pytest.raises(ExportError, match=r"writing clip.*Permission denied") as info,
        atomic_output(out, "writing clip"),
    ):
        raise PermissionError(errno.EACCES, "Permission denied")
    assert not isinstance(info.value, DiskFullError)
    assert out.read_bytes() == b"old" and partials(tmp_path) == []
    wrapped = ExportError("ffmpeg failed: Error writing trailer: No space left on device")
    assert disk_full(wrapped) == "full" and disk_full(ValueError("bad")) is None
