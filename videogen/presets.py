"""Export presets: aspect × resolution, with x264 and AAC settings for each.

Names are ``"{aspect}-{resolution}"``: aspect ``16:9``, ``9:16`` or ``1:1``, resolution
``720p``, ``1080p`` or ``4k`` (the short side: 720, 1080 or 2160 pixels). Export centre-crops
the timeline's frames to the preset's aspect and scales them to its size; see
``crop_box``.

Rate caps follow the common upload recommendations for SDR at 24–30 fps (about 5 Mbit/s at
720p, 8–10 at 1080p, 35–45 at 4K), scaled by pixel count for the square and vertical sizes;
``crf`` sets the quality and the cap (``-maxrate``, with a two-second ``-bufsize``) only
bites on the busiest shots.
"""

from dataclasses import dataclass

from videogen.errors import VideoGenInputError

ASPECTS: dict[str, tuple[int, int]] = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1)}
# short side in pixels, crf, x264 preset, max video rate (kbit/s for 16:9), audio bitrate
RESOLUTIONS: dict[str, tuple[int, int, str, int, str]] = {
    "720p": (720, 20, "veryfast", 6_000, "192k"),
    "1080p": (1080, 20, "faster", 10_000, "256k"),
    "4k": (2160, 21, "faster", 40_000, "320k"),
}


@dataclass(frozen=True)
class ExportPreset:
    """Output size and encoder settings for one delivery format."""

    name: str
    width: int
    height: int
    crf: int
    x264_preset: str
    maxrate_kbps: int
    audio_bitrate: str

    @property
    def aspect(self) -> str:
        return self.name.split("-")[0]

    def x264_args(self) -> list[str]:
        """ffmpeg output options for the rate cap (quality and speed are passed apart)."""
        return [
            "-maxrate",
            f"{self.maxrate_kbps}k",
            "-bufsize",
            f"{2 * self.maxrate_kbps}k",
            "-profile:v",
            "high",
        ]


def _build() -> dict[str, ExportPreset]:
    presets: dict[str, ExportPreset] = {}
    for aspect, (aw, ah) in ASPECTS.items():
        for res, (short, crf, speed, maxrate, audio) in RESOLUTIONS.items():
            long = short * max(aw, ah) // min(aw, ah)
            width, height = (long, short) if aw >= ah else (short, long)
            pixels = width * height / (short * short * 16 / 9)
            presets[f"{aspect}-{res}"] = ExportPreset(
                name=f"{aspect}-{res}",
                width=width,
                height=height,
                crf=crf,
                x264_preset=speed,
                maxrate_kbps=round(maxrate * pixels / 500) * 500,
                audio_bitrate=audio,
            )
    return presets


PRESETS: dict[str, ExportPreset] = _build()


def get_preset(name: str) -> ExportPreset:
    """The preset called ``name`` (case-insensitive); VideoGenInputError listing the known
    names otherwise."""
    preset = PRESETS.get(str(name).strip().lower()) if isinstance(name, str) else None
    if preset is None:
        raise VideoGenInputError(
            f"unknown export preset name={name!r}; known presets: {', '.join(PRESETS)}"
        )
    return preset


def crop_box(width: int, height: int, preset: ExportPreset) -> tuple[int, int, int, int]:
    """Centre crop ``(x, y, w, h)`` of a ``width`` × ``height`` frame with the preset's aspect.

    All four are even (4:2:0 chroma stays aligned), so the aspect is matched to within a
    couple of pixels; scaling to the preset's size absorbs the difference.
    """
    target = preset.width / preset.height
    if width / height > target:  # too wide: crop the sides
        w, h = min(width, 2 * round(height * target / 2)), height
    else:  # too tall: crop top and bottom
        w, h = width, min(height, 2 * round(width / target / 2))
    x = (width - w) // 4 * 2
    y = (height - h) // 4 * 2
    return x, y, w, h
