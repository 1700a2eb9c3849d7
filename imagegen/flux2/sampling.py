"""The denoising loop for a batch of frames that share size, steps, guidance and references."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from imagegen.errors import GenerationCancelled
from imagegen.flux2.loading import Components
from imagegen.flux2.variants import Variant

StepFn = Callable[[], None]


@dataclass
class Batch:
    """Frames denoised together: one entry per frame in ``seeds`` and ``embeds``."""

    width: int
    height: int
    steps: int
    guidance: float | None
    seeds: list[int]
    embeds: list[Any]  # (1, tokens, dim) per frame
    negative: Any | None = None  # (1, tokens, dim) empty-prompt embeddings for CFG
    ref_tokens: Any | None = None  # (1, n, channels)
    ref_ids: Any | None = None  # (1, n, 4)
    ref_kv: Any | None = None  # Flux2KVCache for the references (kv variant)


def initial_noise(components: Components, batch: Batch, device: Any, dtype: Any) -> Any:
    """Packed noise ``(B, tokens, channels)``, each frame drawn from its own CPU generator."""
    import torch
    from diffusers.utils.torch_utils import randn_tensor

    multiple = components.latent_multiple
    channels = components.transformer.config.in_channels
    shape = (1, channels, batch.height // multiple, batch.width // multiple)
    frames = [
        randn_tensor(
            shape, generator=torch.Generator("cpu").manual_seed(seed), device=device, dtype=dtype
        )
        for seed in batch.seeds
    ]
    return torch.cat(frames)


def denoise(
    components: Components,
    variant: Variant,
    batch: Batch,
    device: Any,
    *,
    cancel: Callable[[], bool] | None = None,
    on_step: StepFn | None = None,
) -> Any:
    """Run the sampling loop; returns unpacked latents ``(B, channels, rows, cols)``."""
    import torch
    from diffusers.pipelines.flux2.pipeline_flux2_klein import (
        Flux2KleinPipeline,
        compute_empirical_mu,
        retrieve_timesteps,
    )

    parts = components
    transformer = parts.transformer
    embeds = torch.cat(batch.embeds)
    size = len(batch.seeds)
    noise = initial_noise(parts, batch, device, embeds.dtype)
    rows, cols = noise.shape[2], noise.shape[3]
    latent_ids = parts.pipeline_class._prepare_latent_ids(noise).to(device)
    latents = parts.pipeline_class._pack_latents(noise)
    text_ids = parts.pipeline_class._prepare_text_ids(embeds).to(device)

    scheduler = type(parts.scheduler).from_config(parts.scheduler.config)
    sigmas: Any = _linear_sigmas(batch.steps)
    if getattr(scheduler.config, "use_flow_sigmas", False):
        sigmas = None
    mu = compute_empirical_mu(image_seq_len=latents.shape[1], num_steps=batch.steps)
    timesteps, _ = retrieve_timesteps(scheduler, batch.steps, device, sigmas=sigmas, mu=mu)
    scheduler.set_begin_index(0)

    guidance = None
    if variant.embedded_guidance:
        guidance = torch.full([1], batch.guidance, device=device, dtype=torch.float32).expand(size)
    negative = negative_ids = None
    if variant.cfg and batch.negative is not None and batch.guidance and batch.guidance > 1:
        negative = batch.negative.expand(size, -1, -1)
        negative_ids = parts.pipeline_class._prepare_text_ids(negative).to(device)

    forward = _Forward(transformer, batch, latent_ids, size)
    with torch.inference_mode():
        for t in timesteps:
            if cancel is not None and cancel():
                raise GenerationCancelled("cancelled between denoising steps")
            timestep = t.expand(size).to(latents.dtype) / 1000
            pred = forward(latents, timestep, embeds, text_ids, guidance)
            if negative is not None:
                uncond = forward(latents, timestep, negative, negative_ids, guidance)
                pred = uncond + batch.guidance * (pred - uncond)
            latents = scheduler.step(pred, t, latents, return_dict=False)[0]
            if on_step is not None:
                on_step()
    return Flux2KleinPipeline._unpack_latents_with_ids(latents, latent_ids, rows, cols)


class _Forward:
    """One transformer evaluation on the frames' tokens, with references joined or cached."""

    def __init__(self, transformer: Any, batch: Batch, latent_ids: Any, size: int) -> None:
        import torch

        self._transformer = transformer
        self._kv = _expand_cache(batch.ref_kv, size) if batch.ref_kv is not None else None
        self._refs = None
        self._ids = latent_ids
        if batch.ref_tokens is not None and batch.ref_ids is not None and self._kv is None:
            self._refs = batch.ref_tokens.expand(size, -1, -1)
            self._ids = torch.cat([latent_ids, batch.ref_ids.expand(size, -1, -1)], dim=1)

    def __call__(
        self, latents: Any, timestep: Any, embeds: Any, text_ids: Any, guidance: Any
    ) -> Any:
        import torch

        dtype = self._transformer.dtype
        tokens = latents.size(1)
        inputs = latents if self._refs is None else torch.cat([latents, self._refs], dim=1)
        extra: dict[str, Any] = {}
        if self._kv is not None:
            extra = {"kv_cache": self._kv, "kv_cache_mode": "cached"}
        out = self._transformer(
            hidden_states=inputs.to(dtype),
            timestep=timestep,
            guidance=guidance,
            encoder_hidden_states=embeds,
            txt_ids=text_ids,
            img_ids=self._ids,
            return_dict=False,
            **extra,
        )[0]
        return out[:, :tokens]


def _linear_sigmas(steps: int) -> Any:
    import numpy as np

    return np.linspace(1.0, 1 / steps, steps)


def _expand_cache(cache: Any, size: int) -> Any:
    """The reference K/V of one frame repeated (as views) for ``size`` frames."""
    if size == 1:
        return cache
    from diffusers.models.transformers.transformer_flux2 import Flux2KVCache

    wide = Flux2KVCache(len(cache.double_block_caches), len(cache.single_block_caches))
    wide.num_ref_tokens = cache.num_ref_tokens
    for source, target in zip(
        cache.double_block_caches + cache.single_block_caches,
        wide.double_block_caches + wide.single_block_caches,
        strict=True,
    ):
        k, v = source.get()
        target.store(k.expand(size, -1, -1, -1), v.expand(size, -1, -1, -1))
    return wide


def extract_reference_kv(components: Components, ref_tokens: Any, ref_ids: Any) -> Any:
    """Reference K/V for every layer, computed once: references attend only to themselves at a
    fixed timestep, so the result depends on the images alone (not prompt, seed or step)."""
    import torch

    transformer = components.transformer
    device = ref_tokens.device
    text = torch.zeros(
        1, 1, transformer.config.joint_attention_dim, device=device, dtype=transformer.dtype
    )
    text_ids = torch.zeros(1, 1, 4, dtype=torch.long, device=device)
    with torch.inference_mode():
        _, cache = transformer(
            hidden_states=ref_tokens.to(transformer.dtype),
            encoder_hidden_states=text,
            timestep=torch.ones(1, device=device, dtype=transformer.dtype),
            img_ids=ref_ids,
            txt_ids=text_ids,
            guidance=None,
            return_dict=False,
            kv_cache_mode="extract",
            num_ref_tokens=ref_tokens.shape[1],
        )
    return cache


def decode(components: Components, latents: Any) -> list[Any]:
    """Latents ``(B, channels, rows, cols)`` → PIL images, one VAE call per frame (as diffusers)."""
    import torch
    from diffusers.pipelines.flux2.image_processor import Flux2ImageProcessor

    vae = components.vae
    processor = Flux2ImageProcessor(vae_scale_factor=components.latent_multiple)
    mean = vae.bn.running_mean.view(1, -1, 1, 1).to(latents.device, latents.dtype)
    std = torch.sqrt(vae.bn.running_var.view(1, -1, 1, 1) + vae.config.batch_norm_eps).to(
        latents.device, latents.dtype
    )
    vae_device = next(vae.parameters()).device
    images = []
    with torch.inference_mode():
        for frame in latents.split(1):
            frame = components.pipeline_class._unpatchify_latents(frame * std + mean)
            pixels = vae.decode(frame.to(vae_device), return_dict=False)[0]
            images.extend(processor.postprocess(pixels, output_type="pil"))
    return images
