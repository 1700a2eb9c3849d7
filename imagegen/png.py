"""PNG output whose text chunks record how each image was made."""

from __future__ import annotations

import io

from PIL import Image, PngImagePlugin

from imagegen.request import ImageRequest, file_sha256

ENGINE_KEY = "storybeat:engine"


def encode_png(image: Image.Image, request: ImageRequest, *, engine: str, version: str) -> bytes:
    """PNG bytes carrying prompt, seed, size, engine and the references' sha256 hashes."""
    info = PngImagePlugin.PngInfo()
    info.add_text(ENGINE_KEY, engine)
    info.add_text("storybeat:engine-version", version)
    info.add_text("storybeat:prompt", request.prompt)
    info.add_text("storybeat:seed", str(request.seed))
    info.add_text("storybeat:size", f"{request.width}x{request.height}")
    hashes = [file_sha256(p) for p in request.references]
    info.add_text("storybeat:references", ",".join(hashes))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def drawn_by(image: Image.Image) -> str | None:
    """The engine named in an image's PNG metadata, if Storybeat made it."""
    value = image.info.get(ENGINE_KEY)
    return value if isinstance(value, str) else None
