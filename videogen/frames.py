"""Frames for export: what each timeline frame shows, decoded and mixed as raw yuv420p.

``plan_frames`` turns the first video track into one ``FrameMix`` per timeline frame (up to
two source frames with weights; black makes up the rest). ``FrameRenderer`` produces those
frames in order on a worker thread: one ffmpeg decoder per clip, started a few frames before
the clip is needed, read strictly forward from the first frame it uses (no seeking after
the start) and ended after its last; cropping and scaling to the output size happen inside
that decoder. Frames stay yuv420p from decoder to encoder, so nothing converts colour.

A frame is a ``(height * 3 // 2, width)`` uint8 array: the Y plane, then Cb and Cr (the
I420 layout), which MoviePy passes to the encoder untouched.
"""

import contextlib
import fcntl
import logging
import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from videogen.errors import MediaError
from videogen.probe import ffmpeg_exe
from videogen.timeline import Timeline, TimelineClip

logger = logging.getLogger(__name__)

HandlePolicy = Literal["hold", "error"]
LOOKAHEAD = 12  # frames before first use that a clip's decoder starts
QUEUE_FRAMES = 4  # frames rendered ahead of the encoder
PIPE_BYTES = 1 << 20
# One decoding thread a clip: a single thread decodes 720p at several times the encoder's
# speed and frame threads cost 10–15 % more CPU, which the encoder needs more.
DECODER_THREADS = 1


@dataclass(frozen=True)
class ClipMedia:
    """A clip's file and how many frames it holds."""

    path: Path
    n_frames: int


@dataclass(frozen=True)
class Layer:
    """Source frame ``frame`` of the clip at position ``source`` in the plan's placements."""

    source: int
    frame: int


@dataclass(frozen=True)
class FrameMix:
    """One timeline frame: ``a·wa + b·wb``, black for the remaining weight."""

    a: Layer | None = None
    wa: float = 0.0
    b: Layer | None = None
    wb: float = 0.0

    def layers(self) -> Iterator[tuple[Layer, float]]:
        if self.a is not None and self.wa > 0:
            yield self.a, self.wa
        if self.b is not None and self.wb > 0:
            yield self.b, self.wb


@dataclass(frozen=True)
class Geometry:
    """Output size and the crop of the timeline frame that is scaled to it."""

    width: int
    height: int
    crop: tuple[int, int, int, int] | None = None
    """(x, y, w, h) of the timeline frame, or None for all of it."""
    source_size: tuple[int, int] | None = None

    def filters(self) -> list[str]:
        """ffmpeg video filters taking a timeline-size frame to the output size."""
        out: list[str] = []
        size = self.source_size
        if self.crop is not None and size is not None and self.crop != (0, 0, *size):
            x, y, w, h = self.crop
            out.append(f"crop={w}:{h}:{x}:{y}")
            size = (w, h)
        if size is not None and size != (self.width, self.height):
            out.append(f"scale={self.width}:{self.height}:flags=lanczos")
        return out

    @property
    def frame_bytes(self) -> int:
        return self.width * self.height * 3 // 2


def plan_frames(
    timeline: Timeline,
    media: dict[int, ClipMedia],
    *,
    handles: HandlePolicy = "hold",
) -> list[FrameMix]:
    """What each frame of the first video track shows.

    ``media`` maps a clip's placement index (``Timeline.placements()``) to its file. Where a
    transition reads beyond a clip's file (too few handle frames) the clip's first or last
    frame is held with ``handles="hold"`` (as an NLE does; logged), and ``handles="error"``
    raises MediaError naming every such clip.
    """
    placements = timeline.placements()
    mixes = [FrameMix() for _ in range(timeline.duration)]
    short: list[str] = []
    for pi, p in enumerate(placements):
        if isinstance(p.item, TimelineClip):
            head, tail = p.handles()
            has = (p.item.source_start, media[pi].n_frames - p.item.source_end)
            if head > has[0] or tail > has[1]:
                short.append(
                    f"clip {p.item.name!r} needs {head} source frames before its in-point and "
                    f"{tail} after its out-point, {str(media[pi].path)!r} has {has[0]} and "
                    f"{has[1]}"
                )
    if short and handles == "error":
        raise MediaError(
            "too few handle frames for the transitions: "
            + "; ".join(short)
            + " (render those clips longer, or shorten the transitions)"
        )
    for line in short:
        logger.warning("%s: the transition holds its edge frame there", line)

    def layer(pi: int, frame: int, own: bool) -> Layer | None:
        item = placements[pi].item
        if not isinstance(item, TimelineClip):
            return None
        k = item.source_frame(frame - placements[pi].start)
        n = media[pi].n_frames
        if own and not 0 <= k < n:  # export checks the used range first; a safety net
            raise MediaError(f"clip {item.name!r} needs source frame {k}; its file has {n}")
        return Layer(pi, min(max(k, 0), n - 1))

    for pi, p in enumerate(placements):
        for f in range(p.start, p.end):
            mixes[f] = FrameMix(layer(pi, f, own=True), 1.0)
    for pi, p in enumerate(placements):
        t = p.after
        if t is None or not t.frames:
            continue
        first = p.end - t.in_offset
        for j in range(t.frames):
            wa, wb = t.weights(j)
            f = first + j
            mixes[f] = FrameMix(
                layer(pi, f, own=f < p.end) if wa > 0 else None,
                wa,
                layer(pi + 1, f, own=f >= p.end) if wb > 0 else None,
                wb,
            )
    return mixes


class ClipReader:
    """An ffmpeg process decoding ``count`` frames of ``path`` from source frame ``first``
    as raw yuv420p at the output geometry."""

    def __init__(
        self,
        label: str,
        path: Path,
        first: int,
        count: int,
        fps: float,
        geometry: Geometry,
    ) -> None:
        self.label = label
        self.path = path
        self.first = first
        self.count = count
        self._bytes = geometry.frame_bytes
        self._shape = (geometry.height * 3 // 2, geometry.width)
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error"]
        cmd += ["-threads", str(DECODER_THREADS)]
        if first > 0:  # accurate seek: frames before (first - ½)/fps are decoded and dropped
            cmd += ["-ss", f"{(first - 0.5) / fps:.6f}"]
        cmd += ["-i", str(path), "-map", "0:v:0", "-frames:v", str(count)]
        filters = geometry.filters()
        if filters:
            cmd += ["-vf", ",".join(filters)]
        cmd += ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log, bufsize=0
        )
        widen_pipe(self._proc.stdout)
        self._pos = first - 1
        self._frame: np.ndarray | None = None

    def frame(self, k: int) -> np.ndarray:
        """Source frame ``k`` (≥ the last one asked for), reading forward to it."""
        if k < self._pos or k >= self.first + self.count:
            raise MediaError(f"{self.label}: frame {k} requested out of order (internal error)")
        while self._pos < k:
            self._frame = self._read()
            self._pos += 1
        assert self._frame is not None
        return self._frame

    def _read(self) -> np.ndarray:
        buf = np.empty(self._bytes, np.uint8)
        view = buf.data
        got = 0
        stdout = self._proc.stdout
        assert stdout is not None
        while got < self._bytes:
            n = stdout.readinto(view[got:])  # type: ignore[attr-defined]
            if not n:
                done = self._pos + 1 - self.first
                raise MediaError(
                    f"{self.label}: {str(self.path)!r} ended after {done} of the {self.count} "
                    f"frames read from source frame {self.first}; the file is damaged. "
                    f"ffmpeg: {self._errors() or 'no message'}"
                )
            got += n
        return buf.reshape(self._shape)

    def _errors(self) -> str:
        self._proc.poll()
        self._log.seek(0)
        text = self._log.read().decode(errors="replace").strip()
        return " / ".join(text.splitlines()[:3])

    def finish(self) -> None:
        """Wait for the decoder to exit; MediaError if it failed or reported decode errors."""
        try:
            code = self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.close()
            raise MediaError(f"{self.label}: the decoder of {str(self.path)!r} hung") from None
        errors = self._errors()
        self.close()
        if code != 0 or errors:
            raise MediaError(
                f"{self.label}: decoding {str(self.path)!r} failed (exit {code}): "
                f"{errors or 'no message'}; the file is damaged"
            )

    def close(self) -> None:
        """Stop the decoder if it still runs and release its pipes."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._log.close()


def widen_pipe(pipe: object) -> None:
    """Let a pipe hold up to 1 MiB (Linux), so ffmpeg and Python wait on each other less."""
    setter = getattr(fcntl, "F_SETPIPE_SZ", None)
    fileno = getattr(pipe, "fileno", None)
    if setter is None or fileno is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(fileno(), setter, PIPE_BYTES)


class FrameRenderer:
    """The frame function handed to MoviePy: ``t`` → the yuv420p frame at ``round(t·rate)``.

    Frames are made on a worker thread from ``start`` on, ``QUEUE_FRAMES`` ahead of the
    caller; asking for an earlier or a later frame than the next restarts the worker there.
    ``decorate`` (e.g. text overlays) is applied to each frame on the worker.
    """

    def __init__(
        self,
        mixes: list[FrameMix],
        sources: dict[int, ClipMedia],
        labels: dict[int, str],
        *,
        rate: int,
        fps: dict[int, float],
        geometry: Geometry,
        decorate: Callable[[int, np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self._mixes = mixes
        self._sources = sources
        self._labels = labels
        self._rate = rate
        self._fps = fps
        self._geometry = geometry
        self._decorate = decorate
        self._black = black_frame(geometry.width, geometry.height)
        self._black_f = self._black.astype(np.float32)
        self._queue: queue.Queue[tuple[int, np.ndarray | BaseException]] | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._next = -1
        self._last: tuple[int, np.ndarray] | None = None

    def frame_at(self, t: float) -> np.ndarray:
        """The frame shown at ``t`` seconds."""
        index = min(max(round(t * self._rate), 0), len(self._mixes) - 1)
        if self._last is not None and self._last[0] == index:
            return self._last[1]
        if self._queue is None or index != self._next:
            self._restart(index)
        assert self._queue is not None
        got, frame = self._queue.get()
        if isinstance(frame, BaseException):
            self.close()
            raise frame
        self._next = got + 1
        self._last = (got, frame)
        return frame

    def _restart(self, start: int) -> None:
        self.close()
        self._stop = threading.Event()
        self._queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self._thread = threading.Thread(
            target=self._work, args=(start, self._queue, self._stop), daemon=True
        )
        self._next = start
        self._thread.start()

    def _work(self, start: int, out: queue.Queue[Any], stop: threading.Event) -> None:
        readers: dict[int, ClipReader] = {}
        try:
            spans = self._spans(start)
            opened: set[int] = set()
            for index in range(start, len(self._mixes)):
                for source, (first_use, _, first, last) in spans.items():
                    if source not in opened and first_use <= index + LOOKAHEAD:
                        readers[source] = ClipReader(
                            self._labels[source],
                            self._sources[source].path,
                            first,
                            last - first + 1,
                            self._fps[source],
                            self._geometry,
                        )
                        opened.add(source)
                frame = self._mix(self._mixes[index], readers)
                if self._decorate is not None:
                    frame = self._decorate(index, frame)
                for source in [s for s in readers if spans[s][1] == index]:
                    readers.pop(source).finish()
                if not _offer(out, stop, (index, frame)):
                    return
        except BaseException as exc:  # handed to the caller's thread
            _offer(out, stop, (start, exc))
        finally:
            for reader in readers.values():
                reader.close()

    def _spans(self, start: int) -> dict[int, tuple[int, int, int, int]]:
        """For each source used from ``start`` on: (first use, last use, first source frame,
        last source frame)."""
        spans: dict[int, tuple[int, int, int, int]] = {}
        for index in range(start, len(self._mixes)):
            for layer, _ in self._mixes[index].layers():
                s = spans.get(layer.source)
                if s is None:
                    spans[layer.source] = (index, index, layer.frame, layer.frame)
                else:
                    spans[layer.source] = (
                        s[0],
                        index,
                        min(s[2], layer.frame),
                        max(s[3], layer.frame),
                    )
        return spans

    def _mix(self, mix: FrameMix, readers: dict[int, ClipReader]) -> np.ndarray:
        layers = list(mix.layers())
        if not layers:
            return self._black
        if len(layers) == 1 and layers[0][1] >= 1.0:
            layer = layers[0][0]
            return readers[layer.source].frame(layer.frame)
        acc = self._black_f.copy()
        for layer, weight in layers:
            picture = readers[layer.source].frame(layer.frame)
            acc += (picture.astype(np.float32) - self._black_f) * np.float32(weight)
        return np.clip(acc + 0.5, 0, 255).astype(np.uint8)

    def close(self) -> None:
        """Stop the worker and its decoders."""
        self._stop.set()
        if self._thread is not None:
            if self._queue is not None:
                while True:  # unblock a worker waiting on a full queue
                    try:
                        self._queue.get_nowait()
                    except queue.Empty:
                        break
            self._thread.join(timeout=30)
        self._thread = None
        self._queue = None
        self._last = None


def _offer(out: queue.Queue[Any], stop: threading.Event, item: object) -> bool:
    """Put ``item`` on ``out`` unless ``stop`` is set first; whether it was put."""
    while not stop.is_set():
        try:
            out.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def black_frame(width: int, height: int) -> np.ndarray:
    """A black yuv420p frame (video range: Y 16, Cb and Cr 128) in the I420 layout."""
    frame = np.full((height * 3 // 2, width), 128, np.uint8)
    frame.reshape(-1)[: width * height] = 16
    return frame
