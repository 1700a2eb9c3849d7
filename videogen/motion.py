"""The ``motion`` adapter: beat-synced camera moves over a still, encoded with ffmpeg.

No model and no GPU: push-in / pull-out zooms, pans and tilts across a slightly zoomed
frame, a slow drift for static shots, and on each pulse a short zoom bump with a
brightness lift that decays in about 0.15 s. With ``parallax`` the still is bent by a depth
guess from its focus and ground plane (``videogen.depth``), so near things move more than
far ones. Given an end frame (the next shot's), the last third of a second dissolves into
it, under the same camera move.
"""

import logging
import time
from collections.abc import Iterator
from pathlib import Path

from videogen._files import atomic_output, check_output_path
from videogen.adapter import AdapterInfo, CancelFn, Capabilities
from videogen.camera import luma_table, plan_camera
from videogen.depth import estimate_depth
from videogen.encoding import check_encoder_options
from videogen.errors import ExportError, MediaError
from videogen.parallax import ParallaxWarp
from videogen.probe import ffmpeg_exe, probe_video
from videogen.request import ClipRequest
from videogen.still import fit_cover, load_still, yuv_planes

logger = logging.getLogger(__name__)

Box = tuple[float, float, float, float]  # a crop box in the fitted still, in pixels
DISSOLVE_SECONDS = 0.33  # given an end frame, the clip dissolves into it over this long


class MotionAdapter:
    """Camera moves on the storyboard still; deterministic for a given request."""

    name = "motion"
    version = "1"
    # any length, size and rate; follows the shot's camera move; dissolves into an end frame
    capabilities = Capabilities(end_frame=True)

    def __init__(self, *, crf: int = 18, preset: str = "veryfast") -> None:
        check_encoder_options(crf, preset)
        self.crf = crf
        self.preset = preset

    @staticmethod
    def availability() -> AdapterInfo:
        """Available wherever the bundled ffmpeg binary is."""
        try:
            exe = ffmpeg_exe()
        except RuntimeError as exc:
            return AdapterInfo("motion", False, f"ffmpeg binary not found: {exc}")
        return AdapterInfo("motion", True, f"camera moves on the still, encoded by {exe}")

    def generate(
        self, request: ClipRequest, out_path: Path, *, cancel: CancelFn | None = None
    ) -> Path:
        """Write the clip for ``request`` to ``out_path`` (replaced atomically) and return it.

        Clips take a second or two; ``cancel`` is honoured between clips, by the caller."""
        out_path = check_output_path(out_path)
        planes = render_planes(request)
        started = time.perf_counter()
        with atomic_output(out_path, "writing clip") as temp:
            self._encode(planes, request, temp)
            self._check_written(temp, request)
        elapsed = time.perf_counter() - started
        logger.info(
            "motion clip %s: %d frames %dx%d (%s) in %.2f s (%.0f frames/s)",
            out_path.name,
            request.n_frames,
            request.width,
            request.height,
            request.camera,
            elapsed,
            request.n_frames / max(elapsed, 1e-9),
        )
        return out_path

    def _encode(self, planes: Iterator[bytes], request: ClipRequest, temp: Path) -> None:
        """Stream raw yuv420p planes into libx264."""
        from imageio_ffmpeg import write_frames

        writer = write_frames(
            str(temp),
            (request.width, request.height),
            fps=request.fps,
            quality=None,
            codec="libx264",
            macro_block_size=1,
            pix_fmt_in="yuv420p",
            pix_fmt_out="yuv420p",
            ffmpeg_log_level="error",
            output_params=["-crf", str(self.crf), "-preset", self.preset],
        )
        writer.send(None)
        try:
            for plane in planes:
                writer.send(plane)
        finally:
            writer.close()

    @staticmethod
    def _check_written(temp: Path, request: ClipRequest) -> None:
        """ffmpeg's exit status is not reported by write_frames: check the file instead."""
        try:
            info = probe_video(temp, decode=False)
        except MediaError as exc:
            raise ExportError(f"ffmpeg did not produce a readable clip: {exc}") from exc
        if info.n_frames != request.n_frames or (info.width, info.height) != (
            request.width,
            request.height,
        ):
            raise ExportError(
                f"ffmpeg wrote {info.n_frames} frames at {info.width}x{info.height}, "
                f"expected {request.n_frames} at {request.width}x{request.height}"
            )


def render_planes(request: ClipRequest) -> Iterator[bytes]:
    """The clip's frames as raw yuv420p planes: Y, Cb, Cr for each frame in turn.

    The still is loaded (MediaError if unreadable) before the first plane is produced.
    """
    from PIL import Image

    size = (request.width, request.height)
    half = (request.width // 2, request.height // 2)
    plan = plan_camera(request)
    stills = [load_still(request.image)]
    if request.end_image is not None:  # dissolve into the next frame over the last frames
        stills.append(load_still(request.end_image))
    fitted = [fit_cover(still, *size, max_zoom=float(plan.zoom.max())) for still in stills]
    fitted[1:] = [f.resize(fitted[0].size, resample=Image.Resampling.LANCZOS) for f in fitted[1:]]
    layers = [yuv_planes(f) for f in fitted]
    mix = dissolve_weights(request.n_frames, request.fps) if len(layers) > 1 else None
    boxes = plan.boxes(fitted[0].width, fitted[0].height).tolist()
    chroma_boxes = plan.boxes(layers[0][1].width, layers[0][1].height).tolist()
    warps = (
        [ParallaxWarp(plan, estimate_depth(f), *size) for f in fitted] if plan.parallax else None
    )
    bilinear = Image.Resampling.BILINEAR

    def crop(n: int, k: int, box: Box, cbox: Box) -> tuple[Image.Image, ...]:
        luma, *chroma = layers[n]
        if warps is not None:
            warp = warps[n]
            return (warp.warp(luma, k, size, 1), *(warp.warp(c, k, half, 2) for c in chroma))
        return (
            luma.resize(size, resample=bilinear, box=box),
            *(plane.resize(half, resample=bilinear, box=cbox) for plane in chroma),
        )

    def frame(k: int, box: Box, cbox: Box) -> tuple[Image.Image, ...]:
        shown = crop(0, k, box, cbox)
        if mix is None or mix[k] == 0.0:  # the end frame is only cropped where it shows
            return shown
        end = crop(1, k, box, cbox)
        return tuple(Image.blend(a, b, mix[k]) for a, b in zip(shown, end, strict=True))

    def planes() -> Iterator[bytes]:
        pulses = plan.pulse.tolist()
        for k, (box, cbox) in enumerate(zip(boxes, chroma_boxes, strict=True)):
            y, u, v = frame(k, tuple(box), tuple(cbox))
            table = luma_table(pulses[k], request.intensity) if pulses[k] > 0 else None
            yield (y if table is None else y.point(table)).tobytes()
            yield u.tobytes()
            yield v.tobytes()

    return planes()


def dissolve_weights(n_frames: int, fps: int) -> list[float]:
    """How much of the end frame shows in each frame: 0 until the last ``DISSOLVE_SECONDS``
    (at most a third of the clip), then rising to just short of 1 on the last frame, so the
    next clip's first frame completes it on the cut."""
    count = min(round(DISSOLVE_SECONDS * fps), n_frames // 3)
    weights = [0.0] * n_frames
    for j in range(count):
        weights[n_frames - count + j] = (j + 1) / (count + 1)
    return weights
