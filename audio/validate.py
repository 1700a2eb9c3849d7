"""Shared checks on sample arrays handed to the analysis functions."""

from __future__ import annotations

import numpy as np

from audio.errors import AudioInputError


def check_samples(y: np.ndarray, sr: int, *, min_rate: int = 1) -> None:
    """Raise `AudioInputError` unless `y` is finite, 1-D, non-empty and `sr` ≥ `min_rate` Hz."""
    if not isinstance(y, np.ndarray) or y.ndim != 1 or y.size == 0:
        shape = getattr(y, "shape", type(y).__name__)
        raise AudioInputError(f"y must be a non-empty 1-D sample array, got shape {shape}")
    if not np.all(np.isfinite(y)):
        raise AudioInputError("y holds NaN or infinite samples; decode the track again")
    if int(sr) != sr or sr < max(min_rate, 1):
        raise AudioInputError(
            f"sr must be an integer sample rate of at least {min_rate} Hz, got {sr}"
        )
