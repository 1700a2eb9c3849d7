"""The FLUX.2 engine on a CUDA device: every memory policy gives the same picture as the
diffusers pipeline on the same device (tiny random components). Skipped without CUDA and by
default (`pytest -m gpu` runs them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imagegen import ImageRequest
from tests.support.flux2 import MAX_TOKENS, TEXT_LAYERS
from tests.unit.imagegen.test_flux2_engine import PROMPT, engine, folders, pixels, refs

torch = pytest.importorskip("torch")
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]
__all__ = ["folders", "refs"]  # fixtures shared with the CPU tests
POLICIES = ("gpu", "model-offload", "group-offload")


def _request(refs: list[Path]) -> ImageRequest:
    return ImageRequest(
        prompt=PROMPT, width=80, height=64, seed=3, steps=3, references=tuple(refs[:2])
    )


@pytest.mark.parametrize("kind", ["klein", "klein-kv"])
def test_every_memory_policy_draws_the_same_picture_on_cuda(
    kind: str, folders: dict[str, Path], refs: list[Path]
) -> None:
    images = {}
    for policy in POLICIES:
        made = engine(folders[kind], device="cuda", dtype="float32", memory=policy)
        images[policy] = pixels(made.generate(_request(refs)))
        del made
        torch.cuda.empty_cache()
    for policy in POLICIES[1:]:
        assert np.abs(images[policy] - images["gpu"]).max() <= 2, policy
    reference = pixels(_diffusers_on_cuda(folders[kind], kind, refs[:2]))
    assert np.abs(images["gpu"] - reference).max() <= 2, "same picture as diffusers on cuda"


def _diffusers_on_cuda(folder: Path, kind: str, refs: list[Path]) -> Image.Image:
    import diffusers

    cls = diffusers.Flux2KleinKVPipeline if kind == "klein-kv" else diffusers.Flux2KleinPipeline
    pipe = cls.from_pretrained(folder, local_files_only=True).to("cuda")
    return pipe(
        prompt=PROMPT,
        image=[Image.open(p) for p in refs],
        height=64,
        width=80,
        num_inference_steps=3,
        generator=torch.Generator("cpu").manual_seed(3),
        max_sequence_length=MAX_TOKENS,
        text_encoder_out_layers=TEXT_LAYERS,
    ).images[0]


def test_bf16_on_cuda_stays_close_to_fp32(folders: dict[str, Path], refs: list[Path]) -> None:
    fp32 = engine(folders["klein"], device="cuda", dtype="float32", memory="gpu")
    bf16 = engine(folders["klein"], device="cuda", dtype="bfloat16", memory="gpu")
    a, b = (pixels(e.generate(_request(refs))) for e in (fp32, bf16))
    # random tiny weights amplify bf16 rounding: 15.8 / 255 mean on an H100 (2026-11-27)
    assert a.shape == b.shape and np.abs(a - b).mean() < 32
