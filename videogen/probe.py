"""Read a video file's size, rate, exact frame count and audio length with the ffmpeg binary."""

import logging
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from videogen.errors import MediaError

logger = logging.getLogger(__name__)

_VIDEO_STREAM = re.compile(r"Stream #0:(\d+)\S*: Video: .*?, (\d+)x(\d+)[ ,\[]")
_FPS = re.compile(r", ([\d.]+)(k?) (?:fps|tbr)\b")
_AUDIO_STREAM = re.compile(r"Stream #0:(\d+)\S*: Audio: .*?, (\d+) Hz")
_INPUT_STATS = re.compile(r"Input stream #0:(\d+) \((video|audio)\): (\d+) packets read[^;]*;(.*)")
_DECODED = re.compile(r"(\d+) frames decoded; (\d+) decode errors(?: \((\d+) samples\))?")


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds; ``duration`` is ``n_frames / fps``."""

    width: int
    height: int
    fps: float
    n_frames: int
    duration: float
    has_audio: bool
    audio_duration: float | None


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled with imageio-ffmpeg."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def probe_video(path: Path, *, decode: bool = True) -> VideoInfo:
    """Probe ``path`` by running it through ffmpeg to a null output.

    With ``decode`` (the default) every video frame is decoded, so the count is exact and a
    damaged bitstream is caught; ``decode=False`` counts packets only (fast, for files this
    package has just written). Audio is always decoded for an exact sample count.
    Raises MediaError for a missing, empty, truncated or undecodable file.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"video file {str(path)!r} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise MediaError(f"video file {str(path)!r} is empty (0 bytes)")
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "verbose", "-i", str(path)]
    cmd += ["-map", "0:v:0?", "-map", "0:a:0?"]
    if not decode:
        cmd += ["-c:v", "copy"]
    cmd += ["-f", "null", "-"]
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace", check=False)
    log = proc.stderr
    if proc.returncode != 0:
        raise MediaError(f"cannot read video file {str(path)!r}: {_last_error(log)}")
    if "partial file" in log:
        raise MediaError(f"video file {str(path)!r} is truncated (partial file)")
    return _parse(path, log)


def _parse(path: Path, log: str) -> VideoInfo:
    header = log.split("Stream mapping:", 1)[0]
    video = _VIDEO_STREAM.search(header)
    if video is None:
        raise MediaError(f"file {str(path)!r} has no video stream")
    line = header[video.start() : header.find("\n", video.start())]
    fps_match = _FPS.search(line)
    if fps_match is None:
        raise MediaError(f"video file {str(path)!r} does not state a frame rate")
    fps = float(fps_match.group(1)) * (1000.0 if fps_match.group(2) else 1.0)
    audio = _AUDIO_STREAM.search(header)

    n_frames = 0
    samples: int | None = None
    for stats in _INPUT_STATS.finditer(log):
        index, kind, packets, rest = int(stats[1]), stats[2], int(stats[3]), stats[4]
        decoded = _DECODED.search(rest)
        if kind == "video" and index == int(video[1]):
            if decoded is None:
                n_frames = packets
            elif int(decoded[2]):
                raise MediaError(f"video file {str(path)!r} is damaged: {decoded[2]} decode errors")
            else:
                n_frames = int(decoded[1])
        elif kind == "audio" and audio is not None and index == int(audio[1]) and decoded:
            samples = int(decoded[3] or 0)
    if n_frames == 0:
        raise MediaError(f"video file {str(path)!r} holds no decodable video frames")
    audio_duration = samples / int(audio[2]) if audio is not None and samples is not None else None
    return VideoInfo(
        width=int(video[2]),
        height=int(video[3]),
        fps=fps,
        n_frames=n_frames,
        duration=n_frames / fps,
        has_audio=audio is not None,
        audio_duration=audio_duration,
    )


def _last_error(log: str) -> str:
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    for line in reversed(lines):
        if "rror" in line or "Invalid" in line or "not found" in line:
            return line
    return lines[-1] if lines else "ffmpeg failed"
