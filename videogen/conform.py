"""Make a model's clip fit its slot: the request's size, frame rate and exact frame count.

Models make clips of their own lengths, sizes and rates (Wan: 81 frames at 16 fps; hosted
models: 5 or 8 s at 720p). ffmpeg scales the clip to cover the frame and crops the middle
(never letterboxes), converts the rate, and trims it to the shot's frames. A clip shorter
than its slot is slowed down, by up to ``MAX_SLOWDOWN``; what is still missing holds the last
frame.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from videogen._files import atomic_output, check_output_path
from videogen.errors import ExportError, MediaError
from videogen.probe import ffmpeg_exe, probe_video
from videogen.request import ClipRequest

logger = logging.getLogger(__name__)

MAX_SLOWDOWN = 1.5


def conform_clip(source: Path, request: ClipRequest, out_path: Path, *, crf: int = 18) -> Path:
    """Write ``source`` as exactly ``request.n_frames`` frames of ``request.width`` ×
    ``request.height`` at ``request.fps`` (yuv420p H.264, no audio) to ``out_path``.

    Raises MediaError when ``source`` is empty, truncated or not a video.
    """
    out_path = check_output_path(out_path)
    info = probe_video(source)  # MediaError names the file and what is wrong with it
    if info.n_frames < 1 or info.fps <= 0:
        raise MediaError(f"clip {str(source)!r} has no frames")
    wanted = request.n_frames / request.fps
    have = info.n_frames / info.fps
    slow = min(max(wanted / have, 1.0), MAX_SLOWDOWN)
    w, h = request.width, request.height
    filters = [
        f"setpts={slow:.6f}*PTS" if slow > 1.0 else "setpts=PTS",
        f"fps={request.fps}",
        f"scale={w}:{h}:force_original_aspect_ratio=increase:flags=lanczos",
        f"crop={w}:{h}",
        f"tpad=stop_mode=clone:stop_duration={wanted + 1:.3f}",
        "setsar=1",
        "format=yuv420p",
    ]
    with atomic_output(out_path, "conforming clip") as temp:
        command = [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y",
            "-i", str(source), "-an", "-vf", ",".join(filters),
            "-frames:v", str(request.n_frames),
            "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf),
            "-movflags", "+faststart", str(temp),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise MediaError(
                f"ffmpeg could not conform clip {str(source)!r}: {done.stderr.strip()[-300:]}"
            )
        written = probe_video(temp, decode=False)
        if written.n_frames != request.n_frames or (written.width, written.height) != (w, h):
            raise ExportError(
                f"conforming {str(source)!r} gave {written.n_frames} frames at "
                f"{written.width}x{written.height}, expected {request.n_frames} at {w}x{h}"
            )
    if slow > 1.0 or have * slow < wanted - 0.5 / request.fps:
        logger.info(
            "clip %s: %.2f s for a %.2f s slot: slowed %.2fx%s",
            source.name,
            have,
            wanted,
            slow,
            ", last frame held" if have * slow < wanted else "",
        )
    return out_path
