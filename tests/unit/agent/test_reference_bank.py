"""Every storyboard request carries the references its shot names, at most 10 (Flux.2's limit)."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image

from agent import nodes
from agent.config import Settings
from agent.planner import plan_shots, write_brief
from agent.schemas import RenderOptions
from agent.studio import Studio, open_studio
from imagegen.request import MAX_REFERENCES
from tests.unit.agent.test_planner import SONG


def _image(studio: Studio, shade: int) -> str:
    """A small distinct PNG in the media store; its media ref."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (shade, 40, 90)).save(buffer, format="PNG")
    return studio.media.put_bytes(buffer.getvalue(), ".png")


def test_storyboard_requests_carry_the_shots_references_capped_at_ten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    studio = open_studio(Settings())
    uploads = [f"upload-{i}" for i in range(1, 4)]
    brief = write_brief("a dancer", template="story", analysis=SONG, uploads=uploads)
    shots = [s.model_dump() for s in plan_shots(brief, SONG)]
    names = uploads + [c.name for c in brief.characters] + [loc.name for loc in brief.locations]
    extra = [f"extra-{i}" for i in range(12)]
    media = {name: _image(studio, i) for i, name in enumerate(names + extra)}
    bank = [{"name": n, "kind": "upload", "media": media[n]} for n in names + extra]
    shots[0]["references"] = extra  # an LLM planner naming too many
    seen: list[Any] = []

    def capture(studio: Any, stage: str, requests: list[Any], keep: Any) -> list[str]:
        seen.extend(requests)
        return []

    monkeypatch.setattr(nodes, "draw_all", capture)
    state = {
        "project_id": "p",
        "options": RenderOptions(resolution="360p").model_dump(mode="json"),
        "brief": brief.model_dump(),
        "shots": shots,
        "references": bank,
    }
    try:
        nodes.draw_storyboard(state, SimpleNamespace(context=studio))  # type: ignore[arg-type]
    finally:
        studio.db.dispose()

    def names_of(request: Any) -> list[str]:
        by_ref = {ref: name for name, ref in media.items()}
        return [by_ref[Path(p).name] for p in request.references]

    assert len(seen) == len(shots)
    assert names_of(seen[0]) == extra[:MAX_REFERENCES]
    for shot, request in zip(shots[1:], seen[1:], strict=True):
        assert names_of(request) == shot["references"] and shot["references"]
    assert brief.characters[0].reference == "upload-1"
    assert any("upload-1" in names_of(request) for request in seen), "uploads reach the frames"
