"""Cases of other regions through all five services as `make run` runs them: each region's own
rules decide the amount and the route, and the money leaves the way that region pays."""
from __future__ import annotations

import httpx
from relief_shared.samples import fire_case
from relief_shared.stack import Stack
from relief_shared.testing import eventually, staff_token

CQ = "chongqing-yubei/longxi"
DT = "wenzhou-dongtou/beiyan"


async def case_of(client: httpx.AsyncClient, stack: Stack, case_id: str, headers: dict, status: str) -> dict:
    async def probe() -> dict:
        doc = (await client.get(f"{stack.url('eligibility')}/v1/cases/{case_id}", headers=headers)).json()
        assert doc["status"] == status, doc["status"]
        return doc

    return await eventually(probe, timeout=60, message=f"{case_id} {status}")


async def submit(client: httpx.AsyncClient, stack: Stack, clerk: dict, region: str, org_unit: str, **household) -> str:
    body = fire_case(region=region, org_unit=org_unit)
    body["household"].update(household)
    r = await client.post(f"{stack.url('eligibility')}/v1/cases", json=body, headers=clerk)
    assert r.status_code == 201, r.text
    return r.json()["case_id"]


async def approve(client: httpx.AsyncClient, stack: Stack, case_id: str, approver: dict, amount: str) -> None:
    r = await client.post(f"{stack.url('approval')}/v1/cases/{case_id}/decisions", headers=approver,
                          json={"step": "approve", "decision": "approve", "amount": amount, "comment": "先行救助"})
    assert r.status_code == 201, r.text


async def test_a_chongqing_registered_poor_household_is_helped_at_class_b_within_its_limits(stack: Stack) -> None:
    clerk = staff_token("clerk", sub="cq-clerk", name="渝北经办", region="chongqing-yubei", org_unit=CQ)
    approver = staff_token("approver", sub="cq-approver", name="渝北审批", region="chongqing-yubei", org_unit=CQ)
    async with httpx.AsyncClient(timeout=10) as client:
        case_id = await submit(client, stack, clerk, "chongqing-yubei", CQ, status="registered_poor")
        pending = await case_of(client, stack, case_id, clerk, "pending_approval")
        assert pending["benefit"]["rules"] == ["CQ-CLASS-B"]

        async def limits() -> set[str]:
            doc = (await client.get(f"{stack.url('eligibility')}/v1/cases/{case_id}", headers=clerk)).json()
            rules = {d["rule"] for d in doc["deadlines"]}
            assert rules >= {"CQ-ADV", "CQ-EMG-3WD"}, rules  # the region's own limits, on the case
            return rules

        await eventually(limits, timeout=30, message="Chongqing's time limits on the case")
        await approve(client, stack, case_id, approver, pending["benefit"]["ceiling"])
        paid = await case_of(client, stack, case_id, clerk, "paid")
    [payment] = paid["payments"]
    assert payment["status"] == "paid" and payment["amount"] == pending["benefit"]["ceiling"]
    assert "FX-EMG-TIER" not in str(paid["benefit"]) and "FX-ADV" not in str(paid["approval"])  # no Fuxin rule


async def test_dongtou_pays_advance_aid_from_the_street_reserve_fund_once_it_is_topped_up(stack: Stack) -> None:
    clerk = staff_token("clerk", sub="dt-clerk", name="洞头经办", region="wenzhou-dongtou", org_unit=DT)
    approver = staff_token("approver", sub="dt-approver", name="洞头审批", region="wenzhou-dongtou", org_unit=DT)
    district = staff_token("district", sub="dt-district", name="洞头民政局", region="wenzhou-dongtou", org_unit=None)
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(f"{stack.url('disbursement')}/v1/reserve-funds/{DT}/top-ups", headers=district,
                              json={"amount": "20000.00", "reason": "quarterly allocation", "kind": "allocation"})
        assert r.status_code in (200, 201), r.text
        case_id = await submit(client, stack, clerk, "wenzhou-dongtou", DT)
        pending = await case_of(client, stack, case_id, clerk, "pending_approval")
        assert pending["benefit"]["rules"] == ["FX-CASE"] and pending["benefit"]["ceiling"] == "5000.00"
        await approve(client, stack, case_id, approver, "5000.00")  # the street alone, whatever the amount (DT-15D)
        paid = await case_of(client, stack, case_id, clerk, "paid")
        fund = (await client.get(f"{stack.url('disbursement')}/v1/reserve-funds/{DT}", headers=district)).json()
    assert paid["payments"][0]["amount"] == "5000.00"
    assert fund["balance"] == "15000.00"
