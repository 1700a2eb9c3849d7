"""Image engines by name."""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable
from typing import Any, cast

from imagegen.engine import EngineInfo, ImageEngine
from imagegen.errors import ImageGenError, ImageGenInputError, UnknownEngineError
from imagegen.previz import PrevizEngine

logger = logging.getLogger(__name__)


class LazyEngine:
    """An engine class imported on first use, so that naming it costs no torch import.

    Calling it builds the engine; its signature (for option checking) and ``probe()`` are the real
    class's, resolved when first asked for.
    """

    def __init__(self, name: str, target: str) -> None:
        self.name = name
        self.target = target  # "package.module:ClassName"

    def load(self) -> Callable[..., ImageEngine]:
        """The engine class; ``ImportError`` when its module or a dependency is missing."""
        module, _, attr = self.target.partition(":")
        return cast(Callable[..., ImageEngine], getattr(importlib.import_module(module), attr))

    @property
    def __signature__(self) -> inspect.Signature:
        return inspect.signature(self.load())

    def __call__(self, *args: Any, **options: Any) -> ImageEngine:
        return self.load()(*args, **options)

    def probe(self) -> EngineInfo:
        try:
            factory = self.load()
        except ImportError as exc:
            return EngineInfo(self.name, False, f"cannot be imported: {exc}")
        probe = getattr(factory, "probe", None)
        return EngineInfo(self.name, True, "") if probe is None else cast(EngineInfo, probe())

    def __repr__(self) -> str:
        return f"LazyEngine({self.name!r}, {self.target!r})"


ENGINES: dict[str, Callable[..., ImageEngine]] = {
    "previz": PrevizEngine,
    "flux2": LazyEngine("flux2", "imagegen.flux2:Flux2Engine"),
    "flux2-api": LazyEngine("flux2-api", "imagegen.flux2.hosted:Flux2HostedEngine"),
}


def engine_key(name: str) -> str:
    """The registry key for ``name`` (case-insensitive); :class:`UnknownEngineError` lists the
    known ones when there is none."""
    key = name.strip().lower()
    if key not in ENGINES:
        known = ", ".join(sorted(ENGINES))
        raise UnknownEngineError(f"unknown image engine {name!r}; known engines: {known}")
    return key


def get_engine(name: str, **options: Any) -> ImageEngine:
    """Build the engine registered as ``name`` (case-insensitive) with ``options``.

    Raises :class:`UnknownEngineError` for an unknown name, :class:`ImageGenInputError` for an
    option the engine does not take, and :class:`ImageGenError` when the engine's code or one of
    its dependencies cannot be imported.
    """
    key = engine_key(name)
    factory = ENGINES[key]
    try:
        signature = inspect.signature(factory)
    except ImportError as exc:
        raise ImageGenError(f"image engine {key!r} cannot be loaded here: {exc}") from exc
    try:
        signature.bind(**options)
    except TypeError as exc:
        raise ImageGenInputError(
            f"engine {key!r} does not accept options {sorted(options)}: {exc}"
        ) from exc
    logger.debug("building image engine %r with options %s", key, sorted(options))
    return factory(**options)


def engine_infos() -> list[EngineInfo]:
    """Each registered engine and whether it can run here.

    An engine factory may offer a ``probe()`` returning :class:`EngineInfo`; without one the engine
    is assumed available. Lazily registered engines whose code cannot be imported are reported
    unavailable.
    """
    infos = []
    for name, factory in ENGINES.items():
        probe = getattr(factory, "probe", None)
        if probe is None:
            infos.append(EngineInfo(name, True, ""))
            continue
        try:
            infos.append(probe())
        except Exception as exc:  # a broken probe must not hide the other engines
            logger.warning("probing image engine %r failed: %s", name, exc)
            infos.append(EngineInfo(name, False, f"probe failed: {exc}"))
    return infos
