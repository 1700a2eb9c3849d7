"""Percentiles, the per-kind table with ratios against the /health baseline, and the summary."""

from __future__ import annotations

import math
from typing import Any

from bench.load.traffic import Recorder

ORDER = ("api_projects", "projects_page", "project_page", "project", "analysis", "job", "sse",
         "decision", "export")  # fmt: skip
LABELS = {
    "health": "/health",
    "api_projects": "GET /api/projects",
    "projects_page": "GET /projects (html)",
    "project_page": "project page (html)",
    "project": "GET /api/projects/ID",
    "analysis": "GET …/analysis",
    "job": "GET /api/jobs/ID",
    "sse": "SSE first event",
    "decision": "POST …/decision",
    "export": "POST …/export",
}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0–100) of ``values``; NaN when empty."""
    if not values:
        return math.nan
    ranked = sorted(values)
    return ranked[max(0, math.ceil(q / 100 * len(ranked)) - 1)]


def stats(latencies: list[float], errors: int, seconds: float) -> dict[str, Any]:
    """Count, req/s over ``seconds``, p50/p95/p99 in ms, errors."""
    return {
        "count": len(latencies),
        "rps": round(len(latencies) / seconds, 2),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "errors": errors,
    }


def summarise(recorder: Recorder, seconds: float, base: dict[str, Any]) -> dict[str, Any]:
    """Every kind and all of them together, with p95 and req/s as ratios to ``base``."""
    kinds = [k for k in ORDER if k in recorder.latencies]
    kinds += sorted(k for k in recorder.latencies if k not in kinds)
    rows = {k: stats(recorder.latencies[k], recorder.error_count(k), seconds) for k in kinds}
    everything = [v for k in kinds for v in recorder.latencies[k]]
    rows["all"] = stats(everything, recorder.error_count(), seconds)
    for row in rows.values():
        row["p95_x"] = round(row["p95_ms"] / base["p95_ms"], 2) if base["p95_ms"] else None
        row["rps_x"] = round(row["rps"] / base["rps"], 3) if base["rps"] else None
    return rows


def print_table(rows: dict[str, Any], base: dict[str, Any]) -> None:
    head = (f"{'request':22} {'count':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'p99 ms':>7} {'errors':>6} {'p95 /health':>11} {'req/s /health':>13}")  # fmt: skip
    print(head)
    print(_line("/health (baseline)", base, "1.00x", "1.000x"))
    for kind, row in rows.items():
        p95 = "n/a" if row["p95_x"] is None else f"{row['p95_x']:.2f}x"
        rps = "n/a" if row["rps_x"] is None else f"{row['rps_x']:.3f}x"
        print(_line("all requests" if kind == "all" else LABELS.get(kind, kind), row, p95, rps))


def _line(label: str, row: dict[str, Any], p95: str, rps: str) -> str:
    return (
        f"{label:22} {row['count']:6d} {row['rps']:7.1f} {row['p50_ms']:7.1f} "
        f"{row['p95_ms']:7.1f} {row['p99_ms']:7.1f} {row['errors']:6d} {p95:>11} {rps:>13}"
    )


def print_errors(recorder: Recorder, limit: int = 10) -> None:
    for (kind, what), n in recorder.errors.most_common(limit):
        print(f"  {n:5d} × {LABELS.get(kind, kind)}: {what}")


def print_upload(result: dict[str, Any], bound: float) -> None:
    mib = result["bytes"] / 2**20
    print(
        f"upload: {mib:.0f} MiB WAV streamed from disk in {result['seconds']:.1f} s "
        f"({result['mib_per_s']:.1f} MiB/s) → HTTP {result['status']}"
        + (f" {result['detail']}" if result["detail"] else "")
    )
    if result["job_state"]:
        print(f"  its job: {result['job_state']}" + (f" — {result['job_error']}" if
                                                     result["job_error"] else ""))  # fmt: skip
    print(
        f"  server RSS: before {result['rss_before_mib']:.1f} MiB, peak during the request "
        f"{result['rss_peak_mib']:.1f} MiB, peak during its job {result['rss_job_peak_mib']:.1f}"
        f" MiB, after {result['rss_after_mib']:.1f} MiB ({result['peak_from']})"
    )
    print(
        f"  growth {result['growth_mib']:.1f} MiB = {result['growth_ratio']:.1%} of the upload "
        f"(bound {bound:.0%})"
    )
