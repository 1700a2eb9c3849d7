"""Does the rendered audio sound when the score says? Two checks, both in milliseconds.

`alignment` runs on every built track: the lag that best lines the audio's onset
envelope up with the notes' times, and how long after the first note the first sound
starts. `click_probe` renders claves across three tempo changes and times each click
to the sample, which measures fluidsynth's own scheduling delay.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from bench.audio.midi import DRUMS, Note, TempoMap, write_midi

SAMPLE_RATE = 44_100
CLAVES = 75


def alignment(y: np.ndarray, onsets: np.ndarray, first_note: float) -> dict[str, float]:
    """Onset-envelope lag (ms, searched over ±50 ms) and first-sound offset (ms) of mono `y`."""
    import librosa

    hop = 64
    env = librosa.onset.onset_strength(y=y, sr=SAMPLE_RATE, hop_length=hop, n_fft=512, n_mels=40)
    frames = np.round(np.asarray(onsets) * SAMPLE_RATE / hop).astype(int)
    frames = frames[frames < len(env)]
    reach = round(0.05 * SAMPLE_RATE / hop)
    lags = np.arange(-reach, reach + 1)
    scores = [env[np.clip(frames + lag, 0, len(env) - 1)].sum() for lag in lags]
    lag_ms = float(lags[int(np.argmax(scores))]) * hop / SAMPLE_RATE * 1000
    loud = np.flatnonzero(np.abs(y) > np.abs(y).max() * 10 ** (-50 / 20))
    first_sound = float(loud[0]) / SAMPLE_RATE if loud.size else float("nan")
    return {
        "onset_lag_ms": round(lag_ms, 2),
        "first_sound_offset_ms": round((first_sound - first_note) * 1000, 2),
    }


def click_probe() -> np.ndarray:
    """Delay (ms) of each of 32 rendered claves hits after its score time, tempo jumping."""
    import soundfile as sf

    from bench.audio.build import render

    tempo = TempoMap(((0, 96.0), (8, 128.0), (16, 71.0), (24, 143.7)))
    quarters = [1.0 + i for i in range(32)]
    notes = [Note(q, 0.25, CLAVES, 110, DRUMS) for q in quarters]
    with tempfile.TemporaryDirectory() as tmp:
        midi, wav = Path(tmp) / "probe.mid", Path(tmp) / "probe.wav"
        write_midi(midi, notes, tempo, programs={}, end=quarters[-1] + 2)
        render(midi, wav)
        y, _ = sf.read(wav, dtype="float32", always_2d=True)
    level = np.abs(y).max(axis=1)
    delays = []
    for t in tempo.seconds(quarters):
        lo = int((t - 0.03) * SAMPLE_RATE)
        window = level[lo : lo + int(0.06 * SAMPLE_RATE)]
        floor = window[: int(0.02 * SAMPLE_RATE)].max()
        delays.append(lo + int(np.argmax(window > max(2 * floor, 1e-4))) - t * SAMPLE_RATE)
    return np.asarray(delays) / SAMPLE_RATE * 1000
