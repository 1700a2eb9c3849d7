"""Render a Timeline to an H.264 + AAC MP4 with MoviePy, frame-exact at the cuts."""

import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from videogen._files import atomic_output, check_output_path, partial_path, remove_quietly
from videogen.encoding import check_encoder_options
from videogen.errors import (
    GenerationCancelled,
    MediaError,
    VideoGenInputError,
)
from videogen.frames import FrameSource, Segment
from videogen.probe import VideoInfo, probe_video
from videogen.timeline import Gap, Timeline, Transition

logger = logging.getLogger(__name__)

AUDIO_RATE = 48000
AUDIO_BITRATE = "192k"


def export_video(
    timeline: Timeline,
    *,
    resolve: Callable[[str], Path],
    out_path: Path,
    audio_duration: float | None = None,
    crf: int = 20,
    preset: str = "veryfast",
    on_progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Path:
    """Render ``timeline``'s first video track with its soundtrack to ``out_path``.

    Parameters
    ----------
    timeline : Timeline
        The cut; its first video track must cover ``timeline.duration`` frames exactly.
    resolve : callable
        Turns a media reference (``TimelineClip.media``, ``Timeline.audio``) into a file.
    out_path : Path
        The MP4 to write; replaced atomically, left untouched on any failure or cancel.
    audio_duration : float, optional
        Known length of the song in seconds (e.g. from analysis); the soundtrack is cut at
        the shortest of this, the audio file and the timeline.
    crf, preset : int, str
        x264 quality (0…51, lower is better) and speed preset.
    on_progress : callable, optional
        Called with (frames written, total frames).
    cancel : callable, optional
        Polled once per frame; returning True stops with GenerationCancelled.

    Returns the output path. The video has exactly ``timeline.duration`` frames at
    ``timeline.rate`` fps, yuv420p H.264, with AAC audio when ``timeline.audio`` is set.
    """
    check_encoder_options(crf, preset)
    if audio_duration is not None and not (math.isfinite(audio_duration) and audio_duration > 0):
        raise VideoGenInputError(
            f"audio_duration must be a positive number of seconds, got {audio_duration!r}"
        )
    timeline.validate_layout()
    _check_transitions(timeline)
    out_path = check_output_path(out_path)
    segments = _segments(timeline, resolve)
    audio_path = _resolve_audio(timeline, resolve)
    if cancel is not None and cancel():
        raise GenerationCancelled("export cancelled before it started; nothing was written")

    temp_audio = partial_path(out_path, ".m4a")
    source = FrameSource(segments, timeline.width, timeline.height, timeline.rate)
    clips: list[Any] = []
    started = time.perf_counter()
    try:
        with atomic_output(out_path, "export to") as temp:
            video = _video_clip(_frame_function(source, timeline), timeline)
            clips.append(video)
            if audio_path is not None:
                audio = _audio_clip(audio_path, timeline, audio_duration)
                clips.append(audio)
                video = video.with_audio(audio)
            video.write_videofile(
                str(temp),
                fps=timeline.rate,
                codec="libx264",
                audio_codec="aac",
                audio_fps=AUDIO_RATE,
                audio_bitrate=AUDIO_BITRATE,
                temp_audiofile=str(temp_audio),
                preset=preset,
                threads=2,
                ffmpeg_params=["-crf", str(crf), "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
                logger=_progress_logger(timeline.duration, on_progress, cancel),
            )
    finally:
        remove_quietly(temp_audio)
        source.close()
        for clip in clips:
            clip.close()
    elapsed = time.perf_counter() - started
    logger.info(
        "exported %s: %d frames at %d fps in %.1f s (%.1f frames/s)",
        out_path,
        timeline.duration,
        timeline.rate,
        elapsed,
        timeline.duration / max(elapsed, 1e-9),
    )
    return out_path


def _segments(timeline: Timeline, resolve: Callable[[str], Path]) -> list[Segment]:
    """Resolve and probe every clip's media before anything is encoded."""
    probed: dict[Path, VideoInfo] = {}
    segments: list[Segment] = []
    for start, item in timeline.item_starts():
        if isinstance(item, Gap):
            segments.append(Segment(start=start, duration=item.duration))
            continue
        label = f"clip {item.name!r} (media {item.media!r})"
        path = _resolve(resolve, item.media, label)
        if path not in probed:
            try:
                probed[path] = probe_video(path)
            except MediaError as exc:
                raise MediaError(f"{label}: {exc}") from exc
        info = probed[path]
        if (info.width, info.height) != (timeline.width, timeline.height):
            raise MediaError(
                f"{label}: file {str(path)!r} is {info.width}x{info.height}, "
                f"the timeline is {timeline.width}x{timeline.height}; regenerate it at that size"
            )
        if item.source_start + item.duration > info.n_frames:
            raise MediaError(
                f"{label}: needs frames {item.source_start}…{item.source_start + item.duration - 1}"
                f" but file {str(path)!r} has {info.n_frames} frames"
            )
        if abs(info.fps - timeline.rate) > 0.01:
            logger.warning(
                "%s is %.3f fps in a %d fps timeline; its frames are used one for one",
                label,
                info.fps,
                timeline.rate,
            )
        segments.append(
            Segment(
                start=start,
                duration=item.duration,
                path=path,
                source_start=item.source_start,
                name=item.name,
            )
        )
    return segments


def _check_transitions(timeline: Timeline) -> None:
    """Only cuts are rendered so far; a cut between items needs no work."""
    for item in timeline.video_track().items:
        if isinstance(item, Transition) and item.transition_type != "cut":
            raise VideoGenInputError(
                f"transition {item.name!r} has transition_type={item.transition_type!r}, "
                "which this exporter does not support yet; use 'cut'"
            )


def _resolve(resolve: Callable[[str], Path], media: str, label: str) -> Path:
    try:
        path = Path(resolve(media))
    except Exception as exc:
        raise MediaError(f"{label}: the media reference could not be resolved: {exc}") from exc
    if not path.is_file():
        raise MediaError(f"{label}: file {str(path)!r} does not exist")
    return path


def _resolve_audio(timeline: Timeline, resolve: Callable[[str], Path]) -> Path | None:
    if timeline.audio is None:
        return None
    path = _resolve(resolve, timeline.audio, f"soundtrack {timeline.audio!r}")
    if path.stat().st_size == 0:
        raise MediaError(f"soundtrack {timeline.audio!r}: file {str(path)!r} is empty (0 bytes)")
    return path


def _frame_function(source: FrameSource, timeline: Timeline) -> Callable[[float], Any]:
    """The track's frames, with the timeline's text overlays drawn over them when it has any."""
    if not timeline.overlays:
        return source.frame_at
    from videogen.overlays import OverlaidFrames

    overlaid = OverlaidFrames(
        source.frame_at, timeline.overlays, timeline.width, timeline.height, timeline.rate
    )
    return overlaid.frame_at


def _video_clip(frame_function: Callable[[float], Any], timeline: Timeline) -> Any:
    from moviepy import VideoClip

    return VideoClip(frame_function=frame_function, duration=_exact_duration(timeline))


def _exact_duration(timeline: Timeline) -> float:
    """Seconds that MoviePy turns back into exactly ``duration`` frames.

    MoviePy writes ``int(duration * fps)`` frames; nudge up past float rounding.
    """
    seconds = timeline.duration / timeline.rate
    while int(seconds * timeline.rate) < timeline.duration:
        seconds = math.nextafter(seconds, math.inf)
    return seconds


def _audio_clip(path: Path, timeline: Timeline, audio_duration: float | None) -> Any:
    from moviepy import AudioFileClip

    try:
        audio = AudioFileClip(str(path), fps=AUDIO_RATE)
    except Exception as exc:
        raise MediaError(f"soundtrack {str(path)!r} cannot be read as audio: {exc}") from exc
    length = min(audio.duration, timeline.duration / timeline.rate)
    if audio_duration is not None:
        length = min(length, audio_duration)
    if length < audio.duration:
        return audio.subclipped(0, length)
    return audio


def _progress_logger(
    total: int,
    on_progress: Callable[[int, int], None] | None,
    cancel: Callable[[], bool] | None,
) -> Any:
    """A proglog logger forwarding frame progress and raising GenerationCancelled on cancel."""
    import proglog

    class _Forward(proglog.ProgressBarLogger):
        def callback(self, **changes: Any) -> None:
            if "message" in changes:
                logger.debug("moviepy: %s", str(changes["message"]).strip())

        def bars_callback(self, bar: str, attr: str, value: Any, old_value: Any = None) -> None:
            if attr != "index":
                return
            if cancel is not None and cancel():
                raise GenerationCancelled("export cancelled; the output file was not written")
            if bar == "frame_index" and on_progress is not None:
                on_progress(min(int(value), total), total)

    return _Forward()
