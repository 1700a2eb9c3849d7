"""`storybeat image`: one picture from any image engine, written as a PNG that records its recipe.

Engines and their default sizes: ``previz`` 1280×720 (a 16:9 720p storyboard frame, what
``render`` draws by default), ``flux2`` and ``flux2-api`` 1024×1024 (FLUX.2's native square).
"""

from __future__ import annotations

import argparse
import inspect
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.config import FLUX2_MEMORY, Settings
from agent.errors import AgentInputError, OutputPathError

if TYPE_CHECKING:
    from PIL import Image

    from imagegen import ImageEngine, ImageRequest

logger = logging.getLogger(__name__)

DEFAULT_SIZES = {"previz": (1280, 720), "flux2": (1024, 1024), "flux2-api": (1024, 1024)}
HOSTED_MODELS = ("pro", "max", "flex")
# Options that only one engine takes: flag → (argparse dest, engine).
ENGINE_FLAGS = {
    "--weights": ("weights", "flux2"),
    "--memory": ("memory", "flux2"),
    "--device": ("device", "flux2"),
    "--compile": ("compile", "flux2"),
    "--fp8": ("fp8", "flux2"),
    "--max-tokens": ("max_tokens", "flux2"),
    "--text-layers": ("text_layers", "flux2"),
    "--model": ("model", "flux2-api"),
}

DESCRIPTION = """\
Draw one image and write it as a PNG whose text chunks record engine, variant, prompt, seed,
size, steps, guidance and the references' sha256 hashes. Default sizes: previz 1280x720,
flux2 and flux2-api 1024x1024. Sides must be multiples of 16 (64 to 4096 px, at most 4 MP).
"""


def add_parser(sub: Any) -> None:
    """Register ``image`` on the subparsers ``sub`` of the ``storybeat`` parser."""
    image = sub.add_parser(
        "image",
        help="draw one image with an image engine (previz, flux2, flux2-api)",
        description=DESCRIPTION,
    )
    image.add_argument(
        "--engine",
        default=None,
        help="previz, flux2 or flux2-api (default: STORYBEAT_IMAGE_ENGINE, else previz)",
    )
    image.add_argument(
        "--prompt",
        required=True,
        metavar="TEXT",
        help="what to draw: plain text or a JSON object; @FILE reads it from FILE",
    )
    image.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    image.add_argument("--width", type=int, default=None, metavar="W", help="pixels")
    image.add_argument("--height", type=int, default=None, metavar="H", help="pixels")
    image.add_argument(
        "--steps", type=int, default=None, help="denoising steps (default: the model's)"
    )
    image.add_argument(
        "--guidance",
        type=float,
        default=None,
        help="guidance scale (flux2 base/dev weights, flux2-api flex; default: the model's)",
    )
    image.add_argument(
        "--ref",
        type=Path,
        action="append",
        default=[],
        metavar="IMG",
        help="reference image (repeat, up to 10)",
    )
    image.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.png")

    flux2 = image.add_argument_group("flux2 (local weights)")
    flux2.add_argument(
        "--weights",
        type=Path,
        default=None,
        metavar="DIR",
        help="FLUX.2 folder in diffusers layout (default: STORYBEAT_FLUX2_WEIGHTS)",
    )
    flux2.add_argument(
        "--memory",
        choices=FLUX2_MEMORY,
        default=None,
        help="where the weights live (default: STORYBEAT_FLUX2_MEMORY, else auto)",
    )
    flux2.add_argument(
        "--device",
        default=None,
        metavar="DEV",
        help="cuda, cuda:1, cpu … (default: STORYBEAT_FLUX2_DEVICE, else cuda when present)",
    )
    flux2.add_argument(
        "--compile",
        action="store_true",
        default=None,
        help="torch.compile the transformer blocks (default: STORYBEAT_FLUX2_COMPILE)",
    )
    flux2.add_argument(
        "--fp8",
        action="store_true",
        default=None,
        help="fp8 transformer weights with torchao, CUDA only; approximate (default:"
        " STORYBEAT_FLUX2_FP8)",
    )
    flux2.add_argument(
        "--max-tokens",
        type=_positive_int,
        default=None,
        metavar="N",
        help="advanced: prompt length limit in tokens (default 512)",
    )
    flux2.add_argument(
        "--text-layers",
        type=_layers,
        default=None,
        metavar="I,J",
        help="advanced: text-encoder layers that condition the model (default: the variant's)",
    )

    hosted = image.add_argument_group("flux2-api (api.bfl.ai, needs BFL_API_KEY)")
    hosted.add_argument(
        "--model", choices=HOSTED_MODELS, default=None, help="FLUX.2 model (default pro)"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Check every input, build the engine, draw, write ``args.output`` and print its path."""
    from imagegen import ImageRequest, encode_png
    from imagegen.registry import engine_key

    name = engine_key(args.engine or settings.image_engine)
    _check_engine_flags(args, name)
    default_width, default_height = DEFAULT_SIZES.get(name, (1024, 1024))
    request = ImageRequest(
        prompt=_prompt(args.prompt),
        width=default_width if args.width is None else args.width,
        height=default_height if args.height is None else args.height,
        seed=args.seed,
        references=tuple(args.ref),
        steps=args.steps,
        guidance=args.guidance,
    )
    output = check_png_output(args.output)
    engine = _engine(args, name, settings)
    started = time.perf_counter()
    image = _draw(engine, request)
    variant = getattr(engine, "variant", "")
    png = encode_png(image, request, engine=engine.name, version=engine.version, variant=variant)
    write_png(output, png)
    print(
        f"storybeat: {' '.join(filter(None, [engine.name, variant]))} "
        f"{request.width}x{request.height}, seed {request.seed}, "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    print(output)
    return 0


def check_png_output(path: Path) -> Path:
    """``path`` made absolute; :class:`OutputPathError` unless a PNG can be written there."""
    path = Path(path).expanduser().absolute()
    if path.suffix.lower() != ".png":
        raise OutputPathError(f"output {str(path)!r} must end in .png")
    if path.is_dir():
        raise OutputPathError(f"output {str(path)!r} is a folder; give a file name ending .png")
    folder = path.parent
    if not folder.is_dir():
        raise OutputPathError(
            f"cannot write {str(path)!r}: folder {str(folder)!r} does not exist; create it first"
        )
    try:  # really create a file: permission bits alone miss root, read-only or full disks
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".probe"):
            pass
    except OSError as exc:
        raise OutputPathError(
            f"cannot write {str(path)!r}: {exc.strerror or exc} in folder {str(folder)!r}"
        ) from None
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputPathError(f"cannot overwrite {str(path)!r}: the file is read-only")
    return path


def write_png(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file renamed into place)."""
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(partial, path)
    except OSError as exc:
        Path(partial).unlink(missing_ok=True)
        raise OutputPathError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None


def _check_engine_flags(args: argparse.Namespace, name: str) -> None:
    for flag, (dest, engine) in ENGINE_FLAGS.items():
        if getattr(args, dest) is not None and name != engine:
            raise AgentInputError(f"{flag} is an option of --engine {engine}, not {name}")


def _prompt(value: str) -> str:
    """The prompt text, or the contents of FILE for ``@FILE``."""
    if not value.startswith("@"):
        return value
    if not value[1:]:
        raise AgentInputError("--prompt @FILE needs a file name after '@'")
    path = Path(value[1:]).expanduser()
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise AgentInputError(f"--prompt file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AgentInputError(f"--prompt file {str(path)!r} cannot be read: {exc}") from None


def _engine(args: argparse.Namespace, name: str, settings: Settings) -> ImageEngine:
    from agent.engines import image_engine

    overrides: dict[str, Any] = {"image_engine": name}
    options: dict[str, Any] = {}
    if name == "flux2":
        if args.weights is not None:
            overrides["flux2_weights"] = args.weights
        elif settings.flux2_weights is None:
            raise AgentInputError(
                "--engine flux2 needs a FLUX.2 weights folder: pass --weights DIR"
                " or set STORYBEAT_FLUX2_WEIGHTS=DIR"
            )
        for dest in ("memory", "device", "compile", "fp8"):
            if getattr(args, dest) is not None:
                overrides[f"flux2_{dest}"] = getattr(args, dest)
        for dest in ("max_tokens", "text_layers"):
            if getattr(args, dest) is not None:
                options[dest] = getattr(args, dest)
    if name == "flux2-api" and args.model is not None:
        options["model"] = args.model
    return image_engine(settings.model_copy(update=overrides), **options)


def _draw(engine: Any, request: ImageRequest) -> Image.Image:
    """One image, with a denoising-step bar where the engine reports steps (flux2)."""
    from agent.progress import ConsoleProgress

    if "on_step" not in inspect.signature(engine.generate_many).parameters:
        return engine.generate(request)
    progress = ConsoleProgress()

    def on_step(done: int, total: int) -> None:
        if progress.tty or done == total:
            progress("denoising", done, total)

    try:
        image: Image.Image = next(iter(engine.generate_many([request], on_step=on_step)))[1]
        return image
    finally:
        progress.close()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _layers(text: str) -> tuple[int, ...]:
    try:
        layers = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of layer numbers such as 9,18,27"
        ) from None
    return layers
