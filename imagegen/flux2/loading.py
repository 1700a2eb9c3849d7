"""Load a FLUX.2 weights folder into components, from local files only.

The folder is in diffusers layout: ``model_index.json`` beside ``scheduler/``, ``text_encoder/``,
``tokenizer/``, ``transformer/`` and ``vae/``, each as the model's Hugging Face repository has it.

The transformer may instead come as Black Forest Labs publish it, one ``.safetensors`` file in
their key layout (``double_blocks.N.img_attn.qkv.weight``, ``single_blocks.N.linear1.weight``,
``img_in``, ``final_layer`` …; a ``model.diffusion_model.`` prefix is allowed)::

    FLUX.2-klein-4B/
        model_index.json  scheduler/  text_encoder/  tokenizer/  vae/
        transformer/
            config.json                  # from the diffusers repository of the same model
            flux-2-klein-4b.safetensors  # BFL's file, any name, instead of
                                         # diffusion_pytorch_model*.safetensors

``transformer/`` then holds exactly that one ``.safetensors`` file; its block counts must match
``config.json``. diffusers converts it (``from_single_file`` with this folder as the config, never
the hub) and the rest of the folder loads as usual.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imagegen.errors import WeightsError
from imagegen.flux2.variants import WeightsInfo

logger = logging.getLogger(__name__)

_LOAD_ERRORS = (OSError, ValueError, RuntimeError, KeyError, TypeError)
_BFL_PREFIX = "model.diffusion_model."


@dataclass
class Components:
    """The parts the engine samples with, and the diffusers pipeline class they came from."""

    pipeline_class: Any
    text_encoder: Any
    tokenizer: Any
    transformer: Any
    vae: Any
    scheduler: Any

    @property
    def latent_multiple(self) -> int:
        """Pixels per latent token side (16 for the real VAE): 2 ** (blocks - 1) × 2×2 patches."""
        return int(2 ** (len(self.vae.config.block_out_channels) - 1) * 2)


def load_components(info: WeightsInfo, dtype: Any) -> Components:
    """Build the components of ``info``'s folder in ``dtype`` without touching the network."""
    import diffusers

    pipeline_class = getattr(diffusers, info.variant.pipeline)
    logger.info("loading FLUX.2 %s from %s (%s)", info.label, info.folder, dtype)
    parts: dict[str, Any] = {}
    if info.single_file is not None:
        parts["transformer"] = _load_single_file(info.single_file, info.folder, dtype)
    try:
        with _quiet_loading():
            pipe = pipeline_class.from_pretrained(
                info.folder, dtype=dtype, local_files_only=True, **parts
            )
    except _LOAD_ERRORS as exc:
        raise WeightsError(
            f"{info.folder} could not be loaded as FLUX.2 {info.label}: {_first_line(exc)}"
        ) from exc
    return Components(
        pipeline_class=pipeline_class,
        text_encoder=pipe.text_encoder.eval(),
        tokenizer=pipe.tokenizer,
        transformer=pipe.transformer.eval(),
        vae=pipe.vae.eval(),
        scheduler=pipe.scheduler,
    )


def _load_single_file(path: Path, folder: Path, dtype: Any) -> Any:
    """The transformer from a BFL-layout checkpoint, configured by ``folder/transformer``."""
    from diffusers import Flux2Transformer2DModel
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    logger.info("loading the FLUX.2 transformer from the single file %s", path)
    try:
        checkpoint = load_file(path)
        checkpoint = {k.removeprefix(_BFL_PREFIX): v for k, v in checkpoint.items()}
        return Flux2Transformer2DModel.from_single_file(
            checkpoint,
            config=str(folder),
            subfolder="transformer",
            dtype=dtype,
            local_files_only=True,
        )
    except (*_LOAD_ERRORS, SafetensorError) as exc:
        raise WeightsError(
            f"{path} could not be loaded as a FLUX.2 transformer: {_first_line(exc)}"
        ) from exc


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
