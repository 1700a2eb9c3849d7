"""`storybeat render` drawing its frames with the FLUX.2 engine (small random weights)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.integration.test_render import storybeat
from tests.support.flux2 import write_render_sized
from tests.support.video import facts

pytest.importorskip("diffusers")


def test_render_draws_with_flux2_when_the_settings_name_it(
    short_track: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weights = write_render_sized(tmp_path / "klein-kv", "klein-kv")
    monkeypatch.setenv("STORYBEAT_IMAGE_ENGINE", "flux2")
    monkeypatch.setenv("STORYBEAT_FLUX2_WEIGHTS", str(weights))
    out = tmp_path / "cut.mp4"
    storybeat("render", str(short_track), "--resolution", "360p", "-o", str(out))
    f = facts(out)
    assert (f.width, f.height) == (640, 360)
    media = Path(str(tmp_path / "storybeat-data")) / "media"
    drawn = [Image.open(p) for p in media.rglob("*.png")]
    flux = [im for im in drawn if im.info.get("storybeat:engine") == "flux2"]
    assert len(flux) >= 8  # references and storyboard frames
    assert {im.info["storybeat:variant"] for im in flux} == {"klein-kv"}
    assert all(im.info.get("storybeat:seed") for im in flux)


def test_render_with_flux2_and_no_weights_says_what_to_set(
    short_track: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORYBEAT_IMAGE_ENGINE", "flux2")
    monkeypatch.delenv("STORYBEAT_FLUX2_WEIGHTS", raising=False)
    proc = storybeat("render", str(short_track), "-o", str(tmp_path / "x.mp4"), check=False)
    assert proc.returncode == 2
    assert "STORYBEAT_FLUX2_WEIGHTS" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
