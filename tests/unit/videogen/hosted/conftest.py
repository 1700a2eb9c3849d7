"""Fixtures for the hosted adapters: provider clips, a local server per fake, the adapters."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.unit.videogen.conftest import run_ffmpeg
from tests.unit.videogen.hosted.fakes import FAKES, KEYS, Fake
from videogen import ClipRequest
from videogen.hosted import FalAdapter, KlingAdapter, ReplicateAdapter, VeoAdapter
from videogen.hosted._base import HostedAdapter

PROVIDERS = ("fal", "replicate", "veo", "kling")
ADAPTERS: dict[str, type[HostedAdapter]] = {
    "fal": FalAdapter,
    "replicate": ReplicateAdapter,
    "veo": VeoAdapter,
    "kling": KlingAdapter,
}
SLOT = {"width": 160, "height": 90, "fps": 24, "n_frames": 30}  # 1.25 s of 24 fps


@pytest.fixture(autouse=True)
def provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)


def _make_clip(folder: Path, name: str, size: str, rate: int, seconds: float = 2.0) -> bytes:
    path = folder / f"{name}.mp4"
    done = run_ffmpeg("-v", "error", "-f", "lavfi",
                      "-i", f"testsrc=size={size}:rate={rate}:duration={seconds}",
                      "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast",
                      str(path))  # fmt: skip
    assert done.returncode == 0, done.stderr
    return path.read_bytes()


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Provider clips: ``good`` is 2 s of 320×180 at 30 fps (another size, rate and length
    than the slot, so conforming is exercised); the others are wrong on purpose."""
    folder = tmp_path_factory.mktemp("provider-clips")
    good = _make_clip(folder, "good", "320x180", 30)
    return {
        "good": good,
        "portrait": _make_clip(folder, "portrait", "180x320", 30),
        "slideshow": _make_clip(folder, "slideshow", "320x180", 5),
        "tiny": _make_clip(folder, "tiny", "32x18", 30, seconds=0.5),
        "truncated": good[: len(good) // 2],
        "empty": b"",
    }


@pytest.fixture
def still(tmp_path: Path) -> Path:
    """A 4:3 storyboard still (the slot is 16:9, so the adapters crop it before sending)."""
    path = tmp_path / "still.png"
    Image.new("RGB", (400, 300), (200, 120, 40)).save(path)
    return path


@pytest.fixture
def request_for(still: Path) -> Callable[..., ClipRequest]:
    def make(**fields: Any) -> ClipRequest:
        values: dict[str, Any] = {
            "image": still,
            "camera": "push-in",
            "prompt": "a lighthouse at dusk, waves breaking",
            **SLOT,
        }
        return ClipRequest(**(values | fields))

    return make


def _handler(fake: Fake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw_body = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw_body) if raw_body else None
            except ValueError:
                body = raw_body
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = fake.handle(self.command, f"{fake.base}{self.path}", headers, body)
            time.sleep(answer.delay)
            raw = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw if answer.cut is None else raw[: answer.cut])

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that gave up (the time-out tests) are expected: no traceback."""


@pytest.fixture(scope="module")
def shared_client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:  # one SSL context for the module (~50 ms each)
        yield client


@dataclass
class Rig:
    """A fake provider on a local server, and what the adapters pointed at it wait for."""

    fake: Fake
    client: httpx.Client
    waits: list[float] = field(default_factory=list)

    def adapter(self, **options: Any) -> HostedAdapter:
        settings: dict[str, Any] = {
            "base_url": self.fake.base,
            "client": self.client,
            "sleep": self.waits.append,
            "first_poll": 0.01,
            "backoff": 0.01,
            "max_retries": 2,
            "timeout": 10.0,
        }
        return ADAPTERS[self.fake.name](**(settings | options))


@pytest.fixture
def serve(clips: dict[str, bytes], shared_client: httpx.Client) -> Iterator[Callable[[str], Rig]]:
    servers: list[ThreadingHTTPServer] = []

    def start(provider: str) -> Rig:
        fake = FAKES[provider](clips["good"])
        server = QuietServer(("127.0.0.1", 0), _handler(fake))
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        fake.base = fake.files = f"http://127.0.0.1:{server.server_port}"
        servers.append(server)
        return Rig(fake, shared_client)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(params=PROVIDERS)
def rig(request: pytest.FixtureRequest, serve: Callable[[str], Rig]) -> Rig:
    """Each provider in turn, on its own local server."""
    return serve(request.param)


def mock_client(fake: Fake) -> httpx.Client:
    """A client whose transport hands every request to ``fake`` (production host names)."""

    def handle(request: httpx.Request) -> httpx.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = json.loads(request.content) if request.content else None
        answer = fake.handle(request.method, str(request.url), headers, body)
        raw = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
        return httpx.Response(answer.status, content=raw, headers=answer.headers)

    return httpx.Client(transport=httpx.MockTransport(handle))


def leftovers(folder: Path) -> list[str]:
    """Temp files an adapter left behind in ``folder``."""
    return [p.name for p in folder.iterdir() if "partial" in p.name or p.name.startswith(".")]
