"""The image engine and video adapter the settings name, built one way for every caller."""

from __future__ import annotations

import logging
from typing import Any

from agent.config import Settings
from agent.errors import AgentInputError
from imagegen import ImageEngine, get_engine
from videogen import VideoAdapter, adapter_class, get_adapter

logger = logging.getLogger(__name__)

I2V_HINT = "set STORYBEAT_I2V_WEIGHTS=DIR to a Wan 2.x image-to-video or LTX-Video folder"
HOSTED_VIDEO = ("fal", "replicate", "veo", "kling")
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


def video_adapter(settings: Settings, **options: Any) -> VideoAdapter:
    """Build ``settings.video_adapter``; ``options`` go to the adapter on top of the settings'.

    ``diffusers-i2v`` takes its weights folder from ``STORYBEAT_I2V_WEIGHTS``; hosted adapters
    take ``STORYBEAT_VIDEO_MODEL`` when set and ``STORYBEAT_VIDEO_TIMEOUT`` (seconds per clip),
    and need their provider's key in the environment: an adapter that cannot run here is an
    :class:`AgentInputError` saying why, before any work.
    """
    name = settings.video_adapter.strip().lower()
    if name == "diffusers-i2v":
        if settings.i2v_weights is None:
            raise AgentInputError(f"the diffusers-i2v video adapter needs its weights: {I2V_HINT}")
        options = {"weights": settings.i2v_weights, **options}
    if name in HOSTED_VIDEO:
        options = {"timeout": settings.video_timeout, **options}
    if name in HOSTED_VIDEO and settings.video_model:
        options = {"model": settings.video_model, **options}
    info = adapter_class(name).availability()
    if not info.available and name != "diffusers-i2v":
        raise AgentInputError(f"video adapter {name!r} cannot run here: {info.detail}")
    adapter = get_adapter(name, **options)
    logger.info("video adapter %s (version %s)", adapter.name, adapter.version)
    return adapter
