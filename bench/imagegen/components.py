"""Random FLUX.2 [klein] pipelines at benchmark scale, built in memory (nothing downloaded).

``small`` keeps the real structure at CPU size: the 4-level VAE (16 px per token, 128 packed
channels), a Qwen3 text encoder whose three hidden layers feed the transformer, double and
single-stream blocks. ``klein-4b`` and ``klein-9b`` have the published shapes (transformers as in
shared/tools/gpu_anchor.py, the default ``AutoencoderKLFlux2``, Qwen3-4B / Qwen3-8B) and are built
straight on the device in the given dtype. Weights are random: the time a model takes, and
whether two samplers draw the same picture with it, do not depend on their values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("klein", "klein-kv")


@dataclass(frozen=True)
class Scale:
    """The shapes of one benchmark model and how its prompts are encoded."""

    name: str
    transformer: dict[str, Any]
    text: dict[str, Any]  # Qwen3Config keywords; vocab_size None = the offline tokenizer's
    vae: dict[str, Any] = field(default_factory=dict)  # AutoencoderKLFlux2 keywords
    text_layers: tuple[int, ...] = (9, 18, 27)
    max_tokens: int = 512


_QWEN3 = {"head_dim": 128, "num_attention_heads": 32, "num_key_value_heads": 8}
_QWEN3.update(num_hidden_layers=36, vocab_size=151936, max_position_embeddings=40960)

SCALES = {
    s.name: s
    for s in (
        Scale(
            "small",
            transformer=dict(
                num_layers=2,
                num_single_layers=4,
                num_attention_heads=4,
                attention_head_dim=32,
                joint_attention_dim=3 * 64,
                axes_dims_rope=(8, 8, 8, 8),
            ),
            text=dict(
                hidden_size=64,
                intermediate_size=192,
                num_hidden_layers=4,
                num_attention_heads=4,
                num_key_value_heads=2,
                head_dim=16,
                vocab_size=None,
                max_position_embeddings=1024,
            ),
            vae=dict(block_out_channels=(16, 32, 32, 32), norm_num_groups=8, sample_size=256),
            text_layers=(1, 2, 3),
            max_tokens=64,
        ),
        Scale(
            "klein-4b",
            transformer=dict(
                num_layers=5,
                num_single_layers=20,
                num_attention_heads=24,
                attention_head_dim=128,
                joint_attention_dim=7680,
            ),
            text=dict(_QWEN3, hidden_size=2560, intermediate_size=9728, tie_word_embeddings=True),
        ),
        Scale(
            "klein-9b",
            transformer=dict(
                num_layers=8,
                num_single_layers=24,
                num_attention_heads=32,
                attention_head_dim=128,
                joint_attention_dim=12288,
            ),
            text=dict(_QWEN3, hidden_size=4096, intermediate_size=12288, tie_word_embeddings=False),
        ),
    )
}


def scale(name: str) -> Scale:
    if name not in SCALES:
        raise ValueError(f"scale {name!r} is not one of {', '.join(SCALES)}")
    return SCALES[name]


def build_pipeline(
    name: str, kind: str, *, device: str = "cpu", dtype: Any = None, seed: int = 0
) -> Any:
    """A ``Flux2KleinPipeline`` (distilled, ``kind="klein"``) or ``Flux2KleinKVPipeline``
    (``kind="klein-kv"``) of random weights at scale ``name``, built on ``device`` in ``dtype``
    (float32 when None) so that no full-size float32 copy is ever made."""
    import torch
    from diffusers import (
        AutoencoderKLFlux2,
        FlowMatchEulerDiscreteScheduler,
        Flux2KleinKVPipeline,
        Flux2KleinPipeline,
        Flux2Transformer2DModel,
    )
    from transformers import Qwen3Config, Qwen3ForCausalLM

    from tests.support.flux2 import qwen_tokenizer

    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    spec = scale(name)
    tokenizer = qwen_tokenizer()
    text = {**spec.text, "vocab_size": spec.text["vocab_size"] or len(tokenizer)}
    previous = torch.get_default_dtype()
    torch.manual_seed(seed)
    torch.set_default_dtype(dtype or torch.float32)
    transformer: Any
    vae: Any
    text_encoder: Any
    try:
        with torch.device(device):
            transformer = Flux2Transformer2DModel(
                in_channels=128, guidance_embeds=False, **spec.transformer
            )
            vae = AutoencoderKLFlux2(**spec.vae)
            text_encoder = Qwen3ForCausalLM(Qwen3Config(**text))
    finally:
        torch.set_default_dtype(previous)
    parts = dict(
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0, use_dynamic_shifting=True),
        vae=vae.eval(),
        text_encoder=text_encoder.eval(),
        tokenizer=tokenizer,
        transformer=transformer.eval(),
    )
    pipe: Any
    if kind == "klein-kv":
        pipe = Flux2KleinKVPipeline(**parts)
    else:
        pipe = Flux2KleinPipeline(**parts, is_distilled=True)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def weights_gb(pipe: Any) -> dict[str, float]:
    """Gigabytes of parameters per component."""
    return {
        part: round(sum(p.numel() * p.element_size() for p in module.parameters()) / 2**30, 2)
        for part, module in (
            ("transformer", pipe.transformer),
            ("text_encoder", pipe.text_encoder),
            ("vae", pipe.vae),
        )
    }
