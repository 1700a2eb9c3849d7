"""Time the FLUX.2 engine against the diffusers pipelines on a CPU-sized storyboard.

Usage: .venv/bin/python bench/imagegen/run.py [--frames 24] [--size 256] [--refs 4]
       [--variant klein|klein-kv|all] [--steps 4] [--threads 1] [--json results.json]

Builds the "small" random pipelines of bench/imagegen/components.py and draws --refs reference
images of --size px. For each variant: one untimed warm-up frame through diffusers (it warms
the modules both sides share), the diffusers loop over the storyboard (one pipeline call per
frame), then `Flux2Engine.generate_many` over the same storyboard on the same components.
Prints seconds per frame, the ratio diffusers/engine, the largest pixel difference between the
two (0 = identical) and the engine's cache counts. The last line holds the ratios.

The small model's proportions are not the full-size ones (its VAE weighs more against the
transformer), so these ratios say what the engine's caches save here, not on a GPU: gpu.py
measures that.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.imagegen import components, storyboard

VARIANTS = components.KINDS


def bench_variant(variant: str, frames: list, *, seed: int = 0) -> dict:
    """Diffusers loop and engine on ``frames`` with one set of random components."""
    from imagegen.flux2 import Flux2Engine

    spec = components.scale("small")
    pipe = components.build_pipeline("small", variant, seed=seed)
    refs = [storyboard.open_rgb(p) for p in frames[0].references]
    warm = frames[0].model_copy(update={"prompt": "warm-up frame", "seed": 10_000})
    start = time.perf_counter()
    storyboard.diffusers_call(pipe, warm, refs, max_tokens=spec.max_tokens, layers=spec.text_layers)
    warm_s = time.perf_counter() - start
    engine = Flux2Engine.from_pipeline(
        pipe, variant, device="cpu", max_tokens=spec.max_tokens, text_layers=spec.text_layers
    )
    theirs, ours = storyboard.run_interleaved(
        pipe, engine, frames, max_tokens=spec.max_tokens, layers=spec.text_layers
    )
    return {
        "variant": variant,
        "frames": len(frames),
        "warm_up_s": round(warm_s, 3),
        "diffusers_s_per_frame": round(theirs.per_frame, 4),
        "engine_s_per_frame": round(ours.per_frame, 4),
        "ratio": round(theirs.per_frame / ours.per_frame, 3),
        "diffusers_median_s_per_frame": round(theirs.projected(), 4),
        "engine_median_s_per_frame": round(ours.projected(), 4),
        "median_ratio": round(theirs.projected() / ours.projected(), 3),
        "diffusers_cpu_s_per_frame": round(theirs.cpu_per_frame, 4),
        "engine_cpu_s_per_frame": round(ours.cpu_per_frame, 4),
        "cpu_ratio": round(theirs.cpu_per_frame / ours.cpu_per_frame, 3),
        "engine_first_frame_s": round(ours.frame_seconds[0], 4),
        "pixels": storyboard.pixel_diff(theirs.images, ours.images),
        "pixel_std_frame0": storyboard.pixel_spread(ours.images[0]),
        "cache_stats": engine.cache_stats,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=24, help="storyboard frames")
    parser.add_argument("--size", type=int, default=256, help="output and reference side, px")
    parser.add_argument("--refs", type=int, default=4, help="reference images shared by frames")
    parser.add_argument("--variant", choices=[*VARIANTS, "all"], default="all")
    parser.add_argument("--steps", type=int, default=4, help="denoising steps")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (default 1: with 2 threads, other work on a 2-core machine"
        " makes frame times swing 5-10x while OpenMP threads wait for each other)",
    )
    args = parser.parse_args(argv)
    if args.frames < 1 or args.refs < 0 or args.size % 16:
        parser.error("--frames must be ≥ 1, --refs ≥ 0 and --size a multiple of 16")
    import torch

    torch.set_num_threads(args.threads)
    variants = VARIANTS if args.variant == "all" else (args.variant,)
    spec = components.scale("small")
    print(
        f"FLUX.2 engine vs diffusers, CPU (torch threads={torch.get_num_threads()}, torch"
        f" {torch.__version__}): {args.frames} frames of {args.size}x{args.size}, {args.refs}"
        f" references of {args.size}x{args.size}, {args.steps} steps, {spec.max_tokens} text"
        f" tokens, 'small' random components; load average {os.getloadavg()[0]:.1f}\n"
    )
    start = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        refs = storyboard.make_references(Path(tmp), args.refs, args.size)
        frames = storyboard.requests(args.frames, args.size, refs, steps=args.steps)
        for variant in variants:
            row = bench_variant(variant, frames)
            rows.append(row)
            print(_describe(row), flush=True)
    total = time.perf_counter() - start
    print(f"\ntotal {total:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"total_s": round(total, 1), "runs": rows}, indent=1))
    ratios = ", ".join(
        f"{r['variant']} {r['ratio']:.2f}x (median-based {r['median_ratio']:.2f}x,"
        f" CPU time {r['cpu_ratio']:.2f}x)"
        for r in rows
    )
    print(f"ratios diffusers/engine per frame over {args.frames} frames: {ratios}")


def _describe(row: dict) -> str:
    px = row["pixels"]
    same = "identical" if px["max"] == 0 else f"DIFFERENT (mean |Δ| {px['mean']})"
    return "\n".join(
        [
            f"{row['variant']}:           diffusers   engine   ratio",
            f"  wall s/frame    {row['diffusers_s_per_frame']:9.3f}"
            f" {row['engine_s_per_frame']:8.3f} {row['ratio']:6.2f}x   (total / frames)",
            f"  median-based    {row['diffusers_median_s_per_frame']:9.3f}"
            f" {row['engine_median_s_per_frame']:8.3f} {row['median_ratio']:6.2f}x"
            "   (first frame + median of the rest: spikes from other load left out)",
            f"  CPU s/frame     {row['diffusers_cpu_s_per_frame']:9.3f}"
            f" {row['engine_cpu_s_per_frame']:8.3f} {row['cpu_ratio']:6.2f}x   (process CPU time)",
            f"  engine's first frame {row['engine_first_frame_s']:.3f} s (encodes every prompt,"
            " the references and, for klein-kv, their K/V)",
            f"  pixels: max |Δ| {px['max']} over {px['frames']} frames: {same};"
            f" frame 0 pixel std {row['pixel_std_frame0']} (not blank)",
            f"  cache_stats {row['cache_stats']}",
            f"  load average after: {row['load_average']}",
        ]
    )


if __name__ == "__main__":
    main()
