"""Simple shapes that say where a previz frame takes place: skylines, dunes, trees, waves, beams."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from PIL import Image, ImageDraw

from imagegen.colors import darken, lighten, mix
from imagegen.previz_backdrop import Tones, draw_ground, draw_sky, gradient

Painter = Callable[[Image.Image, int, Tones, random.Random], None]


def _skyline(img: Image.Image, horizon: int, tones: Tones, rng: random.Random) -> None:
    w = img.width
    draw = ImageDraw.Draw(img)
    far = mix(tones.sky_bottom, tones.ground, 0.45)
    near = darken(mix(tones.ground, tones.sky_top, 0.3), 0.25)
    lit = mix(tones.accent, (255, 226, 150), 0.5) if tones.night else lighten(near, 0.3)
    cell = max(2, round(0.007 * w))
    for color, lo, hi, windows in ((far, 0.2, 0.55, False), (near, 0.08, 0.35, True)):
        x = -rng.uniform(0, 0.05) * w
        while x < w:
            bw, bh = rng.uniform(0.03, 0.08) * w, rng.uniform(lo, hi) * horizon
            top = horizon - bh
            draw.rectangle([x, top, x + bw, horizon], fill=color)
            if windows:
                for wy in range(round(top + cell), horizon - cell, 3 * cell):
                    for wx in range(round(x + cell), round(x + bw - cell), 2 * cell):
                        if rng.random() < 0.4:
                            draw.rectangle(
                                [wx, wy, wx + cell - 1, wy + round(1.5 * cell)], fill=lit
                            )
            x += bw + rng.uniform(0, 0.012) * w


def _city(img: Image.Image, horizon: int, tones: Tones, rng: random.Random) -> None:
    _skyline(img, horizon, tones, rng)


def _rooftop(img: Image.Image, horizon: int, tones: Tones, rng: random.Random) -> None:
    w, h = img.size
    _skyline(img, horizon, tones, rng)
    draw = ImageDraw.Draw(img)
    ledge = horizon + round(0.06 * h)
    draw.rectangle([0, horizon, w, ledge], fill=darken(tones.ground, 0.35))
    draw.rectangle([0, horizon, w, horizon + max(2, h // 180)], fill=lighten(tones.ground, 0.35))
    for _ in range(rng.randint(1, 3)):
        vx, vw = rng.uniform(0, w), rng.uniform(0.03, 0.07) * w
        draw.rectangle(
            [vx, ledge - 0.05 * h, vx + vw, ledge + 0.02 * h], fill=darken(tones.ground, 0.5)
        )
    sag, bulb = rng.uniform(0.05, 0.15) * horizon, lighten(tones.accent, 0.3)
    for i in range(24):
        t = i / 23
        x, y = t * w, 0.25 * horizon + sag * math.sin(math.pi * t) + 0.05 * horizon * t
        draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=bulb)


def _street(img: Image.Image, horizon: int, tones: Tones, rng: random.Random) -> None:
    w, h = img.size
    _skyline(img, horizon, tones, rng)
    draw = ImageDraw.Draw(img)
    vx = rng.uniform(0.4, 0.6) * w
    draw.polygon(
        [(vx - 0.02 * w, horizon), (vx + 0.02 * w, horizon), (w * 1.1, h), (-0.1 * w, h)],
        fill=darken(tones.ground, 0.45),
    )
    for i in range(8):
        t0, t1 = (i / 8) ** 2, ((i + 0.5) / 8) ** 2
        y0, y1 = horizon + t0 * (h - horizon), horizon + t1 * (h - horizon)
        draw.polygon(
            [
                (vx - 0.004 * w * (1 + 6 * t0), y0),
                (vx + 0.004 * w * (1 + 6 * t0), y0),
                (vx + 0.004 * w * (1 + 6 * t1), y1),
                (vx - 0.004 * w * (1 + 6 * t1), y1),
            ],
            fill=(226, 214, 160),
        )
    glow = lighten(tones.accent, 0.4) if tones.night else darken(tones.ground, 0.6)
    for side in (-1, 1):
        for t in (0.25, 0.6):
            x, y = vx + side * t * 0.7 * w, horizon + t * (h - horizon) * 0.5
            draw.line(
                [(x, y), (x, y - 0.5 * t * h)],
                fill=darken(tones.ground, 0.6),
                width=max(2, round(6 * t)),
            )
            draw.ellipse(
                [x - 9 * t, y - 0.5 * t * h - 9 * t, x + 9 * t, y - 0.5 * t * h + 9 * t], fill=glow
            )


def _desert(img: Image.Image, horizon: int, tones: Tones, rng: random.Random) -> None:
    w, h = img.size
    draw = ImageDraw.Draw(img)
    sand = mix(tones.ground, (222, 184, 135), 0.55 if not tones.night else 0.3)
    layers = 4
    for i in range(layers):
        base = horizon + (h - horizon) * i / layers - 0.03 * h
        amp, freq, phase = (
            rng.uniform(0.02, 0.06) * h,
            rng.uniform(1.0, 2.5) * math.tau / w,
            rng.uniform(0, math.tau),
        )
        pts = [(x, base - amp * (1 + math.sin(freq * x + phase))) for x in range(0, w + 33, 32)]
        draw.polygon(
            [*pts, (w, h), (0, h)], fill=mix(darken(sand, 0.25), lighten(sand, 0.1), i / layers)
        )


def _forest(img: Image.Image, horizon: int, tones: Tones, rng: random.Random) -> None:
    w, h = img.size
    draw = ImageDraw.Draw(img)
    leaf = mix(tones.ground, (40, 92, 52), 0.5)
    for color, lo, hi, spacing in (
        (mix(tones.sky_bottom, leaf, 0.5), 0.1, 0.25, 0.025),
        (darken(leaf, 0.3), 0.25, 0.6, 0.08),
    ):
        x = rng.uniform(-0.05, 0) * w
        while x < w * 1.05:
            th, tw = rng.uniform(lo, hi) * horizon, rng.uniform(0.5, 0.8)
            base = horizon + rng.uniform(0, 0.04) * h
            draw.rectangle(
                [x - 0.04 * th, base - 0.2 * th, x + 0.04 * th, base], fill=darken(color, 0.4)
            )
            draw.polygon(
                [
                    (x, base - th),
                    (x + tw * th / 2, base - 0.15 * th),
                    (x - tw * th / 2, base - 0.15 * th),
                ],
                fill=color,
            )
            x += rng.uniform(0.6, 1.4) * spacing * w


def _beach(img: Image.Image, horizon: int, tones: Tones, rng: random.Random) -> None:
    w, h = img.size
    draw = ImageDraw.Draw(img)
    shore = horizon + round(0.45 * (h - horizon))
    sea = mix(tones.sky_top, (28, 96, 150), 0.5)
    img.paste(
        gradient(w, shore - horizon, [(0, lighten(sea, 0.15)), (1, darken(sea, 0.2))]), (0, horizon)
    )
    crest = lighten(sea, 0.45)
    for _ in range(w * (shore - horizon) // 4000):
        x, y = rng.uniform(0, w), rng.uniform(horizon, shore)
        ln = (0.01 + 0.05 * (y - horizon) / max(1, shore - horizon)) * w
        draw.line([(x, y), (x + ln, y)], fill=crest, width=max(1, round(ln / 40)))
    sand = mix(tones.ground, (226, 204, 156), 0.6 if not tones.night else 0.3)
    foam = [
        (x, shore + 0.012 * h * math.sin(x / w * 9 + rng.uniform(0, 1)))
        for x in range(0, w + 33, 32)
    ]
    draw.polygon([*foam, (w, h), (0, h)], fill=sand)
    draw.line(foam, fill=(240, 240, 236), width=max(2, h // 200))


def _club(img: Image.Image, horizon: int, tones: Tones, rng: random.Random) -> None:
    w, h = img.size
    wall = mix(tones.sky_top, tones.palette[0], 0.4)
    img.paste(gradient(w, horizon, [(0, darken(wall, 0.2)), (1, wall)]), (0, 0))
    draw = ImageDraw.Draw(img)
    stage = horizon + round(0.1 * h)
    draw.rectangle([0, horizon, w, stage], fill=darken(tones.ground, 0.3))
    draw.line([(0, horizon), (w, horizon)], fill=lighten(tones.accent, 0.2), width=max(2, h // 160))
    draw.rectangle([0, 0.06 * h, w, 0.06 * h + max(3, h // 90)], fill=(60, 60, 66))
    colors = tones.palette[1:] or tones.palette
    glass = ImageDraw.Draw(img, "RGBA")
    for i in range(rng.randint(4, 7)):
        sx, tx, spread = (
            rng.uniform(0.05, 0.95) * w,
            rng.uniform(-0.1, 1.1) * w,
            rng.uniform(0.05, 0.14) * w,
        )
        poly = [
            (sx - 4, 0.065 * h),
            (sx + 4, 0.065 * h),
            (tx + spread, stage),
            (tx - spread, stage),
        ]
        glass.polygon(poly, fill=(*lighten(colors[i % len(colors)], 0.25), 90))
        draw.ellipse(
            [sx - 0.012 * w, 0.05 * h, sx + 0.012 * w, 0.08 * h],
            fill=lighten(colors[i % len(colors)], 0.6),
        )
    for x in (0.02 * w, 0.88 * w):
        draw.rectangle([x, horizon - 0.22 * h, x + 0.1 * w, stage], fill=(46, 46, 54))
        for cy in (horizon - 0.16 * h, horizon - 0.05 * h):
            draw.ellipse(
                [x + 0.02 * w, cy - 0.03 * w, x + 0.08 * w, cy + 0.03 * w], fill=(74, 74, 84)
            )


def _studio(img: Image.Image, horizon: int, tones: Tones, rng: random.Random) -> None:
    w, h = img.size
    paper = mix(lighten(tones.palette[0], 0.55), (128, 128, 132), 0.4 if tones.night else 0.1)
    img.paste(
        gradient(w, h, [(0, darken(paper, 0.25)), (horizon / h, paper), (1, darken(paper, 0.15))]),
        (0, 0),
    )
    draw = ImageDraw.Draw(img)
    for x in (rng.uniform(0.05, 0.25) * w, rng.uniform(0.75, 0.95) * w):
        bw, top = 0.09 * w, 0.18 * h
        draw.line([(x, top), (x, horizon + 0.08 * h)], fill=(40, 40, 44), width=max(2, w // 300))
        draw.rectangle(
            [x - bw / 2, top - 0.12 * h, x + bw / 2, top],
            fill=(250, 250, 246),
            outline=(40, 40, 44),
        )
    tape = tones.accent
    for _ in range(rng.randint(2, 4)):
        x, y, s = rng.uniform(0.1, 0.9) * w, rng.uniform(horizon + 0.05 * h, h), 0.015 * w
        draw.line([(x - s, y - s / 3), (x + s, y + s / 3)], fill=tape, width=max(2, w // 400))
        draw.line([(x - s, y + s / 3), (x + s, y - s / 3)], fill=tape, width=max(2, w // 400))


def _abstract(img: Image.Image, horizon: int, tones: Tones, rng: random.Random) -> None:
    w, h = img.size
    draw = ImageDraw.Draw(img)
    grid = lighten(tones.accent, 0.2)
    vx = w / 2
    for i in range(-12, 13):
        draw.line([(vx + i * 0.02 * w, horizon), (vx + i * 0.2 * w, h)], fill=grid, width=1)
    for i in range(1, 9):
        y = horizon + (h - horizon) * (i / 8) ** 2
        draw.line([(0, y), (w, y)], fill=grid, width=1)
    for i in range(rng.randint(5, 8)):
        color = tones.palette[i % len(tones.palette)]
        cx, cy, s = (
            rng.uniform(0, w),
            rng.uniform(0.05, 0.9) * horizon,
            rng.uniform(0.04, 0.14) * min(w, h),
        )
        shape = rng.randrange(3)
        if shape == 0:
            draw.ellipse(
                [cx - s, cy - s, cx + s, cy + s], outline=color, width=max(2, round(s / 6))
            )
        elif shape == 1:
            draw.polygon([(cx, cy - s), (cx + s, cy + s * 0.8), (cx - s, cy + s * 0.8)], fill=color)
        else:
            draw.rectangle([cx - s, cy - s * 0.6, cx + s, cy + s * 0.6], fill=color)


def _plain(img: Image.Image, horizon: int, tones: Tones, rng: random.Random) -> None:
    ImageDraw.Draw(img).line(
        [(0, horizon), (img.width, horizon)],
        fill=lighten(tones.ground, 0.3),
        width=max(1, img.height // 300),
    )


PAINTERS: dict[str, Painter] = {
    "rooftop": _rooftop,
    "street": _street,
    "city": _city,
    "desert": _desert,
    "forest": _forest,
    "beach": _beach,
    "club": _club,
    "studio": _studio,
    "abstract": _abstract,
    "plain": _plain,
}


def draw_world(
    width: int, height: int, horizon: int, tones: Tones, kind: str, seed: int
) -> Image.Image:
    """The whole set for one frame at ``width``×``height``; the seed moves its details."""
    rng = random.Random(seed)
    split = horizon / height
    img = gradient(
        width,
        height,
        [
            (0.0, tones.sky_top),
            (split, tones.sky_bottom),
            (split + 1 / height, tones.ground),
            (1.0, darken(tones.ground, 0.3)),
        ],
    )
    draw_sky(img, horizon, tones, rng)
    draw_ground(img, horizon, tones, rng)
    PAINTERS[kind](img, horizon, tones, rng)
    return img
