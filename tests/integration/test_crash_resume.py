"""A crash inside any stage resumes at that stage: finished stages are not run again, and the
images and clips already made inside the crashed stage are reused.

The crash is a ``BaseException`` raised from the progress callback in the middle of a node,
so nothing in the graph can catch it, as with a process killed there (the SIGKILL test in
test_resume.py kills a real process). The checkpoint on disk is all the second run gets.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from agent.config import Settings
from agent.render import RenderResult, render
from agent.schemas import RenderOptions
from agent.studio import open_studio

# progress stages in order, and the node each belongs to
ORDER = ("brief", "references", "shots", "storyboard", "video", "timeline", "export")
NODES = {
    "brief": "write_brief",
    "references": "generate_references",
    "shots": "plan_shot_list",
    "storyboard": "draw_storyboard",
    "video": "animate_shots",
    "timeline": "assemble_timeline",
    "export": "export_cut",
}


class Killed(BaseException):
    """Stands for the process dying: not an Exception, so no handler in the graph sees it."""


def _render(track: Path, out: Path, crash_at: str | None = None) -> tuple[RenderResult, list[str]]:
    seen: list[str] = []

    def progress(stage: str, done: int, total: int) -> None:
        seen.append(stage)
        if stage == crash_at and done >= 1 and (done < total or total == 1):
            raise Killed(stage)

    studio = open_studio(Settings(), on_progress=progress)
    try:
        result = render(
            track, RenderOptions(resolution="360p"), studio=studio, output=out, review=False
        )
    finally:
        studio.db.dispose()
    return result, seen


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def uninterrupted(short_track: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The cut an uninterrupted render makes, in a data dir of its own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STORYBEAT_DATA_DIR", str(tmp_path_factory.mktemp("clean-data")))
        out = tmp_path_factory.mktemp("clean") / "cut.mp4"
        _render(short_track, out)
    return _sha(out)


# One-step stages (brief, shot list, timeline) only rerun their node: slow-marked to keep the
# default run short; the stages that make many things one by one run by default.
ONE_STEP = ("brief", "shots", "timeline")


@pytest.mark.parametrize(
    "stage", [pytest.param(s, marks=pytest.mark.slow) if s in ONE_STEP else s for s in ORDER]
)
def test_crash_in_stage_resumes_there(
    stage: str, short_track: Path, tmp_path: Path, uninterrupted: str
) -> None:
    out = tmp_path / "cut.mp4"
    with pytest.raises(Killed):
        _render(short_track, out, crash_at=stage)
    assert not out.exists(), "a crashed render must not leave an output file"

    result, seen = _render(short_track, out)
    assert result.resumed_at == NODES[stage]
    earlier = set(ORDER[: ORDER.index(stage)])
    assert not earlier & set(seen), f"finished stages ran again: {sorted(earlier & set(seen))}"
    if stage in ("references", "storyboard", "video"):
        assert result.stats[stage].reused >= 1, "work made before the crash was made again"
    assert _sha(out) == uninterrupted, "the resumed cut differs from an uninterrupted one"
