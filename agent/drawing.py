"""Draw images through the configured engine, reusing any identical image drawn before."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from agent.errors import RenderCancelled
from agent.studio import Studio
from agent.timings import record_timing, timing_key, worker_label
from imagegen import GenerationCancelled, ImageRequest, encode_png
from storage import cache_get, cache_put

logger = logging.getLogger(__name__)


def draw_all(
    studio: Studio,
    stage: str,
    requests: Sequence[ImageRequest],
    on_each: Callable[[int, str], None],
) -> list[str]:
    """Media refs of one image per request; `on_each(i, ref)` runs as soon as each exists.

    Cached images (same engine, version and request, references by content) are not
    redrawn, so a killed run picks up exactly where it stopped. The seconds per image made
    (drawing, encoding and storing; an engine's first load included) go to the learned rates.
    """
    engine = studio.engine
    keys = [r.cache_key(engine.name, engine.version) for r in requests]
    refs: list[str | None] = [None] * len(requests)
    with studio.db.session() as session:
        for i, key in enumerate(keys):
            hit = cache_get(session, key)
            if hit is not None and hit.media and studio.media.exists(hit.media):
                refs[i] = hit.media
    stats = studio.stat(stage)
    done = 0
    total = len(requests)
    for i, ref in enumerate(refs):
        if ref is not None:
            on_each(i, ref)
            stats.reused += 1
            done += 1
    studio.on_progress(stage, done, total)
    missing = [i for i, ref in enumerate(refs) if ref is None]
    started = time.perf_counter()
    try:
        batch = engine.generate_many([requests[i] for i in missing], cancel=studio.cancel)
        for j, image in batch:
            i = missing[j]
            png = encode_png(
                image,
                requests[i],
                engine=engine.name,
                version=engine.version,
                variant=getattr(engine, "variant", ""),
            )
            ref = studio.media.put_bytes(png, ".png")
            with studio.db.session() as session:
                cache_put(session, keys[i], kind=stage, media=ref)
            on_each(i, ref)
            refs[i] = ref
            stats.made += 1
            done += 1
            studio.on_progress(stage, done, total)
    except GenerationCancelled as exc:
        raise RenderCancelled(f"cancelled during {stage}; finished images are kept") from exc
    sizes = {(requests[i].width, requests[i].height) for i in missing}
    if len(sizes) == 1:
        width, height = sizes.pop()
        worker = worker_label(engine.name, getattr(engine, "variant", ""))
        key = timing_key(stage, worker, width, height)
        record_timing(studio.settings.data_dir, key, time.perf_counter() - started, len(missing))
    return [ref for ref in refs if ref is not None]
