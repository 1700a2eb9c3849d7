"""The ``previz`` engine: deterministic storyboard sketches drawn with PIL, no model weights.

Frames are honest animatic panels, labelled ``PREVIZ``: a set drawn from the scene's location,
time of day and palette, seen through a camera zoomed and panned for the shot type and
composition, the subjects as silhouettes, a caption bar, and the reference images the real
engine would be conditioned on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from PIL import Image

from imagegen.colors import RGB, dominant_color, hex_to_rgb, mix
from imagegen.engine import CancelFn, EngineInfo, ProgressFn, generate_each
from imagegen.errors import ImageGenInputError
from imagegen.png import drawn_by
from imagegen.previz_backdrop import tones_for, view_box
from imagegen.previz_figures import Look
from imagegen.previz_framing import Stage, place
from imagegen.previz_grade import bokeh, grade
from imagegen.previz_locations import draw_world
from imagegen.previz_overlay import Bar, caption_bar, previz_tag, reference_strip
from imagegen.previz_scene import location_kind, scene_for
from imagegen.request import ImageRequest, Scene

logger = logging.getLogger(__name__)


class Camera(NamedTuple):
    """How a shot type sees the set."""

    zoom: float  # magnification of the set
    horizon_at: float  # where the horizon sits in the view, 0 top … 1 bottom
    softness: int  # the set is drawn at 1/softness resolution: close framings see it soft


CAMERA = {
    "wide": Camera(1.15, 0.56, 1),
    "medium": Camera(1.9, 0.62, 1),
    "close-up": Camera(3.0, 0.85, 2),
    "extreme-close-up": Camera(4.5, 0.7, 3),
    "insert": Camera(3.5, 0.06, 2),
}
# Framings whose set is thrown out of focus, and how (see previz_grade).
DEFOCUS = {"close-up": "glow", "extreme-close-up": "glow", "insert": "sink"}
# The set is a panorama wider than the frame; each composition aims the camera at its own part of
# it (fraction of the panorama's width), so a change of composition is a visible cut.
PANORAMA = 1.5
PAN = {"center": 0.5, "left-third": 0.2, "right-third": 0.8}
# Where the main subject stands, as a fraction of the frame's width.
ANCHOR = {"center": 0.5, "left-third": 1 / 3, "right-third": 2 / 3}
# Camera angle per composition: the horizon drops (low angle) or rises (high angle) by this
# fraction of the picture's height, so a change of composition moves the whole sky/ground split.
TILT = {"center": 0.0, "left-third": 0.15, "right-third": -0.15}
# Side the key light comes from (+1 right, -1 left, None above): the side the subject faces.
LIGHT = {"center": None, "left-third": 1, "right-third": -1}
REFERENCE_TINT = 0.5
_THUMB_SIDE = 256
_CACHE_SIZE = 32


@dataclass(frozen=True)
class _Reference:
    thumb: Image.Image
    dominant: RGB
    sketch: bool = False


class PrevizEngine:
    """Storyboard sketch engine; same request, same pixels."""

    name = "previz"
    version = "2"
    structured_prompts = False  # sketches from the Scene; a prompt is read as plain words

    def __init__(self) -> None:
        self._references: dict[tuple[str, int, int], _Reference] = {}
        self._lock = threading.Lock()

    @classmethod
    def probe(cls) -> EngineInfo:
        """Always available: nothing to load."""
        return EngineInfo(cls.name, True, "storyboard sketches drawn with PIL; needs no weights")

    def generate(self, request: ImageRequest) -> Image.Image:
        """One storyboard frame of exactly the requested size."""
        start = time.perf_counter()
        refs = [self._reference(p) for p in request.references]
        image = render(request.width, request.height, request.seed, scene_for(request), refs)
        logger.debug(
            "previz %dx%d drawn in %.1f ms",
            image.width,
            image.height,
            1e3 * (time.perf_counter() - start),
        )
        return image

    def generate_many(
        self,
        requests: Sequence[ImageRequest],
        *,
        on_progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> Iterator[tuple[int, Image.Image]]:
        return generate_each(self.generate, requests, on_progress=on_progress, cancel=cancel)

    def _reference(self, path: Path) -> _Reference:
        """Thumbnail and dominant colour of a reference image, cached by path, mtime and size."""
        try:
            stat = path.stat()
            key = (str(path), stat.st_mtime_ns, stat.st_size)
            with self._lock:
                cached = self._references.get(key)
            if cached is not None:
                return cached
            with Image.open(path) as img:
                sketch = drawn_by(img) == PrevizEngine.name
                img.draft("RGB", (_THUMB_SIDE, _THUMB_SIDE))
                thumb = img.convert("RGB")
        except (OSError, Image.DecompressionBombError) as exc:
            raise ImageGenInputError(
                f"reference image {str(path)!r} cannot be read: {exc}"
            ) from exc
        thumb.thumbnail((_THUMB_SIDE, _THUMB_SIDE))
        ref = _Reference(thumb, dominant_color(thumb), sketch)
        with self._lock:
            if len(self._references) >= _CACHE_SIZE:
                self._references.pop(next(iter(self._references)))
            self._references[key] = ref
        return ref


TITLE_SAFE = 0.1


def render(
    width: int, height: int, seed: int, scene: Scene, refs: Sequence[_Reference] = ()
) -> Image.Image:
    """Draw one previz frame of exactly ``width``×``height``."""
    box = title_safe_box(width, height)
    bar = Bar.for_frame(box[2] - box[0], box[3] - box[1])
    safe_h = box[3] - bar.height
    tones = tones_for(scene)
    portrait = height > 1.15 * width
    horizon = round(safe_h * ((0.55 if portrait else 0.6) + TILT[scene.composition]))
    cam = CAMERA[scene.shot_type]
    soft = cam.softness
    world = draw_world(
        round(width * PANORAMA / soft),
        round(height / soft),
        round(horizon / soft),
        tones,
        location_kind(scene.location),
        seed,
    )
    view = (width / cam.zoom / soft, height / cam.zoom / soft)
    focus_y = horizon / soft + (0.5 - cam.horizon_at) * view[1]
    x0, y0, x1, y1 = view_box(world, view, (PAN[scene.composition] * world.width, focus_y))
    defocus = DEFOCUS.get(scene.shot_type)
    crop = grade(
        world.crop((x0, y0, x1, y1)), tones, light=LIGHT[scene.composition], defocus=defocus
    )
    img = crop.resize((width, height), Image.Resampling.BILINEAR)
    if defocus is not None:
        bokeh(img, tones, seed, x0 * width / (x1 - x0))
    stage = Stage(
        width=width,
        height=height,
        safe_h=safe_h,
        horizon=(horizon / soft - y0) * height / (y1 - y0),
        anchor_x=ANCHOR[scene.composition] * width,
        light=LIGHT[scene.composition],
    )
    chars, objs = _looks(scene, refs)
    place(img, stage, scene.shot_type, chars, objs)
    inner = img.crop(box)
    reference_strip(inner, bar, [r.thumb for r in refs])
    previz_tag(inner, bar)
    shot = f"{scene.shot_type} · {scene.composition}".upper()
    caption_bar(inner, bar, scene.label, shot, scene.caption, tones.accent)
    img.paste(inner, box[:2])
    return img


def title_safe_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The inner 80 % of the frame (broadcast title-safe) that holds every caption and badge.

    Video adapters push, pan and pulse the still; keeping text inside this box means no
    camera move of up to 10 % per side ever crops it.
    """
    dx, dy = round(width * TITLE_SAFE), round(height * TITLE_SAFE)
    return dx, dy, width - dx, height - dy


def _looks(scene: Scene, refs: Sequence[_Reference]) -> tuple[list[Look], list[Look]]:
    """Characters and objects; the first subject is tinted towards the first photo reference.

    Previz sketches used as references (character sheets) carry no colour the scene does
    not already have, so they never tint: a character keeps its colour in every frame.
    """
    chars: list[Look] = []
    objs: list[Look] = []
    photos = [r for r in refs if not r.sketch]
    for i, subject in enumerate(scene.subjects):
        color = hex_to_rgb(subject.color)
        if i == 0 and photos:
            color = mix(color, photos[0].dominant, REFERENCE_TINT)
        (chars if subject.role == "character" else objs).append(Look.of(subject.name, color))
    return chars, objs
