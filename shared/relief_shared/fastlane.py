"""A fast lane for a service's hottest route: plain ASGI in front of the framework.

A calculation's own work is ≈ 80 µs; FastAPI's routing, dependency injection, body validation
and response classes around it cost several times that, and at the window's peak (a standard
changes, every street recalculates) the framework would be most of the bill. A lane serves the
ordinary success of one (method, path) itself and hands everything else to the framework
untouched: a handler returns the response body, or `None` to say "let the route answer". A
refusal (bad token, bad body, a 422 of the domain) is therefore always the route's own answer,
produced by the same code as without the lane, and the route stays the one documented in
OpenAPI. `tests/` hold both paths to byte-identical answers.

Innermost of the user middleware: the body limit and the 500-problem fault handler stand in
front of the lane as they stand in front of every route.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from relief_shared.limits import replay

JSON_HEADERS = [(b"content-type", b"application/json")]


@dataclass(frozen=True)
class LaneRequest:
    """What a lane handler may look at: the app (for its runtime), the headers and the body."""

    app: Any
    headers: Mapping[bytes, bytes]
    body: bytes

    @property
    def authorization(self) -> str:
        return self.headers.get(b"authorization", b"").decode("latin-1")

    def is_json(self) -> bool:
        return self.headers.get(b"content-type", b"").split(b";")[0].strip().lower() == b"application/json"


# the JSON of a 200 answer, or None: the framework's route answers instead
LaneHandler = Callable[[LaneRequest], Awaitable[bytes | None]]


class FastLane:
    def __init__(self, app: Any, routes: Mapping[tuple[str, str], LaneHandler]):
        self.app = app
        self.routes = dict(routes)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        handler = self.routes.get((scope.get("method", ""), scope.get("path", ""))) if scope["type"] == "http" else None
        if handler is None or scope.get("query_string"):  # a handler sees no query: the route reads it
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before it finished sending: nobody to answer
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)  # the first of repeated headers, as Starlette reads them
        answer = await handler(LaneRequest(scope["app"], headers, body))
        if answer is None:
            await self.app(scope, replay(body, receive), send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*JSON_HEADERS, (b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})
