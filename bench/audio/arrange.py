"""Turn a track spec into notes, a tempo map and the exact ground truth of the result.

Every bar of every section takes its melody and chords from the tune (cycling), its
patterns from the genre's `Groove`, and only the layers the section names, so section
boundaries are where the arrangement changes. Times in the ground truth are computed
from the same ticks and tempo words the MIDI file holds.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.audio.grooves import CRASH, GROOVES, KICK, METERS, SNARE, Groove
from bench.audio.midi import DRUMS, Note, TempoMap
from bench.audio.sources import Chord, Tune, load_tune

CHANNELS = {"bass": 0, "comp": 1, "riff": 2, "lead": 3, "pad": 4, "score": 5}
VOLUMES = {0: 105, 1: 88, 2: 82, 3: 100, 4: 72, 5: 110, DRUMS: 112}  # CC7 mix per channel
COMPATIBLE = {"4/4": {"4/4", "2/4", "2/2", "4/2"}, "2/4": {"2/4"}, "3/4": {"3/4"}, "6/8": {"6/8"}}
LAYERS = {"drums", "light", "perc", "bass", "comp", "riff", "pad", "lead", "score"}


@dataclass(frozen=True)
class Section:
    """`bars` bars playing `layers` (space-separated roles), from tune bar `tune_bar`."""

    label: str
    bars: int
    layers: str
    tune_bar: int = 0
    dynamics: float = 1.0

    def __post_init__(self) -> None:
        unknown = set(self.layers.split()) - LAYERS
        if unknown or self.bars < 1:
            raise ValueError(f"section {self.label!r}: bars={self.bars}, unknown {unknown}")


@dataclass(frozen=True)
class TrackSpec:
    """One eval track. `bpm` counts beats (dotted quarters in 6/8).

    `steps` are (bar, bpm) tempo jumps; `ramps` are (first bar, end bar, bpm reached at
    the end bar), changed every beat.
    """

    name: str
    genre: str
    style: str
    work: str
    bpm: float
    sections: tuple[Section, ...]
    transpose: int = 0
    steps: tuple[tuple[int, float], ...] = ()
    ramps: tuple[tuple[int, int, float], ...] = ()

    @property
    def meter(self) -> str:
        return GROOVES[self.style].meter

    @property
    def bars(self) -> int:
        return sum(s.bars for s in self.sections)


@dataclass
class Arrangement:
    """Notes and tempo for the MIDI file, plus the ground truth in seconds."""

    notes: list[Note]
    tempo: TempoMap
    programs: dict[int, int]
    end: float
    truth: dict[str, Any] = field(default_factory=dict)


def arrange(spec: TrackSpec) -> Arrangement:
    """Build the notes of a track and its ground truth (beats, downbeats, sections, tempo)."""
    groove = GROOVES[spec.style]
    work, _, number = spec.work.partition("#")
    bar_q, beat_q = METERS[groove.meter]
    tune = load_tune(work, int(number) if number else None, chord_every=bar_q)
    if tune.meter not in COMPATIBLE[groove.meter]:
        raise ValueError(f"{spec.name}: a {tune.meter} tune cannot carry a {groove.meter} groove")
    lead_in = beat_q
    tempo, beat_bpm = _tempo(spec, bar_q, beat_q, lead_in)
    rng = np.random.default_rng(zlib.crc32(spec.name.encode()))
    player = _Player(spec, groove, tune, rng)
    start_bar = 0
    for index, section in enumerate(spec.sections):
        following = spec.sections[index + 1] if index + 1 < len(spec.sections) else None
        for k in range(section.bars):
            fill = following is not None and k == section.bars - 1
            player.bar(section, lead_in + (start_bar + k) * bar_q, k, fill=fill, beat_q=beat_q)
        start_bar += section.bars
    final = lead_in + spec.bars * bar_q
    player.ending(spec.sections[-1], final)
    programs = {CHANNELS[r]: groove.program(r) for r in CHANNELS}
    arrangement = Arrangement(player.notes, tempo, programs, end=final + bar_q)
    arrangement.truth = _truth(spec, tempo, beat_bpm, lead_in, bar_q, beat_q, player.notes)
    return arrangement


def _tempo(
    spec: TrackSpec, bar_q: float, beat_q: float, lead_in: float
) -> tuple[TempoMap, list[float]]:
    """Per-beat tempo (steps, then linear ramps) as a MIDI tempo map in quarter-note bpm."""
    per_bar = round(bar_q / beat_q)
    count = spec.bars * per_bar + 1
    bpm = [spec.bpm] * count
    for bar, value in sorted(spec.steps):
        bpm[bar * per_bar :] = [value] * (count - bar * per_bar)
    for first, last, value in spec.ramps:
        a, b = first * per_bar, last * per_bar
        start = bpm[a]
        for i in range(a, count):
            bpm[i] = start + (value - start) * min((i - a) / (b - a), 1.0)
    changes: list[tuple[float, float]] = []
    for i, value in enumerate(bpm):
        if not changes or abs(changes[-1][1] - value * beat_q) > 1e-9:
            changes.append((0.0 if i == 0 else lead_in + i * beat_q, value * beat_q))
    return TempoMap(tuple(changes)), bpm


def _truth(
    spec: TrackSpec,
    tempo: TempoMap,
    beat_bpm: list[float],
    lead_in: float,
    bar_q: float,
    beat_q: float,
    notes: list[Note],
) -> dict[str, Any]:
    per_bar = round(bar_q / beat_q)
    beats = tempo.seconds([lead_in + i * beat_q for i in range(len(beat_bpm))])
    starts, labels, bar = [], [], 0
    for section in spec.sections:
        starts.append(lead_in + bar * bar_q)
        labels.append(section.label)
        bar += section.bars
    bounds = tempo.seconds([*starts, lead_in + bar * bar_q])
    changes = [
        [0.0 if i == 0 else round(float(beats[i]), 6), round(v, 3)]
        for i, v in enumerate(beat_bpm)
        if i == 0 or abs(v - beat_bpm[i - 1]) > 1e-9
    ]
    return {
        "name": spec.name,
        "genre": spec.genre,
        "style": spec.style,
        "source": spec.work,
        "meter": spec.meter,
        "beats_per_bar": per_bar,
        "tempo": spec.bpm,
        "tempo_map": changes,
        "beats": [round(float(t), 6) for t in beats],
        "downbeats": [round(float(t), 6) for t in beats[::per_bar]],
        "sections": [
            {"label": label, "start": round(float(a), 6), "end": round(float(b), 6)}
            for label, a, b in zip(labels, bounds[:-1], bounds[1:], strict=True)
        ],
        "first_note": round(float(tempo.seconds([min(n.start for n in notes)])[0]), 6),
    }


class _Player:
    """Accumulates the notes of one track, bar by bar."""

    def __init__(self, spec: TrackSpec, groove: Groove, tune: Tune, rng: np.random.Generator):
        self.spec, self.groove, self.tune, self.rng = spec, groove, tune, rng
        self.notes: list[Note] = []
        self.bar_q = METERS[groove.meter][0]
        self.tune_q = (tune.bars * tune.bar // self.bar_q) * self.bar_q
        pitches = [p for _, _, p in tune.melody]
        shift = groove.register("lead") - float(np.median(pitches)) - spec.transpose
        self.lead_shift = 12 * round(shift / 12) + spec.transpose

    def add(self, start: float, length: float, pitch: int, velocity: float, channel: int) -> None:
        jitter = int(self.rng.integers(-5, 6))
        velocity = int(min(max(velocity + jitter, 1), 127))
        self.notes.append(Note(start, length, pitch, velocity, channel))

    def chord(self, tune_pos: float) -> Chord:
        chord = self.tune.chord_at(tune_pos)
        return Chord((chord.root + self.spec.transpose) % 12, chord.minor)

    def bar(self, section: Section, start: float, k: int, *, fill: bool, beat_q: float) -> None:
        layers = set(section.layers.split())
        tune_pos = (section.tune_bar * self.bar_q + k * self.bar_q) % self.tune_q
        base = (k * self.bar_q) % self.groove.length
        gain = section.dynamics
        for role in ("drums", "light", "perc"):
            if role not in layers:
                continue
            for pos, key, vel in getattr(self.groove, role):
                if base <= pos < base + self.bar_q and not (
                    fill and role != "perc" and pos - base >= self.bar_q - beat_q
                ):
                    self.add(start + pos - base, 0.25, key, vel * gain, DRUMS)
        if "drums" in layers and k == 0:
            self.add(start, 1.0, CRASH, 105 * gain, DRUMS)
        if fill and layers & {"drums", "light"}:
            steps = 4 if beat_q == 1.0 else 3
            for i in range(steps):
                pos = self.bar_q - beat_q + i * beat_q / steps
                self.add(start + pos, 0.2, SNARE, (60 + 45 * i / steps) * gain, DRUMS)
        for role in ("bass", "comp", "riff"):
            if role in layers:
                self._figures(role, start, base, tune_pos, gain)
        if "pad" in layers:
            slot = self.tune.slot if self.tune.slot <= self.bar_q else self.bar_q
            for j in range(round(self.bar_q / slot)):
                chord = self.chord(tune_pos + j * slot)
                for pitch in _voice(chord, ("R", "3", "5"), self.groove.register("pad")):
                    self.add(start + j * slot, slot, pitch, 58 * gain, CHANNELS["pad"])
        if "lead" in layers:
            self._melody(self.tune.melody, start, tune_pos, self.lead_shift, 92 * gain, "lead")
        if "score" in layers:
            for voice in self.tune.voices:
                self._melody(voice, start, tune_pos, self.spec.transpose, 80 * gain, "score")

    def _figures(self, role: str, start: float, base: float, tune_pos: float, gain: float) -> None:
        for pos, length, degrees, vel in getattr(self.groove, role):
            if base <= pos < base + self.bar_q:
                chord = self.chord(tune_pos + pos - base)
                for pitch in _voice(chord, degrees, self.groove.register(role)):
                    self.add(start + pos - base, length, pitch, vel * gain, CHANNELS[role])

    def _melody(
        self, notes: tuple, start: float, tune_pos: float, shift: int, vel: float, role: str
    ) -> None:
        for onset, length, pitch in notes:
            if tune_pos <= onset < tune_pos + self.bar_q:
                at = start + onset - tune_pos
                self.add(at, min(length, 4.0) * 0.95, pitch + shift, vel, CHANNELS[role])

    def ending(self, section: Section, at: float) -> None:
        """A final chord on the last downbeat, held for a bar."""
        layers = set(section.layers.split())
        chord = self.chord(0.0)
        if layers & {"drums", "light"}:
            self.add(at, 1.0, KICK, 110, DRUMS)
            self.add(at, 1.0, CRASH, 110, DRUMS)
        roles: list[str] = [r for r in ("bass", "comp", "pad") if r in layers] or ["score"]
        for role in roles:
            degrees = ("R",) if role == "bass" else ("R", "3", "5")
            register = self.groove.register(role) or 48
            for pitch in _voice(chord, degrees, register):
                self.add(at, self.bar_q * 0.95, pitch, 90, CHANNELS[role])


def _voice(chord: Chord, degrees: tuple[str, ...], low: int) -> list[int]:
    """Pitches of `degrees` above the chord's root placed at or above `low`."""
    root = low + (chord.root - low) % 12
    return [root + chord.tone(d) - chord.root for d in degrees]
