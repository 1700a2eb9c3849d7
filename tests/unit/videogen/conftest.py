"""Fixtures for videogen: small stills, solid-colour clips, a sine soundtrack, ffmpeg decode."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image, ImageDraw

from videogen import ClipRequest, MotionAdapter
from videogen.probe import ffmpeg_exe

W, H, FPS = 320, 180, 24


def run_ffmpeg(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run the bundled ffmpeg with ``args``; stdout and stderr captured as bytes."""
    return subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", *args], capture_output=True, check=False
    )


def stream_info(path: Path) -> str:
    """ffmpeg's description of the file's streams."""
    return run_ffmpeg("-i", str(path)).stderr.decode(errors="replace")


def decode_rgb(path: Path) -> np.ndarray:
    """All frames of ``path`` as ``(n, h, w, 3)`` uint8, decoded by ffmpeg."""
    size = re.search(r"Video: .*?, (\d+)x(\d+)[ ,\[]", stream_info(path))
    assert size is not None, f"{path} has no video stream"
    w, h = int(size[1]), int(size[2])
    out = run_ffmpeg("-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "rawvideo",
                     "-pix_fmt", "rgb24", "-")  # fmt: skip
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    return np.frombuffer(out.stdout, np.uint8).reshape(-1, h, w, 3)


def scene_scores(path: Path) -> list[float]:
    """ffmpeg's scene-change score (0…1) of every frame against the previous one."""
    out = run_ffmpeg("-i", str(path), "-vf", "select='gte(scene,0)',metadata=print",
                     "-an", "-f", "null", "-")  # fmt: skip
    log = out.stderr.decode(errors="replace")
    return [float(v) for v in re.findall(r"lavfi\.scene_score=([\d.]+)", log)]


def storyboard_still(path: Path, size: tuple[int, int] = (480, 270), seed: int = 0) -> Path:
    """A sketch-like still: gradient sky, ground, a few shapes and outlines; palette by seed."""
    rng = np.random.default_rng(seed)
    w, h = size
    sky = np.linspace(40, 200, h)[:, None, None] * rng.uniform(0.3, 1.0, 3)
    img = Image.fromarray(np.broadcast_to(sky, (h, w, 3)).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    ground = tuple(int(c) for c in rng.integers(30, 160, 3))
    draw.rectangle([0, int(h * 0.7), w, h], fill=ground)
    for _ in range(6):
        x, y = int(rng.integers(0, w - 60)), int(rng.integers(0, h - 60))
        colour = tuple(int(c) for c in rng.integers(30, 230, 3))
        draw.ellipse([x, y, x + 60, y + 50], fill=colour, outline=(20, 20, 20), width=3)
    img.save(path)
    return path


def target_still(path: Path, size: tuple[int, int] = (480, 270)) -> Path:
    """Black frame with a white disc in the centre (radius a fifth of the height)."""
    img = Image.new("RGB", size, (0, 0, 0))
    w, h = size
    r = h // 5
    ImageDraw.Draw(img).ellipse([w // 2 - r, h // 2 - r, w // 2 + r, h // 2 + r], fill="white")
    img.save(path)
    return path


@pytest.fixture
def make_clip(tmp_path: Path) -> Callable[..., Path]:
    """Write a solid-colour motion clip: ``make_clip(name, colour, n_frames, size=(W, H))``."""

    def make(
        name: str, colour: tuple[int, int, int], n_frames: int, size: tuple[int, int] = (W, H)
    ) -> Path:
        still = tmp_path / f"{name}.png"
        Image.new("RGB", (size[0] + 40, size[1] + 40), colour).save(still)
        request = ClipRequest(
            image=still,
            width=size[0],
            height=size[1],
            fps=FPS,
            n_frames=n_frames,
            camera="static",
        )
        return MotionAdapter().generate(request, tmp_path / f"{name}.mp4")

    return make


NUMBERED_FRAMES = 150


def numbered_colour(k: int) -> tuple[int, int, int]:
    """Flat colour of frame ``k`` of the numbered clip: k's base-16 digits in red and green."""
    return (20 + 12 * (k % 16), 20 + 12 * (k // 16), 128)


def frame_numbers(frames: np.ndarray) -> list[int | None]:
    """Read numbered-clip frame indices back from decoded frames (None for black)."""
    numbers: list[int | None] = []
    for r, g, b in frames.reshape(len(frames), -1, 3).mean(axis=1):
        if b < 10:
            numbers.append(None)
        else:
            numbers.append(round((r - 20) / 12) + 16 * round((g - 20) / 12))
    return numbers


@pytest.fixture
def numbered_clip(tmp_path: Path) -> Path:
    """A clip whose frame k shows its own index as a flat colour (see ``numbered_colour``)."""
    import imageio_ffmpeg

    path = tmp_path / "numbered.mp4"
    writer = imageio_ffmpeg.write_frames(
        str(path), (W, H), fps=FPS, macro_block_size=1, ffmpeg_log_level="error"
    )
    writer.send(None)
    for k in range(NUMBERED_FRAMES):
        writer.send(np.full((H, W, 3), numbered_colour(k), np.uint8).tobytes())
    writer.close()
    return path


@pytest.fixture
def sine_wav(tmp_path: Path) -> Callable[[float], Path]:
    """Write a 440 Hz sine of the given length in seconds."""

    def make(seconds: float, rate: int = 44100) -> Path:
        path = tmp_path / f"sine_{seconds:.3f}.wav"
        t = np.arange(round(seconds * rate)) / rate
        sf.write(path, 0.3 * np.sin(2 * np.pi * 440.0 * t), rate)
        return path

    return make


def write_clip(
    path: Path, frames: Iterable[np.ndarray], size: tuple[int, int] = (W, H), fps: float = FPS
) -> Path:
    """Encode RGB ``(h, w, 3)`` uint8 frames to an H.264 yuv420p MP4 at ``fps``."""
    import imageio_ffmpeg

    writer = imageio_ffmpeg.write_frames(
        str(path), size, fps=fps, macro_block_size=1, ffmpeg_log_level="error"
    )
    writer.send(None)
    for frame in frames:
        writer.send(np.ascontiguousarray(frame, np.uint8).tobytes())
    writer.close()
    return path
