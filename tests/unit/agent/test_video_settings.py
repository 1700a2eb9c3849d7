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


@pytest.mark.parametrize(
    ("name", "variable"),
    [("fal", "FAL_KEY"), ("replicate", "REPLICATE_API_TOKEN"), ("kling", "KLING_ACCESS_KEY")],
)
def test_a_hosted_adapter_without_its_key_says_which_variable(
    name: str, variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("FAL_KEY", "REPLICATE_API_TOKEN", "KLING_ACCESS_KEY", "KLING_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(AgentInputError, match=variable):
        video_adapter(Settings(video_adapter=name))


def test_a_hosted_adapter_takes_the_model_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAL_KEY", "test-key")
    with pytest.raises(Exception, match="no-such-model"):
        video_adapter(Settings(video_adapter="fal", video_model="no-such-model"))
    assert video_adapter(Settings(video_adapter="fal")).name == "fal"
