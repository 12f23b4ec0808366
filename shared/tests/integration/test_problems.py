"""HTTP errors the framework raises become problem documents that keep their headers."""
from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI

from relief_shared import problems
from relief_shared.testing import serving


async def test_a_405_names_every_method_of_the_path() -> None:
    app, router = FastAPI(), APIRouter()
    problems.install(app)

    @router.get("/things")
    async def list_things() -> list:
        return []

    @router.post("/things")
    async def add_thing() -> dict:
        return {}

    app.include_router(router)
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as client:
        r = await client.delete("/things")
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"  # two routes, one path
    assert r.headers["content-type"].startswith("application/problem+json")
