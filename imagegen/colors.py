"""Small RGB helpers for the previz sketches."""

from __future__ import annotations

from PIL import Image

RGB = tuple[int, int, int]


def hex_to_rgb(value: str) -> RGB:
    """``"#RRGGBB"`` → ``(r, g, b)``."""
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """Linear blend from ``a`` (t=0) to ``b`` (t=1)."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def lighten(c: RGB, t: float) -> RGB:
    return mix(c, (255, 255, 255), t)


def darken(c: RGB, t: float) -> RGB:
    return mix(c, (0, 0, 0), t)


def luminance(c: RGB) -> float:
    """Perceived brightness in 0…255 (Rec. 601 weights)."""
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def dominant_color(image: Image.Image) -> RGB:
    """The image's most prominent colour.

    Colours are clustered (median cut, 6 clusters on a 48×48 thumbnail) and each cluster is scored
    by its pixel count weighted towards saturated colours, so a white or black backdrop does not
    win over the subject in front of it.
    """
    small = image.convert("RGB").resize((48, 48), Image.Resampling.BILINEAR)
    quant = small.quantize(colors=6, method=Image.Quantize.MEDIANCUT)
    best: tuple[float, RGB] = (-1.0, (128, 128, 128))
    for count, pixel in quant.convert("RGB").getcolors() or []:
        if not isinstance(pixel, tuple):
            continue
        rgb = (pixel[0], pixel[1], pixel[2])
        chroma = max(rgb) - min(rgb)
        score = count * (0.15 + chroma / 255)
        if score > best[0]:
            best = (score, rgb)
    return best[1]
