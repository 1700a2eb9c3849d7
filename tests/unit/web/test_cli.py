"""`storybeat serve` sits beside the agent's commands; the agent's still work through it."""

from __future__ import annotations

import pytest

from web.cli import main


def test_serve_is_listed_and_documented(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "serve" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = capsys.readouterr().out
    assert "--demo" in text and "--port" in text


def test_agent_commands_still_run_and_bad_options_are_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["analyze", "missing.wav"]) == 2
    assert "missing.wav" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main(["serve", "--port", "eighty"])
    assert done.value.code == 2
    assert "invalid int value" in capsys.readouterr().err
