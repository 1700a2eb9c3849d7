"""The studio as users run it (`storybeat serve`) in a subprocess, its memory sampled."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024


class ServerError(RuntimeError):
    """The studio did not start, or died while being measured."""


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("storybeat")
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    if script.is_file():
        return [str(script), *serve]
    return [sys.executable, "-c", "import sys; from web.cli import main; sys.exit(main())", *serve]


class Server:
    """``storybeat serve`` on a free loopback port with a fresh data dir under ``folder``:
    the default engines (previz + motion, no weights), every ``STORYBEAT_*`` variable of this
    shell dropped; its output goes to ``folder/server.log``."""

    def __init__(self, folder: Path, *, max_upload_mb: int | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("STORYBEAT_")}
        env.update(
            STORYBEAT_DATA_DIR=str(folder / "data"),
            STORYBEAT_IMAGE_ENGINE="previz",
            STORYBEAT_VIDEO_ADAPTER="motion",
            TMPDIR=str(folder / "tmp"),  # where multipart uploads spool
        )
        if max_upload_mb is not None:
            env["STORYBEAT_WEB_MAX_UPLOAD_MB"] = str(max_upload_mb)
        (folder / "tmp").mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            _command(self.port), cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.pid = self.proc.pid

    def wait_ready(self, timeout: float = 180.0) -> float:
        """Seconds until ``/health`` answered 200; ServerError if it exits or never does."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            self.check_alive()
            try:
                if httpx.get(f"{self.url}/health", timeout=2.0).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise ServerError(f"the studio did not answer /health within {timeout:g} s{self.tail()}")

    def check_alive(self) -> None:
        code = self.proc.poll()
        if code is not None:
            raise ServerError(f"the studio exited with code {code}{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return ":\n" + "\n".join(text) if text else " (no output)"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of ``pid`` in bytes, from /proc; (0, 0) once it is gone."""
    values = {"VmRSS": 0, "VmHWM": 0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in values:
                values[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return values["VmRSS"], values["VmHWM"]


def reset_peak(pid: int) -> bool:
    """Reset the kernel's peak RSS (VmHWM) of ``pid`` to its current RSS; False if refused."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class RssSampler:
    """VmRSS of one process every ``every`` seconds, in a thread, with the time of each."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid = pid
        self.every = every
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss, _ = memory(self.pid)
            if rss:
                self.samples.append((time.perf_counter(), rss))
            self._stop.wait(self.every)

    def peak(self, start: float = 0.0, end: float = float("inf")) -> int:
        """The largest sample taken between ``start`` and ``end`` (perf_counter seconds)."""
        return max((rss for t, rss in self.samples if start <= t <= end), default=0)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


_EXCEPTION = re.compile(r"^(?:[\w.]+\.)?(\w+(?:Error|Exception|Exit)\b.*)$")


def scan_log(path: Path) -> dict[str, object]:
    """What the server logged that a load test cares about: tracebacks, "database is locked",
    error lines, and the distinct exception lines (with counts)."""
    text = path.read_text(errors="replace") if path.is_file() else ""
    lines = text.splitlines()
    exceptions = Counter(m.group(1)[:200] for line in lines if (m := _EXCEPTION.match(line)))
    return {
        "tracebacks": text.count("Traceback (most recent call last)"),
        "database_locked": text.count("database is locked"),
        "error_lines": sum(1 for line in lines if "ERROR" in line or " failed" in line),
        "exceptions": dict(exceptions.most_common(8)),
        "log_bytes": len(text),
    }
