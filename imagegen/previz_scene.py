"""Scene facts the previz engine needs: location kinds, per-name traits, prompt-derived scenes."""

from __future__ import annotations

import hashlib
import re

from imagegen.request import COMPOSITIONS, TIMES_OF_DAY, ImageRequest, Scene, Subject

LOCATION_KINDS = (
    "rooftop", "street", "city", "desert", "forest", "beach", "club", "studio", "abstract", "plain",
)  # fmt: skip

# Checked in order; the first kind with a matching word wins.
_LOCATION_WORDS: tuple[tuple[str, str], ...] = (
    ("rooftop", r"roof\w*|terrace"),
    ("street", r"street|road|alley|avenue|highway|crosswalk"),
    ("club", r"club|stage|concert|dance\w*|party|festival|rave|gig|arena"),
    ("studio", r"studio|backdrop|cyclorama"),
    ("desert", r"desert|dunes?|sand|canyon"),
    ("forest", r"forest|woods?|jungle|trees?|grove"),
    ("beach", r"beach|ocean|sea|coast|shore|lake|waves?|surf"),
    ("abstract", r"abstract|geometric|void|dream\w*|surreal"),
    ("city", r"city|urban|downtown|skyline|neon|buildings?|town|metropolis"),
)
_TIME_WORDS: tuple[tuple[str, str], ...] = (
    ("dusk", r"dusk|sunset|twilight|evening|golden hour"),
    ("dawn", r"dawn|sunrise|morning|daybreak"),
    ("night", r"night|midnight|neon|moon\w*|dark"),
    ("day", r"day|daylight|noon|sunny|afternoon"),
)
_SHOT_WORDS: tuple[tuple[str, str], ...] = (
    ("extreme-close-up", r"extreme[ -]close[ -]?up|ecu|eyes"),
    ("close-up", r"close[ -]?up|portrait|face"),
    ("insert", r"insert|detail|macro"),
    ("medium", r"medium|waist[ -]up|mid[ -]shot"),
    ("wide", r"wide|establishing|landscape|aerial|long shot"),
)
_PALETTES = (
    ("#1B1F3B", "#FF3E8A", "#37E2D5", "#F7F052"),
    ("#2E1A47", "#F28C28", "#FFD166", "#EF476F"),
    ("#0B3954", "#087E8B", "#BFD7EA", "#FF5A5F"),
    ("#264027", "#6F732F", "#B38A58", "#E8D7A9"),
    ("#3D0C11", "#D72638", "#F5F3F4", "#3F88C5"),
    ("#22223B", "#9A8C98", "#F2E9E4", "#C9ADA7"),
)
# Framings picked for a bare prompt; inserts and extreme close-ups only when the prompt asks.
_PROMPT_SHOTS = ("wide", "medium", "close-up")
CAPTION_WORDS = 12


def _first_match(text: str, table: tuple[tuple[str, str], ...]) -> str | None:
    for kind, words in table:
        if re.search(rf"\b(?:{words})\b", text):
            return kind
    return None


def location_kind(location: str) -> str:
    """Map free-text location (``"neon rooftop at night"``) to one of :data:`LOCATION_KINDS`."""
    return _first_match(location.lower(), _LOCATION_WORDS) or "plain"


def name_digest(name: str) -> bytes:
    """Stable bytes for a subject's name: its look depends on these, never on the seed."""
    return hashlib.sha256(name.strip().lower().encode("utf-8")).digest()


def scene_for(request: ImageRequest) -> Scene:
    """The request's scene, or one derived deterministically from its prompt."""
    if request.scene is not None:
        return request.scene
    prompt = request.prompt.lower()
    digest = hashlib.sha256(request.prompt.encode("utf-8")).digest()
    palette = list(_PALETTES[digest[0] % len(_PALETTES)])
    kind = location_kind(prompt)
    shot = _first_match(prompt, _SHOT_WORDS) or _PROMPT_SHOTS[digest[1] % len(_PROMPT_SHOTS)]
    role = "object" if shot == "insert" else "character"
    words = request.prompt.split()
    caption = " ".join(words[:CAPTION_WORDS]) + ("…" if len(words) > CAPTION_WORDS else "")
    return Scene(
        shot_type=shot,
        subjects=[Subject(name="subject", color=palette[-1], role=role)],
        location="" if kind == "plain" else kind,
        palette=palette[:-1],
        time_of_day=_first_match(prompt, _TIME_WORDS)
        or TIMES_OF_DAY[digest[2] % len(TIMES_OF_DAY)],
        composition=COMPOSITIONS[digest[3] % len(COMPOSITIONS)],
        caption=caption,
    )
