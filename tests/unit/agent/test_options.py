"""Render options: the musician's tempo/meter/bar start reach the analysis and the project key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.config import Settings
from agent.render import project_key
from agent.schemas import RenderOptions
from audio import RhythmHint


def test_no_hint_means_automatic_analysis() -> None:
    assert RenderOptions().rhythm is None


def test_a_hint_is_a_different_project_and_no_hint_keeps_old_keys(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    plain = project_key("abc", RenderOptions(), [], settings)
    assert plain == project_key("abc", RenderOptions(rhythm=None), [], settings)
    slow = RenderOptions(rhythm=RhythmHint(bpm=90))
    assert plain != project_key("abc", slow, [], settings)
    shifted = RenderOptions(rhythm=RhythmHint(bpm=90, downbeat=1.5))
    assert project_key("abc", slow, [], settings) != project_key("abc", shifted, [], settings)


@pytest.mark.parametrize(
    "bad", [{"bpm": 0}, {"bpm": 1000}, {"meter": "7/8"}, {"downbeat": -1}, {"swing": 0.6}]
)
def test_impossible_hints_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RenderOptions.model_validate({"rhythm": bad})
