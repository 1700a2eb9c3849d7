"""Text overlays (lyric lines, captions, titles) drawn over exported frames.

Each overlay is drawn once into an RGBA patch (wrapped to the title-safe width, white with a
dark outline and soft shadow so it reads over any picture) and alpha-blended onto the frames
it covers. The font is DejaVu Sans Bold (matplotlib ships it; Debian's fonts-dejavu-core too),
which covers Latin, Greek and Cyrillic; without it, Pillow's built-in font.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from videogen.timeline import TextOverlay

logger = logging.getLogger(__name__)

FONT_FILE = "DejaVuSans-Bold.ttf"
SYSTEM_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
# Text height as a fraction of the frame's short side, and where the block sits (0 top … 1
# bottom): lyric lines just below the middle, captions at the bottom, titles in the middle.
SIZES = {"lyric": 0.075, "caption": 0.05, "title": 0.11}
PLACES = {"lyric": 0.62, "caption": 0.9, "title": 0.5}
SAFE_WIDTH = 0.8  # title-safe: text stays inside the middle 80 %
MAX_LINES = 3


@dataclass(frozen=True)
class Patch:
    """A drawn overlay: premultiplied colour and alpha, and where it goes."""

    top: int
    left: int
    color: np.ndarray  # (h, w, 3) float32, already multiplied by alpha
    alpha: np.ndarray  # (h, w, 1) float32 in 0 … 1


def font_path() -> Path | None:
    """DejaVu Sans Bold from matplotlib or the system, if either has it."""
    candidates = list(SYSTEM_FONT_DIRS)
    try:
        import matplotlib

        candidates.insert(0, Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:
        pass
    for folder in candidates:
        if (folder / FONT_FILE).is_file():
            return folder / FONT_FILE
    return None


@lru_cache(maxsize=8)
def _font(size: int) -> Any:
    from PIL import ImageFont

    path = font_path()
    if path is None:
        logger.info("DejaVu Sans not found; overlays use Pillow's built-in font")
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(path), size=size)


def _wrap(text: str, font: Any, width: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels; a word wider than that stands on its own line."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [text]:
        current = ""
        for word in paragraph.split():
            trial = f"{current} {word}".strip()
            if current and font.getlength(trial) > width:
                lines.append(current)
                current = word
            else:
                current = trial
        if current:
            lines.append(current)
    return lines or [text.strip()]


def draw_overlay(overlay: TextOverlay, width: int, height: int) -> Patch:
    """Draw ``overlay`` for a ``width`` × ``height`` frame (shrinking long text to fit)."""
    from PIL import Image, ImageDraw, ImageFilter

    size = max(int(min(width, height) * SIZES[overlay.style]), 10)
    safe = int(width * SAFE_WIDTH)
    while True:
        font = _font(size)
        lines = _wrap(overlay.text, font, safe)
        widest = max(font.getlength(line) for line in lines)
        if (len(lines) <= MAX_LINES and widest <= safe) or size <= 10:
            break
        size = max(int(size * 0.85), 10)
    stroke = max(size // 14, 1)
    spacing = size // 4
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    box = probe.multiline_textbbox(
        (0, 0), "\n".join(lines), font=font, spacing=spacing, align="center", stroke_width=stroke
    )
    pad = size // 3
    w, h = int(box[2] - box[0]) + 2 * pad, int(box[3] - box[1]) + 2 * pad
    origin = (pad - box[0], pad - box[1])
    text = "\n".join(lines)

    shadow = Image.new("L", (w, h), 0)
    ImageDraw.Draw(shadow).multiline_text(
        (origin[0] + stroke, origin[1] + stroke),
        text,
        font=font,
        fill=160,
        spacing=spacing,
        align="center",
        stroke_width=stroke * 2,
        stroke_fill=160,
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(max(size / 10, 1)))
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    layer.putalpha(shadow)
    ImageDraw.Draw(layer).multiline_text(
        origin,
        text,
        font=font,
        fill=(255, 255, 255, 255),
        spacing=spacing,
        align="center",
        stroke_width=stroke,
        stroke_fill=(20, 20, 20, 255),
    )
    rgba = np.asarray(layer, dtype=np.float32) / 255.0
    w, h = min(w, width), min(h, height)
    rgba = rgba[:h, :w]
    top = min(max(int(height * PLACES[overlay.style] - h / 2), 0), height - h)
    left = (width - w) // 2
    alpha = rgba[..., 3:4]
    return Patch(top=top, left=left, color=rgba[..., :3] * 255.0 * alpha, alpha=alpha)


# BT.601 video-range RGB (0…255) → Y, Cb, Cr: offsets and rows of coefficients.
_YUV_OFFSET = np.array([16.0, 128.0, 128.0], np.float32)
_YUV_MATRIX = np.array(
    [
        [0.256788, 0.504129, 0.097906],
        [-0.148223, -0.290993, 0.439216],
        [0.439216, -0.367788, -0.071427],
    ],
    np.float32,
)


@dataclass(frozen=True)
class PlanarPatch:
    """A drawn overlay for yuv420p frames: premultiplied planes and ``1 - alpha``, placed on
    even rows and columns so the half-size chroma lines up."""

    top: int
    left: int
    luma: np.ndarray  # (h, w) float32
    luma_keep: np.ndarray  # (h, w) float32, 1 - alpha
    chroma: np.ndarray  # (2, h/2, w/2) float32: Cb, Cr
    chroma_keep: np.ndarray  # (h/2, w/2) float32


def planar_patch(patch: Patch) -> PlanarPatch:
    """``patch`` converted to BT.601 video-range Y, Cb, Cr (as the motion adapter and ffmpeg
    encode RGB), chroma averaged over 2×2 pixels."""
    h, w = patch.alpha.shape[:2]
    dy, dx = patch.top % 2, patch.left % 2
    h2, w2 = (h + dy + 1) // 2 * 2, (w + dx + 1) // 2 * 2
    alpha = np.zeros((h2, w2), np.float32)
    alpha[dy : dy + h, dx : dx + w] = patch.alpha[..., 0]
    colour = np.zeros((h2, w2, 3), np.float32)
    colour[dy : dy + h, dx : dx + w] = patch.color
    planes = colour @ _YUV_MATRIX.T + alpha[..., None] * _YUV_OFFSET  # premultiplied

    def halve(a: np.ndarray) -> np.ndarray:
        return a.reshape(h2 // 2, 2, w2 // 2, 2, *a.shape[2:]).mean(axis=(1, 3))

    return PlanarPatch(
        top=patch.top - dy,
        left=patch.left - dx,
        luma=np.ascontiguousarray(planes[..., 0]),
        luma_keep=1.0 - alpha,
        chroma=np.ascontiguousarray(np.moveaxis(halve(planes[..., 1:]), -1, 0)),
        chroma_keep=1.0 - halve(alpha),
    )


def blend_planar(frame: np.ndarray, patch: PlanarPatch, width: int, height: int) -> np.ndarray:
    """A yuv420p frame (I420 layout, ``(height * 3 // 2, width)``) with ``patch`` composited
    over it; a new array, the input is not changed."""
    out = frame.copy()
    flat = out.reshape(-1)
    area = width * height
    h, w = patch.luma.shape
    top, left = patch.top, patch.left
    y = flat[:area].reshape(height, width)[top : top + h, left : left + w]
    y[...] = np.clip(patch.luma + y * patch.luma_keep + 0.5, 0, 255)
    for i in range(2):
        plane = flat[area + i * area // 4 : area + (i + 1) * area // 4].reshape(
            height // 2, width // 2
        )
        c = plane[top // 2 : (top + h) // 2, left // 2 : (left + w) // 2]
        c[...] = np.clip(patch.chroma[i] + c * patch.chroma_keep + 0.5, 0, 255)
    return out


class PlanarOverlays:
    """Draws the timeline's text overlays onto yuv420p frames by frame index."""

    def __init__(self, overlays: list[TextOverlay], width: int, height: int) -> None:
        self._overlays = sorted(overlays, key=lambda o: o.start)
        self._starts = [o.start for o in self._overlays]
        self._size = (width, height)
        self._patches: dict[int, PlanarPatch] = {}

    def __call__(self, index: int, frame: np.ndarray) -> np.ndarray:
        showing = [
            i for i in range(bisect_right(self._starts, index)) if self._overlays[i].end > index
        ]
        for i in list(self._patches):  # drawn patches are kept only while they show
            if i not in showing:
                del self._patches[i]
        for i in showing:
            if i not in self._patches:
                self._patches[i] = planar_patch(draw_overlay(self._overlays[i], *self._size))
            frame = blend_planar(frame, self._patches[i], *self._size)
        return frame
