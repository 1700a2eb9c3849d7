"""The FLUX.2 engine against the diffusers pipelines, on tiny random components."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imagegen import GenerationCancelled, ImageRequest
from imagegen.flux2 import Flux2Engine
from tests.support.flux2 import MAX_TOKENS, TEXT_LAYERS, write_dev, write_klein

torch = pytest.importorskip("torch")
diffusers = pytest.importorskip("diffusers")

PROMPT = 'a fox in a red coat #FF8800 {"not": "json"}'
KINDS = ("klein", "klein-base", "klein-kv", "dev")
MAX_DIFF = 2  # out of 255, the bound; these runs come out identical


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("flux2")
    made = {kind: write_klein(root / kind, kind) for kind in KINDS[:3]}
    made["dev"] = write_dev(root / "dev")
    return made


@pytest.fixture(scope="module")
def refs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("refs")
    images = [
        Image.effect_mandelbrot((80, 64), (-2, -1, 1, 1), 50).convert("RGB"),
        Image.linear_gradient("L").resize((64, 80)).convert("RGB"),
        Image.new("RGB", (64, 64), (30, 160, 90)),
    ]
    paths = []
    for i, image in enumerate(images):
        paths.append(root / f"ref{i}.png")
        image.save(paths[-1])
    return paths


def engine(folder: Path, **options: object) -> Flux2Engine:
    return Flux2Engine(folder, max_tokens=MAX_TOKENS, text_layers=TEXT_LAYERS, **options)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


@functools.cache
def diffusers_pipeline(folder: Path, kind: str) -> object:
    names = {"klein-kv": "Flux2KleinKVPipeline", "dev": "Flux2Pipeline"}
    cls = getattr(diffusers, names.get(kind, "Flux2KleinPipeline"))
    return cls.from_pretrained(folder, local_files_only=True)


def diffusers_image(folder: Path, kind: str, refs: tuple[Path, ...], seed: int) -> Image.Image:
    pipe = diffusers_pipeline(folder, kind)
    extra = {"guidance_scale": 3.5} if kind in ("klein-base", "dev") else {}
    return pipe(
        prompt=PROMPT,
        image=[Image.open(p) for p in refs] or None,
        height=64,
        width=80,
        num_inference_steps=3,
        generator=torch.Generator("cpu").manual_seed(seed),
        max_sequence_length=MAX_TOKENS,
        text_encoder_out_layers=TEXT_LAYERS,
        **extra,
    ).images[0]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("count", [0, 2])
def test_same_picture_as_diffusers(
    folders: dict[str, Path], refs: list[Path], kind: str, count: int
) -> None:
    chosen = tuple(refs[:count])
    guidance = 3.5 if kind in ("klein-base", "dev") else None
    request = ImageRequest(
        prompt=PROMPT, width=80, height=64, seed=11, references=chosen, steps=3, guidance=guidance
    )
    ours = engine(folders[kind]).generate(request)
    theirs = diffusers_image(folders[kind], kind, chosen, 11)
    assert ours.size == (80, 64)
    assert np.abs(pixels(ours) - pixels(theirs)).max() <= MAX_DIFF


def test_variants_detected(folders: dict[str, Path]) -> None:
    labels = {kind: engine(folder).variant for kind, folder in folders.items()}
    assert labels == {
        "klein": "klein",
        "klein-base": "klein-base",
        "klein-kv": "klein-kv",
        "dev": "dev",
    }


def test_references_change_the_picture(folders: dict[str, Path], refs: list[Path]) -> None:
    flux = engine(folders["klein-kv"])
    plain = flux.generate(ImageRequest(prompt=PROMPT, width=80, height=64, seed=1))
    guided = flux.generate(
        ImageRequest(prompt=PROMPT, width=80, height=64, seed=1, references=(refs[0],))
    )
    assert np.abs(pixels(plain) - pixels(guided)).mean() > 2


def storyboard(refs: list[Path], frames: int = 5) -> list[ImageRequest]:
    return [
        ImageRequest(
            prompt=f"shot {i}: {PROMPT}", width=80, height=64, seed=i, references=tuple(refs)
        )
        for i in range(frames)
    ]


def test_reference_kv_reused_matches_per_frame_recomputation(
    folders: dict[str, Path], refs: list[Path]
) -> None:
    requests = storyboard(refs)
    reused = engine(folders["klein-kv"])
    fresh = engine(folders["klein-kv"], reuse_reference_kv=False)
    a = dict(reused.generate_many(requests))
    b = dict(fresh.generate_many(requests))
    for i in range(len(requests)):
        assert pixels(a[i]).tobytes() == pixels(b[i]).tobytes()
    assert reused.cache_stats["kv_extractions"] == 1
    assert fresh.cache_stats["kv_extractions"] == len(requests)
    assert reused.cache_stats["reference_misses"] == len(refs)


def test_generate_many_equals_one_at_a_time(folders: dict[str, Path], refs: list[Path]) -> None:
    requests = [
        *storyboard(refs[:2], 2),
        ImageRequest(prompt="wide shot", width=96, height=64, seed=7, steps=2),
        ImageRequest(prompt="insert", width=64, height=64, seed=8, references=(refs[2],), steps=2),
        ImageRequest(
            prompt="shot 9", width=64, height=64, seed=9, references=tuple(refs[:2]), steps=2
        ),
    ]
    batch = dict(engine(folders["klein"]).generate_many(requests))
    assert sorted(batch) == list(range(len(requests)))
    single = engine(folders["klein"])
    for i, request in enumerate(requests):
        assert pixels(batch[i]).tobytes() == pixels(single.generate(request)).tobytes()
        assert batch[i].size == (request.width, request.height)


def test_prompt_embeddings_are_cached(folders: dict[str, Path]) -> None:
    flux = engine(folders["klein"])
    request = ImageRequest(prompt=PROMPT, width=64, height=64, seed=0)
    flux.generate(request)
    flux.generate(request.model_copy(update={"seed": 1}))
    assert flux.cache_stats["prompt_misses"] == 1


def test_progress_counts_steps_and_cancel_stops_between_steps(
    folders: dict[str, Path], refs: list[Path]
) -> None:
    flux = engine(folders["klein-base"])
    steps: list[tuple[int, int]] = []
    images: list[tuple[int, int]] = []
    requests = [ImageRequest(prompt="x", width=64, height=64, seed=i, steps=2) for i in range(2)]
    list(
        flux.generate_many(
            requests,
            on_step=lambda d, t: steps.append((d, t)),
            on_progress=lambda d, t: images.append((d, t)),
        )
    )
    assert steps[-1] == (4, 4)  # 2 frames × 2 steps, each step counted once with both passes
    assert images == [(1, 2), (2, 2)]
    calls = iter(range(100))
    with pytest.raises(GenerationCancelled):
        list(flux.generate_many(requests, cancel=lambda: next(calls) >= 2))


def test_compiled_blocks_do_not_recompile_for_new_sizes_or_reference_counts(
    folders: dict[str, Path], refs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from torch._dynamo.utils import counters

    from imagegen.flux2 import engine as engine_module

    original = engine_module.compile_blocks
    monkeypatch.setattr(engine_module, "compile_blocks", lambda t: original(t, backend="eager"))
    torch._dynamo.reset()
    counters.clear()
    flux = engine(folders["klein-kv"], compile=True)
    shapes = [(64, 64, refs[:1]), (96, 64, refs[:2]), (64, 80, refs), (80, 64, refs[2:])]
    graphs = []
    for width, height, chosen in shapes:
        flux.generate(
            ImageRequest(prompt="x", width=width, height=height, seed=1, references=tuple(chosen))
        )
        graphs.append(counters["stats"]["unique_graphs"])
    assert graphs[0] > 0
    assert graphs == [graphs[0]] * len(shapes)


def test_guidance_refused_by_distilled_variants(folders: dict[str, Path]) -> None:
    from imagegen import ImageGenInputError

    with pytest.raises(ImageGenInputError, match="guidance is not used"):
        engine(folders["klein"]).generate(
            ImageRequest(prompt="x", width=64, height=64, seed=0, guidance=4.0)
        )
