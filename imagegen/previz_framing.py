"""Where subjects go in a previz frame, by shot type, composition and the frame's aspect."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image, ImageDraw

from imagegen.colors import lighten
from imagegen.previz_figures import Look, character, face, prop

# Drawn when a framing needs a person and the scene names none.
STAND_IN = Look.of("stand-in", (150, 150, 158))
# Size of a lone prop in figure framings, as a fraction of the frame's short side.
_PROP_SCALE = {"wide": 0.06, "medium": 0.16, "close-up": 0.3, "extreme-close-up": 0.6}


@dataclass(frozen=True)
class Stage:
    """Screen geometry of one frame; ``safe_h`` is the top of the caption bar."""

    width: int
    height: int
    safe_h: int
    horizon: float
    anchor_x: float
    light: int | None

    @property
    def unit(self) -> float:
        return min(self.width, self.safe_h)

    @property
    def portrait(self) -> bool:
        return self.height > 1.15 * self.width

    def light_for(self, look: Look) -> int:
        return look.light if self.light is None else self.light


def main_subject(shot: str, chars: list[Look], objs: list[Look]) -> Look:
    """Who the framing is about: an object for inserts, else the first character."""
    if shot == "insert":
        return (objs or chars or [STAND_IN])[0]
    return (chars or objs or [STAND_IN])[0]


def place(img: Image.Image, stage: Stage, shot: str, chars: list[Look], objs: list[Look]) -> None:
    """Draw the scene's subjects onto ``img`` framed for ``shot``."""
    draw = ImageDraw.Draw(img)
    main = main_subject(shot, chars, objs)
    if shot == "insert":
        _insert(img, stage, main)
    elif not chars and objs:
        s = _PROP_SCALE[shot] * stage.unit
        cy = _feet(stage) - s if shot == "wide" else 0.5 * stage.safe_h
        prop(draw, main, stage.anchor_x, cy, s, light=stage.light_for(main))
    elif shot == "wide":
        _wide(draw, stage, chars, objs)
    elif shot == "medium":
        _medium(draw, stage, chars or [STAND_IN])
    elif shot == "close-up":
        r = min(0.3 * stage.safe_h, 0.3 * stage.width)
        hy = max(0.08 * stage.safe_h + r, 0.42 * stage.safe_h)
        character(
            draw, main, stage.anchor_x, hy, r, bottom=stage.height, light=stage.light_for(main)
        )
    else:
        _extreme_close_up(draw, stage, main)


def _extreme_close_up(draw: ImageDraw.ImageDraw, stage: Stage, look: Look) -> None:
    """Both eyes when centred; off-centre, one eye large on the composition's third."""
    eye_y = (0.4 if stage.portrait else 0.45) * stage.safe_h
    scale = min(1.5 * stage.safe_h, 1.1 * stage.width)
    cx = stage.anchor_x
    off = stage.anchor_x - stage.width / 2
    if abs(off) > 1:
        scale *= 1.9
        cx = stage.anchor_x - math.copysign(0.3 * scale, off)
    face(draw, look, cx, eye_y, scale, width=stage.width, light=stage.light_for(look))


def _feet(stage: Stage) -> float:
    return stage.horizon + 0.5 * (stage.safe_h - stage.horizon)


def _wide(draw: ImageDraw.ImageDraw, stage: Stage, chars: list[Look], objs: list[Look]) -> None:
    """Up to five small full figures in the set: side by side, or stacked in depth in portrait."""
    w, feet = stage.width, _feet(stage)
    r = min(0.032 * stage.safe_h, 0.035 * w)
    slots: list[tuple[float, float, float]] = []  # (x, feet, head radius)
    if stage.portrait:
        for i in range(len(chars[:5])):
            x = stage.anchor_x + (-1) ** i * math.ceil(i / 2) * 0.2 * w
            slots.append((x, feet - i * 0.06 * stage.safe_h, r * 0.8**i))
    else:
        n, spacing = len(chars[:5]), 4.4 * r
        span = (n - 1) * spacing
        left = min(max(stage.anchor_x - span / 2, 0.08 * w), 0.92 * w - span)
        slots = [(left + i * spacing, feet, r) for i in range(n)]
    for (x, y, rr), look in sorted(zip(slots, chars, strict=False), key=lambda p: p[0][1]):
        character(draw, look, x, y - 12.6 * rr, rr, bottom=None, light=stage.light_for(look))
    right = max((x for x, _, _ in slots), default=stage.anchor_x - 3 * r)
    for j, look in enumerate(objs[:3]):
        s = 1.3 * r
        prop(draw, look, right + (3 + 3 * j) * r, feet - s, s, light=stage.light_for(look))


def _medium(draw: ImageDraw.ImageDraw, stage: Stage, chars: list[Look]) -> None:
    """Waist-up main subject; a second one behind on the other side (or above, in portrait)."""
    w, h, bottom = stage.width, stage.safe_h, stage.height
    r = min(0.147 * h, 0.15 * w)
    hy = h - 4.9 * r
    main = chars[0]
    if len(chars) > 1:
        side = 1 if stage.anchor_x <= w / 2 else -1
        if stage.portrait:
            x2, r2, hy2 = stage.anchor_x + side * 0.25 * w, 0.65 * r, hy - 2.0 * r
        else:
            x2, r2 = stage.anchor_x + side * max(0.3 * w, abs(w - 2 * stage.anchor_x)), 0.8 * r
            hy2 = h - 4.9 * r2
        character(draw, chars[1], x2, hy2, r2, bottom=bottom, light=stage.light_for(chars[1]))
    character(draw, main, stage.anchor_x, hy, r, bottom=bottom, light=stage.light_for(main))


def _insert(img: Image.Image, stage: Stage, look: Look) -> None:
    """An object detail in the middle of the frame, in a pool of light, with a contact shadow."""
    s, cx, cy = 0.28 * stage.unit, stage.anchor_x, 0.5 * stage.safe_h
    glass = ImageDraw.Draw(img, "RGBA")
    pool = [cx - 2.4 * s, cy - 1.3 * s, cx + 2.4 * s, cy + 1.5 * s]
    glass.ellipse(pool, fill=(*lighten(look.color, 0.75), 150))
    glass.ellipse([cx - 1.1 * s, cy + 0.76 * s, cx + 1.1 * s, cy + 1.08 * s], fill=(0, 0, 0, 120))
    prop(ImageDraw.Draw(img), look, cx, cy, s, light=stage.light_for(look))
