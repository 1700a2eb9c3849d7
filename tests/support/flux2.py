"""Tiny random FLUX.2 weights folders in diffusers layout, built offline (no hub access).

The components follow diffusers' own pipeline tests (one double and one single block, a one-block
VAE, a two-layer text encoder); the tokenizer is a byte-level vocabulary made here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEXT_LAYERS = (1,)
MAX_TOKENS = 32
SHARPEN = 3.0
_CHAT = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}"
    "{% for part in m['content'] %}{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _vocab() -> dict[str, int]:
    tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "Ġ", "Ċ"]
    tokens += [chr(i) for i in range(33, 127)]
    return {t: i for i, t in enumerate(tokens)}


def qwen_tokenizer() -> Any:
    from transformers import Qwen2TokenizerFast

    tok = Qwen2TokenizerFast(
        vocab=_vocab(), merges=[], eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    tok.chat_template = _CHAT
    return tok


def _transformer(
    guidance: bool, seed: int, *, in_channels: int = 4, text_dim: int = 16 * len(TEXT_LAYERS)
) -> Any:
    import torch
    from diffusers import Flux2Transformer2DModel

    torch.manual_seed(seed)
    model = Flux2Transformer2DModel(
        patch_size=1,
        in_channels=in_channels,
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=text_dim,
        timestep_guidance_channels=256,
        axes_dims_rope=[4, 4, 4, 4],
        guidance_embeds=guidance,
    )
    with torch.no_grad():  # default init barely lets references move the picture; make them count
        for param in model.parameters():  # type: ignore[attr-defined]
            if param.ndim == 2:
                param.mul_(SHARPEN)
    return model


def _vae(seed: int) -> Any:
    import torch
    from diffusers import AutoencoderKLFlux2

    torch.manual_seed(seed)
    return AutoencoderKLFlux2(
        sample_size=32,
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",),
        up_block_types=("UpDecoderBlock2D",),
        block_out_channels=(4,),
        layers_per_block=1,
        latent_channels=1,
        norm_num_groups=1,
        use_quant_conv=False,
        use_post_quant_conv=False,
    )


def _qwen(seed: int) -> Any:
    import torch
    from transformers import Qwen3Config, Qwen3ForCausalLM

    config = Qwen3Config(
        intermediate_size=16,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        vocab_size=len(_vocab()),
        max_position_embeddings=512,
    )
    torch.manual_seed(seed)
    return Qwen3ForCausalLM(config)


def klein_pipeline(kind: str = "klein", seed: int = 0) -> Any:
    """A diffusers pipeline of tiny random components: kind is klein, klein-base or klein-kv."""
    return _klein(kind, _qwen(seed), _transformer(False, seed), _vae(seed))


def _klein(kind: str, text_encoder: Any, transformer: Any, vae: Any) -> Any:
    """The klein pipeline of ``kind`` around these components (scheduler and tokenizer added)."""
    from diffusers import FlowMatchEulerDiscreteScheduler, Flux2KleinKVPipeline, Flux2KleinPipeline

    parts = {
        "scheduler": FlowMatchEulerDiscreteScheduler(),
        "text_encoder": text_encoder,
        "tokenizer": qwen_tokenizer(),
        "transformer": transformer,
        "vae": vae,
    }
    if kind == "klein-kv":
        return Flux2KleinKVPipeline(**parts)
    return Flux2KleinPipeline(**parts, is_distilled=kind == "klein")


def write_klein(folder: Path, kind: str = "klein", seed: int = 0) -> Path:
    """Save a tiny pipeline of ``kind`` in diffusers layout under ``folder``."""
    klein_pipeline(kind, seed).save_pretrained(folder)
    return folder


def _mistral(seed: int) -> Any:
    import torch
    from transformers import Mistral3Config, Mistral3ForConditionalGeneration

    config = Mistral3Config(
        text_config={
            "model_type": "mistral",
            "vocab_size": len(_vocab()),
            "hidden_size": 16,
            "intermediate_size": 37,
            "max_position_embeddings": 512,
            "num_attention_heads": 4,
            "num_hidden_layers": 1,
            "num_key_value_heads": 2,
            "rms_norm_eps": 1e-05,
            "rope_theta": 1000000000.0,
            "sliding_window": None,
            "pad_token_id": 0,
        },
        vision_config={
            "model_type": "pixtral",
            "hidden_size": 16,
            "num_hidden_layers": 1,
            "num_attention_heads": 4,
            "intermediate_size": 37,
            "image_size": 30,
            "patch_size": 6,
            "num_channels": 3,
        },
        image_seq_length=4,
        vision_feature_layer=-1,
        image_token_index=1,
    )
    torch.manual_seed(seed)
    return Mistral3ForConditionalGeneration(config)


def dev_pipeline(seed: int = 0) -> Any:
    """A tiny FLUX.2 [dev] pipeline; a plain tokenizer stands in for Mistral's processor (the
    pipeline only uses its chat template, and the processor would need torchvision)."""
    from diffusers import FlowMatchEulerDiscreteScheduler, Flux2Pipeline

    return Flux2Pipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=_mistral(seed),
        tokenizer=qwen_tokenizer(),
        transformer=_transformer(True, seed),
        vae=_vae(seed),
    )


def write_dev(folder: Path, seed: int = 0) -> Path:
    dev_pipeline(seed).save_pretrained(folder)
    return folder


def write_render_sized(folder: Path, kind: str = "klein", seed: int = 0) -> Path:
    """A random klein folder that works with the engine's defaults at render sizes: the real
    4-level VAE layout (16 px per token), a 28-layer text encoder (layers 9, 18, 27 exist, 512
    tokens), all of it narrow so a 640×368 frame takes well under a second on a CPU."""
    import torch
    from diffusers import AutoencoderKLFlux2
    from transformers import Qwen3Config, Qwen3ForCausalLM

    transformer = _transformer(False, seed, in_channels=128, text_dim=3 * 16)
    torch.manual_seed(seed)
    vae = AutoencoderKLFlux2(block_out_channels=(8, 8, 8, 8), norm_num_groups=4, layers_per_block=1)
    text = Qwen3ForCausalLM(
        Qwen3Config(
            hidden_size=16,
            intermediate_size=16,
            num_hidden_layers=28,
            num_attention_heads=2,
            num_key_value_heads=2,
            head_dim=8,
            vocab_size=len(_vocab()),
            max_position_embeddings=1024,
        )
    )
    _klein(kind, text, transformer, vae).save_pretrained(folder)
    return folder
