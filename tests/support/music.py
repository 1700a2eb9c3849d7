"""Real music for tests: a music21 corpus score rendered with fluidsynth + the GM soundfont.

Nothing third-party is stored in the repo: music21 ships the score (public domain
Joplin), Debian ships fluidsynth and FluidR3_GM (MIT). Beat times come from the score.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")


def need_fluidsynth() -> None:
    """Skip locally, fail in CI, when the renderer is missing (`make sysdeps` installs it)."""
    if shutil.which("fluidsynth") and SOUNDFONT.is_file():
        return
    message = "fluidsynth + fluid-soundfont-gm missing: run `make sysdeps`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def render_score(
    out: Path, *, work: str = "joplin/maple_leaf_rag", measures: int = 24, bpm: float = 92.0
) -> list[float]:
    """Render the first `measures` bars of a corpus work to WAV; return quarter-note times."""
    from music21 import bar, corpus, repeat, stream, tempo

    need_fluidsynth()
    score = corpus.parse(work).measures(1, measures)
    for measure in score.recurse().getElementsByClass(stream.Measure):
        for side in ("leftBarline", "rightBarline"):
            if isinstance(getattr(measure, side), bar.Repeat):
                setattr(measure, side, None)
    for mark in list(score.recurse().getElementsByClass(repeat.RepeatExpression)):
        mark.activeSite.remove(mark)
    for mark in score.recurse().getElementsByClass(tempo.MetronomeMark):
        mark.activeSite.remove(mark)
    score.parts[0].measure(1).insert(0, tempo.MetronomeMark(number=bpm))
    midi = out.with_suffix(".mid")
    score.write("midi", fp=str(midi))
    subprocess.run(
        [
            "fluidsynth",
            "-ni",
            "-q",
            "-g",
            "0.9",
            "-r",
            "44100",
            "-F",
            str(out),
            str(SOUNDFONT),
            str(midi),
        ],
        check=True,
        capture_output=True,
    )
    quarters = int(score.highestTime)
    return [q * 60.0 / bpm for q in range(quarters)]
