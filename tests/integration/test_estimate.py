"""`storybeat estimate`: the stages and counts a following render really makes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agent.cli import main
from agent.graph import STAGES
from tests.support.video import facts


def test_estimate_counts_what_the_render_then_makes(
    short_track: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["estimate", str(short_track), "--resolution", "360p", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["node"] for s in data["stages"]] == [name for name, _ in STAGES]
    assert data["total"]["complete"] and data["total"]["cost_usd"] == 0.0
    stages = {s["stage"]: s for s in data["stages"]}
    assert "default" in stages["storyboard"]["basis"]

    out = tmp_path / "cut.mp4"
    assert main(["render", str(short_track), "--resolution", "360p", "-o", str(out)]) == 0
    made = dict(re.findall(r"storybeat: (\w+): (\d+) made", capsys.readouterr().err))
    assert made["analysis"] == "0"  # the estimate analysed the track; the render reused it
    assert int(made["storyboard"]) == stages["storyboard"]["units"]
    assert int(made["references"]) == stages["references"]["units"]
    assert int(made["video"]) == stages["video"]["units"]
    assert facts(out).frames == stages["export"]["frames"]

    assert main(["estimate", str(short_track), "--resolution", "360p"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{short_track.name}: 30.0 s, {stages['video']['units']} shots,")
    rows = {line.split()[0]: line for line in lines[2:]}
    assert list(rows) == [*stages, "total"]
    for stage in ("references", "storyboard", "video"):  # this machine's rates, from the render
        assert "measured on this machine" in rows[stage], rows[stage]


def test_estimate_refuses_bad_input_like_render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["estimate", str(tmp_path / "missing.wav")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("storybeat: error:") and "not found" in err[0]
    with pytest.raises(SystemExit) as exit_:
        main(["estimate", str(tmp_path / "missing.wav"), "--aspect", "4:3"])
    assert exit_.value.code == 2
    assert "--aspect" in capsys.readouterr().err
