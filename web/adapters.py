"""Which video adapter a project animates with: the choices here, and a studio that uses one.

The server's ``STORYBEAT_VIDEO_ADAPTER`` is the default; a project may pick any adapter that
can run here (``motion`` always; hosted ones with their key set; ``diffusers-i2v`` with
``STORYBEAT_I2V_WEIGHTS``). The choice is kept in the project's options and every job on the
project animates with it.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from pydantic import BaseModel

from agent.engines import video_adapter
from agent.studio import Studio
from agent.timings import TimedAdapter
from web.errors import WebInputError

OPTION = "video_adapter"  # the key in a project's options


class AdapterChoice(BaseModel):
    name: str
    available: bool
    detail: str


def choices(studio: Studio) -> list[AdapterChoice]:
    """Every registered adapter, and whether a project here can use it (with why not)."""
    from videogen import adapter_infos

    found = []
    for info in adapter_infos():
        available, detail = info.available, info.detail
        if info.name == "diffusers-i2v" and studio.settings.i2v_weights is None:
            available, detail = False, "set STORYBEAT_I2V_WEIGHTS to a Wan 2.x / LTX-Video folder"
        found.append(AdapterChoice(name=info.name, available=available, detail=detail))
    return found


def check_choice(studio: Studio, name: str) -> str:
    """``name`` if a project here can animate with it; WebInputError saying why not."""
    known = {c.name: c for c in choices(studio)}
    choice = known.get(name.strip().lower())
    if choice is None:
        raise WebInputError(f"video adapter {name!r} is not one of {', '.join(known)}")
    if not choice.available:
        raise WebInputError(f"video adapter {choice.name!r} cannot run here: {choice.detail}")
    return choice.name


def project_adapter(options: dict[str, Any] | None) -> str | None:
    value = (options or {}).get(OPTION)
    return value if isinstance(value, str) else None


def studio_for(studio: Studio, name: str | None) -> Studio:
    """``studio`` animating with adapter ``name`` (the server's own when None or the same)."""
    if name is None or name == studio.settings.video_adapter.strip().lower():
        return studio
    settings = studio.settings.model_copy(update={"video_adapter": name})
    adapter = TimedAdapter(video_adapter(settings), settings.data_dir)
    return dataclasses.replace(studio, settings=settings, adapter=adapter)


class KeptStudios:
    """Studios per adapter, built on first use and kept, so a local video model (or the
    image engine beside it) stays loaded between jobs. Each worker thread keeps its own: a
    loaded pipeline never serves two jobs at once."""

    def __init__(self, base: Studio) -> None:
        self.base = base
        self._local = threading.local()

    def __call__(self, name: str | None) -> Studio:
        kept: dict[str, Studio] = self._local.__dict__.setdefault("studios", {})
        key = (name or "").strip().lower()
        if key not in kept:
            kept[key] = studio_for(self.base, name)
        return kept[key]

    def names(self) -> list[str]:
        """The adapters kept by this thread ("" is the server's own)."""
        return sorted(self._local.__dict__.get("studios", {}))
