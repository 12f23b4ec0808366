"""The standard procedure through all five services as `make run` runs them (policy.md §4): a
Fuxin expenditure case walks verification → investigation → appraisal → public notice → review
→ approval and is paid; a case no formula prices is deliberated by twelve under an observer and
its decided amount, above the formula's ceiling, is approved and paid. The suite clock moves
the public notice's period on."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import httpx
from relief_shared.calendar import SHANGHAI
from relief_shared.samples import SAMPLE_ORG_UNIT, fire_case
from relief_shared.stack import Stack
from relief_shared.testing import eventually, staff_token

CLERK = staff_token("clerk", sub="clerk-hjd-01", name="李经办", org_unit=SAMPLE_ORG_UNIT)
REVIEWER = staff_token("reviewer", sub="rev-hjd-01", name="钱审核", org_unit=SAMPLE_ORG_UNIT)
APPROVER = staff_token("approver", sub="appr-hjd-01", name="王审批", org_unit=SAMPLE_ORG_UNIT)
DISTRICT = staff_token("district", sub="fx-district-01", name="海州区民政局", org_unit=None)
OPS = staff_token("ops", sub="ops-1", org_unit=None)


def expenditure_case(status: str, income: str = "812.00") -> dict:
    yesterday = (datetime.now(SHANGHAI).date() - timedelta(days=1)).isoformat()
    body = fire_case()
    body["household"]["status"] = status
    body["household"]["monthly_income_per_capita"] = income
    body["situation"] = {"events": [{"kind": "chronic_illness", "occurred_on": yesterday, "description": "住院"}],
                         "severity": "serious", "needs": ["medical"],
                         "expenses": [{"category": "medical_inpatient", "amount": "23000.00",
                                       "incurred_from": yesterday, "incurred_to": yesterday}]}
    return body


class Walk:
    def __init__(self, client: httpx.AsyncClient, stack: Stack, case_id: str):
        self.client, self.stack, self.case_id = client, stack, case_id

    async def view(self) -> dict | None:
        r = await self.client.get(f"{self.stack.url('approval')}/v1/approvals/{self.case_id}", headers=DISTRICT)
        return r.json() if r.status_code == 200 else None

    async def open(self, *steps: str) -> dict:
        async def probe() -> dict | None:
            v = await self.view()
            return v if v and set(steps) <= set(v["open_steps"]) else None

        return await eventually(probe, timeout=60, message=f"{self.case_id}: {steps} open")

    async def decide(self, who: dict, step: str, **body) -> dict:
        r = await self.client.post(f"{self.stack.url('approval')}/v1/cases/{self.case_id}/decisions", headers=who,
                                   json={"step": step, "decision": "approve", **body})
        assert r.status_code == 201, r.text
        return r.json()

    async def case(self, status: str) -> dict:
        async def probe() -> dict | None:
            r = await self.client.get(f"{self.stack.url('eligibility')}/v1/cases/{self.case_id}", headers=CLERK)
            return r.json() if r.status_code == 200 and r.json()["status"] == status else None

        return await eventually(probe, timeout=60, message=f"{self.case_id} {status}")

    async def notice_over(self) -> None:
        r = await self.client.put(f"{self.stack.url('approval')}/v1/ops/clock", headers=OPS,
                                  json={"advance_seconds": 8 * 86400})
        assert r.status_code == 200, r.text


async def submit(client: httpx.AsyncClient, stack: Stack, body: dict) -> str:
    r = await client.post(f"{stack.url('eligibility')}/v1/cases", json=body, headers=CLERK)
    assert r.status_code == 201, r.text
    return r.json()["case_id"]


async def test_a_fuxin_expenditure_case_walks_the_standard_procedure_and_is_paid(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        walk = Walk(client, stack, await submit(client, stack, expenditure_case("dibao")))
        v = await walk.open("investigation")
        assert v["route"]["rules"][0] == "FX-EXP-PROC" and v["amount_ceiling"] != "0.00"
        await walk.decide(CLERK, "investigation", findings={"summary": "入户调查：住院属实"})
        await walk.open("appraisal")  # the verification, done by means-check meanwhile, lets it open
        assert next(s for s in (await walk.view())["steps"] if s["step"] == "verification")["actor"]["id"] == \
            "system:means-check"
        await walk.decide(CLERK, "appraisal", comment="民主评议无异议")
        await walk.decide(CLERK, "public_notice", notice={"where": "韩家店村务公开栏"})
        r = await client.post(f"{stack.url('approval')}/v1/cases/{walk.case_id}/decisions", headers=REVIEWER,
                              json={"step": "review", "decision": "approve"})
        assert r.status_code == 409, r.text  # the notice runs
        await walk.notice_over()
        await walk.decide(REVIEWER, "review")
        amount = str(min(Decimal(v["amount_ceiling"]), Decimal("2000.00")))
        done = await walk.decide(APPROVER, "approve", amount=amount)
        assert done["status"] == "approved"  # up to 2,000.00 the street decides (FX-ROUTE)
        paid = await walk.case("paid")
    assert paid["payments"][0]["amount"] == amount


async def test_a_case_by_case_deliberation_decides_an_amount_above_the_ceiling_which_is_paid(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        walk = Walk(client, stack, await submit(client, stack, expenditure_case("none", income="5000.00")))
        v = await walk.open("investigation")
        assert v["amount_ceiling"] == "0.00" and "FX-CASE-MIN" in v["route"]["rules"]
        await walk.decide(CLERK, "investigation", findings={"summary": "大病支出，公式无法确定金额"})
        await walk.open("deliberation")
        roles = ["street_staff", "village_committee", "resident_cadre", "residents_representative"]
        record = {"participants": [{"name": f"评议人{i}", "role": roles[i % 4]} for i in range(12)],
                  "observer": {"name": "纪检员", "unit": "韩家店镇纪委"}, "held_on": datetime.now(SHANGHAI).date().isoformat(),
                  "minutes": "领导小组集体研究，同意救助6000元", "decided_amount": "6000.00",
                  "vote": {"in_favour": 12, "against": 0, "abstain": 0}}
        url = f"{stack.url('approval')}/v1/cases/{walk.case_id}/deliberation"
        r = await client.post(url, headers=CLERK, json={**record, "participants": record["participants"][:11]})
        assert r.status_code == 422, r.text
        r = await client.post(url, headers=CLERK, json=record)
        assert r.status_code == 201, r.text
        await walk.decide(REVIEWER, "review")
        await walk.decide(CLERK, "public_notice", notice={"where": "韩家店社区公示栏"})
        await walk.notice_over()
        clock = await client.get(f"{stack.url('approval')}/v1/ops/clock", headers=OPS)
        today = date.fromisoformat(clock.json()["now"][:10])
        plan = [{"amount": "4000.00", "due": today.isoformat()},
                {"amount": "2000.00", "due": (today + timedelta(days=30)).isoformat()}]
        await walk.decide(APPROVER, "approve", amount="6000.00", channel="bank", instalments=plan)  # STAGED
        await walk.open("district_consent")  # the minutes are the district's basis (FX-CASE-MIN)
        assert (await walk.decide(DISTRICT, "district_consent"))["status"] == "approved"
        paid = await walk.case("paid")
    by_amount = {p["amount"]: p for p in paid["payments"]}
    assert by_amount["4000.00"]["status"] == "paid" and by_amount["2000.00"]["status"] == "scheduled"
    assert by_amount["2000.00"]["due"].startswith((today + timedelta(days=30)).isoformat())


async def test_refused_advance_paperwork_is_recovered_by_disbursement(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        walk = Walk(client, stack, await submit(client, stack, fire_case()))
        v = await walk.open("approve")
        assert "FX-ADV" in v["route"]["rules"]
        await walk.decide(APPROVER, "approve", amount="1000.00", comment="先行救助")
        await walk.case("paid")
        await walk.open("paperwork")  # after the advance payment (FX-ADV: 事后补齐手续)
        r = await client.post(f"{stack.url('approval')}/v1/cases/{walk.case_id}/paperwork", headers=CLERK,
                              json={"subject": "王秀兰", "reason": "火灾", "amount": "1000.00", "seal": False,
                                    "signatures": [{"name": "李经办", "role": "handler"}]})
        assert r.status_code == 201, r.text
        await walk.open("paperwork_review")
        r = await client.post(f"{stack.url('approval')}/v1/cases/{walk.case_id}/decisions", headers=DISTRICT,
                              json={"step": "paperwork_review", "decision": "reject", "comment": "无盖章，事由不实"})
        assert r.status_code == 201 and r.json()["status"] == "revoked", r.text

        async def recovery() -> list | None:
            r = await client.get(f"{stack.url('disbursement')}/v1/recoveries", params={"case_id": walk.case_id},
                                 headers=DISTRICT)
            return r.json() or None if r.status_code == 200 else None

        [opened] = await eventually(recovery, timeout=30, message="the advance recovered (ANY-RECOVER)")
    assert opened["amount"] == "1000.00" and opened["status"] == "open"
