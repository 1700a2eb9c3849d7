"""FLUX.2 engine vs the diffusers pipelines at full size on one GPU (random bf16 weights).

Usage, from the repository root: python bench/imagegen/gpu.py [--frames 24]
    [--diffusers-frames 8] [--approx-frames 4] [--budget 420] [--only klein-4b klein-9b]
TINY=1 runs the same code on the CPU with the "small" components, 128 px, 2 frames and one thread,
compiling for the first model only (a smoke test).
Results go to $OUT/imagegen_gpu_bench.json (OUT defaults to "."), rewritten after every part.

Parts, each a storyboard of --frames frames (distinct prompts, seeds 0..N-1) sharing its
references; 1024x1024 output, 1024x1024 references, 4 steps, 512 text tokens:
  klein-4b       4 refs   Flux2KleinPipeline (distilled)   target >= 1.5x
  klein-9b-kv    4 refs   Flux2KleinKVPipeline             target >= 2.5x
  klein-9b-kv   10 refs   Flux2KleinKVPipeline
A model (transformer, Qwen3 text encoder, VAE) is built once, in bf16 directly on the GPU, and
freed (gc + empty_cache) before the next.

Exact techniques, per part: one untimed diffusers frame (it warms the modules the engine shares),
the diffusers loop over the first --diffusers-frames frames, then the eager engine over all
--frames frames. Printed: seconds per frame of each, the ratio, and the largest pixel difference
over the frames both made (0 = identical). Diffusers keeps nothing from one frame to the next,
so its seconds per frame over 8 frames are its seconds per frame over 24; the engine's savings
(reference latents and K/V made once) are spread over all --frames, as in a real storyboard.

Approximate techniques, on each model's 4-reference part after its exact parts: the engine with
compile=True, then fp8 (torchao, with compile; only when torchao imports). Each is compiled on a
warm-up frame with other references (compile time printed), then timed on --approx-frames frames;
seconds per frame are projected to --frames (its first frame, then its median later frame), and
drift is the max / mean abs pixel difference from the eager engine's frames. fp8 rewrites the
weights in place, so it runs last.

Time budget: --budget seconds from start (default 420: under 8 minutes on an H100 with start-up
and imports). After each warm-up frame the script prints its estimate of what is left (anchor
timings rescaled by the measured frames). The diffusers loop stops early, after at least 3 frames,
once one more frame would leave too little for the rest (the later parts assumed to get as many);
then the engine's frames are lowered likewise (not below 6). An approximate technique runs only
if its estimate leaves the later models' exact parts all their frames. Every cut is printed and
recorded in the JSON. With the default budget that is likely the first model's compile only:
`--only klein-9b` measures klein-9b's approximations in a run of its own.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.imagegen import components, storyboard
from bench.imagegen.plan import APPROX_SPEED, BUILD_S, MIN_DIFFUSERS, PARTS, Budget, Part

STARTED = time.perf_counter()
TINY = os.environ.get("TINY") == "1"
OUT = Path(os.environ.get("OUT", "."))
RESULTS = "imagegen_gpu_bench.json"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=2 if TINY else 24)
    parser.add_argument("--diffusers-frames", type=int, default=2 if TINY else 8)
    parser.add_argument("--approx-frames", type=int, default=2 if TINY else 4)
    parser.add_argument("--budget", type=float, default=float("inf") if TINY else 420.0)
    parser.add_argument("--size", type=int, default=128 if TINY else 1024)
    parser.add_argument("--only", nargs="+", choices=sorted(BUILD_S), help="models to run")
    parser.add_argument("--no-approx", action="store_true", help="exact techniques only")
    args = parser.parse_args(argv)
    import torch

    cuda = not TINY
    if cuda and not torch.cuda.is_available():
        raise SystemExit("no CUDA device: run with TINY=1 for the CPU smoke test")
    if TINY:
        torch.set_num_threads(1)  # steady on a shared CPU (see run.py --threads)
    bench = Bench(args, budget=Budget(STARTED, args.budget), device="cuda" if cuda else "cpu")
    parts = [p for p in PARTS if not args.only or p.model in args.only]
    with tempfile.TemporaryDirectory() as tmp:
        refs = storyboard.make_references(Path(tmp) / "refs", 10, args.size)
        warm_refs = storyboard.make_references(Path(tmp) / "warm", 4, args.size, seed=1)
        models = list(dict.fromkeys(p.model for p in parts))
        for index, model in enumerate(models):
            later = [p for p in parts if p.model in models[index + 1 :]]
            approx = not args.no_approx and not (TINY and index > 0)  # TINY: compile once
            own = [p for p in parts if p.model == model]
            bench.run_model(model, own, later, refs, warm_refs, approx=approx)
    bench.finish()


class Bench:
    """Runs the parts of each model and keeps the results."""

    def __init__(self, args: argparse.Namespace, *, budget: Budget, device: str) -> None:
        import diffusers
        import torch
        import transformers

        self.args = args
        self.budget = budget
        self.device = device
        self.sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
        self.built: set[str] = set()
        self.results: dict[str, Any] = {
            "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu (TINY=1)",
            "torch": torch.__version__,
            "diffusers": diffusers.__version__,
            "transformers": transformers.__version__,
            "torchao": _torchao_version(),
            "settings": {**vars(args), "tiny": TINY, "steps": 4},
            "models": {},
            "parts": [],
            "approximate": [],
            "cuts": [],
        }
        self.eager: dict[str, list[Any]] = {}  # part name → eager engine frames
        print(
            f"FLUX.2 engine vs diffusers on {self.results['device']} (torch {torch.__version__},"
            f" diffusers {diffusers.__version__}); {args.size}x{args.size}, 4 steps,"
            f" {args.frames} frames; budget {args.budget:.0f} s",
            flush=True,
        )

    # -- one model ---------------------------------------------------------------------------

    def run_model(
        self,
        model: str,
        parts: list[Part],
        later: list[Part],
        refs: list[Path],
        warm_refs: list[Path],
        *,
        approx: bool,
    ) -> None:
        import torch

        scale = "small" if TINY else model
        spec = components.scale(scale)
        if self.device == "cuda":
            torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        info: dict[str, Any] = {}
        self.results["models"][model] = info
        self.built.add(model)
        try:
            pipe = components.build_pipeline(
                scale,
                parts[0].variant,
                device=self.device,
                dtype=torch.bfloat16 if self.device == "cuda" else torch.float32,
            )
            self.sync()
        except Exception as exc:  # OOM and the like: record it and go on with the next model
            info["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
            print(f"\n{model}: build FAILED {info['error']}", flush=True)
            traceback.print_exc()
            _free(self.device)
            return
        built_s = time.perf_counter() - start
        info.update(build_s=round(built_s, 1), weights_gb=components.weights_gb(pipe))
        print(f"\n{model}: built in {built_s:.1f} s, weights {info['weights_gb']} GB", flush=True)
        try:
            for index, part in enumerate(parts):
                self.run_part(pipe, spec, part, parts[index + 1 :] + later, refs[: part.refs])
            if not approx and not self.args.no_approx:
                print("  approximate techniques: TINY compiles for the first model only")
            if approx:
                first = parts[0]
                for technique in ("compile", "fp8"):
                    self.run_approx(pipe, spec, first, technique, later, refs, warm_refs)
        finally:
            if self.device == "cuda":
                info["peak_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 1)
            del pipe
            self.eager.clear()
            torch._dynamo.reset()  # drop graphs compiled for this model's blocks
            _free(self.device)
            self.save()

    # -- exact techniques ----------------------------------------------------------------------

    def run_part(
        self, pipe: Any, spec: components.Scale, part: Part, rest: list[Part], refs: list[Path]
    ) -> None:
        from imagegen.flux2 import Flux2Engine

        row: dict[str, Any] = {"part": part.name, "target": part.target}
        self.results["parts"].append(row)
        frames = storyboard.requests(self.args.frames, self.args.size, refs)
        try:
            images = [storyboard.open_rgb(p) for p in refs]
            warm = frames[0].model_copy(update={"prompt": "warm-up frame", "seed": 10_000})
            start = time.perf_counter()
            storyboard.diffusers_call(
                pipe, warm, images, max_tokens=spec.max_tokens, layers=spec.text_layers
            )
            self.sync()
            warm_s = time.perf_counter() - start
            self.budget.speed = warm_s / part.diffusers_s
            asked, frames_asked = self.args.diffusers_frames, self.args.frames
            estimate = self.budget.exact_cost([part, *rest], self.built, asked, frames_asked)
            print(
                f"  {part.name}: warm-up diffusers frame {warm_s:.2f} s (anchor estimate"
                f" {part.diffusers_s:.2f} s); exact parts left ≈ {estimate:.0f} s,"
                f" {self.budget.left():.0f} s left",
                flush=True,
            )

            def stop(run: storyboard.Run) -> bool:
                """Enough diffusers frames: all asked for, or one more would overrun (the
                parts after this one assumed to get as many)."""
                done = len(run.frame_seconds)
                if done >= asked or done < MIN_DIFFUSERS:
                    return done >= asked
                self.budget.speed = run.steady / part.diffusers_s
                return self.budget.over(
                    [part, *rest], self.built, done + 1, frames_asked, loop_left=1
                )

            theirs = storyboard.run_diffusers(
                pipe,
                frames[:asked],
                max_tokens=spec.max_tokens,
                layers=spec.text_layers,
                sync=self.sync,
                stop=stop,
            )
            dframes = len(theirs.images)
            self._cut(part.name, "diffusers frames", asked, dframes)
            self.budget.speed = theirs.steady / part.diffusers_s
            count = self.budget.engine_frames([part, *rest], self.built, dframes, frames_asked)
            self._cut(part.name, "engine frames", frames_asked, count)
            engine = Flux2Engine.from_pipeline(pipe, part.variant, **self._options(spec))
            ours = storyboard.run_engine(engine, frames[:count], sync=self.sync)
            self.eager[part.name] = ours.images[: self.args.approx_frames]
            ratio = theirs.per_frame / ours.per_frame
            row.update(
                diffusers_frames=len(theirs.images),
                engine_frames=len(ours.images),
                diffusers_s_per_frame=round(theirs.per_frame, 4),
                engine_s_per_frame=round(ours.per_frame, 4),
                engine_first_frame_s=round(ours.frame_seconds[0], 4),
                engine_steady_s=round(ours.steady, 4),
                ratio=round(ratio, 3),
                target_met=None if part.target is None else ratio >= part.target,
                pixels=storyboard.pixel_diff(theirs.images, ours.images),
                pixel_std_frame0=storyboard.pixel_spread(ours.images[0]),
                cache_stats=engine.cache_stats,
            )
            print(_exact_line(row), flush=True)
            del engine, ours, theirs
        except Exception as exc:  # OOM and the like: record it and go on with the next part
            row["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
            print(f"  {part.name}: FAILED {row['error']}", flush=True)
            traceback.print_exc()
        finally:
            _free(self.device)
            self.save()

    # -- approximate techniques ----------------------------------------------------------------

    def run_approx(
        self,
        pipe: Any,
        spec: components.Scale,
        part: Part,
        technique: str,
        later: list[Part],
        refs: list[Path],
        warm_refs: list[Path],
    ) -> None:
        from imagegen.flux2 import Flux2Engine

        row: dict[str, Any] = {"part": part.name, "technique": technique}
        eager = self.eager.get(part.name, [])
        reason = None
        if not eager:
            reason = "no eager engine frames to compare with (the exact part failed)"
        elif technique == "fp8" and self.device != "cuda":
            reason = "fp8 needs a CUDA GPU"
        elif technique == "fp8" and _torchao_version() is None:
            reason = "torchao is not importable"
        count = min(self.args.approx_frames, len(eager))
        # exact parts come first: an approximation runs only if the later models' exact parts
        # still fit with all their frames
        reserve = self.budget.exact_cost(
            later, self.built, self.args.diffusers_frames, self.args.frames
        )
        base: dict[str, Any] = next(
            (r for r in self.results["parts"] if r["part"] == part.name), {}
        )
        frame_s = base.get("engine_steady_s", part.engine_s * self.budget.speed)
        estimate = self.budget.compile_s + count * frame_s * APPROX_SPEED[technique]
        if reason is None and estimate + reserve > self.budget.left():
            reason = (
                f"over budget: needs ≈ {estimate:.0f} s + {reserve:.0f} s for the parts after it,"
                f" {self.budget.left():.0f} s left"
            )
        if reason is not None:
            row["skipped"] = reason
            self.results["approximate"].append(row)
            print(f"  {part.name} {technique}: skipped ({reason})", flush=True)
            return
        self.results["approximate"].append(row)
        frames = storyboard.requests(count, self.args.size, refs[: part.refs])
        warm = storyboard.requests(1, self.args.size, warm_refs[: part.refs])[0]
        warm = warm.model_copy(update={"prompt": "compile warm-up frame", "seed": 10_001})
        try:
            options = {**self._options(spec), "compile": True, "fp8": technique == "fp8"}
            engine = Flux2Engine.from_pipeline(pipe, part.variant, **options)
            start = time.perf_counter()
            list(engine.generate_many([warm]))
            self.sync()
            warm_s = time.perf_counter() - start
            self.budget.compile_s = max(self.budget.compile_s, warm_s * 1.2)
            run = storyboard.run_engine(engine, frames, sync=self.sync)
            projected = run.projected(base["engine_frames"])
            row.update(
                frames=count,
                warm_up_s=round(warm_s, 1),
                s_per_frame_measured=round(run.per_frame, 4),
                s_per_frame_projected=round(projected, 4),
                projected_to_frames=base["engine_frames"],
                ratio_vs_diffusers=round(base["diffusers_s_per_frame"] / projected, 3),
                ratio_vs_eager_engine=round(base["engine_s_per_frame"] / projected, 3),
                target=part.target,
                drift_vs_eager=storyboard.pixel_diff(eager, run.images),
            )
            print(_approx_line(row), flush=True)
            del engine, run
        except Exception as exc:
            row["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
            print(f"  {part.name} {technique}: FAILED {row['error']}", flush=True)
            traceback.print_exc()
        finally:
            _free(self.device)
            self.save()

    # -- bookkeeping ---------------------------------------------------------------------------

    def _options(self, spec: components.Scale) -> dict[str, Any]:
        # memory="gpu": the components are on the GPU already, so "auto" would measure the
        # memory they leave free and could pick an offloading policy
        return {
            "device": self.device,
            "memory": "gpu",
            "max_tokens": spec.max_tokens,
            "text_layers": spec.text_layers,
        }

    def _cut(self, part: str, what: str, asked: int, got: int) -> None:
        if got < asked:
            self.results["cuts"].append({"part": part, what: [asked, got]})
            print(f"  budget: {what} for {part} cut from {asked} to {got}", flush=True)

    def save(self) -> None:
        self.results["total_s"] = round(time.perf_counter() - STARTED, 1)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / RESULTS).write_text(json.dumps(self.results, indent=1))

    def finish(self) -> None:
        self.save()
        print(f"\ntotal {self.results['total_s']:.0f} s; results in {OUT / RESULTS}")
        summary = []
        for row in self.results["parts"]:
            if "ratio" in row:
                summary.append(f"{row['part']} {row['ratio']:.2f}x{_target(row)}")
            else:
                summary.append(f"{row['part']} failed")
        for row in self.results["approximate"]:
            if "ratio_vs_diffusers" in row:
                ratio = row["ratio_vs_diffusers"]
                summary.append(f"{row['part']} {row['technique']} {ratio:.2f}x{_target(row)}")
        print("ratios diffusers/engine per frame: " + "; ".join(summary))


def _exact_line(row: dict[str, Any]) -> str:
    px = row["pixels"]
    same = "identical" if px["max"] == 0 else f"DIFFERENT (mean |Δ| {px['mean']})"
    return "\n".join(
        [
            f"  {row['part']}: diffusers {row['diffusers_s_per_frame']:.3f} s/frame"
            f" ({row['diffusers_frames']} frames), engine {row['engine_s_per_frame']:.3f} s/frame"
            f" ({row['engine_frames']} frames; first {row['engine_first_frame_s']:.3f} s, then"
            f" {row['engine_steady_s']:.3f} s) → {row['ratio']:.2f}x{_target(row)}",
            f"    pixels: max |Δ| {px['max']} over {px['frames']} frames: {same}; frame 0 pixel"
            f" std {row['pixel_std_frame0']}; cache_stats {row['cache_stats']}",
        ]
    )


def _approx_line(row: dict[str, Any]) -> str:
    drift = row["drift_vs_eager"]
    return (
        f"  {row['part']} {row['technique']}: {row['s_per_frame_projected']:.3f} s/frame"
        f" projected to {row['projected_to_frames']} frames ({row['s_per_frame_measured']:.3f}"
        f" measured over {row['frames']}; warm-up {row['warm_up_s']:.0f} s) →"
        f" {row['ratio_vs_diffusers']:.2f}x diffusers{_target(row)},"
        f" {row['ratio_vs_eager_engine']:.2f}x eager engine; drift vs eager engine max |Δ|"
        f" {drift['max']}, mean {drift['mean']}"
    )


def _target(row: dict[str, Any]) -> str:
    target = row.get("target")
    if target is None:
        return ""
    ratio = row.get("ratio", row.get("ratio_vs_diffusers", 0.0))
    return f" [target ≥ {target}x: {'met' if ratio >= target else 'NOT met'}]"


def _torchao_version() -> str | None:
    if importlib.util.find_spec("torchao") is None:
        return None
    try:
        import torchao
    except Exception:  # a broken install counts as absent
        return None
    return str(getattr(torchao, "__version__", "unknown"))


def _free(device: str) -> None:
    import torch

    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
