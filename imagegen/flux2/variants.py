"""The FLUX.2 variants the engine runs and how to tell them apart from a weights folder."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imagegen.errors import WeightsError


@dataclass(frozen=True)
class Variant:
    """How one FLUX.2 family member samples: steps, guidance, text encoder and reference mode."""

    name: str
    pipeline: str  # the diffusers pipeline class whose pictures the engine reproduces
    default_steps: int
    cfg: bool  # classifier-free guidance against an empty prompt (two passes per step)
    embedded_guidance: bool  # guidance given to the transformer as an embedding (dev)
    kv: bool  # reference K/V computed once and reused (klein 9B-kv)
    text_layers: tuple[int, ...]
    default_guidance: float | None = None

    @property
    def uses_guidance(self) -> bool:
        return self.cfg or self.embedded_guidance


KLEIN = Variant("klein", "Flux2KleinPipeline", 4, False, False, False, (9, 18, 27))
KLEIN_BASE = Variant("klein-base", "Flux2KleinPipeline", 50, True, False, False, (9, 18, 27), 4.0)
KLEIN_KV = Variant("klein-kv", "Flux2KleinKVPipeline", 4, False, False, True, (9, 18, 27))
DEV = Variant("dev", "Flux2Pipeline", 50, False, True, False, (10, 20, 30), 4.0)
VARIANTS = {v.name: v for v in (KLEIN, KLEIN_BASE, KLEIN_KV, DEV)}

_PARTS = ("scheduler", "text_encoder", "tokenizer", "transformer", "vae")
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.json", "tekken.json")
_DIFFUSERS_WEIGHTS = "diffusion_pytorch_model"
_BFL_BLOCK = re.compile(r"(?:^|\.)(double|single)_blocks\.(\d+)\.")


@dataclass(frozen=True)
class WeightsInfo:
    """What a weights folder holds: the variant, its size label and a fingerprint of its files."""

    folder: Path
    variant: Variant
    size: str  # "4B", "9B", "32B" or "" when the transformer shape is not a published one
    fingerprint: str
    single_file: Path | None = None  # a BFL-layout transformer checkpoint in transformer/

    @property
    def label(self) -> str:
        size = f"-{self.size.lower()}" if self.size else ""
        if self.variant.name == "klein-kv":
            return f"klein{size}-kv"
        if self.variant.name == "klein-base":
            return f"klein-base{size}"
        return f"{self.variant.name}{size}"


def inspect_weights(folder: Path) -> WeightsInfo:
    """Check a diffusers-layout FLUX.2 folder and say which variant it holds.

    The transformer's weights may be one BFL-layout checkpoint instead of diffusers' files (see
    :mod:`imagegen.flux2.loading`); :attr:`WeightsInfo.single_file` then names it.
    Raises :class:`WeightsError` naming the missing part or odd file, or the model the folder
    belongs to.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise WeightsError(f"weights folder {str(folder)!r} does not exist or is not a folder")
    index = _read_json(folder / "model_index.json", "model_index.json")
    variant = _variant_from_index(folder, index)
    for part in _PARTS:
        _check_part(folder, part, index)
    transformer = _read_json(folder / "transformer" / "config.json", "transformer/config.json")
    if variant.embedded_guidance != bool(transformer.get("guidance_embeds", True)):
        raise WeightsError(
            f"{folder}: model_index.json says {index['_class_name']} but the transformer"
            f" {'lacks' if variant.embedded_guidance else 'has'} a guidance embedding;"
            " the folder mixes parts of different FLUX.2 models"
        )
    single_file = _single_file(folder / "transformer", transformer)
    return WeightsInfo(folder, variant, size_label(transformer), _fingerprint(folder), single_file)


def _variant_from_index(folder: Path, index: dict[str, Any]) -> Variant:
    name = index.get("_class_name")
    if name == "Flux2KleinPipeline":
        return KLEIN if index.get("is_distilled", False) else KLEIN_BASE
    if name == "Flux2KleinKVPipeline":
        return KLEIN_KV
    if name == "Flux2Pipeline":
        return DEV
    raise WeightsError(
        f"{folder} holds {name or 'an unnamed pipeline'}, not FLUX.2; the flux2 engine needs a"
        " FLUX.2 [klein] (4B, 9B, base or 9B-kv) or [dev] folder in diffusers layout"
    )


def _check_part(folder: Path, part: str, index: dict[str, Any]) -> None:
    if part not in index:
        raise WeightsError(f"{folder}/model_index.json lists no {part!r}; the folder is incomplete")
    where = folder / part
    if not where.is_dir():
        raise WeightsError(f"{folder} is missing its {part}/ folder; copy the whole model folder")
    files = {p.name for p in where.iterdir()}
    if part == "tokenizer":
        if not files & set(_TOKENIZER_FILES):
            raise WeightsError(f"{where} holds no tokenizer files (tokenizer.json or vocab)")
        return
    config = "scheduler_config.json" if part == "scheduler" else "config.json"
    if config not in files:
        raise WeightsError(f"{where} is missing {config}")
    if part == "scheduler":
        return
    weights = [name for name in files if name.endswith(_WEIGHT_SUFFIXES)]
    if part == "transformer" and not any(n.startswith(_DIFFUSERS_WEIGHTS) for n in weights):
        return  # a BFL single file instead; _single_file checks it
    if not weights:
        raise WeightsError(
            f"{where} holds no weight files (*.safetensors); the download is incomplete"
        )
    for shard_index in (name for name in files if name.endswith(".index.json")):
        shards = set(
            _read_json(where / shard_index, f"{part}/{shard_index}")["weight_map"].values()
        )
        missing = sorted(shards - files)
        if missing:
            raise WeightsError(f"{where} is missing weight shard(s) {', '.join(missing[:3])}")


def _single_file(where: Path, config: dict[str, Any]) -> Path | None:
    """The one BFL-layout checkpoint standing in for ``where``'s diffusers weights, if any."""
    names = sorted(p.name for p in where.iterdir() if p.is_file())
    if any(n.startswith(_DIFFUSERS_WEIGHTS) and n.endswith(_WEIGHT_SUFFIXES) for n in names):
        return None
    candidates = [n for n in names if n.endswith(".safetensors")]
    if not candidates:
        raise WeightsError(
            f"{where} holds no weight files: neither {_DIFFUSERS_WEIGHTS}*.safetensors nor one"
            " BFL checkpoint (*.safetensors); the download is incomplete"
        )
    if len(candidates) > 1:
        raise WeightsError(
            f"{where} holds {len(candidates)} candidate checkpoints ({', '.join(candidates[:4])})"
            f" and no {_DIFFUSERS_WEIGHTS}*.safetensors; keep exactly one BFL checkpoint there"
        )
    path = where / candidates[0]
    blocks = _bfl_blocks(path)
    if blocks is None:
        raise WeightsError(
            f"{path} is neither diffusers weights ({_DIFFUSERS_WEIGHTS}*.safetensors) nor a BFL"
            " FLUX.2 checkpoint (it has no double_blocks./single_blocks. keys)"
        )
    wanted = (config.get("num_layers"), config.get("num_single_layers"))
    if blocks != wanted:
        raise WeightsError(
            f"{path} has {blocks[0]} double and {blocks[1]} single blocks but"
            f" {where.name}/config.json asks for {wanted[0]} and {wanted[1]}; the config belongs"
            " to another FLUX.2 model size"
        )
    return path


def _bfl_blocks(path: Path) -> tuple[int, int] | None:
    """(double, single) block counts of a BFL-layout checkpoint, None for any other file; reads
    only the header."""
    try:
        from safetensors import SafetensorError, safe_open
    except ImportError as exc:
        raise WeightsError(f"reading {path} needs the safetensors package: {exc}") from exc
    try:
        with safe_open(str(path), framework="np") as checkpoint:
            keys = list(checkpoint.keys())
            dtypes = {checkpoint.get_slice(key).get_dtype() for key in keys}
    except (OSError, SafetensorError) as exc:
        raise WeightsError(f"{path} cannot be read as safetensors: {exc}") from exc
    found: dict[str, set[str]] = {"double": set(), "single": set()}
    for match in filter(None, map(_BFL_BLOCK.search, keys)):
        found[match.group(1)].add(match.group(2))
    if not any(found.values()):
        return None
    if any(dtype.startswith("F8") for dtype in dtypes):
        raise WeightsError(
            f"{path} is an fp8-quantised checkpoint, which diffusers cannot convert; use the"
            " bf16 file (the engine's fp8 option quantises on load)"
        )
    return len(found["double"]), len(found["single"])


def size_label(config: Any) -> str:
    """The published size (4B, 9B, 32B) a transformer config matches, or an empty string."""
    shape = (
        config.get("num_layers"),
        config.get("num_single_layers"),
        config.get("joint_attention_dim"),
    )
    return {(5, 20, 7680): "4B", (8, 24, 12288): "9B", (8, 48, 15360): "32B"}.get(shape, "")


def _fingerprint(folder: Path) -> str:
    """Short hash of every file's name, size and mtime: new weights make new cache keys."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WeightsError(
            f"{path.parent} has no {what}; is it a diffusers-layout folder?"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WeightsError(f"{path} cannot be read as JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise WeightsError(f"{path} is not a JSON object")
    return value
