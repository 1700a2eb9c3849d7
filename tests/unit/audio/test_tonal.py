"""Key estimation on rendered Bach chorales of known key and on synthesised cadences."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio.errors import AudioInputError
from audio.models import PITCH_CLASSES
from audio.tonal import estimate_key, key_correlations, with_overtones
from tests.support.music import SOUNDFONT, need_fluidsynth

SR = 22_050
MEASURES = 10  # the opening ten bars: about 17 s at `BPM`
BPM = 144
# The key signature and music21's `analyze("key")` agree on each of these chorales.
CHORALE_KEYS = {
    "bach/bwv269": "G major",
    "bach/bwv347": "A major",
    "bach/bwv39.7": "A# major",
    "bach/bwv66.6": "F# minor",
    "bach/bwv10.7": "G minor",
    "bach/bwv227.1": "E minor",
}


def _tone(midi: int, seconds: float) -> np.ndarray:
    """A plucked note with five partials."""
    t = np.arange(int(seconds * SR)) / SR
    freq = 440.0 * 2 ** ((midi - 69) / 12)
    wave = sum(0.6 ** (k - 1) * np.sin(2 * np.pi * k * freq * t) for k in range(1, 6))
    return np.asarray(wave * np.exp(-1.5 * t) * np.minimum(1.0, t / 0.01))


def cadence(tonic: int, mode: str, *, chord: float = 0.75, repeats: int = 2) -> np.ndarray:
    """I–IV–V–I (major) or i–iv–V–i (harmonic minor) with the root doubled in the bass."""
    third, sixth = (4, 9) if mode == "major" else (3, 8)
    chords = ((0, (0, third, 7)), (5, (5, sixth, 12)), (7, (7, 11, 14)), (0, (0, third, 7)))
    root = 48 + tonic
    bars = [
        sum(_tone(root + 12 + note, chord) for note in triad) + _tone(root - 12 + bass, chord)
        for _ in range(repeats)
        for bass, triad in chords
    ]
    y = np.concatenate(bars)
    return (0.3 * y / np.abs(y).max()).astype(np.float32)


def _midi_quarters(path: str) -> float:
    """Length of a MIDI file in quarter notes, end-of-track padding included."""
    from music21 import midi

    song = midi.MidiFile()
    song.open(path)
    song.read()
    song.close()
    ticks = [
        sum(event.time for event in track.events if isinstance(event, midi.DeltaTime))
        for track in song.tracks
    ]
    return max(ticks) / song.ticksPerQuarterNote


def _render_chorales(folder: Path) -> dict[str, np.ndarray]:
    """One fluidsynth run plays the MIDI files back to back (the soundfont loads once);
    the recording is cut where each score ends."""
    from music21 import corpus, stream, tempo

    need_fluidsynth()
    midis, lengths = [], []
    for work in CHORALE_KEYS:
        score = corpus.parse(work).measures(0, MEASURES)
        for measure in score.recurse().getElementsByClass(stream.Measure):
            measure.leftBarline = measure.rightBarline = None  # no repeats: plays as written
        for mark in list(score.recurse().getElementsByClass(tempo.MetronomeMark)):
            mark.activeSite.remove(mark)
        score.parts[0].getElementsByClass(stream.Measure).first().insert(
            0, tempo.MetronomeMark(number=BPM)
        )
        midis.append(str(folder / (work.replace("/", "_") + ".mid")))
        score.write("midi", fp=midis[-1])
        lengths.append(_midi_quarters(midis[-1]) * 60.0 / BPM)
    wav = folder / "chorales.wav"
    quiet = ["-ni", "-q", "-R", "0", "-C", "0"]  # no shell, no reverb, no chorus
    command = ["fluidsynth", *quiet, "-r", str(SR), "-F", str(wav), str(SOUNDFONT), *midis]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    samples, rate = soundfile.read(str(wav), dtype="float32")
    tail = samples.shape[0] / SR - sum(lengths)  # the last notes' release
    assert rate == SR and 0 <= tail < 5, tail
    edges = np.round(np.cumsum([0.0, *lengths]) * SR).astype(int)
    rendered = {}
    for work, start, end in zip(CHORALE_KEYS, edges[:-1], edges[1:], strict=True):
        mono = samples[start:end].mean(axis=1)
        rendered[work] = mono - mono.mean()
    return rendered


@pytest.fixture(scope="module")
def chorales(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    return _render_chorales(tmp_path_factory.mktemp("chorales"))


def test_chorale_keys(chorales: dict[str, np.ndarray]) -> None:
    found = {work: estimate_key(y, SR) for work, y in chorales.items()}
    right = [work for work, key in found.items() if key.name == CHORALE_KEYS[work]]
    report = {work: (key.name, key.confidence) for work, key in found.items()}
    assert len(right) >= 5, report
    assert all(found[work].confidence > 0.2 for work in right), report


@pytest.mark.parametrize(
    ("tonic", "mode"),
    [
        ("C", "major"),
        ("G", "major"),
        ("D#", "major"),
        ("A", "minor"),
        ("F#", "minor"),
        ("C", "minor"),
    ],
)
def test_cadence_keys(tonic: str, mode: str) -> None:
    key = estimate_key(cadence(PITCH_CLASSES.index(tonic), mode), SR)
    assert (key.tonic, key.mode) == (tonic, mode)
    assert 0.3 < key.confidence <= 1.0


def test_drums_do_not_move_the_key() -> None:
    rng = np.random.default_rng(3)
    y = cadence(PITCH_CLASSES.index("E"), "minor")
    beat = SR // 2
    hit = np.exp(-30 * np.arange(beat // 2) / SR)
    for start in range(0, y.size - hit.size, beat):
        y[start : start + hit.size] += 0.3 * rng.standard_normal(hit.size) * hit
    assert estimate_key(y, SR).name == "E minor"


def test_transposing_moves_the_tonic() -> None:
    keys = [estimate_key(cadence(tonic, "major"), SR).tonic for tonic in (0, 2, 4)]
    assert keys == ["C", "D", "E"]


def test_unpitched_input_has_no_confidence() -> None:
    assert estimate_key(np.zeros(SR * 3, dtype=np.float32), SR).confidence == 0.0
    noise = np.random.default_rng(0).standard_normal(SR * 3).astype(np.float32) * 0.1
    assert estimate_key(noise, SR).confidence < 0.3


def test_overtones_add_the_fifth_and_third() -> None:
    note = np.eye(12)[0]
    heard = with_overtones(note)
    assert heard[0] > heard[7] > heard[4] > 0
    assert heard[[1, 2, 3, 5, 6, 8, 9, 10, 11]].sum() == 0


def test_correlations_shape_and_range() -> None:
    scores = key_correlations(with_overtones(np.eye(12)[[0, 4, 7]].sum(axis=0)))
    assert scores.shape == (2, 12)
    assert np.all(np.abs(scores) <= 1.0)
    assert np.unravel_index(scores.argmax(), scores.shape) == (0, 0)  # C major


@pytest.mark.parametrize(
    ("y", "sr", "match"),
    [
        (np.zeros((2, 100), dtype=np.float32), SR, "1-D"),
        (np.zeros(0, dtype=np.float32), SR, "non-empty"),
        (np.array([0.0, np.nan] * 100), SR, "NaN"),
        (np.zeros(1000, dtype=np.float32), 4000, "4000"),
        ([0.0] * 1000, SR, "list"),
    ],
)
def test_bad_input(y: object, sr: int, match: str) -> None:
    with pytest.raises(AudioInputError, match=match):
        estimate_key(y, sr)  # type: ignore[arg-type]
