"""The image-to-video models the adapter runs, and how to tell them apart from a weights folder.

A folder is in diffusers layout: ``model_index.json`` beside one sub-folder per component, as the
model's Hugging Face repository has it (``Wan-AI/Wan2.1-I2V-14B-480P-Diffusers``,
``Wan-AI/Wan2.2-I2V-A14B-Diffusers``, ``Wan-AI/Wan2.2-TI2V-5B-Diffusers``, ``Lightricks/LTX-Video``
…). The model is read from ``model_index.json`` (``_class_name`` and a few switches), the frame
grid from the VAE's and transformer's configs. Nothing here imports torch.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videogen.errors import VideoGenInputError

# Wan's own default negative prompt (``sample_neg_prompt`` in the Wan 2.1 / 2.2 repositories).
WAN_NEGATIVE = (
    "色调艳丽，过曝，静态，细节模糊不清，字幕，风格，作品，画作，画面，静止，整体发灰，最差质量，"
    "低质量，JPEG压缩残留，丑陋的，残缺的，多余的手指，画得不好的手部，画得不好的脸部，畸形的，"
    "毁容的，形态畸形的肢体，手指融合，静止不动的画面，杂乱的背景，三条腿，背景人很多，倒着走"
)
# The negative prompt of diffusers' and Lightricks' LTX-Video examples.
LTX_NEGATIVE = "worst quality, inconsistent motion, blurry, jittery, distorted"


@dataclass(frozen=True)
class Model:
    """How one model family makes clips: its pipeline, rate, defaults and conditioning."""

    name: str
    pipeline: str  # the diffusers class the adapter runs the folder with
    fps: int  # the rate the model was trained at; its frames are played at this rate
    default_steps: int
    default_guidance: float
    default_max_frames: int  # on the temporal grid: temporal·k + 1
    default_area: int  # pixels per frame at the model's native resolution
    end_frame: bool  # first+last-frame conditioning (diffusers' ``last_image``)
    negative_prompt: str
    description: str


WAN21 = Model(
    "wan2.1-i2v", "WanImageToVideoPipeline", 16, 40, 5.0, 81, 480 * 832, False, WAN_NEGATIVE,
    "Wan 2.1 image-to-video (CLIP image encoder; 480P and 720P checkpoints)",
)  # fmt: skip
WAN21_FLF2V = Model(
    "wan2.1-flf2v", "WanImageToVideoPipeline", 16, 50, 5.0, 81, 720 * 1280, True, WAN_NEGATIVE,
    "Wan 2.1 first-last-frame-to-video (both frames' CLIP embeddings, 720P)",
)  # fmt: skip
WAN22_A14B = Model(
    "wan2.2-i2v-a14b", "WanImageToVideoPipeline", 16, 40, 3.5, 81, 480 * 832, True, WAN_NEGATIVE,
    "Wan 2.2 I2V A14B (high- and low-noise transformers split at boundary_ratio)",
)  # fmt: skip
WAN22_TI2V = Model(
    "wan2.2-ti2v-5b", "WanImageToVideoPipeline", 24, 50, 5.0, 121, 704 * 1280, False, WAN_NEGATIVE,
    "Wan 2.2 TI2V 5B (text+image-to-video, first frame only)",
)  # fmt: skip
LTX = Model(
    "ltx-video", "LTXImageToVideoPipeline", 24, 50, 3.0, 121, 512 * 768, False, LTX_NEGATIVE,
    "LTX-Video image-to-video",
)  # fmt: skip
MODELS = {m.name: m for m in (WAN21, WAN21_FLF2V, WAN22_A14B, WAN22_TI2V, LTX)}

_LTX_CLASSES = ("LTXImageToVideoPipeline", "LTXPipeline", "LTXConditionPipeline")
_TEXT_TO_VIDEO = {
    "WanPipeline": "Wan text-to-video",
    "LTX2Pipeline": "LTX-2",
    "CogVideoXPipeline": "CogVideoX text-to-video",
    "HunyuanVideoPipeline": "HunyuanVideo text-to-video",
    "MochiPipeline": "Mochi text-to-video",
}
_WANTED = (
    "diffusers-i2v needs an image-to-video model in diffusers layout: Wan 2.1 I2V/FLF2V"
    " (WanImageToVideoPipeline), Wan 2.2 I2V-A14B or TI2V-5B, or LTX-Video"
)
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
_TOKENIZER_FILES = ("tokenizer.json", "spiece.model", "tokenizer_config.json")
_NOT_MODELS = {"scheduler": "scheduler_config.json", "image_processor": "preprocessor_config.json"}


@dataclass(frozen=True)
class WeightsInfo:
    """What a weights folder holds: the model, its frame grid and a fingerprint of its files."""

    folder: Path
    model: Model
    spatial: int  # frame sides are multiples of this (VAE downsampling × transformer patch,
    # and of what the pipeline's check_inputs asks: 16 for Wan, 32 for LTX)
    temporal: int  # frame counts are temporal·k + 1
    fingerprint: str

    @property
    def label(self) -> str:
        return self.model.name

    def frames_fit(self, n: int) -> bool:
        return n >= self.temporal + 1 and (n - 1) % self.temporal == 0


def inspect_weights(folder: Path | str) -> WeightsInfo:
    """Check a diffusers-layout image-to-video folder and say which model it holds.

    Raises :class:`VideoGenInputError` naming the missing file or folder, or the kind of model
    the folder holds when it is not one this adapter runs.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise VideoGenInputError(f"weights={str(folder)!r} does not exist or is not a folder")
    index = _read_json(folder / "model_index.json", folder)
    model = _model_from_index(folder, index)
    for part in ("scheduler", "text_encoder", "tokenizer", "transformer", "vae"):
        _check_part(folder, part, index)
    transformer = _read_json(folder / "transformer" / "config.json", folder)
    extra = []
    if model.name.startswith("wan") and transformer.get("image_dim") is not None:
        extra += ["image_encoder", "image_processor"]  # Wan 2.1: CLIP embeddings of the image
    if model is WAN22_A14B:
        extra.append("transformer_2")
    for part in extra:
        _check_part(folder, part, index)
    vae = _read_json(folder / "vae" / "config.json", folder)
    spatial, temporal = _grid(model, vae, transformer)
    if model is WAN21 and transformer.get("pos_embed_seq_len"):
        model = WAN21_FLF2V  # its image embedder takes two images' CLIP embeddings
    return WeightsInfo(folder, model, spatial, temporal, _fingerprint(folder))


def _model_from_index(folder: Path, index: dict[str, Any]) -> Model:
    name = index.get("_class_name")
    if name == "WanImageToVideoPipeline":
        if _listed(index, "transformer_2") and index.get("boundary_ratio") is not None:
            return WAN22_A14B
        return WAN22_TI2V if index.get("expand_timesteps") else WAN21
    if name == "WanPipeline" and index.get("expand_timesteps"):
        return WAN22_TI2V  # published as WanPipeline; diffusers runs its image-to-video mode
    if name in _LTX_CLASSES:
        return LTX  # Lightricks/LTX-Video says LTXPipeline; the same weights animate a still
    if not isinstance(name, str) or not name:
        what = "a model_index.json without _class_name"
    elif name in _TEXT_TO_VIDEO:
        what = f"{name}, a {_TEXT_TO_VIDEO[name]} model"
    elif "Video" in name or "Wan" in name:
        what = f"{name}, a video pipeline this adapter does not run"
    else:
        what = f"{name}, which is not a video model"
    raise VideoGenInputError(f"weights folder {str(folder)!r} holds {what}; {_WANTED}")


def _grid(model: Model, vae: dict[str, Any], transformer: dict[str, Any]) -> tuple[int, int]:
    """(spatial multiple, temporal factor) from the configs, with diffusers' defaults."""
    if model is LTX:
        scaling = vae.get("spatio_temporal_scaling", (True, True, True, False))
        spatial = vae.get("spatial_compression_ratio") or vae.get("patch_size", 4) * 2 ** sum(
            map(bool, scaling)
        )
        temporal = vae.get("temporal_compression_ratio") or vae.get("patch_size_t", 1) * 2 ** sum(
            map(bool, scaling)
        )
        patch = transformer.get("patch_size", 1)
        temporal *= transformer.get("patch_size_t", 1)
        return math.lcm(32, int(spatial) * int(patch)), int(temporal)  # the pipeline wants 32
    patch = transformer.get("patch_size", (1, 2, 2))
    spatial = int(vae.get("scale_factor_spatial") or 8) * int(patch[1])
    return math.lcm(16, spatial), int(vae.get("scale_factor_temporal") or 4)


def _listed(index: dict[str, Any], part: str) -> bool:
    """Whether model_index.json names a component (``[null, null]`` marks an absent one)."""
    entry = index.get(part)
    return isinstance(entry, list) and any(v is not None for v in entry)


def _check_part(folder: Path, part: str, index: dict[str, Any]) -> None:
    if not _listed(index, part):
        raise VideoGenInputError(
            f"{folder}/model_index.json lists no {part!r}; the folder is incomplete"
        )
    where = folder / part
    if not where.is_dir():
        raise VideoGenInputError(
            f"weights folder {str(folder)!r} is missing its {part}/ folder; copy the whole model"
        )
    files = {p.name for p in where.iterdir()}
    if part == "tokenizer":
        if not files & set(_TOKENIZER_FILES):
            raise VideoGenInputError(
                f"{where} holds no tokenizer files ({', '.join(_TOKENIZER_FILES)})"
            )
        return
    config = _NOT_MODELS.get(part, "config.json")
    if config not in files:
        raise VideoGenInputError(f"{where} is missing {config}")
    if part in _NOT_MODELS:
        return
    if not any(name.endswith(_WEIGHT_SUFFIXES) for name in files):
        raise VideoGenInputError(
            f"{where} holds no weight files (*.safetensors); the download is incomplete"
        )
    for shard_index in sorted(name for name in files if name.endswith(".index.json")):
        shards = set(_read_json(where / shard_index, folder).get("weight_map", {}).values())
        missing = sorted(shards - files)
        if missing:
            raise VideoGenInputError(f"{where} is missing weight shard(s) {', '.join(missing[:3])}")


def _fingerprint(folder: Path) -> str:
    """Short hash of every file's name, size and mtime: new weights make new cache keys."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


def _read_json(path: Path, folder: Path) -> dict[str, Any]:
    what = path.relative_to(folder) if path.is_relative_to(folder) else path.name
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        hint = "; is it a diffusers-layout model folder?" if path.parent == folder else ""
        raise VideoGenInputError(f"weights folder {str(folder)!r} has no {what}{hint}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VideoGenInputError(f"{path} cannot be read as JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise VideoGenInputError(f"{path} is not a JSON object")
    return value
