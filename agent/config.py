"""Settings: environment → one object, passed explicitly into every component."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "storybeat"


class Settings(BaseSettings):
    """Everything configurable, read from `STORYBEAT_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="STORYBEAT_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    image_engine: str = "previz"
    video_adapter: str = "motion"
    flux2_weights: Path | None = None
    max_track_minutes: float = Field(default=20.0, gt=0, le=600)
    fps: int = Field(default=24, ge=12, le=60)

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'storybeat.db'}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"
