"""A Dongtou dibao application through the public contract: intake (`applies_for: dibao`) →
classification → the household verified in full by means-check → approval's DT-20D procedure
(verification and home visit in parallel, review, approval by three people) → `status.changed`
on the bus, and no one-off payment; the approval record prints."""
from __future__ import annotations

import json
from datetime import date

import httpx
import nats
from relief_shared.samples import fire_case
from relief_shared.stack import Stack
from relief_shared.testing import eventually, staff_token

REGION, TOWN = "wenzhou-dongtou", "wenzhou-dongtou/beiyan"
ID_NUMBER = "330322195001011232"


def people() -> dict[str, dict]:
    return {"clerk": staff_token("clerk", sub="clerk-dt-1", name="林经办", region=REGION, org_unit=TOWN),
            "reviewer": staff_token("reviewer", sub="reviewer-dt-1", name="钱审核", region=REGION, org_unit=TOWN),
            "approver": staff_token("approver", sub="approver-dt-1", name="王审批", region=REGION, org_unit=TOWN)}


def dibao_application(today: date) -> dict:
    body = fire_case(on=today, region=REGION, org_unit=TOWN, applies_for="dibao")
    body["applicant"] = {"id_number": ID_NUMBER, "name": "陈阿婆", "phone": "13900000000",
                         "bank_account": "6217000010005556667"}
    body["household"] = {"status": "none", "registered_in_region": True, "monthly_income_per_capita": "400.00",
                         "members": [{"id_number": ID_NUMBER, "name": "陈阿婆", "relation": "self",
                                      "birth_date": "1950-01-01", "disabled": False, "seriously_ill": True,
                                      "able_to_work": False}]}
    body["situation"] = {"events": [], "expenses": [], "needs": []}  # an application states no emergency
    return body


async def test_a_dibao_application_is_decided_by_its_procedure_and_changes_the_status(stack: Stack) -> None:
    p = people()
    approval = stack.url("approval")
    async with httpx.AsyncClient(timeout=10) as client:
        clock = (await client.get(f"{approval}/v1/ops/clock", headers=p["clerk"])).json()
        today = date.fromisoformat(clock["now"][:10])
        r = await client.post(f"{stack.url('eligibility')}/v1/cases", json=dibao_application(today),
                              headers=p["clerk"])
        assert r.status_code == 201, r.text
        case_id = r.json()["case_id"]

        async def verified() -> dict | None:
            v = await client.get(f"{approval}/v1/approvals/{case_id}", headers=p["reviewer"])
            return v.json() if v.status_code == 200 and "verification" not in v.json()["open_steps"] else None

        view = await eventually(verified, timeout=60, message="routed, and the household verified in full")
        assert view["type"] == "dibao" and view["amount_ceiling"] == "685.00"  # 1085 − 400, one person
        assert [d["rule"] for d in view["deadlines"]] == ["DT-20D"]
        assert view["open_steps"] == ["investigation"]

        async def decide(who: str, step: str, **body) -> dict:
            r = await client.post(f"{approval}/v1/cases/{case_id}/decisions", headers=p[who],
                                  json={"step": step, "decision": "approve", **body})
            assert r.status_code == 201, r.text
            return r.json()

        await decide("clerk", "investigation", findings={"summary": "入户核查：独居，无劳动能力"})
        await decide("reviewer", "review")
        assert (await decide("approver", "approve", amount="685.00"))["status"] == "approved"

        view = (await client.get(f"{approval}/v1/approvals/{case_id}", headers=p["reviewer"])).json()
        assert [d["state"] for d in view["deadlines"]] == ["met"]
        assert view["record"]["subject"]["name"] == "陈阿婆"
        page = await client.get(f"{approval}/v1/approvals/{case_id}?format=html", headers=p["reviewer"])
        assert "陈阿婆" in page.text and "王审批" in page.text and "北岙街道" in page.text

    nc = await nats.connect(stack.nats.url_as("ops"))  # read-only monitoring user: reads, creates nothing
    try:
        js = nc.jetstream()

        async def on_the_bus(subject: str) -> list[dict]:
            info = await js.stream_info("RELIEF")
            found = []
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                msg = await js.get_msg("RELIEF", seq)
                envelope = json.loads(msg.data)
                if msg.subject == subject and envelope["case_id"] == case_id:
                    found.append(envelope)
            return found

        [changed] = await eventually(lambda: on_the_bus("relief.status.changed"), timeout=20,
                                     message="status.changed on the bus")
        data = changed["data"]
        assert changed["source"] == "approval" and changed["region"] == REGION
        assert (data["person"], data["status"], data["previous"]) == ({"id_number": ID_NUMBER, "name": "陈阿婆"},
                                                                      "dibao", "none")
        assert data["monthly_amount"] == "685.00" and data["household_size"] == 1 and "DT-20D" in data["rules"]
        assert data["bank_account"] == "6217000010005556667"  # the payroll pays the account given at the window
        assert await on_the_bus("relief.case.approved") == []  # no one-off payment
    finally:
        await nc.close()

    async with httpx.AsyncClient(timeout=10) as client:  # the status register (DT-NO-PAPER), where the suite has it
        spec = (await client.get(f"{stack.url('eligibility')}/openapi.json")).json()
        if "/v1/status/{id_number}" not in spec["paths"]:
            return
        education = staff_token("partner", sub="system:education", name="教育局", region=REGION, org_unit=None,
                                department="education")

        async def registered() -> dict | None:
            r = await client.get(f"{stack.url('eligibility')}/v1/status/{ID_NUMBER}",
                                 params={"purpose": "education aid check"}, headers=education)
            return r.json() if r.status_code == 200 and r.json()["status"] == "dibao" else None

        found = await eventually(registered, timeout=20, message="GET /v1/status shows the new dibao status")
        assert found["region"] == REGION and found["since"] == data["since"]
