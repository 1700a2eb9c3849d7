"""What an engine is asked to draw: the image request and the storyboard scene behind it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from imagegen.errors import ImageGenInputError

SHOT_TYPES = ("wide", "medium", "close-up", "extreme-close-up", "insert")
ROLES = ("character", "object")
TIMES_OF_DAY = ("night", "day", "dusk", "dawn")
COMPOSITIONS = ("center", "left-third", "right-third")

MIN_SIDE = 64
MAX_SIDE = 4096
SIDE_MULTIPLE = 16
MAX_PIXELS = 2048 * 2048
MAX_REFERENCES = 10
MAX_PALETTE = 6
MAX_STEPS = 50
GUIDANCE_RANGE = (1.5, 10.0)

_HEX = re.compile(r"#[0-9A-Fa-f]{6}")


def _hex_colour(value: str) -> str:
    if not _HEX.fullmatch(value):
        raise ValueError("must be a hex colour like '#FF8800'")
    return value.upper()


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError("must be one of " + ", ".join(repr(a) for a in allowed))
    return value


def _describe(exc: ValidationError) -> str:
    return f"invalid {exc.title}: " + "; ".join(_problems(exc, ""))


def _problems(exc: ValidationError, prefix: str) -> list[str]:
    """One line per problem: where, the bad value, and what was expected."""
    parts = []
    for err in exc.errors():
        where = prefix
        for item in err["loc"]:
            where += f"[{item}]" if isinstance(item, int) else f".{item}" if where else str(item)
        inner = err.get("ctx", {}).get("error")
        if isinstance(inner, ImageGenInputError) and isinstance(inner.__cause__, ValidationError):
            parts.extend(_problems(inner.__cause__, where))
            continue
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing" or not where:
            parts.append(f"{where}: {msg}" if where else msg)
            continue
        value = err.get("input")
        shown = repr(str(value) if isinstance(value, Path) else value)
        parts.append(f"{where}={shown[:80]}: {msg}")
    return parts


class _Frozen(BaseModel):
    """Immutable model whose validation failures surface as :class:`ImageGenInputError`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ImageGenInputError(_describe(exc)) from exc

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise ImageGenInputError(_describe(exc)) from exc

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any
    ) -> Self:
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except ValidationError as exc:
            raise ImageGenInputError(_describe(exc)) from exc


class Subject(_Frozen):
    """A recurring character or object, identified across frames by name and colour."""

    name: str
    color: str
    role: str = "character"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("color")
    @classmethod
    def _color(cls, value: str) -> str:
        return _hex_colour(value)

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        return _one_of(value, ROLES)


class Scene(_Frozen):
    """The storyboard description of one frame: framing, who is in it, where and when."""

    shot_type: str
    subjects: list[Subject] = []
    location: str = ""
    palette: list[str]
    time_of_day: str = "night"
    composition: str = "center"
    label: str = ""
    caption: str = ""

    @field_validator("shot_type")
    @classmethod
    def _shot_type(cls, value: str) -> str:
        return _one_of(value, SHOT_TYPES)

    @field_validator("palette")
    @classmethod
    def _palette(cls, value: list[str]) -> list[str]:
        if not 1 <= len(value) <= MAX_PALETTE:
            raise ValueError(f"must hold 1 to {MAX_PALETTE} colours, got {len(value)}")
        return [_hex_colour(c) for c in value]

    @field_validator("time_of_day")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        return _one_of(value, TIMES_OF_DAY)

    @field_validator("composition")
    @classmethod
    def _composition(cls, value: str) -> str:
        return _one_of(value, COMPOSITIONS)


class ImageRequest(_Frozen):
    """One image to make: prompt, exact output size, seed, reference images, optional scene.

    ``prompt`` is plain text or a JSON object (the Flux.2 structured-prompt form); it is passed on
    unchanged, hex colours included. ``steps`` and ``guidance`` override the engine's defaults for
    engines whose model uses them; ``None`` keeps the default.
    """

    prompt: str
    width: int
    height: int
    seed: int
    references: tuple[Path, ...] = ()
    scene: Scene | None = None
    steps: int | None = None
    guidance: float | None = None

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        if value.lstrip().startswith(("{", "[")):
            _check_json_prompt(value)
        return value

    @field_validator("steps")
    @classmethod
    def _steps(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= MAX_STEPS:
            raise ValueError(f"must be between 1 and {MAX_STEPS}")
        return value

    @field_validator("guidance")
    @classmethod
    def _guidance(cls, value: float | None) -> float | None:
        low, high = GUIDANCE_RANGE
        if value is not None and not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    @field_validator("width", "height")
    @classmethod
    def _side(cls, value: int) -> int:
        if not MIN_SIDE <= value <= MAX_SIDE:
            raise ValueError(f"must be between {MIN_SIDE} and {MAX_SIDE} pixels")
        if value % SIDE_MULTIPLE:
            raise ValueError(f"must be a multiple of {SIDE_MULTIPLE}")
        return value

    @field_validator("seed")
    @classmethod
    def _seed(cls, value: int) -> int:
        if not 0 <= value < 2**64:
            raise ValueError("must be between 0 and 2**64 - 1")
        return value

    @field_validator("references")
    @classmethod
    def _references(cls, value: tuple[Path, ...]) -> tuple[Path, ...]:
        if len(value) > MAX_REFERENCES:
            raise ValueError(f"must hold at most {MAX_REFERENCES} images, got {len(value)}")
        for path in value:
            if not path.is_file():
                raise ValueError(f"reference image {str(path)!r} does not exist")
        return value

    @model_validator(mode="after")
    def _area(self) -> Self:
        if self.width * self.height > MAX_PIXELS:
            raise ValueError(
                f"width×height={self.width}×{self.height} is {self.width * self.height} pixels;"
                f" at most {MAX_PIXELS} (4 MP) are allowed"
            )
        return self

    def cache_key(self, engine_name: str, engine_version: str) -> str:
        """Hex sha256 of the request, its references' contents and the engine identity."""
        fields = self.model_dump(mode="json")
        for optional in ("steps", "guidance"):  # unset: keys stay as before the fields existed
            if fields[optional] is None:
                del fields[optional]
        fields["references"] = [file_sha256(p) for p in self.references]
        payload = {"engine": engine_name, "engine_version": engine_version, "request": fields}
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_json_prompt(text: str) -> None:
    """A prompt that looks like JSON must be a JSON object (a structured Flux.2 prompt)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"looks like a JSON prompt but is malformed ({exc.msg} at line {exc.lineno},"
            f" column {exc.colno}); fix the JSON or write the prompt as plain text"
        ) from None
    if not isinstance(value, dict):
        raise ValueError('a JSON prompt must be an object such as {"scene": ...}')


def file_sha256(path: Path) -> str:
    """Content hash of a reference image (how caches and PNG metadata name it)."""
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        raise ImageGenInputError(f"reference image {str(path)!r} cannot be read: {exc}") from exc
