"""The edit: OpenTimelineIO-shaped tracks of clips, gaps and transitions, in frames."""

import math
from bisect import bisect_right
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from videogen._model import VideoGenModel
from videogen.errors import VideoGenInputError
from videogen.request import check_frame_side


def seconds_to_frames(t: float, rate: int) -> int:
    """Frame index at ``t`` seconds, rounding half up (half a frame → the next frame).

    A billionth of a frame of tolerance keeps halves that binary floats store a hair low
    (``1/48`` s at 24 fps) rounding up.
    """
    _check_rate(rate)
    if not math.isfinite(t):
        raise VideoGenInputError(f"t must be a finite number of seconds, got t={t!r}")
    return math.floor(float(t) * rate + 0.5 + 1e-9)


def frames_to_seconds(f: int, rate: int) -> float:
    """Time in seconds of frame ``f`` at ``rate`` frames per second."""
    _check_rate(rate)
    return f / rate


def _check_rate(rate: int) -> None:
    if isinstance(rate, bool) or not isinstance(rate, int) or rate < 1:
        raise VideoGenInputError(f"rate must be a positive whole number of fps, got rate={rate!r}")


class TimelineClip(VideoGenModel):
    """A stretch of one media file: ``duration`` frames from ``source_start``."""

    kind: Literal["clip"] = "clip"
    name: str
    media: str
    """Media reference; the caller's resolver turns it into a file."""
    source_start: int = Field(default=0, ge=0)
    duration: int = Field(ge=1)
    shot_index: int | None = None


class Gap(VideoGenModel):
    """Black for ``duration`` frames."""

    kind: Literal["gap"] = "gap"
    duration: int


class Transition(VideoGenModel):
    """A transition between its neighbours; takes no time on the track of its own."""

    kind: Literal["transition"] = "transition"
    name: str
    transition_type: Literal["cut", "crossfade", "dip-to-black"] = "cut"
    in_offset: int = Field(default=0, ge=0)
    """Frames of the outgoing item the transition overlaps."""
    out_offset: int = Field(default=0, ge=0)
    """Frames of the incoming item the transition overlaps."""


Item = Annotated[TimelineClip | Gap | Transition, Field(discriminator="kind")]


class TextOverlay(VideoGenModel):
    """Text shown over the picture from frame ``start`` for ``duration`` frames (a lyric line,
    a caption or a title); overlays of one style never overlap each other."""

    kind: Literal["text"] = "text"
    text: str = Field(min_length=1, max_length=300)
    start: int = Field(ge=0)
    duration: int = Field(ge=1)
    style: Literal["lyric", "caption", "title"] = "lyric"

    @property
    def end(self) -> int:
        return self.start + self.duration


class Track(VideoGenModel):
    """Items played one after another."""

    name: str
    kind: Literal["video"] = "video"
    items: list[Item] = Field(default_factory=list)


class Timeline(VideoGenModel):
    """The cut, with the song as master clock: ``duration`` frames at ``rate`` fps."""

    name: str
    rate: int = Field(ge=1, le=120)
    duration: int = Field(ge=1)
    audio: str | None = None
    """Media reference of the soundtrack."""
    width: int
    height: int
    tracks: list[Track] = Field(default_factory=list)
    overlays: list[TextOverlay] = Field(default_factory=list)

    @field_validator("width", "height")
    @classmethod
    def _even_side(cls, value: int, info: ValidationInfo) -> int:
        return check_frame_side(info.field_name or "side", value)

    @property
    def seconds(self) -> float:
        """Length in seconds."""
        return self.duration / self.rate

    def video_track(self) -> Track:
        """The first video track (the one export renders)."""
        for track in self.tracks:
            if track.kind == "video":
                return track
        raise VideoGenInputError(f"timeline {self.name!r} has no video track")

    def validate_layout(self) -> None:
        """Check the first video track covers exactly ``duration`` frames, without holes.

        Raises VideoGenInputError naming the offending item.
        """
        track = self.video_track()
        if not track.items:
            raise VideoGenInputError(f"track {track.name!r} is empty; it must cover the timeline")
        for i, item in enumerate(track.items):
            where = f"track {track.name!r} item {i} ({_label(item)})"
            if isinstance(item, Transition):
                _check_transition(track, i, where)
            elif item.duration < 1:
                raise VideoGenInputError(
                    f"{where} has duration={item.duration}; every clip and gap needs ≥ 1 frame"
                )
        total = 0
        for i, item in enumerate(track.items):
            if isinstance(item, Transition):
                continue
            total += item.duration
            if total > self.duration:
                raise VideoGenInputError(
                    f"track {track.name!r} item {i} ({_label(item)}) ends at frame {total}, "
                    f"past the timeline's duration={self.duration} by {total - self.duration} "
                    "frames (items overlap the end)"
                )
        if total != self.duration:
            raise VideoGenInputError(
                f"track {track.name!r} items cover {total} frames but the timeline's "
                f"duration={self.duration}; {self.duration - total} frames are unfilled "
                "(add a gap or lengthen the last item)"
            )
        self._check_overlays()

    def _check_overlays(self) -> None:
        last: dict[str, TextOverlay] = {}
        for overlay in sorted(self.overlays, key=lambda o: o.start):
            if overlay.end > self.duration:
                raise VideoGenInputError(
                    f"text overlay {overlay.text!r} ends at frame {overlay.end}, past the "
                    f"timeline's duration={self.duration}; shorten it"
                )
            previous = last.get(overlay.style)
            if previous is not None and overlay.start < previous.end:
                raise VideoGenInputError(
                    f"text overlays {previous.text!r} and {overlay.text!r} overlap (frames "
                    f"{overlay.start}…{previous.end - 1}); one {overlay.style} line at a time"
                )
            last[overlay.style] = overlay

    def item_starts(self) -> list[tuple[int, TimelineClip | Gap]]:
        """(start frame, item) for each clip and gap of the first video track, in order."""
        starts: list[tuple[int, TimelineClip | Gap]] = []
        frame = 0
        for item in self.video_track().items:
            if not isinstance(item, Transition):
                starts.append((frame, item))
                frame += item.duration
        return starts

    def item_at(self, frame: int) -> tuple[int, TimelineClip | Gap]:
        """(start frame, item) covering ``frame`` on the first video track."""
        starts = self.item_starts()
        i = bisect_right([s for s, _ in starts], frame) - 1
        if i < 0 or not 0 <= frame < self.duration:
            raise VideoGenInputError(
                f"frame={frame} is outside the timeline (0…{self.duration - 1})"
            )
        return starts[i]

    def cut_frames(self) -> list[int]:
        """Frames where a new item starts on the first video track (frame 0 excluded)."""
        return [s for s, _ in self.item_starts() if 0 < s < self.duration]

    def cut_times(self) -> list[float]:
        """``cut_frames`` in seconds."""
        return [frames_to_seconds(f, self.rate) for f in self.cut_frames()]


def _label(item: TimelineClip | Gap | Transition) -> str:
    if isinstance(item, Gap):
        return "gap"
    return f"{item.kind} {item.name!r}"


def _check_transition(track: Track, i: int, where: str) -> None:
    items = track.items
    transition = items[i]
    before = items[i - 1] if i > 0 else None
    after = items[i + 1] if i + 1 < len(items) else None
    if (
        not isinstance(transition, Transition)
        or before is None
        or after is None
        or isinstance(before, Transition)
        or isinstance(after, Transition)
    ):
        raise VideoGenInputError(f"{where} must sit between two clips or gaps")
    if transition.in_offset > before.duration:
        raise VideoGenInputError(
            f"{where} has in_offset={transition.in_offset}, longer than the "
            f"{before.duration} frames of the item before it"
        )
    if transition.out_offset > after.duration:
        raise VideoGenInputError(
            f"{where} has out_offset={transition.out_offset}, longer than the "
            f"{after.duration} frames of the item after it"
        )
