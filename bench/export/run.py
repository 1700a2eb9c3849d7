"""Time export_video (MoviePy) against a hand-written ffmpeg filtergraph for the same cut.

Usage: .venv/bin/python bench/export/run.py [--clips 20] [--seconds 3] [--size 1280x720]
       [--fps 24] [--fade 0.25] [--repeat 1] [--cases crossfade,cuts] [--keep DIR]
       [--json results.json]

Builds --clips clips of --seconds at --size and --fps with ffmpeg's testsrc2 (a different
hue each, x264 veryfast crf 18 like the motion adapter) and a song as long as all clips
(numpy: chords and a kick at 120 BPM, 48 kHz stereo WAV), in a temporary folder. Two cuts:

  crossfade  every cut a centred crossfade of --fade seconds; each clip's used range leaves
             half the fade of handle at each end, so the cut equals ffmpeg's xfade chain
  cuts       hard cuts, every clip whole (ffmpeg: the concat filter)

For each, in the same run and alternating which goes first: (a) export_video in a fresh
Python process (wall time of the call), (b) one ffmpeg command with the filtergraph, the
same x264 settings (veryfast, crf 20, yuv420p, +faststart) and the same AAC audio (192k,
48 kHz, cut at the video's end). Peak memory is the largest sum of resident memory over the
process and all its children, sampled every 20 ms (psutil); CPU is user + system time of
the process tree. Both outputs are checked for the expected frame count. With --repeat > 1
the medians are reported. The last line holds the wall-time ratios (export / ffmpeg).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

TARGET = 1.3
AUDIO_RATE = 48000


def make_media(folder: Path, n: int, seconds: float, size: tuple[int, int], fps: int) -> None:
    """``n`` testsrc2 clips (c00.mp4 …) and song.wav, as long as all clips together."""
    import numpy as np
    import soundfile as sf

    from videogen.probe import ffmpeg_exe

    w, h = size
    for i in range(n):
        src = f"testsrc2=size={w}x{h}:rate={fps}:duration={seconds}"
        subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", src,
             "-vf", f"hue=h={i * 360 // n}", "-c:v", "libx264", "-preset", "veryfast",
             "-crf", "18", "-pix_fmt", "yuv420p", str(folder / f"c{i:02d}.mp4")],
            check=True,
        )  # fmt: skip
    t = np.arange(round(n * seconds * AUDIO_RATE)) / AUDIO_RATE
    beat = 0.5  # 120 BPM
    roots = np.array([220.0, 174.6, 261.6, 196.0])[(t // (4 * beat)).astype(int) % 4]
    chord = sum(np.sin(2 * np.pi * roots * r * t) for r in (1.0, 1.26, 1.5)) * 0.08
    phase = t % beat
    kick = np.sin(2 * np.pi * (50 + 60 * np.exp(-phase * 30)) * phase) * np.exp(-phase * 12) * 0.5
    song = np.stack([chord + kick, chord * 0.9 + kick], axis=1)
    sf.write(folder / "song.wav", song.astype(np.float32), AUDIO_RATE, subtype="PCM_16")


def cut_plan(case: str, n: int, frames: int, fade: int) -> list[tuple[int, int]]:
    """(source_start, duration) of each clip: whole clips for cuts; for crossfades each
    used range leaves ``fade // 2`` frames of handle at the ends that meet a fade."""
    if case == "cuts":
        return [(0, frames)] * n
    half = fade // 2
    plan = []
    for i in range(n):
        start = 0 if i == 0 else half
        end = frames if i == n - 1 else frames - (fade - half)
        plan.append((start, end - start))
    return plan


def timeline_json(case: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    from videogen import Timeline, TimelineClip, Track, Transition

    frames = round(args.seconds * args.fps)
    fade = round(args.fade * args.fps)
    items: list[Any] = []
    for i, (start, duration) in enumerate(cut_plan(case, args.clips, frames, fade)):
        if i and case == "crossfade":
            items.append(
                Transition(
                    name=f"x{i}", transition_type="crossfade",
                    in_offset=fade // 2, out_offset=fade - fade // 2,
                )
            )  # fmt: skip
        items.append(
            TimelineClip(name=f"c{i:02d}", media=str(folder / f"c{i:02d}.mp4"),
                         source_start=start, duration=duration)
        )  # fmt: skip
    duration = sum(i.duration for i in items if isinstance(i, TimelineClip))
    timeline = Timeline(
        name=f"bench {case}", rate=args.fps, duration=duration, audio=str(folder / "song.wav"),
        width=args.size[0], height=args.size[1], tracks=[Track(name="V1", items=items)],
    )  # fmt: skip
    return timeline.model_dump(mode="json")


def ffmpeg_command(case: str, folder: Path, out: Path, args: argparse.Namespace) -> list[str]:
    """The hand-written filtergraph: xfade chain or concat, then the same encode."""
    from videogen.probe import ffmpeg_exe

    n = args.clips
    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-nostdin"]
    for i in range(n):
        cmd += ["-i", str(folder / f"c{i:02d}.mp4")]
    frames = round(args.seconds * args.fps)
    fade = round(args.fade * args.fps)
    if case == "cuts":
        graph = "".join(f"[{i}:v]" for i in range(n)) + f"concat=n={n}:v=1:a=0[v]"
        length = n * frames / args.fps
    else:
        steps, last = [], "0:v"
        for i in range(1, n):
            offset = i * (frames - fade) / args.fps
            steps.append(
                f"[{last}][{i}:v]xfade=transition=fade:duration={fade / args.fps}"
                f":offset={offset:.6f}[v{i}]"
            )
            last = f"v{i}"
        graph = ";".join(steps).replace(f"[v{n - 1}]", "[v]")
        length = (n * frames - (n - 1) * fade) / args.fps
    cmd += ["-i", str(folder / "song.wav"), "-filter_complex", graph]
    cmd += ["-map", "[v]", "-map", f"{n}:a:0"]
    cmd += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
    cmd += ["-c:a", "aac", "-b:a", "192k", "-ar", str(AUDIO_RATE)]
    cmd += ["-af", f"atrim=end={length:.6f}", "-movflags", "+faststart", str(out)]
    return cmd


class PeakMemory:
    """Largest total resident memory of a process and its descendants, sampled."""

    def __init__(self, pid: int) -> None:
        self.peak = 0
        self._stop = threading.Event()
        try:
            import psutil

            self._root: Any = psutil.Process(pid)
        except (ImportError, Exception):
            self._root = None
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        if self._root is None:
            return
        while not self._stop.is_set():
            total = 0
            try:
                for proc in [self._root, *self._root.children(recursive=True)]:
                    try:
                        total += proc.memory_info().rss
                    except Exception:
                        continue
            except Exception:
                pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.02)

    def stop(self) -> int | None:
        """Peak bytes, or None when psutil is missing."""
        self._stop.set()
        self._thread.join()
        return self.peak if self._root is not None else None


def run_measured(cmd: list[str]) -> tuple[float, int | None, float, str]:
    """Run ``cmd``; (wall s, peak tree RSS bytes, tree CPU s, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(proc.pid)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    peak = memory.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{err[-3000:]}")
    if peak is None:  # no psutil: the largest single descendant so far (RUSAGE_CHILDREN)
        peak = after.ru_maxrss * 1024
    return wall, peak, cpu, out


def measure(case: str, method: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    out = folder / f"{case}-{method}.mp4"
    if method == "ffmpeg":
        wall, peak, cpu, _ = run_measured(ffmpeg_command(case, folder, out, args))
    else:
        spec = folder / f"{case}.json"
        spec.write_text(json.dumps(timeline_json(case, folder, args)))
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(spec), str(out)]
        if method == "naive":
            cmd.append("--naive")
        _, peak, cpu, stdout = run_measured(cmd)
        wall = json.loads(stdout.strip().splitlines()[-1])["wall_s"]
    from videogen.probe import probe_video

    info = probe_video(out, decode=False)
    return {
        "case": case,
        "method": method,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 2),
        "peak_rss_mib": None if peak is None else round(peak / 2**20),
        "frames": info.n_frames,
        "audio_s": None if info.audio_duration is None else round(info.audio_duration, 3),
    }


def worker(spec: Path, out: Path, naive: bool = False) -> None:
    """Child process: export the timeline in ``spec`` to ``out``, print the wall time."""
    from videogen import Timeline, export_video

    timeline = Timeline.model_validate_json(spec.read_text())
    start = time.perf_counter()
    if naive:
        naive_export(timeline, out)
    else:
        export_video(timeline, resolve=Path, out_path=out)
    print(json.dumps({"wall_s": time.perf_counter() - start}))


def naive_export(timeline: Any, out: Path) -> None:
    """The cut as MoviePy 2.2's documentation builds it: every clip a VideoFileClip (all
    open at once), placed on a CompositeVideoClip with CrossFadeIn (or concatenated for
    cuts), the song as an AudioFileClip, written with write_videofile."""
    from moviepy import (
        AudioFileClip,
        CompositeVideoClip,
        VideoFileClip,
        concatenate_videoclips,
        vfx,
    )

    from videogen import TimelineClip, Transition

    rate = timeline.rate
    items = timeline.tracks[0].items
    clips, start = [], 0
    for i, item in enumerate(items):
        if not isinstance(item, TimelineClip):
            continue
        before = items[i - 1] if i and isinstance(items[i - 1], Transition) else None
        head = before.in_offset if before is not None else 0
        after = (
            items[i + 1] if i + 1 < len(items) and isinstance(items[i + 1], Transition) else None
        )
        tail = after.out_offset if after is not None else 0
        first, last = item.source_start - head, item.source_start + item.duration + tail
        clip = VideoFileClip(item.media, audio=False).subclipped(first / rate, last / rate)
        if head:
            clip = clip.with_effects([vfx.CrossFadeIn((head + before.out_offset) / rate)])
        clips.append(clip.with_start((start - head) / rate))
        start += item.duration
    fades = any(isinstance(item, Transition) for item in items)
    video = CompositeVideoClip(clips) if fades else concatenate_videoclips(clips)
    video = video.with_duration(timeline.duration / rate)
    song = AudioFileClip(timeline.audio)
    video = video.with_audio(song.subclipped(0, min(song.duration, timeline.duration / rate)))
    video.write_videofile(
        str(out), fps=rate, codec="libx264", preset="veryfast", audio_codec="aac",
        audio_bitrate="192k", audio_fps=AUDIO_RATE,
        ffmpeg_params=["-crf", "20", "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
        logger=None,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each clip")
    parser.add_argument("--size", default="1280x720", help="WxH, even sides")
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--fade", type=float, default=0.25, help="crossfade seconds")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; medians shown")
    parser.add_argument("--cases", default="crossfade,cuts")
    parser.add_argument("--keep", type=Path, help="build media and outputs here and keep them")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--naive",
        action="store_true",
        help="also time MoviePy used naively (CompositeVideoClip + CrossFadeIn); slow",
    )
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker, naive=args.naive)
        return
    w, h = (int(v) for v in args.size.lower().split("x"))
    args.size = (w, h)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    fade = round(args.fade * args.fps)
    if set(cases) - {"crossfade", "cuts"} or args.clips < 2 or fade < 2 or w % 2 or h % 2:
        parser.error("--cases is crossfade and/or cuts; --clips ≥ 2; --fade ≥ 2 frames")
    try:
        import psutil  # noqa: F401

        how = "psutil, process tree"
    except ImportError:
        how = "no psutil: largest single process"
    print(
        f"export_video (MoviePy) vs an ffmpeg filtergraph: {args.clips} clips of "
        f"{args.seconds:g} s at {w}x{h} {args.fps} fps, {args.fade:g} s crossfades "
        f"({fade} frames), "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; peak memory: {how}\n",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        make_media(folder, args.clips, args.seconds, args.size, args.fps)
        print(f"media built in {time.perf_counter() - started:.0f} s", flush=True)
        runs = []
        for r in range(args.repeat):
            for case in cases:
                order = ("export", "ffmpeg") if r % 2 == 0 else ("ffmpeg", "export")
                for method in (*order, "naive") if args.naive and r == 0 else order:
                    row = measure(case, method, folder, args)
                    runs.append(row)
                    print(f"  run {r + 1} {case:9} {method:6} {row['wall_s']:7.2f} s", flush=True)
    summary = _summarise(runs, cases)
    if args.naive:
        for case in cases:
            naive = next(r for r in runs if r["case"] == case and r["method"] == "naive")
            summary[case]["naive"] = {
                k: naive[k] for k in ("wall_s", "cpu_s", "peak_rss_mib", "frames")
            }
            summary[case]["naive_ratio"] = naive["wall_s"] / summary[case]["ffmpeg"]["wall_s"]
    _print_table(summary)
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "summary": summary}, indent=1))
    ratios = ", ".join(f"{c} {summary[c]['ratio']:.2f}x" for c in cases)
    print(f"export/ffmpeg wall ratio: {ratios} (target <= {TARGET}x)")


def _summarise(runs: list[dict[str, Any]], cases: list[str]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for case in cases:
        entry: dict[str, Any] = {}
        for method in ("export", "ffmpeg"):
            rows = [r for r in runs if r["case"] == case and r["method"] == method]
            peaks = [r["peak_rss_mib"] for r in rows if r["peak_rss_mib"] is not None]
            entry[method] = {
                "wall_s": statistics.median(r["wall_s"] for r in rows),
                "cpu_s": statistics.median(r["cpu_s"] for r in rows),
                "peak_rss_mib": max(peaks) if peaks else None,
                "frames": rows[0]["frames"],
                "audio_s": rows[0]["audio_s"],
            }
        if entry["export"]["frames"] != entry["ffmpeg"]["frames"]:
            raise SystemExit(f"{case}: frame counts differ: {entry}")
        entry["ratio"] = entry["export"]["wall_s"] / entry["ffmpeg"]["wall_s"]
        entry["cpu_ratio"] = entry["export"]["cpu_s"] / entry["ffmpeg"]["cpu_s"]
        summary[case] = entry
    return summary


def _print_table(summary: dict[str, Any]) -> None:
    print(f"\n{'case':10} {'method':24} {'wall s':>7} {'CPU s':>7} {'peak MiB':>9} {'frames':>7}")
    names = {"export": "export_video (MoviePy)", "ffmpeg": "ffmpeg filtergraph"}
    for case, entry in summary.items():
        for method in ("export", "ffmpeg"):
            m = entry[method]
            peak = "n/a" if m["peak_rss_mib"] is None else str(m["peak_rss_mib"])
            print(
                f"{case:10} {names[method]:24} {m['wall_s']:7.2f} {m['cpu_s']:7.1f} {peak:>9} "
                f"{m['frames']:7d}"
            )
        if "naive" in entry:
            m = entry["naive"]
            print(
                f"{case:10} {'naive MoviePy':24} {m['wall_s']:7.2f} {m['cpu_s']:7.1f} "
                f"{m['peak_rss_mib']!s:>9} {m['frames']:7d}  ({entry['naive_ratio']:.2f}x ffmpeg)"
            )
        ratio, cpu = entry["ratio"], entry["cpu_ratio"]
        print(f"{case:10} {'ratio export/ffmpeg':24} {ratio:6.2f}x {cpu:6.2f}x")
    print()


if __name__ == "__main__":
    main()
