"""The contract every video adapter fulfils."""

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from videogen.request import ClipRequest


@runtime_checkable
class VideoAdapter(Protocol):
    """Turns a ClipRequest into an MP4 clip.

    ``generate`` writes exactly ``request.n_frames`` frames at ``request.fps`` and
    ``request.width``×``request.height``, yuv420p H.264, to ``out_path`` and returns it.
    """

    name: str
    version: str

    def generate(self, request: ClipRequest, out_path: Path) -> Path: ...


@dataclass(frozen=True)
class AdapterInfo:
    """Whether an adapter can run here, and why not if it cannot."""

    name: str
    available: bool
    detail: str
