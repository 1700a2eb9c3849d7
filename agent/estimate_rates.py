"""Default per-unit costs for estimates, until this machine has learned its own (agent.timings).

CPU defaults (previz, motion, export) were measured on a shared 2-core CPU (2026-11-27) with
real renders of the demo's first 30 s (tests/conftest.py ``short_track``: 7 shots, 720 frames)::

    STORYBEAT_DATA_DIR=$(mktemp -d) storybeat -v render short.wav --resolution 360p -o a.mp4
    STORYBEAT_DATA_DIR=$(mktemp -d) storybeat -v render short.wav --resolution 720p -o b.mp4

reading the learned rates (timings.json) for images and clips and the export log line
("exported …: 720 frames … in N s"). Measured per unit:

    previz image     512x512 0.032-0.034 s   640x368 0.035 s   1280x720 0.091 s
    motion frame     640x360 0.0101 s        1280x720 0.0321 s   (with parallax, see below)
    export frame     640x360 0.0104 s        1280x720 0.0226 s

and fitted as ``seconds = fixed + per_mp * megapixels`` per unit (below).

FLUX.2 seconds per image were measured on one H100 (1024x1024, 4 steps, bf16, eager, 2026-11-27,
``python bench/imagegen/gpu.py``); they are scaled by pixel count and, for klein-9B-kv, by
reference count. FLUX.2 on a CPU was not measured: there is no CPU figure.

flux2-api prices are Black Forest Labs' list prices (docs.bfl.ai/quick_start/pricing, read
2026-11): the first megapixel of an image, then each further megapixel, input (reference)
images counting towards the megapixels. Check the current prices; STORYBEAT_FLUX2_API_PRICE
sets a flat USD price per image instead.
"""

from __future__ import annotations

from dataclasses import dataclass

MEASURED_ON = "measured with `storybeat render` of the 30 s demo excerpt on a 2-core CPU"
FLUX2_MEASURED_ON = (
    "measured on an H100 at 1024x1024, 4 steps, bf16 with `python bench/imagegen/gpu.py`"
)
FLUX2_PIXELS = 1024 * 1024
BFL_PRICES_READ = "BFL list price (docs.bfl.ai/quick_start/pricing, read 2026-11; check it)"


@dataclass(frozen=True)
class Linear:
    """Seconds per unit: ``fixed + per_mp * megapixels`` of the unit's picture."""

    fixed: float
    per_mp: float

    def seconds(self, width: int, height: int) -> float:
        return self.fixed + self.per_mp * width * height / 1e6


# Per image drawn, encoded and stored.
IMAGE_DEFAULTS: dict[str, Linear] = {"previz": Linear(0.016, 0.082)}
# Per output video frame of a clip.
# motion with parallax (2026-11-27): 1280x720 from `storybeat demo` (1,778 clip frames with
# their handles; timings.json), 640x360 from a 96-frame pan; before parallax 0.0217 / 0.0085.
ADAPTER_DEFAULTS: dict[str, Linear] = {"motion": Linear(0.0028, 0.0318)}
# Per frame of the exported cut (MoviePy frames → libx264 veryfast + AAC).
EXPORT_DEFAULT = Linear(0.0063, 0.0177)

# FLUX.2 label (imagegen.flux2.variants.WeightsInfo.label) → {references: seconds per image}.
FLUX2_H100: dict[str, dict[int, float]] = {
    "klein-4b": {4: 2.33},
    "klein-9b-kv": {4: 1.19, 10: 1.73},
}


def flux2_seconds(label: str, references: int, width: int, height: int) -> float | None:
    """H100 seconds for one FLUX.2 image, or None for a variant never measured.

    Linear in the reference count between (and beyond) measured counts; a variant measured at
    one count keeps that figure. Scaled by pixel count from 1024x1024.
    """
    points = FLUX2_H100.get(label)
    if points is None:
        return None
    counts = sorted(points)
    if len(counts) == 1:
        seconds = points[counts[0]]
    else:
        low, high = counts[0], counts[-1]
        slope = (points[high] - points[low]) / (high - low)
        seconds = points[low] + slope * (references - low)
    return max(seconds, 0.0) * width * height / FLUX2_PIXELS


@dataclass(frozen=True)
class ApiPrice:
    """USD for the first megapixel of an image and for each further one (inputs included)."""

    first_mp: float
    extra_mp: float

    def per_image(self, megapixels: float) -> float:
        return self.first_mp + self.extra_mp * max(megapixels - 1.0, 0.0)


API_PRICES: dict[str, ApiPrice] = {
    "pro": ApiPrice(0.03, 0.015),
    "max": ApiPrice(0.07, 0.03),
    "flex": ApiPrice(0.05, 0.05),
}
UPLOAD_MEGAPIXELS = 1.0  # an upload's size is not read; counted as 1 MP in API prices
