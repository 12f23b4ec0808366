"""Complaints and tip-offs (LF-COMPLAINT) over a real socket, database and NATS: recorded from
any channel, anonymous or named, assigned, verified and answered; the region's limit runs on the
durable clock, fires once when nobody answers (the suite clock moved through the ops endpoint),
and the late answer closes it as late."""
from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from eligibility.main import build
from eligibility.settings import Settings
from relief_shared import testing
from relief_shared.samples import fire_case
from relief_shared.testing import eventually, harness_js, migrated, serving, staff_token

DT = "wenzhou-dongtou"
BEIYAN, YUANJUE = "wenzhou-dongtou/beiyan", "wenzhou-dongtou/yuanjue"
CLERK = staff_token("clerk", sub="clerk-by", region=DT, org_unit=BEIYAN)
OTHER_TOWN = staff_token("clerk", sub="clerk-yj", region=DT, org_unit=YUANJUE)
DISTRICT = staff_token("district", sub="district-dt", region=DT, org_unit=None)
AUDITOR = staff_token("auditor", sub="auditor-dt", region=DT, org_unit=None)
OPS = staff_token("ops", sub="ops-1", region=DT, org_unit=None)
FUXIN_CLERK = staff_token("clerk", sub="clerk-fx")


@pytest.fixture
async def client(database_url, nats_server) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    await migrated("eligibility", database_url)
    app = build(Settings(database_url=database_url, nats_url=nats_server.url, deadline_poll_seconds=0.5))
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as c, harness_js(nats_server.url) as js:
        await app.state.runtime.bus.wait_ready()
        c.js = js  # the test plays the other services and reads what eligibility published
        yield c
        await c.delete("/v1/ops/clock", headers=OPS)


def complaint(**changes) -> dict:  # noqa: ANN003
    body = {"region": DT, "kind": "tip_off", "channel": "hotline", "channel_ref": "12345-2026-000731",
            "org_unit": BEIYAN, "subject": "人情保", "detail": "a relative of a village cadre receives dibao",
            "anonymous": True}
    return {**body, **changes}


async def deadline_events(c: httpx.AsyncClient, kind: str, complaint_id: str) -> list:
    return await testing.published(c.js, f"relief.deadline.{kind}", case_id=complaint_id)


async def test_an_unanswered_tip_off_breaches_its_limit_once_and_the_late_answer_is_recorded(client) -> None:  # noqa: ANN001
    await client.put("/v1/ops/clock", json={"now": "2026-03-02T09:00:00+08:00"}, headers=OPS)
    headers = {**CLERK, "Idempotency-Key": "hotline-731"}
    r = await client.post("/v1/complaints", json=complaint(), headers=headers)
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["status"], created["assigned_to"]) == ("assigned", BEIYAN)
    # 15 working days after Mon 2 March 2026 (the start day does not count): Mon 23 March, 23:59:59
    assert created["due"] == "2026-03-23T23:59:59+08:00"
    again = await client.post("/v1/complaints", json=complaint(), headers=headers)
    assert again.status_code == 201 and again.json() == created
    cid = created["complaint_id"]

    doc = (await client.get(f"/v1/complaints/{cid}", headers=CLERK)).json()
    assert doc["deadline"]["rule"] == "LF-COMPLAINT" and doc["deadline"]["state"] == "open"
    assert doc["complainant"] is None and doc["anonymous"] is True
    assert (await client.get(f"/v1/complaints/{cid}", headers=OTHER_TOWN)).status_code == 404
    assert (await client.get(f"/v1/complaints/{cid}", headers=FUXIN_CLERK)).status_code == 404
    r = await client.post(f"/v1/complaints/{cid}/answer", json={"text": "查无此事", "channel": "none"}, headers=CLERK)
    assert r.status_code == 409, r.text  # 件件有核实: verified before it is answered

    # nobody answers: the suite clock passes the due instant and the limit fires, once
    await client.put("/v1/ops/clock", json={"now": "2026-03-24T09:00:00+08:00"}, headers=OPS)

    async def breached() -> dict | None:
        d = (await client.get(f"/v1/complaints/{cid}", headers=CLERK)).json()["deadline"]
        return d if d["state"] == "breached" else None

    await eventually(breached, message="the complaint's limit breached")
    [fired] = await eventually(lambda: deadline_events(client, "breached", cid), message="deadline.breached")
    assert fired.data.rule == "LF-COMPLAINT" and fired.data.org_unit == BEIYAN and fired.data.escalate_to == "district"
    assert len(await deadline_events(client, "due_soon", cid)) == 1

    async def overview() -> list:
        page = (await client.get("/v1/deadlines", params={"state": "breached"}, headers=DISTRICT)).json()
        return [i for i in page["items"] if i["case_id"] == cid]

    await eventually(overview, message="the district overview shows the breach")

    r = await client.post(f"/v1/complaints/{cid}/verify", json={"substantiated": True, "finding": "属实，已纠正"},
                          headers=CLERK)
    assert r.status_code == 200, r.text
    r = await client.post(f"/v1/complaints/{cid}/answer", json={"text": "已核实并取消其低保", "channel": "none"},
                          headers=CLERK)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["status"] == "answered" and doc["answer"]["text"] == "已核实并取消其低保"
    assert doc["verification"]["substantiated"] is True
    assert (doc["deadline"]["state"], doc["deadline"]["met"]) == ("breached", False)
    assert doc["deadline"]["late_by_seconds"] > 0
    assert [h["action"] for h in doc["history"]] == ["received", "assigned", "verified", "answered"]
    [closed] = await eventually(lambda: deadline_events(client, "closed", cid), message="deadline.closed")
    assert closed.data.met is False
    assert len(await deadline_events(client, "breached", cid)) == 1
    r = await client.post(f"/v1/complaints/{cid}/answer", json={"text": "again", "channel": "none"}, headers=CLERK)
    assert r.status_code == 409


async def test_a_named_complaint_goes_to_the_district_which_assigns_it(client) -> None:  # noqa: ANN001
    body = complaint(kind="complaint", channel="window", org_unit=None, anonymous=False, channel_ref=None,
                     complainant={"name": "张三", "phone": "13800000000"})
    r = await client.post("/v1/complaints", json=body, headers=CLERK)
    assert r.status_code == 201, r.text
    cid = r.json()["complaint_id"]
    assert r.json()["assigned_to"] == "district"
    assert (await client.get(f"/v1/complaints/{cid}", headers=CLERK)).status_code == 404
    assert (await client.get(f"/v1/complaints/{cid}", headers=DISTRICT)).json()["complainant"]["name"] == "张三"
    assert (await client.get(f"/v1/complaints/{cid}", headers=AUDITOR)).json()["complainant"]["name"] == "(withheld)"
    r = await client.post(f"/v1/complaints/{cid}/assign", json={"org_unit": YUANJUE}, headers=CLERK)
    assert r.status_code == 403

    async def in_overview(**unit: str) -> list:
        page = (await client.get("/v1/deadlines", params={"state": "open", **unit}, headers=DISTRICT)).json()
        return [i for i in page["items"] if i["case_id"] == cid]

    [kept] = await eventually(in_overview, message="the complaint's deadline in the district overview")
    assert kept["org_unit"] is None  # the district's own
    r = await client.post(f"/v1/complaints/{cid}/assign", json={"org_unit": YUANJUE, "note": "属地核实"},
                          headers=DISTRICT)
    assert r.status_code == 200 and r.json()["assigned_to"] == YUANJUE
    [moved] = await in_overview(org_unit=YUANJUE)  # in the same transaction as the assignment
    assert moved["org_unit"] == YUANJUE and moved["id"] == kept["id"]
    listed = (await client.get("/v1/complaints", headers=OTHER_TOWN)).json()
    assert [i["complaint_id"] for i in listed["items"]] == [cid]
    assert (await client.get("/v1/complaints", headers=CLERK)).json()["total"] == 0
    assert (await client.get("/v1/complaints", params={"assigned_to": YUANJUE}, headers=CLERK)).status_code == 403
    assert (await client.get("/v1/complaints", params={"status": "assigned"}, headers=DISTRICT)).json()["total"] == 1


async def test_a_complaint_about_a_case_is_on_the_cases_timeline_without_the_complainant(client) -> None:  # noqa: ANN001
    r = await client.post("/v1/cases", json=fire_case(region=DT, org_unit=BEIYAN), headers=CLERK)
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    body = complaint(kind="complaint", channel="window", org_unit=None, anonymous=False, channel_ref=None,
                     case_id=case_id, complainant={"name": "张三", "phone": "13800000000"})
    r = await client.post("/v1/complaints", json=body, headers=CLERK)
    assert r.status_code == 201 and r.json()["assigned_to"] == BEIYAN, r.text  # the case's own street
    cid = r.json()["complaint_id"]
    await client.post(f"/v1/complaints/{cid}/verify", json={"substantiated": False, "finding": "查无此事"},
                      headers=CLERK)
    r = await client.post(f"/v1/complaints/{cid}/answer", json={"text": "已答复", "channel": "phone"}, headers=CLERK)
    assert r.status_code == 200, r.text

    async def on_timeline() -> list | None:
        timeline = (await client.get(f"/v1/cases/{case_id}", headers=CLERK)).json()["timeline"]
        found = [t for t in timeline if t["event"].startswith("complaint.")]
        return found if len(found) == 2 else None

    received, answered = await eventually(on_timeline, message="the complaint on the case's timeline")
    assert received["event"] == "complaint.received" and cid in received["summary"]
    assert "LF-COMPLAINT" in received["summary"] and "answer due" in received["summary"]
    assert answered["event"] == "complaint.answered" and "substantiated: no" in answered["summary"]
    assert not any("张三" in t["summary"] or "查无此事" in t["summary"] for t in (received, answered))


@pytest.mark.parametrize(("body", "field"), [
    (complaint(complainant={"name": "李四"}), "complainant"),
    (complaint(anonymous=False), "complainant"),
    (complaint(org_unit="wenzhou-dongtou/nowhere"), "org_unit"),
    (complaint(case_id="TA-20260302-0000000000"), "case_id"),
    (complaint(region="atlantis"), "region"),
    (complaint(channel="pigeon"), "channel"),
    ({k: v for k, v in complaint().items() if k != "detail"}, "detail"),
])
async def test_a_bad_complaint_names_the_field_and_records_nothing(client, body, field) -> None:  # noqa: ANN001
    r = await client.post("/v1/complaints", json=body, headers=CLERK)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert any(field in e["field"] or field in e.get("message", "") for e in errors), errors
    assert (await client.get("/v1/complaints", headers=DISTRICT)).json()["total"] == 0
