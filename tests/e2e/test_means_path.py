"""An expenditure case's household verified across the simulated departments, through the
public contract only: intake → classification → the household handed to means-check →
department calls → the result; an emergency case beside it makes no department call."""
from __future__ import annotations


import httpx
from relief_shared.samples import (SAMPLE_ID_NUMBER, SAMPLE_ORG_UNIT, SAMPLE_SPOUSE_ID_NUMBER, fire_case,
                                   hospital_case)
from relief_shared.stack import Stack
from relief_shared.testing import eventually, staff_token

CLERK = staff_token("clerk", sub="clerk-hjd-01", name="李经办", org_unit=SAMPLE_ORG_UNIT)
AUDITOR = staff_token("auditor", sub="auditor-1", org_unit=None)
OPS = staff_token("ops", sub="ops-1", org_unit=None)
SPOUSE = SAMPLE_SPOUSE_ID_NUMBER


async def test_an_expenditure_household_is_verified_and_an_emergency_asks_nothing(stack: Stack) -> None:
    means = stack.url("means-check")
    async with httpx.AsyncClient(timeout=10) as client:
        async def calls() -> int:
            r = await client.get(f"{means}/v1/source-simulators", headers=OPS)
            return sum(r.json()["queries"].values())

        before = await calls()
        fire = await client.post(f"{stack.url('eligibility')}/v1/cases", json=fire_case(), headers=CLERK)
        r = await client.post(f"{stack.url('eligibility')}/v1/cases", json=hospital_case(), headers=CLERK)
        assert r.status_code == 201 and fire.status_code == 201, r.text
        case_id, fire_id = r.json()["case_id"], fire.json()["case_id"]

        async def finished() -> dict | None:
            check = await client.get(f"{means}/v1/checks/{case_id}", headers=CLERK)
            if check.status_code != 200 or not check.json()["verifications"]:
                return None
            [vid] = check.json()["verifications"]
            v = (await client.get(f"{means}/v1/verifications/{vid}", headers=CLERK)).json()
            return v if v["status"] in ("completed", "partial") else None

        v = await eventually(finished, timeout=60, message="the household verified")
        assert v["status"] == "completed" and v["result"]["complete"] and v["result"]["household_size"] == 2
        assert {m["member"] for m in v["members"]} == {SAMPLE_ID_NUMBER[:6] + "********" + SAMPLE_ID_NUMBER[-4:],
                                                       SPOUSE[:6] + "********" + SPOUSE[-4:]}
        assert v["requested_by"]["id"] == "clerk-hjd-01" and v["consent"]["signed_on"]
        skipped = (await client.get(f"{means}/v1/checks/{fire_id}", headers=CLERK)).json()
        assert skipped["rules"] == ["ADV-SKIP"] and skipped["verifications"] == []
        log = (await client.get(f"{means}/v1/access-log", params={"case_id": case_id}, headers=AUDITOR)).json()
        asked = [row for row in log if row["action"] == "asked"]
        assert len(asked) == await calls() - before  # every call for this case, and none for the fire
        assert (await client.get(f"{means}/v1/access-log", params={"case_id": fire_id}, headers=AUDITOR)).json() == []

        async def on_the_timeline() -> dict | None:
            doc = (await client.get(f"{stack.url('eligibility')}/v1/cases/{case_id}", headers=CLERK)).json()
            return next((t for t in doc["timeline"] if t["event"] == "means.verified"), None)

        entry = await eventually(on_the_timeline, timeout=30, message="means.verified on the case's timeline")
        assert entry["summary"].startswith("means verified (complete), income ")
