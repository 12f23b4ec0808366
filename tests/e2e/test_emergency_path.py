"""One emergency case from the window to the bank, through the public contract only."""
from __future__ import annotations

import asyncio
import copy
from decimal import Decimal

import httpx

from relief_shared.stack import Stack
from relief_shared.testing import eventually, staff_token

ORG = "fuxin-haizhou/hanjiadian"
CLERK = staff_token("clerk", sub="clerk-hjd-01", name="李经办", org_unit=ORG)
APPROVER = staff_token("approver", sub="approver-hjd-01", name="张审批", org_unit=ORG)
CLERK_AND_APPROVER = staff_token("clerk", "approver", sub="clerk-hjd-02", name="赵双岗", org_unit=ORG)
OTHER_TOWN_APPROVER = staff_token("approver", sub="approver-xs-01", name="钱审批", org_unit="fuxin-haizhou/xishan")
FIRE_CASE = {
    "region": "fuxin-haizhou", "org_unit": ORG, "channel": "window", "applies_for": "temporary_assistance",
    "applicant": {"id_number": "210902198001011236", "name": "王秀兰", "phone": "13800000000"},
    "household": {"status": "none", "registered_in_region": True, "monthly_income_per_capita": "812.00",
                  "members": [{"id_number": "210902198001011236", "name": "王秀兰", "relation": "self",
                               "birth_date": "1980-01-01"}]},
    "situation": {"events": [{"kind": "fire", "occurred_on": "2026-11-20", "description": "house fire"}],
                  "severity": "severe", "needs": ["housing"]},
    "consent": {"means_check": True, "signed_on": "2026-11-21"},
}


async def case(client: httpx.AsyncClient, stack: Stack, case_id: str) -> dict:
    r = await client.get(f"{stack.url('eligibility')}/v1/cases/{case_id}", headers=CLERK)
    r.raise_for_status()
    return r.json()


async def reaches(client: httpx.AsyncClient, stack: Stack, case_id: str, status: str, timeout: float = 30) -> dict:
    async def probe() -> dict:
        doc = await case(client, stack, case_id)
        assert doc["status"] == status, doc["status"]
        return doc

    return await eventually(probe, timeout=timeout, message=f"{case_id} {status}")


async def submit(client: httpx.AsyncClient, stack: Stack, headers: dict = CLERK, **changes) -> str:  # noqa: ANN003
    body = copy.deepcopy(FIRE_CASE) | changes
    r = await client.post(f"{stack.url('eligibility')}/v1/cases", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["case_id"]


async def approve(client: httpx.AsyncClient, stack: Stack, case_id: str, headers: dict = APPROVER,
                  amount: str = "5000.00") -> httpx.Response:
    return await client.post(f"{stack.url('approval')}/v1/cases/{case_id}/decisions", headers=headers,
                             json={"step": "approve", "decision": "approve", "amount": amount,
                                   "comment": "advance assistance"})


async def test_fire_case_is_paid_with_its_rule_and_timeline(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        case_id = await submit(client, stack, headers=CLERK_AND_APPROVER)
        pending = await reaches(client, stack, case_id, "pending_approval")
        assert pending["benefit"]["ceiling"] == "5000.00"
        assert "FX-EMG-TIER" in pending["benefit"]["rules"]
        assert any("seed 000 三(一)" in t["source"] for t in pending["benefit"]["trace"])

        tasks = (await client.get(f"{stack.url('approval')}/v1/tasks", headers=APPROVER)).json()
        assert any(t["case_id"] == case_id and t["step"] == "approve" for t in tasks)
        other_tasks = (await client.get(f"{stack.url('approval')}/v1/tasks", headers=OTHER_TOWN_APPROVER)).json()
        assert all(t["case_id"] != case_id for t in other_tasks)

        refused = await approve(client, stack, case_id, headers=CLERK_AND_APPROVER)
        assert refused.status_code == 409, refused.text  # the clerk who accepted it may not approve it
        assert (await approve(client, stack, case_id)).status_code in (200, 201)

        paid = await reaches(client, stack, case_id, "paid")
        assert paid["approval"]["amount"] == "5000.00"
        [payment] = paid["payments"]
        assert payment["status"] == "paid" and payment["amount"] == "5000.00"
        events = [t["event"] for t in paid["timeline"]]
        for expected in ("case.received", "case.classified", "means.skipped", "benefit.calculated",
                         "approval.requested", "case.approved", "payment.scheduled", "payment.paid"):
            assert expected in events, events
        who = {t["event"]: t["by"]["name"] for t in paid["timeline"]}
        assert who["case.received"] == "赵双岗" and who["case.approved"] == "张审批"
        assert all(isinstance(v, str) for v in (paid["benefit"]["ceiling"], payment["amount"]))
        Decimal(payment["amount"])  # exact, a string, never a float

        payments = (await client.get(f"{stack.url('disbursement')}/v1/payments", params={"case_id": case_id},
                                     headers=CLERK)).json()
        assert [p["status"] for p in payments] == ["paid"]


async def test_cases_submitted_while_nats_is_down_complete_after_it_returns(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        stack.nats.stop()
        try:
            case_ids = [await submit(client, stack) for _ in range(3)]
        finally:
            stack.nats.start()
        for case_id in case_ids:
            await reaches(client, stack, case_id, "pending_approval", timeout=60)
        for case_id in case_ids:
            assert (await approve(client, stack, case_id)).status_code in (200, 201)
        await asyncio.gather(*(reaches(client, stack, c, "paid", timeout=60) for c in case_ids))
