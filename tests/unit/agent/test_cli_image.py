"""`storybeat image`: a PNG that records how it was made, and one-line refusals of bad input."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from agent.cli import main
from tests.support.flux2 import MAX_TOKENS, TEXT_LAYERS, write_klein

TINY = ["--max-tokens", str(MAX_TOKENS), "--text-layers", ",".join(map(str, TEXT_LAYERS))]


@pytest.fixture(scope="module")
def klein(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_klein(tmp_path_factory.mktemp("weights") / "klein", "klein")


@pytest.fixture(autouse=True)
def _no_env_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("IMAGE_ENGINE", "FLUX2_WEIGHTS", "FLUX2_MEMORY", "FLUX2_DEVICE"):
        monkeypatch.delenv(f"STORYBEAT_{name}", raising=False)


def picture(path: Path, size: tuple[int, int] = (64, 64), color: str = "teal") -> Path:
    Image.new("RGB", size, color).save(path)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(err: str) -> str:
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    return err


def test_previz_image_records_its_recipe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "frame.png"
    args = ["image", "--prompt", "a neon rooftop at night", "--seed", "7", "-o", str(out)]
    assert main(args) == 0
    assert capsys.readouterr().out == f"{out}\n"
    with Image.open(out) as image:
        assert image.size == (1280, 720)  # previz's default: a 16:9 720p frame
        info = dict(image.info)
    assert info["storybeat:engine"] == "previz"
    assert info["storybeat:prompt"] == "a neon rooftop at night"
    assert info["storybeat:seed"] == "7"
    assert info["storybeat:size"] == "1280x720"
    assert "storybeat:variant" not in info and "storybeat:steps" not in info


def test_a_prompt_file_is_read_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prompt = {"scene": "a rooftop", "subjects": [{"description": "a woman", "color": "#E63946"}]}
    text = json.dumps(prompt, indent=2)
    (tmp_path / "prompt.json").write_text(text + "\n")
    out = tmp_path / "frame.png"
    args = ["image", "--prompt", f"@{tmp_path / 'prompt.json'}", "--width", "256"]
    assert main([*args, "--height", "144", "-o", str(out)]) == 0
    with Image.open(out) as image:
        assert image.size == (256, 144)
        assert json.loads(image.info["storybeat:prompt"]) == prompt


def test_flux2_on_local_weights_writes_the_variant_and_references(
    klein: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = picture(tmp_path / "ref.png")
    out = tmp_path / "kite.png"
    args = ["image", "--engine", "flux2", "--weights", str(klein), "--prompt", "a red kite"]
    args += ["--seed", "3", "--width", "64", "--height", "64", "--steps", "2", "--ref", str(ref)]
    assert main([*args, *TINY, "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"{out}\n"
    assert "klein" in captured.err
    with Image.open(out) as image:
        assert image.size == (64, 64) and image.mode == "RGB"
        info = dict(image.info)
    assert info["storybeat:engine"] == "flux2"
    assert info["storybeat:variant"] == "klein"
    assert info["storybeat:seed"] == "3"
    assert info["storybeat:steps"] == "2"
    assert info["storybeat:prompt"] == "a red kite"
    assert info["storybeat:references"] == sha256(ref)


def test_flux2_without_weights_says_how_to_give_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["image", "--engine", "flux2", "--prompt", "x", "-o", str(tmp_path / "x.png")]
    assert main(args) == 2
    err = one_line_error(capsys.readouterr().err)
    assert "--weights DIR" in err and "STORYBEAT_FLUX2_WEIGHTS" in err


def _novae(klein: Path, tmp: Path) -> Path:
    folder = tmp / "novae"
    shutil.copytree(klein, folder)
    shutil.rmtree(folder / "vae")
    return folder


def _other_model(klein: Path, tmp: Path) -> Path:
    folder = tmp / "flux1"
    folder.mkdir()
    (folder / "model_index.json").write_text('{"_class_name": "FluxPipeline"}')
    return folder


def _refs(make: Callable[[Path], object]) -> Callable[[Path], list[str]]:
    def args(tmp: Path) -> list[str]:
        make(tmp)
        return [a for p in sorted(tmp.glob("ref*")) for a in ("--ref", str(p))]

    return args


def _eleven(tmp: Path) -> None:
    for i in range(11):
        picture(tmp / f"ref{i:02}.png")


def _corrupt(tmp: Path) -> None:
    (tmp / "ref.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really" * 20)


def _malformed(tmp: Path) -> list[str]:
    (tmp / "prompt.json").write_text('{"scene": "a rooftop",}')
    return ["--prompt", f"@{tmp / 'prompt.json'}"]


BAD = {
    "width 1000": (lambda t: ["--width", "1000"], ["width", "1000", "multiple of 16"]),
    "5000x5000": (lambda t: ["--width", "5000", "--height", "5000"], ["5000"]),
    "steps 0": (lambda t: ["--steps", "0"], ["steps", "0"]),
    "guidance on a distilled model": (lambda t: ["--guidance", "4"], ["guidance", "klein"]),
    "11 refs": (_refs(_eleven), ["at most 10", "11"]),
    "40x40 ref": (_refs(lambda t: picture(t / "ref.png", (40, 40))), ["40×40", "64"]),
    "1:20 ref": (_refs(lambda t: picture(t / "ref.png", (64, 1280))), ["aspect ratio"]),
    "corrupt ref": (_refs(_corrupt), ["ref.png", "not a readable image"]),
    "missing ref": (lambda t: ["--ref", str(t / "gone.png")], ["gone.png", "does not exist"]),
    "malformed JSON prompt": (_malformed, ["JSON", "malformed"]),
    "missing prompt file": (lambda t: ["--prompt", "@nowhere.json"], ["nowhere.json"]),
    "not a png": (lambda t: ["-o", str(t / "out.jpg")], [".png"]),
    "missing output folder": (lambda t: ["-o", str(t / "no" / "out.png")], ["does not exist"]),
    "output is a folder": (lambda t: ["-o", str(t / "x.png")], ["folder"]),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_is_one_line_naming_the_problem(
    case: str, klein: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra, named = BAD[case]
    (tmp_path / "x.png").mkdir()
    args = ["image", "--engine", "flux2", "--weights", str(klein), "--prompt", "a red kite"]
    args += ["--width", "64", "--height", "64", *TINY, "-o", str(tmp_path / "out.png")]
    assert main([*args, *extra(tmp_path)]) == 2
    err = one_line_error(capsys.readouterr().err)
    for word in named:
        assert word in err
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize(
    ("make", "named"),
    [(_novae, ["vae/"]), (_other_model, ["FluxPipeline", "not FLUX.2"])],
    ids=["no vae", "another model"],
)
def test_bad_weights_are_one_line_naming_the_problem(
    make: Callable[[Path, Path], Path],
    named: list[str],
    klein: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    weights = make(klein, tmp_path)
    args = ["image", "--engine", "flux2", "--weights", str(weights), "--prompt", "a red kite"]
    assert main([*args, "-o", str(tmp_path / "out.png")]) == 2
    err = one_line_error(capsys.readouterr().err)
    for word in named:
        assert word in err


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--engine", "previz", "--memory", "gpu"], ["--memory", "flux2", "previz"]),
        (["--engine", "flux2-api", "--weights", "w"], ["--weights", "flux2", "flux2-api"]),
        (["--engine", "previz", "--model", "max"], ["--model", "flux2-api"]),
        (["--engine", "dalle"], ["'dalle'", "previz", "flux2", "flux2-api"]),
    ],
    ids=["memory on previz", "weights on flux2-api", "model on previz", "unknown engine"],
)
def test_options_of_another_engine_are_refused(
    args: list[str], named: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["image", "--prompt", "x", *args, "-o", str(tmp_path / "x.png")]) == 2
    err = one_line_error(capsys.readouterr().err)
    for word in named:
        assert word in err


def test_bad_text_layers_are_refused_by_the_parser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["image", "--engine", "flux2", "--prompt", "x", "--text-layers", "a,b"]
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "-o", str(tmp_path / "x.png")])
    assert exit_info.value.code == 2
    assert "--text-layers" in one_line_error(capsys.readouterr().err)


def test_out_of_memory_exits_1_naming_the_next_policy(
    klein: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from imagegen.errors import OutOfMemoryError
    from imagegen.flux2 import Flux2Engine

    def out_of_memory(*args: object, **kwargs: object) -> None:
        raise OutOfMemoryError("the accelerator ran out of memory; try model-offload")

    monkeypatch.setattr(Flux2Engine, "generate_many", out_of_memory)
    args = ["image", "--engine", "flux2", "--weights", str(klein), "--prompt", "x"]
    assert main([*args, "-o", str(tmp_path / "x.png")]) == 1
    assert "model-offload" in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "x.png").exists()


def test_hosted_engine_without_a_key_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BFL_API_KEY", raising=False)
    args = ["image", "--engine", "flux2-api", "--model", "flex", "--prompt", "x"]
    assert main([*args, "-o", str(tmp_path / "x.png")]) == 1
    assert "BFL_API_KEY" in one_line_error(capsys.readouterr().err)
