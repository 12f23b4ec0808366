"""The request body limit over a real socket: declared, streamed, and just right."""
from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request

from relief_shared import problems
from relief_shared.limits import BodyLimit
from relief_shared.testing import serving

LIMIT = 1000


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.add_middleware(BodyLimit, max_bytes=LIMIT)
    problems.install(app)

    @app.post("/echo")
    async def echo(request: Request) -> dict:
        body = await request.body()
        return {"length": len(body), "head": body[:4].decode()}

    @app.get("/plain")
    async def plain() -> dict:
        return {"ok": True}

    async with serving(app) as base, httpx.AsyncClient(base_url=base) as c:
        yield c


async def chunks(total: int, size: int = 300) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


async def test_a_body_at_the_limit_reaches_the_app_whole(client: httpx.AsyncClient) -> None:
    r = await client.post("/echo", content=b"abcd" + b"x" * (LIMIT - 4))
    assert r.json() == {"length": LIMIT, "head": "abcd"}
    r = await client.post("/echo", content=chunks(LIMIT))  # no Content-Length: chunked
    assert r.json()["length"] == LIMIT
    assert (await client.get("/plain")).json() == {"ok": True}


async def test_a_declared_body_above_the_limit_is_a_413_problem(client: httpx.AsyncClient) -> None:
    r = await client.post("/echo", content=b"x" * (LIMIT + 1))
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["max_bytes"] == LIMIT


async def test_a_streamed_body_growing_past_the_limit_is_a_413(client: httpx.AsyncClient) -> None:
    r = await client.post("/echo", content=chunks(LIMIT * 3))
    assert r.status_code == 413
    assert (await client.get("/plain")).status_code == 200  # the server goes on serving

