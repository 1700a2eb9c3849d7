"""Read facts back from an exported file with ffmpeg alone (independent of our code)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [FFMPEG, "-hide_banner", "-nostdin", *args], capture_output=True, check=False
    )


@dataclass(frozen=True)
class Facts:
    width: int
    height: int
    fps: float
    frames: int
    video_duration: float
    audio_duration: float
    video_codec: str
    audio_codec: str


def facts(path: Path) -> Facts:
    info = _run("-i", str(path)).stderr.decode()
    video = re.search(r"Video: (\w+).*?, (\d{2,5})x(\d{2,5}).*?, ([\d.]+) fps", info)
    audio = re.search(r"Audio: (\w+)", info)
    assert video and audio, info
    count = _run("-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-").stderr.decode()
    frames = int(re.findall(r"frame=\s*(\d+)", count)[-1])
    samples = decode_audio(path, rate=8000).size
    fps = float(video.group(4))
    return Facts(
        width=int(video.group(2)),
        height=int(video.group(3)),
        fps=fps,
        frames=frames,
        video_duration=frames / fps,
        audio_duration=samples / 8000,
        video_codec=video.group(1),
        audio_codec=audio.group(1),
    )


def decode_audio(path: Path, *, rate: int = 8000) -> np.ndarray:
    out = _run("-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", str(rate), "-f", "f32le", "-")
    return np.frombuffer(out.stdout, dtype="<f4")


def detect_cuts(path: Path, *, threshold: float = 0.3) -> list[float]:
    """Times (s) of frames ffmpeg's scene detector scores above `threshold`."""
    filt = f"select='gt(scene,{threshold})',showinfo"
    info = _run("-i", str(path), "-map", "0:v:0", "-vf", filt, "-f", "null", "-").stderr.decode()
    return [float(t) for t in re.findall(r"pts_time:([\d.]+)", info)]


def frame_at(path: Path, seconds: float) -> np.ndarray:
    """One decoded RGB frame (height, width, 3)."""
    f = facts(path)
    out = _run(
        "-ss",
        f"{seconds:.3f}",
        "-i",
        str(path),
        "-frames:v",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
    )
    return np.frombuffer(out.stdout, dtype=np.uint8).reshape(f.height, f.width, 3)


def audio_matches(track: Path, video: Path) -> float:
    """Correlation of the exported soundtrack with the original track (1.0 = same)."""
    a = decode_audio(track)
    b = decode_audio(video)
    n = min(a.size, b.size)
    a, b = a[:n] - a[:n].mean(), b[:n] - b[:n].mean()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
