"""What to ask the model for: its own frame size, frame count and rate, and the prompt.

The model makes a clip on its own grid (Wan: sides multiple of 16, 4k+1 frames at 16 fps; LTX:
multiple of 32, 8k+1 frames at 24 fps) at about its native area in the shot's aspect;
:func:`videogen.conform.conform_clip` then fits that clip to the shot's slot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from videogen.diffusers_i2v.weights import WeightsInfo
from videogen.errors import VideoGenInputError
from videogen.request import ClipRequest

_MOVES = {
    "push-in": "pushes in",
    "pull-out": "pulls back",
    "pan-left": "pans left",
    "pan-right": "pans right",
    "tilt-up": "tilts up",
    "tilt-down": "tilts down",
}


@dataclass(frozen=True)
class Shot:
    """The clip the model makes: ``frames`` frames of ``width``×``height`` at ``fps``."""

    width: int
    height: int
    frames: int
    fps: int

    @property
    def duration(self) -> float:
        return self.frames / self.fps


def plan_shot(
    info: WeightsInfo, request: ClipRequest, *, seconds: float, max_area: int, max_frames: int
) -> Shot:
    """The model's clip for ``request`` lasting about ``seconds`` (already snapped to what the
    model makes), at most ``max_area`` pixels a frame and ``max_frames`` frames."""
    width, height = model_size(request.width / request.height, max_area, info.spatial)
    frames = model_frames(seconds, info.model.fps, info.temporal, max_frames)
    return Shot(width, height, frames, info.model.fps)


def model_size(aspect: float, area: int, multiple: int) -> tuple[int, int]:
    """Width and height of about ``area`` pixels with ``aspect`` = width / height, each rounded
    to the nearest multiple of ``multiple``."""
    height = math.sqrt(area / aspect)
    width = height * aspect
    return max(multiple, round(width / multiple) * multiple), max(
        multiple, round(height / multiple) * multiple
    )


def model_frames(seconds: float, fps: int, temporal: int, max_frames: int) -> int:
    """The fewest frames on the grid ``temporal``·k + 1 (k ≥ 1) that last ``seconds`` at ``fps``,
    at most ``max_frames``."""
    wanted = math.ceil(seconds * fps - 1e-6)
    steps = max(1, math.ceil((wanted - 1) / temporal))
    return min(steps * temporal + 1, max_frames)


def check_max_frames(info: WeightsInfo, max_frames: int) -> int:
    """``max_frames`` if it lies on the model's grid; VideoGenInputError naming the nearest
    values otherwise."""
    if isinstance(max_frames, bool) or not isinstance(max_frames, int):
        raise VideoGenInputError(f"max_frames must be a whole number, got {max_frames!r}")
    if not info.frames_fit(max_frames):
        t = info.temporal
        below = max(t + 1, (max_frames - 1) // t * t + 1)
        raise VideoGenInputError(
            f"max_frames={max_frames} is not a frame count {info.label} makes ({t}k+1 frames):"
            f" use {below} or {below + t}"
        )
    return max_frames


def clip_prompt(request: ClipRequest) -> str:
    """The request's prompt with its camera move said in words (the model follows text, not a
    crop window); ``intensity`` picks the pace."""
    if request.camera == "static":
        camera = "Static camera."
    else:
        pace = ""
        if request.intensity < 0.75:
            pace = "slowly "
        elif request.intensity > 1.4:
            pace = "quickly "
        camera = f"The camera {pace}{_MOVES[request.camera]}."
    text = request.prompt.strip()
    if not text:
        return camera
    return f"{text}{'' if text.endswith(('.', '!', '?')) else '.'} {camera}"
