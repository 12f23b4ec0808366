"""What a hostile tester sent the window, over a real socket, database and NATS: each body is a
4xx naming the field, and nothing reaches the case list, the tables or the JetStream stream."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import nats
import pytest
from eligibility.main import build
from eligibility.settings import Settings
from eligibility.store import cases, plumbing
from nats.aio.client import Client
from relief_shared.calendar import SHANGHAI
from relief_shared.testing import eventually, migrated, serving, staff_token
from sqlalchemy import func, select

from ..requests import SAMPLE_ID_NUMBER, changed, citizen_id, fire_case, largest_case, member

CLERK = staff_token("clerk", sub="clerk-9", name="赵经办")


@dataclass
class Window:
    http: httpx.AsyncClient
    nc: Client
    app: Any

    async def rows(self) -> tuple[int, int]:
        async with self.app.state.runtime.db.engine.connect() as conn:
            return (await conn.scalar(select(func.count()).select_from(cases)),
                    await conn.scalar(select(func.count()).select_from(plumbing.outbox)))

    async def listed(self) -> int:
        return (await self.http.get("/v1/cases", headers=CLERK)).json()["total"]

    async def in_stream(self) -> int:
        return (await self.nc.jetstream().stream_info("RELIEF")).state.messages

    async def accepted(self, body: dict[str, Any]) -> str:
        """Submit a good case and wait until its last event is in the stream: the relay publishes
        in outbox order, so whatever was written before it is in the stream by then too."""
        r = await self.http.post("/v1/cases", json=body, headers=CLERK)
        assert r.status_code == 201, r.text
        case_id = r.json()["case_id"]

        async def classified_in_stream() -> bool:
            last = await self.nc.jetstream().get_last_msg("RELIEF", "relief.case.classified")
            return json.loads(last.data)["case_id"] == case_id

        await eventually(classified_in_stream, message=f"case.classified of {case_id} in the stream")
        return case_id


@pytest.fixture
async def window(database_url, nats_server) -> AsyncIterator[Window]:  # noqa: ANN001
    await migrated("eligibility", database_url)
    app = build(Settings(database_url=database_url, nats_url=nats_server.url))
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as http:
        nc = await nats.connect(nats_server.url_as("harness"))
        try:
            yield Window(http, nc, app)
        finally:
            await nc.close()


def hostile_bodies() -> list[tuple[str, dict[str, Any], str]]:
    """(what, body, the field the refusal must name): the tester's list and its neighbours."""
    later = (datetime.now(SHANGHAI).date() + timedelta(days=7)).isoformat()
    body = fire_case()
    expense = {"category": "medical_inpatient", "amount": "2300.00", "incurred_from": "2026-09-01",
               "incurred_to": "2026-10-15"}
    unborn = citizen_id(f"210902{later.replace('-', '')}123")
    return [
        ("negative income", changed(body, "household.monthly_income_per_capita", "-812.00"),
         "household.monthly_income_per_capita"),
        ("negative expense", changed(body, "situation.expenses", [{**expense, "amount": "-2300.00"}]),
         "situation.expenses.0.amount"),
        ("three decimals", changed(body, "household.monthly_income_per_capita", "812.005"),
         "household.monthly_income_per_capita"),
        ("absurd expense", changed(body, "situation.expenses", [{**expense, "amount": "99999999999.00"}]),
         "situation.expenses.0.amount"),
        ("ID number born in the future", changed(body, "applicant.id_number", unborn), "applicant.id_number"),
        ("birth date in 2999", changed(body, "household.members.0.birth_date", "2999-01-01"),
         "household.members.0.birth_date"),
        ("birth date not the ID number's", changed(body, "household.members.0.birth_date", "1981-05-05"),
         "household.members.0.birth_date"),
        ("expense ends before it starts",
         changed(body, "situation.expenses", [{**expense, "incurred_from": "2026-10-16"}]),
         "situation.expenses.0.incurred_to"),
        ("event in the future", changed(body, "situation.events.0.occurred_on", later),
         "situation.events.0.occurred_on"),
        ("consent in the future", changed(body, "consent.signed_on", later), "consent.signed_on"),
        ("the same person twice", changed(body, "household.members", [*body["household"]["members"], member(4),
                                                                        member(4, name="王小四")]),
         "household.members.2.id_number"),
        ("disabled: yes", changed(body, "household.members.0.disabled", "yes"), "household.members.0.disabled"),
        ("registered: 1", changed(body, "household.registered_in_region", 1), "household.registered_in_region"),
        ("channel in capitals", changed(body, "channel", "WINDOW"), "channel"),
        ("date as a number", changed(body, "situation.events.0.occurred_on", 1_700_000_000),
         "situation.events.0.occurred_on"),
        ("eleven events", changed(body, "situation.events", body["situation"]["events"] * 11), "situation.events"),
        ("31 members", changed(body, "household.members", [member(i) for i in range(31)]), "household.members"),
        ("long description", changed(body, "situation.events.0.description", "火" * 2001),
         "situation.events.0.description"),
        ("control characters in a name", changed(body, "applicant.name", "王\x1b[2J"), "applicant.name"),
    ]


async def test_hostile_bodies_are_refused_by_field_and_nothing_is_written_or_published(window: Window) -> None:
    await window.accepted(fire_case())
    before = (await window.rows(), await window.listed(), await window.in_stream())
    wrong = []
    for what, body, field in hostile_bodies():
        r = await window.http.post("/v1/cases", json=body, headers=CLERK)
        named = [e["field"] for e in r.json().get("errors") or []]
        if not (r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
                and field in named):
            wrong.append((what, r.status_code, named))
    assert wrong == []
    assert (await window.rows(), await window.listed()) == before[:2]
    await window.accepted(fire_case())  # a later case's events pass any that a refused body left behind
    assert await window.in_stream() == before[2] + 2  # only its case.received and case.classified


async def test_a_body_over_the_limit_is_a_413_and_the_largest_valid_one_fits_the_broker(window: Window) -> None:
    huge = changed(fire_case(), "situation.events",
                   [{"kind": "fire", "occurred_on": "2026-11-20", "description": "房屋" * 1000}] * 600)
    r = await window.http.post("/v1/cases", json=huge, headers=CLERK)
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")
    assert await window.rows() == (0, 0)

    case_id = await window.accepted(largest_case())
    js = window.nc.jetstream()
    sizes = [len((await js.get_last_msg("RELIEF", f"relief.case.{t}")).data) for t in ("received", "classified")]
    assert max(sizes) < window.nc.max_payload / 8, (case_id, sizes, window.nc.max_payload)


async def test_query_parameters_methods_and_tokens_are_checked(window: Window) -> None:
    for query in ("page=4611686018427387904", "page=100001", "page=0", f"region={'r' * 65}", f"org_unit={'o' * 129}"):
        r = await window.http.get(f"/v1/cases?{query}", headers=CLERK)
        assert r.status_code == 422, (query, r.status_code, r.text)
    assert (await window.http.get("/v1/cases?page=100000", headers=CLERK)).json()["items"] == []

    r = await window.http.put("/v1/cases", json=fire_case(), headers=CLERK)
    assert r.status_code == 405 and sorted(r.headers["allow"].split(", ")) == ["GET", "POST"]
    assert r.headers["content-type"].startswith("application/problem+json")

    anywhere = staff_token("clerk", sub="clerk-x", org_unit=None)
    r = await window.http.post("/v1/cases", json=fire_case(), headers=anywhere)
    assert r.status_code == 401 and "org_unit" in r.json()["detail"]
    assert SAMPLE_ID_NUMBER not in r.text
    assert await window.rows() == (0, 0)
