"""The ``diffusers-i2v`` adapter: open image-to-video models from a local weights folder."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from videogen._files import check_output_path, partial_path, remove_quietly
from videogen.adapter import AdapterInfo, CancelFn, Capabilities
from videogen.conform import conform_clip
from videogen.diffusers_i2v.pipeline import (
    load_pipeline,
    resolve_device,
    resolve_dtype,
    run_pipeline,
)
from videogen.diffusers_i2v.plan import Shot, check_max_frames, clip_prompt, plan_shot
from videogen.diffusers_i2v.weights import WAN21_FLF2V, WeightsInfo, inspect_weights
from videogen.encoding import check_encoder_options
from videogen.errors import ExportError, GenerationCancelled, MediaError, VideoGenInputError
from videogen.probe import probe_video
from videogen.request import ClipRequest
from videogen.still import cover_box, load_still

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

logger = logging.getLogger(__name__)

NAME = "diffusers-i2v"
WANTS = "needs weights=DIR (Wan 2.x image-to-video or LTX-Video, diffusers layout)"


class DiffusersI2VAdapter:
    """Animates the storyboard still with Wan 2.x or LTX-Video from a local weights folder.

    The folder is checked when the adapter is made (VideoGenInputError naming what is missing or
    what model it holds); the model is loaded on the first clip and kept. Each clip is made on
    the model's own grid (see :mod:`videogen.diffusers_i2v.plan`) and conformed to the request.
    Deterministic for a request on one device and dtype.

    Options (keyword only): ``weights`` (required), ``device`` (CUDA when there is one, else
    the CPU), ``dtype`` (bfloat16 on CUDA, float32 on the CPU), ``steps``, ``guidance``,
    ``max_frames`` (frames per clip, on the model's grid), ``max_area`` (pixels per model frame),
    ``negative_prompt`` — each defaulting to the model's documented value — and ``crf`` of the
    written clip.
    """

    name = NAME

    def __init__(
        self,
        *,
        weights: Path | str | None = None,
        device: Any = None,
        dtype: Any = None,
        steps: int | None = None,
        guidance: float | None = None,
        max_frames: int | None = None,
        max_area: int | None = None,
        negative_prompt: str | None = None,
        crf: int = 18,
    ) -> None:
        if weights is None or not str(weights).strip():
            raise VideoGenInputError(
                f"video adapter {NAME!r} {WANTS}; set STORYBEAT_I2V_WEIGHTS or pass weights="
            )
        check_encoder_options(crf, "veryfast")
        self.info: WeightsInfo = inspect_weights(Path(weights))
        model = self.info.model
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.steps = _positive_int("steps", model.default_steps if steps is None else steps)
        self.guidance = _guidance(model.default_guidance if guidance is None else guidance)
        self.max_frames = check_max_frames(
            self.info, model.default_max_frames if max_frames is None else max_frames
        )
        area = model.default_area if max_area is None else max_area
        self.max_area = _positive_int("max_area", area)
        if self.max_area < self.info.spatial**2:
            raise VideoGenInputError(
                f"max_area={self.max_area} is below one {self.info.spatial}×{self.info.spatial}"
                f" block, the smallest frame {self.info.label} makes"
            )
        self.negative_prompt = model.negative_prompt if negative_prompt is None else negative_prompt
        self.crf = crf
        fps = model.fps
        self.capabilities = Capabilities(
            min_duration=(self.info.temporal + 1) / fps,
            max_duration=self.max_frames / fps,
            fps=(fps,),
            end_frame=model.end_frame,
            prompt=True,
        )
        self.version = f"1+{self.info.label}.{self._settings_digest()}"
        self._pipe: Any = None
        self._lock = threading.Lock()

    @staticmethod
    def availability() -> AdapterInfo:
        """Available where torch, diffusers and transformers are installed; the weights folder
        is the caller's to name."""
        missing = [m for m in ("torch", "diffusers", "transformers") if find_spec(m) is None]
        if missing:
            return AdapterInfo(NAME, False, f"needs the {', '.join(missing)} package(s); {WANTS}")
        detail = WANTS
        if find_spec("ftfy") is None:
            detail += "; Wan models also need the ftfy package, which is not installed"
        return AdapterInfo(NAME, True, detail)

    def plan(self, request: ClipRequest) -> Shot:
        """The clip the model makes for ``request`` before it is conformed to the slot."""
        seconds = self.capabilities.snap_duration(request.duration)
        return plan_shot(
            self.info, request, seconds=seconds, max_area=self.max_area, max_frames=self.max_frames
        )

    def model_frames(self, request: ClipRequest, *, cancel: CancelFn | None = None) -> np.ndarray:
        """The model's own frames for ``request``: ``(frames, height, width, 3)`` float32 in
        0…1 as the diffusers pipeline returns them (see :meth:`plan` for the shape)."""
        shot = self.plan(request)
        image = _fit_still(request.image, shot)
        last_image = None
        if request.end_image is not None:
            if self.info.model.end_frame:
                last_image = _fit_still(request.end_image, shot)
            else:
                logger.warning("%s cannot end on a given frame; end_image ignored", self.info.label)
        elif self.info.model is WAN21_FLF2V:  # its image embedder always takes two images
            raise VideoGenInputError(
                f"{self.info.label} makes clips between two frames: give the request an"
                " end_image, or use a Wan image-to-video folder"
            )
        _check_cancel(cancel)
        with self._lock:
            if self._pipe is None:
                self._pipe = load_pipeline(self.info, self.device, self.dtype)
            _check_cancel(cancel)
            started = time.perf_counter()
            frames = run_pipeline(
                self._pipe,
                self.info,
                shot,
                image=image,
                last_image=last_image,
                prompt=clip_prompt(request),
                negative_prompt=self.negative_prompt,
                steps=self.steps,
                guidance=self.guidance,
                seed=request.seed,
                cancel=cancel,
            )
        logger.info(
            "%s: %d frames %dx%d at %d fps, %d steps in %.1f s",
            self.info.label, shot.frames, shot.width, shot.height, shot.fps, self.steps,
            time.perf_counter() - started,
        )  # fmt: skip
        return frames

    def generate(
        self, request: ClipRequest, out_path: Path, *, cancel: CancelFn | None = None
    ) -> Path:
        """Write the clip for ``request`` to ``out_path`` (replaced atomically) and return it.

        ``cancel`` is polled between denoising steps; GenerationCancelled leaves no file.
        """
        out_path = check_output_path(out_path)
        shot = self.plan(request)
        frames = self.model_frames(request, cancel=cancel)
        _check_cancel(cancel)
        model_clip = partial_path(out_path, ".model.mp4")
        try:
            _write_frames(frames, shot, model_clip)
            return conform_clip(model_clip, request, out_path, crf=self.crf)
        finally:
            remove_quietly(model_clip)

    def unload(self) -> None:
        """Drop the loaded model (it is loaded again on the next clip)."""
        with self._lock:
            self._pipe = None

    def _settings_digest(self) -> str:
        """What changes the pixels besides the request: the files, the settings, where it runs."""
        settings = {
            "weights": self.info.fingerprint,
            "steps": self.steps,
            "guidance": self.guidance,
            "max_frames": self.max_frames,
            "max_area": self.max_area,
            "negative_prompt": self.negative_prompt,
            "device": self.device.type,
            "dtype": str(self.dtype),
            "crf": self.crf,
        }
        canonical = json.dumps(settings, sort_keys=True).encode("utf-8")
        return hashlib.sha256(canonical).hexdigest()[:10]


def _fit_still(path: Path, shot: Shot) -> Image.Image:
    """The still cropped to the shot's aspect (centre) and resized to its size."""
    from PIL import Image

    still = load_still(path)  # MediaError names the file
    box = cover_box(still.width, still.height, shot.width, shot.height)
    return still.resize((shot.width, shot.height), resample=Image.Resampling.LANCZOS, box=box)


def _write_frames(frames: np.ndarray, shot: Shot, path: Path) -> None:
    """Encode the model's frames as they are (lossless H.264, 4:4:4) at the model's rate."""
    import numpy as np
    from imageio_ffmpeg import write_frames

    pixels = (np.clip(frames, 0.0, 1.0) * 255.0).round().astype(np.uint8)
    writer = write_frames(
        str(path),
        (shot.width, shot.height),
        fps=shot.fps,
        codec="libx264",
        quality=None,
        macro_block_size=1,
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv444p",
        ffmpeg_log_level="error",
        output_params=["-qp", "0", "-preset", "veryfast"],
    )
    writer.send(None)
    try:
        for frame in pixels:
            writer.send(np.ascontiguousarray(frame).tobytes())
    finally:
        writer.close()
    try:
        written = probe_video(path, decode=False)
    except MediaError as exc:
        raise ExportError(f"ffmpeg did not write the model's clip: {exc}") from exc
    if written.n_frames != shot.frames:
        raise ExportError(f"ffmpeg wrote {written.n_frames} of the model's {shot.frames} frames")


def _check_cancel(cancel: CancelFn | None) -> None:
    if cancel is not None and cancel():
        raise GenerationCancelled("clip cancelled before it was written")


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise VideoGenInputError(f"{name} must be a positive whole number, got {value!r}")
    return value


def _guidance(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 30.0:
        raise VideoGenInputError(f"guidance must be a number in 0…30, got {value!r}")
    return float(value)
