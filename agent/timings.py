"""Learned rates: the seconds one unit of work took on this machine, as moving averages.

``timings.json`` in the data dir maps a key (stage / engine or adapter / size) to the moving
average of seconds per unit (per image drawn, per video frame made), with the number of samples
and units behind it. Writes are atomic (a temporary file renamed over the old one). A file that
cannot be read is ignored with a warning and replaced on the next write; two runs writing at
once may lose a sample, which only slows the learning.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from videogen import ClipRequest, VideoAdapter
    from videogen.adapter import CancelFn

logger = logging.getLogger(__name__)

FILENAME = "timings.json"
SMOOTHING = 0.3  # weight of the newest sample in the moving average


@dataclass(frozen=True)
class Rate:
    """Seconds per unit (moving average) and how many samples and units it rests on."""

    seconds: float
    samples: int
    units: int


def timing_key(stage: str, worker: str, width: int, height: int) -> str:
    """``stage/worker/WxH``, e.g. ``storyboard/previz/1280x720`` or ``video/motion/640x360``."""
    return f"{stage}/{worker}/{width}x{height}"


def worker_label(name: str, variant: str = "") -> str:
    """An engine or adapter with its variant, e.g. ``flux2:klein-9b-kv``; the name alone if none."""
    return f"{name}:{variant}" if variant else name


def load_timings(data_dir: Path) -> dict[str, Rate]:
    """Every learned rate in ``data_dir``; empty (with a warning) when the file is unreadable."""
    path = Path(data_dir) / FILENAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {str(key): _rate(value) for key, value in raw.items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError, AttributeError, KeyError) as exc:
        logger.warning("ignoring the timings file %s, which cannot be read: %s", path, exc)
        return {}


def _rate(value: Any) -> Rate:
    rate = Rate(float(value["seconds"]), int(value["samples"]), int(value["units"]))
    if not (math.isfinite(rate.seconds) and rate.seconds >= 0 and rate.samples > 0):
        raise ValueError(f"bad entry {value!r}")
    return rate


def record_timing(data_dir: Path, key: str, seconds: float, units: int) -> Rate | None:
    """Fold ``seconds`` spent on ``units`` units into ``key``'s rate and save it.

    Returns the new rate; None when nothing was recorded (no units, or the file could not be
    written, which is logged: a render never fails for its timings).
    """
    if units < 1 or not math.isfinite(seconds) or seconds < 0:
        return None
    sample = seconds / units
    timings = load_timings(data_dir)
    old = timings.get(key)
    if old is None:
        new = Rate(sample, 1, units)
    else:
        average = SMOOTHING * sample + (1 - SMOOTHING) * old.seconds
        new = Rate(average, old.samples + 1, old.units + units)
    timings[key] = new
    try:
        _write(Path(data_dir) / FILENAME, {k: asdict(v) for k, v in sorted(timings.items())})
    except OSError as exc:
        logger.warning("could not save timings to %s: %s", data_dir, exc)
        return None
    return new


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class TimedAdapter:
    """A video adapter that records the seconds per output frame of every clip it makes.

    Name and version are the wrapped adapter's, so cache keys do not change.
    """

    def __init__(self, adapter: VideoAdapter, data_dir: Path) -> None:
        self.inner = adapter
        self.name = adapter.name
        self.version = adapter.version
        self.capabilities = adapter.capabilities
        self.data_dir = data_dir

    def generate(
        self, request: ClipRequest, out_path: Path, *, cancel: CancelFn | None = None
    ) -> Path:
        started = time.perf_counter()
        made = self.inner.generate(request, out_path, cancel=cancel)
        key = timing_key("video", self.name, request.width, request.height)
        record_timing(self.data_dir, key, time.perf_counter() - started, request.n_frames)
        return made

    def __getattr__(self, name: str) -> Any:  # the adapter's own settings (crf, preset, …)
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)
