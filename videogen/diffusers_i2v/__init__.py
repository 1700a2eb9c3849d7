"""Open image-to-video models from local weights: Wan 2.x (first frame, or first and last
frame) and LTX-Video, in diffusers layout, never downloaded.

Public surface: :class:`DiffusersI2VAdapter` (registered as ``diffusers-i2v``),
:func:`inspect_weights` to check a folder without loading it, and the :data:`MODELS` it knows.
"""

from videogen.diffusers_i2v.adapter import DiffusersI2VAdapter
from videogen.diffusers_i2v.plan import Shot, clip_prompt
from videogen.diffusers_i2v.weights import MODELS, Model, WeightsInfo, inspect_weights

__all__ = [
    "MODELS",
    "DiffusersI2VAdapter",
    "Model",
    "Shot",
    "WeightsInfo",
    "clip_prompt",
    "inspect_weights",
]
