"""Pydantic base that reports invalid fields as VideoGenInputError."""

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from videogen.errors import VideoGenInputError


def describe_validation_error(model: str, exc: ValidationError) -> str:
    """One line per bad field: where it is, the value given and why it is rejected."""
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "<model>"
        reason = str(err["msg"]).removeprefix("Value error, ")
        value = err.get("input")
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        parts.append(f"{where}={shown}: {reason}")
    return f"invalid {model}: " + "; ".join(parts)


class VideoGenModel(BaseModel):
    """Strict, immutable model; construction and validation raise VideoGenInputError."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise VideoGenInputError(describe_validation_error(type(self).__name__, exc)) from exc

    # Tell pydantic this __init__ only wraps the base one, so nested models and
    # model_validate() validate in pydantic-core without calling it (no double wrapping).
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(*args, **kwargs)
        except ValidationError as exc:
            raise VideoGenInputError(describe_validation_error(cls.__name__, exc)) from exc

    @classmethod
    def model_validate_json(cls, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate_json(*args, **kwargs)
        except ValidationError as exc:
            raise VideoGenInputError(describe_validation_error(cls.__name__, exc)) from exc
