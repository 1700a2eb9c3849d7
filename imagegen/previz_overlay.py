"""Storyboard furniture on a previz frame: caption bar, PREVIZ tag, reference strip."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from imagegen.colors import RGB, lighten, luminance

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
TAG_TEXT = "PREVIZ"
_TAG_FILL: RGB = (255, 206, 0)
_PLATE: RGB = (10, 10, 14)


@functools.lru_cache(maxsize=32)
def font(size: int) -> Font:
    """Pillow's bundled font at ``size`` px (no font files ship with Storybeat)."""
    return ImageFont.load_default(size=size)


@dataclass(frozen=True)
class Bar:
    """Caption plate metrics for a frame size; they do not depend on the text.

    The plate floats ``pad`` px in from the frame's sides and bottom, so the picture always runs to
    every edge; ``height`` is the band it reserves at the bottom, margin included.
    """

    size: int
    small: int
    pad: int
    lines: int

    @classmethod
    def for_frame(cls, width: int, height: int) -> Bar:
        u = min(width, height)
        size = max(7, round(0.034 * u))
        bar = cls(size, max(6, round(0.8 * size)), max(2, round(0.5 * size)), 2)
        while bar.lines and bar.height > 0.28 * height:
            bar = cls(bar.size, bar.small, bar.pad, bar.lines - 1)
        return bar

    @property
    def height(self) -> int:
        return 3 * self.pad + round(1.25 * self.small) + self.lines * round(1.25 * self.size)


def _fit(text: str, f: Font, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels."""
    if f.getlength(text) <= width:
        return text
    lo, hi = 0, len(text)  # the longest fitting prefix is text[:lo]
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if f.getlength(text[:mid].rstrip() + "…") <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…" if lo else ""


def wrap(text: str, f: Font, width: float, max_lines: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels; the last line ends in an ellipsis if text remains."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and f.getlength(f"{line} {words[0]}") <= width:
            line += " " + words.pop(0)
        lines.append(_fit(line, f, width))
    if words and lines:
        lines[-1] = _fit(lines[-1] + " " + " ".join(words), f, width)
    return lines


def caption_bar(
    img: Image.Image, bar: Bar, label: str, shot: str, caption: str, accent: RGB
) -> None:
    """Translucent plate at the bottom: label and shot line, then the wrapped caption."""
    w, h = img.size
    pad, top = bar.pad, h - bar.height
    left, right = pad, w - pad
    ImageDraw.Draw(img, "RGBA").rounded_rectangle(
        [left, top, right - 1, h - pad - 1], radius=pad, fill=(*_PLATE, 200)
    )
    draw = ImageDraw.Draw(img)
    draw.rectangle([left + pad, top, right - pad, top + max(1, bar.size // 10)], fill=accent)
    small, big = font(bar.small), font(bar.size)
    shot_w = small.getlength(shot)
    draw.text((right - pad - shot_w, top + pad), shot, font=small, fill=(176, 178, 186))
    tint = accent if luminance(accent) > 140 else lighten(accent, 0.6)
    room = right - left - 3 * pad - shot_w
    draw.text((left + pad, top + pad), _fit(label, small, room), font=small, fill=tint)
    y = top + pad + round(1.25 * bar.small)
    for line in wrap(caption, big, right - left - 2 * pad, bar.lines):
        draw.text((left + pad, y), line, font=big, fill=(244, 244, 240))
        y += round(1.25 * bar.size)


def previz_tag(img: Image.Image, bar: Bar) -> None:
    """A yellow ``PREVIZ`` badge in the top-right corner."""
    f = font(max(7, round(0.9 * bar.size)))
    tw = f.getlength(TAG_TEXT)
    pad, th = bar.pad, round(0.9 * bar.size)
    box = (img.width - pad - tw - 2 * pad, pad, img.width - pad, pad + th + pad)
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle(
        box, radius=pad // 2, fill=_TAG_FILL, outline=(20, 20, 20), width=max(1, pad // 6)
    )
    draw.text((box[0] + pad, pad + pad // 2), TAG_TEXT, font=f, fill=(16, 16, 16))


def reference_strip(img: Image.Image, bar: Bar, thumbs: list[Image.Image]) -> None:
    """Thumbnails of the reference images in the top-left corner, labelled ``REF``."""
    if not thumbs:
        return
    pad, f = bar.pad, font(bar.small)
    th = max(12, round(0.11 * min(img.size)))
    widths = [th * min(2.0, max(0.5, t.width / t.height)) for t in thumbs]
    label_w = f.getlength("REF") + pad
    room = 0.55 * img.width - label_w - pad * (len(thumbs) + 2)
    scale = min(1.0, room / sum(widths))
    th = max(4, round(th * scale))
    sizes = [(max(4, round(wd * scale)), th) for wd in widths]
    plate_w = round(label_w + sum(s[0] for s in sizes) + pad * (len(sizes) + 1))
    plate = [pad, pad, pad + plate_w - 1, 3 * pad + th - 1]
    ImageDraw.Draw(img, "RGBA").rectangle(plate, fill=(*_PLATE, 180))
    draw = ImageDraw.Draw(img)
    draw.text((2 * pad, pad + pad + (th - bar.small) // 2), "REF", font=f, fill=(236, 236, 236))
    x = round(2 * pad + label_w)
    border = max(1, pad // 5)
    for thumb, size in zip(thumbs, sizes, strict=True):
        draw.rectangle(
            [x - border, 2 * pad - border, x + size[0] + border - 1, 2 * pad + th + border - 1],
            fill=(240, 240, 240),
        )
        img.paste(thumb.resize(size, Image.Resampling.BILINEAR), (x, 2 * pad))
        x += size[0] + pad
