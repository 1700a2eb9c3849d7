"""The CLI surface that needs no rendering: doctor, analyze, argument errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import main


def test_doctor_reports_engines_adapters_database_and_devices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["doctor", "--json"]) == 0
    checks = {(c["area"], c["name"]): c for c in json.loads(capsys.readouterr().out)}
    assert checks[("image engine", "previz")]["ok"]
    assert checks[("video adapter", "motion")]["ok"]
    assert checks[("system", "database")]["ok"]
    assert checks[("system", "ffmpeg")]["ok"]
    assert not checks[("weights", "flux2")]["ok"]
    assert "cpu" in checks[("devices", "torch")]["detail"]


def test_doctor_says_what_a_weights_folder_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "model_index.json").write_text("{}")
    monkeypatch.setenv("STORYBEAT_FLUX2_WEIGHTS", str(tmp_path))
    main(["doctor", "--json"])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)}
    assert not checks["flux2"]["ok"]
    assert "not FLUX.2" in checks["flux2"]["detail"]


def test_doctor_fails_on_an_unreachable_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STORYBEAT_DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/none")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "secret" not in out
    assert "database" in out


def test_analyze_prints_the_stable_json_shape(
    demo_track: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", str(demo_track), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"tempo", "duration", "beats", "downbeats", "sections"} <= set(data)
    assert data["sections"][0]["start"] == 0.0


def test_negative_length_limit_is_refused(
    demo_track: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", str(demo_track), "--max-minutes", "-1"]) == 2
    assert "--max-minutes" in capsys.readouterr().err


def test_analyze_attaches_lrc_and_plain_lyrics(
    demo_track: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lrc = tmp_path / "song.lrc"
    lrc.write_text("[ti:Demo]\n[00:08.00]First line here\n[00:12.50]Second line there\n")
    assert main(["analyze", str(demo_track), "--json", "--lyrics", str(lrc)]) == 0
    lines = json.loads(capsys.readouterr().out)["lyrics"]
    assert [(x["start"], x["text"]) for x in lines] == [
        (8.0, "First line here"),
        (12.5, "Second line there"),
    ]
    plain = tmp_path / "song.txt"
    plain.write_text("one little line\nanother little line\n\nthe last line of all\n")
    assert main(["analyze", str(demo_track), "--json", "--lyrics", str(plain)]) == 0
    lines = json.loads(capsys.readouterr().out)["lyrics"]
    assert [x["text"] for x in lines] == [
        "one little line",
        "another little line",
        "the last line of all",
    ]
    assert all(0 <= x["start"] < x["end"] <= 58.1 for x in lines)


def test_asr_model_needs_lyrics(demo_track: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(demo_track), "--asr-model", "/nowhere"]) == 2
    assert "--lyrics" in capsys.readouterr().err


def test_analyze_plots_and_reports_key_and_mood(
    demo_track: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "analysis.png"
    assert main(["analyze", str(demo_track), "--json", "--plot", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["key"] in {"A minor", "C major"}  # Am–F–C–G: relative keys
    assert data["mood"]["tags"] and 0 <= data["mood"]["arousal"] <= 1
    assert data["meter"] == "4/4" and data["steady_beat"]
    from PIL import Image

    with Image.open(out) as image:
        assert image.width >= 800 and image.height >= 300


def test_analyze_takes_the_musicians_tempo_and_meter(
    demo_track: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", str(demo_track), "--json", "--bpm", "62", "--meter", "2/4"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tempo"] == pytest.approx(62, rel=0.02)
    assert (data["meter"], data["beats_per_bar"]) == ("2/4", 2)
    assert data["hint"] == {"bpm": 62.0, "meter": "2/4"}


def test_a_negative_bar_start_is_a_clear_error(
    demo_track: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", str(demo_track), "--downbeat", "-2"]) == 2
    assert "--downbeat is a time in the track" in capsys.readouterr().err


def test_an_absurd_tempo_hint_is_a_clear_error(
    demo_track: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", str(demo_track), "--bpm", "5"]) == 2
    err = capsys.readouterr().err
    assert "--bpm must be between 30 and 300" in err and err[-1] == "\n" and err.count("\n") == 1
