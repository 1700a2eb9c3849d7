"""A quoted clip's instruction as a camera move and strength the video adapter can do.

The `motion` adapter moves a camera over the still; it cannot follow free text, so an
instruction for a clip must name a move ("pan left", "slow push-in"), a strength
("subtler", "more energy") or depth ("more depth", "flat"). Anything else is refused with the
words it understands, rather than silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.errors import AgentInputError

MOVES = {
    "push-in": ("push in", "push-in", "zoom in", "dolly in", "move in", "closer"),
    "pull-out": ("pull out", "pull-out", "pull back", "zoom out", "dolly out", "move out"),
    "pan-left": ("pan left", "pan-left", "pan to the left"),
    "pan-right": ("pan right", "pan-right", "pan to the right"),
    "tilt-up": ("tilt up", "tilt-up", "look up"),
    "tilt-down": ("tilt down", "tilt-down", "look down"),
    "static": ("static", "locked off", "locked-off", "hold still", "still camera", "no move"),
}
CALMER = ("slow", "slower", "subtle", "subtler", "gentle", "gentler", "calm", "calmer", "soft",
          "softer", "less")  # fmt: skip
STRONGER = ("fast", "faster", "strong", "stronger", "energetic", "more", "dramatic", "bigger",
            "punchier", "intense")  # fmt: skip
CALMER_SCALE = 0.6
STRONGER_SCALE = 1.5
FLAT = ("no parallax", "no depth", "without parallax", "without depth", "less depth", "flat",
        "flatter", "flattened")  # fmt: skip
DEEP = ("more depth", "deeper", "parallax", "depth", "layered", "dimensional")


@dataclass(frozen=True)
class MotionNote:
    """The camera move to use (None: keep the planned one) and a factor on its strength."""

    camera: str | None
    strength: float
    parallax: float | None = None
    """1 for "more depth", 0 for "flat"; None keeps the shot's own."""


def parse_motion(instruction: str) -> MotionNote:
    """Read a move and a strength out of ``instruction``; AgentInputError if it has neither."""
    text = " ".join(re.sub(r"[^a-z\- ]", " ", instruction.lower()).split())
    parallax = None
    for value, phrases in ((0.0, FLAT), (1.0, DEEP)):  # "no depth" before "depth"
        phrase = next((p for p in phrases if re.search(rf"\b{p}\b", text)), None)
        if phrase is not None:
            parallax, text = value, re.sub(rf"\b{phrase}\b", " ", text)
            break
    words = set(text.split())
    found = [move for move, phrases in MOVES.items() if any(p in text for p in phrases)]
    if len(found) > 1:
        raise AgentInputError(
            f"the instruction names {len(found)} camera moves ({', '.join(found)}); a clip has one"
        )
    calmer, stronger = bool(words & set(CALMER)), bool(words & set(STRONGER))
    strength = CALMER_SCALE if calmer and not stronger else STRONGER_SCALE if stronger else 1.0
    if not found and strength == 1.0 and parallax is None:
        raise AgentInputError(
            "the motion adapter moves a camera over the frame: say how, e.g. 'slow push in',"
            " 'pan left', 'tilt up', 'static', 'subtler', 'more energy', 'more depth' or"
            " 'flat' (to change what the picture shows, quote the frame instead)"
        )
    return MotionNote(camera=found[0] if found else None, strength=strength, parallax=parallax)
