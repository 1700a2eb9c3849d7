"""Per-frame camera plan for the motion adapter: crop window and brightness per frame.

The window is described in unit coordinates of the fitted still: zoom ``z`` (≥ 1, the
window is ``1/z`` of the frame on each side) and a centre that always keeps the window
inside the frame.
"""

import math
import random
from dataclasses import dataclass

import numpy as np

from videogen.request import ClipRequest

PUSH_ZOOM = 0.12
"""Zoom added over a push-in / pull-out at intensity 1 (1.0 → 1.12)."""
PAN_ZOOM = 0.10
"""Zoom of the frame a pan or tilt sweeps across, at intensity 1."""
DRIFT_ZOOM = 0.03
"""Static shots: base zoom and (half of it) slow creep, at intensity 1."""
PULSE_ZOOM = 0.015
"""Zoom bump at a pulse peak, at intensity 1."""
PULSE_GAIN = 0.05
"""Luma gain added at a pulse peak, at intensity 1."""
PULSE_LIFT = 4.0
"""Luma lift (0…255 levels) added at a pulse peak, at intensity 1."""
PULSE_ATTACK_FRAMES = 2.0
"""The pulse rises over this many frames before the downbeat and peaks on it."""
PULSE_DECAY = 0.06
"""Pulse decay time constant in seconds: down to 8 % after 0.15 s."""
PARALLAX_GAIN = 0.6
"""At parallax 1 the nearest things travel 1 + this times as far as the plane in focus, and
the farthest 1 − this times (see ``videogen.parallax``)."""


@dataclass(frozen=True)
class CameraPlan:
    """Per-frame arrays, each of length ``n_frames``."""

    zoom: np.ndarray
    """Window zoom, ≥ 1."""
    centre_x: np.ndarray
    """Window centre in 0…1 of the frame width."""
    centre_y: np.ndarray
    """Window centre in 0…1 of the frame height."""
    pulse: np.ndarray
    """Pulse envelope 0…1 (drives the brightness lift)."""
    parallax: float = 0.0
    """How much more near things move than far ones (``PARALLAX_GAIN`` × the request's)."""

    def boxes(self, width: float, height: float) -> np.ndarray:
        """Crop boxes ``(n, 4)`` as left, top, right, bottom in a ``width``×``height`` source."""
        half = 0.5 / self.zoom
        return np.stack(
            [
                (self.centre_x - half) * width,
                (self.centre_y - half) * height,
                (self.centre_x + half) * width,
                (self.centre_y + half) * height,
            ],
            axis=1,
        )


def ease(p: np.ndarray) -> np.ndarray:
    """Sine ease-in-out of progress 0…1."""
    return 0.5 - 0.5 * np.cos(np.pi * p)


def pulse_envelope(times: np.ndarray, pulses: tuple[float, ...], fps: int) -> np.ndarray:
    """Envelope 0…1: a half-cosine rise over two frames up to each pulse, exponential decay.

    Splitting the rise and the fall over several frames keeps every frame-to-frame step
    small, so scene-change detectors do not mistake the pulse for a cut.
    """
    env = np.zeros_like(times)
    attack = PULSE_ATTACK_FRAMES / fps
    for at in pulses:
        dt = times - at
        rise = (dt >= -attack) & (dt < 0)
        env[rise] += 0.5 - 0.5 * np.cos(np.pi * (dt[rise] + attack) / attack)
        after = dt >= 0
        env[after] += np.exp(-dt[after] / PULSE_DECAY)
    return np.minimum(env, 1.0)


def plan_camera(request: ClipRequest) -> CameraPlan:
    """The camera move and pulses of ``request``, frame by frame."""
    n = request.n_frames
    k = request.intensity
    p = np.arange(n, dtype=np.float64) / max(n - 1, 1)
    e = ease(p)
    zero = np.zeros(n)
    u_x, u_y = zero, zero
    move = request.camera
    if move == "push-in":
        zoom = 1.0 + PUSH_ZOOM * k * e
    elif move == "pull-out":
        zoom = 1.0 + PUSH_ZOOM * k * (1.0 - e)
    elif move in ("pan-left", "pan-right", "tilt-up", "tilt-down"):
        zoom = np.full(n, 1.0 + PAN_ZOOM * k)
        # Travel in -1…1 of the free margin; the window moves the way the camera turns.
        sweep = 2.0 * e - 1.0
        if move == "pan-left":
            u_x = -sweep
        elif move == "pan-right":
            u_x = sweep
        elif move == "tilt-up":
            u_y = -sweep
        else:
            u_y = sweep
    else:  # static: a slow seeded drift so the shot still breathes
        zoom = 1.0 + DRIFT_ZOOM * k * (1.0 + 0.5 * p)
        angle = random.Random(request.seed).uniform(0.0, 2.0 * math.pi)
        drift = p - 0.5
        u_x, u_y = drift * math.cos(angle), drift * math.sin(angle)
    times = np.arange(n, dtype=np.float64) / request.fps
    pulse = pulse_envelope(times, request.pulses, request.fps)
    zoom = zoom * (1.0 + PULSE_ZOOM * k * pulse)
    margin = 0.5 - 0.5 / zoom
    parallax = PARALLAX_GAIN * request.parallax
    # With parallax the nearest things travel (1 + parallax) times the window: the window
    # travels that much less, so they too stay inside the still.
    travel = margin / (1.0 + parallax)
    return CameraPlan(
        zoom=zoom,
        centre_x=0.5 + u_x * travel,
        centre_y=0.5 + u_y * travel,
        pulse=pulse,
        parallax=parallax,
    )


def luma_table(pulse: float, intensity: float) -> list[int] | None:
    """``Image.point`` table lifting video-range (16…235) luma for a pulse; None if no change."""
    gain = 1.0 + PULSE_GAIN * intensity * pulse
    lift = PULSE_LIFT * intensity * pulse
    levels = np.arange(256)
    full = (levels - 16.0) * (255.0 / 219.0)
    lifted = np.clip(full * gain + lift, 0.0, 255.0)
    table = np.where(levels < 16, levels, (16.0 + lifted * (219.0 / 255.0)).round())
    if np.array_equal(table, levels):
        return None
    return table.astype(int).tolist()
