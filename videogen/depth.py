"""A coarse depth guess for a still, from image cues alone — no depth model, no weights.

Two cues, as a painter reads a picture: what is in focus is near (storyboard frames keep
the subject sharp and let the background go soft), and lower in the frame is nearer (the
ground plane runs towards the camera). Where the frame is evenly sharp the focus cue carries
no information and the ground plane decides. The result is smooth on purpose: the motion
adapter bends the frame by it, and a smooth field bends without tearing.
"""

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

ANALYSIS_WIDTH = 256
"""The still is judged at this width (sharpness is relative, so detail finer than this is
not needed)."""
FOCUS_WEIGHT = 0.65
"""Share of the focus cue when the frame has a clear sharp/soft split."""
FOCUS_CONTRAST = 2.0
"""Spread (in log sharpness) at which the focus cue is fully trusted."""
SMOOTHING = 0.08
"""Gaussian sigma of the final field, as a share of the analysis width."""


def estimate_depth(img: "Image.Image") -> np.ndarray:
    """Nearness over ``img`` as a float array at analysis size: +1 nearest, −1 farthest."""
    from PIL import Image
    from scipy.ndimage import gaussian_filter, laplace

    height = max(8, round(img.height * ANALYSIS_WIDTH / img.width))
    gray = img.convert("L").resize((ANALYSIS_WIDTH, height), Image.Resampling.BOX)
    luma = np.asarray(gray, dtype=np.float64) / 255.0
    energy = gaussian_filter(laplace(luma) ** 2, sigma=ANALYSIS_WIDTH / 24)
    focus = np.log(energy + 1e-6)
    low, high = np.percentile(focus, [5, 95])
    trust = float(np.clip((high - low) / FOCUS_CONTRAST, 0.0, 1.0))
    focus = np.clip((focus - low) / max(high - low, 1e-9), 0.0, 1.0)
    ground = np.broadcast_to(np.linspace(0.0, 1.0, height)[:, None], focus.shape)
    weight = FOCUS_WEIGHT * trust
    field = gaussian_filter(weight * focus + (1.0 - weight) * ground, SMOOTHING * ANALYSIS_WIDTH)
    low, high = np.percentile(field, [2, 98])
    if high - low < 1e-6:
        return np.zeros_like(field)
    return np.clip(2.0 * (field - low) / (high - low) - 1.0, -1.0, 1.0)


def sample_depth(depth: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``depth`` read bilinearly at unit coordinates ``x``, ``y`` (0…1 of width and height)."""
    from scipy.ndimage import map_coordinates

    rows, cols = depth.shape
    coords = np.stack([np.clip(y, 0, 1) * (rows - 1), np.clip(x, 0, 1) * (cols - 1)])
    return map_coordinates(depth, coords.reshape(2, -1), order=1).reshape(x.shape)
