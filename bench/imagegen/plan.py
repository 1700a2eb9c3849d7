"""What the GPU benchmark runs, its time estimates, and the budget that trims it.

Seconds per frame are estimated from the H100 diffusers anchors (shared/anchors): a transformer
step per reference count, the VAE, the text encoder; the engine's from the steps it still runs.
A measured frame rescales every estimate (``Budget.speed``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

COMPILE_WARM_S = 90.0  # estimate of one compile warm-up (s) until one is measured
MIN_DIFFUSERS, MIN_ENGINE = 3, 6


@dataclass(frozen=True)
class Part:
    """One storyboard on one model; seconds are per frame, estimated from the H100 anchors."""

    model: str
    variant: str
    refs: int
    target: float | None
    diffusers_s: float
    engine_s: float

    @property
    def name(self) -> str:
        return f"{self.model}{'-kv' if self.variant == 'klein-kv' else ''}/{self.refs} refs"


PARTS = (
    Part("klein-4b", "klein", 4, 1.5, 2.6, 2.35),
    Part("klein-9b", "klein-kv", 4, 2.5, 2.15, 1.1),
    Part("klein-9b", "klein-kv", 10, None, 5.1, 1.6),
)
BUILD_S = {"klein-4b": 20.0, "klein-9b": 35.0}
APPROX_SPEED = {"compile": 0.75, "fp8": 0.55}  # expected engine time against eager


class Budget:
    """Seconds left, and the estimates that decide what still fits."""

    def __init__(self, started: float, seconds: float) -> None:
        self.deadline = started + seconds
        self.speed = 1.0  # measured diffusers frame / anchor estimate
        self.compile_s = COMPILE_WARM_S

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def exact_cost(
        self,
        parts: list[Part],
        built: set[str],
        dframes: int,
        frames: int,
        *,
        loop_left: int | None = None,
    ) -> float:
        """Seconds for ``parts``: builds, each part's warm-up frame, ``dframes`` diffusers frames
        and ``frames`` engine frames; the first part has ``loop_left`` diffusers frames to go
        when given (its loop has started)."""
        cost = sum(BUILD_S[m] * self.speed for m in {p.model for p in parts} - built)
        for index, part in enumerate(parts):
            loop = loop_left if loop_left is not None and index == 0 else dframes + 1
            cost += (loop * part.diffusers_s + frames * part.engine_s) * self.speed
        return cost

    def engine_frames(self, parts: list[Part], built: set[str], dframes: int, frames: int) -> int:
        """The most engine frames, ≤ ``frames``, that fit once the first part's diffusers loop
        is done, the parts after it assumed to run as many (and ``dframes`` diffusers frames)."""
        while frames > MIN_ENGINE and self.over(parts, built, dframes, frames, loop_left=0):
            frames -= 1
        return frames

    def over(self, *args: Any, **kwargs: Any) -> bool:
        return self.exact_cost(*args, **kwargs) > self.left()
