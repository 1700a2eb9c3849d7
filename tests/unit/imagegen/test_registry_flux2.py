"""The FLUX.2 engines in the registry: named without importing torch, built with checked options."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from imagegen import ENGINES, ImageGenInputError, engine_infos, get_engine
from imagegen.errors import ImageGenError, WeightsError
from imagegen.registry import LazyEngine
from tests.support.flux2 import MAX_TOKENS, TEXT_LAYERS, write_klein

HEAVY = ("torch", "diffusers", "transformers")


@pytest.fixture(scope="module")
def klein(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_klein(tmp_path_factory.mktemp("weights") / "klein", "klein")


def test_naming_the_flux2_engines_and_building_previz_import_no_torch() -> None:
    code = (
        "import sys, inspect, imagegen\n"
        "from imagegen import ENGINES, get_engine\n"
        "assert {'flux2', 'flux2-api'} <= set(ENGINES)\n"
        "get_engine('previz')\n"
        "from agent.config import Settings\n"
        "from agent.engines import image_engine\n"
        "assert image_engine(Settings(image_engine='previz')).name == 'previz'\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_get_engine_builds_flux2_from_a_weights_folder(klein: Path) -> None:
    from imagegen.flux2 import Flux2Engine

    engine = get_engine("FLUX2", weights=klein, max_tokens=MAX_TOKENS, text_layers=TEXT_LAYERS)
    assert isinstance(engine, Flux2Engine)
    assert engine.name == "flux2" and getattr(engine, "variant", "") == "klein"
    assert "klein" in engine.version


def test_flux2_options_are_checked_against_the_engine_signature(klein: Path) -> None:
    with pytest.raises(ImageGenInputError, match="steps"):
        get_engine("flux2", weights=klein, steps=4)
    with pytest.raises(ImageGenInputError, match="weights"):
        get_engine("flux2")
    with pytest.raises(ImageGenInputError, match="modle"):
        get_engine("flux2-api", modle="pro")


def test_a_folder_of_another_model_is_named(tmp_path: Path) -> None:
    (tmp_path / "model_index.json").write_text('{"_class_name": "FluxPipeline"}')
    with pytest.raises(WeightsError, match="FluxPipeline"):
        get_engine("flux2", weights=tmp_path)


def test_engine_infos_list_both_flux2_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BFL_API_KEY", raising=False)
    infos = {info.name: info for info in engine_infos()}
    assert {"previz", "flux2", "flux2-api"} <= set(infos)
    assert infos["flux2"].detail
    assert not infos["flux2-api"].available
    assert "BFL_API_KEY" in infos["flux2-api"].detail


def test_hosted_engine_is_built_with_its_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BFL_API_KEY", "test-key")
    engine = get_engine("flux2-api", model="flex")
    try:
        assert engine.name == "flux2-api" and getattr(engine, "model", None) == "flex"
    finally:
        engine.close()  # type: ignore[attr-defined]


def test_a_missing_engine_module_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "imagegen.flux2.hosted", None)  # import now fails
    infos = {info.name: info for info in engine_infos()}
    assert not infos["flux2-api"].available
    assert "imagegen.flux2.hosted" in infos["flux2-api"].detail
    assert infos["previz"].available
    with pytest.raises(ImageGenError, match="flux2-api") as info:
        get_engine("flux2-api")
    assert not isinstance(info.value, ImageGenInputError)  # an install problem, not bad input


def test_a_lazy_engine_shows_the_real_signature() -> None:
    import inspect

    lazy = ENGINES["flux2"]
    assert isinstance(lazy, LazyEngine)
    params = inspect.signature(lazy).parameters
    assert {"weights", "memory", "device", "compile", "max_tokens", "text_layers"} <= set(params)
