"""A large track upload, streamed from disk, while the server's resident memory is sampled."""

from __future__ import annotations

import struct
import time
from pathlib import Path
from typing import Any

import httpx

from bench.load.server import MIB, RssSampler, memory, reset_peak

HEADER = 44
LONGER_THAN = 30 * 60  # seconds: over the studio's 20-minute track limit, so its job refuses
# the file after hashing and probing it, without decoding hours of silence


def big_wav(path: Path, size: int) -> Path:
    """A valid 16-bit mono PCM WAV of exactly ``size`` bytes, silent, declaring at least
    LONGER_THAN seconds (8 kHz, or a lower rate for a small file). The samples are a sparse
    hole, so writing it is instant; reading it still yields every byte."""
    data = size - HEADER
    rate = max(1, min(8000, data // (2 * LONGER_THAN)))
    header = b"RIFF" + struct.pack("<I", size - 8) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", data)
    with path.open("wb") as out:
        out.write(header)
        out.truncate(size)
    return path


def measure_upload(
    url: str, pid: int, sampler: RssSampler, *, cookies: Any, csrf: str, track: Path
) -> dict[str, Any]:
    """POST ``track`` as a new project (multipart, streamed from the open file by httpx) with
    the studio otherwise idle. RSS before; peak while the request streams and peak while the
    job reads the file (samples plus the kernel's VmHWM, reset at each start); after the job
    ended; growth = the larger peak − before. Upload speed; what the studio answered."""
    size = track.stat().st_size
    time.sleep(1.0)
    before, _ = memory(pid)
    exact = reset_peak(pid)
    headers = {"Origin": url, "X-CSRF-Token": csrf}
    with httpx.Client(base_url=url, cookies=cookies, headers=headers, timeout=600.0) as client:
        started = time.perf_counter()
        with track.open("rb") as handle:  # httpx reads it in 64 KiB chunks as it sends
            answer = client.post(
                "/api/projects",
                data={"brief": "the memory check", "resolution": "360p"},
                files={"track": (track.name, handle, "audio/wav")},
            )
        answered = time.perf_counter()
        seconds = answered - started
        peak = max(sampler.peak(started), memory(pid)[1] if exact else 0)
        job: dict[str, Any] = {}
        reset_peak(pid)
        if answer.status_code == 202:  # the job that reads the track: hash, probe, refuse
            job_id = answer.json()["job"]["id"]
            deadline = time.perf_counter() + 300
            while time.perf_counter() < deadline:
                job = client.get(f"/api/jobs/{job_id}").json()
                if job["state"] not in ("queued", "running"):
                    break
                time.sleep(0.25)
        job_peak = max(sampler.peak(answered), memory(pid)[1] if exact else 0)
    time.sleep(1.0)
    after, _ = memory(pid)
    growth = max(peak - before, job_peak - before, 0)
    return {
        "bytes": size,
        "status": answer.status_code,
        "detail": answer.text[:300] if answer.status_code != 202 else "",
        "seconds": round(seconds, 3),
        "mib_per_s": round(size / MIB / seconds, 1),
        "rss_before_mib": round(before / MIB, 1),
        "rss_peak_mib": round(peak / MIB, 1),
        "rss_job_peak_mib": round(job_peak / MIB, 1),
        "rss_after_mib": round(after / MIB, 1),
        "peak_from": "VmHWM + samples" if exact else "samples every 0.2 s",
        "growth_mib": round(growth / MIB, 1),
        "growth_ratio": round(growth / size, 4),
        "job_state": job.get("state"),
        "job_error": job.get("error"),
    }
