"""The run-time context every graph node receives: settings, stores, engines, progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agent.config import Settings
from agent.engines import image_engine, video_adapter
from agent.timings import TimedAdapter
from imagegen import ImageEngine
from storage import Database, MediaStore, open_database
from videogen import VideoAdapter

ProgressFn = Callable[[str, int, int], None]
EventFn = Callable[[str], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def _no_event(message: str) -> None:
    return None


@dataclass
class StageStats:
    """How much of a stage was computed and how much was reused from earlier runs."""

    made: int = 0
    reused: int = 0


@dataclass
class Studio:
    """Everything a node needs; built once per run and passed as LangGraph context."""

    settings: Settings
    db: Database
    media: MediaStore
    engine: ImageEngine
    adapter: VideoAdapter
    output: Path | None = None
    on_progress: ProgressFn = _no_progress
    on_event: EventFn = _no_event
    cancel: Callable[[], bool] = lambda: False
    stats: dict[str, StageStats] = field(default_factory=dict)

    def stat(self, stage: str) -> StageStats:
        return self.stats.setdefault(stage, StageStats())


def open_studio(
    settings: Settings,
    *,
    on_progress: ProgressFn = _no_progress,
    on_event: EventFn = _no_event,
) -> Studio:
    """Open the database (migrating it), the media store and the configured engines.

    The image engine and video adapter are built first, so a misconfigured one (``flux2``
    without weights, a hosted adapter without its key) fails before anything is opened. The
    adapter records its seconds per frame (:mod:`agent.timings`).
    """
    engine = image_engine(settings)
    adapter = video_adapter(settings)
    if settings.llm:
        from agent.planner.llm import chat_model_from_spec

        chat_model_from_spec(settings.llm)  # a bad STORYBEAT_LLM fails before any work
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Studio(
        settings=settings,
        db=open_database(settings.db_url),
        media=MediaStore(settings.media_dir),
        engine=engine,
        adapter=TimedAdapter(adapter, settings.data_dir),
        on_progress=on_progress,
        on_event=on_event,
    )
