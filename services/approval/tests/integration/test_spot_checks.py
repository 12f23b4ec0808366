"""DT-SPOT: the month's samples drawn per street with their seed and population, review tasks for
the district, once per month; against a real migrated database and a real NATS server."""
from __future__ import annotations

from decimal import Decimal

from approval import spot_check
from relief_shared.testing import eventually, make_event, staff_token

from .test_approval import publish, running

REGION = "wenzhou-dongtou"
BEIYAN, DONGPING = f"{REGION}/beiyan", f"{REGION}/dongping"
OPS = staff_token("ops", sub="ops-1", region=REGION, org_unit=None)
DISTRICT = staff_token("district", sub="district-dt", name="区民政局", region=REGION, org_unit=None)


def approver(unit: str) -> dict:
    return staff_token("approver", sub=f"approver-{unit}", region=REGION, org_unit=unit)


async def approved_case(client, js, case_id: str, unit: str) -> None:  # noqa: ANN001
    await publish(js, make_event("benefit.calculated", case_id, region=REGION, org_unit=unit, type="emergency",
                                 as_of="2026-10-12", ceiling="3000.00", recommended="3000.00", needs_deliberation=False,
                                 accepted_by={"id": "clerk-dt", "name": "林经办"}))

    async def decided() -> bool:
        r = await client.post(f"/v1/cases/{case_id}/decisions", headers=approver(unit),
                              json={"step": "approve", "decision": "approve", "amount": "1000.00"})
        return r.status_code == 201

    await eventually(decided, message=f"{case_id} approved")


async def test_the_months_sample_is_drawn_once_per_street_and_reproducible_from_its_seed(
        database_url, nats_server) -> None:  # noqa: ANN001
    async with running(database_url, nats_server.url) as (client, runtime, js):
        assert (await client.put("/v1/ops/clock", json={"now": "2026-10-14T10:00:00+08:00"}, headers=OPS)).status_code == 200
        for i in range(10):
            await approved_case(client, js, f"dt-b-{i}", BEIYAN)
        for i in range(2):
            await approved_case(client, js, f"dt-d-{i}", DONGPING)
        body = {"region": REGION, "month": "2026-10"}

        early = await client.post("/v1/spot-checks", json=body, headers=DISTRICT)
        assert early.status_code == 422 and "not over" in early.json()["detail"], early.text
        assert (await client.post("/v1/spot-checks", json=body, headers=approver(BEIYAN))).status_code == 403
        bad = await client.post("/v1/spot-checks", json={**body, "month": "2026-13"}, headers=DISTRICT)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "month"

        await client.put("/v1/ops/clock", json={"now": "2026-11-02T09:00:00+08:00"}, headers=OPS)
        r = await client.post("/v1/spot-checks", json=body, headers=DISTRICT)
        assert r.status_code == 201, r.text
        run = r.json()
        assert run["rule"] == "DT-SPOT" and run["rates"]["value"]["temporary_assistance"] == "0.20"
        checks = {(c["org_unit"], c["programme"]): c for c in run["spot_checks"]}
        assert len(checks) == 3 * 4  # every street, every programme: an empty month is checked too
        beiyan = checks[(BEIYAN, "temporary_assistance")]
        assert beiyan["population"] == sorted(f"dt-b-{i}" for i in range(10)) and beiyan["sample_size"] == 2
        assert checks[(DONGPING, "temporary_assistance")]["sample_size"] == 1  # 20% of 2, rounded up
        assert checks[(BEIYAN, "dibao")]["population"] == [] and checks[(BEIYAN, "dibao")]["rate"] == "0.30"
        for c in run["spot_checks"]:  # anyone re-draws it from what is recorded
            redraw = spot_check.draw(c["seed"], c["population"], Decimal(c["rate"]))
            assert list(redraw.sample) == c["sample"] and c["verified"] is True

        again = await client.post("/v1/spot-checks", json={**body, "seed": "another-seed"}, headers=OPS)
        assert again.status_code == 200 and again.json()["created"] == 0
        assert again.json()["spot_checks"] == run["spot_checks"]  # once per month and street

        drawn = {case for c in run["spot_checks"] for case in c["sample"]}
        inbox = [t for t in (await client.get("/v1/tasks", headers=DISTRICT)).json() if t["step"] == "spot_check"]
        assert {t["case_id"] for t in inbox} == drawn and all(t["rule"] == "DT-SPOT" for t in inbox)

        case = beiyan["sample"][0]
        r = await client.post(f"/v1/spot-checks/{beiyan['id']}/reviews/{case}", headers=DISTRICT,
                              json={"outcome": "confirmed", "comment": "入户核查无误"})
        assert r.status_code == 200, r.text
        assert [v["status"] for v in r.json()["reviews"] if v["case_id"] == case] == ["done"]
        again = await client.post(f"/v1/spot-checks/{beiyan['id']}/reviews/{case}", headers=DISTRICT,
                                  json={"outcome": "confirmed"})
        assert again.status_code == 409
        inbox = [t for t in (await client.get("/v1/tasks", headers=DISTRICT)).json() if t["step"] == "spot_check"]
        assert case not in {t["case_id"] for t in inbox} and len(inbox) == len(drawn) - 1

        one = await client.get(f"/v1/spot-checks/{beiyan['id']}", headers=staff_token("auditor", region=REGION,
                                                                                     org_unit=None))
        assert one.status_code == 200 and one.json()["seed"] == beiyan["seed"]
        listed = await client.get("/v1/spot-checks?month=2026-10&org_unit=" + BEIYAN, headers=DISTRICT)
        assert len(listed.json()) == 4

        fuxin = staff_token("district", sub="district-fx", org_unit=None)
        r = await client.post("/v1/spot-checks", json={"region": "fuxin-haizhou", "month": "2026-10"}, headers=fuxin)
        assert r.status_code == 422 and "DT-SPOT" in r.json()["detail"], r.text
        assert (await client.get(f"/v1/spot-checks/{beiyan['id']}", headers=fuxin)).status_code == 404


async def test_a_finished_month_is_drawn_by_itself_once(database_url, nats_server) -> None:  # noqa: ANN001
    # (started in real time, it draws the month before today's at once: another month, no cases)
    async with running(database_url, nats_server.url, spot_checks_monthly=True) as (client, runtime, js):
        assert (await client.put("/v1/ops/clock", json={"now": "2026-03-10T10:00:00+08:00"}, headers=OPS)).status_code == 200
        for i in range(5):
            await approved_case(client, js, f"dt-m-{i}", BEIYAN)
        assert (await client.put("/v1/ops/clock", json={"now": "2026-04-01T00:30:00+08:00"}, headers=OPS)).status_code == 200

        async def march() -> list | None:
            found = (await client.get("/v1/spot-checks", params={"month": "2026-03"}, headers=DISTRICT)).json()
            return found if len(found) == 3 * 4 else None

        checks = await eventually(march, message="March drawn when it was over")
        [beiyan] = [c for c in checks if (c["org_unit"], c["programme"]) == (BEIYAN, "temporary_assistance")]
        assert beiyan["population"] == [f"dt-m-{i}" for i in range(5)] and beiyan["sample_size"] == 1
        assert beiyan["drawn_by"]["id"] == "system:approval" and beiyan["verified"] is True
        again = await client.post("/v1/spot-checks", json={"region": REGION, "month": "2026-03"}, headers=DISTRICT)
        assert again.status_code == 200 and again.json()["created"] == 0  # drawn once, whoever asks
