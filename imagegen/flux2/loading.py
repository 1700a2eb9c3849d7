"""Load a FLUX.2 weights folder into components, from local files only."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from imagegen.errors import WeightsError
from imagegen.flux2.variants import WeightsInfo

logger = logging.getLogger(__name__)


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
    try:
        pipe = pipeline_class.from_pretrained(info.folder, dtype=dtype, local_files_only=True)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsError(
            f"{info.folder} could not be loaded as FLUX.2 {info.label}: {first_line[:300]}"
        ) from exc
    return Components(
        pipeline_class=pipeline_class,
        text_encoder=pipe.text_encoder.eval(),
        tokenizer=pipe.tokenizer,
        transformer=pipe.transformer.eval(),
        vae=pipe.vae.eval(),
        scheduler=pipe.scheduler,
    )
