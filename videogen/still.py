"""Load a still image and fit it to cover a frame (centre crop)."""

from pathlib import Path
from typing import TYPE_CHECKING

from videogen.errors import MediaError

if TYPE_CHECKING:
    from PIL import Image


def load_still(path: Path) -> "Image.Image":
    """Open ``path`` as an RGB image, EXIF orientation applied; MediaError if unreadable."""
    from PIL import Image, ImageOps

    path = Path(path)
    if not path.is_file():
        raise MediaError(f"still image {str(path)!r} does not exist or is not a file")
    try:
        with Image.open(path) as img:
            img.load()
            upright = ImageOps.exif_transpose(img)
            return upright.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise MediaError(f"cannot read still image {str(path)!r}: {exc}") from exc


def cover_box(src_w: int, src_h: int, width: int, height: int) -> tuple[float, float, float, float]:
    """Centre crop of a ``src_w``×``src_h`` image with the aspect of ``width``×``height``."""
    scale = max(width / src_w, height / src_h)
    crop_w, crop_h = width / scale, height / scale
    left, top = (src_w - crop_w) / 2, (src_h - crop_h) / 2
    return left, top, left + crop_w, top + crop_h


def fit_cover(img: "Image.Image", width: int, height: int, max_zoom: float) -> "Image.Image":
    """Centre-crop ``img`` to the frame's aspect, keeping enough pixels for ``max_zoom``.

    The result is ``width·s``×``height·s`` with ``s`` at most ``max_zoom``, and never more
    pixels than the still has, so zoomed frames sample real detail without waste.
    """
    from PIL import Image

    box = cover_box(img.width, img.height, width, height)
    native = (box[2] - box[0]) / width
    scale = min(native, max_zoom)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return img.resize(size, resample=Image.Resampling.LANCZOS, box=box)


def yuv_planes(img: "Image.Image") -> tuple["Image.Image", "Image.Image", "Image.Image"]:
    """Split an RGB image into BT.601 video-range planes: full-size Y, half-size Cb and Cr.

    Chroma is halved (as in 4:2:0) here, once, so each frame resamples quarter-size planes;
    levels are mapped from PIL's full range to video range (Y 16…235, C 16…240).
    """
    from PIL import Image

    y, cb, cr = img.convert("YCbCr").split()
    half = (max(1, round(img.width / 2)), max(1, round(img.height / 2)))
    luma = [round(16 + v * 219 / 255) for v in range(256)]
    chroma = [round(128 + (v - 128) * 224 / 255) for v in range(256)]
    box = Image.Resampling.BOX
    return (
        y.point(luma),
        cb.resize(half, resample=box).point(chroma),
        cr.resize(half, resample=box).point(chroma),
    )
