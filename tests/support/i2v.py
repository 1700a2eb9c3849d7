"""Tiny random image-to-video weights folders in diffusers layout, built offline (no hub access).

The components follow diffusers' own pipeline tests (``tests/pipelines/wan/
test_wan_image_to_video.py``, ``tests/pipelines/ltx/test_ltx_image2video.py``): one- or two-layer
transformers, a one-block-per-level VAE, a one-layer T5/UMT5 text encoder. The tests there take
the text encoder and tokenizer from ``hf-internal-testing/tiny-random-t5`` on the hub; here a
Unigram tokenizer over single characters is made in code instead.

Kinds of Wan folder: ``wan2.1`` (CLIP image encoder, like Wan2.1-I2V-14B), ``flf2v`` (the same
with an image embedder for two images' CLIP tokens, like Wan2.1-FLF2V-14B), ``wan2.2`` (two
transformers split by ``boundary_ratio``, no image encoder, like Wan2.2-I2V-A14B) and ``ti2v``
(saved as ``WanPipeline`` with ``expand_timesteps``, like Wan2.2-TI2V-5B).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEXT_DIM = 32
WAN_KINDS = ("wan2.1", "flf2v", "wan2.2", "ti2v")
_CLIP_TOKENS = (32 // 4) ** 2 + 1  # the tiny CLIP's patches and class token
_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789.,'-"


def t5_tokenizer() -> Any:
    """A T5 tokenizer whose pieces are ``▁`` and single characters (no sentinel tokens)."""
    from transformers import T5Tokenizer

    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    vocab += [(c, -3.0) for c in _CHARS] + [(f"▁{c}", -2.5) for c in _CHARS]
    return T5Tokenizer(vocab=vocab, extra_ids=0)


def _vocab_size() -> int:
    return 4 + 2 * len(_CHARS)


def _umt5(seed: int) -> Any:
    import torch
    from transformers import UMT5Config, UMT5EncoderModel

    torch.manual_seed(seed)
    config = UMT5Config(
        vocab_size=_vocab_size(),
        d_model=TEXT_DIM,
        d_kv=8,
        d_ff=32,
        num_layers=1,
        num_heads=4,
        relative_attention_num_buckets=8,
    )
    return UMT5EncoderModel(config)


def _t5(seed: int) -> Any:
    import torch
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(seed)
    config = T5Config(
        vocab_size=_vocab_size(),
        d_model=TEXT_DIM,
        d_kv=8,
        d_ff=32,
        num_layers=1,
        num_heads=4,
        relative_attention_num_buckets=8,
    )
    return T5EncoderModel(config)


def _wan_transformer(
    seed: int, *, in_channels: int, image_dim: int | None, image_tokens: int | None = None
) -> Any:
    import torch
    from diffusers import WanTransformer3DModel

    torch.manual_seed(seed)
    return WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=in_channels,
        out_channels=16,
        text_dim=TEXT_DIM,
        freq_dim=256,
        ffn_dim=32,
        num_layers=1,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
        image_dim=image_dim,
        pos_embed_seq_len=image_tokens,
    )


def _wan_vae(seed: int) -> Any:
    import torch
    from diffusers import AutoencoderKLWan

    torch.manual_seed(seed)
    return AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
        temperal_downsample=[False, True, True],
    )  # fmt: skip


def _clip(seed: int) -> tuple[Any, Any]:
    import torch
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    torch.manual_seed(seed)
    config = CLIPVisionConfig(
        hidden_size=4, projection_dim=4, num_hidden_layers=2, num_attention_heads=2,
        image_size=32, intermediate_size=16, patch_size=4,
    )  # fmt: skip
    return CLIPVisionModel(config), CLIPImageProcessor(crop_size=32, size=32)


def wan_pipeline(kind: str = "wan2.1", seed: int = 0) -> Any:
    """A tiny Wan image-to-video pipeline of ``kind`` (one of WAN_KINDS)."""
    from diffusers import FlowMatchEulerDiscreteScheduler, WanImageToVideoPipeline

    if kind not in WAN_KINDS:
        raise ValueError(f"kind must be one of {WAN_KINDS}, got {kind!r}")
    parts: dict[str, Any] = {
        "tokenizer": t5_tokenizer(),
        "text_encoder": _umt5(seed),
        "vae": _wan_vae(seed),
        "scheduler": FlowMatchEulerDiscreteScheduler(shift=7.0),
    }
    if kind in ("wan2.1", "flf2v"):
        encoder, processor = _clip(seed)
        parts |= {"image_encoder": encoder, "image_processor": processor}
        tokens = 2 * _CLIP_TOKENS if kind == "flf2v" else None
        parts["transformer"] = _wan_transformer(
            seed, in_channels=36, image_dim=4, image_tokens=tokens
        )
    elif kind == "wan2.2":
        parts["transformer"] = _wan_transformer(seed, in_channels=36, image_dim=None)
        parts["transformer_2"] = _wan_transformer(seed + 1, in_channels=36, image_dim=None)
        parts["boundary_ratio"] = 0.875
    else:
        parts["transformer"] = _wan_transformer(seed, in_channels=16, image_dim=None)
        parts["expand_timesteps"] = True
    return WanImageToVideoPipeline(**parts)


def write_wan(folder: Path, kind: str = "wan2.1", seed: int = 0) -> Path:
    """Save a tiny Wan pipeline of ``kind`` in diffusers layout under ``folder``.

    ``ti2v`` is saved as Wan2.2-TI2V-5B is published: ``model_index.json`` names ``WanPipeline``
    (the text-to-video class) with ``expand_timesteps`` and no image-encoder entries.
    """
    wan_pipeline(kind, seed).save_pretrained(folder)
    if kind == "ti2v":
        index = read_index(folder)
        index["_class_name"] = "WanPipeline"
        for name in ("image_encoder", "image_processor", "boundary_ratio"):
            index.pop(name, None)
        write_index(folder, index)
    return folder


def ltx_pipeline(seed: int = 0) -> Any:
    """A tiny LTX-Video image-to-video pipeline (4× spatial and temporal compression)."""
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXImageToVideoPipeline,
        LTXVideoTransformer3DModel,
    )

    torch.manual_seed(seed)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4,
        attention_head_dim=8, cross_attention_dim=32, num_layers=1, caption_channels=TEXT_DIM,
    )  # fmt: skip
    torch.manual_seed(seed)
    vae = AutoencoderKLLTXVideo(
        in_channels=3,
        out_channels=3,
        latent_channels=8,
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        decoder_inject_noise=(False, False, False, False, False),
        upsample_residual=(False, False, False, False),
        upsample_factor=(1, 1, 1, 1),
        timestep_conditioning=False,
        patch_size=1,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
    )
    return LTXImageToVideoPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=vae,
        text_encoder=_t5(seed),
        tokenizer=t5_tokenizer(),
        transformer=transformer,
    )


def write_ltx(folder: Path, seed: int = 0, *, class_name: str | None = None) -> Path:
    """Save a tiny LTX-Video pipeline under ``folder``; ``class_name`` renames the pipeline in
    ``model_index.json`` (Lightricks/LTX-Video itself says ``LTXPipeline``)."""
    ltx_pipeline(seed).save_pretrained(folder)
    if class_name is not None:
        index = read_index(folder)
        index["_class_name"] = class_name
        write_index(folder, index)
    return folder


def read_index(folder: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
    return value


def write_index(folder: Path, index: dict[str, Any]) -> None:
    (folder / "model_index.json").write_text(json.dumps(index, indent=2), encoding="utf-8")
