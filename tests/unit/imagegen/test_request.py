"""Request validation and cache keys: ill-formed input fails early, naming the bad value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from imagegen import ImageGenError, ImageGenInputError, ImageRequest, Scene, Subject

PALETTE = ["#1B1F3B", "#FF3E8A"]


def _request(**overrides: Any) -> ImageRequest:
    fields: dict[str, Any] = {
        "prompt": "a singer on a rooftop",
        "width": 1280,
        "height": 720,
        "seed": 1,
    }
    fields.update(overrides)
    return ImageRequest(**fields)


def _png(path: Path, color: tuple[int, int, int]) -> Path:
    Image.new("RGB", (32, 32), color).save(path)
    return path


def test_valid_request_normalises_colours() -> None:
    scene = Scene(
        shot_type="wide", palette=["#ff3e8a"], subjects=[Subject(name="Mara", color="#e4572e")]
    )
    request = _request(scene=scene)
    assert request.scene is not None
    assert request.scene.palette == ["#FF3E8A"]
    assert request.scene.subjects[0].color == "#E4572E"
    assert request.scene.time_of_day == "night" and request.scene.composition == "center"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"width": 1000}, ["width", "1000", "multiple of 16"]),
        ({"height": 40}, ["height", "40"]),
        ({"width": 5000, "height": 5000}, ["width", "height", "5000"]),
        ({"width": 4096, "height": 2048}, ["4096×2048", "4 MP"]),
        ({"seed": -3}, ["seed", "-3"]),
        ({"prompt": "   "}, ["prompt", "empty"]),
        ({"steps": 0}, ["steps", "0", "between 1 and 50"]),
        ({"guidance": 11.0}, ["guidance", "11", "between 1.5 and 10"]),
        ({"prompt": '{"scene": "a fox",'}, ["prompt", "malformed", "JSON"]),
        ({"prompt": '["a fox"]'}, ["prompt", "JSON prompt must be an object"]),
        ({"cfg": 4}, ["cfg"]),
    ],
)
def test_bad_request_fields_are_named(overrides: dict[str, Any], named: list[str]) -> None:
    with pytest.raises(ImageGenInputError) as info:
        _request(**overrides)
    for text in named:
        assert text in str(info.value)


def test_input_errors_are_value_errors_under_the_package_root() -> None:
    with pytest.raises(ValueError):
        _request(width=1000)
    assert issubclass(ImageGenInputError, ImageGenError)


def test_too_many_references(tmp_path: Path) -> None:
    ref = _png(tmp_path / "ref.png", (200, 10, 10))
    with pytest.raises(ImageGenInputError, match="at most 10 images, got 11"):
        _request(references=[ref] * 11)


def test_missing_reference_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "face.png"
    with pytest.raises(ImageGenInputError, match="does not exist") as info:
        _request(references=[missing])
    assert str(missing) in str(info.value)


def test_unknown_shot_type_lists_the_allowed_ones() -> None:
    with pytest.raises(ImageGenInputError) as info:
        Scene(shot_type="dutch-angle", palette=PALETTE)
    message = str(info.value)
    assert "shot_type='dutch-angle'" in message
    assert "'close-up'" in message and "'insert'" in message


def test_nested_scene_error_names_its_path() -> None:
    scene = {
        "shot_type": "wide",
        "palette": PALETTE,
        "subjects": [{"name": "Mara", "color": "orange"}],
    }
    with pytest.raises(ImageGenInputError, match=r"scene\.subjects\[0\]\.color='orange'"):
        _request(scene=scene)


@pytest.mark.parametrize("bad", ["red", "#12345", "#GG0000", "FF0000"])
def test_bad_hex_colour(bad: str) -> None:
    with pytest.raises(ImageGenInputError, match="hex colour") as info:
        Subject(name="Mara", color=bad)
    assert repr(bad) in str(info.value)
    with pytest.raises(ImageGenInputError, match="hex colour"):
        Scene(shot_type="wide", palette=["#000000", bad])


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"palette": []}, "got 0"),
        ({"palette": ["#000000"] * 7}, "got 7"),
        ({"palette": PALETTE, "time_of_day": "noon"}, "time_of_day='noon'"),
        ({"palette": PALETTE, "composition": "top"}, "composition='top'"),
    ],
)
def test_bad_scene_fields(fields: dict[str, Any], named: str) -> None:
    with pytest.raises(ImageGenInputError, match=named):
        Scene(shot_type="wide", **fields)


def test_bad_subject_role() -> None:
    with pytest.raises(ImageGenInputError, match="role='prop'"):
        Subject(name="vinyl", color="#FFAA00", role="prop")


def test_json_round_trip_and_json_errors() -> None:
    request = _request(scene=Scene(shot_type="insert", palette=PALETTE))
    assert ImageRequest.model_validate_json(request.model_dump_json()) == request
    with pytest.raises(ImageGenInputError, match="width=1000"):
        ImageRequest.model_validate({"prompt": "x", "width": 1000, "height": 720, "seed": 0})


def test_cache_key_is_stable_and_ignores_reference_paths(tmp_path: Path) -> None:
    a = _png(tmp_path / "a.png", (10, 200, 10))
    b = tmp_path / "copy.png"
    b.write_bytes(a.read_bytes())
    key = _request(references=[a]).cache_key("previz", "1")
    assert len(key) == 64
    assert _request(references=[a]).cache_key("previz", "1") == key
    assert _request(references=[b]).cache_key("previz", "1") == key


def test_cache_key_changes_with_reference_content(tmp_path: Path) -> None:
    ref = _png(tmp_path / "ref.png", (10, 200, 10))
    before = _request(references=[ref]).cache_key("previz", "1")
    _png(ref, (200, 10, 10))
    assert _request(references=[ref]).cache_key("previz", "1") != before


def test_cache_key_changes_with_request_and_engine() -> None:
    key = _request().cache_key("previz", "1")
    assert _request(seed=2).cache_key("previz", "1") != key
    assert _request(width=1024).cache_key("previz", "1") != key
    assert _request().cache_key("previz", "2") != key
    assert _request().cache_key("flux2", "1") != key


def test_json_prompt_kept_exactly() -> None:
    text = '{"scene": "a fox", "color_palette": ["#FF8800", "#1a2b3c"]}'
    assert _request(prompt=text).prompt == text


def test_overrides_absent_keep_old_cache_keys() -> None:
    plain = _request()
    assert plain.cache_key("flux2", "1") != _request(steps=4).cache_key("flux2", "1")
    assert "steps" not in plain.model_dump(exclude_none=True)
