"""Public-domain material from music21's corpus: bar-aligned notes and a chord per slot.

A `Tune` keeps only complete bars (pickups and incomplete bars around repeats are
dropped, repeats are not expanded), so bar k always starts at k × bar length. Chords
come from the lead sheet's chord symbols when there are any, otherwise from a small
diatonic harmoniser over all voices.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

NoteTuple = tuple[float, float, int]  # start, length (quarters), MIDI pitch


@dataclass(frozen=True)
class Chord:
    """A triad: root pitch class 0–11 and quality."""

    root: int
    minor: bool = False

    def tone(self, degree: str) -> int:
        """Semitones above the root's pitch class for R, 3, 5, 7 (minor 7th), 8, 9."""
        third = 3 if self.minor else 4
        steps = {"R": 0, "3": third, "5": 7, "7": 10, "8": 12, "9": 14, "10": 12 + third}
        return self.root + steps[degree]


@dataclass(frozen=True)
class Tune:
    """Complete bars of a corpus work; `voices[0]` is the top part, chords one per `slot`."""

    work: str
    meter: str
    bar: float
    voices: tuple[tuple[NoteTuple, ...], ...]
    chords: tuple[Chord, ...]
    slot: float
    bars: int

    @property
    def melody(self) -> tuple[NoteTuple, ...]:
        """The top voice, one note per onset (the highest of a chord)."""
        top: dict[float, NoteTuple] = {}
        for note in self.voices[0]:
            if note[0] not in top or note[2] > top[note[0]][2]:
                top[note[0]] = note
        return tuple(top[k] for k in sorted(top))

    def chord_at(self, quarter: float) -> Chord:
        """The chord sounding at a position, cycling past the end."""
        index = int((quarter % (self.bars * self.bar)) // self.slot)
        return self.chords[min(index, len(self.chords) - 1)]


@functools.cache
def load_tune(work: str, number: int | None = None, chord_every: float | None = None) -> Tune:
    """Parse a corpus work (`number` picks a tune from an ABC collection).

    Chord symbols are read every half bar (4/4) or bar; without symbols the harmoniser
    picks one chord every `chord_every` quarters (default: a bar of the tune).
    """
    from music21 import corpus, harmony, meter

    score = corpus.parse(work, number=number) if number else corpus.parse(work)
    if hasattr(score, "scores"):
        score = score.scores[0]
    sig = score.recurse().getElementsByClass(meter.TimeSignature).first()
    if sig is None:
        raise ValueError(f"{work}: no time signature")
    bar = float(sig.barDuration.quarterLength)
    keep = [
        i
        for i, m in enumerate(score.parts[0].getElementsByClass("Measure"))
        if float(m.duration.quarterLength) == bar and not m.paddingLeft and not _first_ending(m)
    ]
    parts = list(score.stripTies().parts)  # a tied note sounds once, ties never re-attack
    measures = [list(p.getElementsByClass("Measure")) for p in parts]
    voices: list[list[NoteTuple]] = [[] for _ in parts]
    symbols: list[tuple[float, object]] = []
    for k, i in enumerate(keep):
        for v, part_measures in enumerate(measures):
            if i >= len(part_measures):
                continue
            for element in part_measures[i].recurse().notes:
                start = k * bar + float(element.getOffsetInHierarchy(part_measures[i]))
                length = float(element.duration.quarterLength)
                if isinstance(element, harmony.ChordSymbol):
                    symbols.append((start, element))
                elif length > 0:
                    for p in element.pitches:
                        voices[v].append((start, length, int(p.midi)))
    total = len(keep) * bar
    if symbols:
        slot = bar / 2 if bar == 4.0 else bar
        chords = _from_symbols(sorted(symbols, key=lambda s: s[0]), slot, total)
    else:
        slot = chord_every or bar
        chords = _harmonise(score, voices, slot, total)
    return Tune(
        work=work if number is None else f"{work}#{number}",
        meter=sig.ratioString,
        bar=bar,
        voices=tuple(tuple(sorted(v)) for v in voices if v),
        chords=tuple(chords),
        slot=slot,
        bars=len(keep),
    )


def _first_ending(measure: object) -> bool:
    """A bar under a "1." bracket: played linearly it would double the cadence."""
    brackets = measure.getSpannerSites(["RepeatBracket"])  # type: ignore[attr-defined]
    return any(list(b.numberRange) == [1] for b in brackets)


def _from_symbols(symbols: list[tuple[float, object]], slot: float, total: float) -> list[Chord]:
    chords: list[Chord] = []
    current = Chord(symbols[0][1].root().pitchClass)  # type: ignore[attr-defined]
    for k in range(round(total / slot)):
        for start, symbol in symbols:
            if start <= k * slot:
                kind = symbol.chordKind  # type: ignore[attr-defined]
                current = Chord(symbol.root().pitchClass, "minor" in kind or "dim" in kind)  # type: ignore[attr-defined]
        chords.append(current)
    return chords


def _harmonise(
    score: object, voices: list[list[NoteTuple]], slot: float, total: float
) -> list[Chord]:
    """Best diatonic triad per slot: duration-weighted chord tones, bass note on the root."""
    key = score.analyze("key")  # type: ignore[attr-defined]
    tonic = key.tonic.pitchClass
    if key.mode == "minor":
        candidates = [(0, True), (3, False), (5, True), (7, False), (8, False), (10, False)]
    else:
        candidates = [(0, False), (2, True), (4, True), (5, False), (7, False), (9, True)]
    chords: list[Chord] = []
    previous = Chord(tonic, key.mode == "minor")
    for k in range(round(total / slot)):
        lo, hi = k * slot, (k + 1) * slot
        weight = [0.0] * 12
        bass: int | None = None
        for voice in voices:
            for start, length, pitch in voice:
                overlap = min(hi, start + length) - max(lo, start)
                if overlap > 0:
                    weight[pitch % 12] += overlap * (1.5 if start == lo else 1.0)
        lows = [p for v in voices for s, n, p in v if s <= lo < s + n or lo <= s < hi]
        bass = min(lows) % 12 if lows else None
        best, best_score = previous, -1e9
        for rank, (offset, minor) in enumerate(candidates):
            chord = Chord((tonic + offset) % 12, minor)
            tones = {chord.tone(d) % 12 for d in ("R", "3", "5")}
            fit = sum(w for pc, w in enumerate(weight) if pc in tones)
            fit -= 0.6 * sum(w for pc, w in enumerate(weight) if pc not in tones)
            fit += 0.5 * (bass == chord.root) - 0.01 * rank
            if fit > best_score:
                best, best_score = chord, fit
        if sum(weight) == 0:
            best = previous
        chords.append(best)
        previous = best
    return chords
