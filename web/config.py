"""Web settings: environment (`STORYBEAT_WEB_*`) → one object, passed into the app factory."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """How the studio serves: where, upload limits, cookie policy, sessions."""

    model_config = SettingsConfigDict(
        env_prefix="STORYBEAT_WEB_", extra="ignore", populate_by_name=True
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_upload_mb: int = Field(default=200, ge=1, le=4096)
    """Largest track upload; a reference image may be at most 20 MB."""
    secure_cookies: bool = False
    """Set the Secure flag on cookies: on whenever the studio is served over https."""
    session_days: int = Field(default=14, ge=1, le=365)
    workers: int = Field(default=1, ge=1, le=16)
    """Background jobs run at once (threads here, or Ray workers: each keeps its models)."""
    executor: Literal["local", "ray"] = Field(
        default="local", validation_alias="STORYBEAT_EXECUTOR"
    )
    """Where jobs run: this server's threads, or the Ray cluster at ``ray_address``."""
    ray_address: str | None = Field(default=None, validation_alias="RAY_ADDRESS")
    """The cluster to join (``host:port`` of its head); unset starts a local one."""
    ray_gpus_per_worker: float = Field(default=0.0, ge=0.0, le=8.0)
    """GPUs each Ray worker holds; set it (e.g. 1) on a cluster with GPU nodes."""
    job_stale_s: float = Field(default=30.0, ge=2.0, le=3600.0)
    """A running job whose runner has not beaten its heart for this long was lost with its
    server, and is marked failed (with how to resume) by whichever server notices."""

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024
