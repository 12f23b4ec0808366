"""`POST /v1/calculations` answers the same bytes with and without its fast lane
(relief_shared.fastlane): successes of every region and kind, and every refusal, which the lane
leaves to the route."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from benefit_calc import api
from benefit_calc.main import build
from benefit_calc.settings import Settings
from relief_shared.fastlane import LaneRequest
from relief_shared.testing import migrated, serving, staff_token


def body(region: str = "fuxin-haizhou", **changes: Any) -> dict[str, Any]:
    return {"region": region, "as_of": "2026-07-01", "classification": {"type": "emergency"},
            "household": {"status": "none", "members": [{"name": "甲"}]}, "situation": {"severity": "severe"},
            **changes}


def token(region: str = "fuxin-haizhou", *roles: str) -> dict[str, str]:
    return staff_token(*(roles or ("clerk",)), region=region, org_unit=None if "auditor" in roles else f"{region}/x")


SUCCESSES = [
    (body(), token()),
    (body(situation={"severity": "light"}), token("fuxin-haizhou", "auditor")),
    (body(classification="expenditure", household={"status": "dibao", "members": [{}, {}, {}]},
          situation={"expenses": [{"category": "medical_inpatient", "amount": "23000.00", "note": "住院"}]}), token()),
    (body("linfen", paid_this_year={"person": "4999.99"}), token("linfen")),
    (body("anyang", classification={"type": "dibao"},
          household={"status": "none", "members": [{}, {}], "monthly_income_per_capita": "120.50"}), token("anyang")),
    (body("wenzhou-dongtou", classification={"type": "tekun_care"}, care={"ability": "moderate", "dispersed": True},
          household={"status": "tekun", "members": [{}]}), token("wenzhou-dongtou")),
]
REFUSALS = [
    (body(), {}),  # no token
    (body(), {"Authorization": "Bearer not-a-token"}),
    (body(), {"Authorization": token()["Authorization"].replace("Bearer", "Basic")}),
    (body(), staff_token("partner", region="fuxin-haizhou")),  # not staff
    (body("linfen"), token()),  # another region's case
    (body("atlantis"), token()),
    (body(as_of="1990-01-01"), token()),  # before any parameter was in force
    (body("chongqing-yubei", classification={"type": "tekun_care"}, care={"ability": "mild"}), token("chongqing-yubei")),
    (body(paid_this_year={"person": 12.5}), token()),  # a float amount
    (body(situation={"severity": "catastrophic"}), token()),
    ({"region": "fuxin-haizhou"}, token()),
    ([body()], token()),
    (None, token()),
]


@pytest.fixture
async def both(database_url: str, nats_server: Any) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    await migrated("benefit_calc", database_url)
    with_lane = build(Settings(database_url=database_url, nats_url=nats_server.url))
    without = build(Settings(database_url=database_url, nats_url=nats_server.url, fast_lanes=False))
    async with serving(with_lane) as a, serving(without) as b, \
            httpx.AsyncClient(base_url=a) as lane, httpx.AsyncClient(base_url=b) as route:
        lane.app = with_lane  # the served app itself, for calling its lane handler directly
        yield lane, route


async def answers(client: httpx.AsyncClient, payload: Any, headers: dict[str, str], **extra: Any) -> tuple:
    r = await client.post("/v1/calculations", json=payload, headers=headers, **extra)
    return r.status_code, r.headers["content-type"], r.content


async def test_the_lane_answers_byte_for_byte_as_the_route(both) -> None:  # noqa: ANN001
    lane, route = both
    for case, (payload, headers) in enumerate(SUCCESSES + REFUSALS):
        got, expected = await answers(lane, payload, headers), await answers(route, payload, headers)
        assert got == expected, case
        assert (got[0] == 200) == (case < len(SUCCESSES)), (case, got)


async def test_a_body_that_is_not_json_is_the_routes_422(both) -> None:  # noqa: ANN001
    lane, route = both
    for content, kind in ((b"{", "application/json"), (b"", "application/json"),
                          (b'{"region": "fuxin-haizhou"}', "text/plain")):
        headers = {**token(), "Content-Type": kind}
        got = await lane.post("/v1/calculations", content=content, headers=headers)
        expected = await route.post("/v1/calculations", content=content, headers=headers)
        assert (got.status_code, got.content) == (expected.status_code, expected.content)
        assert got.status_code == 422


async def test_the_lane_itself_serves_the_successes(both) -> None:  # noqa: ANN001
    """Not dead code: the handler answers each success itself and declines each refusal."""
    lane, route = both
    app = lane.app
    for case, (payload, headers) in enumerate(SUCCESSES + REFUSALS):
        request = LaneRequest(app, {b"content-type": b"application/json",
                                    **{k.lower().encode(): v.encode() for k, v in headers.items()}},
                              json.dumps(payload).encode())
        answer = await api.calculate_in_lane(request)
        assert (answer is not None) == (case < len(SUCCESSES)), case
        if answer is not None:
            assert answer == (await answers(route, payload, headers))[2]
