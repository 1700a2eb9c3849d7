"""The image engine the settings name, built one way for the studio and the CLI."""

from __future__ import annotations

import logging
from typing import Any

from agent.config import Settings
from agent.errors import AgentInputError
from imagegen import ImageEngine, get_engine

logger = logging.getLogger(__name__)

WEIGHTS_HINT = (
    "set STORYBEAT_FLUX2_WEIGHTS=DIR to a FLUX.2 [klein] or [dev] folder in diffusers layout"
)


def image_engine(settings: Settings, **options: Any) -> ImageEngine:
    """Build ``settings.image_engine``; ``options`` go to the engine on top of the settings'.

    ``flux2`` takes its weights folder, memory policy, device, compile and fp8 flags from the
    settings (``STORYBEAT_FLUX2_*``); no weights folder is an :class:`AgentInputError`. The
    weights are checked here, but loaded only when the first image is drawn. ``flux2-api``
    takes its model from ``STORYBEAT_FLUX2_API_MODEL`` (pro, max or flex).
    """
    name = settings.image_engine.strip().lower()
    if name == "flux2":
        if settings.flux2_weights is None:
            raise AgentInputError(f"the flux2 image engine needs its weights: {WEIGHTS_HINT}")
        options = {
            "weights": settings.flux2_weights,
            "memory": settings.flux2_memory,
            "device": settings.flux2_device or None,
            "compile": settings.flux2_compile,
            "fp8": settings.flux2_fp8,
            **options,
        }
    if name == "flux2-api":
        options = {"model": settings.flux2_api_model, **options}
    engine = get_engine(name, **options)
    logger.info(
        "image engine %s %s (version %s)",
        engine.name,
        getattr(engine, "variant", ""),
        engine.version,
    )
    return engine
