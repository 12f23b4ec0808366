"""The fast lane over a real socket: it answers what its handler takes, and the route answers
everything else with the body it would have had without the lane."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request

from relief_shared import problems
from relief_shared.fastlane import FastLane, LaneRequest
from relief_shared.limits import BodyLimit
from relief_shared.problems import Unprocessable
from relief_shared.testing import serving


async def double(request: LaneRequest) -> bytes | None:
    """Takes {"n": <int>} with the token "good"; leaves anything else to the route."""
    if request.authorization != "Bearer good" or not request.is_json():
        return None
    n = json.loads(request.body).get("n")
    return json.dumps({"n": n * 2, "by": "lane"}).encode() if isinstance(n, int) else None


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.add_middleware(FastLane, routes={("POST", "/double"): double})
    app.add_middleware(BodyLimit, max_bytes=1000)
    problems.install(app)

    @app.post("/double")
    async def route(request: Request) -> dict:
        body = await request.json()
        if not isinstance(body.get("n"), int):
            raise Unprocessable("n must be an integer", errors=[{"field": "n", "message": "not an integer"}])
        return {"n": body["n"] * 2, "by": "route", "auth": request.headers.get("authorization"),
                "query": request.url.query}

    async with serving(app) as base, httpx.AsyncClient(base_url=base) as c:
        yield c


async def test_the_lane_answers_what_its_handler_takes(client: httpx.AsyncClient) -> None:
    r = await client.post("/double", json={"n": 21}, headers={"Authorization": "Bearer good"})
    assert (r.status_code, r.json()) == (200, {"n": 42, "by": "lane"})
    assert r.headers["content-type"] == "application/json" and r.headers["content-length"] == str(len(r.content))


async def test_everything_else_reaches_the_route_with_its_body(client: httpx.AsyncClient) -> None:
    r = await client.post("/double", json={"n": 21}, headers={"Authorization": "Bearer other"})
    assert r.json() == {"n": 42, "by": "route", "auth": "Bearer other", "query": ""}  # the body was replayed whole
    r = await client.post("/double", json={"n": "x"}, headers={"Authorization": "Bearer good"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "n"  # the route's own refusal
    r = await client.post("/double?x=1", json={"n": 1}, headers={"Authorization": "Bearer good"})
    assert r.json()["by"] == "route" and r.json()["query"] == "x=1"  # a query string is the route's to read
    r = await client.post("/double", content=b'{"n": 1}', headers={"Authorization": "Bearer good",
                                                                   "Content-Type": "text/plain"})
    assert r.json()["by"] == "route"


async def test_the_first_of_repeated_headers_counts_as_in_the_route(client: httpx.AsyncClient) -> None:
    headers = httpx.Headers([("Authorization", "Bearer other"), ("Authorization", "Bearer good")])
    r = await client.post("/double", json={"n": 1}, headers=headers)
    assert r.json()["by"] == "route" and r.json()["auth"] == "Bearer other"


async def test_the_body_limit_stands_in_front_of_the_lane(client: httpx.AsyncClient) -> None:
    r = await client.post("/double", json={"n": 1, "pad": "x" * 2000}, headers={"Authorization": "Bearer good"})
    assert r.status_code == 413
