"""A project export (agent and `storybeat export`) onto a disk that fills up: the musician is
told the disk is full and how much room is left, the previous export and its record stay."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent import project
from agent.cli import main
from agent.config import Settings
from agent.render import render
from agent.schemas import RenderOptions
from agent.studio import Studio, open_studio
from tests.support.disk import fill, partials, small_disk, temps_to_dev_full
from tests.support.studio import short_song
from videogen import DiskFullError

FULL = r"the disk is full while writing '{name}' \([\d.]+ [MG]B free in '.+'\): free space and"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Studio, str]]:
    """A finished 4 s project (previz stills, motion clips), not yet exported."""
    folder = tmp_path_factory.mktemp("project")
    studio = open_studio(Settings(data_dir=folder / "data"))
    song = short_song(folder, seconds=4.0)
    result = render(song, RenderOptions(resolution="360p"), studio=studio, output=None)
    yield studio, result.project_id
    studio.db.dispose()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_project_export_onto_a_filling_disk_keeps_the_previous_export_and_record(
    rendered: tuple[Studio, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    studio, project_id = rendered
    with small_disk(tmp_path / "disk", 8_000_000) as disk:
        mp4, edit = disk / "cut.mp4", disk / "cut.otio"
        project.export(studio, project_id, edit)
        project.export(studio, project_id, mp4)
        old = {mp4: mp4.read_bytes(), edit: edit.read_bytes()}
        record = project.show(studio, project_id)["export"]
        assert record["sha256"] == sha256(mp4)
        fill(disk, leave=len(old[mp4]) // 3)

        with pytest.raises(DiskFullError, match=FULL.format(name="cut.mp4")) as info:
            project.export(studio, project_id, mp4)
        assert str(info.value).endswith("the previous export is kept")
        fill(disk, leave=0)  # the .otio is a few KB: leave it no room at all
        with pytest.raises(DiskFullError, match=FULL.format(name="cut.otio")):
            project.export(studio, project_id, edit)
        assert {mp4: mp4.read_bytes(), edit: edit.read_bytes()} == old
        assert partials(disk) == []
        assert project.show(studio, project_id)["export"] == record  # still the file on disk

        # the command line says the same in one line, exit status 1, no traceback
        monkeypatch.setenv("STORYBEAT_DATA_DIR", str(studio.settings.data_dir))
        assert main(["export", project_id, "-o", str(mp4)]) == 1
        err = capsys.readouterr().err
        last = err.strip().splitlines()[-1]
        assert last.startswith("storybeat: error: the disk is full while writing 'cut.mp4'")
        assert last.endswith("free space and export again; the previous export is kept")
        assert "Traceback" not in err and mp4.read_bytes() == old[mp4]

        for filler in disk.glob(".filler-*"):
            filler.unlink()
        project.export(studio, project_id, mp4)
        assert project.show(studio, project_id)["export"]["sha256"] == sha256(mp4)


def test_project_export_where_the_kernel_refuses_every_write(
    rendered: tuple[Studio, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same without mounting anything: the temp files are /dev/full."""
    studio, project_id = rendered
    outputs = [tmp_path / "cut.mp4", tmp_path / "cut.otio"]
    for out in outputs:
        project.export(studio, project_id, out)
    old = [out.read_bytes() for out in outputs]
    record = project.show(studio, project_id)["export"]
    temps_to_dev_full(monkeypatch)
    for out in outputs:
        with pytest.raises(DiskFullError, match=FULL.format(name=out.name)):
            project.export(studio, project_id, out)
    assert [out.read_bytes() for out in outputs] == old
    assert partials(tmp_path) == []
    assert project.show(studio, project_id)["export"] == record
