"""benefit-calc against a real migrated database and a real NATS server, served on a socket."""
from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from benefit_calc.main import build
from benefit_calc.settings import Settings
from benefit_calc.store import calculations, plumbing
from relief_shared.contract import Envelope
from relief_shared.testing import eventually, harness_js, make_event, migrated, parse_event, serving, staff_token

CLERK = staff_token("clerk")


def body(**changes: Any) -> dict[str, Any]:
    return {"region": "fuxin-haizhou", "as_of": "2025-03-15", "classification": {"type": "emergency"},
            "household": {"status": "none", "members": [{"name": "甲"}]},
            "situation": {"severity": "severe", "expenses": []}, **changes}


def classified(case_id: str, type_: str = "emergency", accepted_on: str = "2025-03-15", **situation: Any) -> Envelope:
    return make_event(
        "case.classified", case_id, org_unit="fuxin-haizhou/hanjiadian",
        classification={"type": type_, "household_category": "none", "rules": ["CLS-EMG"], "reasons": []},
        applicant={"id_number": "210902199001011234", "name": "张三"}, bank_account="6217000010001234567",
        household={"status": "none", "size": 1, "monthly_income_per_capita": "812.00", "registered_in_region": True},
        situation={"events": [{"kind": "fire", "occurred_on": accepted_on}], "severity": "severe", "expenses": [],
                   "needs": [], **situation},
        accepted_on=accepted_on, accepted_by={"id": "clerk-1", "name": "李四"})


@pytest.fixture
async def service(database_url: str, nats_server: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    await migrated("benefit_calc", database_url)
    app = build(Settings(database_url=database_url, nats_url=nats_server.url))
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as client:
        yield client, app

@pytest.fixture
async def js(nats_server: Any) -> AsyncIterator[Any]:
    """JetStream as the tests-only harness user: the test plays eligibility."""
    async with harness_js(nats_server.url) as js:
        yield js



async def test_severe_emergency_is_5000_with_its_reason(service) -> None:  # noqa: ANN001
    client, _ = service
    r = await client.post("/v1/calculations", json=body(), headers=CLERK)
    assert r.status_code == 200, r.text
    result = r.json()
    assert type(result["ceiling"]) is str and type(result["recommended"]) is str
    assert (result["ceiling"], result["recommended"]) == ("5000.00", "5000.00")
    assert result["rules"] == ["FX-EMG-TIER"] and result["caps"] == [] and result["needs_deliberation"] is False
    [step] = result["trace"]
    assert (step["rule"], step["source"], step["result"]) == ("FX-EMG-TIER", "seed 000 三(一)", "5000.00")
    assert (await client.post("/v1/calculations", json=body())).status_code == 401


async def test_batch_keeps_the_order(service) -> None:  # noqa: ANN001
    client, _ = service
    severities = ["light", "severe", "moderate"]
    items = [body(situation={"severity": s}) for s in severities]
    items.append(body(classification="expenditure", household={"status": "dibao", "members": [{}, {}, {}]},
                      situation={"expenses": [{"category": "medical_inpatient", "amount": "23000.00"}]}))
    r = await client.post("/v1/calculations/batch", json=items, headers=staff_token("auditor"))
    assert r.status_code == 200, r.text
    assert [x["ceiling"] for x in r.json()] == ["500.00", "5000.00", "1500.00", "4560.00"]
    assert all(type(x["recommended"]) is str for x in r.json())


async def test_unknown_region_is_a_422_naming_region(service) -> None:  # noqa: ANN001
    client, _ = service
    r = await client.post("/v1/calculations", json=body(region="atlantis"), headers=CLERK)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == ["region"]


async def test_a_float_amount_is_refused(service) -> None:  # noqa: ANN001
    client, _ = service
    household = {"status": "none", "members": [{}], "monthly_income_per_capita": 812.5}
    r = await client.post("/v1/calculations", json=body(household=household), headers=CLERK)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["household.monthly_income_per_capita"]
    expenses = [{"category": "education", "amount": 3000}, {"category": "education", "amount": "-1.00"}]
    r = await client.post("/v1/calculations", json=body(situation={"expenses": expenses}), headers=CLERK)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["situation.expenses.0.amount", "situation.expenses.1.amount"]


async def test_a_parameter_missing_for_as_of_is_a_422_naming_it(service) -> None:  # noqa: ANN001
    client, _ = service
    r = await client.post("/v1/calculations", json=body(as_of="2019-01-01"), headers=CLERK)
    assert r.status_code == 422
    [error] = r.json()["errors"]
    assert error["field"] == "as_of" and error["parameter"] == "emergency_tier_ceilings"
    assert "2019-01-01" in r.json()["detail"]


async def test_another_regions_staff_is_forbidden(service) -> None:  # noqa: ANN001
    client, _ = service
    r = await client.post("/v1/calculations", json=body(), headers=staff_token("clerk", region="anyang"))
    assert r.status_code == 403


async def test_regions_and_their_dated_parameters(service) -> None:  # noqa: ANN001
    client, _ = service
    regions = (await client.get("/v1/regions", headers=CLERK)).json()
    assert [r["code"] for r in regions] == ["anyang", "chongqing-yubei", "fuxin-haizhou", "linfen", "wenzhou-dongtou"]
    fuxin = next(r for r in regions if r["code"] == "fuxin-haizhou")
    assert {"code": "fuxin-haizhou/hanjiadian", "name": "韩家店镇"} in fuxin["org_units"]
    r = await client.get("/v1/regions/fuxin-haizhou/parameters", params={"as_of": "2025-03-15"}, headers=CLERK)
    assert r.status_code == 200, r.text
    body_ = r.json()
    assert (body_["region"], body_["as_of"], body_["pack_version"]) == ("fuxin-haizhou", "2025-03-15", "2026.11.2")
    dibao = body_["parameters"]["dibao_standard"]
    assert (dibao["value"], dibao["unit"], dibao["valid_from"], dibao["sample"]) == \
        ("760.00", "yuan/person/month", "2020-01-01", True)
    assert body_["parameters"]["emergency_tier_ceilings"]["source"] == "seed 000 三(一)"
    early = (await client.get("/v1/regions/fuxin-haizhou/parameters?as_of=2019-01-01", headers=CLERK)).json()
    assert "emergency_tier_ceilings" not in early["parameters"]
    assert (await client.get("/v1/regions/atlantis/parameters", headers=CLERK)).status_code == 404


async def test_a_classified_case_is_calculated_once_and_published_once(service, js) -> None:  # noqa: ANN001
    client, app = service
    referral = classified(f"ref-{uuid.uuid4().hex[:8]}", "referral_only")
    case = classified(f"case-{uuid.uuid4().hex[:8]}")
    await js.publish(referral.subject, referral.to_bytes(), headers={"Nats-Msg-Id": referral.id})
    await js.publish(case.subject, case.to_bytes(), headers={"Nats-Msg-Id": case.id})
    last = await js.publish(case.subject, case.to_bytes())  # a second copy the stream keeps: the inbox absorbs it

    async def all_handled() -> bool:
        info = await js.consumer_info("RELIEF", "benefit-calc-classified")
        return info.ack_floor.stream_seq >= last.seq and info.num_ack_pending == 0

    await eventually(all_handled, message="both copies handled")
    engine = app.state.runtime.db.engine

    async def count(table: Any, where: Any) -> int:
        async with engine.connect() as conn:
            return await conn.scalar(select(func.count()).select_from(table).where(where))

    assert await count(calculations, calculations.c.case_id == case.case_id) == 1
    assert await count(calculations, calculations.c.case_id == referral.case_id) == 0
    assert await eventually(lambda: count(plumbing.outbox, plumbing.outbox.c.sent_at.is_not(None)),
                            message="benefit.calculated relayed") == 1
    assert await count(plumbing.outbox, plumbing.outbox.c.case_id == referral.case_id) == 0
    stream = await js.stream_info("RELIEF", subjects_filter="relief.benefit.calculated")
    assert stream.state.subjects == {"relief.benefit.calculated": 1}

    sub = await js.pull_subscribe("relief.benefit.calculated", stream="RELIEF")
    [msg] = await sub.fetch(1, timeout=5)
    published = parse_event(msg.data)
    assert (published.case_id, published.causation_id) == (case.case_id, case.id)
    data = published.data.model_dump(mode="json")
    assert (data["ceiling"], data["recommended"], data["as_of"], data["type"]) == \
        ("5000.00", "5000.00", "2025-03-15", "emergency")
    assert data["applicant"] == {"id_number": "210902199001011234", "name": "张三"}
    assert data["bank_account"] == "6217000010001234567"  # the payee's account, on to approval (FX-PAY-CHANNEL)
    assert data["accepted_by"] == {"id": "clerk-1", "name": "李四"} and data["org_unit"] == "fuxin-haizhou/hanjiadian"
    assert data["by"] == {"id": "system:benefit-calc", "name": "benefit-calc"}
    assert data["trace"][0]["source"] == "seed 000 三(一)"

    stored = await client.get(f"/v1/calculations/{case.case_id}", headers=CLERK)
    assert stored.status_code == 200 and stored.json()["ceiling"] == "5000.00"


def _mystery(case_id: str) -> tuple[Envelope, bytes]:
    event = classified(case_id)
    raw = json.loads(event.to_bytes())
    raw["data"]["classification"]["type"] = "mystery"
    return event, json.dumps(raw).encode()


@pytest.mark.parametrize("event, reason", [
    (classified("poison-severity", severity=None), "poison: cannot calculate case poison-severity: situation.severity"),
    (classified("poison-date", accepted_on="2019-01-01"), "poison: cannot calculate case poison-date: region "),
    (_mystery("poison-type"), "invalid message: case.classified.v1 does not validate: data.classification.type"),
])
async def test_an_uncalculable_case_is_parked_with_its_reason(service, js, event, reason) -> None:  # noqa: ANN001
    _, app = service
    event, raw = event if isinstance(event, tuple) else (event, event.to_bytes())
    await js.publish(event.subject, raw, headers={"Nats-Msg-Id": event.id})
    parked = plumbing.parked

    async def parked_reason() -> str | None:
        async with app.state.runtime.db.engine.connect() as conn:
            return await conn.scalar(select(parked.c.reason).where(parked.c.event_id == event.id))

    found = await eventually(parked_reason, message="poison parked")
    assert found.startswith(reason), found
    async with app.state.runtime.db.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(calculations)) == 0
