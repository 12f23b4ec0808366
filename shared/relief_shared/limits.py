"""A ceiling on request bodies, enforced before the app parses anything.

Every body a service accepts may travel on inside an event, and the broker refuses messages
above its max payload (1 MiB by default): an oversized request must fail at the door with a
413, not later in the relay. The default of 256 KiB is above any valid body (eligibility's
largest intake is ~105 KB as UTF-8, ~150 KB with its Chinese text as ASCII escapes; see the
arithmetic in `eligibility.schemas`) and keeps every event a body can produce at a quarter of
the broker's limit, whatever the field bounds of a service.

Pure ASGI, so it sees the body as it arrives: a `Content-Length` above the limit and a
chunked body that grows past it are refused alike. The body is buffered (up to the limit) and
replayed to the app. What is refused is still read, up to `DRAIN_FACTOR` times the limit, so
that the connection is not closed under a client still sending and the 413 reaches it.
"""
from __future__ import annotations

from typing import Any

from relief_shared.problems import problem_response

DEFAULT_MAX_BODY_BYTES = 256 * 1024
DRAIN_FACTOR = 16

Message = dict[str, Any]


class BodyLimit:
    def __init__(self, app: Any, max_bytes: int = DEFAULT_MAX_BODY_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        read, more = 0, True
        too_large = (_declared_length(scope) or 0) > self.max_bytes
        while more and not too_large:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before it finished sending: nobody to answer
            chunks.append(message.get("body", b""))
            read += len(chunks[-1])
            more = message.get("more_body", False)
            too_large = read > self.max_bytes
        if too_large:
            await self._drain(receive, read, more)
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, replay(b"".join(chunks), receive), send)

    async def _drain(self, receive: Any, read: int, more: bool) -> None:
        while more and read <= self.max_bytes * DRAIN_FACTOR:
            message = await receive()
            more = message["type"] == "http.request" and message.get("more_body", False)
            read += len(message.get("body", b""))

    async def _refuse(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        response = problem_response(413, "body-too-large", "Request body too large",
                                    f"the body exceeds {self.max_bytes} bytes; nothing was changed",
                                    max_bytes=self.max_bytes)
        await response(scope, receive, send)


def _declared_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def replay(body: bytes, receive: Any) -> Any:
    """The buffered body as one message, then the connection's own messages (disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
