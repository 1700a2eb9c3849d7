"""The storyboard both samplers draw, and the timed runs of each.

Frames share one set of reference images (drawn here with PIL) and differ in prompt and seed,
as the frames of a music video's storyboard do. The diffusers side is the plain loop a user
would write: one pipeline call per frame with the reference images opened once.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from imagegen import ImageRequest

PROMPTS = (
    "wide shot: the singer walks down a rain-soaked neon street at night",
    "close-up of the singer's face lit by a passing car, eyes closed",
    "the drummer counts in, sticks raised, warehouse lights flickering",
    "aerial view of the city at dusk, traffic trails like veins",
    "insert: a cassette tape spinning in an old car stereo",
    "medium shot: the band on a rooftop, wind in their coats",
    "the guitarist's hands on the fretboard, shallow focus",
    "a crowd silhouetted against a red stage light, arms raised",
    "the singer alone in an empty laundromat, machines spinning",
    "slow push-in on a neon sign that reads OPEN ALL NIGHT",
    "the bassist leaning on a vintage car under a streetlight",
    "wide shot: a desert highway at dawn, the band's van in the distance",
    "extreme close-up of a needle dropping onto a vinyl record",
    "the singer dancing in a hallway of mirrors, many reflections",
    "overhead shot of the band lying in a circle on a wooden floor",
    "a subway car at 3 a.m., the singer by the doors, city blurring past",
    "the keyboard player's face in blue monitor light",
    "medium shot: the singer on a pier, gulls overhead, grey sea",
    "insert: a handwritten lyric sheet on a kitchen table, coffee ring",
    "wide shot: the band playing in a flooded parking garage",
    "the drummer mid-fill, cymbals caught in a strobe flash",
    "a taxi window streaked with rain, the singer's reflection",
    "low angle: the singer on a fire escape against a violet sky",
    "final shot: the band walking away down an empty road at sunrise",
)


def prompts(frames: int) -> list[str]:
    """``frames`` distinct prompts: the storyboard's, then numbered retakes of them."""
    out = []
    for i in range(frames):
        take = i // len(PROMPTS)
        text = PROMPTS[i % len(PROMPTS)]
        out.append(text if take == 0 else f"{text}, take {take + 1}")
    return out


def make_references(folder: Path, count: int, size: int, *, seed: int = 0) -> list[Path]:
    """``count`` distinct ``size``×``size`` PNG references: a two-colour gradient with shapes."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        rng = random.Random(seed * 1000 + index)
        top, bottom = (tuple(rng.randrange(256) for _ in range(3)) for _ in range(2))
        ramp = np.linspace(0.0, 1.0, size)[:, None, None]
        pixels = (1 - ramp) * np.array(top) + ramp * np.array(bottom)
        image = Image.fromarray(np.repeat(pixels, size, axis=1).astype(np.uint8), "RGB")
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x0, y0 = rng.randrange(size), rng.randrange(size)
            x1, y1 = (
                x0 + rng.randrange(size // 8, size // 2),
                y0 + rng.randrange(size // 8, size // 2),
            )
            colour = tuple(rng.randrange(256) for _ in range(3))
            shape = rng.choice((draw.ellipse, draw.rectangle))
            shape((x0, y0, x1, y1), fill=colour, outline=(0, 0, 0), width=max(1, size // 128))
        path = folder / f"ref{seed}_{index}.png"
        image.save(path)
        paths.append(path)
    return paths


def requests(
    frames: int, size: int, references: Sequence[Path], *, steps: int = 4
) -> list[ImageRequest]:
    """The storyboard: frame ``i`` has prompt ``i`` and seed ``i``, all sharing ``references``."""
    return [
        ImageRequest(
            prompt=text, width=size, height=size, seed=i, references=tuple(references), steps=steps
        )
        for i, text in enumerate(prompts(frames))
    ]


@dataclass
class Run:
    """Images in storyboard order, and the wall and process-CPU seconds each frame took."""

    images: list[Image.Image] = field(default_factory=list)
    frame_seconds: list[float] = field(default_factory=list)
    frame_cpu: list[float] = field(default_factory=list)

    def add(self, image: Image.Image, started: tuple[float, float]) -> None:
        wall, cpu = clock()
        self.images.append(image)
        self.frame_seconds.append(wall - started[0])
        self.frame_cpu.append(cpu - started[1])

    @property
    def seconds(self) -> float:
        return sum(self.frame_seconds)

    @property
    def per_frame(self) -> float:
        return self.seconds / len(self.frame_seconds)

    @property
    def cpu_per_frame(self) -> float:
        return sum(self.frame_cpu) / len(self.frame_cpu)

    @property
    def steady(self) -> float:
        """Median seconds of the frames after the first (the first pays one-time costs)."""
        return statistics.median(self.frame_seconds[1:] or self.frame_seconds)

    def projected(self, frames: int | None = None) -> float:
        """Seconds per frame of a ``frames``-long run (default: this one's length) made of
        this run's first frame and then steady ones: per-frame time with spikes from other
        work on the machine left out."""
        frames = frames or len(self.frame_seconds)
        return (self.frame_seconds[0] + (frames - 1) * self.steady) / frames


def clock() -> tuple[float, float]:
    """(wall, process CPU) seconds now."""
    return time.perf_counter(), time.process_time()


def diffusers_call(
    pipe: Any,
    request: ImageRequest,
    references: list[Image.Image],
    *,
    max_tokens: int,
    layers: tuple[int, ...],
) -> Image.Image:
    """One frame from the diffusers pipeline, seeded as the engine seeds it."""
    import torch

    extra = {"guidance_scale": 1.0} if type(pipe).__name__ == "Flux2KleinPipeline" else {}
    return pipe(
        prompt=request.prompt,
        image=references or None,
        height=request.height,
        width=request.width,
        num_inference_steps=request.steps,
        generator=torch.Generator("cpu").manual_seed(request.seed),
        max_sequence_length=max_tokens,
        text_encoder_out_layers=layers,
        **extra,
    ).images[0]


def run_diffusers(
    pipe: Any,
    frames: Sequence[ImageRequest],
    *,
    max_tokens: int,
    layers: tuple[int, ...],
    sync: Callable[[], None] = lambda: None,
    stop: Callable[[Run], bool] = lambda run: False,
) -> Run:
    """The per-frame diffusers loop; ``stop(run so far)`` may end it early (time budget)."""
    references = [open_rgb(p) for p in frames[0].references]
    run = Run()
    for request in frames:
        if stop(run):
            break
        started = clock()
        image = diffusers_call(pipe, request, references, max_tokens=max_tokens, layers=layers)
        sync()
        run.add(image, started)
    return run


def run_engine(
    engine: Any, frames: Sequence[ImageRequest], *, sync: Callable[[], None] = lambda: None
) -> Run:
    """``engine.generate_many`` over the storyboard, timing each frame as it is yielded."""
    run = Run()
    made = engine.generate_many(list(frames))
    for position in range(len(frames)):
        started = clock()
        index, image = next(made)
        sync()
        if index != position:
            raise RuntimeError(f"engine yielded frame {index} where {position} was expected")
        run.add(image, started)
    return run


def run_interleaved(
    pipe: Any,
    engine: Any,
    frames: Sequence[ImageRequest],
    *,
    max_tokens: int,
    layers: tuple[int, ...],
) -> tuple[Run, Run]:
    """Both sides frame by frame, diffusers then engine, so that a machine whose load changes
    during the run slows both alike. The engine's time is the time spent getting each frame
    out of ``generate_many`` (its first frame includes encoding every prompt)."""
    references = [open_rgb(p) for p in frames[0].references]
    theirs, ours = Run(), Run()
    made = engine.generate_many(list(frames))
    for position, request in enumerate(frames):
        started = clock()
        image = diffusers_call(pipe, request, references, max_tokens=max_tokens, layers=layers)
        theirs.add(image, started)
        started = clock()
        index, image = next(made)
        if index != position:
            raise RuntimeError(f"engine yielded frame {index} where {position} was expected")
        ours.add(image, started)
    return theirs, ours


def pixel_diff(a: Sequence[Image.Image], b: Sequence[Image.Image]) -> dict[str, float]:
    """Max and mean absolute difference (0–255) over the frames both runs made."""
    count = min(len(a), len(b))
    diffs = [
        np.abs(np.asarray(x, np.int16) - np.asarray(y, np.int16))
        for x, y in zip(a[:count], b[:count], strict=True)
    ]
    return {
        "frames": count,
        "max": int(max(d.max() for d in diffs)),
        "mean": round(float(np.mean([d.mean() for d in diffs])), 4),
        "identical_frames": sum(int(d.max() == 0) for d in diffs),
    }


def pixel_spread(image: Image.Image) -> float:
    """Standard deviation of a frame's pixel values: far from 0 means it is not a blank frame."""
    return round(float(np.asarray(image, np.float32).std()), 1)


def open_rgb(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")
