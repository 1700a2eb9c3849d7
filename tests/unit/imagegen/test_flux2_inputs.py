"""Bad input to the FLUX.2 engine: weights folders, references, memory policies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from imagegen import ImageGenInputError, ImageRequest
from imagegen.errors import OutOfMemoryError, WeightsError
from imagegen.flux2 import Flux2Engine, inspect_weights
from imagegen.flux2.memory import Placement, check_policy, choose_policy
from tests.support.flux2 import MAX_TOKENS, TEXT_LAYERS, write_klein

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def klein(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_klein(tmp_path_factory.mktemp("w") / "klein", "klein")


@pytest.fixture
def copy(klein: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(klein, tmp_path / "copy"))


def edit_index(folder: Path, **changes: object) -> None:
    path = folder / "model_index.json"
    index = json.loads(path.read_text())
    index.update(changes)
    path.write_text(json.dumps(index))


def test_a_complete_folder_is_recognised(klein: Path) -> None:
    info = inspect_weights(klein)
    assert info.variant.name == "klein" and info.label == "klein"
    assert len(info.fingerprint) == 12


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda f: shutil.rmtree(f / "vae"), "missing its vae/"),
        (lambda f: (f / "model_index.json").unlink(), "no model_index.json"),
        (lambda f: (f / "transformer" / "config.json").unlink(), "missing config.json"),
        (
            lambda f: [p.unlink() for p in (f / "text_encoder").glob("*.safetensors")],
            "no weight files",
        ),
        (lambda f: edit_index(f, _class_name="FluxPipeline"), "holds FluxPipeline, not FLUX.2"),
        (
            lambda f: edit_index(f, _class_name="StableDiffusionXLPipeline"),
            "StableDiffusionXLPipeline",
        ),
        (lambda f: edit_index(f, _class_name="Flux2Pipeline"), "mixes parts"),
        (lambda f: (f / "model_index.json").write_text("{not json"), "cannot be read as JSON"),
    ],
)
def test_broken_or_foreign_folders_are_named(copy: Path, damage: object, named: str) -> None:
    damage(copy)  # type: ignore[operator]
    with pytest.raises(WeightsError, match=named):
        Flux2Engine(copy)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="does not exist"):
        Flux2Engine(tmp_path / "nowhere")


def test_corrupt_weights_fail_at_load_with_the_folder_named(copy: Path) -> None:
    for shard in (copy / "transformer").glob("*.safetensors"):
        shard.write_bytes(b"\0" * 64)
    flux = Flux2Engine(copy, max_tokens=MAX_TOKENS, text_layers=TEXT_LAYERS)
    with pytest.raises(WeightsError, match="could not be loaded"):
        flux.generate(ImageRequest(prompt="x", width=64, height=64, seed=0))


def reference(tmp_path: Path, name: str, size: tuple[int, int]) -> Path:
    path = tmp_path / name
    Image.new("RGB", size, (200, 10, 10)).save(path)
    return path


@pytest.mark.parametrize(
    ("size", "named"),
    [((40, 40), "40×40; both sides must be at least 64"), ((64, 1280), "aspect ratio beyond 8:1")],
)
def test_unusable_references_are_refused_before_any_work(
    klein: Path, tmp_path: Path, size: tuple[int, int], named: str
) -> None:
    flux = Flux2Engine(klein, max_tokens=MAX_TOKENS, text_layers=TEXT_LAYERS)
    bad = reference(tmp_path, "bad.png", size)
    with pytest.raises(ImageGenInputError, match=named):
        list(
            flux.generate_many(
                [ImageRequest(prompt="x", width=64, height=64, seed=0, references=(bad,))]
            )
        )
    assert flux.cache_stats == {}  # nothing was loaded


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n broken"])
def test_corrupt_reference_files_are_named(klein: Path, tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "broken.png"
    bad.write_bytes(content)
    flux = Flux2Engine(klein, max_tokens=MAX_TOKENS, text_layers=TEXT_LAYERS)
    with pytest.raises(ImageGenInputError, match=r"broken\.png.*not a readable image"):
        flux.generate(ImageRequest(prompt="x", width=64, height=64, seed=0, references=(bad,)))


def test_eleven_references_are_refused(tmp_path: Path) -> None:
    paths = tuple(reference(tmp_path, f"r{i}.png", (64, 64)) for i in range(11))
    with pytest.raises(ImageGenInputError, match="at most 10 images, got 11"):
        ImageRequest(prompt="x", width=64, height=64, seed=0, references=paths)


@pytest.mark.parametrize("size", [(2000, 1000), (4000, 3000), (700, 90), (1024, 1024)])
def test_references_are_brought_to_one_megapixel_in_multiples_of_16(size: tuple[int, int]) -> None:
    from imagegen.flux2.references import fit_reference

    scaled, (width, height) = fit_reference(Image.new("RGB", size), 16)
    assert width * height <= 1024 * 1024
    assert width % 16 == 0 and height % 16 == 0
    assert scaled.width * scaled.height <= 1024 * 1024
    assert 0 <= scaled.width - width < 16 and 0 <= scaled.height - height < 16  # crop < 1 token


def test_engine_options_are_checked(klein: Path) -> None:
    with pytest.raises(ImageGenInputError, match="memory policy 'fast'"):
        Flux2Engine(klein, memory="fast")
    with pytest.raises(ImageGenInputError, match="dtype"):
        Flux2Engine(klein, dtype="int8")
    with pytest.raises(ImageGenInputError, match="batch_size"):
        Flux2Engine(klein, batch_size=0)
    with pytest.raises(ImageGenInputError, match="fp8 needs a CUDA GPU"):
        Flux2Engine(klein, fp8=True, device="cpu", max_tokens=MAX_TOKENS).generate(
            ImageRequest(prompt="x", width=64, height=64, seed=0)
        )


def parts(text: int, transformer: int, vae: int) -> SimpleNamespace:
    def module(size: int) -> torch.nn.Module:
        return torch.nn.Linear(size // 4, 1, bias=False)  # float32: 4 bytes per weight

    return SimpleNamespace(
        text_encoder=module(text), transformer=module(transformer), vae=module(vae)
    )


def test_policy_follows_free_memory() -> None:
    components = parts(4000, 8000, 400)  # bytes
    assert choose_policy(20_000, components) == "gpu"  # type: ignore[arg-type]
    assert choose_policy(12_000, components) == "model-offload"  # type: ignore[arg-type]
    assert choose_policy(5_000, components) == "group-offload"  # type: ignore[arg-type]
    assert check_policy("auto") == "auto"
    # weights already on the device are part of the budget, not competitors for it
    assert choose_policy(5_000, components, device_type="cpu") == "gpu"  # type: ignore[arg-type]


def test_out_of_memory_names_the_next_policy() -> None:
    placement = Placement(parts(400, 400, 400), torch.device("cpu"), "gpu")  # type: ignore[arg-type]
    with pytest.raises(OutOfMemoryError, match="try model-offload"), placement.using(None):
        raise torch.OutOfMemoryError("CUDA out of memory")
    placement.policy = "group-offload"
    with pytest.raises(OutOfMemoryError, match="fp8"), placement.using(None):
        raise torch.OutOfMemoryError("CUDA out of memory")
