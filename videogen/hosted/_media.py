"""What the hosted adapters send and check: the still, the prompt, and the clip that comes back.

The storyboard still is cropped (centre) to the aspect ratio asked of the provider, so a model
that follows its input image's shape makes a clip of that shape. The clip that comes back is
checked against what was asked (aspect ratio, a plausible frame rate, not far too small)
before :func:`videogen.conform.conform_clip` fits it to its slot.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from videogen.errors import MediaError, VideoGenInputError
from videogen.probe import probe_video
from videogen.request import ClipRequest

CAMERA_PHRASES = {
    "static": "static camera, subtle natural motion",
    "push-in": "slow push-in",
    "pull-out": "slow pull-out",
    "pan-left": "slow pan to the left",
    "pan-right": "slow pan to the right",
    "tilt-up": "slow tilt up",
    "tilt-down": "slow tilt down",
}
MAX_STILL_SIDE = 2048  # longer stills are scaled down before sending (providers cap uploads)
ASPECT_TOLERANCE = 0.04  # models round frame sides to multiples of 8/16/32
FPS_RANGE = (12.0, 61.0)  # hosted models make 16…30 fps; outside this the clip is broken
MAX_UPSCALE = 4.0  # a clip this much smaller than its slot is not worth conforming


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    mime: str

    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{self.base64()}"


def build_prompt(request: ClipRequest) -> str:
    """The shot's text and a camera phrase for its move, e.g. ``"… Camera: slow push-in."``."""
    phrase = CAMERA_PHRASES[request.camera]
    if request.intensity >= 1.5:
        phrase = phrase.replace("slow ", "swift ")
    text = request.prompt.strip().rstrip(".")
    return f"{text}. Camera: {phrase}." if text else f"Camera: {phrase}."


def ratio(aspect: str) -> float:
    """``"16:9"`` → 1.777…"""
    w, _, h = aspect.partition(":")
    return float(w) / float(h)


def closest_aspect(width: int, height: int, choices: tuple[str, ...]) -> str:
    """The aspect ratio among ``choices`` nearest to ``width``:``height`` (log scale)."""
    target = math.log(width / height)
    return min(choices, key=lambda a: abs(math.log(ratio(a)) - target))


def pick_resolution(short_side: int, choices: tuple[str, ...]) -> str:
    """The smallest ``"720p"``-style resolution that covers ``short_side``, else the largest."""
    ordered = sorted(choices, key=lambda r: int(r.rstrip("p")))
    covering = [r for r in ordered if int(r.rstrip("p")) >= short_side]
    return covering[0] if covering else ordered[-1]


def encode_still(path: Path, aspect: float, *, field: str = "request.image") -> EncodedImage:
    """The still as PNG/JPEG bytes, centre-cropped to ``aspect`` (width / height) and at most
    :data:`MAX_STILL_SIDE` on its long side; VideoGenInputError naming ``field`` when it is
    not a readable image."""
    try:
        raw = Path(path).read_bytes()
        with Image.open(io.BytesIO(raw)) as opened:
            opened.load()
            image = opened.copy()
            fmt = opened.format
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise VideoGenInputError(f"{field}={str(path)!r} is not a readable image: {exc}") from exc
    w, h = image.size
    changed = False
    if abs((w / h) / aspect - 1.0) > 0.01:
        if w / h > aspect:
            cw, ch = max(1, round(h * aspect)), h
        else:
            cw, ch = w, max(1, round(w / aspect))
        left, top = (w - cw) // 2, (h - ch) // 2
        image = image.crop((left, top, left + cw, top + ch))
        changed = True
    if max(image.size) > MAX_STILL_SIDE:
        scale = MAX_STILL_SIDE / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
        changed = True
    if not changed and fmt in ("PNG", "JPEG") and image.mode in ("RGB", "L"):
        return EncodedImage(raw, "image/png" if fmt == "PNG" else "image/jpeg")
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return EncodedImage(buffer.getvalue(), "image/png")


def expectation(request: ClipRequest, aspect: float) -> dict[str, float]:
    """What the provider's clip must look like, kept in ``Job.data`` for :func:`check_clip`."""
    return {
        "aspect": aspect,
        "min_short_side": min(request.width, request.height) / MAX_UPSCALE,
    }


def check_clip(path: Path, expect: dict[str, float], *, provider: str, job_id: str) -> None:
    """MediaError when the provider's clip is not what was asked: another aspect ratio, an
    implausible frame rate, or far too small for its slot (empty and truncated files fail in
    :func:`videogen.probe.probe_video` with their own MediaError)."""
    info = probe_video(path, decode=False)
    asked = expect.get("aspect")
    got = info.width / info.height
    where = f"the {provider} clip for job {job_id} ({info.width}x{info.height} at {info.fps:g} fps)"
    if asked and abs(got / asked - 1.0) > ASPECT_TOLERANCE:
        raise MediaError(
            f"{where} has aspect ratio {got:.3f}, but {asked:.3f} was asked for; not used"
        )
    if not FPS_RANGE[0] <= info.fps <= FPS_RANGE[1]:
        raise MediaError(
            f"{where} has an implausible frame rate (expected {FPS_RANGE[0]:g}…"
            f"{FPS_RANGE[1]:g} fps); not used"
        )
    smallest = expect.get("min_short_side", 0.0)
    if min(info.width, info.height) < smallest:
        raise MediaError(
            f"{where} is too small for its slot (short side under {smallest:.0f} px, more than"
            f" {MAX_UPSCALE:g}x upscaling); not used"
        )
