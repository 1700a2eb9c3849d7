"""Render a Timeline to an H.264 + AAC MP4 with MoviePy, frame-exact at cuts and transitions.

The first video track becomes a MoviePy ``VideoClip`` whose frame function is a
``FrameRenderer`` (raw yuv420p, see videogen/frames.py); its frames go through MoviePy's
frame loop into MoviePy's ffmpeg writer (``PlanarWriter``), which also encodes the song.
"""

import logging
import math
import re
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from videogen._files import atomic_output, check_output_path
from videogen.encoding import check_encoder_options
from videogen.errors import ExportError, GenerationCancelled, MediaError, VideoGenInputError
from videogen.frames import ClipMedia, FrameRenderer, Geometry, HandlePolicy, plan_frames
from videogen.presets import ExportPreset, crop_box, get_preset
from videogen.probe import VideoInfo, ffmpeg_exe, probe_video
from videogen.timeline import Timeline, TimelineClip

logger = logging.getLogger(__name__)

AUDIO_RATE = 48000
AUDIO_BITRATE = "192k"
DEFAULT_CRF = 20
DEFAULT_X264_PRESET = "veryfast"
PROBE_THREADS = 4
Verify = Literal["packets", "decode"]


def export_video(
    timeline: Timeline,
    *,
    resolve: Callable[[str], Path],
    out_path: Path,
    audio_duration: float | None = None,
    crf: int | None = None,
    preset: str | None = None,
    export_preset: str | None = None,
    handles: HandlePolicy = "hold",
    verify: Verify = "packets",
    threads: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Path:
    """Render ``timeline``'s first video track, its text overlays and its soundtrack to
    ``out_path``.

    Parameters
    ----------
    timeline : Timeline
        The cut; its first video track must cover ``timeline.duration`` frames exactly.
        Other video tracks are not rendered (the ``.otio`` export carries them).
    resolve : callable
        Turns a media reference (``TimelineClip.media``, ``Timeline.audio``) into a file.
    out_path : Path
        The MP4 to write; replaced atomically, left untouched on any failure or cancel.
    audio_duration : float, optional
        Known length of the song in seconds (e.g. from analysis); the soundtrack is cut at
        the shortest of this, the audio file and the timeline.
    crf, preset : int, str, optional
        x264 quality (0…51, lower is better) and speed preset; default 20 and "veryfast",
        or the export preset's.
    export_preset : str, optional
        Delivery format from videogen/presets.py, e.g. ``"9:16-1080p"``: the timeline's
        frames are centre-cropped to its aspect and scaled to its size, with its rate cap
        and audio bitrate. None: the timeline's own size.
    handles : {"hold", "error"}
        What a crossfade does where a clip's file lacks the frames beyond its used range:
        hold the clip's edge frame (as an NLE does; logged) or raise MediaError.
    verify : {"packets", "decode"}
        How each clip is checked before encoding: read every packet (fast; finds empty,
        truncated, short and mis-sized files) or decode every frame (also finds damaged
        bitstreams, costs a full extra decode). Decoding errors met while rendering are
        a MediaError either way, and nothing is written.
    threads : int, optional
        x264 threads; None lets ffmpeg choose.
    on_progress : callable, optional
        Called with (frames written, total frames).
    cancel : callable, optional
        Polled once per frame; returning True stops with GenerationCancelled.

    Returns the output path. The video has exactly ``timeline.duration`` frames at
    ``timeline.rate`` fps, yuv420p H.264, with AAC audio when ``timeline.audio`` is set.
    """
    spec = get_preset(export_preset) if export_preset is not None else None
    crf = crf if crf is not None else (spec.crf if spec else DEFAULT_CRF)
    preset = preset if preset is not None else (spec.x264_preset if spec else DEFAULT_X264_PRESET)
    check_encoder_options(crf, preset)
    if handles not in ("hold", "error"):
        raise VideoGenInputError(f"handles must be 'hold' or 'error', got {handles!r}")
    if verify not in ("packets", "decode"):
        raise VideoGenInputError(f"verify must be 'packets' or 'decode', got {verify!r}")
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
    ):
        raise VideoGenInputError(f"threads must be a positive integer or None, got {threads!r}")
    if audio_duration is not None and not (math.isfinite(audio_duration) and audio_duration > 0):
        raise VideoGenInputError(
            f"audio_duration must be a positive number of seconds, got {audio_duration!r}"
        )
    timeline.validate_layout()
    out_path = check_output_path(out_path)
    media, labels = _check_media(timeline, resolve, verify)
    mixes = plan_frames(timeline, media, handles=handles)
    audio_path = _resolve_audio(timeline, resolve)
    geometry = _geometry(timeline, spec)
    if len([t for t in timeline.tracks if t.kind == "video"]) > 1:
        logger.info("export renders the first video track only; the others are not drawn")
    if cancel is not None and cancel():
        raise GenerationCancelled("export cancelled before it started; nothing was written")

    decorate = None
    if timeline.overlays:
        from videogen.overlays import PlanarOverlays

        decorate = PlanarOverlays(timeline.overlays, geometry.width, geometry.height)
    renderer = FrameRenderer(
        mixes,
        media,
        labels,
        rate=timeline.rate,
        fps={i: float(timeline.rate) for i in media},
        geometry=geometry,
        decorate=decorate,
    )
    output_args = _output_args(timeline, spec, crf, preset, threads, audio_path, audio_duration)
    started = time.perf_counter()
    try:
        with atomic_output(out_path, "export to", again="export again", kind="export") as temp:
            _write(renderer, timeline, geometry, temp, audio_path, output_args, on_progress, cancel)
    finally:
        renderer.close()
    elapsed = time.perf_counter() - started
    logger.info(
        "exported %s: %d frames at %d fps, %dx%d, in %.1f s (%.1f frames/s)",
        out_path,
        timeline.duration,
        timeline.rate,
        geometry.width,
        geometry.height,
        elapsed,
        timeline.duration / max(elapsed, 1e-9),
    )
    return out_path


def _write(
    renderer: FrameRenderer,
    timeline: Timeline,
    geometry: Geometry,
    temp: Path,
    audio_path: Path | None,
    output_args: list[str],
    on_progress: Callable[[int, int], None] | None,
    cancel: Callable[[], bool] | None,
) -> None:
    """MoviePy's write loop (``ffmpeg_write_video``) over the renderer, into ``temp``."""
    from moviepy import VideoClip

    from videogen.writer import PlanarWriter

    clip = VideoClip(frame_function=renderer.frame_at, duration=_exact_duration(timeline))
    writer = PlanarWriter(
        str(temp),
        (geometry.width, geometry.height),
        timeline.rate,
        audio=audio_path,
        output_args=output_args,
    )
    try:
        for frame in clip.iter_frames(
            fps=timeline.rate,
            dtype="uint8",
            logger=_progress_logger(timeline.duration, on_progress, cancel),
        ):
            writer.write_frame(frame)
    except BaseException:
        writer.abort()
        raise
    finally:
        writer.close()
        clip.close()
    log = writer.log()
    writer.logfile.close()
    if writer.returncode != 0:
        raise ExportError(
            f"ffmpeg failed writing {str(temp)!r} (exit {writer.returncode}): {log or 'no message'}"
        )
    written = probe_video(temp, decode=False)
    if written.n_frames != timeline.duration:
        raise ExportError(
            f"ffmpeg wrote {written.n_frames} frames, expected {timeline.duration}; "
            "the output was discarded"
        )


def _output_args(
    timeline: Timeline,
    spec: ExportPreset | None,
    crf: int,
    preset: str,
    threads: int | None,
    audio_path: Path | None,
    audio_duration: float | None,
) -> list[str]:
    args = ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p"]
    if spec is not None:
        args += [*spec.x264_args(), "-g", str(2 * timeline.rate)]
    if threads is not None:
        args += ["-threads", str(threads)]
    if audio_path is not None:
        length = (
            timeline.seconds if audio_duration is None else min(timeline.seconds, audio_duration)
        )
        bitrate = spec.audio_bitrate if spec is not None else AUDIO_BITRATE
        args += ["-c:a", "aac", "-b:a", bitrate, "-ar", str(AUDIO_RATE)]
        args += ["-af", f"atrim=end={length:.6f}"]
    return [*args, "-movflags", "+faststart"]


def _geometry(timeline: Timeline, spec: ExportPreset | None) -> Geometry:
    size = (timeline.width, timeline.height)
    if spec is None:
        return Geometry(timeline.width, timeline.height)
    return Geometry(
        spec.width,
        spec.height,
        crop=crop_box(timeline.width, timeline.height, spec),
        source_size=size,
    )


def _check_media(
    timeline: Timeline, resolve: Callable[[str], Path], verify: Verify
) -> tuple[dict[int, ClipMedia], dict[int, str]]:
    """Resolve and probe every clip's media before anything is encoded (files probed in
    parallel, each once)."""
    clips: list[tuple[int, TimelineClip, str, Path]] = []
    for pi, place in enumerate(timeline.placements()):
        if isinstance(place.item, TimelineClip):
            label = f"clip {place.item.name!r} (media {place.item.media!r})"
            clips.append((pi, place.item, label, resolve_media(resolve, place.item.media, label)))
    paths = list(dict.fromkeys(path for *_, path in clips))
    with ThreadPoolExecutor(max_workers=PROBE_THREADS) as pool:
        results = dict(zip(paths, pool.map(_probe_quietly(verify), paths), strict=True))
    media: dict[int, ClipMedia] = {}
    labels: dict[int, str] = {}
    for pi, item, label, path in clips:
        info = results[path]
        if isinstance(info, MediaError):
            raise MediaError(f"{label}: {info}") from info
        check_clip_file(label, path, info, timeline)
        if item.source_end > info.n_frames:
            raise MediaError(
                f"{label}: needs frames {item.source_start}…{item.source_end - 1}"
                f" but file {str(path)!r} has {info.n_frames} frames"
            )
        media[pi] = ClipMedia(path=path, n_frames=info.n_frames)
        labels[pi] = label
    return media, labels


def _probe_quietly(verify: Verify) -> Callable[[Path], VideoInfo | MediaError]:
    def probe(path: Path) -> VideoInfo | MediaError:
        try:
            return probe_video(path, decode=verify == "decode")
        except MediaError as exc:
            return exc

    return probe


def check_clip_file(label: str, path: Path, info: VideoInfo, timeline: Timeline) -> None:
    """MediaError unless the file has the timeline's frame size and rate."""
    if (info.width, info.height) != (timeline.width, timeline.height):
        raise MediaError(
            f"{label}: file {str(path)!r} is {info.width}x{info.height}, "
            f"the timeline is {timeline.width}x{timeline.height}; regenerate it at that size"
        )
    if abs(info.fps - timeline.rate) > 0.01:
        raise MediaError(
            f"{label}: file {str(path)!r} is {info.fps:g} fps, the timeline is "
            f"{timeline.rate} fps; regenerate or conform it to {timeline.rate} fps"
        )


def resolve_media(resolve: Callable[[str], Path], media: str, label: str) -> Path:
    """The file behind media reference ``media``; MediaError (naming ``label``) if the
    reference cannot be resolved or the file does not exist."""
    try:
        path = Path(resolve(media))
    except Exception as exc:
        raise MediaError(f"{label}: the media reference could not be resolved: {exc}") from exc
    if not path.is_file():
        raise MediaError(f"{label}: file {str(path)!r} does not exist")
    return path.absolute()


_AUDIO_STREAM = re.compile(r"Stream #\d+:\d+\S*: Audio: ")
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")


def _resolve_audio(timeline: Timeline, resolve: Callable[[str], Path]) -> Path | None:
    if timeline.audio is None:
        return None
    label = f"soundtrack {timeline.audio!r}"
    path = resolve_media(resolve, timeline.audio, label)
    audio_seconds(path, label)
    return path


def audio_seconds(path: Path, label: str) -> float | None:
    """Length of an audio file from its header (None if the header does not say);
    MediaError if it is empty or holds no audio stream."""
    if path.stat().st_size == 0:
        raise MediaError(f"{label}: file {str(path)!r} is empty (0 bytes)")
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    if not _AUDIO_STREAM.search(proc.stderr):
        last = proc.stderr.strip().splitlines()[-1:] or ["no audio stream"]
        raise MediaError(f"{label}: file {str(path)!r} cannot be read as audio: {last[0]}")
    match = _DURATION.search(proc.stderr)
    if match is None:
        return None
    return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3])


def _exact_duration(timeline: Timeline) -> float:
    """Seconds that MoviePy turns back into exactly ``duration`` frames.

    MoviePy writes ``int(duration * fps)`` frames; nudge up past float rounding.
    """
    seconds = timeline.duration / timeline.rate
    while int(seconds * timeline.rate) < timeline.duration:
        seconds = math.nextafter(seconds, math.inf)
    return seconds


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
