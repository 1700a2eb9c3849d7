"""FLUX.2 transformer weights in Black Forest Labs' single-file key layout, made from diffusers'.

The inverse of diffusers' ``convert_flux2_transformer_checkpoint_to_diffusers``: Q, K and V are
fused back into ``qkv``, the final modulation goes back to (shift, scale) order, modules get BFL's
names and the attention norms' ``.weight`` becomes ``.scale``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_RENAMES = {  # diffusers prefix -> BFL prefix, outside the blocks
    "x_embedder": "img_in",
    "context_embedder": "txt_in",
    "time_guidance_embed.timestep_embedder.linear_1": "time_in.in_layer",
    "time_guidance_embed.timestep_embedder.linear_2": "time_in.out_layer",
    "time_guidance_embed.guidance_embedder.linear_1": "guidance_in.in_layer",
    "time_guidance_embed.guidance_embedder.linear_2": "guidance_in.out_layer",
    "double_stream_modulation_img.linear": "double_stream_modulation_img.lin",
    "double_stream_modulation_txt.linear": "double_stream_modulation_txt.lin",
    "single_stream_modulation.linear": "single_stream_modulation.lin",
    "proj_out": "final_layer.linear",
}
_DOUBLE = {
    "attn.norm_q": "img_attn.norm.query_norm",
    "attn.norm_k": "img_attn.norm.key_norm",
    "attn.to_out.0": "img_attn.proj",
    "ff.linear_in": "img_mlp.0",
    "ff.linear_out": "img_mlp.2",
    "attn.norm_added_q": "txt_attn.norm.query_norm",
    "attn.norm_added_k": "txt_attn.norm.key_norm",
    "attn.to_add_out": "txt_attn.proj",
    "ff_context.linear_in": "txt_mlp.0",
    "ff_context.linear_out": "txt_mlp.2",
}
_SINGLE = {
    "attn.to_qkv_mlp_proj": "linear1",
    "attn.to_out": "linear2",
    "attn.norm_q": "norm.query_norm",
    "attn.norm_k": "norm.key_norm",
}
_QKV = {"attn.to_": "img_attn.qkv", "attn.add_": "txt_attn.qkv"}  # + q/k/v (+ _proj for txt)
_BLOCK = re.compile(r"(transformer_blocks|single_transformer_blocks)\.(\d+)\.(.+)\.(weight|bias)$")


def to_bfl(state_dict: dict[str, Any]) -> dict[str, Any]:
    """A diffusers ``Flux2Transformer2DModel`` state dict in BFL's single-file key layout."""
    import torch

    out: dict[str, Any] = {}
    fused: dict[str, dict[str, Any]] = {}
    for key, value in state_dict.items():
        value = value.detach().contiguous()
        if key.startswith("norm_out.linear."):
            scale, shift = value.chunk(2, dim=0)
            out[key.replace("norm_out.linear", "final_layer.adaLN_modulation.1")] = torch.cat(
                [shift, scale]
            )
            continue
        match = _BLOCK.match(key)
        if match is None:
            prefix, rest = key.rsplit(".", 1)
            out[f"{_RENAMES[prefix]}.{rest}"] = value
            continue
        kind, index, module, param = match.groups()
        if kind == "single_transformer_blocks":
            bfl = f"single_blocks.{index}.{_SINGLE[module]}"
        elif module in _DOUBLE:
            bfl = f"double_blocks.{index}.{_DOUBLE[module]}"
        else:
            head, letter = module.removesuffix("_proj")[:-1], module.removesuffix("_proj")[-1]
            fused.setdefault(f"double_blocks.{index}.{_QKV[head]}.{param}", {})[letter] = value
            continue
        if module.startswith("attn.norm_"):
            param = "scale"
        out[f"{bfl}.{param}"] = value
    for key, parts in fused.items():
        out[key] = torch.cat([parts["q"], parts["k"], parts["v"]])
    return out


def write_bfl(transformer: Any, path: Path) -> Path:
    """Save ``transformer``'s weights as one BFL-layout ``.safetensors`` file at ``path``."""
    from safetensors.torch import save_file

    save_file(to_bfl(transformer.state_dict()), str(path))
    return path


def replace_with_bfl(folder: Path, name: str = "flux-2-klein.safetensors") -> Path:
    """Swap ``folder``'s diffusers transformer weights for one BFL-layout file; return its path."""
    from diffusers import Flux2Transformer2DModel

    where = folder / "transformer"
    model = Flux2Transformer2DModel.from_pretrained(where, local_files_only=True)
    for old in where.glob("diffusion_pytorch_model*"):
        old.unlink()
    return write_bfl(model, where / name)
