"""Write a Timeline as an OpenTimelineIO ``.otio`` file (DaVinci Resolve imports it).

Mapping (written with OpenTimelineIO's own JSON adapter):

- every video track → an OTIO video track; clips → ``Clip`` with ``source_range`` =
  (``source_start``, ``duration``) at the timeline rate and an ``ExternalReference`` to the
  media's absolute path whose ``available_range`` is the whole file (probed), so editors see
  the handles; a clip's ``speed`` ≠ 1 → a ``LinearTimeWarp`` effect (OTIO's range maths
  ignores time effects: ``source_range.duration`` stays the clip's length on the track);
- gaps → ``Gap``; cuts → nothing (adjacent clips); crossfades → ``Transition``
  ``SMPTE_Dissolve`` with the same in/out offsets; dips to black → ``SMPTE_Dissolve`` too,
  named "Dip to Black" with ``metadata["storybeat"]["transition_type"] = "dip-to-black"``
  (OTIO has no dip type; Resolve shows it as a cross dissolve of the same span, which the
  editor can swap for its "Dip To Color Dissolve");
- text overlays → markers on the first video track over their frames, the text as the
  marker's name and comment, style in metadata (lyric yellow, caption cyan, title purple);
- the song → an audio track with one clip from 0 for the timeline's length (or the song's,
  if shorter).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from videogen._files import atomic_output, check_output_path, write_bytes
from videogen.errors import MediaError, VideoGenInputError
from videogen.export import audio_seconds, resolve_media
from videogen.probe import VideoInfo, probe_video
from videogen.timeline import Gap, Timeline, TimelineClip, Track, Transition

logger = logging.getLogger(__name__)

MARKER_COLOURS = {"lyric": "YELLOW", "caption": "CYAN", "title": "PURPLE"}
DIP_NAME = "Dip to Black"


def export_otio(timeline: Timeline, *, resolve: Callable[[str], Path], out_path: Path) -> Path:
    """Write ``timeline`` to ``out_path`` (``.otio``), replaced atomically; returns the path.

    Every clip's media is resolved and probed first (MediaError naming the clip if it is
    missing, unreadable or of another frame rate than the timeline); nothing is written
    unless all of it is usable.
    """
    import opentimelineio as otio

    out_path = Path(out_path)
    if out_path.suffix.lower() != ".otio":
        raise VideoGenInputError(f"out_path must end in .otio, got {str(out_path)!r}")
    timeline.validate_layout()
    out_path = check_output_path(out_path)
    rate = timeline.rate
    probed: dict[str, tuple[Path, VideoInfo]] = {}
    for track in timeline.tracks:
        for item in track.items:
            if isinstance(item, TimelineClip) and item.media not in probed:
                probed[item.media] = _probe(item, timeline, resolve)

    result = otio.schema.Timeline(
        name=timeline.name,
        global_start_time=otio.opentime.RationalTime(0, rate),
        metadata={
            "storybeat": {
                "width": timeline.width,
                "height": timeline.height,
                "rate": rate,
                "duration": timeline.duration,
            }
        },
    )
    for n, track in enumerate(timeline.tracks):
        result.tracks.append(_video_track(otio, track, probed, rate))
        if n == 0:
            for overlay in timeline.overlays:
                result.tracks[0].markers.append(
                    otio.schema.Marker(
                        name=overlay.text,
                        marked_range=_range(otio, overlay.start, overlay.duration, rate),
                        color=MARKER_COLOURS[overlay.style],
                        comment=overlay.text,
                        metadata={"storybeat": {"kind": "text", "style": overlay.style}},
                    )
                )
    if timeline.audio is not None:
        result.tracks.append(_audio_track(otio, timeline, resolve))

    # Serialised here and written by Python: OpenTimelineIO's own file writer reports success
    # on a full disk and leaves a truncated file.
    data = otio.adapters.write_to_string(result, adapter_name="otio_json").encode("utf-8")
    with atomic_output(
        out_path, "writing the edit", suffix=".otio", again="export again", kind="export"
    ) as temp:
        write_bytes(temp, data)
    logger.info("wrote %s: %d tracks, %d frames", out_path, len(result.tracks), timeline.duration)
    return out_path


def _probe(
    item: TimelineClip, timeline: Timeline, resolve: Callable[[str], Path]
) -> tuple[Path, VideoInfo]:
    from videogen.export import check_clip_file

    label = f"clip {item.name!r} (media {item.media!r})"
    path = resolve_media(resolve, item.media, label)
    try:
        info = probe_video(path, decode=False)
    except MediaError as exc:
        raise MediaError(f"{label}: {exc}") from exc
    check_clip_file(label, path, info, timeline)
    return path, info


def _range(otio: Any, start: int, duration: int, rate: float) -> Any:
    return otio.opentime.TimeRange(
        otio.opentime.RationalTime(start, rate), otio.opentime.RationalTime(duration, rate)
    )


def _video_track(
    otio: Any, track: Track, probed: dict[str, tuple[Path, VideoInfo]], rate: int
) -> Any:
    out = otio.schema.Track(name=track.name, kind=otio.schema.TrackKind.Video)
    for item in track.items:
        if isinstance(item, Gap):
            out.append(otio.schema.Gap(source_range=_range(otio, 0, item.duration, rate)))
        elif isinstance(item, Transition):
            if item.transition_type == "cut":
                continue
            dip = item.transition_type == "dip-to-black"
            out.append(
                otio.schema.Transition(
                    name=DIP_NAME if dip else item.name,
                    transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                    in_offset=otio.opentime.RationalTime(item.in_offset, rate),
                    out_offset=otio.opentime.RationalTime(item.out_offset, rate),
                    metadata={
                        "storybeat": {"transition_type": item.transition_type, "name": item.name}
                    },
                )
            )
        else:
            path, info = probed[item.media]
            reference = otio.schema.ExternalReference(
                target_url=str(path),
                available_range=_range(otio, 0, info.n_frames, info.fps),
            )
            effects = []
            if item.speed != 1.0:
                effects.append(otio.schema.LinearTimeWarp(name="speed", time_scalar=item.speed))
            meta: dict[str, Any] = {"media": item.media, "speed": item.speed}
            if item.shot_index is not None:
                meta["shot_index"] = item.shot_index
            out.append(
                otio.schema.Clip(
                    name=item.name,
                    media_reference=reference,
                    source_range=_range(otio, item.source_start, item.duration, rate),
                    effects=effects,
                    metadata={"storybeat": meta},
                )
            )
    return out


def _audio_track(otio: Any, timeline: Timeline, resolve: Callable[[str], Path]) -> Any:
    assert timeline.audio is not None
    label = f"soundtrack {timeline.audio!r}"
    path = resolve_media(resolve, timeline.audio, label)
    seconds = audio_seconds(path, label)
    rate = timeline.rate
    available = timeline.duration if seconds is None else math.floor(seconds * rate + 1e-6)
    clip = otio.schema.Clip(
        name=path.stem,
        media_reference=otio.schema.ExternalReference(
            target_url=str(path), available_range=_range(otio, 0, available, rate)
        ),
        source_range=_range(otio, 0, min(available, timeline.duration), rate),
        metadata={"storybeat": {"media": timeline.audio, "role": "song"}},
    )
    return otio.schema.Track(name="Song", kind=otio.schema.TrackKind.Audio, children=[clip])
