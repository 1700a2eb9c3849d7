"""The previz world behind the subjects: sky, ground, light, and the camera's view of it."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from imagegen.colors import RGB, darken, hex_to_rgb, lighten, mix
from imagegen.request import Scene

# (sky top, sky at horizon, ground at horizon) before the palette is mixed in.
_BASE: dict[str, tuple[RGB, RGB, RGB]] = {
    "night": ((26, 32, 70), (60, 52, 112), (34, 36, 50)),
    "day": ((84, 150, 228), (196, 222, 244), (118, 134, 102)),
    "dusk": ((44, 34, 100), (246, 132, 76), (62, 40, 62)),
    "dawn": ((112, 142, 204), (252, 188, 160), (98, 94, 112)),
}


@dataclass(frozen=True)
class Tones:
    """The scene's colours, resolved from time of day and palette."""

    sky_top: RGB
    sky_bottom: RGB
    ground: RGB
    accent: RGB
    palette: tuple[RGB, ...]
    time_of_day: str

    @property
    def night(self) -> bool:
        return self.time_of_day == "night"


def tones_for(scene: Scene) -> Tones:
    pal = tuple(hex_to_rgb(c) for c in scene.palette)
    top, bottom, ground = _BASE[scene.time_of_day]
    return Tones(
        sky_top=mix(top, pal[0], 0.3),
        sky_bottom=mix(bottom, pal[1 % len(pal)], 0.35),
        ground=mix(ground, pal[2 % len(pal)], 0.35),
        accent=pal[min(2, len(pal) - 1)],
        palette=pal,
        time_of_day=scene.time_of_day,
    )


def gradient(width: int, height: int, stops: list[tuple[float, RGB]]) -> Image.Image:
    """Vertical gradient through ``(position 0…1, colour)`` stops."""
    ys = np.linspace(0.0, 1.0, height)
    pos = [p for p, _ in stops]
    column = np.stack([np.interp(ys, pos, [c[i] for _, c in stops]) for i in range(3)], axis=1)
    strip = np.ascontiguousarray(np.round(column).astype(np.uint8)[:, None, :])
    return Image.fromarray(strip).resize((width, height), Image.Resampling.NEAREST)


def draw_sky(img: Image.Image, horizon: int, tones: Tones, rng: random.Random) -> None:
    """Stars and moon at night, sun and clouds by day, a low sun at dusk and dawn."""
    w = img.width
    draw = ImageDraw.Draw(img)
    u = min(w, img.height)
    if tones.night:
        star = lighten(tones.sky_top, 0.8)
        for _ in range(w * horizon // 2200):
            x, y = rng.randrange(w), rng.randrange(max(1, horizon))
            s = 1 if rng.random() < 0.85 else 2
            draw.rectangle([x, y, x + s - 1, y + s - 1], fill=star)
        mx, my, mr = rng.uniform(0.1, 0.9) * w, rng.uniform(0.12, 0.4) * horizon, 0.045 * u
        draw.ellipse(
            [mx - 2.2 * mr, my - 2.2 * mr, mx + 2.2 * mr, my + 2.2 * mr],
            fill=mix(tones.sky_top, (230, 230, 215), 0.12),
        )
        draw.ellipse([mx - mr, my - mr, mx + mr, my + mr], fill=(236, 234, 218))
        return
    cloud = lighten(tones.sky_bottom, 0.55)
    if tones.time_of_day == "day":
        sx, sy, sr = rng.uniform(0.1, 0.9) * w, rng.uniform(0.15, 0.35) * horizon, 0.05 * u
        draw.ellipse(
            [sx - 2 * sr, sy - 2 * sr, sx + 2 * sr, sy + 2 * sr], fill=lighten(tones.sky_top, 0.3)
        )
        draw.ellipse([sx - sr, sy - sr, sx + sr, sy + sr], fill=(255, 250, 226))
        for _ in range(rng.randint(3, 5)):
            cx, cy, cw = (
                rng.uniform(0, w),
                rng.uniform(0.1, 0.6) * horizon,
                rng.uniform(0.08, 0.18) * w,
            )
            for _ in range(4):
                dx, dy, rr = (
                    rng.uniform(-0.5, 0.5) * cw,
                    rng.uniform(-0.1, 0.1) * cw,
                    rng.uniform(0.15, 0.3) * cw,
                )
                draw.ellipse(
                    [cx + dx - rr, cy + dy - rr * 0.6, cx + dx + rr, cy + dy + rr * 0.6], fill=cloud
                )
        return
    sx, sr = rng.uniform(0.2, 0.8) * w, 0.1 * u
    sun = mix(tones.accent, (255, 176, 84), 0.65)
    draw.ellipse(
        [sx - 1.8 * sr, horizon - 1.8 * sr, sx + 1.8 * sr, horizon + 1.8 * sr],
        fill=mix(tones.sky_bottom, sun, 0.35),
    )
    draw.ellipse([sx - sr, horizon - sr, sx + sr, horizon + sr], fill=sun)
    streak = mix(tones.sky_bottom, tones.sky_top, 0.45)
    for _ in range(rng.randint(4, 7)):
        cx, cy, cw = (
            rng.uniform(0, w),
            rng.uniform(0.25, 0.85) * horizon,
            rng.uniform(0.15, 0.4) * w,
        )
        draw.ellipse([cx - cw / 2, cy - 0.012 * u, cx + cw / 2, cy + 0.012 * u], fill=streak)


def draw_ground(img: Image.Image, horizon: int, tones: Tones, rng: random.Random) -> None:
    """Scattered marks on the ground so close framings still show texture and depth."""
    w, h = img.size
    draw = ImageDraw.Draw(img)
    dark, light = darken(tones.ground, 0.3), lighten(tones.ground, 0.12)
    for _ in range(w * (h - horizon) // 2600):
        y = rng.uniform(horizon, h)
        depth = (y - horizon) / max(1, h - horizon)
        x, rx = rng.uniform(0, w), (0.004 + 0.02 * depth) * w * rng.uniform(0.5, 1.2)
        draw.ellipse(
            [x - rx, y - rx * 0.3, x + rx, y + rx * 0.3], fill=dark if rng.random() < 0.7 else light
        )


def view_box(
    world: Image.Image, size: tuple[float, float], focus: tuple[float, float]
) -> tuple[int, int, int, int]:
    """Pixel box of ``size`` centred on ``focus`` as near as the world's edges allow.

    The world may be wider than a frame: a panorama the camera pans across.
    """
    w, h = min(world.width, max(1, round(size[0]))), min(world.height, max(1, round(size[1])))
    x0 = min(max(round(focus[0] - w / 2), 0), world.width - w)
    y0 = min(max(round(focus[1] - h / 2), 0), world.height - h)
    return x0, y0, x0 + w, y0 + h
