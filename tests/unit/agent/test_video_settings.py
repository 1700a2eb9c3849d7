"""STORYBEAT_VIDEO_ADAPTER: the studio builds the named adapter, or says why it cannot."""

from __future__ import annotations

import pytest

from agent.config import Settings
from agent.engines import video_adapter
from agent.errors import AgentInputError
from videogen import MotionAdapter, UnknownAdapterError


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VIDEO_ADAPTER", "I2V_WEIGHTS", "VIDEO_MODEL"):
        monkeypatch.delenv(f"STORYBEAT_{name}", raising=False)


def test_motion_stays_the_default() -> None:
    assert isinstance(video_adapter(Settings()), MotionAdapter)


def test_diffusers_i2v_needs_its_weights_folder() -> None:
    with pytest.raises(AgentInputError, match="STORYBEAT_I2V_WEIGHTS"):
        video_adapter(Settings(video_adapter="diffusers-i2v"))


def test_unknown_adapter_names_the_known_ones() -> None:
    with pytest.raises(UnknownAdapterError, match="motion"):
        video_adapter(Settings(video_adapter="sora"))
