"""Engines by name."""

from __future__ import annotations

import pytest

from imagegen import (
    ENGINES,
    ImageGenInputError,
    ImageRequest,
    PrevizEngine,
    UnknownEngineError,
    engine_infos,
    get_engine,
)


def test_registry_keys_are_lower_case() -> None:
    assert "previz" in ENGINES
    assert all(name == name.lower() for name in ENGINES)


@pytest.mark.parametrize("name", ["previz", "PREVIZ", " Previz "])
def test_get_engine_is_case_insensitive(name: str) -> None:
    engine = get_engine(name)
    assert isinstance(engine, PrevizEngine)
    assert engine.name == "previz" and engine.version


def test_engine_from_registry_draws() -> None:
    image = get_engine("previz").generate(
        ImageRequest(prompt="a desert at dawn", width=256, height=144, seed=0)
    )
    assert image.size == (256, 144)


def test_unknown_engine_lists_known_names() -> None:
    with pytest.raises(UnknownEngineError) as info:
        get_engine("dalle")
    message = str(info.value)
    assert "'dalle'" in message and "previz" in message
    assert isinstance(info.value, ImageGenInputError)


def test_unknown_engine_option_is_named() -> None:
    with pytest.raises(ImageGenInputError, match="steps"):
        get_engine("previz", steps=4)


def test_engine_infos_report_previz_available() -> None:
    infos = {info.name: info for info in engine_infos()}
    assert set(infos) == set(ENGINES)
    assert infos["previz"].available
    assert infos["previz"].detail
