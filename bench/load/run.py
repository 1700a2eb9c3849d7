"""Storybeat under load on loopback: signed-in musicians browsing, polling progress and
streaming server-sent events for a bounded time, then a large upload that must leave the
server's memory flat.

Usage: .venv/bin/python bench/load/run.py [--users 50] [--followers 10] [--seconds 60]
       [--think 0.2] [--baseline 5] [--upload-mb 200] [--only load|upload] [--keep DIR]
       [--json results.json]

Starts `storybeat serve` (default engines: previz + motion, one job worker) on a free port
with a fresh data dir, then:

  prep      --users musicians sign up (JSON API, CSRF, own cookies: one httpx client each)
            and each uploads an 8 s cut of the demo song as a 360p project; the first one
            analyses it, the rest reuse that analysis; all wait at the brief review
  baseline  every user GETs /health for --baseline seconds (same think time)
  load      for --seconds, --followers users stream their job's events until `end`, then
            approve the gate their project waits at (once past every gate: export an mp4)
            and stream that job — real renders run all the while; every other user loops
            over the read routes of their project at random (weights in traffic.MIX) with
            0 to --think seconds between: project list (JSON and page), the project page
            (HTML, following /review's redirects), the project JSON, its analysis, its job
  upload    with the studio idle (jobs cancelled), one --upload-mb WAV is POSTed as a new
            project, streamed from disk; the server's RSS is sampled every 0.2 s (and its
            kernel peak VmHWM read) before, during the request, during the job that reads
            the file, and after

Every request kind gets count, req/s, p50/p95/p99 latency and errors (HTTP >= 400 or no
answer), with p95 and req/s as ratios to the /health baseline. Exits 1 when more than 1%
of the load's requests failed or the upload grew the server's RSS by more than 25% of its
size (or the server died).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load import report, traffic
from bench.load.server import MIB, RssSampler, Server, ServerError, memory, scan_log
from bench.load.traffic import LoadError, Recorder, User, gather_limited
from bench.load.upload import big_wav, measure_upload

MAX_ERROR_RATE = 0.01
MAX_GROWTH = 0.25
SONG_SECONDS = 8.0
BRIEFS = ("a dancer on a neon rooftop at night", "two friends driving through the desert",
          "a lighthouse keeper in a storm", "a skateboarder at dawn in an empty city")  # fmt: skip
PREP_CONCURRENCY = 8
SignedIn = tuple[httpx.Cookies, str]  # a user's cookies and CSRF token


def short_song(folder: Path) -> Path:
    """The first SONG_SECONDS of the synthesised demo song, 16-bit WAV."""
    import soundfile

    from audio.demo import synthesize_demo

    synthesize_demo(folder / "demo.wav")
    samples, rate = soundfile.read(folder / "demo.wav")
    path = folder / "night drive.wav"
    soundfile.write(path, samples[: int(SONG_SECONDS * rate)], rate, subtype="PCM_16")
    return path


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
        if line.startswith("model name"):
            return " ".join(line.partition(":")[2].split())
    return "unknown CPU"


async def prepare(url: str, count: int, song: Path) -> tuple[list[User], dict[str, Any]]:
    """``count`` signed-up users, each with a project waiting at its first gate."""
    recorder = Recorder()
    users = [User(url, i, recorder) for i in range(count)]
    started = time.perf_counter()
    await gather_limited(PREP_CONCURRENCY, *(u.sign_up() for u in users))
    signed = time.perf_counter()
    await users[0].create_project(song, BRIEFS[0])
    await users[0].wait_job(timeout=600)
    cold = time.perf_counter()
    rest = users[1:]
    await gather_limited(
        PREP_CONCURRENCY, *(u.create_project(song, BRIEFS[u.index % len(BRIEFS)]) for u in rest)
    )
    await gather_limited(PREP_CONCURRENCY, *(u.wait_job() for u in rest))
    missing = [u.email for u in users if u.project_id is None]
    if missing:
        raise LoadError(f"{len(missing)} project(s) did not get made, e.g. {missing[0]}")
    done = time.perf_counter()
    signup = report.stats(recorder.latencies["signup"], recorder.error_count("signup"), 1.0)
    return users, {
        "signup_s": round(signed - started, 2),
        "signup_p95_ms": signup["p95_ms"],
        "first_project_s": round(cold - signed, 2),
        "other_projects_s": round(done - cold, 2),
    }


async def load_phase(
    server: Server, sampler: RssSampler, args: argparse.Namespace, song: Path
) -> tuple[dict[str, Any], Recorder, SignedIn]:
    """Prep, the /health baseline and the load; then every job is cancelled (studio idle)."""
    users, prep = await prepare(server.url, args.users, song)
    try:
        results, recorder = await _load(server, sampler, args, users, prep)
    finally:
        await asyncio.gather(*(u.close() for u in users))
    return results, recorder, (users[0].client.cookies, users[0].csrf)


async def _load(
    server: Server,
    sampler: RssSampler,
    args: argparse.Namespace,
    users: list[User],
    prep: dict[str, Any],
) -> tuple[dict[str, Any], Recorder]:
    print(
        f"prep: {len(users)} sign-ups in {prep['signup_s']:.1f} s (p95 {prep['signup_p95_ms']:.0f}"
        f" ms); first project ready in {prep['first_project_s']:.1f} s (analyses the song), the"
        f" other {len(users) - 1} in {prep['other_projects_s']:.1f} s",
        flush=True,
    )
    idle_rss, _ = memory(server.pid)
    baseline = Recorder()
    for user in users:
        user.recorder = baseline
    seconds = await traffic.run_window(users, [], args.baseline, args.think, mix={"health": 1})
    base = report.stats(baseline.latencies["health"], baseline.error_count(), seconds)
    followers, browsers = users[: args.followers], users[args.followers :]
    recorder = Recorder()
    for user in users:
        user.recorder = recorder
    server.check_alive()
    print(f"load: {args.seconds:g} s …", flush=True)
    started, cpu = time.perf_counter(), time.process_time()
    seconds = await traffic.run_window(
        browsers, followers, args.seconds, args.think, mix=traffic.MIX
    )
    client_cpu = (time.process_time() - cpu) / (time.perf_counter() - started)
    peak_rss = sampler.peak(started)
    server.check_alive()
    rows = report.summarise(recorder, seconds, base)
    settle = Recorder()
    for user in users:
        user.recorder = settle
    await gather_limited(PREP_CONCURRENCY, *(u.cancel_active() for u in followers))
    await gather_limited(PREP_CONCURRENCY, *(u.wait_job() for u in followers))
    results = {
        "prep": prep,
        "baseline": base,
        "window_s": round(seconds, 2),
        "requests": rows,
        "errors": {f"{k}: {what}": n for (k, what), n in recorder.errors.most_common()},
        "sse": {
            "streams": len(recorder.latencies["sse"]),
            "events": recorder.sse_events,
            "ended": recorder.sse_ended,
            "open_at_end": recorder.sse_open_at_end,
        },
        "jobs": dict(recorder.jobs),
        "job_failures": dict(recorder.job_failures),
        "rss_mib": {"idle_after_prep": round(idle_rss / MIB, 1), "peak": round(peak_rss / MIB, 1)},
        "client_cpu": round(client_cpu, 2),
    }
    return results, recorder


async def upload_prep(url: str, song: Path) -> SignedIn:
    """One signed-up user whose project ran (so the server has imported what jobs use)."""
    users, _ = await prepare(url, 1, song)
    await users[0].close()
    return users[0].client.cookies, users[0].csrf


def print_load(results: dict[str, Any], recorder: Recorder) -> None:
    base, rows = results["baseline"], results["requests"]
    print(
        f"baseline: /health, {base['count']} requests: {base['rps']:.1f} req/s, "
        f"p50 {base['p50_ms']:.1f} ms, p95 {base['p95_ms']:.1f} ms\n"
    )
    report.print_table(rows, base)
    sse = results["sse"]
    first = rows.get("sse")
    timing = (
        f"first event p50 {first['p50_ms']:.0f} ms, p95 {first['p95_ms']:.0f} ms"
        if first
        else "no stream answered"
    )
    print(
        f"\nSSE: {sse['streams']} streams opened, {sse['ended']} read to `end`, "
        f"{sse['open_at_end']} open when the window closed; {sse['events']} events received; "
        + timing
    )
    jobs = ", ".join(f"{n} {state}" for state, n in sorted(results["jobs"].items())) or "none"
    print(f"jobs the followers saw end: {jobs}")
    for what, n in results["job_failures"].items():
        print(f"  {n:5d} × failed job: {what}")
    rss = results["rss_mib"]
    print(
        f"server RSS: {rss['idle_after_prep']:.1f} MiB idle after prep, peak {rss['peak']:.1f} MiB"
        f" during the load (the server process; its ffmpeg children not counted)"
    )
    print(f"load generator CPU: {results['client_cpu']:.0%} of one core")
    if recorder.errors:
        print("errors:")
        report.print_errors(recorder)


def print_log(log: dict[str, Any]) -> None:
    print(
        f"server log: {log['tracebacks']} tracebacks, {log['database_locked']} × "
        f"'database is locked', {log['error_lines']} error lines"
    )
    for line, n in log["exceptions"].items():
        print(f"  {n:5d} × {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50, help="signed-in musicians")
    parser.add_argument("--followers", type=int, help="of them streaming SSE (default 20%%)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load")
    parser.add_argument("--think", type=float, default=0.2, help="max think time, seconds")
    parser.add_argument("--baseline", type=float, default=5.0, help="seconds of /health")
    parser.add_argument("--upload-mb", type=int, default=200, help="MiB; 0 skips the upload")
    parser.add_argument("--only", choices=("load", "upload"))
    parser.add_argument("--keep", type=Path, help="data dir, server log and files here; kept")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if args.followers is None:
        args.followers = max(1, args.users // 5)
    if args.users < 1 or not 0 <= args.followers <= args.users or args.seconds <= 0:
        parser.error("--users >= 1, 0 <= --followers <= --users, --seconds > 0")
    if args.only == "upload" and args.upload_mb <= 0:
        parser.error("--only upload needs --upload-mb > 0")
    run_load = args.only != "upload"
    run_upload = args.only != "load" and args.upload_mb > 0
    limit = args.upload_mb if args.upload_mb > 200 else None  # the studio's default is 200 MB
    what = (
        f"{args.users} users ({args.followers} following their jobs by SSE), {args.seconds:g} s,"
        f" think 0–{args.think:g} s; "
        if run_load
        else ""
    )
    print(
        f"Storybeat studio under load: {what}"
        + (f"upload {args.upload_mb} MiB" if run_upload else "no upload")
        + f"; {os.cpu_count()} CPUs ({cpu_model()}), load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results: dict[str, Any] = {
        "args": {k: str(v) for k, v in vars(args).items()},
        "cpus": os.cpu_count(),
        "cpu": cpu_model(),
        "loadavg": os.getloadavg()[0],
    }
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        song = short_song(folder)
        server = Server(folder, max_upload_mb=limit)
        sampler = RssSampler(server.pid)
        try:
            print(f"server: pid {server.pid} on {server.url}, ready in {server.wait_ready():.1f} s",
                  flush=True)  # fmt: skip
            if run_load:
                load, recorder, (cookies, csrf) = asyncio.run(
                    load_phase(server, sampler, args, song)
                )
                results["load"] = load
                print()
                print_load(load, recorder)
                rate = recorder.error_count() / max(recorder.total(), 1)
                if rate > MAX_ERROR_RATE:
                    failures.append(f"{rate:.2%} of requests failed (bound {MAX_ERROR_RATE:.0%})")
            else:
                cookies, csrf = asyncio.run(upload_prep(server.url, song))
            if run_upload:
                track = big_wav(folder / "big upload.wav", args.upload_mb * MIB)
                print(flush=True)
                upload = measure_upload(
                    server.url, server.pid, sampler, cookies=cookies, csrf=csrf, track=track
                )
                track.unlink()
                results["upload"] = upload
                report.print_upload(upload, MAX_GROWTH)
                if upload["status"] != 202:
                    failures.append(f"the upload was refused: HTTP {upload['status']}")
                if upload["growth_ratio"] > MAX_GROWTH:
                    failures.append(f"the upload grew the server by {upload['growth_ratio']:.0%}")
            server.check_alive()
        except (ServerError, LoadError) as exc:
            failures.append(str(exc))
        finally:
            sampler.stop()
            server.stop()
        results["server_log"] = log = scan_log(server.log_path)
        print()
        print_log(log)
    results["failures"] = failures
    results["passed"] = not failures
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print("result: " + ("PASS" if not failures else "FAIL — " + "; ".join(failures)))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
