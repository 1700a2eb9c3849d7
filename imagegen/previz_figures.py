"""Subject silhouettes for previz frames: figures, an extreme close-up face, and props.

A subject's look (hair, build, prop shape) comes from a hash of its name, so the same name and
colour draw the same way in every frame whatever the seed. Every shape is drawn twice: first
nudged towards the light in a lighter rim colour, then in the subject's own colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import ImageDraw

from imagegen.colors import RGB, darken, lighten, mix
from imagegen.previz_scene import name_digest

HAIR_STYLES = ("crop", "long", "bun", "spiky", "hat", "afro")
OBJECT_SHAPES = ("disc", "box", "gem", "bottle", "ring", "star")
_HAIR_TONES: tuple[RGB, ...] = (
    (34, 24, 18), (92, 60, 32), (196, 160, 92), (22, 22, 28), (150, 46, 34), (210, 210, 215),
)  # fmt: skip
# Where the hairline sits above the eyes in an extreme close-up, in face units.
_HAIRLINE = {"crop": 0.36, "long": 0.32, "bun": 0.38, "spiky": 0.34, "hat": 0.26, "afro": 0.42}


@dataclass(frozen=True)
class Look:
    """How one subject is drawn."""

    color: RGB
    rim: RGB
    hair: str
    hair_color: RGB
    build: float
    shape: str
    light: int

    @classmethod
    def of(cls, name: str, color: RGB) -> Look:
        d = name_digest(name)
        return cls(
            color=color,
            rim=lighten(color, 0.55),
            hair=HAIR_STYLES[d[0] % len(HAIR_STYLES)],
            hair_color=mix(darken(color, 0.6), _HAIR_TONES[d[1] % len(_HAIR_TONES)], 0.65),
            build=1.55 + (d[2] % 5) * 0.1,
            shape=OBJECT_SHAPES[d[3] % len(OBJECT_SHAPES)],
            light=1 if d[4] % 2 else -1,
        )


def _passes(look: Look, r: float, light: int) -> list[tuple[float, float, RGB, RGB]]:
    """(dx, dy, body colour, hair colour) for the rim pass, then the fill pass."""
    off = max(1.5, 0.08 * r)
    return [(light * off, -0.6 * off, look.rim, look.rim), (0.0, 0.0, look.color, look.hair_color)]


def character(
    draw: ImageDraw.ImageDraw,
    look: Look,
    cx: float,
    hy: float,
    r: float,
    *,
    bottom: float | None,
    light: int,
) -> None:
    """Figure with head radius ``r`` centred at ``(cx, hy)``.

    ``bottom=None`` draws the full body standing on ``hy + 12.6 r``; otherwise the torso and arms
    run down to ``bottom`` (waist-up and head-and-shoulders framings).
    """
    for dx, dy, body, hair in _passes(look, r, light):
        x, y = cx + dx, hy + dy
        _body(draw, x, y, r, look.build, bottom, body)
        _hair_back(draw, look.hair, x, y, r, hair)
        draw.ellipse([x - 0.84 * r, y - r, x + 0.84 * r, y + r], fill=body)
        _hair_front(draw, look.hair, x, y, r, hair)


def _body(
    draw: ImageDraw.ImageDraw,
    cx: float,
    hy: float,
    r: float,
    build: float,
    bottom: float | None,
    fill: RGB,
) -> None:
    sw, ys, waist = build * r, hy + 1.3 * r, hy + 5.2 * r
    end = hy + 12.6 * r if bottom is None else max(bottom, waist)
    arm_end = hy + 5.7 * r if bottom is None else max(bottom, hy + 5.7 * r)
    draw.rectangle([cx - 0.34 * r, hy + 0.5 * r, cx + 0.34 * r, ys + 0.4 * r], fill=fill)
    draw.rounded_rectangle([cx - sw, ys, cx + sw, ys + 1.8 * r], radius=0.75 * r, fill=fill)
    draw.polygon(
        [
            (cx - sw, ys + 0.9 * r),
            (cx + sw, ys + 0.9 * r),
            (cx + 0.72 * sw, waist),
            (cx - 0.72 * sw, waist),
        ],
        fill=fill,
    )
    for side in (-1, 1):
        outer = cx + side * (sw + 0.05 * r)
        inner = cx + side * (sw - 0.55 * r)
        draw.rounded_rectangle(
            [min(outer, inner), ys + 0.4 * r, max(outer, inner), arm_end],
            radius=0.27 * r,
            fill=fill,
        )
        if bottom is None:
            hip, knee = cx + side * 0.72 * sw, cx + side * 0.06 * r
            draw.polygon(
                [
                    (hip, waist - 0.1 * r),
                    (knee, waist - 0.1 * r),
                    (cx + side * 0.12 * r, end),
                    (cx + side * 0.62 * sw, end),
                ],
                fill=fill,
            )
    if bottom is not None:
        draw.rectangle([cx - 0.72 * sw, waist - 0.1 * r, cx + 0.72 * sw, end], fill=fill)


def _hair_back(
    draw: ImageDraw.ImageDraw, style: str, cx: float, hy: float, r: float, fill: RGB
) -> None:
    if style == "long":
        draw.rounded_rectangle(
            [cx - 1.02 * r, hy - 1.04 * r, cx + 1.02 * r, hy + 2.0 * r], radius=0.9 * r, fill=fill
        )
    elif style == "afro":
        draw.ellipse([cx - 1.4 * r, hy - 1.65 * r, cx + 1.4 * r, hy + 1.0 * r], fill=fill)


def _hair_front(
    draw: ImageDraw.ImageDraw, style: str, cx: float, hy: float, r: float, fill: RGB
) -> None:
    if style == "hat":
        draw.rounded_rectangle(
            [cx - 0.8 * r, hy - 1.6 * r, cx + 0.8 * r, hy - 0.5 * r], radius=0.2 * r, fill=fill
        )
        draw.rectangle([cx - 1.35 * r, hy - 0.66 * r, cx + 1.35 * r, hy - 0.42 * r], fill=fill)
        return
    draw.chord([cx - 0.9 * r, hy - 1.08 * r, cx + 0.9 * r, hy + 0.1 * r], 180, 360, fill=fill)
    if style == "bun":
        draw.ellipse([cx - 0.42 * r, hy - 1.6 * r, cx + 0.42 * r, hy - 0.76 * r], fill=fill)
    elif style == "spiky":
        for k in range(-2, 3):
            x = cx + k * 0.36 * r
            draw.polygon(
                [
                    (x - 0.24 * r, hy - 0.7 * r),
                    (x + 0.24 * r, hy - 0.7 * r),
                    (x + 0.1 * k * r, hy - 1.5 * r),
                ],
                fill=fill,
            )


def face(
    draw: ImageDraw.ImageDraw,
    look: Look,
    cx: float,
    eye_y: float,
    u: float,
    *,
    width: int,
    light: int,
) -> None:
    """Extreme close-up: a face wider than the frame, cropped to the band around the eyes."""
    rx, ry, cy = max(0.9 * u, 0.45 * width), 1.25 * u, eye_y + 0.35 * u
    for dx, dy, skin, _ in _passes(look, u * 0.25, light):
        draw.ellipse([cx + dx - rx, cy + dy - ry, cx + dx + rx, cy + dy + ry], fill=skin)
    hairline = eye_y - _HAIRLINE[look.hair] * u
    draw.ellipse([cx - 1.7 * u, hairline - 2.2 * u, cx + 1.7 * u, hairline], fill=look.hair_color)
    if look.hair == "hat":
        draw.rectangle(
            [0, hairline - 0.05 * u, width, hairline + 0.02 * u], fill=darken(look.hair_color, 0.3)
        )
    shade = darken(look.color, 0.3)
    white = mix(lighten(look.color, 0.85), (246, 246, 240), 0.6)
    iris = mix(look.hair_color, (52, 70, 96), 0.5)
    erx, ery = 0.13 * u, 0.055 * u
    for side in (-1, 1):
        ex = cx + side * 0.3 * u
        draw.line(
            [
                (ex - 1.1 * erx, eye_y - 0.1 * u),
                (ex, eye_y - 0.14 * u),
                (ex + 1.1 * erx, eye_y - 0.1 * u),
            ],
            fill=look.hair_color,
            width=max(2, round(0.028 * u)),
            joint="curve",
        )
        draw.ellipse(
            [ex - erx, eye_y - ery, ex + erx, eye_y + ery],
            fill=white,
            outline=shade,
            width=max(1, round(0.008 * u)),
        )
        ir = 0.9 * ery
        draw.ellipse([ex - ir, eye_y - ir, ex + ir, eye_y + ir], fill=iris)
        draw.ellipse(
            [ex - 0.45 * ir, eye_y - 0.45 * ir, ex + 0.45 * ir, eye_y + 0.45 * ir],
            fill=(12, 12, 14),
        )
        hx, hy = ex + light * 0.35 * ir, eye_y - 0.35 * ir
        draw.ellipse(
            [hx - 0.18 * ir, hy - 0.18 * ir, hx + 0.18 * ir, hy + 0.18 * ir], fill=(255, 255, 255)
        )
        draw.arc(
            [ex - erx, eye_y - 1.6 * ery, ex + erx, eye_y + 0.9 * ery],
            200,
            340,
            fill=shade,
            width=max(2, round(0.016 * u)),
        )
    draw.line(
        [
            (cx + light * 0.03 * u, eye_y + 0.05 * u),
            (cx - light * 0.035 * u, eye_y + 0.3 * u),
            (cx + light * 0.02 * u, eye_y + 0.32 * u),
        ],
        fill=shade,
        width=max(2, round(0.012 * u)),
        joint="curve",
    )
    mouth = mix(darken(look.color, 0.15), (170, 60, 64), 0.4)
    draw.chord(
        [cx - 0.17 * u, eye_y + 0.44 * u, cx + 0.17 * u, eye_y + 0.58 * u], 0, 180, fill=mouth
    )


def prop(
    draw: ImageDraw.ImageDraw, look: Look, cx: float, cy: float, s: float, *, light: int
) -> None:
    """An object of half-size ``s`` centred at ``(cx, cy)``, shaped by its name."""
    for dx, dy, fill, _ in _passes(look, s * 0.6, light):
        _shape(draw, look.shape, cx + dx, cy + dy, s, fill)
    _detail(draw, look, cx, cy, s)


def _shape(
    draw: ImageDraw.ImageDraw, shape: str, cx: float, cy: float, s: float, fill: RGB
) -> None:
    if shape == "disc":
        draw.ellipse([cx - s, cy - s, cx + s, cy + s], fill=fill)
    elif shape == "box":
        draw.rounded_rectangle(
            [cx - s, cy - 0.7 * s, cx + s, cy + 0.7 * s], radius=0.12 * s, fill=fill
        )
    elif shape == "gem":
        draw.polygon(
            [
                (cx - s, cy - 0.3 * s),
                (cx - 0.5 * s, cy - 0.8 * s),
                (cx + 0.5 * s, cy - 0.8 * s),
                (cx + s, cy - 0.3 * s),
                (cx, cy + s),
            ],
            fill=fill,
        )
    elif shape == "bottle":
        draw.rounded_rectangle(
            [cx - 0.45 * s, cy - 0.4 * s, cx + 0.45 * s, cy + s], radius=0.15 * s, fill=fill
        )
        draw.rectangle([cx - 0.16 * s, cy - s, cx + 0.16 * s, cy - 0.3 * s], fill=fill)
    elif shape == "ring":
        draw.ellipse(
            [cx - s, cy - 0.8 * s, cx + s, cy + 0.8 * s], outline=fill, width=max(2, round(0.3 * s))
        )
    else:
        pts = []
        for k in range(10):
            a, rr = -math.pi / 2 + k * math.pi / 5, s if k % 2 == 0 else 0.45 * s
            pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
        draw.polygon(pts, fill=fill)


def _detail(draw: ImageDraw.ImageDraw, look: Look, cx: float, cy: float, s: float) -> None:
    line, width = darken(look.color, 0.25), max(1, round(0.03 * s))
    if look.shape == "disc":
        for k in (0.85, 0.7, 0.55):
            draw.ellipse(
                [cx - k * s, cy - k * s, cx + k * s, cy + k * s], outline=line, width=width
            )
        draw.ellipse(
            [cx - 0.3 * s, cy - 0.3 * s, cx + 0.3 * s, cy + 0.3 * s], fill=lighten(look.color, 0.35)
        )
        draw.ellipse(
            [cx - 0.05 * s, cy - 0.05 * s, cx + 0.05 * s, cy + 0.05 * s], fill=(12, 12, 14)
        )
    elif look.shape == "box":
        draw.line([(cx - s, cy - 0.35 * s), (cx + s, cy - 0.35 * s)], fill=line, width=width)
    elif look.shape == "gem":
        draw.line([(cx - s, cy - 0.3 * s), (cx + s, cy - 0.3 * s)], fill=line, width=width)
        draw.line(
            [(cx - 0.5 * s, cy - 0.3 * s), (cx, cy + s), (cx + 0.5 * s, cy - 0.3 * s)],
            fill=line,
            width=width,
        )
    elif look.shape == "bottle":
        draw.rectangle(
            [cx - 0.45 * s, cy + 0.05 * s, cx + 0.45 * s, cy + 0.45 * s],
            fill=lighten(look.color, 0.4),
        )
