"""Light on the set, graded per framing before the subjects are drawn over it.

The key light comes from the side the subject faces (the composition's open side), or from above
when the subject is centred. Close framings throw the set out of focus: behind a close-up it turns
into a soft glow on a dark set (shadow on a bright one), under an insert it sinks further into the
set's own key. Both make a cut between framings read at a glance. Neither touches the subjects,
whose colours stay exact.
"""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw

from imagegen.colors import darken, lighten
from imagegen.previz_backdrop import Tones

LIFT, DROP = 0.35, 0.25  # the key light's falloff: brighten towards it, darken away from it
DEFOCUS = 0.45  # how far a defocused set moves towards its glow or shadow
DARK_SET = 110  # mean level below which a set counts as dark
BOKEH_DISCS = 28


def grade(img: Image.Image, tones: Tones, *, light: int | None, defocus: str | None) -> Image.Image:
    """Light the set from ``light``'s side; defocus it (``"glow"`` or ``"sink"``) if asked."""
    if defocus is not None:
        dark_set = float(np.asarray(img.reduce(8)).mean()) < DARK_SET
        towards_light = dark_set == (defocus == "glow")
        target = lighten(tones.accent, 0.55) if towards_light else darken(tones.sky_top, 0.5)
        img = Image.blend(img, Image.new("RGB", img.size, target), DEFOCUS)
    _wash(img, light)
    return img


def _wash(img: Image.Image, light: int | None) -> None:
    """Blend towards white on the key light's half and towards black on the far half."""
    w, h = img.size
    horizontal = light is not None
    n = w if horizontal else h
    half = n // 2
    peak = 1.0 if horizontal else 0.5
    near = np.linspace(0.0, peak, n - half, dtype=np.float32)  # from the middle to the lit edge
    far = np.linspace(0.0, peak, half, dtype=np.float32)  # from the middle to the dark edge
    lit_first = light == -1 or light is None  # the lit edge is at x=0 (left) or y=0 (top)
    for ramp, strength, color, first in (
        (near, LIFT, 255, lit_first),
        (far, DROP, 0, not lit_first),
    ):
        values = np.round(255 * strength * (ramp[::-1] if first else ramp)).astype(np.uint8)
        size = (len(values), h) if horizontal else (w, len(values))
        line = values[None, :] if horizontal else values[:, None]
        mask = Image.fromarray(line).resize(size, Image.Resampling.NEAREST)
        origin = 0 if first else n - len(values)
        img.paste((color, color, color), (origin, 0) if horizontal else (0, origin), mask)


def bokeh(img: Image.Image, tones: Tones, seed: int, pan: float) -> None:
    """Soft out-of-focus discs; ``pan`` (view pixels the camera has panned) moves them."""
    rng = random.Random(f"bokeh:{seed}")
    w, h = img.size
    draw = ImageDraw.Draw(img, "RGBA")
    colors = (tones.accent, *tones.palette, lighten(tones.sky_bottom, 0.4))
    for i in range(BOKEH_DISCS):
        x = rng.uniform(0, 2.5 * w) - pan
        y, r = rng.uniform(0, h), rng.uniform(0.03, 0.09) * min(w, h)
        color = lighten(colors[i % len(colors)], 0.3)
        draw.ellipse(
            [x - r, y - r, x + r, y + r], fill=(*color, 70), outline=(*color, 120), width=2
        )
