"""The previz engine draws honest, deterministic storyboard frames a viewer can read."""

from __future__ import annotations

import hashlib
import itertools
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from imagegen import (
    SHOT_TYPES,
    GenerationCancelled,
    ImageGenInputError,
    ImageRequest,
    PrevizEngine,
    Scene,
    Subject,
    drawn_by,
    encode_png,
)
from imagegen.previz_backdrop import tones_for
from imagegen.previz_grade import grade
from imagegen.previz_locations import PAINTERS
from imagegen.previz_scene import LOCATION_KINDS, location_kind, scene_for

MARA = Subject(name="Mara", color="#E4572E")
JUN = Subject(name="Jun", color="#29335C")
VINYL = Subject(name="vinyl", color="#F3A712", role="object")
MARA_RGB = (0xE4, 0x57, 0x2E)
ASPECTS = [(1280, 720), (720, 1280), (1024, 1024)]


def _request(
    width: int = 1280,
    height: int = 720,
    seed: int = 3,
    references: tuple[Path, ...] = (),
    **scene: Any,
) -> ImageRequest:
    fields: dict[str, Any] = {
        "shot_type": "medium",
        "subjects": [MARA, JUN],
        "location": "city street",
        "palette": ["#1B1F3B", "#FF3E8A", "#37E2D5"],
        "label": "Shot 3 · chorus · 0:12.5",
        "caption": "sings into the wind",
    }
    fields.update(scene)
    return ImageRequest(
        prompt="storyboard frame",
        width=width,
        height=height,
        seed=seed,
        references=references,
        scene=Scene(**fields),
    )


def _draw(request: ImageRequest) -> np.ndarray:
    image = PrevizEngine().generate(request)
    assert image.mode == "RGB"
    return np.asarray(image)


def _mask(pixels: np.ndarray, rgb: tuple[int, int, int]) -> np.ndarray:
    return np.all(pixels == np.array(rgb, dtype=np.uint8), axis=-1)


def _near(pixels: np.ndarray, rgb: tuple[int, int, int], tol: int = 12) -> np.ndarray:
    return np.all(np.abs(pixels.astype(int) - np.array(rgb)) <= tol, axis=-1)


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(float) - b.astype(float)).mean())


def _black_bar(band: np.ndarray) -> bool:
    """True if a strip of rows or columns is dark and flat, as in letterboxing."""
    return float(band.mean()) <= 12 and float(band.std()) <= 6


@pytest.mark.parametrize("shot", SHOT_TYPES)
@pytest.mark.parametrize(("width", "height"), [*ASPECTS, (64, 64), (2048, 1152)])
def test_output_size_is_exact(shot: str, width: int, height: int) -> None:
    pixels = _draw(_request(width, height, shot_type=shot))
    assert pixels.shape == (height, width, 3)


def test_same_request_same_pixels_different_seed_different_set() -> None:
    request = _request(shot_type="wide")
    first, second = PrevizEngine().generate(request), PrevizEngine().generate(request)
    assert first.tobytes() == second.tobytes()
    other = np.asarray(PrevizEngine().generate(_request(shot_type="wide", seed=4)))
    changed = np.any(np.asarray(first) != other, axis=-1).mean()
    assert changed > 0.02


def test_prompt_only_request_is_deterministic_and_prompt_driven() -> None:
    def draw(prompt: str) -> bytes:
        request = ImageRequest(prompt=prompt, width=640, height=368, seed=9)
        return PrevizEngine().generate(request).tobytes()

    assert draw("a dancer in the desert at dawn") == draw("a dancer in the desert at dawn")
    assert draw("a dancer in the desert at dawn") != draw("a drummer on a club stage at night")


def test_subject_looks_the_same_whatever_the_seed_and_set() -> None:
    city = _draw(_request(seed=1, location="city street", time_of_day="night"))
    desert = _draw(
        _request(seed=77, location="desert", time_of_day="day", palette=["#F28C28", "#FFD166"])
    )
    mara_city, mara_desert = _mask(city, MARA_RGB), _mask(desert, MARA_RGB)
    assert mara_city.mean() > 0.05
    assert np.array_equal(mara_city, mara_desert)


@pytest.mark.parametrize("shot", ["wide", "medium", "close-up", "extreme-close-up"])
def test_subject_colour_appears_in_every_figure_framing(shot: str) -> None:
    assert _mask(_draw(_request(shot_type=shot)), MARA_RGB).sum() > 500


def test_tighter_shots_fill_more_of_the_frame_with_the_subject() -> None:
    share = [
        _mask(_draw(_request(shot_type=s, subjects=[MARA])), MARA_RGB).mean()
        for s in SHOT_TYPES[:4]
    ]
    assert share == sorted(share)
    assert share[0] < 0.05 and share[-1] > 0.5


def test_composition_places_the_subject_on_its_third() -> None:
    def centre_x(composition: str) -> float:
        mask = _mask(_draw(_request(composition=composition, subjects=[MARA])), MARA_RGB)
        return float(np.nonzero(mask)[1].mean()) / mask.shape[1]

    left, centre, right = centre_x("left-third"), centre_x("center"), centre_x("right-third")
    assert left == pytest.approx(1 / 3, abs=0.05)
    assert centre == pytest.approx(1 / 2, abs=0.05)
    assert right == pytest.approx(2 / 3, abs=0.05)


def test_portrait_stacks_subjects_in_depth_landscape_lines_them_up() -> None:
    def feet(width: int, height: int, rgb: tuple[int, int, int]) -> float:
        mask = _mask(_draw(_request(width, height, shot_type="wide")), rgb)
        return float(np.nonzero(mask)[0].max()) / height

    jun = (0x29, 0x33, 0x5C)
    assert feet(1280, 720, MARA_RGB) == pytest.approx(feet(1280, 720, jun), abs=0.01)
    assert feet(720, 1280, MARA_RGB) - feet(720, 1280, jun) > 0.03


def test_insert_shows_the_object_and_no_figure() -> None:
    pixels = _draw(_request(shot_type="insert", subjects=[MARA, VINYL]))
    assert _mask(pixels, (0xF3, 0xA7, 0x12)).mean() > 0.03
    assert _mask(pixels, MARA_RGB).sum() == 0


@pytest.mark.parametrize("shot", SHOT_TYPES)
@pytest.mark.parametrize(("width", "height"), [(720, 1280), (1024, 1024), (368, 640)])
@pytest.mark.parametrize("location", ["neon rooftop", "club stage", "forest", "the void"])
def test_no_letterbox_or_pillarbox_even_at_night(
    shot: str, width: int, height: int, location: str
) -> None:
    dark = ["#111111", "#14213D"]
    pixels = _draw(
        _request(
            width, height, shot_type=shot, palette=dark, time_of_day="night", location=location
        )
    )
    for band in (pixels[:8], pixels[-8:], pixels[:, :8], pixels[:, -8:]):
        assert not _black_bar(band)


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (720, 1280)])
def test_shot_types_differ_clearly(width: int, height: int) -> None:
    frames = {s: _draw(_request(width, height, shot_type=s)) for s in SHOT_TYPES}
    for a, b in itertools.combinations(SHOT_TYPES, 2):
        assert _diff(frames[a], frames[b]) > 15, (a, b)


@pytest.mark.parametrize("shot", SHOT_TYPES)
def test_compositions_differ_visibly(shot: str) -> None:
    frames = [
        _draw(_request(shot_type=shot, composition=c))
        for c in ("left-third", "center", "right-third")
    ]
    for a, b in itertools.combinations(frames, 2):
        assert _diff(a, b) > 7


def test_time_of_day_changes_the_sky() -> None:
    night = _draw(_request(shot_type="wide", time_of_day="night"))
    day = _draw(_request(shot_type="wide", time_of_day="day"))
    assert day[: night.shape[0] // 5].mean() > night[: night.shape[0] // 5].mean() + 60


def test_frame_is_labelled_previz_and_captioned() -> None:
    pixels = _draw(_request())
    height, width, _ = pixels.shape
    # both sit inside the title-safe box (inner 80 %), where camera moves never crop them
    assert (
        _near(
            pixels[height // 10 : height // 4, -width // 3 : -width // 10], (255, 206, 0), tol=2
        ).sum()
        > 1000
    )
    bottom = pixels[-height // 3 : -height // 10]
    uncaptioned = _draw(_request(caption="", label=""))[-height // 3 : -height // 10]
    assert (
        _near(bottom, (244, 244, 240), tol=8).sum()
        > _near(uncaptioned, (244, 244, 240), tol=8).sum() + 200
    )


def test_reference_tints_first_subject_and_shows_thumbnail(tmp_path: Path) -> None:
    blue = (30, 60, 200)
    ref = tmp_path / "ref.png"
    Image.new("RGB", (300, 400), blue).save(ref)
    plain = _draw(_request(subjects=[MARA]))
    tinted = _draw(_request(subjects=[MARA], references=(ref,)))
    corner = (slice(0, 720 // 4), slice(0, 1280 // 3))
    assert _near(plain[corner], blue).sum() == 0
    assert _near(tinted[corner], blue).sum() > 1500
    halfway = (round((0xE4 + 30) / 2), round((0x57 + 60) / 2), round((0x2E + 200) / 2))
    assert _mask(tinted, MARA_RGB).sum() == 0
    assert _mask(tinted, halfway).mean() > 0.8 * _mask(plain, MARA_RGB).mean()


def test_previz_sketch_as_reference_keeps_the_characters_colour(tmp_path: Path) -> None:
    sheet_request = _request(subjects=[MARA])
    engine = PrevizEngine()
    sheet = tmp_path / "sheet.png"
    sheet.write_bytes(
        encode_png(engine.generate(sheet_request), sheet_request, engine="previz", version="2")
    )
    plain = _draw(_request(subjects=[MARA]))
    with_sheet = _draw(_request(subjects=[MARA], references=(sheet,)))
    assert _mask(with_sheet, MARA_RGB).mean() > 0.8 * _mask(plain, MARA_RGB).mean()


def test_png_records_how_the_image_was_made(tmp_path: Path) -> None:
    ref = tmp_path / "ref.png"
    Image.new("RGB", (64, 64), "blue").save(ref)
    request = _request(references=(ref,))
    data = encode_png(PrevizEngine().generate(request), request, engine="previz", version="2")
    out = tmp_path / "frame.png"
    out.write_bytes(data)
    with Image.open(out) as image:
        assert drawn_by(image) == "previz"
        assert image.info["storybeat:seed"] == str(request.seed)
        assert image.info["storybeat:prompt"] == request.prompt
        assert image.info["storybeat:references"] == hashlib.sha256(ref.read_bytes()).hexdigest()


def test_unreadable_reference_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    with pytest.raises(ImageGenInputError, match="cannot be read") as info:
        PrevizEngine().generate(_request(references=(bad,)))
    assert str(bad) in str(info.value)


def test_generate_many_yields_in_order_with_progress() -> None:
    requests = [_request(320, 192, seed=s) for s in range(3)]
    progress: list[tuple[int, int]] = []
    out = list(
        PrevizEngine().generate_many(requests, on_progress=lambda d, t: progress.append((d, t)))
    )
    assert [i for i, _ in out] == [0, 1, 2]
    assert all(img.size == (320, 192) for _, img in out)
    assert progress == [(1, 3), (2, 3), (3, 3)]


def test_cancel_stops_before_the_next_image() -> None:
    requests = [_request(320, 192, seed=s) for s in range(3)]
    done: list[int] = []
    frames = PrevizEngine().generate_many(requests, cancel=lambda: len(done) >= 1)
    with pytest.raises(GenerationCancelled, match="after 1 of 3"):
        for index, _ in frames:
            done.append(index)
    assert done == [0]
    with pytest.raises(GenerationCancelled):
        next(PrevizEngine().generate_many(requests, cancel=lambda: True))


def test_hd_frame_draws_fast() -> None:
    engine = PrevizEngine()
    request = _request(shot_type="wide", location="neon rooftop at night")
    engine.generate(request)
    start = time.perf_counter()
    for _ in range(5):
        engine.generate(request)
    assert (time.perf_counter() - start) / 5 < 0.5


@pytest.mark.parametrize(("light", "axis"), [(1, 1), (-1, 1), (None, 0)])
def test_key_light_falls_off_smoothly_without_a_seam(light: int | None, axis: int) -> None:
    flat = Image.new("RGB", (320, 180), (120, 120, 120))
    tones = tones_for(Scene(shot_type="wide", palette=["#336699"]))
    lit = np.asarray(grade(flat, tones, light=light, defocus=None)).astype(int)[..., 0]
    profile = lit.mean(axis=1 - axis)
    steps = np.diff(profile if light != -1 else profile[::-1])
    assert np.all(np.abs(steps) <= 2)
    assert profile[0] != profile[-1]
    assert (profile[-1] > profile[0]) == (light == 1)


@pytest.mark.parametrize(
    ("location", "kind"),
    [
        ("neon rooftop at night", "rooftop"),
        ("rain-soaked city street", "street"),
        ("downtown skyline", "city"),
        ("endless desert", "desert"),
        ("pine forest", "forest"),
        ("empty beach", "beach"),
        ("club stage", "club"),
        ("photo studio", "studio"),
        ("abstract void", "abstract"),
        ("somewhere unnamed", "plain"),
    ],
)
def test_locations_map_to_a_drawn_set(location: str, kind: str) -> None:
    assert location_kind(location) == kind
    assert set(LOCATION_KINDS) == set(PAINTERS)


def test_prompt_only_scene_is_derived_from_the_prompt() -> None:
    prompt = "A lonely astronaut dances on a neon rooftop at night while rain falls on the city"
    scene = scene_for(ImageRequest(prompt=prompt, width=640, height=368, seed=0))
    assert scene.caption == " ".join(prompt.split()[:12]) + "…"
    assert location_kind(scene.location) == "rooftop"
    assert scene.time_of_day == "night"
    assert scene.shot_type in ("wide", "medium", "close-up")
    close = scene_for(ImageRequest(prompt="close-up of the singer", width=640, height=368, seed=0))
    assert close.shot_type == "close-up"
    assert close.caption == "close-up of the singer"
