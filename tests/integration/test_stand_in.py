"""A clip the adapter cannot make leaves the storyboard still, with motion, in its slot; the
project says so, and the next run asks the adapter again."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agent import project
from agent.config import Settings
from agent.render import render
from agent.schemas import RenderOptions
from agent.studio import open_studio
from tests.support.video import facts
from videogen import Capabilities, ClipRequest, MotionAdapter, ProviderAuthError, ProviderError


@dataclass
class Flaky:
    """A provider that fails the clips in ``failing`` (0-based request order)."""

    failing: set[int]
    error: type[Exception] = ProviderError
    name: str = "flaky"
    version: str = "1"
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(local=False))
    calls: int = 0

    def generate(self, request: ClipRequest, out_path: Path, *, cancel: object = None) -> Path:
        self.calls += 1
        if self.calls - 1 in self.failing:
            raise self.error("HTTP 503 from the provider after 4 tries")
        return MotionAdapter().generate(request, out_path)


def _render(track: Path, out: Path, adapter: Flaky) -> tuple[str, dict[str, object]]:
    studio = open_studio(Settings())
    studio.adapter = adapter
    events: list[str] = []
    studio.on_event = events.append
    try:
        result = render(track, RenderOptions(resolution="360p"), studio=studio, output=out)
        info = project.show(studio, result.project_id)
    finally:
        studio.db.dispose()
    return "\n".join(events), info


def test_failed_clips_stand_in_and_are_retried(short_track: Path, tmp_path: Path) -> None:
    events, info = _render(short_track, tmp_path / "a.mp4", Flaky(failing={1}))
    assert "shot 2: flaky could not make the clip (HTTP 503" in events
    assert info["stand_ins"] == {"2": "HTTP 503 from the provider after 4 tries"}
    (clip2,) = [a for a in info["artifacts"] if a["kind"] == "clip" and a["number"] == 2]
    assert clip2["stand_in"]["adapter"] == "motion"
    assert facts(tmp_path / "a.mp4").frames > 0

    retry = Flaky(failing=set())
    events, info = _render(short_track, tmp_path / "b.mp4", retry)
    assert retry.calls == 1, "only the stand-in is asked for again"
    assert info["stand_ins"] == {}


def test_a_refused_key_is_not_tried_for_every_shot(short_track: Path, tmp_path: Path) -> None:
    adapter = Flaky(failing={0, 1, 2, 3}, error=ProviderAuthError)
    _, info = _render(short_track, tmp_path / "a.mp4", adapter)
    assert adapter.calls == 1
    assert len(info["stand_ins"]) == len([a for a in info["artifacts"] if a["kind"] == "clip"])
