"""STORYBEAT_IMAGE_ENGINE=flux2: the studio and doctor build and check the FLUX.2 engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent.cli import main
from agent.config import FLUX2_MEMORY, Settings
from agent.engines import image_engine
from agent.errors import AgentInputError
from agent.studio import open_studio
from tests.support.flux2 import write_klein


@pytest.fixture(scope="module")
def klein_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_klein(tmp_path_factory.mktemp("weights") / "klein-base", "klein-base")


@pytest.fixture(autouse=True)
def _no_env_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("IMAGE_ENGINE", "FLUX2_WEIGHTS", "FLUX2_MEMORY", "FLUX2_DEVICE", "FLUX2_COMPILE"):
        monkeypatch.delenv(f"STORYBEAT_{name}", raising=False)


def doctor_checks(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, dict[str, object]]]:
    code = main(["doctor", "--json"])
    return code, {c["name"]: c for c in json.loads(capsys.readouterr().out)}


def test_previz_stays_the_default() -> None:
    from imagegen import PrevizEngine

    assert isinstance(image_engine(Settings()), PrevizEngine)


def test_flux2_without_weights_says_which_variable_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STORYBEAT_IMAGE_ENGINE", "flux2")
    with pytest.raises(AgentInputError, match="STORYBEAT_FLUX2_WEIGHTS=DIR"):
        open_studio(Settings())
    # the render command stops before any work with the same one line
    assert main(["render", str(tmp_path / "song.wav"), "-o", str(tmp_path / "v.mp4")]) == 2
    err = capsys.readouterr().err
    assert "STORYBEAT_FLUX2_WEIGHTS=DIR" in err and err.count("\n") == 1


def test_flux2_settings_reach_the_engine(klein_base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from imagegen.flux2 import Flux2Engine

    monkeypatch.setenv("STORYBEAT_IMAGE_ENGINE", "flux2")
    monkeypatch.setenv("STORYBEAT_FLUX2_WEIGHTS", str(klein_base))
    monkeypatch.setenv("STORYBEAT_FLUX2_MEMORY", "model-offload")
    monkeypatch.setenv("STORYBEAT_FLUX2_DEVICE", "cpu")
    monkeypatch.setenv("STORYBEAT_FLUX2_COMPILE", "true")
    settings = Settings()
    assert settings.flux2_compile and settings.flux2_device == "cpu"
    studio = open_studio(settings)
    try:
        engine = studio.engine
        assert isinstance(engine, Flux2Engine)
        assert engine.variant == "klein-base"
        assert engine.memory == "model-offload"
        assert engine.info.folder == klein_base
    finally:
        studio.db.dispose()


def test_a_bad_memory_policy_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STORYBEAT_FLUX2_MEMORY", "swap")
    assert main(["doctor"]) == 2
    err = capsys.readouterr().err
    assert "flux2_memory" in err and "group-offload" in err


def test_the_memory_setting_offers_every_engine_policy() -> None:
    from imagegen.flux2.memory import POLICIES

    assert set(FLUX2_MEMORY) == {"auto", *POLICIES}


def test_doctor_reports_the_variant(
    klein_base: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STORYBEAT_FLUX2_WEIGHTS", str(klein_base))
    _, checks = doctor_checks(capsys)
    assert checks["flux2"]["ok"]
    assert checks["flux2"]["detail"] == f"klein-base at {klein_base}"


def test_doctor_names_what_a_weights_folder_lacks(
    klein_base: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(klein_base, broken)
    shutil.rmtree(broken / "vae")
    monkeypatch.setenv("STORYBEAT_FLUX2_WEIGHTS", str(broken))
    code, checks = doctor_checks(capsys)
    assert not checks["flux2"]["ok"] and "vae/" in str(checks["flux2"]["detail"])
    assert code == 0  # flux2 is not the chosen engine, so the machine is still usable
    monkeypatch.setenv("STORYBEAT_IMAGE_ENGINE", "flux2")
    code, checks = doctor_checks(capsys)
    assert checks["flux2"]["required"] and code == 1


def test_doctor_names_a_folder_of_another_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "model_index.json").write_text('{"_class_name": "FluxPipeline"}')
    monkeypatch.setenv("STORYBEAT_FLUX2_WEIGHTS", str(tmp_path))
    _, checks = doctor_checks(capsys)
    assert not checks["flux2"]["ok"] and "FluxPipeline" in str(checks["flux2"]["detail"])
