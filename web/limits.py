"""A cap on request bodies, enforced while they stream in (not after they are on disk)."""

from __future__ import annotations

from typing import Any

from web.errors import TooLargeError

Scope = dict[str, Any]
Message = dict[str, Any]


class BodyLimit:
    """ASGI middleware: a body over ``limit`` bytes is refused with 413 as soon as it is known
    to be — from its Content-Length, or from the bytes received so far."""

    def __init__(self, app: Any, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _refuse(send, self.limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message: Message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise TooLargeError(_too_large(self.limit))
            return message

        await self.app(scope, counted, send)


def _too_large(limit: int) -> str:
    return (
        f"the upload is larger than the studio's limit of {limit // (1024 * 1024)} MB;"
        " send a smaller file (or raise STORYBEAT_WEB_MAX_UPLOAD_MB)"
    )


async def _refuse(send: Any, limit: int) -> None:
    import json

    body = json.dumps({"detail": _too_large(limit)}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})
