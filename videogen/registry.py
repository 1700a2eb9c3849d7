"""Video adapters by name: the built-in ones, and any a package registers.

A third-party package adds an adapter without touching Storybeat by declaring an entry point
in the ``storybeat.video_adapters`` group, e.g. in its pyproject.toml::

    [project.entry-points."storybeat.video_adapters"]
    my-model = "my_package.adapter:MyAdapter"

The class takes its options as keyword arguments, has ``name``, ``version`` and
``capabilities``, ``generate(request, out_path, *, cancel=None)``, and a static
``availability() -> AdapterInfo``. Built-ins are imported only when used, so asking for
``motion`` loads no torch and no HTTP client.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points
from typing import Any, Protocol

from videogen.adapter import AdapterInfo, VideoAdapter
from videogen.errors import UnknownAdapterError, VideoGenInputError

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "storybeat.video_adapters"


class AdapterClass(Protocol):
    """What the registry holds: a constructor taking options, and an availability check."""

    def __call__(self, *args: Any, **kwargs: Any) -> VideoAdapter: ...

    def availability(self) -> AdapterInfo: ...


# name → "module:Class", imported on first use
ADAPTERS: dict[str, str] = {
    "motion": "videogen.motion:MotionAdapter",
    "diffusers-i2v": "videogen.diffusers_i2v:DiffusersI2VAdapter",
    "fal": "videogen.hosted.fal:FalAdapter",
    "replicate": "videogen.hosted.replicate:ReplicateAdapter",
    "veo": "videogen.hosted.veo:VeoAdapter",
    "kling": "videogen.hosted.kling:KlingAdapter",
}


def registered() -> dict[str, str]:
    """Every adapter name → where its class lives: built-ins first, then entry points (a
    package cannot replace a built-in)."""
    found = dict(ADAPTERS)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        name = point.name.strip().lower()
        if name in found:
            logger.warning("entry point %s=%s ignored: %r is built in", name, point.value, name)
            continue
        found[name] = point.value
    return found


def adapter_class(name: str) -> AdapterClass:
    """The class registered as ``name`` (case-insensitive)."""
    key = name.strip().lower()
    known = registered()
    if key not in known:
        raise UnknownAdapterError(name, known)
    module, _, attribute = known[key].partition(":")
    try:
        cls: AdapterClass = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise VideoGenInputError(
            f"video adapter {key!r} ({known[key]}) cannot be loaded: {exc}"
        ) from exc
    return cls


def get_adapter(name: str, **options: Any) -> VideoAdapter:
    """Build the adapter registered as ``name`` (case-insensitive) with ``options``."""
    cls = adapter_class(name)
    try:
        return cls(**options)
    except TypeError as exc:
        raise VideoGenInputError(
            f"bad options for video adapter {name.strip().lower()!r}: {sorted(options)} ({exc})"
        ) from exc


def adapter_infos() -> list[AdapterInfo]:
    """Every registered adapter and whether it can run here."""
    infos = []
    for name in registered():
        try:
            info = adapter_class(name).availability()
            infos.append(AdapterInfo(name, info.available, info.detail))
        except VideoGenInputError as exc:
            infos.append(AdapterInfo(name, False, str(exc)))
    return infos
