"""The interface every image engine implements, and the shared batch loop."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from imagegen.errors import GenerationCancelled
from imagegen.request import ImageRequest

logger = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


class ImageEngine(Protocol):
    """Turns :class:`ImageRequest` objects into RGB images of exactly the requested size.

    ``structured_prompts`` says whether the engine's model reads a Flux.2 JSON prompt (an object
    with ``scene``, ``subjects``, ``style``, ``color_palette``, ``camera``...) as well as text;
    callers that can write either form send JSON only where it is true.
    """

    name: str
    version: str
    structured_prompts: bool

    def generate(self, request: ImageRequest) -> Image.Image:
        """Make one image."""
        ...

    def generate_many(
        self,
        requests: Sequence[ImageRequest],
        *,
        on_progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> Iterator[tuple[int, Image.Image]]:
        """Yield ``(index, image)`` as each image finishes.

        ``on_progress(done, total)`` is called after each image; ``cancel()`` is checked before
        each one and a true answer raises :class:`GenerationCancelled`.
        """
        ...


@dataclass(frozen=True)
class EngineInfo:
    """Whether an engine can run here, and why not if it cannot."""

    name: str
    available: bool
    detail: str


def generate_each(
    generate: Callable[[ImageRequest], Image.Image],
    requests: Sequence[ImageRequest],
    *,
    on_progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Iterator[tuple[int, Image.Image]]:
    """Run ``generate`` over ``requests`` one at a time with progress and cancel checks."""
    total = len(requests)
    for index, request in enumerate(requests):
        if cancel is not None and cancel():
            logger.info("generation cancelled after %d of %d images", index, total)
            raise GenerationCancelled(f"cancelled after {index} of {total} images")
        image = generate(request)
        if on_progress is not None:
            on_progress(index + 1, total)
        yield index, image
