"""Reference images: checked, sized as diffusers sizes them, VAE-encoded once per file."""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from imagegen.errors import ImageGenInputError
from imagegen.flux2.loading import Components

logger = logging.getLogger(__name__)

MIN_SIDE = 64
MAX_ASPECT = 8.0
MAX_AREA = 1024 * 1024
TIME_OFFSET = 10  # reference i sits at position-id time 10 + 10·i


@dataclass(frozen=True)
class EncodedReference:
    """One reference image as packed latent tokens ``(1, n, channels)`` and its token grid."""

    tokens: Any
    grid: tuple[int, int]  # (rows, columns) of latent tokens


def open_reference(path: Path) -> Image.Image:
    """Decode and check a reference image; every refusal says what to do instead."""
    try:
        with Image.open(path) as raw:
            raw.load()
            image = raw.copy()
    except Image.DecompressionBombError as exc:
        raise ImageGenInputError(
            f"reference image {str(path)!r} is too large to decode: {exc}"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageGenInputError(
            f"reference image {str(path)!r} is not a readable image ({exc});"
            " use a PNG, JPEG or WebP"
        ) from exc
    width, height = image.size
    if min(width, height) < MIN_SIDE:
        raise ImageGenInputError(
            f"reference image {str(path)!r} is {width}×{height}; both sides must be at least"
            f" {MIN_SIDE} px — use a larger image"
        )
    if max(width / height, height / width) > MAX_ASPECT:
        raise ImageGenInputError(
            f"reference image {str(path)!r} is {width}×{height}, an aspect ratio beyond"
            f" {MAX_ASPECT:g}:1 — crop it closer to the subject"
        )
    return image


def fit_reference(image: Image.Image, multiple: int) -> tuple[Image.Image, tuple[int, int]]:
    """As diffusers sizes a reference: scaled to at most 1 MP, then cropped to multiples of
    ``multiple``; returns the scaled image and the ``(width, height)`` it is cropped to."""
    from diffusers.pipelines.flux2.image_processor import Flux2ImageProcessor

    if image.width * image.height > MAX_AREA:
        image = Flux2ImageProcessor._resize_to_target_area(image, MAX_AREA)
    return image, (image.width // multiple * multiple, image.height // multiple * multiple)


class ReferenceEncoder:
    """Reference files → latent tokens and position ids, cached by file content."""

    def __init__(self, components: Components, *, capacity: int = 64) -> None:
        self._components = components
        self._capacity = capacity
        self._cache: OrderedDict[str, EncodedReference] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def encode(
        self, paths: tuple[Path, ...], hashes: tuple[str, ...], device: Any
    ) -> tuple[Any, Any]:
        """``(tokens, ids)`` for ``paths`` in order: ``(1, n, channels)`` and ``(1, n, 4)``;
        ``hashes`` are the files' sha256, the cache key."""
        import torch

        encoded = [self._one(path, key, device) for path, key in zip(paths, hashes, strict=True)]
        tokens = torch.cat([e.tokens for e in encoded], dim=1)
        ids = torch.cat(
            [
                torch.cartesian_prod(
                    torch.tensor([TIME_OFFSET + TIME_OFFSET * i]),
                    torch.arange(e.grid[0]),
                    torch.arange(e.grid[1]),
                    torch.arange(1),
                )
                for i, e in enumerate(encoded)
            ]
        )
        return tokens, ids.unsqueeze(0).to(device)

    def _one(self, path: Path, key: str, device: Any) -> EncodedReference:
        if key in self._cache:
            self._cache.move_to_end(key)
            self.hits += 1
            return self._cache[key]
        self.misses += 1
        encoded = self._encode_image(open_reference(path), device)
        self._cache[key] = encoded
        if len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        return encoded

    def _encode_image(self, image: Image.Image, device: Any) -> EncodedReference:
        import torch
        from diffusers.pipelines.flux2.image_processor import Flux2ImageProcessor

        parts = self._components
        multiple = parts.latent_multiple
        image, (width, height) = fit_reference(image, multiple)
        processor = Flux2ImageProcessor(vae_scale_factor=multiple)
        pixels = processor.preprocess(image, height=height, width=width, resize_mode="crop")
        vae = parts.vae
        vae_device = next(vae.parameters()).device
        with torch.inference_mode():
            latents = vae.encode(pixels.to(device=vae_device, dtype=vae.dtype)).latent_dist.mode()
            latents = parts.pipeline_class._patchify_latents(latents)
            mean = vae.bn.running_mean.view(1, -1, 1, 1).to(latents.device, latents.dtype)
            var = vae.bn.running_var.view(1, -1, 1, 1) + vae.config.batch_norm_eps
            latents = (latents - mean) / torch.sqrt(var).to(latents.device, latents.dtype)
        _, _, rows, cols = latents.shape
        tokens = parts.pipeline_class._pack_latents(latents).to(device)
        logger.debug("encoded a %dx%d reference into %d tokens", width, height, rows * cols)
        return EncodedReference(tokens, (rows, cols))
