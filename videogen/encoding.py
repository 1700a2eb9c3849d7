"""x264 encoder options shared by the motion adapter and export."""

from videogen.errors import VideoGenInputError

PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)


def check_encoder_options(crf: int, preset: str) -> None:
    """VideoGenInputError unless ``crf`` is 0…51 and ``preset`` is an x264 preset."""
    if isinstance(crf, bool) or not isinstance(crf, int) or not 0 <= crf <= 51:
        raise VideoGenInputError(f"crf must be an integer in 0…51, got crf={crf!r}")
    if preset not in PRESETS:
        raise VideoGenInputError(f"preset must be one of {', '.join(PRESETS)}, got {preset!r}")
