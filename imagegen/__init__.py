"""Image engines for references and storyboard frames.

``previz`` draws deterministic storyboard sketches with PIL and needs no weights.
"""

from imagegen.engine import EngineInfo, ImageEngine
from imagegen.errors import (
    GenerationCancelled,
    ImageGenError,
    ImageGenInputError,
    UnknownEngineError,
)
from imagegen.png import drawn_by, encode_png
from imagegen.previz import PrevizEngine
from imagegen.registry import ENGINES, engine_infos, get_engine
from imagegen.request import SHOT_TYPES, ImageRequest, Scene, Subject

__all__ = [
    "ENGINES",
    "SHOT_TYPES",
    "EngineInfo",
    "GenerationCancelled",
    "ImageEngine",
    "ImageGenError",
    "ImageGenInputError",
    "ImageRequest",
    "PrevizEngine",
    "Scene",
    "Subject",
    "UnknownEngineError",
    "drawn_by",
    "encode_png",
    "engine_infos",
    "get_engine",
]
