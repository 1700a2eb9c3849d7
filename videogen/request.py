"""What a video adapter is asked to make: one clip from one still."""

import hashlib
import json
import math
from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator

from videogen._model import VideoGenModel
from videogen.errors import MediaError

CAMERA_MOVES = ("static", "push-in", "pull-out", "pan-left", "pan-right", "tilt-up", "tilt-down")
MIN_SIDE = 64
MAX_SIDE = 4096


def check_frame_side(name: str, value: int) -> int:
    """Frame sides must be even (yuv420p) and within MIN_SIDE…MAX_SIDE."""
    if not MIN_SIDE <= value <= MAX_SIDE or value % 2:
        raise ValueError(f"{name} must be an even number of pixels in {MIN_SIDE}…{MAX_SIDE}")
    return value


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes; MediaError if it cannot be read."""
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        raise MediaError(f"cannot read media file {str(path)!r}: {exc.strerror or exc}") from exc


class ClipRequest(VideoGenModel):
    """One clip to generate from a still image.

    Times are seconds from the clip's first frame; ``intensity`` (0…2) scales how strong
    the camera move and the downbeat pulses are (the planner passes section energy).
    """

    image: Path
    width: int
    height: int
    fps: int = Field(ge=1, le=120)
    n_frames: int = Field(ge=1)
    camera: str
    pulses: tuple[float, ...] = ()
    intensity: float = Field(default=1.0, ge=0.0, le=2.0)
    seed: int = 0
    prompt: str = Field(default="", max_length=2000)
    """What happens in the clip, for models that follow text (the motion adapter does not)."""
    end_image: Path | None = None
    """The frame to end on, for models with first+last-frame conditioning."""
    parallax: float = Field(default=0.0, ge=0.0, le=1.0)
    """How strongly near and far parts of the still move apart under the camera move
    (0: the still moves as one flat picture); for adapters that move a still."""

    @field_validator("width", "height")
    @classmethod
    def _even_side(cls, value: int, info: ValidationInfo) -> int:
        return check_frame_side(info.field_name or "side", value)

    @field_validator("camera")
    @classmethod
    def _known_camera(cls, value: str) -> str:
        if value not in CAMERA_MOVES:
            raise ValueError(f"camera must be one of {', '.join(CAMERA_MOVES)}")
        return value

    @field_validator("pulses")
    @classmethod
    def _finite_pulses(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not all(math.isfinite(p) for p in value):
            raise ValueError("pulses must be finite times in seconds")
        return value

    @property
    def duration(self) -> float:
        """Clip length in seconds."""
        return self.n_frames / self.fps

    def cache_key(self, adapter_name: str, adapter_version: str) -> str:
        """Sha256 identifying this request's output for one adapter version.

        The image enters by the sha256 of its bytes, so renaming or moving the still keeps
        the key and editing it changes the key.
        """
        fields = self.model_dump(mode="json")
        fields["image"] = {"sha256": file_sha256(self.image)}
        for name in ("prompt", "end_image", "parallax"):  # unset: keys as before these existed
            if not fields[name]:
                del fields[name]
        if self.end_image is not None:
            fields["end_image"] = {"sha256": file_sha256(self.end_image)}
        payload = {"adapter": adapter_name, "version": adapter_version, "request": fields}
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
