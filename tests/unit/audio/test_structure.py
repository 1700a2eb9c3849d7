"""Sections on synthesised arrangements whose part changes are known to the bar."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from audio.features import Features, compute_features
from audio.models import EnergyCurve, Section
from audio.structure import bar_lines, energy_curve, find_sections

RATE = 22_050
BAR = 2.0  # seconds: 4/4 at 120 bpm
LABELS = {"intro", "verse", "chorus", "bridge", "outro"}
# Per part: chord roots (Hz, one a bar), harmonics (brightness), gain, drums.
PARTS = {
    "pad": ((220.0, 174.6, 130.8, 196.0), 1, 0.08, ""),
    "verse": ((220.0, 174.6, 130.8, 196.0), 3, 0.2, "kick"),
    "chorus": ((174.6, 196.0, 261.6, 220.0), 8, 0.5, "kick hats snare"),
    "bridge": ((146.8, 146.8, 164.8, 164.8), 2, 0.12, "hats"),
}


def _bar(part: str, index: int, rng: np.random.Generator) -> np.ndarray:
    roots, harmonics, gain, drums = PARTS[part]
    t = np.arange(int(BAR * RATE)) / RATE
    root = roots[index % len(roots)]
    chord = sum(
        np.sin(2 * np.pi * root * ratio * h * t) / h**1.5
        for ratio in (1.0, 1.26, 1.5)
        for h in range(1, harmonics + 1)
    )
    out = gain * chord / 3
    beat = int(BAR * RATE / 4)
    hit = np.arange(beat) / RATE
    for b in range(4):
        at = slice(b * beat, (b + 1) * beat)
        if "kick" in drums:
            out[at] += 0.6 * np.sin(2 * np.pi * 55 * hit) * np.exp(-hit / 0.08)
        if "snare" in drums and b % 2:
            out[at] += 0.3 * rng.standard_normal(beat) * np.exp(-hit / 0.05)
        if "hats" in drums:
            for eighth in (0, beat // 2):
                n = beat - eighth
                hiss = np.diff(rng.standard_normal(n + 1))
                out[at][eighth:] += 0.1 * hiss * np.exp(-hit[:n] / 0.01)
    return out


def _song(arrangement: list[tuple[str, int]], seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    bars = [_bar(part, k, rng) for part, count in arrangement for k in range(count)]
    return np.concatenate(bars)


def _analyse(y: np.ndarray, downbeats: np.ndarray | None = None) -> list[Section]:
    duration = y.size / RATE
    grid = np.arange(0.0, duration - 1e-6, BAR) if downbeats is None else downbeats
    return find_sections(
        compute_features(y, RATE),
        downbeats=grid,
        duration=duration,
        energy=energy_curve(y, RATE),
    )


def _starts(sections: list[Section]) -> list[float]:
    return [s.start for s in sections[1:]]


def _assert_tiles(sections: list[Section], duration: float) -> None:
    assert sections[0].start == 0.0
    assert sections[-1].end == pytest.approx(duration)
    assert all(a.end == b.start for a, b in itertools.pairwise(sections))
    assert {s.label for s in sections} <= LABELS


@pytest.fixture(scope="module")
def abab() -> np.ndarray:
    return _song([("verse", 8), ("chorus", 8), ("verse", 8), ("chorus", 8)])


def test_boundaries_land_on_the_part_changes(abab: np.ndarray) -> None:
    sections = _analyse(abab)
    assert _starts(sections) == pytest.approx([16.0, 32.0, 48.0], abs=0.01)
    _assert_tiles(sections, abab.size / RATE)


def test_the_louder_repeated_part_is_the_chorus_the_quieter_the_verse(abab: np.ndarray) -> None:
    sections = _analyse(abab)
    assert [s.label for s in sections] == ["verse", "chorus", "verse", "chorus"]
    assert sections[1].energy > sections[0].energy


def test_intro_bridge_and_outro_by_position_repetition_and_loudness() -> None:
    parts = ["pad", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "pad"]
    song = _song(list(zip(parts, [4, 8, 8, 8, 8, 4, 8, 4], strict=True)))
    sections = _analyse(song)
    assert _starts(sections) == pytest.approx([8.0, 24.0, 40.0, 56.0, 72.0, 80.0, 96.0], abs=0.01)
    assert [s.label for s in sections] == [
        "intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro",
    ]  # fmt: skip


def test_without_downbeats_a_time_grid_still_finds_the_changes(abab: np.ndarray) -> None:
    sections = _analyse(abab, downbeats=np.array([]))
    found = np.array(_starts(sections))
    assert len(found) == 3
    assert np.abs(found - [16.0, 32.0, 48.0]).max() <= 4.0
    _assert_tiles(sections, abab.size / RATE)


def test_boundaries_sit_on_bar_lines_when_the_downbeats_are_off_grid(abab: np.ndarray) -> None:
    downbeats = np.arange(0.3, abab.size / RATE, BAR)  # the tracker is 0.3 s late
    sections = _analyse(abab, downbeats=downbeats)
    assert _starts(sections) == pytest.approx([16.3, 32.3, 48.3], abs=0.01)


def test_a_track_shorter_than_eight_bars_is_one_section() -> None:
    song = _song([("verse", 3), ("chorus", 3)])
    sections = _analyse(song)
    assert len(sections) == 1
    _assert_tiles(sections, song.size / RATE)


def test_a_constant_track_is_one_section() -> None:
    t = np.arange(int(40 * BAR * RATE)) / RATE
    drone = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * 330 * t)
    sections = _analyse(drone)
    assert [(s.start, s.label) for s in sections] == [(0.0, "verse")]


def test_bar_lines_continue_the_downbeats_to_both_ends() -> None:
    lines, phrased = bar_lines(np.array([3.5, 5.5, 7.5, 9.5]), duration=14.2)
    assert phrased  # 13.5 would leave a 0.7 s sliver: the last bar runs to the end
    assert lines.tolist() == pytest.approx([0.0, 1.5, 3.5, 5.5, 7.5, 9.5, 11.5, 14.2])
    lines, phrased = bar_lines(np.array([]), duration=10.5)
    assert not phrased
    assert lines.tolist() == [0.0, 4.0, 8.0, 10.5]
    assert bar_lines(np.array([]), duration=9.9)[0].tolist() == [0.0, 4.0, 9.9]


def test_a_twenty_minute_track_is_segmented_quickly() -> None:
    """Features for 20 minutes of two alternating textures, 16 bars each, built directly."""
    rng = np.random.default_rng(0)
    frames_per_bar = int(BAR * RATE / 512)
    bars = 608  # 20 minutes, 38 parts
    part = (np.arange(bars * frames_per_bar) // (16 * frames_per_bar)) % 2
    n = part.size

    def layer(rows: int, low: float, high: float) -> np.ndarray:
        return np.where(part, high, low) + rng.normal(0, 0.3, (rows, n))

    bar_of_part = np.arange(n) // frames_per_bar % 4 + 4 * part  # chords cycle every 4 bars
    chroma = np.eye(12)[:, bar_of_part] + rng.normal(0, 0.05, (12, n))

    features = Features(
        sr=RATE,
        mel_db=layer(128, -40.0, -25.0),
        chroma=np.abs(chroma),
        mfcc=layer(13, 0.0, 10.0),
        rms=np.abs(layer(1, 0.05, 0.2))[0],
        onset=np.abs(layer(1, 0.5, 2.0))[0],
        low_onset=np.abs(layer(1, 0.5, 2.0))[0],
        fine_onset=np.zeros(4 * n),
    )
    duration = n * 512 / RATE
    bar = frames_per_bar * 512 / RATE
    energy = EnergyCurve(hop=0.25, values=[0.5] * int(duration / 0.25))
    start = time.perf_counter()
    sections = find_sections(
        features, downbeats=np.arange(bars) * bar, duration=duration, energy=energy
    )
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0
    starts = np.array(_starts(sections))
    assert len(starts) == bars // 16 - 1
    assert np.abs(starts - 16 * bar * np.arange(1, bars // 16)).max() < 0.1
    assert {s.label for s in sections} == {"verse", "chorus"}
