"""Load an image-to-video folder into its diffusers pipeline (local files only) and run it.

Wan's VAE and CLIP image encoder stay in float32 whatever ``dtype`` the rest runs in, as
Wan's diffusers examples load them; LTX-Video runs wholly in ``dtype``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from videogen.adapter import CancelFn
from videogen.diffusers_i2v.plan import Shot
from videogen.diffusers_i2v.weights import LTX, WeightsInfo
from videogen.errors import GenerationCancelled, VideoGenError, VideoGenInputError

if TYPE_CHECKING:
    import numpy as np
    import torch
    from PIL import Image

logger = logging.getLogger(__name__)

_LOAD_ERRORS = (OSError, ValueError, RuntimeError, KeyError, TypeError, AttributeError)
_DTYPES = {
    "bf16": "bfloat16", "bfloat16": "bfloat16",
    "fp16": "float16", "float16": "float16", "half": "float16",
    "fp32": "float32", "float32": "float32", "float": "float32",
}  # fmt: skip


def resolve_device(device: Any) -> torch.device:
    """``device`` as a torch device; None picks CUDA when there is one, else the CPU."""
    import torch

    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise VideoGenInputError(
            f"device={device!r} is not a torch device (e.g. 'cuda', 'cuda:1', 'cpu'): {exc}"
        ) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise VideoGenInputError(f"device={device!r} but CUDA is not available here; use 'cpu'")
    return resolved


def resolve_dtype(dtype: Any, device: torch.device) -> torch.dtype:
    """``dtype`` as a torch dtype; None is bfloat16 on CUDA and float32 elsewhere."""
    import torch

    if dtype is None:
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    name = str(dtype).removeprefix("torch.").lower()
    if name not in _DTYPES:
        raise VideoGenInputError(
            f"dtype={dtype!r} is not one of {', '.join(sorted(set(_DTYPES.values())))}"
        )
    resolved: torch.dtype = getattr(torch, _DTYPES[name])
    return resolved


def load_pipeline(info: WeightsInfo, device: torch.device, dtype: torch.dtype) -> Any:
    """The diffusers pipeline of ``info``'s folder on ``device``, without touching the network.

    VideoGenInputError when the folder's files do not load as that model; VideoGenError when a
    package the model's pipeline needs is missing.
    """
    import diffusers
    import torch

    pipeline_class = getattr(diffusers, info.model.pipeline)
    dtypes: dict[str, torch.dtype] = {"default": dtype}
    if info.model is not LTX:
        _check_wan_text_cleaning()
        dtypes |= {"vae": torch.float32, "image_encoder": torch.float32}
    logger.info("loading %s from %s (%s on %s)", info.label, info.folder, dtype, device)
    try:
        with _quiet_loading():
            pipe = pipeline_class.from_pretrained(info.folder, dtype=dtypes, local_files_only=True)
    except _LOAD_ERRORS as exc:
        raise VideoGenInputError(
            f"weights folder {str(info.folder)!r} could not be loaded as {info.label}:"
            f" {_first_line(exc)}"
        ) from exc
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device)


def run_pipeline(
    pipe: Any,
    info: WeightsInfo,
    shot: Shot,
    *,
    image: Image.Image,
    last_image: Image.Image | None,
    prompt: str,
    negative_prompt: str,
    steps: int,
    guidance: float,
    seed: int,
    cancel: CancelFn | None = None,
) -> np.ndarray:
    """The model's frames for one clip as ``(shot.frames, shot.height, shot.width, 3)`` float32
    in 0…1, exactly as ``pipe(...)`` returns them with ``output_type="np"``.

    ``cancel`` is polled after every denoising step (GenerationCancelled when it says stop).
    """
    import torch

    def on_step_end(pipeline: Any, step: int, timestep: Any, tensors: dict[str, Any]) -> Any:
        if cancel is not None and cancel():
            pipeline._interrupt = True
            raise GenerationCancelled(f"{info.label} clip cancelled after step {step + 1}/{steps}")
        logger.debug("%s: step %d/%d", info.label, step + 1, steps)
        return tensors

    options: dict[str, Any] = {}
    if last_image is not None:
        options["last_image"] = last_image
    if info.model is LTX:
        options["frame_rate"] = shot.fps  # LTX's rotary positions depend on the frame rate
    try:
        out = pipe(
            image=image,
            prompt=prompt,
            negative_prompt=negative_prompt,
            height=shot.height,
            width=shot.width,
            num_frames=shot.frames,
            num_inference_steps=steps,
            guidance_scale=guidance,
            generator=torch.Generator(pipe.device).manual_seed(seed),
            output_type="np",
            callback_on_step_end=on_step_end,
            **options,
        )
    except torch.OutOfMemoryError as exc:
        raise VideoGenError(
            f"{info.label} ran out of device memory making {shot.frames} frames at"
            f" {shot.width}x{shot.height}; lower max_area or max_frames"
        ) from exc
    frames: np.ndarray = out.frames[0]
    if frames.shape != (shot.frames, shot.height, shot.width, 3):
        raise VideoGenError(
            f"{info.label} returned frames of shape {frames.shape}, expected"
            f" {(shot.frames, shot.height, shot.width, 3)}"
        )
    return frames


def _check_wan_text_cleaning() -> None:
    """diffusers' Wan pipelines clean every prompt with ftfy and fail without it."""
    from diffusers.pipelines.wan import pipeline_wan_i2v

    if getattr(pipeline_wan_i2v, "ftfy", None) is None:
        raise VideoGenError(
            "Wan's diffusers pipeline cleans prompts with the ftfy package, which is not"
            " installed here; install it (pip install ftfy)"
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


@contextlib.contextmanager
def _quiet_loading() -> Iterator[None]:
    """No diffusers/transformers loading bars on the user's terminal; our log says it loads."""
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    shown = [m.is_progress_bar_enabled() for m in (diffusers_logging, transformers_logging)]
    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        for module, was_shown in zip((diffusers_logging, transformers_logging), shown, strict=True):
            if was_shown:
                module.enable_progress_bar()
