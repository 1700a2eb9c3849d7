"""Notes and a tempo map in, a Standard MIDI File out; exact score-time → seconds.

Positions are in quarter notes. The file stores whole ticks and whole microseconds per
quarter, so `TempoMap.seconds` quantises the same way: the ground truth is the time the
synthesiser is told to play, not a rounded approximation of it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TICKS = 960  # per quarter note: 16ths, 8th triplets and 32nds are all whole ticks
DRUMS = 9  # GM percussion channel (10 when counted from 1)


@dataclass(frozen=True)
class Note:
    """One note: start and length in quarter notes, channel 0-based (9 = drums)."""

    start: float
    length: float
    pitch: int
    velocity: int
    channel: int


@dataclass(frozen=True)
class TempoMap:
    """Piecewise-constant tempo: `changes` are (quarter position, quarter-note bpm), first at 0."""

    changes: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        positions = [q for q, _ in self.changes]
        if not positions or positions[0] != 0 or positions != sorted(set(positions)):
            raise ValueError(f"tempo changes must start at 0 and increase, got {positions}")
        if any(not 20 <= bpm <= 400 for _, bpm in self.changes):
            raise ValueError(f"tempo out of 20..400 bpm: {self.changes}")

    @property
    def ticks(self) -> list[int]:
        return [to_ticks(q) for q, _ in self.changes]

    @property
    def usec(self) -> list[int]:
        """Microseconds per quarter note, as written to the file."""
        return [round(60e6 / bpm) for _, bpm in self.changes]

    def seconds(self, quarters: Sequence[float] | np.ndarray) -> np.ndarray:
        """Seconds at which the synthesiser reaches each quarter-note position."""
        starts, usec = self.ticks, self.usec
        origin = [0.0]
        for i in range(1, len(starts)):
            origin.append(origin[-1] + (starts[i] - starts[i - 1]) * usec[i - 1] / TICKS / 1e6)
        out = []
        for q in np.asarray(quarters, dtype=float):
            tick = to_ticks(q)
            i = bisect.bisect_right(starts, tick) - 1
            out.append(origin[i] + (tick - starts[i]) * usec[i] / TICKS / 1e6)
        return np.asarray(out)

    def bpm_at(self, quarter: float) -> float:
        i = bisect.bisect_right(self.ticks, to_ticks(quarter)) - 1
        return 60e6 / self.usec[i]


def to_ticks(quarters: float) -> int:
    return round(quarters * TICKS)


def write_midi(
    path: Path,
    notes: Iterable[Note],
    tempo: TempoMap,
    *,
    programs: dict[int, int],
    volumes: dict[int, int] | None = None,
    end: float,
) -> None:
    """Write a format-1 SMF: a tempo track, then one track per channel.

    `programs` maps channel → GM program (0-based); `end` (quarters) is where every track
    ends, so the renderer keeps going until then and the last notes ring out.
    """
    from music21 import midi

    by_channel: dict[int, list[Note]] = {}
    for note in notes:
        by_channel.setdefault(note.channel, []).append(note)
    mf = midi.MidiFile()
    mf.ticksPerQuarterNote = TICKS
    conductor = midi.MidiTrack(0)
    timed: list[tuple[int, int, midi.MidiEvent]] = []
    for tick, usec in zip(tempo.ticks, tempo.usec, strict=True):
        event = midi.MidiEvent(conductor, type=midi.MetaEvents.SET_TEMPO)
        event.data = midi.putNumber(usec, 3)
        timed.append((tick, 0, event))
    _fill(conductor, timed, to_ticks(end))
    mf.tracks.append(conductor)
    for index, channel in enumerate(sorted(by_channel), start=1):
        track = midi.MidiTrack(index)
        timed = []
        if channel != DRUMS:
            timed.append((0, 0, _voice(track, channel, 0xC0, programs.get(channel, 0), None)))
        timed.append((0, 1, _voice(track, channel, 0xB0, 7, (volumes or {}).get(channel, 100))))
        for note in by_channel[channel]:
            on, off = to_ticks(note.start), to_ticks(note.start + note.length)
            if off <= on:
                raise ValueError(f"note of zero length at {note.start}: {note}")
            timed.append((on, 3, _voice(track, channel, 0x90, note.pitch, note.velocity)))
            timed.append((off, 2, _voice(track, channel, 0x80, note.pitch, 0)))
        _fill(track, timed, to_ticks(end))
        mf.tracks.append(track)
    path.write_bytes(mf.writestr())


def _voice(track: object, channel: int, status: int, one: int, two: int | None) -> object:
    from music21 import midi

    event = midi.MidiEvent(track, type=midi.ChannelVoiceMessages(status), channel=channel + 1)
    event.parameter1 = one
    if two is not None:
        event.parameter2 = two
    return event


def _fill(track: object, timed: list[tuple[int, int, object]], end_tick: int) -> None:
    """Order events (offs before ons at one tick), interleave delta times, end the track."""
    from music21 import midi

    events: list[object] = []
    now = 0
    for tick, _, event in sorted(timed, key=lambda item: (item[0], item[1])):
        events += [midi.DeltaTime(track, time=tick - now), event]
        now = tick
    closing = midi.MidiEvent(track, type=midi.MetaEvents.END_OF_TRACK)
    closing.data = b""
    events += [midi.DeltaTime(track, time=max(end_tick - now, 0)), closing]
    track.events = events  # type: ignore[attr-defined]
