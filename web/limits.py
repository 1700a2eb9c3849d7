"""A cap on request bodies, enforced while they stream in (not after they are on disk)."""

from __future__ import annotations

from typing import Any

from web.errors import TooLargeError

Scope = dict[str, Any]
Message = dict[str, Any]
SMALL_BODY = 1024 * 1024  # JSON and plain forms: edits and instructions, never files


class BodyLimit:
    """ASGI middleware: a body over ``limit`` bytes (``small`` bytes unless it is a multipart
    upload) is refused with 413 as soon as it is known to be — from its Content-Length, or
    from the bytes received so far."""

    def __init__(self, app: Any, *, limit: int, small: int = SMALL_BODY) -> None:
        self.app = app
        self.limit = limit
        self.small = small

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        upload = headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data")
        limit = self.limit if upload else self.small
        message = _too_large(limit) if upload else _too_long(limit)
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, message)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            got: Message = await receive()
            if got["type"] == "http.request":
                received += len(got.get("body", b""))
                if received > limit:
                    raise TooLargeError(message)
            return got

        await self.app(scope, counted, send)


def _too_large(limit: int) -> str:
    return (
        f"the upload is larger than the studio's limit of {limit // (1024 * 1024)} MB;"
        " send a smaller file (or raise STORYBEAT_WEB_MAX_UPLOAD_MB)"
    )


def _too_long(limit: int) -> str:
    return (
        f"the request body is larger than {limit // 1024} KB; send less (files go as a"
        " multipart/form-data upload)"
    )


async def _refuse(send: Any, message: str) -> None:
    import json

    body = json.dumps({"detail": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})
