"""Image engines by name."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from imagegen.engine import EngineInfo, ImageEngine
from imagegen.errors import ImageGenInputError, UnknownEngineError
from imagegen.previz import PrevizEngine

logger = logging.getLogger(__name__)

ENGINES: dict[str, Callable[..., ImageEngine]] = {
    "previz": PrevizEngine,
}


def _factory(name: str) -> tuple[str, Callable[..., ImageEngine]]:
    key = name.strip().lower()
    if key not in ENGINES:
        known = ", ".join(sorted(ENGINES))
        raise UnknownEngineError(f"unknown image engine {name!r}; known engines: {known}")
    return key, ENGINES[key]


def get_engine(name: str, **options: Any) -> ImageEngine:
    """Build the engine registered as ``name`` (case-insensitive) with ``options``."""
    key, factory = _factory(name)
    try:
        inspect.signature(factory).bind(**options)
    except TypeError as exc:
        raise ImageGenInputError(
            f"engine {key!r} does not accept options {sorted(options)}: {exc}"
        ) from exc
    logger.debug("building image engine %r with options %s", key, sorted(options))
    return factory(**options)


def engine_infos() -> list[EngineInfo]:
    """Each registered engine and whether it can run here.

    An engine factory may offer a ``probe()`` returning :class:`EngineInfo`; without one the engine
    is assumed available.
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
