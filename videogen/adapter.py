"""The contract every video adapter fulfils, and what each one can do."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from videogen.request import ClipRequest

CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class Capabilities:
    """What an adapter's model can make; empty tuples mean "any"."""

    durations: tuple[float, ...] = ()  # the clip lengths in seconds the model makes
    min_duration: float = 0.0
    max_duration: float | None = None
    resolutions: tuple[str, ...] = ()  # e.g. ("480p", "720p")
    aspect_ratios: tuple[str, ...] = ()  # e.g. ("16:9", "9:16")
    fps: tuple[int, ...] = ()
    end_frame: bool = False  # can end on a given last frame (first+last-frame conditioning)
    audio_in: bool = False  # takes the song (or a stem) as input
    audio_out: bool = False  # makes sound of its own (export uses the song, not this)
    max_references: int = 1  # images it takes: the storyboard frame, plus references
    prompt: bool = False  # follows a text prompt
    local: bool = True  # runs on this machine (no provider, no key)

    def snap_duration(self, seconds: float) -> float:
        """The clip length to ask for when a shot lasts ``seconds``.

        The shortest length the model makes that covers the shot (the clip is then trimmed to
        its beat slot); when none does, the longest (the clip is then slowed or held: see
        :func:`videogen.conform.conform_clip`).
        """
        if not math.isfinite(seconds) or seconds <= 0:
            raise ValueError(f"a shot lasts a positive number of seconds, got {seconds!r}")
        if self.durations:
            covering = [d for d in sorted(self.durations) if d >= seconds - 1e-6]
            return covering[0] if covering else max(self.durations)
        snapped = max(seconds, self.min_duration)
        return min(snapped, self.max_duration) if self.max_duration else snapped


@runtime_checkable
class VideoAdapter(Protocol):
    """Turns a ClipRequest into an MP4 clip.

    ``generate`` writes exactly ``request.n_frames`` frames at ``request.fps`` and
    ``request.width``×``request.height``, yuv420p H.264, to ``out_path`` and returns it;
    ``cancel`` is polled while it works (GenerationCancelled when it says stop).
    """

    name: str
    version: str
    capabilities: Capabilities

    def generate(
        self, request: ClipRequest, out_path: Path, *, cancel: CancelFn | None = None
    ) -> Path: ...


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True)
class Job:
    """A clip being made by a provider: its id and whatever the provider needs to find it."""

    adapter: str
    id: str
    data: dict[str, Any] = field(default_factory=dict)  # e.g. status and result URLs


@dataclass(frozen=True)
class JobStatus:
    state: JobState
    progress: float | None = None  # 0 … 1 when the provider says
    error: str | None = None  # the provider's reason, when it failed


@runtime_checkable
class JobAdapter(Protocol):
    """An adapter whose clips are made elsewhere: submit, poll, cancel, fetch.

    ``fetch`` downloads the provider's clip as it is (any length, size, fps);
    :func:`videogen.jobs.run_job` conforms it to the request.
    """

    name: str
    version: str
    capabilities: Capabilities

    def submit(self, request: ClipRequest) -> Job: ...

    def poll(self, job: Job) -> JobStatus: ...

    def cancel(self, job: Job) -> None: ...

    def fetch(self, job: Job, out_path: Path) -> Path: ...


@dataclass(frozen=True)
class AdapterInfo:
    """Whether an adapter can run here, and why not if it cannot."""

    name: str
    available: bool
    detail: str
