"""PNG output whose text chunks record how each image was made."""

from __future__ import annotations

import io

from PIL import Image, PngImagePlugin

from imagegen.request import ImageRequest, file_sha256

ENGINE_KEY = "storybeat:engine"


def encode_png(
    image: Image.Image, request: ImageRequest, *, engine: str, version: str, variant: str = ""
) -> bytes:
    """PNG bytes carrying prompt, seed, size, engine and the references' sha256 hashes.

    ``variant`` (the model an engine ran, e.g. ``klein-9b-kv``) is recorded when given, and the
    request's ``steps`` and ``guidance`` when it sets them.
    """
    info = PngImagePlugin.PngInfo()
    info.add_text(ENGINE_KEY, engine)
    info.add_text("storybeat:engine-version", version)
    if variant:
        info.add_text("storybeat:variant", variant)
    info.add_text("storybeat:prompt", request.prompt)
    info.add_text("storybeat:seed", str(request.seed))
    info.add_text("storybeat:size", f"{request.width}x{request.height}")
    if request.steps is not None:
        info.add_text("storybeat:steps", str(request.steps))
    if request.guidance is not None:
        info.add_text("storybeat:guidance", f"{request.guidance:g}")
    hashes = [file_sha256(p) for p in request.references]
    info.add_text("storybeat:references", ",".join(hashes))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def drawn_by(image: Image.Image) -> str | None:
    """The engine named in an image's PNG metadata, if Storybeat made it."""
    value = image.info.get(ENGINE_KEY)
    return value if isinstance(value, str) else None
