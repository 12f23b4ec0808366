"""Intake over a real socket with a real database and NATS: bad input changes nothing."""
from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from eligibility.main import build
from eligibility.settings import Settings
from eligibility.store import cases, plumbing
from relief_shared.testing import eventually, harness_js, migrated, published, serving, staff_token
from sqlalchemy import func, select

from ..requests import fire_case

CLERK = staff_token("clerk", sub="clerk-7", name="李经办")


@pytest.fixture
async def client(database_url, nats_server) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    await migrated("eligibility", database_url)
    app = build(Settings(database_url=database_url, nats_url=nats_server.url))
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as c:
        c.app = app
        yield c


async def rows(client: httpx.AsyncClient) -> tuple[int, int]:
    async with client.app.state.runtime.db.engine.connect() as conn:
        return (await conn.scalar(select(func.count()).select_from(cases)),
                await conn.scalar(select(func.count()).select_from(plumbing.outbox)))


@pytest.mark.parametrize(("body", "field"), [
    (fire_case(region="atlantis"), "region"),
    (fire_case(org_unit="fuxin-haizhou/nowhere"), "org_unit"),
    (fire_case(applicant={"id_number": "210902198001011230", "name": "王"}), "applicant.id_number"),
    (fire_case(applicant={**fire_case()["applicant"], "bank_account": "6217-0000-1000"}), "applicant.bank_account"),
    ({**fire_case(), "household": {**fire_case()["household"], "monthly_income_per_capita": 812.5}},
     "household.monthly_income_per_capita"),
    ({k: v for k, v in fire_case().items() if k != "situation"}, "situation"),
    (fire_case(applies_for="tekun"), "applies_for"),  # Fuxin's pack has no tekun procedure: no case to strand
])
async def test_bad_body_is_a_problem_naming_the_field_and_changes_nothing(client, body, field) -> None:  # noqa: ANN001
    r = await client.post("/v1/cases", json=body, headers=CLERK)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in r.json()["errors"]]
    assert await rows(client) == (0, 0)


async def test_case_is_received_and_classified_with_a_timeline(client) -> None:  # noqa: ANN001
    r = await client.post("/v1/cases", json=fire_case(), headers=CLERK)
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]

    async def classified() -> dict:
        doc = (await client.get(f"/v1/cases/{case_id}", headers=CLERK)).json()
        assert doc["status"] == "classified", doc["status"]
        return doc

    doc = await eventually(classified, message="case classified")
    assert doc["classification"]["type"] == "emergency"
    # 812.00 a person is not above 3 × Fuxin's 760.00: a low-income household by FX-LOWINC
    assert doc["classification"]["rules"] == ["CLS-EMG", "FX-LOWINC"]
    assert doc["classification"]["household_category"] == "low_income"
    assert [t["event"] for t in doc["timeline"]] == ["case.received", "case.classified"]
    assert doc["timeline"][0]["by"] == {"id": "clerk-7", "name": "李经办"}


async def test_the_applicants_bank_account_travels_with_the_classified_case(client, nats_server) -> None:  # noqa: ANN001
    """FX-PAY-CHANNEL: the account given at the window is what approval and disbursement pay to."""
    r = await client.post("/v1/cases", json=fire_case(), headers=CLERK)
    assert r.status_code == 201, r.text
    async with harness_js(nats_server.url) as js:
        [classified] = await eventually(lambda: published(js, "relief.case.classified", case_id=r.json()["case_id"]))
    assert classified.data.bank_account == fire_case()["applicant"]["bank_account"] == "6217000010001234567"


async def test_idempotency_key_replays_and_conflicts(client) -> None:  # noqa: ANN001
    headers = {**CLERK, "Idempotency-Key": "window-42"}
    first = await client.post("/v1/cases", json=fire_case(), headers=headers)
    again = await client.post("/v1/cases", json=fire_case(), headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    other = await client.post("/v1/cases", json=fire_case(channel="hotline"), headers=headers)
    assert other.status_code == 409
    too_long = await client.post("/v1/cases", json=fire_case(), headers={**CLERK, "Idempotency-Key": "k" * 201})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "Idempotency-Key"
    assert (await rows(client))[0] == 1


async def test_auth_and_region_are_enforced(client) -> None:  # noqa: ANN001
    assert (await client.post("/v1/cases", json=fire_case())).status_code == 401
    assert (await client.post("/v1/cases", json=fire_case(), headers=staff_token("auditor"))).status_code == 403
    other_region = staff_token("clerk", region="anyang", org_unit="anyang/beiguan")
    assert (await client.post("/v1/cases", json=fire_case(), headers=other_region)).status_code == 403
    assert await rows(client) == (0, 0)


async def test_asyncapi_document_names_every_event_the_case_view_reads(client) -> None:  # noqa: ANN001
    from relief_shared.contract.consumers import ELIGIBILITY_CASE_VIEW

    doc = (await client.get("/asyncapi.json")).json()
    assert doc["asyncapi"] == "3.0.0"
    addresses = {c["address"] for c in doc["channels"].values()}
    assert set(ELIGIBILITY_CASE_VIEW.subjects) <= addresses
