"""A vagrant at the window, through all five services as `make run` runs them: one referral to the
rescue station (CLS-ROUTE-OUT), status `referred`, no means check, no amount, no approval."""
from __future__ import annotations

import httpx
from relief_shared.samples import SAMPLE_ORG_UNIT as ORG
from relief_shared.samples import fire_case
from relief_shared.stack import Stack
from relief_shared.testing import eventually, staff_token

CLERK = staff_token("clerk", sub="clerk-hjd-07", name="周经办", org_unit=ORG)
RESCUE = staff_token("partner", sub="partner-rescue_station", name="救助管理站", org_unit=None,
                     department="rescue_station")
OPS = staff_token("ops", sub="ops-1", org_unit=None)


async def test_a_vagrant_is_referred_to_the_rescue_station_with_no_means_check(stack: Stack) -> None:
    body = fire_case(channel="active_discovery")
    body["situation"] = {"events": [{"kind": "vagrancy", "occurred_on": body["situation"]["events"][0]["occurred_on"],
                                     "description": "在桥下露宿"}]}  # no severity: not an emergency
    async with httpx.AsyncClient(timeout=10) as client:
        queried = (await client.get(f"{stack.url('means-check')}/v1/source-simulators", headers=OPS)).json()
        r = await client.post(f"{stack.url('eligibility')}/v1/cases", json=body, headers=CLERK)
        assert r.status_code == 201, r.text
        assert r.json()["first_inquiry_owner"]["name"] == "周经办"
        case_id = r.json()["case_id"]

        async def skipped() -> dict:
            doc = (await client.get(f"{stack.url('eligibility')}/v1/cases/{case_id}", headers=CLERK)).json()
            assert "means.skipped" in [t["event"] for t in doc["timeline"]], doc["timeline"]
            return doc

        doc = await eventually(skipped, timeout=30, message="the means check's answer")
        assert doc["status"] == "referred"
        [referral] = doc["referrals"]
        assert referral["department"] == "rescue_station" and referral["rules"] == ["CLS-ROUTE-OUT"]
        assert doc["classification"]["type"] == "referral_only" and doc["benefit"] is None
        events = [t["event"] for t in doc["timeline"]]
        assert "means.requested" not in events and "benefit.calculated" not in events
        assert events.count("referral.rescue_station.requested") == 1

        check = (await client.get(f"{stack.url('means-check')}/v1/checks/{case_id}", headers=CLERK)).json()
        assert (check["status"], check["scope"], check["verifications"]) == ("skipped", "none", [])
        after = (await client.get(f"{stack.url('means-check')}/v1/source-simulators", headers=OPS)).json()
        assert after["queries"] == queried["queries"]  # not one department was asked about the person

        listed = (await client.get(f"{stack.url('eligibility')}/v1/referrals", headers=RESCUE)).json()
        assert [x["id"] for x in listed if x["case_id"] == case_id] == [referral["id"]]
