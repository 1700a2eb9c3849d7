"""Render options: the musician's tempo/meter reach the analysis and the project key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.config import Settings
from agent.render import project_key
from agent.schemas import RenderOptions
from audio import RhythmHint


def test_no_tempo_or_meter_means_automatic_analysis() -> None:
    assert RenderOptions().rhythm_hint is None


def test_tempo_and_meter_become_the_analysis_hint() -> None:
    options = RenderOptions(bpm=87, meter="6/8")
    assert options.rhythm_hint == RhythmHint(bpm=87, meter="6/8")


def test_a_hint_is_a_different_project_and_no_hint_keeps_old_keys(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    plain = project_key("abc", RenderOptions(), [], settings)
    assert plain == project_key("abc", RenderOptions(bpm=None), [], settings)
    assert plain != project_key("abc", RenderOptions(bpm=90), [], settings)


@pytest.mark.parametrize("bad", [{"bpm": 0}, {"bpm": 1000}, {"meter": "7/8"}])
def test_impossible_tempo_or_meter_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RenderOptions.model_validate(bad)
