"""Speed of a full `audio.analyze` on a 4-minute track: cold (fresh process) and warm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
_PROBE = """
import json, sys, time
t0 = time.perf_counter()
import audio
t1 = time.perf_counter()
audio.analyze(sys.argv[1])
t2 = time.perf_counter()
first_done = time.time()
audio.analyze(sys.argv[1])
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_s": t2 - t1, "warm_s": t3 - t2, "at": first_done}))
"""


def loop_to(source: Path, out: Path, seconds: float = 240.0) -> Path:
    """Repeat a WAV end to end until it lasts `seconds`; reused while newer than `source`."""
    import soundfile as sf

    if out.is_file() and out.stat().st_mtime >= source.stat().st_mtime:
        return out
    y, sr = sf.read(source, dtype="float32", always_2d=True)
    reps = int(np.ceil(seconds * sr / len(y)))
    sf.write(out, np.concatenate([y] * reps)[: round(seconds * sr)], sr, subtype="PCM_16")
    return out


def time_analysis(path: Path) -> dict[str, float]:
    """Run a fresh interpreter: import time, first (cold) and second (warm) analyze().

    `cold_s` runs from spawning the process to the first result: interpreter start,
    imports, first-use compilation and the analysis itself.
    """
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    spawned = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if proc.returncode != 0:
        raise RuntimeError(f"speed probe failed: {proc.stderr.strip()[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["cold_s"] = result.pop("at") - spawned
    return result
