"""The demo track: drums, bass and chords synthesised here, with an exact beat grid.

No third-party audio: every sample is computed from the arrangement below, so the
beats, downbeats and section boundaries are known exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 44_100
TEMPO = 124.0
BEATS_PER_BAR = 4
# (label, bars, level): level 0 … 1 drives which parts play and how loud.
ARRANGEMENT: tuple[tuple[str, int, float], ...] = (
    ("intro", 4, 0.25),
    ("verse", 8, 0.6),
    ("chorus", 8, 1.0),
    ("bridge", 4, 0.35),
    ("chorus", 4, 1.0),
    ("outro", 2, 0.3),
)
# A minor: Am – F – C – G, one chord a bar (MIDI roots and triads).
PROGRESSION = ((57, (57, 60, 64)), (53, (53, 57, 60)), (48, (48, 52, 55)), (55, (55, 59, 62)))


@dataclass(frozen=True)
class DemoTruth:
    """The ground truth of the synthesised demo track (seconds)."""

    tempo: float
    duration: float
    beats: list[float]
    downbeats: list[float]
    sections: list[tuple[float, float, str]]


def demo_truth() -> DemoTruth:
    beat = 60.0 / TEMPO
    total_bars = sum(bars for _, bars, _ in ARRANGEMENT)
    n_beats = total_bars * BEATS_PER_BAR
    beats = [round(i * beat, 6) for i in range(n_beats)]
    sections: list[tuple[float, float, str]] = []
    bar = 0
    for label, bars, _ in ARRANGEMENT:
        start = bar * BEATS_PER_BAR * beat
        bar += bars
        sections.append((round(start, 6), round(bar * BEATS_PER_BAR * beat, 6), label))
    return DemoTruth(
        tempo=TEMPO,
        duration=round(n_beats * beat, 6),
        beats=beats,
        downbeats=beats[::BEATS_PER_BAR],
        sections=sections,
    )


def synthesize_demo(path: Path, *, seed: int = 7) -> DemoTruth:
    """Render the demo track to a 16-bit stereo WAV at `path` and return its ground truth."""
    import soundfile

    truth = demo_truth()
    rng = np.random.default_rng(seed)
    n = round(truth.duration * RATE)
    left = np.zeros(n, dtype=np.float64)
    right = np.zeros(n, dtype=np.float64)
    beat = 60.0 / TEMPO
    bar_index = 0
    for _label, bars, level in ARRANGEMENT:
        for _ in range(bars):
            bar_start = bar_index * BEATS_PER_BAR * beat
            root, triad = PROGRESSION[bar_index % len(PROGRESSION)]
            _render_bar(left, right, rng, bar_start, beat, level, root, triad)
            bar_index += 1
    fade = int(2 * beat * RATE)
    ramp = np.linspace(1.0, 0.0, fade)
    left[-fade:] *= ramp
    right[-fade:] *= ramp
    stereo = np.stack([left, right], axis=1)
    stereo *= 0.89 / np.max(np.abs(stereo))  # -1 dBFS peak
    soundfile.write(str(path), stereo.astype(np.float32), RATE, subtype="PCM_16")
    return truth


def _render_bar(
    left: np.ndarray,
    right: np.ndarray,
    rng: np.random.Generator,
    start: float,
    beat: float,
    level: float,
    root: int,
    triad: tuple[int, ...],
) -> None:
    bar_len = BEATS_PER_BAR * beat
    pad_gain = 0.10 + 0.05 * level
    for note in triad:
        _add(left, right, start, _pad(_hz(note), bar_len) * pad_gain, pan=0.0)
    if level >= 0.5:
        for eighth in range(8):
            t = start + eighth * beat / 2
            _add(left, right, t, _bass(_hz(root - 12), beat / 2) * 0.35 * level, pan=0.0)
    for b in range(BEATS_PER_BAR):
        t = start + b * beat
        accent = 1.0 if b == 0 else 0.8
        if level >= 0.5 or b in (0, 2):
            _add(left, right, t, _kick() * 0.9 * accent * max(level, 0.45), pan=0.0)
        if level >= 0.5 and b in (1, 3):
            _add(left, right, t, _snare(rng) * 0.55 * level, pan=0.1)
        for half in (0, 1):
            hat = _hat(rng, open_hat=level >= 0.9 and half == 1)
            _add(left, right, t + half * beat / 2, hat * (0.12 + 0.15 * level), pan=0.4)
    if level >= 0.9:
        _add(left, right, start, _crash(rng) * 0.18, pan=-0.3)
        arpeggio = (*triad, triad[1] + 12)
        for step in range(8):
            note = arpeggio[step % len(arpeggio)] + 12
            _add(left, right, start + step * beat / 2, _pluck(_hz(note)) * 0.12, pan=-0.35)


def _hz(midi: int) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _time(seconds: float) -> np.ndarray:
    return np.arange(int(seconds * RATE)) / RATE


def _kick() -> np.ndarray:
    t = _time(0.35)
    freq = 45 + 80 * np.exp(-t / 0.04)
    phase = 2 * np.pi * np.cumsum(freq) / RATE
    click = np.exp(-t / 0.002) * 0.5
    return np.sin(phase) * np.exp(-t / 0.12) + click


def _snare(rng: np.random.Generator) -> np.ndarray:
    t = _time(0.25)
    noise = rng.standard_normal(t.size) * np.exp(-t / 0.06)
    tone = np.sin(2 * np.pi * 185 * t) * np.exp(-t / 0.05)
    return 0.7 * noise + 0.5 * tone


def _hat(rng: np.random.Generator, *, open_hat: bool) -> np.ndarray:
    t = _time(0.3 if open_hat else 0.06)
    noise = np.diff(rng.standard_normal(t.size + 1))
    return noise * np.exp(-t / (0.08 if open_hat else 0.012))


def _crash(rng: np.random.Generator) -> np.ndarray:
    t = _time(1.5)
    return np.diff(rng.standard_normal(t.size + 1)) * np.exp(-t / 0.5)


def _bass(freq: float, length: float) -> np.ndarray:
    t = _time(length * 0.9)
    saw = 2 * ((freq * t) % 1.0) - 1
    smooth = np.convolve(saw, np.ones(24) / 24, mode="same")
    return smooth * np.exp(-t / 0.18)


def _pad(freq: float, length: float) -> np.ndarray:
    t = _time(length)
    attack = np.minimum(t / 0.25, 1.0)
    release = np.minimum((length - t) / 0.2, 1.0)
    tone = np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(2 * np.pi * 2 * freq * t + 0.5)
    return tone * attack * release


def _pluck(freq: float) -> np.ndarray:
    t = _time(0.3)
    return (np.sin(2 * np.pi * freq * t) + 0.4 * np.sin(4 * np.pi * freq * t)) * np.exp(-t / 0.08)


def _add(left: np.ndarray, right: np.ndarray, start: float, sound: np.ndarray, pan: float) -> None:
    i = round(start * RATE)
    if i >= left.size:
        return
    part = sound[: left.size - i]
    left[i : i + part.size] += part * (1 - pan) / 2 * 2
    right[i : i + part.size] += part * (1 + pan) / 2 * 2
