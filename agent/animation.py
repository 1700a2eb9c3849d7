"""Video Generation, one shot at a time: the clip request, the adapter, and the fallback.

A clip the configured adapter fails to make (a provider error, a model crash, a bad clip)
does not stop the project: the storyboard still with the `motion` adapter's camera move
stands in, the project records why, and the next run asks the adapter again (stand-ins are
never cached under the adapter's key). After a refused key the provider is not asked again
in that run.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from agent.errors import RenderCancelled
from agent.motion_notes import parse_motion
from agent.planner.vocabulary import DEFAULT_PARALLAX, PARALLAX_BY_SHOT
from agent.schemas import Shot
from agent.studio import Studio
from storage import cache_get, cache_put
from videogen import (
    ClipRequest,
    MotionAdapter,
    ProviderAuthError,
    VideoAdapter,
    seconds_to_frames,
)
from videogen import GenerationCancelled as VideoCancelled

logger = logging.getLogger(__name__)

STAND_IN = "motion"
MIN_HANDLE, MAX_HANDLE = 0.25, 1.0  # seconds of handle a clip has past each end of its slot


def handle_frames(tempo: float, steady: bool, fps: int) -> int:
    """Frames each clip is made beyond both ends of its slot: one beat (¼…1 s; ½ s without a
    steady beat), so a cut can move by a beat in the timeline and dissolves show motion."""
    seconds = 60.0 / tempo if steady and tempo > 0 else 0.5
    return round(min(max(seconds, MIN_HANDLE), MAX_HANDLE) * fps)


@dataclass(frozen=True)
class Clip:
    """A made (or reused) clip: its media ref, and why a stand-in was used, if one was."""

    media: str
    camera: str
    stand_in_reason: str | None = None


@dataclass
class Animator:
    """Makes one clip per shot with the studio's adapter, caching by the full request."""

    studio: Studio
    fps: int
    size: tuple[int, int]
    downbeats: list[float]
    handle: int = 0  # frames made past each end of the shot's slot (see handle_frames)
    refused: str | None = None  # the provider refused the key: stand-ins for the rest
    work: Path = field(init=False)

    def __post_init__(self) -> None:
        self.work = self.studio.settings.data_dir / "tmp"
        self.work.mkdir(parents=True, exist_ok=True)

    def request(self, shot: Shot, frame: Path, note: str = "") -> ClipRequest:
        """The clip request for ``shot`` drawn as ``frame``; ``note`` is the musician's motion
        instruction when the clip was quoted."""
        first = seconds_to_frames(shot.start, self.fps) - self.handle
        end = seconds_to_frames(shot.end, self.fps) + self.handle
        camera, intensity = shot.camera, 0.5 + 0.5 * shot.energy  # ≤ 1: inside title-safe
        parallax = PARALLAX_BY_SHOT.get(shot.shot_type, DEFAULT_PARALLAX)
        if note:
            motion = parse_motion(note)
            camera = motion.camera or camera
            intensity = min(intensity * motion.strength, 2.0)
            parallax = parallax if motion.parallax is None else motion.parallax
        return ClipRequest(
            image=frame,
            width=self.size[0],
            height=self.size[1],
            fps=self.fps,
            n_frames=end - first,
            camera=camera,
            pulses=tuple(
                round(t - first / self.fps, 4)
                for t in self.downbeats
                if first / self.fps + 0.05 < t < end / self.fps
            ),
            intensity=intensity,
            parallax=parallax,
            seed=shot.seed,
            prompt=f"{shot.subject} {shot.action}" + (f", {note}" if note else ""),
        )

    def clip(self, request: ClipRequest, number: int) -> Clip:
        """The clip for ``request`` (shot ``number``, from 1): from the cache, the adapter, or
        the stand-in when the adapter fails."""
        adapter = self.studio.adapter
        stats = self.studio.stat("video")
        key = request.cache_key(adapter.name, adapter.version)
        with self.studio.db.session() as session:
            hit = cache_get(session, key)
        if hit is not None and hit.media and self.studio.media.exists(hit.media):
            stats.reused += 1
            return Clip(hit.media, request.camera)
        stats.made += 1
        reason = self.refused
        if reason is None:
            try:
                media = self._generate(adapter, request)
            except (VideoCancelled, RenderCancelled) as exc:
                raise RenderCancelled("cancelled during video generation") from exc
            except Exception as exc:  # any failure of one clip: the still stands in
                if adapter.name == STAND_IN:
                    raise
                logger.debug("shot %d: %s failed", number, adapter.name, exc_info=True)
                reason = " ".join(str(exc).split()) or type(exc).__name__
                if isinstance(exc, ProviderAuthError):
                    self.refused = reason
            else:
                with self.studio.db.session() as session:
                    cache_put(session, key, kind="clip", media=media)
                return Clip(media, request.camera)
        self.studio.on_event(
            f"shot {number}: {adapter.name} could not make the clip ({reason}); the storyboard"
            " still with camera motion stands in"
        )
        return Clip(self._generate(MotionAdapter(), request), request.camera, reason)

    def _generate(self, adapter: VideoAdapter, request: ClipRequest) -> str:
        with tempfile.TemporaryDirectory(dir=self.work) as tmp:
            made = adapter.generate(request, Path(tmp) / "clip.mp4", cancel=self.studio.cancel)
            return self.studio.media.put_file(made)
