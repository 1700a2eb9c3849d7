"""The diffusers-i2v adapter on tiny random Wan 2.x and LTX-Video folders, loaded as a user would:
from a local folder, offline, through the adapter's options."""

from __future__ import annotations

import json
import shutil
import socket
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.support.i2v import read_index, write_index, write_ltx, write_wan
from tests.unit.videogen.conftest import decode_rgb
from videogen import (
    ClipRequest,
    GenerationCancelled,
    VideoGenError,
    VideoGenInputError,
    adapter_class,
    get_adapter,
    probe_video,
)
from videogen.diffusers_i2v import DiffusersI2VAdapter, Shot, clip_prompt, inspect_weights
from videogen.diffusers_i2v.plan import model_frames, model_size

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")

# Wan: model frames of 48×32 for the 3:2 requests below; LTX's pipeline wants multiples of 32
FAST: dict[str, Any] = {"steps": 2, "max_area": 32 * 48, "dtype": "float32", "device": "cpu"}
SIZE = {"wan2.1": (48, 32), "flf2v": (48, 32), "wan2.2": (48, 32), "ti2v": (48, 32)}
SIZE["ltx"] = (96, 64)


def fast(kind: str, **options: Any) -> dict[str, Any]:
    """Options for small, quick clips: 3:2 requests give model frames of SIZE[kind]."""
    width, height = SIZE[kind]
    return FAST | {"max_area": width * height} | options


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module", autouse=True)
def wan_text_cleaning() -> Iterator[None]:
    """diffusers' Wan pipelines clean prompts with ftfy; where it is not installed a stand-in
    that leaves text as it is takes its place (the prompts here are plain ASCII)."""
    from diffusers.pipelines.wan import pipeline_wan_i2v

    with pytest.MonkeyPatch.context() as patch:
        if getattr(pipeline_wan_i2v, "ftfy", None) is None:
            patch.setattr(
                pipeline_wan_i2v, "ftfy", types.SimpleNamespace(fix_text=str), raising=False
            )
        yield


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``weights(kind)``: a tiny folder of that kind, written on first use and shared."""
    folders: dict[str, Path] = {}

    def get(kind: str) -> Path:
        if kind not in folders:
            folder = tmp_path_factory.mktemp("i2v") / kind
            if kind == "ltx":  # as Lightricks/LTX-Video is published
                folders[kind] = write_ltx(folder, class_name="LTXPipeline")
            else:
                folders[kind] = write_wan(folder, kind)
        return folders[kind]

    return get


def still(path: Path, seed: int, size: tuple[int, int] = (48, 32)) -> Path:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return path


def request(tmp_path: Path, size: tuple[int, int] = (48, 32), **fields: Any) -> ClipRequest:
    values: dict[str, Any] = {
        "image": still(tmp_path / "first.png", 0, size),
        "width": 96,
        "height": 64,
        "fps": 24,
        "n_frames": 12,
        "camera": "static",
        "prompt": "a dancer spins",
        "seed": 3,
    }
    return ClipRequest(**(values | fields))


@pytest.fixture
def network_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every attempt to reach the network, each refused; the hub told to stay offline."""
    calls: list[object] = []

    def refuse(*args: object, **kwargs: object) -> Any:
        calls.append(args)
        raise OSError("the network was used during an offline load")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return calls


def test_a_wan_clip_fills_its_slot_and_repeats_for_a_seed(weights: Any, tmp_path: Path) -> None:
    adapter = DiffusersI2VAdapter(weights=weights("wan2.1"), **FAST)
    req = request(tmp_path)
    assert adapter.plan(req) == Shot(width=48, height=32, frames=9, fps=16)  # 4k+1 at 16 fps
    first = adapter.generate(req, tmp_path / "a.mp4")
    info = probe_video(first)
    assert (info.n_frames, info.width, info.height, info.fps) == (12, 96, 64, 24)
    again = adapter.generate(req, tmp_path / "b.mp4")
    other = adapter.generate(req.model_copy(update={"seed": 4}), tmp_path / "c.mp4")
    assert first.read_bytes() == again.read_bytes()
    assert np.abs(decode_rgb(other).astype(int) - decode_rgb(first)).max() > 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4", "b.mp4", "c.mp4", "first.png"]


def test_an_ltx_clip_fills_its_slot(weights: Any, tmp_path: Path) -> None:
    adapter = DiffusersI2VAdapter(weights=weights("ltx"), **fast("ltx"))
    req = request(tmp_path, fps=25, n_frames=10, camera="push-in")
    assert adapter.info.model.name == "ltx-video"
    assert adapter.plan(req) == Shot(width=96, height=64, frames=13, fps=24)  # tiny VAE: 4k+1
    out = adapter.generate(req, tmp_path / "ltx.mp4")
    info = probe_video(out)
    assert (info.n_frames, info.width, info.height, info.fps) == (10, 96, 64, 25)
    frames = decode_rgb(out).astype(int)
    assert np.abs(frames[-1] - frames[0]).max() > 10, "the clip moves"


def _direct(kind: str, folder: Path, **call: Any) -> np.ndarray:
    """The frames diffusers' own pipeline makes from ``folder`` with ``call``'s inputs."""
    from diffusers import LTXImageToVideoPipeline, WanImageToVideoPipeline

    cls = LTXImageToVideoPipeline if kind == "ltx" else WanImageToVideoPipeline
    pipe = cls.from_pretrained(folder, local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    frames: np.ndarray = pipe(
        generator=torch.Generator("cpu").manual_seed(call.pop("seed")), output_type="np", **call
    ).frames[0]
    return frames


@pytest.mark.parametrize("kind", ["wan2.1", "ltx"])
def test_the_model_frames_are_the_diffusers_pipelines_own(
    weights: Any, tmp_path: Path, kind: str
) -> None:
    width, height = SIZE[kind]
    req = request(tmp_path, (width, height), camera="pan-left", intensity=0.5, seed=11)
    adapter = DiffusersI2VAdapter(
        weights=weights(kind), **fast(kind, guidance=4.0, negative_prompt="blurry")
    )
    frames = adapter.model_frames(req)
    call = {
        "image": Image.open(req.image).convert("RGB"),  # already the model's size
        "prompt": "a dancer spins. The camera slowly pans left.",
        "negative_prompt": "blurry",
        "height": height,
        "width": width,
        "num_frames": 9 if kind != "ltx" else 13,
        "num_inference_steps": 2,
        "guidance_scale": 4.0,
        "seed": 11,
    }
    if kind == "ltx":
        call["frame_rate"] = 24
    expected = _direct(kind, weights(kind), **call)
    assert frames.shape == expected.shape == (call["num_frames"], height, width, 3)
    assert np.abs(frames - expected).max() == 0.0


def test_an_end_image_conditions_wan_flf2v_as_its_last_image(weights: Any, tmp_path: Path) -> None:
    adapter = DiffusersI2VAdapter(weights=weights("flf2v"), **FAST)
    assert adapter.info.model.name == "wan2.1-flf2v" and adapter.capabilities.end_frame
    end = still(tmp_path / "last.png", 1)
    plain = request(tmp_path)
    ending = plain.model_copy(update={"end_image": end})
    frames = adapter.model_frames(ending)
    expected = _direct(
        "flf2v",
        weights("flf2v"),
        image=Image.open(plain.image).convert("RGB"),
        last_image=Image.open(end).convert("RGB"),
        prompt=clip_prompt(plain),
        negative_prompt=adapter.negative_prompt,
        height=32,
        width=48,
        num_frames=9,
        num_inference_steps=2,
        guidance_scale=adapter.guidance,
        seed=plain.seed,
    )
    assert np.abs(frames - expected).max() == 0.0
    # the tiny VAE damps the last frame's latent to ~1e-5 of the picture, but the arithmetic is
    # exact on the CPU: any difference at all is the end frame's doing
    other_end = ending.model_copy(update={"end_image": still(tmp_path / "other.png", 2)})
    assert not np.array_equal(frames, adapter.model_frames(other_end)), "the end frame counts"
    with pytest.raises(VideoGenInputError, match="give the request an end_image"):
        adapter.model_frames(plain)


@pytest.mark.parametrize(
    ("kind", "model", "fps", "end_frame"),
    [
        ("wan2.1", "wan2.1-i2v", 16, False),
        ("wan2.2", "wan2.2-i2v-a14b", 16, True),
        ("ti2v", "wan2.2-ti2v-5b", 24, False),
    ],
)
def test_each_wan_folder_runs_and_says_whether_it_takes_an_end_frame(
    weights: Any, tmp_path: Path, kind: str, model: str, fps: int, end_frame: bool
) -> None:
    adapter = DiffusersI2VAdapter(weights=weights(kind), **FAST)
    assert (adapter.info.model.name, adapter.info.model.fps) == (model, fps)
    assert adapter.capabilities.end_frame is end_frame
    req = request(tmp_path, end_image=still(tmp_path / "last.png", 1))  # ignored without
    shot = adapter.plan(req)
    frames = adapter.model_frames(req)
    assert frames.shape == (shot.frames, 32, 48, 3) and shot.fps == fps
    assert frames.min() >= 0.0 and frames.max() <= 1.0


def test_folders_are_recognised_without_loading(weights: Any) -> None:
    wan, ltx = inspect_weights(weights("wan2.1")), inspect_weights(weights("ltx"))
    assert (wan.label, wan.spatial, wan.temporal) == ("wan2.1-i2v", 16, 4)
    assert (ltx.label, ltx.spatial, ltx.temporal) == ("ltx-video", 32, 4)  # tiny VAE: 4×
    assert wan.fingerprint != ltx.fingerprint


def _copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / "copy"))


def _set_class(folder: Path, name: str, **fields: Any) -> None:
    index = read_index(folder)
    index["_class_name"] = name
    for key in ("expand_timesteps", "boundary_ratio"):
        index.pop(key, None)
    write_index(folder, index | fields)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        ("empty", "has no model_index.json; is it a diffusers-layout"),
        ("absent", "does not exist or is not a folder"),
        ("text-to-video", "holds WanPipeline, a Wan text-to-video model; diffusers-i2v needs"),
        ("image model", "holds Flux2KleinPipeline, which is not a video model"),
        ("no class", "without _class_name"),
        ("no vae folder", "is missing its vae/ folder"),
        ("no transformer weights", "transformer holds no weight files"),
        ("no image encoder", "is missing its image_encoder/ folder"),
        ("no tokenizer", "tokenizer holds no tokenizer files"),
        ("bad json", "model_index.json cannot be read as JSON"),
    ],
)
def test_folders_that_are_not_an_image_to_video_model_are_refused(
    weights: Any, tmp_path: Path, spoil: str, message: str
) -> None:
    folder = _copy(weights("wan2.1"), tmp_path)
    if spoil == "empty":
        shutil.rmtree(folder)
        folder.mkdir()
    elif spoil == "absent":
        shutil.rmtree(folder)
    elif spoil == "text-to-video":
        _set_class(folder, "WanPipeline")
    elif spoil == "image model":
        _set_class(folder, "Flux2KleinPipeline")
    elif spoil == "no class":
        _set_class(folder, "")
    elif spoil == "no vae folder":
        shutil.rmtree(folder / "vae")
    elif spoil == "no transformer weights":
        for path in (folder / "transformer").glob("*.safetensors"):
            path.unlink()
    elif spoil == "no image encoder":
        shutil.rmtree(folder / "image_encoder")
    elif spoil == "no tokenizer":
        for path in (folder / "tokenizer").iterdir():
            path.unlink()
    else:
        (folder / "model_index.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(VideoGenInputError, match=message):
        DiffusersI2VAdapter(weights=folder, **FAST)


def test_a_missing_shard_is_named(weights: Any, tmp_path: Path) -> None:
    folder = _copy(weights("ltx"), tmp_path)
    shard_index = {"weight_map": {"a": "model-00001-of-00002.safetensors"}}
    (folder / "text_encoder" / "model.safetensors.index.json").write_text(json.dumps(shard_index))
    with pytest.raises(VideoGenInputError, match=r"missing weight shard.*00001-of-00002"):
        inspect_weights(folder)


def test_options_are_checked(weights: Any) -> None:
    with pytest.raises(VideoGenInputError, match="needs weights=DIR"):
        DiffusersI2VAdapter()
    with pytest.raises(VideoGenInputError, match="needs weights=DIR"):
        get_adapter("diffusers-i2v")
    folder = weights("wan2.1")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"max_frames": 80}, "max_frames=80 is not a frame count wan2.1-i2v makes.*77 or 81"),
        ({"steps": 0}, "steps must be a positive whole number"),
        ({"guidance": -1.0}, "guidance must be a number"),
        ({"dtype": "int8"}, "dtype='int8' is not one of bfloat16, float16, float32"),
        ({"device": "cuda:7" if not torch.cuda.is_available() else "nope"}, "device="),
        ({"max_area": 100}, "max_area=100 is below one 16×16 block"),
    ]
    for options, message in cases:
        with pytest.raises(VideoGenInputError, match=message):
            DiffusersI2VAdapter(weights=folder, **(FAST | options))


def test_the_registry_builds_it_and_settings_change_its_version(weights: Any) -> None:
    info = adapter_class("diffusers-i2v").availability()
    assert info.available and "weights=DIR" in info.detail
    adapter = get_adapter("diffusers-i2v", weights=str(weights("wan2.1")), **FAST)
    assert isinstance(adapter, DiffusersI2VAdapter)
    caps = adapter.capabilities
    assert (caps.fps, caps.max_duration, caps.prompt, caps.local) == ((16,), 81 / 16, True, True)
    assert caps.snap_duration(9.0) == 81 / 16  # longer shots get the longest clip, slowed/held
    same = DiffusersI2VAdapter(weights=weights("wan2.1"), **FAST)
    more_steps = DiffusersI2VAdapter(weights=weights("wan2.1"), **(FAST | {"steps": 3}))
    assert adapter.version.startswith("1+wan2.1-i2v.") and adapter.version == same.version
    assert more_steps.version != adapter.version, "cached clips of other settings are not reused"


@pytest.mark.parametrize("polls_before_stop", [0, 2])  # before loading; between steps
def test_cancel_stops_and_writes_nothing(
    weights: Any, tmp_path: Path, polls_before_stop: int
) -> None:
    adapter = DiffusersI2VAdapter(weights=weights("wan2.1"), **(FAST | {"steps": 4}))
    polls: list[int] = []

    def cancel() -> bool:
        polls.append(1)
        return len(polls) > polls_before_stop

    out = tmp_path / "clip.mp4"
    with pytest.raises(GenerationCancelled):
        adapter.generate(request(tmp_path), out, cancel=cancel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.png"]
    if polls_before_stop:
        assert adapter.generate(request(tmp_path), out).is_file(), "usable after a cancel"


def test_loading_never_reaches_the_network(
    weights: Any, tmp_path: Path, network_calls: list[object]
) -> None:
    for kind in ("wan2.1", "ltx"):
        adapter = DiffusersI2VAdapter(weights=weights(kind), **fast(kind))
        width, height = SIZE[kind]
        assert adapter.model_frames(request(tmp_path)).shape[1:] == (height, width, 3)
    assert network_calls == []


def test_wan_without_ftfy_says_what_to_install(
    weights: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from diffusers.pipelines.wan import pipeline_wan_i2v

    monkeypatch.setattr(pipeline_wan_i2v, "ftfy", None, raising=False)
    adapter = DiffusersI2VAdapter(weights=weights("wan2.1"), **FAST)
    with pytest.raises(VideoGenError, match="ftfy"):
        adapter.model_frames(request(tmp_path))


def test_an_unreadable_still_is_named(weights: Any, tmp_path: Path) -> None:
    req = request(tmp_path)
    req.image.write_bytes(b"not a png")
    with pytest.raises(VideoGenError, match=r"first\.png"):
        DiffusersI2VAdapter(weights=weights("ltx"), **fast("ltx")).generate(req, tmp_path / "x.mp4")


def test_model_grid_and_prompt() -> None:
    assert model_size(832 / 480, 480 * 832, 16) == (832, 480)
    assert model_size(9 / 16, 480 * 832, 16) == (480, 848)
    assert model_size(1.0, 512 * 768, 32) == (640, 640)
    assert model_size(16 / 9, 704 * 1280, 32) == (1280, 704)
    assert [model_frames(s, 16, 4, 81) for s in (0.1, 0.5, 1.0, 5.0, 9.0)] == [5, 9, 17, 81, 81]
    assert [model_frames(s, 24, 8, 121) for s in (0.2, 1.0, 5.0)] == [9, 25, 121]
    still_path = Path("unused.png")
    base: dict[str, Any] = {"image": still_path, "width": 64, "height": 64, "fps": 24}
    base["n_frames"] = 24
    assert clip_prompt(ClipRequest(**base, camera="push-in")) == "The camera pushes in."
    assert (
        clip_prompt(ClipRequest(**base, camera="tilt-up", intensity=1.8, prompt="Rain falls!"))
        == "Rain falls! The camera quickly tilts up."
    )
    assert clip_prompt(ClipRequest(**base, camera="static", prompt=" city ")) == (
        "city. Static camera."
    )
