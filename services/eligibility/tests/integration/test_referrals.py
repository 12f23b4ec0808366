"""Referrals over a real socket, a real database and a real NATS, on the suite clock: two needs make
two referrals; each partner sees and answers only its own; a late report is flagged; a referral
left unanswered past its handling limit is overdue exactly once, on the case, in the district's
deadlines and in the department report."""
from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from eligibility.main import build
from eligibility.settings import Settings
from relief_shared.samples import fire_case
from relief_shared import testing
from relief_shared.testing import eventually, harness_js, migrated, serving, staff_token

REGION, TOWN = "wenzhou-dongtou", "wenzhou-dongtou/beiyan"
CLERK = staff_token("clerk", sub="clerk-dt", name="陈经办", region=REGION, org_unit=TOWN)
DISTRICT = staff_token("district", sub="district-dt", region=REGION, org_unit=None)
OPS = staff_token("ops", sub="ops-1", region=REGION, org_unit=None)
EDUCATION = staff_token("partner", sub="partner-education", name="教育局", region=REGION, org_unit=None,
                        department="education")
HOUSING = staff_token("partner", sub="partner-housing", name="住建局", region=REGION, org_unit=None,
                      department="housing")
OTHER_REGION_EDUCATION = staff_token("partner", sub="partner-education-fx", region="fuxin-haizhou", org_unit=None,
                                     department="education")


@pytest.fixture
async def client(database_url, nats_server) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    await migrated("eligibility", database_url)
    app = build(Settings(database_url=database_url, nats_url=nats_server.url, deadline_poll_seconds=0.5))
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as c:
        c.app = app
        await eventually(lambda: _ready(c), message="eligibility ready")
        yield c


async def _ready(c: httpx.AsyncClient) -> bool:
    return (await c.get("/readyz")).status_code == 200


async def set_clock(c: httpx.AsyncClient, now: str) -> None:
    r = await c.put("/v1/ops/clock", json={"now": now}, headers=OPS)
    assert r.status_code == 200, r.text
    offset = r.json()["offset_seconds"]

    async def followed() -> bool:
        return (await c.get("/v1/ops/clock", headers=CLERK)).json()["offset_seconds"] == offset

    await eventually(followed, timeout=3, message="the clock is followed")


def needs_case(*needs: str, on: date) -> dict[str, Any]:
    body = fire_case(on=on, region=REGION, org_unit=TOWN, channel="hotline", channel_ref="12345-2026-0302-001")
    body["situation"]["needs"] = list(needs)
    return body


async def case(c: httpx.AsyncClient, case_id: str) -> dict:
    r = await c.get(f"/v1/cases/{case_id}", headers=CLERK)
    assert r.status_code == 200, r.text
    return r.json()


async def referral_events(c: httpx.AsyncClient, case_id: str) -> list[Any]:
    # read as the tests-only harness: eligibility's own broker user may not consume REFERRALS
    async with harness_js(c.app.state.runtime.settings.nats_url) as js:
        return await testing.published(js, "relief.referral.>", case_id=case_id)


async def test_two_needs_two_referrals_each_partner_its_own_late_feedback_and_overdue_once(client) -> None:  # noqa: ANN001
    c = client
    await set_clock(c, "2026-03-02T09:00:00+08:00")  # a Monday
    r = await c.post("/v1/cases", json=needs_case("education", "housing", on=date(2026, 3, 2)), headers=CLERK)
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["first_inquiry_owner"] == {"id": "clerk-dt", "name": "陈经办", "org_unit": TOWN}
    assert receipt["channel_ref"] == "12345-2026-0302-001"
    case_id = receipt["case_id"]

    async def two_referrals() -> dict:
        doc = await case(c, case_id)
        assert len(doc["referrals"]) == 2, doc["referrals"]
        return doc

    doc = await eventually(two_referrals, message="two referrals")
    assert doc["first_inquiry_owner"]["name"] == "陈经办" and doc["channel"] == "hotline"
    by_dept = {r["department"]: r for r in doc["referrals"]}
    assert set(by_dept) == {"education", "housing"}
    assert all(r["state"] == "requested" and r["rules"] == ["REF-DETECT"] for r in by_dept.values())
    assert all("seed 004" in r["reasons"][0]["clause"] for r in by_dept.values())
    education_id, housing_id = by_dept["education"]["id"], by_dept["housing"]["id"]

    # each partner lists its own alone; another department's (or region's) referral is not there
    listed = (await c.get("/v1/referrals", headers=EDUCATION)).json()
    assert [x["id"] for x in listed] == [education_id]
    assert [x["id"] for x in (await c.get("/v1/referrals?status=open", headers=HOUSING)).json()] == [housing_id]
    assert (await c.get("/v1/referrals", headers=OTHER_REGION_EDUCATION)).json() == []
    for path, body in ((f"/v1/referrals/{housing_id}/acknowledge", None),
                       (f"/v1/referrals/{housing_id}/result",
                        {"outcome": "granted", "detail": "x", "finished_on": "2026-03-02"})):
        refused = await c.post(path, json=body, headers=EDUCATION)
        assert refused.status_code == 404, refused.text
    assert (await c.post(f"/v1/referrals/{education_id}/acknowledge", headers=CLERK)).status_code == 403
    no_department = staff_token("partner", sub="partner-x", region=REGION, org_unit=None)
    assert (await c.get("/v1/referrals", headers=no_department)).status_code == 403

    # acknowledged once, however often it is sent; Idempotency-Key replays
    key = {**EDUCATION, "Idempotency-Key": "ack-1"}
    first = await c.post(f"/v1/referrals/{education_id}/acknowledge", headers=key)
    assert first.status_code == 200 and first.json()["state"] == "acknowledged"
    assert (await c.post(f"/v1/referrals/{education_id}/acknowledge", headers=key)).json() == first.json()
    assert (await c.post(f"/v1/referrals/{education_id}/acknowledge", headers=EDUCATION)).status_code == 200

    # bad answers change nothing
    bad = await c.post(f"/v1/referrals/{education_id}/result", headers=EDUCATION,
                       json={"outcome": "maybe", "detail": "x", "finished_on": "2026-03-02"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("outcome")
    future = await c.post(f"/v1/referrals/{education_id}/result", headers=EDUCATION,
                          json={"outcome": "granted", "detail": "x", "finished_on": "2026-03-09"})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "finished_on"

    # finished Tuesday, reported Thursday: two working days later, past DT-FEEDBACK-1WD
    await set_clock(c, "2026-03-05T10:00:00+08:00")
    answer = {"outcome": "granted", "detail": "助学金 1000 元/学期", "finished_on": "2026-03-03"}
    done = await c.post(f"/v1/referrals/{education_id}/result", json=answer,
                        headers={**EDUCATION, "Idempotency-Key": "result-1"})
    assert done.status_code == 200, done.text
    assert done.json()["answer"]["late_feedback"] is True and done.json()["state"] == "completed"
    again = await c.post(f"/v1/referrals/{education_id}/result", json=answer,
                         headers={**EDUCATION, "Idempotency-Key": "result-1"})
    assert again.json() == done.json()
    assert (await c.post(f"/v1/referrals/{education_id}/result", json=answer, headers=EDUCATION)).status_code == 409

    # housing (10 working days from Monday 2 March: due end of 16 March) never answers
    await set_clock(c, "2026-03-17T09:00:00+08:00")

    async def overdue() -> dict:
        doc = await case(c, case_id)
        housing = next(r for r in doc["referrals"] if r["department"] == "housing")
        assert housing["overdue"], housing
        return doc

    doc = await eventually(overdue, message="housing overdue")
    education = next(r for r in doc["referrals"] if r["department"] == "education")
    assert education["answer"]["outcome"] == "granted" and education["answer"]["late_feedback"] is True
    assert not education["overdue"]
    await set_clock(c, "2026-03-20T09:00:00+08:00")  # time runs on: still once

    async def breached_for_district() -> list:
        items = (await c.get("/v1/deadlines", params={"state": "breached"}, headers=DISTRICT)).json()["items"]
        mine = [d for d in items if d["case_id"] == case_id]
        assert [d["limit"] for d in mine] == ["REF-housing"], mine
        return mine

    await eventually(breached_for_district, message="the district sees the breach")
    events = Counter(t["event"] for t in (await case(c, case_id))["timeline"])
    assert events["referral.housing.overdue"] == 1 and events["referral.education.overdue"] == 0
    assert events["referral.education.completed"] == 1 and events["referral.education.acknowledged"] == 1
    assert [x["id"] for x in (await c.get("/v1/referrals?status=overdue", headers=HOUSING)).json()] == [housing_id]

    on_the_broker = Counter(e.type for e in await referral_events(c, case_id))
    assert on_the_broker == Counter({"referral.education.requested": 1, "referral.housing.requested": 1,
                                     "referral.education.acknowledged": 1, "referral.education.completed": 1,
                                     "referral.housing.overdue": 1})

    report = await c.get("/v1/reports/departments", params={"from": "2026-03-01", "to": "2026-03-31"},
                         headers=DISTRICT)
    assert report.status_code == 200, report.text
    rows = {d["department"]: d for d in report.json()["departments"]}
    assert (rows["education"]["requested"], rows["education"]["completed"], rows["education"]["late_feedback"]) == \
        (1, 1, 1)
    assert rows["housing"]["overdue"] == 1 and rows["housing"]["overdue_referrals"][0]["id"] == housing_id
    as_csv = await c.get("/v1/reports/departments", params={"from": "2026-03-01", "to": "2026-03-31"},
                         headers={**DISTRICT, "Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    lines = {line["department"]: line for line in csv.DictReader(io.StringIO(as_csv.text))}
    assert lines["housing"]["overdue_referrals"] == housing_id
    assert (await c.get("/v1/reports/departments", params={"from": "2026-03-01", "to": "2026-03-31"},
                        headers=CLERK)).status_code == 403


async def test_severity_is_required_for_an_emergency_only(client) -> None:  # noqa: ANN001
    c = client
    await set_clock(c, "2026-03-02T09:00:00+08:00")
    emergency = needs_case(on=date(2026, 3, 2))
    del emergency["situation"]["severity"]
    r = await c.post("/v1/cases", json=emergency, headers=CLERK)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["situation.severity"]
    vagrant = needs_case(on=date(2026, 3, 2))
    vagrant["situation"] = {"events": [{"kind": "vagrancy", "occurred_on": "2026-03-01"}]}
    r = await c.post("/v1/cases", json=vagrant, headers=CLERK)
    assert r.status_code == 201, r.text

    async def referred() -> dict:
        doc = await case(c, r.json()["case_id"])
        assert doc["status"] == "referred" and len(doc["referrals"]) == 1, doc
        return doc

    doc = await eventually(referred, message="referred")
    assert doc["referrals"][0]["department"] == "rescue_station"
    assert doc["referrals"][0]["rules"] == ["CLS-ROUTE-OUT"] and doc["benefit"] is None
