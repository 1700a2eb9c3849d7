"""The edit: OpenTimelineIO-shaped tracks of clips, gaps and transitions, in frames.

Transitions follow OpenTimelineIO: they take no time on the track; one at the cut between
items A and B covers frames ``cut - in_offset … cut + out_offset - 1``, so a crossfade shows
``out_offset`` frames of A past its out-point and ``in_offset`` frames of B before its
in-point (the *handles*). See ``Transition.weights`` for what each frame shows.
"""

import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import Annotated, Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

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


MIN_SPEED, MAX_SPEED = 0.25, 4.0


class TimelineClip(VideoGenModel):
    """A stretch of one media file: ``duration`` timeline frames from source frame
    ``source_start``, played at ``speed`` (2.0 reads every other source frame, 0.5 shows
    each source frame twice; no frame blending)."""

    kind: Literal["clip"] = "clip"
    name: str
    media: str
    """Media reference; the caller's resolver turns it into a file."""
    source_start: int = Field(default=0, ge=0)
    duration: int = Field(ge=1)
    speed: float = Field(default=1.0, ge=MIN_SPEED, le=MAX_SPEED)
    shot_index: int | None = None
    source_frames: int | None = Field(default=None, ge=1)
    """Frames the media has, when known (OTIO's available range): edits cannot show more."""

    def source_frame(self, i: int) -> int:
        """Source frame shown at the clip's ``i``-th timeline frame (``i`` may fall outside
        ``0 … duration - 1``: transitions read handles there)."""
        return self.source_start + math.floor(i * self.speed + 1e-9)

    @property
    def source_end(self) -> int:
        """One past the last source frame the clip's own frames use."""
        return self.source_frame(self.duration - 1) + 1


class Gap(VideoGenModel):
    """Black for ``duration`` frames."""

    kind: Literal["gap"] = "gap"
    duration: int


TransitionType = Literal["cut", "crossfade", "dip-to-black"]
TRANSITION_TYPES: tuple[str, ...] = ("cut", "crossfade", "dip-to-black")


class Transition(VideoGenModel):
    """A transition between its neighbours; takes no time on the track of its own.

    It covers ``in_offset`` frames before the cut and ``out_offset`` frames after it
    (OpenTimelineIO's meaning): a centred crossfade of 6 frames is ``in_offset=3,
    out_offset=3``; one starting at the cut is ``in_offset=0, out_offset=6``. A cut has
    both at 0; a crossfade or dip needs at least one frame.
    """

    kind: Literal["transition"] = "transition"
    name: str
    transition_type: TransitionType = "cut"
    in_offset: int = Field(default=0, ge=0)
    """Frames before the cut (the end of the outgoing item) the transition covers."""
    out_offset: int = Field(default=0, ge=0)
    """Frames after the cut (the start of the incoming item) the transition covers."""

    @model_validator(mode="after")
    def _offsets_fit_type(self) -> Self:
        frames = self.in_offset + self.out_offset
        if self.transition_type == "cut" and frames:
            raise ValueError(
                f"transition {self.name!r} is a cut, which takes no frames, but has "
                f"in_offset={self.in_offset}, out_offset={self.out_offset}; set both to 0 "
                "or make it a crossfade"
            )
        if self.transition_type != "cut" and not frames:
            raise ValueError(
                f"transition {self.name!r} is a {self.transition_type} of 0 frames; give it "
                "in_offset/out_offset frames or make it a cut"
            )
        return self

    @property
    def frames(self) -> int:
        """Length of the transition in frames."""
        return self.in_offset + self.out_offset

    def weights(self, j: int) -> tuple[float, float]:
        """(outgoing, incoming) picture weights at frame ``j`` (0 … frames - 1) of the
        transition; black makes up the rest.

        Frame ``j`` samples the transition at its middle, ``u = (j + 0.5) / frames``, so no
        transition frame is an untouched copy of either side and a centred crossfade is
        symmetric about the cut. A crossfade shows ``(1 - u, u)``. A dip to black fades the
        outgoing picture out over the first half and the incoming one in over the second:
        ``(1 - 2u, 0)`` then ``(0, 2u - 1)``; with an odd length the middle frame is black.
        """
        n = self.frames
        if not 0 <= j < n:
            raise VideoGenInputError(f"j={j} is outside transition {self.name!r} (0…{n - 1})")
        u = (j + 0.5) / n
        if self.transition_type == "crossfade":
            return 1.0 - u, u
        if 2 * j + 1 < n:
            return 1.0 - 2.0 * u, 0.0
        if 2 * j + 1 > n:
            return 0.0, 2.0 * u - 1.0
        return 0.0, 0.0

    def shown(self) -> tuple[int, int]:
        """(frames of the outgoing picture, first frame of the incoming picture), counted from
        the transition's first frame: the outgoing item shows on frames ``0 … a - 1`` and
        the incoming one from frame ``b`` on."""
        n = self.frames
        if self.transition_type == "crossfade":
            return n, 0
        return n // 2, n - n // 2


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


@dataclass(frozen=True)
class Placement:
    """A clip or gap where it sits on its track, with the transitions on either side."""

    index: int
    """Position in ``Track.items``."""
    start: int
    item: "TimelineClip | Gap"
    before: Transition | None = None
    after: Transition | None = None

    @property
    def end(self) -> int:
        return self.start + self.item.duration

    def shown(self) -> tuple[int, int]:
        """Timeline frames ``first … last - 1`` on which this item's picture is seen, its
        transitions included (a crossfade shows handles beyond ``start … end - 1``)."""
        first, last = self.start, self.end
        if self.before is not None and self.before.frames:
            first = min(first, self.start - self.before.in_offset + self.before.shown()[1])
        if self.after is not None and self.after.frames:
            last = max(last, self.end - self.after.in_offset + self.after.shown()[0])
        return first, last

    def handles(self) -> tuple[int, int]:
        """Source frames a clip needs before ``source_start`` and after its last used frame
        for its transitions: (head, tail). (0, 0) for a gap."""
        if not isinstance(self.item, TimelineClip):
            return 0, 0
        first, last = self.shown()
        clip = self.item
        head = clip.source_start - clip.source_frame(first - self.start)
        tail = clip.source_frame(last - 1 - self.start) + 1 - clip.source_end
        return max(head, 0), max(tail, 0)


class Timeline(VideoGenModel):
    """The cut, with the song as master clock: ``duration`` frames at ``rate`` fps.

    Any number of video tracks may be kept (the ``.otio`` export writes them all); export
    renders the first one, with ``overlays`` drawn over it.
    """

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
        """Check the first video track covers exactly ``duration`` frames without holes, that
        no other track runs past the end, and that every transition fits its neighbours.

        Raises VideoGenInputError naming the offending item.
        """
        first = self.video_track()
        for track in self.tracks:
            _check_track(track, self.duration, cover=track is first)
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

    def placements(self, track: Track | None = None) -> list[Placement]:
        """Each clip and gap of ``track`` (default: the first video track) with its start
        frame and the transitions on either side, in order."""
        return place_items((track or self.video_track()).items)

    def required_handles(self, track: Track | None = None) -> dict[str, tuple[int, int]]:
        """Source frames each clip needs beyond its used range for its transitions:
        ``{clip name: (head, tail)}``. A clip whose media is exactly its used range needs
        (0, 0) here to play its crossfades without held frames."""
        return {
            p.item.name: p.handles()
            for p in self.placements(track)
            if isinstance(p.item, TimelineClip)
        }

    def item_starts(self) -> list[tuple[int, TimelineClip | Gap]]:
        """(start frame, item) for each clip and gap of the first video track, in order."""
        return [(p.start, p.item) for p in self.placements()]

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


def place_items(items: list[TimelineClip | Gap | Transition]) -> list[Placement]:
    """Start frame and neighbouring transitions of each clip and gap in ``items``."""
    out: list[Placement] = []
    frame = 0
    for i, item in enumerate(items):
        if isinstance(item, Transition):
            continue
        before = items[i - 1] if i > 0 else None
        after = items[i + 1] if i + 1 < len(items) else None
        out.append(
            Placement(
                index=i,
                start=frame,
                item=item,
                before=before if isinstance(before, Transition) else None,
                after=after if isinstance(after, Transition) else None,
            )
        )
        frame += item.duration
    return out


def _label(item: TimelineClip | Gap | Transition) -> str:
    if isinstance(item, Gap):
        return "gap"
    return f"{item.kind} {item.name!r}"


def _check_track(track: Track, duration: int, *, cover: bool) -> None:
    """Item lengths, transition placement and, with ``cover``, exact coverage of
    ``duration`` frames; otherwise the track may end early but not run past the end."""
    if not track.items and cover:
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
        if total > duration:
            raise VideoGenInputError(
                f"track {track.name!r} item {i} ({_label(item)}) ends at frame {total}, "
                f"past the timeline's duration={duration} by {total - duration} "
                "frames (items overlap the end)"
            )
    if cover and total != duration:
        raise VideoGenInputError(
            f"track {track.name!r} items cover {total} frames but the timeline's "
            f"duration={duration}; {duration - total} frames are unfilled "
            "(add a gap or lengthen the last item)"
        )


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
            f"{before.duration} frames of the item before it ({_label(before)})"
        )
    if transition.out_offset > after.duration:
        raise VideoGenInputError(
            f"{where} has out_offset={transition.out_offset}, longer than the "
            f"{after.duration} frames of the item after it ({_label(after)})"
        )
    following = items[i + 2] if i + 2 < len(items) else None
    if isinstance(following, Transition):
        used = transition.out_offset + following.in_offset
        if used > after.duration:
            raise VideoGenInputError(
                f"transitions {transition.name!r} and {following.name!r} overlap on "
                f"{_label(after)}: they cover {used} of its {after.duration} frames; "
                "shorten one of them or lengthen the item"
            )
