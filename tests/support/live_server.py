"""An ASGI app served by uvicorn in a background thread, on a free 127.0.0.1 port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

HOST = "127.0.0.1"


@contextmanager
def serving(app: FastAPI, *, ready_path: str = "/health", timeout: float = 60.0) -> Iterator[str]:
    """Serve ``app`` until the block ends; yield its base URL (no trailing slash).

    The socket is bound here, before the thread starts, so no other process can take the port.
    Ready once ``GET ready_path`` answers 200; raises ``RuntimeError`` if the server stops or
    does not answer within ``timeout`` seconds.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    url = f"http://{HOST}:{port}"
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
    )
    thread.start()
    try:
        _wait_ready(url + ready_path, thread, timeout)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _wait_ready(url: str, thread: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError(f"the live server stopped before {url} answered ({last})")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}"
        except httpx.TransportError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.1)
    raise RuntimeError(f"the live server did not answer {url} with 200 within {timeout} s ({last})")
