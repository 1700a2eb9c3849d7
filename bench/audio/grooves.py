"""Arrangement styles: GM drum patterns, bass and comping figures per genre.

Positions are quarter notes from the start of a pattern (one or two bars long). Drum
hits are (position, GM key, velocity); pitched figures are (position, length, chord
degrees, velocity) with degrees as understood by `sources.Chord.tone`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Hit = tuple[float, int, int]
Figure = tuple[float, float, tuple[str, ...], int]

# meter → (quarters per bar, quarters per beat); in 6/8 the beat is the dotted quarter
METERS: dict[str, tuple[float, float]] = {
    "4/4": (4.0, 1.0),
    "3/4": (3.0, 1.0),
    "6/8": (3.0, 1.5),
    "2/4": (2.0, 1.0),
}
# GM percussion keys
KICK, STICK, SNARE, CLAP, CLOSED, PEDAL, OPEN = 36, 37, 38, 39, 42, 44, 46
LOW_TOM, HIGH_TOM, CRASH, RIDE, TAMB, COWBELL = 45, 50, 49, 51, 54, 56
MUTE_CONGA, OPEN_CONGA, LOW_CONGA, MARACAS, CLAVES = 62, 63, 64, 70, 75


def hits(key: int, velocity: int, *positions: float) -> tuple[Hit, ...]:
    return tuple((p, key, velocity) for p in positions)


def grid(key: int, step: float, length: float, strong: int, weak: int) -> tuple[Hit, ...]:
    """A hit every `step`, louder on the beat grid of quarter notes."""
    count = round(length / step)
    return tuple((i * step, key, strong if (i * step) % 1 == 0 else weak) for i in range(count))


def figures(length: float, degrees: str, velocity: int, *positions: float) -> tuple[Figure, ...]:
    return tuple((p, length, tuple(degrees.split()), velocity) for p in positions)


@dataclass(frozen=True)
class Groove:
    """One genre's patterns; roles: drums, light, perc, bass, comp, riff, pad, lead, score."""

    meter: str
    length: float
    drums: tuple[Hit, ...] = ()
    light: tuple[Hit, ...] = ()
    perc: tuple[Hit, ...] = ()
    bass: tuple[Figure, ...] = ()
    comp: tuple[Figure, ...] = ()
    riff: tuple[Figure, ...] = ()
    programs: dict[str, int] = field(default_factory=dict)
    registers: dict[str, int] = field(default_factory=dict)

    def program(self, role: str) -> int:
        return self.programs.get(role, DEFAULT_PROGRAMS[role])

    def register(self, role: str) -> int:
        """Lowest pitch a chord root may take in this role (lead: melody centre)."""
        return self.registers.get(role, DEFAULT_REGISTERS[role])


DEFAULT_PROGRAMS = {"bass": 33, "comp": 0, "riff": 0, "pad": 48, "lead": 73, "score": 0}
DEFAULT_REGISTERS = {"bass": 33, "comp": 55, "riff": 60, "pad": 53, "lead": 74, "score": 0}
ARPEGGIO = "R 5 8 10 8 5"
EIGHTHS = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5)

GROOVES: dict[str, Groove] = {
    "rock": Groove(
        "4/4",
        4.0,
        drums=hits(KICK, 112, 0, 2, 2.5) + hits(SNARE, 110, 1, 3) + grid(CLOSED, 0.5, 4, 92, 70),
        light=hits(KICK, 85, 0, 2) + hits(STICK, 70, 1, 3) + grid(CLOSED, 0.5, 4, 70, 50),
        bass=figures(0.45, "R", 95, *EIGHTHS),
        comp=figures(1.9, "R 5 8", 88, 0, 2),
        programs={"bass": 34, "comp": 30, "lead": 29, "pad": 18},
        registers={"comp": 40, "lead": 67},
    ),
    "punk": Groove(
        "4/4",
        4.0,
        drums=hits(KICK, 115, 0, 2) + hits(SNARE, 112, 1, 3) + grid(CLOSED, 0.5, 4, 95, 72),
        light=hits(KICK, 90, 0, 2) + grid(CLOSED, 1.0, 4, 80, 80),
        bass=figures(0.4, "R", 100, *EIGHTHS),
        comp=figures(0.4, "R 5 8", 90, *EIGHTHS),
        programs={"bass": 34, "comp": 30, "lead": 30, "pad": 18},
        registers={"comp": 40, "lead": 69},
    ),
    "pop": Groove(
        "4/4",
        4.0,
        drums=hits(KICK, 110, 0, 1.5, 2.5)
        + hits(SNARE, 100, 1, 3)
        + hits(CLAP, 80, 1, 3)
        + grid(CLOSED, 0.5, 4, 85, 60),
        light=hits(KICK, 85, 0, 2.5) + grid(CLOSED, 0.5, 4, 65, 45),
        perc=hits(TAMB, 70, 1, 3) + grid(MARACAS, 0.25, 4, 50, 35),
        bass=figures(1.4, "R", 95, 0)
        + figures(0.45, "R", 85, 1.5)
        + figures(0.9, "5", 90, 2)
        + figures(0.45, "R", 85, 3)
        + figures(0.45, "8", 85, 3.5),
        comp=figures(0.9, "R 3 5", 75, 0, 1, 2, 3),
        programs={"lead": 80, "pad": 89},
    ),
    "funk": Groove(
        "4/4",
        4.0,
        drums=hits(KICK, 112, 0, 0.75, 2.5, 3.25)
        + hits(SNARE, 110, 1, 3)
        + hits(SNARE, 38, 1.75, 2.25, 3.75)
        + grid(CLOSED, 0.25, 3.5, 88, 52)
        + hits(OPEN, 80, 3.5),
        light=hits(KICK, 90, 0, 2.5) + hits(SNARE, 35, 1.75, 3.75) + grid(CLOSED, 0.25, 4, 70, 40),
        bass=figures(0.35, "R", 105, 0, 1.5, 2.5)
        + figures(0.2, "8", 95, 0.75, 3.5)
        + figures(0.2, "7", 90, 2.25)
        + figures(0.2, "5", 90, 3.25),
        comp=figures(0.15, "3 5 7", 80, 0.5, 1.25, 2.0, 2.75, 3.5),
        riff=figures(0.3, "R 3 5", 100, 0.75, 2.5),
        programs={"bass": 36, "comp": 28, "riff": 61, "lead": 65, "pad": 16},
        registers={"comp": 60, "riff": 62, "bass": 28},
    ),
    "hiphop": Groove(
        "4/4",
        4.0,
        drums=hits(KICK, 115, 0, 0.75, 2.5) + hits(SNARE, 110, 1, 3) + grid(CLOSED, 0.5, 4, 80, 60),
        light=hits(KICK, 95, 0, 2.5) + grid(CLOSED, 0.5, 4, 60, 45),
        bass=figures(0.7, "R", 105, 0) + figures(0.2, "R", 90, 0.75) + figures(1.4, "5", 95, 2.5),
        comp=figures(1.9, "R 3 5 7", 70, 0, 2),
        programs={"bass": 38, "comp": 4, "lead": 11, "pad": 48},
        registers={"bass": 28},
    ),
    "reggae": Groove(
        "4/4",
        4.0,
        drums=hits(KICK, 105, 2) + hits(STICK, 100, 2) + grid(CLOSED, 0.5, 4, 75, 55),
        light=hits(STICK, 80, 2) + grid(CLOSED, 0.5, 4, 55, 40),
        perc=hits(OPEN, 60, 3.5),
        bass=figures(0.9, "R", 105, 0) + figures(0.4, "5", 95, 1.5) + figures(0.9, "8", 95, 2.5),
        comp=figures(0.3, "R 3 5", 85, 1, 3),
        riff=figures(0.2, "R 5", 55, 0.5, 1.5, 2.5, 3.5),
        programs={"comp": 27, "riff": 16, "lead": 66, "pad": 16},
        registers={"riff": 55},
    ),
    "bossa": Groove(
        "4/4",
        8.0,
        drums=hits(KICK, 80, 0, 1.5, 2, 3.5, 4, 5.5, 6, 7.5)
        + hits(STICK, 85, 0, 1.5, 3, 5, 6.5)
        + grid(CLOSED, 0.5, 8, 55, 40),
        light=hits(STICK, 75, 0, 1.5, 3, 5, 6.5) + grid(MARACAS, 0.5, 8, 50, 35),
        bass=figures(1.4, "R", 90, 0, 4)
        + figures(0.5, "5", 80, 1.5, 5.5)
        + figures(1.4, "5", 85, 2, 6)
        + figures(0.45, "R", 80, 3.5, 7.5),
        comp=figures(0.45, "3 5 7 9", 70, 0, 1.5, 2.5, 3.5, 5, 6.5),
        programs={"bass": 32, "comp": 24, "lead": 65, "pad": 89},
    ),
    "son": Groove(
        "4/4",
        8.0,
        drums=hits(KICK, 85, 1.5, 3, 5.5, 7)
        + grid(COWBELL, 1.0, 8, 85, 85)
        + hits(LOW_TOM, 70, 3.5),
        light=hits(STICK, 60, 1, 3, 5, 7),
        perc=hits(CLAVES, 95, 0, 1.5, 3, 5, 6)
        + hits(MUTE_CONGA, 75, 1, 5)
        + hits(OPEN_CONGA, 90, 3, 3.5, 7, 7.5)
        + hits(LOW_CONGA, 80, 2.5, 6.5),
        bass=figures(1.4, "5", 100, 1.5, 5.5) + figures(0.9, "R", 100, 3, 7),
        riff=figures(0.4, "R 8", 80, 0, 1.5, 3, 4.5, 6)
        + figures(0.4, "3 5", 70, 0.5, 1, 2, 2.5, 3.5, 5, 5.5, 6.5, 7, 7.5),
        programs={"riff": 0, "lead": 56, "pad": 61},
        registers={"riff": 60},
    ),
    "house": Groove(
        "4/4",
        4.0,
        drums=hits(KICK, 118, 0, 1, 2, 3)
        + hits(CLAP, 100, 1, 3)
        + hits(OPEN, 85, 0.5, 1.5, 2.5, 3.5)
        + hits(CLOSED, 45, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.25, 3.75),
        light=hits(CLAP, 80, 1, 3) + hits(CLOSED, 60, 0.5, 1.5, 2.5, 3.5),
        bass=figures(0.4, "R", 105, 0.5, 1.5, 2.5) + figures(0.4, "8", 100, 3.5),
        comp=figures(0.3, "R 3 5 8", 80, 0, 0.75, 1.5, 2.5, 3.25),
        programs={"bass": 38, "comp": 90, "lead": 81, "pad": 89},
        registers={"bass": 28},
    ),
    "synthpop": Groove(
        "4/4",
        4.0,
        drums=hits(KICK, 112, 0, 2, 2.5)
        + hits(SNARE, 100, 1, 3)
        + hits(CLAP, 90, 1, 3)
        + grid(CLOSED, 0.25, 4, 75, 45),
        light=hits(KICK, 90, 0, 2) + grid(CLOSED, 0.5, 4, 60, 45),
        bass=figures(0.4, "R", 100, *EIGHTHS),
        riff=figures(0.2, "R", 70, 0, 1, 2, 3)
        + figures(0.2, "3", 60, 0.25, 1.25, 2.25, 3.25)
        + figures(0.2, "5", 60, 0.5, 1.5, 2.5, 3.5)
        + figures(0.2, "8", 60, 0.75, 1.75, 2.75, 3.75),
        programs={"bass": 39, "riff": 80, "lead": 81, "pad": 90},
        registers={"riff": 60, "bass": 28},
    ),
    "ballad": Groove(
        "4/4",
        4.0,
        drums=hits(KICK, 95, 0, 2.5) + hits(SNARE, 85, 1, 3) + grid(CLOSED, 0.5, 4, 55, 40),
        light=hits(KICK, 70, 0) + hits(STICK, 55, 1, 3) + grid(CLOSED, 1.0, 4, 40, 40),
        bass=figures(1.9, "R", 85, 0) + figures(1.9, "5", 80, 2),
        comp=tuple(
            (i * 0.5, 0.9, (d,), 68 if i % 4 == 0 else 55)
            for i, d in enumerate((ARPEGGIO + " R 5").split())
        ),
        programs={"lead": 71, "pad": 49},
        registers={"comp": 48},
    ),
    "waltz": Groove(
        "3/4",
        6.0,
        drums=hits(KICK, 85, 0, 3) + hits(SNARE, 55, 1, 2, 4, 5) + grid(CLOSED, 1.0, 6, 55, 55),
        perc=hits(TAMB, 55, 1, 2, 4, 5),
        bass=figures(0.9, "R", 95, 0) + figures(0.9, "5", 90, 3),
        comp=figures(0.5, "R 3 5", 70, 1, 2, 4, 5),
        programs={"bass": 58, "comp": 21, "lead": 40, "pad": 48},
        registers={"bass": 36, "comp": 60, "lead": 76},
    ),
    "waltz_ballad": Groove(
        "3/4",
        3.0,
        drums=hits(KICK, 95, 0) + hits(SNARE, 75, 1, 2) + grid(CLOSED, 0.5, 3, 60, 40),
        light=hits(KICK, 70, 0) + grid(RIDE, 1.0, 3, 55, 55),
        bass=figures(2.8, "R", 90, 0),
        comp=tuple(
            (i * 0.5, 0.9, (d,), 66 if i == 0 else 52) for i, d in enumerate(ARPEGGIO.split())
        ),
        programs={"comp": 0, "lead": 68, "pad": 49},
        registers={"comp": 48},
    ),
    "jig": Groove(
        "6/8",
        3.0,
        drums=hits(LOW_TOM, 110, 0) + hits(LOW_TOM, 95, 1.5) + hits(HIGH_TOM, 55, 0.5, 1, 2, 2.5),
        light=hits(LOW_TOM, 80, 0) + grid(MARACAS, 0.5, 3, 50, 35),
        bass=figures(1.4, "R", 95, 0) + figures(1.4, "5", 85, 1.5),
        comp=figures(0.45, "R 3 5 8", 78, 0, 1.5) + figures(0.45, "3 5 8", 58, 1, 2.5),
        programs={"bass": 32, "comp": 25, "lead": 40, "pad": 21},
        registers={"lead": 76},
    ),
    "jig_rock": Groove(
        "6/8",
        3.0,
        drums=hits(KICK, 112, 0, 2.5) + hits(SNARE, 108, 1.5) + grid(CLOSED, 0.5, 3, 85, 60),
        light=hits(KICK, 85, 0) + grid(CLOSED, 0.5, 3, 60, 42),
        bass=figures(0.45, "R", 100, 0, 0.5, 1, 1.5, 2, 2.5),
        comp=figures(1.4, "R 5 8", 88, 0, 1.5),
        programs={"bass": 34, "comp": 30, "lead": 40, "pad": 18},
        registers={"comp": 40, "lead": 76},
    ),
    "ballad68": Groove(
        "6/8",
        3.0,
        drums=hits(KICK, 95, 0)
        + hits(KICK, 70, 2.5)
        + hits(SNARE, 85, 1.5)
        + grid(CLOSED, 0.5, 3, 52, 40),
        light=hits(KICK, 65, 0) + grid(CLOSED, 0.5, 3, 40, 30),
        bass=figures(1.4, "R", 85, 0) + figures(1.4, "5", 78, 1.5),
        comp=tuple(
            (i * 0.5, 0.9, (d,), 66 if i in (0, 3) else 52) for i, d in enumerate(ARPEGGIO.split())
        ),
        programs={"lead": 71, "pad": 49},
        registers={"comp": 48},
    ),
    "bembe": Groove(
        "6/8",
        6.0,
        drums=hits(KICK, 95, 0, 1.5, 3, 4.5) + grid(MARACAS, 0.5, 6, 60, 40),
        light=grid(MARACAS, 0.5, 6, 55, 35),
        perc=hits(COWBELL, 90, 0, 1, 2, 2.5, 3.5, 4.5, 5.5)
        + hits(OPEN_CONGA, 85, 1.5, 4.5)
        + hits(MUTE_CONGA, 65, 0.5, 2, 3.5, 5),
        bass=figures(0.9, "R", 95, 0, 3) + figures(0.9, "5", 85, 1.5, 4.5),
        comp=figures(0.4, "R 3 5", 70, 1, 2.5, 4, 5.5),
        programs={"bass": 32, "comp": 24, "lead": 73, "pad": 89},
    ),
    "stride": Groove(
        "4/4",
        4.0,
        bass=figures(0.8, "R 8", 95, 0) + figures(0.8, "5 10", 88, 2),
        comp=figures(0.7, "R 3 5", 72, 1, 3),
        riff=figures(0.35, "3 5 8", 92, 0.5, 1.5, 2.75, 3.5),
        programs={"bass": 0, "comp": 0, "riff": 0, "lead": 0, "pad": 0},
        registers={"bass": 31, "comp": 53, "riff": 67, "lead": 77},
    ),
    "rag": Groove("2/4", 2.0, programs={"score": 0}),
}
