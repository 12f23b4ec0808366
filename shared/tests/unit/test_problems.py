"""Errors as problem documents, over a real socket: a server fault keeps the connection."""
from __future__ import annotations

import asyncio

from fastapi import FastAPI
from relief_shared import problems
from relief_shared.testing import serving


def an_app() -> FastAPI:
    app = FastAPI()
    problems.install(app)

    @app.get("/boom")
    async def boom() -> dict:
        raise RuntimeError("a bug")

    @app.get("/fine")
    async def fine() -> dict:
        return {"ok": True}

    return app


async def test_a_server_fault_is_a_problem_and_the_keep_alive_connection_survives() -> None:
    async with serving(an_app()) as base:
        host, port = base.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for path in ("/boom", "/fine"):
                writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            await writer.drain()
            replies = (await asyncio.wait_for(reader.read(65536), 5)).decode()
            while replies.count("HTTP/1.1") < 2:
                replies += (await asyncio.wait_for(reader.read(65536), 5)).decode()
        finally:
            writer.close()
        first, second = replies.split("HTTP/1.1 ")[1:3]
        assert first.startswith("500") and "application/problem+json" in first and "server-fault" in first
        assert second.startswith("200") and '{"ok":true}' in second


async def test_a_405_names_the_allowed_methods() -> None:
    import httpx

    async with serving(an_app()) as base, httpx.AsyncClient(base_url=base) as client:
        r = await client.delete("/fine")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert r.headers["content-type"].startswith("application/problem+json")
