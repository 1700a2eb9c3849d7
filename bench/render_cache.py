"""Render the demo track twice into a fresh data dir; print both wall times and the ratio.

The second run reuses the cached analysis, storyboard frames and clips, so only the
export is redone. Usage: .venv/bin/python bench/render_cache.py [--resolution 720p]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resolution", default="720p")
    args = parser.parse_args()
    from audio.demo import synthesize_demo

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        track = root / "demo.wav"
        synthesize_demo(track)
        env = {**os.environ, "STORYBEAT_DATA_DIR": str(root / "data")}
        times = []
        for name in ("first", "second"):
            cmd = [
                sys.executable,
                "-m",
                "agent.cli",
                "render",
                str(track),
                "--resolution",
                args.resolution,
                "-o",
                str(root / f"{name}.mp4"),
            ]
            start = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            if proc.returncode != 0:
                sys.exit(proc.stderr)
            stats = [ln for ln in proc.stderr.splitlines() if " made, " in ln]
            print(f"{name:>6} render: {times[-1]:6.1f} s  ({'; '.join(s[11:] for s in stats)})")
    print(
        f"second / first wall time: {times[1] / times[0]:.2f} "
        f"(first is {times[0] / times[1]:.1f}x slower)"
    )


if __name__ == "__main__":
    main()
