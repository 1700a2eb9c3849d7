"""The analysis plot: a PNG of the requested size whose beat lines sit where the beats are."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from audio.errors import AudioInputError
from audio.models import EnergyCurve, Key, Mood, Section, TimeRegion, TrackAnalysis
from audio.plot import plot_analysis

SR = 22_050
SECONDS = 8.0


def _signal() -> np.ndarray:
    rng = np.random.default_rng(2)
    t = np.arange(int(SECONDS * SR)) / SR
    tone = 0.3 * np.sin(2 * np.pi * 220 * t) * (0.5 + 0.5 * np.sin(t))
    return (tone + 0.01 * rng.standard_normal(t.size)).astype(np.float32)


def _analysis(**changes: object) -> TrackAnalysis:
    base = TrackAnalysis(
        content_hash="test",
        duration=SECONDS,
        tempo=120.0,
        beats=[],
        downbeats=[],
        sections=[
            Section(start=0.0, end=3.0, label="intro", energy=0.3),
            Section(start=3.0, end=8.0, label="chorus", energy=0.9),
        ],
        energy=EnergyCurve(hop=0.25, values=[i / 32 for i in range(32)]),
        key=Key(tonic="A", mode="minor", confidence=0.8),
        mood=Mood(valence=0.3, arousal=0.7, tags=["tense", "driving"]),
    )
    return base.model_copy(update=changes)


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=int)


def _changed_runs(a: np.ndarray, b: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) pixel columns of each run of columns where the images differ."""
    columns = np.flatnonzero(np.abs(a - b).sum(axis=(0, 2)) > 0)
    if columns.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(columns) > 1)
    starts = np.concatenate([[columns[0]], columns[breaks + 1]])
    ends = np.concatenate([columns[breaks], [columns[-1]]])
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def test_png_has_the_requested_size(tmp_path: Path) -> None:
    out = plot_analysis(y=_signal(), sr=SR, analysis=_analysis(), out=tmp_path / "a.png")
    assert out == tmp_path / "a.png"
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (1600, 600)
    small = plot_analysis(
        y=_signal(), sr=SR, analysis=_analysis(), out=tmp_path / "b.png", size=(800, 300)
    )
    with Image.open(small) as image:
        assert image.size == (800, 300)


def test_beat_lines_sit_at_the_beats_and_downbeats_are_thicker(tmp_path: Path) -> None:
    y = _signal()
    beats = [0.5 + i for i in range(7)]
    plain = _pixels(plot_analysis(y=y, sr=SR, analysis=_analysis(), out=tmp_path / "0.png"))
    beat_png = plot_analysis(y=y, sr=SR, analysis=_analysis(beats=beats), out=tmp_path / "1.png")
    runs = _changed_runs(plain, _pixels(beat_png))
    assert len(runs) == len(beats), runs
    centres = np.array([(a + b) / 2 for a, b in runs])
    steps = np.diff(centres)
    assert np.ptp(steps) <= 2.0, centres  # evenly spaced, like the beats
    down = _analysis(beats=beats, downbeats=beats[::2])
    down_png = plot_analysis(y=y, sr=SR, analysis=down, out=tmp_path / "2.png")
    down_runs = _changed_runs(plain, _pixels(down_png))
    assert len(down_runs) == len(beats)
    widths = [b - a + 1 for a, b in down_runs]
    assert min(widths[::2]) > max(widths[1::2]), widths


def test_vocals_and_key_change_the_picture(tmp_path: Path) -> None:
    y = _signal()
    first = plot_analysis(y=y, sr=SR, analysis=_analysis(), out=tmp_path / "a.png")
    base = _pixels(first)
    vocals = _analysis(vocals=[TimeRegion(start=2.0, end=5.0)])
    voiced = _pixels(plot_analysis(y=y, sr=SR, analysis=vocals, out=tmp_path / "v.png"))
    assert np.any(base != voiced)
    keyless = _analysis(key=None, mood=None, steady_beat=False, tempo=0.0)
    bare = _pixels(plot_analysis(y=y, sr=SR, analysis=keyless, out=tmp_path / "k.png"))
    title_rows = slice(0, 50)
    assert np.any(base[title_rows] != bare[title_rows])


def test_edge_cases_still_draw(tmp_path: Path) -> None:
    empty = _analysis(sections=[], energy=EnergyCurve(hop=0.25, values=[]), beats=[0.1])
    out = plot_analysis(
        y=np.zeros(SR, dtype=np.float32), sr=SR, analysis=empty, out=tmp_path / "e.PNG"
    )
    assert out.stat().st_size > 1000


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("plot.jpg", "must be a .png"),
        ("plot", "must be a .png"),
        ("missing/plot.png", "does not exist"),
    ],
)
def test_bad_target(tmp_path: Path, name: str, match: str) -> None:
    with pytest.raises(AudioInputError, match=match):
        plot_analysis(y=_signal(), sr=SR, analysis=_analysis(), out=tmp_path / name)


@pytest.mark.parametrize(
    ("y", "sr", "size", "match"),
    [
        (np.zeros((2, 10), dtype=np.float32), SR, (1600, 600), "1-D"),
        (np.array([np.nan, 0.0]), SR, (1600, 600), "NaN"),
        (np.zeros(10, dtype=np.float32), -1, (1600, 600), "got -1"),
        (np.zeros(10, dtype=np.float32), SR, (100, 600), r"\(100, 600\)"),
    ],
)
def test_bad_input(
    tmp_path: Path, y: np.ndarray, sr: int, size: tuple[int, int], match: str
) -> None:
    with pytest.raises(AudioInputError, match=match):
        plot_analysis(y=y, sr=sr, analysis=_analysis(), out=tmp_path / "p.png", size=size)
