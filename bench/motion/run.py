"""What parallax costs the motion adapter: the same clips with and without it, in one run.

Usage: .venv/bin/python bench/motion/run.py [--size 1280x720] [--frames 72] [--repeat 3]

Draws one previz storyboard frame (deterministic), then renders it with ``MotionAdapter`` for
every camera move at parallax 0 (the baseline: the still moves as one flat picture) and at
parallax 1, alternating which goes first, and reports the median wall time of each. The last
line holds the ratio parallax / flat over all moves.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    from imagegen import get_engine
    from imagegen.request import ImageRequest
    from videogen import ClipRequest, MotionAdapter
    from videogen.request import CAMERA_MOVES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--frames", type=int, default=72)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    adapter = MotionAdapter()
    with tempfile.TemporaryDirectory() as tmp:
        still = Path(tmp) / "frame.png"
        prompt = "Wide shot of a singer on a neon rooftop at night, city lights behind"
        request = ImageRequest(prompt=prompt, width=960, height=544, seed=4)
        get_engine("previz").generate(request).save(still)
        totals = {0.0: 0.0, 1.0: 0.0}
        print(f"{'move':<10} {'flat s':>8} {'parallax s':>11} {'ratio':>6}")
        for move in CAMERA_MOVES:
            times: dict[float, list[float]] = {0.0: [], 1.0: []}
            for k in range(args.repeat):
                order = (0.0, 1.0) if k % 2 == 0 else (1.0, 0.0)
                for parallax in order:
                    clip = ClipRequest(image=still, width=width, height=height, fps=24,
                                       n_frames=args.frames, camera=move, parallax=parallax,
                                       pulses=(0.5, 1.5))  # fmt: skip
                    started = time.perf_counter()
                    adapter.generate(clip, Path(tmp) / "clip.mp4")
                    times[parallax].append(time.perf_counter() - started)
            flat, deep = (statistics.median(times[p]) for p in (0.0, 1.0))
            totals[0.0] += flat
            totals[1.0] += deep
            print(f"{move:<10} {flat:>8.3f} {deep:>11.3f} {deep / flat:>5.2f}x")
        print(
            f"motion {args.size} x{args.frames} frames, all moves: flat {totals[0.0]:.2f} s,"
            f" parallax {totals[1.0]:.2f} s, ratio {totals[1.0] / totals[0.0]:.2f}x"
        )


if __name__ == "__main__":
    main()
