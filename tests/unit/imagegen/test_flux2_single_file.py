"""FLUX.2 folders whose transformer is one checkpoint in Black Forest Labs' key layout."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from imagegen import ImageRequest
from imagegen.errors import WeightsError
from imagegen.flux2 import Flux2Engine, inspect_weights
from imagegen.flux2.loading import load_components
from tests.support.bfl_checkpoint import replace_with_bfl
from tests.support.flux2 import MAX_TOKENS, TEXT_LAYERS, write_klein

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")

BFL = "flux-2-klein.safetensors"  # the name replace_with_bfl gives the checkpoint


@pytest.fixture(scope="module")
def diffusers_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_klein(tmp_path_factory.mktemp("bfl") / "diffusers", "klein")


@pytest.fixture(scope="module")
def single_folder(diffusers_folder: Path) -> Path:
    folder = Path(shutil.copytree(diffusers_folder, diffusers_folder.parent / "single"))
    replace_with_bfl(folder)
    return folder


@pytest.fixture
def copy(single_folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(single_folder, tmp_path / "copy"))


@pytest.fixture
def network_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every attempt to reach the network, each refused."""
    calls: list[object] = []

    def refuse(*args: object, **kwargs: object) -> Any:
        calls.append(args)
        raise OSError("the network was used during an offline load")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return calls


def state(folder: Path, dtype: Any) -> dict[str, Any]:
    return dict(load_components(inspect_weights(folder), dtype).transformer.state_dict())


def test_the_checkpoint_is_recognised_and_named(
    diffusers_folder: Path, single_folder: Path
) -> None:
    single, plain = inspect_weights(single_folder), inspect_weights(diffusers_folder)
    assert single.single_file == single_folder / "transformer" / BFL
    assert plain.single_file is None
    assert single.label == plain.label == "klein"
    assert single.fingerprint != plain.fingerprint


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_the_single_file_loads_the_same_weights_offline(
    diffusers_folder: Path, single_folder: Path, network_calls: list[object], dtype: str
) -> None:
    expected = state(diffusers_folder, getattr(torch, dtype))
    loaded = state(single_folder, getattr(torch, dtype))
    assert loaded.keys() == expected.keys()
    assert all(loaded[k].dtype == getattr(torch, dtype) for k in loaded)
    assert all(torch.equal(loaded[k], expected[k]) for k in expected)
    assert network_calls == []


def test_the_single_file_paints_the_same_picture(
    diffusers_folder: Path, single_folder: Path
) -> None:
    request = ImageRequest(prompt="a fox in a red coat", width=64, height=64, seed=5, steps=2)
    images = [
        Flux2Engine(folder, max_tokens=MAX_TOKENS, text_layers=TEXT_LAYERS).generate(request)
        for folder in (diffusers_folder, single_folder)
    ]
    assert images[0].size == images[1].size == (64, 64)
    assert np.asarray(images[0]).tobytes() == np.asarray(images[1]).tobytes()


def test_a_prefixed_checkpoint_loads_too(
    diffusers_folder: Path, copy: Path, network_calls: list[object]
) -> None:
    path = copy / "transformer" / BFL
    checkpoint = safetensors_torch.load_file(path)
    save(path, {f"model.diffusion_model.{k}": v for k, v in checkpoint.items()})
    loaded, expected = state(copy, torch.float32), state(diffusers_folder, torch.float32)
    assert all(torch.equal(loaded[k], expected[k]) for k in expected)
    assert network_calls == []


def save(path: Path, tensors: dict[str, Any]) -> None:
    safetensors_torch.save_file(tensors, path)


def swap_for_a_lora(transformer: Path) -> None:
    (transformer / BFL).unlink()
    save(transformer / "lora.safetensors", {"lora_A.weight": torch.zeros(2, 2)})


def quantise_to_fp8(transformer: Path) -> None:
    checkpoint = safetensors_torch.load_file(transformer / BFL)
    save(transformer / BFL, {k: v.to(torch.float8_e4m3fn) for k, v in checkpoint.items()})


def ask_for_two_single_blocks(transformer: Path) -> None:
    path = transformer / "config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "num_single_layers": 2}))


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (swap_for_a_lora, r"lora\.safetensors is neither diffusers weights .* nor a BFL"),
        (
            lambda t: shutil.copy(t / BFL, t / "flux-2-9b.safetensors"),
            r"2 candidate checkpoints \(flux-2-9b\.safetensors, flux-2-klein\.safetensors\)",
        ),
        (
            lambda t: (t / BFL).write_bytes(b"\0" * 64),
            r"flux-2-klein\.safetensors cannot be read as safetensors",
        ),
        (lambda t: (t / BFL).unlink(), "holds no weight files"),
        (quantise_to_fp8, r"flux-2-klein\.safetensors is an fp8-quantised checkpoint"),
        (
            ask_for_two_single_blocks,
            "1 double and 1 single blocks but transformer/config.json asks for 1 and 2",
        ),
    ],
)
def test_unusable_single_files_are_named(copy: Path, damage: Any, named: str) -> None:
    damage(copy / "transformer")
    with pytest.raises(WeightsError, match=named):
        inspect_weights(copy)


def test_a_checkpoint_of_the_wrong_shape_fails_at_load_with_the_file_named(copy: Path) -> None:
    path = copy / "transformer" / BFL
    checkpoint = safetensors_torch.load_file(path)
    save(path, {**checkpoint, "img_in.weight": torch.zeros(32, 8)})
    info = inspect_weights(copy)
    with pytest.raises(WeightsError, match=r"flux-2-klein\.safetensors could not be loaded as a"):
        load_components(info, torch.float32)
