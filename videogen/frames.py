"""Frame lookup for export: timeline frame index → the right frame of the right file."""

import logging
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from videogen.errors import MediaError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Segment:
    """One clip or gap placed on the timeline; ``path`` None means black."""

    start: int
    duration: int
    path: Path | None = None
    source_start: int = 0
    name: str = "gap"


class FrameSource:
    """MoviePy frame function over the segments of a track.

    Time ``t`` maps to timeline frame ``round(t * rate)``; a clip's frame ``k`` is read at
    ``(k + 0.5) / fps``, the middle of the source frame, so float error cannot pick a
    neighbour. One decoder is open at a time; it is replaced when playback moves on.
    """

    def __init__(self, segments: list[Segment], width: int, height: int, rate: int) -> None:
        self._segments = segments
        self._starts = [s.start for s in segments]
        self._total = segments[-1].start + segments[-1].duration
        self._rate = rate
        self._shape = (height, width, 3)
        self._black = np.zeros(self._shape, dtype=np.uint8)
        self._open_path: Path | None = None
        self._reader: Any = None

    def frame_at(self, t: float) -> np.ndarray:
        """The RGB frame shown at ``t`` seconds."""
        index = min(max(round(t * self._rate), 0), self._total - 1)
        segment = self._segments[bisect_right(self._starts, index) - 1]
        if segment.path is None:
            return self._black
        reader = self._reader_for(segment.path)
        k = segment.source_start + index - segment.start
        frame = reader.get_frame((k + 0.5) / reader.fps)
        if frame.shape != self._shape:
            raise MediaError(
                f"clip {segment.name!r}: frame {k} of {str(segment.path)!r} has shape "
                f"{frame.shape}, expected {self._shape}"
            )
        return np.asarray(frame)

    def _reader_for(self, path: Path) -> Any:
        if path != self._open_path:
            from moviepy import VideoFileClip

            self.close()
            logger.debug("opening %s", path)
            self._reader = VideoFileClip(str(path), audio=False)
            self._open_path = path
        return self._reader

    def close(self) -> None:
        """Close the open decoder, if any."""
        if self._reader is not None:
            self._reader.close()
        self._reader = None
        self._open_path = None
