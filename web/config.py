"""Web settings: environment (`STORYBEAT_WEB_*`) → one object, passed into the app factory."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """How the studio serves: where, upload limits, cookie policy, sessions."""

    model_config = SettingsConfigDict(env_prefix="STORYBEAT_WEB_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_upload_mb: int = Field(default=200, ge=1, le=4096)
    """Largest track upload; a reference image may be at most 20 MB."""
    secure_cookies: bool = False
    """Set the Secure flag on cookies: on whenever the studio is served over https."""
    session_days: int = Field(default=14, ge=1, le=365)
    workers: int = Field(default=1, ge=1, le=16)
    """Background jobs run at once (each renders with the configured engines)."""

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024
