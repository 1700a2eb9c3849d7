"""Settings: environment → one object, passed explicitly into every component."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, get_args

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where the FLUX.2 engine keeps its weights (imagegen.flux2.memory.POLICIES, plus "auto").
Flux2Memory = Literal["auto", "gpu", "model-offload", "group-offload"]
FLUX2_MEMORY: tuple[str, ...] = get_args(Flux2Memory)


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "storybeat"


class Settings(BaseSettings):
    """Everything configurable, read from `STORYBEAT_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="STORYBEAT_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(default=None, repr=False)  # may hold a password
    image_engine: str = "previz"
    video_adapter: str = "motion"
    flux2_weights: Path | None = None
    flux2_memory: Flux2Memory = "auto"
    flux2_device: str | None = None
    flux2_compile: bool = False
    flux2_fp8: bool = False
    flux2_api_model: Literal["pro", "max", "flex"] = "pro"
    flux2_api_price: float | None = Field(default=None, ge=0)  # USD per image, for estimates
    i2v_weights: Path | None = None  # STORYBEAT_I2V_WEIGHTS: Wan 2.x I2V or LTX-Video folder
    video_model: str | None = None  # STORYBEAT_VIDEO_MODEL: the hosted adapter's model id
    # STORYBEAT_VIDEO_TIMEOUT: seconds a hosted adapter may take for one clip, retries and
    # waits included; then its job is cancelled and the still with motion stands in
    video_timeout: float = Field(default=900.0, gt=0, le=3600)
    video_price: float | None = Field(default=None, ge=0)  # USD per generated second, estimates
    llm: str | None = None  # STORYBEAT_LLM, e.g. "openai:gpt-4o-mini"; unset: the rules planner
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
