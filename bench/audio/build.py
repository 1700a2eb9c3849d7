"""Build the eval set into a cache folder: MIDI → fluidsynth WAV → ground-truth JSON.

A track is rebuilt only when its spec or the building code changed (a fingerprint in
its JSON). Renders run in up to `jobs` processes. Each JSON also records how well the
rendered audio lines up with the score: the lag of the audio's onset envelope against
the notes' times, and where the first sound starts against the first note.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np

from bench.audio.arrange import VOLUMES, TrackSpec, arrange
from bench.audio.midi import write_midi
from bench.audio.timing import alignment

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SAMPLE_RATE = 44_100
PEAK = 0.89  # -1 dBFS after normalising the float render
TAIL_DB = -60.0  # fluidsynth keeps rendering silence after the end: cut 0.25 s below this
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / (
    "storybeat-bench/audio"
)
_CODE = ("arrange.py", "build.py", "grooves.py", "midi.py", "sources.py", "timing.py")


def fingerprint(spec: TrackSpec) -> str:
    """Changes when the spec or any module that shapes the audio changes."""
    digest = hashlib.sha256(repr(spec).encode())
    for name in _CODE:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def build_set(
    specs: list[TrackSpec],
    cache: Path = DEFAULT_CACHE,
    *,
    jobs: int = 2,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> list[tuple[Path, dict]]:
    """(wav path, truth) per spec, building the missing or stale ones first."""
    cache.mkdir(parents=True, exist_ok=True)
    stale = [s for s in specs if _load(s, cache) is None]
    if stale:
        _require_renderer()
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(stale)))) as pool:
            futures = {pool.submit(build_track, s, cache): s.name for s in stale}
            for done, future in enumerate(as_completed(futures), start=1):
                future.result()
                if on_progress:
                    on_progress(futures[future], done, len(stale))
    built = []
    for spec in specs:
        truth = _load(spec, cache)
        if truth is None:
            raise RuntimeError(f"{spec.name}: built but its truth does not load from {cache}")
        built.append((cache / f"{spec.name}.wav", truth))
    return built


def build_track(spec: TrackSpec, cache: Path) -> dict[str, Any]:
    """Arrange, write MIDI, render, measure alignment, write the truth JSON last."""
    arrangement = arrange(spec)
    midi = cache / f"{spec.name}.mid"
    wav = cache / f"{spec.name}.wav"
    write_midi(
        midi,
        arrangement.notes,
        arrangement.tempo,
        programs=arrangement.programs,
        volumes=VOLUMES,
        end=arrangement.end,
    )
    y = render(midi, wav)
    onsets = arrangement.tempo.seconds(sorted({n.start for n in arrangement.notes}))
    truth: dict[str, Any] = dict(arrangement.truth)
    truth["duration"] = round(len(y) / SAMPLE_RATE, 6)
    truth["sections"][-1]["end"] = truth["duration"]
    truth["alignment"] = alignment(y.mean(axis=1), onsets, float(truth["first_note"]))
    truth["fingerprint"] = fingerprint(spec)
    _atomic_write(cache / f"{spec.name}.json", json.dumps(truth, indent=1).encode())
    return truth


def render(midi: Path, wav: Path) -> np.ndarray:
    """fluidsynth to 32-bit float, peak-normalised to -1 dBFS, silent tail cut, 16-bit WAV."""
    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        cmd = ["fluidsynth", "-ni", "-q", "-r", str(SAMPLE_RATE), "-O", "float"]
        subprocess.run(
            [*cmd, "-F", str(raw), str(SOUNDFONT), str(midi)], check=True, capture_output=True
        )
        y, sr = sf.read(raw, dtype="float32", always_2d=True)
    if sr != SAMPLE_RATE:
        raise RuntimeError(f"fluidsynth wrote {sr} Hz, asked for {SAMPLE_RATE}")
    y *= PEAK / max(float(np.abs(y).max()), 1e-9)
    audible = np.flatnonzero(np.abs(y).max(axis=1) > PEAK * 10 ** (TAIL_DB / 20))
    y = y[: min(len(y), int(audible[-1]) + SAMPLE_RATE // 4)] if audible.size else y
    fd, tmp_wav = tempfile.mkstemp(dir=wav.parent, suffix=".wav")
    os.close(fd)
    sf.write(tmp_wav, y, SAMPLE_RATE, subtype="PCM_16")
    os.replace(tmp_wav, wav)
    return y


def _load(spec: TrackSpec, cache: Path) -> dict | None:
    path, wav = cache / f"{spec.name}.json", cache / f"{spec.name}.wav"
    if not (path.is_file() and wav.is_file()):
        return None
    try:
        truth = json.loads(path.read_text())
    except ValueError:
        return None
    return truth if truth.get("fingerprint") == fingerprint(spec) else None


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _require_renderer() -> None:
    import shutil

    if not (shutil.which("fluidsynth") and SOUNDFONT.is_file()):
        raise RuntimeError("fluidsynth + fluid-soundfont-gm missing: run `make sysdeps`")
