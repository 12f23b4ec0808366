"""LF-COMPLAINT across services: a complaint nobody answers in time breaches its limit on
eligibility's durable clock, and approval raises the district's task for it; the late answer
closes that task. Eligibility and approval on their own databases, one real NATS, the suite
clock moved through the ops endpoint."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from approval.main import build as build_approval
from approval.settings import Settings as ApprovalSettings
from eligibility.main import build as build_eligibility
from eligibility.settings import Settings as EligibilitySettings
from relief_shared.testing import eventually, migrated, postgres_database, serving, staff_token

REGION, TOWN = "linfen", "linfen/jiefanglu"
CLERK = staff_token("clerk", sub="clerk-lf", region=REGION, org_unit=TOWN)
DISTRICT = staff_token("district", sub="district-lf", region=REGION, org_unit=None)
OPS = staff_token("ops", sub="ops-1", region=REGION, org_unit=None)


@contextlib.asynccontextmanager
async def _eligibility_database(url: str, tmp_path: Path) -> AsyncIterator[str]:
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'eligibility.sqlite'}"
        return
    async with postgres_database() as second:
        yield second


async def test_an_unanswered_complaint_becomes_a_district_task_until_it_is_answered(database_url, nats_server,  # noqa: ANN001
                                                                                   tmp_path) -> None:  # noqa: ANN001
    async with _eligibility_database(database_url, tmp_path) as eligibility_url:
        await migrated("approval", database_url)
        await migrated("eligibility", eligibility_url)
        approval = build_approval(ApprovalSettings(database_url=database_url, nats_url=nats_server.url))
        eligibility = build_eligibility(EligibilitySettings(database_url=eligibility_url, nats_url=nats_server.url,
                                                            deadline_poll_seconds=0.5))
        async with serving(approval) as a_url, serving(eligibility) as e_url, \
                httpx.AsyncClient(base_url=a_url) as a, httpx.AsyncClient(base_url=e_url) as e:
            try:
                await _run(a, e)
            finally:
                await e.delete("/v1/ops/clock", headers=OPS)


async def _run(a: httpx.AsyncClient, e: httpx.AsyncClient) -> None:
    assert (await e.put("/v1/ops/clock", json={"now": "2026-04-01T10:00:00+08:00"}, headers=OPS)).status_code == 200
    body = {"region": REGION, "kind": "complaint", "channel": "online", "org_unit": TOWN, "subject": "错保",
            "detail": "a household with a car receives dibao", "anonymous": True}
    r = await e.post("/v1/complaints", json=body, headers=CLERK)
    assert r.status_code == 201, r.text
    cid = r.json()["complaint_id"]

    async def district_task() -> list:
        tasks = (await a.get("/v1/tasks", headers=DISTRICT)).json()
        return [t for t in tasks if t["case_id"] == cid]

    assert await district_task() == []
    assert (await e.put("/v1/ops/clock", json={"advance_seconds": 40 * 86400}, headers=OPS)).status_code == 200
    [task] = await eventually(district_task, timeout=20, message="the district's task for the breach")
    assert (task["step"], task["rule"], task["org_unit"]) == ("escalation", "LF-COMPLAINT", TOWN)
    assert task["deadline"]["service"] == "eligibility"

    await e.post(f"/v1/complaints/{cid}/verify", json={"substantiated": False, "finding": "车辆已过户"}, headers=CLERK)
    r = await e.post(f"/v1/complaints/{cid}/answer", json={"text": "经核实不属实", "channel": "online"}, headers=CLERK)
    assert r.status_code == 200 and r.json()["deadline"]["met"] is False

    async def closed() -> bool:
        return await district_task() == []

    await eventually(closed, timeout=20, message="the district's task closes with the late answer")
