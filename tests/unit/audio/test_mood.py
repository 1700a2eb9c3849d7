"""Mood: a loud fast major party loop against a quiet slow minor pad, ranges, edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from audio.errors import AudioInputError
from audio.models import EnergyCurve, Key, Mood
from audio.mood import MOOD_TAGS, choose_tags, estimate_mood
from audio.tonal import estimate_key

SR = 22_050


def _note(midi: int, seconds: float, *, partials: int, attack: float, decay: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    freq = 440.0 * 2 ** ((midi - 69) / 12)
    wave = sum(np.sin(2 * np.pi * k * freq * t) / k for k in range(1, partials + 1))
    return np.asarray(wave * np.minimum(1.0, t / attack) * np.exp(-decay * t))


def party(seconds: float = 6.0, bpm: float = 128.0) -> np.ndarray:
    """Bright saw chords I–IV–V–I in C major over kick, snare and hats, peak 0.9."""
    rng = np.random.default_rng(1)
    beat = 60.0 / bpm
    n = int(seconds * SR)
    y = np.zeros(n)
    chords = ((60, 64, 67), (65, 69, 72), (67, 71, 74), (60, 64, 67))
    for i, start in enumerate(range(0, n, int(4 * beat * SR))):
        bar = sum(_note(m, 4 * beat, partials=12, attack=0.005, decay=1.0) for m in chords[i % 4])
        bar = bar + _note(chords[i % 4][0] - 24, 4 * beat, partials=6, attack=0.005, decay=0.5)
        y[start : start + bar.size] += 0.3 * bar[: n - start]
    t = np.arange(int(0.2 * SR)) / SR
    kick = np.sin(2 * np.pi * (50 + 120 * np.exp(-25 * t)) * t) * np.exp(-12 * t)
    snare = rng.standard_normal(t.size) * np.exp(-18 * t)
    hat = np.diff(rng.standard_normal(t.size + 1)) * np.exp(-60 * t)
    for step, start in enumerate(range(0, n - t.size, int(beat * SR / 2))):
        hit = (
            0.25 * hat
            + (1.2 * kick if step % 2 == 0 else 0)
            + (0.5 * snare if step % 4 == 2 else 0)
        )
        y[start : start + t.size] += hit
    return (0.9 * y / np.abs(y).max()).astype(np.float32)


def pad(seconds: float = 6.0, level: float = 0.03) -> np.ndarray:
    """Soft sustained triads i–iv–V–i in A minor, slow attack, peak `level`."""
    n = int(seconds * SR)
    span = n // 4
    chords = ((57, 60, 64), (50, 53, 57), (52, 56, 59), (57, 60, 64))
    fade = np.minimum(1.0, np.arange(span)[::-1] / (0.3 * SR))
    y = np.concatenate(
        [
            sum(_note(m, span / SR, partials=3, attack=0.8, decay=0.05) for m in c) * fade
            for c in chords
        ]
    )
    return (level * y / np.abs(y).max()).astype(np.float32)


def energy_of(y: np.ndarray, hop: float = 0.25) -> EnergyCurve:
    size = int(hop * SR)
    rms = [float(np.sqrt(np.mean(y[i : i + size] ** 2))) for i in range(0, y.size, size)]
    db = 20 * np.log10(np.maximum(rms, 1e-6))
    values = np.clip((db + 60) / max(float(db.max()) + 60, 1e-6), 0.0, 1.0)
    return EnergyCurve(hop=hop, values=[float(v) for v in values])


def mood_of(y: np.ndarray, tempo: float, key: Key | None = None) -> Mood:
    key = estimate_key(y, SR) if key is None else key
    return estimate_mood(y=y, sr=SR, tempo=tempo, key=key, energy=energy_of(y))


@pytest.fixture(scope="module")
def moods() -> dict[str, Mood]:
    return {"party": mood_of(party(), 128.0), "pad": mood_of(pad(), 70.0)}


def test_party_is_happier_and_more_excited_than_the_pad(moods: dict[str, Mood]) -> None:
    loud, soft = moods["party"], moods["pad"]
    assert loud.arousal > soft.arousal + 0.4, (loud, soft)
    assert loud.valence > soft.valence + 0.3, (loud, soft)
    assert "energetic" in loud.tags and "calm" in soft.tags
    assert not set(loud.tags) & set(soft.tags)
    assert {"melancholic", "dark"} & set(soft.tags) and {"uplifting", "bright"} & set(loud.tags)


def test_mode_tempo_and_level_move_the_mood_the_right_way() -> None:
    y = pad(seconds=3.0, level=0.3)
    major = Key(tonic="A", mode="major", confidence=0.9)
    minor = Key(tonic="A", mode="minor", confidence=0.9)
    assert mood_of(y, 90.0, major).valence > mood_of(y, 90.0, minor).valence
    assert mood_of(y, 150.0, minor).arousal > mood_of(y, 70.0, minor).arousal
    assert mood_of(y, 90.0, minor).arousal > mood_of(y * 0.02, 90.0, minor).arousal


@pytest.mark.parametrize(
    "signal",
    ["party", "pad", "noise", "clicks", "sine", "near_silence", "zeros", "clipped"],
)
def test_always_in_range_with_known_tags_and_deterministic(signal: str) -> None:
    rng = np.random.default_rng(5)
    t = np.arange(2 * SR) / SR
    clicks = np.zeros(2 * SR, dtype=np.float32)
    clicks[:: SR // 8] = 1.0
    y = {
        "party": party(seconds=2.0),
        "pad": pad(seconds=2.0),
        "noise": rng.standard_normal(2 * SR) * 0.5,
        "clicks": clicks,
        "sine": 0.5 * np.sin(2 * np.pi * 440 * t),
        "near_silence": rng.standard_normal(2 * SR) * 1e-6,
        "zeros": np.zeros(2 * SR),
        "clipped": np.clip(rng.standard_normal(2 * SR) * 5, -1, 1),
    }[signal].astype(np.float32)
    for tempo, key in ((0.0, None), (200.0, Key(tonic="C", mode="major", confidence=1.0))):
        first = estimate_mood(y=y, sr=SR, tempo=tempo, key=key, energy=energy_of(y))
        again = estimate_mood(y=y, sr=SR, tempo=tempo, key=key, energy=energy_of(y))
        assert first == again
        assert 0.0 <= first.valence <= 1.0 and 0.0 <= first.arousal <= 1.0
        assert 2 <= len(first.tags) <= 4 and set(first.tags) <= set(MOOD_TAGS)
        assert len(set(first.tags)) == len(first.tags)


def test_near_silence_reads_calm_not_sad() -> None:
    y = np.random.default_rng(0).standard_normal(3 * SR).astype(np.float32) * 1e-5
    mood = estimate_mood(y=y, sr=SR, tempo=0.0, key=None, energy=EnergyCurve(hop=0.25, values=[]))
    assert mood.arousal < 0.05
    assert "calm" in mood.tags and "melancholic" not in mood.tags


def test_tag_choice_keeps_two_to_four_strongest() -> None:
    none = dict.fromkeys(MOOD_TAGS, 0.0)
    assert choose_tags(none) == list(MOOD_TAGS[:2])
    every = {tag: 1.0 - i / 100 for i, tag in enumerate(MOOD_TAGS)}
    assert choose_tags(every) == list(MOOD_TAGS[:4])
    one = {**none, "tense": 0.9, "dreamy": 0.2}
    assert choose_tags(one) == ["tense", "dreamy"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"y": np.zeros((2, 100), dtype=np.float32)}, "1-D"),
        ({"y": np.array([np.inf] * 100)}, "NaN or infinite"),
        ({"tempo": -5.0}, "-5.0"),
        ({"tempo": float("nan")}, "nan"),
        ({"sr": 0}, "got 0"),
    ],
)
def test_bad_input(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {
        "y": np.zeros(SR, dtype=np.float32),
        "sr": SR,
        "tempo": 120.0,
        "key": None,
        "energy": EnergyCurve(hop=0.25, values=[0.5]),
    }
    with pytest.raises(AudioInputError, match=match):
        estimate_mood(**{**args, **kwargs})  # type: ignore[arg-type]
