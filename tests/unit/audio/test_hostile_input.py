"""Awkward but valid audio: odd rates and channel counts, DC, clipping, noise, speech."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio import analyze, load_track
from audio.demo import demo_truth
from audio.ffmpeg import ffmpeg_exe


def _demo_variant(demo: Path, out: Path, *, rate: int, channels: int) -> Path:
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(demo),
            "-ar",
            str(rate),
            "-ac",
            str(channels),
            "-c:a",
            "pcm_s24le",
            str(out),
        ],
        check=True,
    )
    return out


def _beat_hits(beats: list[float]) -> float:
    truth = np.array(demo_truth().beats)
    return float(np.mean([np.abs(truth - b).min() < 0.05 for b in beats]))


@pytest.mark.parametrize(("rate", "channels"), [(8000, 1), (192_000, 2), (44_100, 6)])
def test_odd_rates_and_channel_counts_analyse_like_the_original(
    demo_track: Path, tmp_path: Path, rate: int, channels: int
) -> None:
    variant = _demo_variant(
        demo_track, tmp_path / f"v{rate}-{channels}.wav", rate=rate, channels=channels
    )
    result = analyze(variant)
    assert result.duration == pytest.approx(demo_truth().duration, abs=0.05)
    assert result.tempo == pytest.approx(124, rel=0.02)
    assert _beat_hits(result.beats) > 0.9


def test_dc_offset_and_clipping_do_not_move_the_beats(demo_track: Path, tmp_path: Path) -> None:
    samples, rate = soundfile.read(str(demo_track))
    harsh = np.clip(samples * 4.0 + 0.3, -1.0, 1.0)  # +12 dB into hard clipping, DC offset
    path = tmp_path / "harsh.wav"
    soundfile.write(str(path), harsh, rate)
    result = analyze(path)
    assert result.steady_beat
    assert _beat_hits(result.beats) > 0.9


def test_noise_has_no_invented_beats(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    path = tmp_path / "noise.wav"
    soundfile.write(str(path), 0.3 * rng.standard_normal(44_100 * 20), 44_100)
    result = analyze(path)
    assert not result.steady_beat
    assert result.beats == [] and result.downbeats == []
    assert result.beat_confidence < 0.5


def test_speech_without_music_has_no_invented_beats(tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("espeak-ng missing: `make sysdeps`")
    path = tmp_path / "speech.wav"
    text = (
        "It was the best of times, it was the worst of times, it was the age of wisdom, "
        "it was the age of foolishness, it was the epoch of belief."
    )
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
    result = analyze(path)
    assert not result.steady_beat
    assert result.beats == []
    assert result.sections and result.sections[-1].end == pytest.approx(result.duration)


def test_mono_and_stereo_decode_to_stereo(tmp_path: Path) -> None:
    t = np.arange(44_100 * 4) / 44_100
    mono = tmp_path / "mono.flac"
    soundfile.write(str(mono), 0.5 * np.sin(2 * np.pi * 220 * t), 44_100)
    track = load_track(mono)
    assert track.samples.shape[0] == 2
    assert np.allclose(track.samples[0], track.samples[1])
