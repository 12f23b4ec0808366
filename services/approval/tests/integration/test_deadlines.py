"""Deadlines that fire, with eligibility and approval served on sockets over one real NATS and
real migrated databases, and the suite clock moved through the public ops endpoint."""
from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from nats.js import JetStreamContext

from approval.main import build as build_approval
from approval.settings import Settings as ApprovalSettings
from eligibility.main import build as build_eligibility
from eligibility.settings import Settings as EligibilitySettings
from relief_shared.contract import Envelope
from relief_shared.samples import fire_case
from relief_shared.suite_state import publish_year
from relief_shared import testing
from relief_shared.testing import eventually, harness_js, make_event, migrated, postgres_database, serving, staff_token

REGION, TOWN = "chongqing-yubei", "chongqing-yubei/longxi"
CLERK = staff_token("clerk", sub="clerk-cq", region=REGION, org_unit=TOWN)
APPROVER = staff_token("approver", sub="approver-cq", region=REGION, org_unit=TOWN)
DISTRICT = staff_token("district", sub="district-cq", region=REGION, org_unit=None)
OPS = staff_token("ops", sub="ops-1", region=REGION, org_unit=None)


@dataclass
class Suite:
    approval: httpx.AsyncClient
    eligibility: httpx.AsyncClient
    js: JetStreamContext

    async def set_clock(self, **body: Any) -> dict:
        """Move the suite's time through approval, and wait until eligibility follows."""
        r = await self.approval.put("/v1/ops/clock", json=body, headers=OPS)
        assert r.status_code == 200, r.text
        offset = r.json()["offset_seconds"]

        async def followed() -> bool:
            return (await self.eligibility.get("/v1/ops/clock", headers=CLERK)).json()["offset_seconds"] == offset

        await eventually(followed, timeout=2, message="eligibility follows the clock")
        return r.json()

    async def publish(self, event: Envelope) -> None:
        await self.js.publish(event.subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})

    async def submit(self, body: dict) -> str:
        r = await self.eligibility.post("/v1/cases", json=body, headers=CLERK)
        assert r.status_code == 201, r.text
        return r.json()["case_id"]

    async def deadlines(self, case_id: str) -> list[dict]:
        r = await self.approval.get(f"/v1/approvals/{case_id}", headers=APPROVER)
        assert r.status_code == 200, r.text
        return sorted(r.json()["deadlines"], key=lambda d: d["limit"])

    async def case_deadlines(self, case_id: str) -> list[dict]:
        r = await self.eligibility.get(f"/v1/cases/{case_id}", headers=CLERK)
        assert r.status_code == 200, r.text
        # the sample's housing need is also referred, with eligibility's own handling limit: not this test's
        return sorted((d for d in r.json()["deadlines"] if d["service"] != "eligibility"), key=lambda d: d["limit"])


@contextlib.asynccontextmanager
async def suite(database_url: str, nats_url: str, tmp_path: Path) -> AsyncIterator[Suite]:
    """approval on the test's database, eligibility on a second one of the same kind."""
    async with _second_database(database_url, tmp_path) as eligibility_url:
        await migrated("approval", database_url)
        await migrated("eligibility", eligibility_url)
        approval = build_approval(ApprovalSettings(database_url=database_url, nats_url=nats_url,
                                                   deadline_poll_seconds=0.5))
        eligibility = build_eligibility(EligibilitySettings(database_url=eligibility_url, nats_url=nats_url))
        async with serving(approval) as a_url, serving(eligibility) as e_url, \
                httpx.AsyncClient(base_url=a_url) as a, httpx.AsyncClient(base_url=e_url) as e, \
                harness_js(nats_url) as js:
            await eventually(lambda: _ready(a, e), message="both ready")
            yield Suite(a, e, js)


@contextlib.asynccontextmanager
async def _second_database(url: str, tmp_path: Path) -> AsyncIterator[str]:
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'eligibility.sqlite'}"
        return
    async with postgres_database() as second:
        yield second


async def _ready(*clients: httpx.AsyncClient) -> bool:
    codes = [(await c.get("/readyz")).status_code for c in clients]
    return codes == [200] * len(clients)


def calculated(case_id: str, *, org_unit: str = TOWN, region: str = REGION, accepted_at: str) -> Envelope:
    return make_event("benefit.calculated", case_id, region=region, org_unit=org_unit, type="emergency",
                      as_of=accepted_at[:10], ceiling="3000.00", recommended="3000.00", rules=["CQ-EMG"], trace=[],
                      caps=[], needs_deliberation=False, accepted_at=accepted_at,
                      applicant={"id_number": "210902199001011234", "name": "张三"},
                      accepted_by={"id": "clerk-cq", "name": "李经办"})


async def deadline_events(js: JetStreamContext, case_id: str) -> list[Envelope]:
    """Every deadline event of the case the stream holds (duplicates by id were dropped by it)."""
    return await testing.published(js, "relief.deadline.>", case_id=case_id)


def per_deadline(events: list[Envelope]) -> Counter:
    """Approval's limits (the sample's housing referral runs eligibility's own handling limit)."""
    return Counter((e.type, e.data.limit) for e in events if e.data.service != "eligibility")


async def test_chongqing_advance_aid_warns_breaches_escalates_and_records_how_late(database_url, nats_server,
                                                                                  tmp_path) -> None:  # noqa: ANN001
    async with suite(database_url, nats_server.url, tmp_path) as s:
        clock = await s.set_clock(now="2026-02-12T09:00:00+08:00")  # Thursday before the Spring Festival
        assert clock["now"].startswith("2026-02-12T09:00") and clock["enabled"] is True
        case_id = await s.submit(fire_case(region=REGION, org_unit=TOWN, on=date(2026, 2, 12)))
        assert case_id.startswith("TA-20260212-")  # "today" is the suite's
        await s.publish(calculated(case_id, accepted_at="2026-02-12T09:00:00+08:00"))

        tasks = await eventually(lambda: _tasks(s.approval, APPROVER, case_id), message="task")
        assert tasks[0]["due"] == "2026-02-24T23:59:59+08:00"  # 13th, 14th (调休 Saturday), 24th
        limits = await s.deadlines(case_id)
        assert [(d["limit"], d["rule"], d["due"], d["state"], d["met"]) for d in limits] == [
            ("CQ-ADV", "CQ-ADV", "2026-02-24T23:59:59+08:00", "open", None),
            ("CQ-EMG-3WD", "CQ-EMG-3WD", "2026-02-24T23:59:59+08:00", "open", None)]
        assert limits[0]["clause"].startswith("seed 001 Yubei notice 三")
        await eventually(lambda: _case_state(s, case_id, {"CQ-ADV": "open", "CQ-EMG-3WD": "open"}),
                         message="deadlines on the case view")

        await s.set_clock(now="2026-02-20T10:00:00+08:00")  # past the warning, before the due day
        await eventually(lambda: _counted(s.js, case_id, {("deadline.due_soon", "CQ-ADV"): 1,
                                                          ("deadline.due_soon", "CQ-EMG-3WD"): 1}), message="due soon")
        soon = await eventually(lambda: _overview(s.eligibility, "due_soon", case_id, 2), message="overview due_soon")
        assert {d["limit"] for d in soon} == {"CQ-ADV", "CQ-EMG-3WD"}

        await s.set_clock(advance_seconds=5 * 86400)  # 2026-02-25 10:00: one day late
        await eventually(lambda: _counted(s.js, case_id, {("deadline.breached", "CQ-ADV"): 1,
                                                          ("deadline.breached", "CQ-EMG-3WD"): 1}), message="breached")
        raised = await eventually(lambda: _tasks(s.approval, DISTRICT, case_id, step="escalation", count=2),
                                  message="escalations")
        assert {t["rule"] for t in raised} == {"CQ-ADV", "CQ-EMG-3WD"} and raised[0]["role"] == "district"
        await eventually(lambda: _overview(s.eligibility, "breached", case_id, 2), message="overview breached")

        r = await s.approval.post(f"/v1/cases/{case_id}/decisions", headers=APPROVER,
                                  json={"step": "approve", "decision": "approve", "amount": "3000.00"})
        assert r.status_code == 201, r.text
        closed = await eventually(lambda: _limit(s, case_id, "CQ-ADV", "closed_at"), message="closed late")
        assert (closed["state"], closed["met"]) == ("breached", False) and closed["late_by"].startswith("PT10H0M")
        assert (await _limit(s, case_id, "CQ-EMG-3WD", "breached_at"))["closed_at"] is None  # runs to payment
        left = await eventually(lambda: _tasks(s.approval, DISTRICT, case_id, step="escalation", count=1),
                                message="the late step closes its escalation")
        assert left[0]["rule"] == "CQ-EMG-3WD"

        paid = make_event("payment.paid", case_id, region=REGION)
        await s.publish(paid)
        await eventually(lambda: _limit(s, case_id, "CQ-EMG-3WD", "closed_at"), message="paid closes CQ-EMG-3WD")
        # the payment opens the advance's paperwork, due before the 25th of the approval month (CQ-ADV-ENTRY)
        on_case = await eventually(lambda: _case_state(s, case_id, {"CQ-ADV": "breached", "CQ-EMG-3WD": "breached",
                                                                    "CQ-ADV-ENTRY": "open"}), message="case view")
        assert all(d["late_by"] and d["met"] is False for d in on_case if d["limit"] != "CQ-ADV-ENTRY")
        entry = next(d for d in on_case if d["limit"] == "CQ-ADV-ENTRY")
        assert entry["due"] == "2026-03-24T23:59:59+08:00"  # approved on 2026-02-25, on or after the 25th: next month
        await s.set_clock(advance_seconds=30 * 86400)
        counts = per_deadline(await deadline_events(s.js, case_id))
        assert {k: v for k, v in counts.items() if k[0] in ("deadline.due_soon", "deadline.breached")} == {
            ("deadline.due_soon", "CQ-ADV"): 1, ("deadline.due_soon", "CQ-EMG-3WD"): 1,
            ("deadline.breached", "CQ-ADV"): 1, ("deadline.breached", "CQ-EMG-3WD"): 1,
            ("deadline.due_soon", "CQ-ADV-ENTRY"): 1, ("deadline.breached", "CQ-ADV-ENTRY"): 1}


async def test_dongtou_counts_24_clock_hours_across_a_weekend(database_url, nats_server, tmp_path) -> None:  # noqa: ANN001
    async with suite(database_url, nats_server.url, tmp_path) as s:
        await s.set_clock(now="2026-03-06T18:30:00+08:00")  # a Friday evening
        event = calculated("dt-24h", region="wenzhou-dongtou", org_unit="wenzhou-dongtou/beiyan",
                           accepted_at="2026-03-06T18:30:00+08:00")
        await s.publish(event)
        headers = staff_token("approver", sub="approver-dt", region="wenzhou-dongtou", org_unit="wenzhou-dongtou/beiyan")

        async def limits() -> list[dict] | None:
            r = await s.approval.get("/v1/approvals/dt-24h", headers=headers)
            return sorted(r.json()["deadlines"], key=lambda d: d["limit"]) if r.status_code == 200 else None

        found = await eventually(limits, message="Dongtou deadlines")
        assert [(d["limit"], d["due"]) for d in found] == [("DT-15D", "2026-03-21T23:59:59+08:00"),
                                                          ("DT-ADV", "2026-03-07T18:30:00+08:00")]
        await s.set_clock(now="2026-03-07T18:31:00+08:00")
        await eventually(lambda: _counted(s.js, "dt-24h", {("deadline.due_soon", "DT-ADV"): 1,
                                                           ("deadline.breached", "DT-ADV"): 1,
                                                           ("deadline.due_soon", "DT-15D"): 0}), message="24 h breach")


async def test_a_deadline_without_its_years_holidays_is_calendar_incomplete_until_the_year_is_loaded(
        database_url, nats_server, tmp_path) -> None:  # noqa: ANN001
    async with suite(database_url, nats_server.url, tmp_path) as s:
        await s.set_clock(now="2028-03-01T09:00:00+08:00")  # 2028: no holiday data shipped
        case_id = await s.submit(fire_case(region=REGION, org_unit=TOWN, on=date(2028, 3, 1)))
        await s.publish(calculated(case_id, accepted_at="2028-03-01T09:00:00+08:00"))
        on_case = await eventually(lambda: _case_state(s, case_id, {"CQ-ADV": "calendar_incomplete",
                                                                    "CQ-EMG-3WD": "calendar_incomplete"}),
                                   message="calendar_incomplete on the case")
        assert on_case[0]["due"] == "2028-03-06T23:59:59+08:00" and on_case[0]["calendar_complete"] is False
        listed = await eventually(lambda: _overview(s.eligibility, "calendar_incomplete", case_id, 2), message="overview")
        assert listed[0]["calendar_version"].startswith("2028:provisional")
        alerts = (await s.approval.get("/v1/ops/alerts", headers=OPS)).json()
        assert alerts and alerts[0]["kind"] == "calendar_incomplete" and alerts[0]["open_deadlines"] >= 2

        # TEST DATA, not the State Council's 2028 notice: a holiday on Thursday 2 March.
        await publish_year(s.js, {"year": 2028, "source": "test notice", "provisional": False,
                                  "holidays": ["2028-01-01", "2028-03-02", "2028-05-01", "2028-05-02", "2028-10-02"],
                                  "adjusted_workdays": []})
        on_case = await eventually(lambda: _case_state(s, case_id, {"CQ-ADV": "open", "CQ-EMG-3WD": "open"}),
                                   message="recounted without a restart")
        assert on_case[0]["due"] == "2028-03-07T23:59:59+08:00" and on_case[0]["calendar_complete"] is True
        assert (await s.approval.get("/v1/ops/alerts", headers=OPS)).json() == []
        kinds = per_deadline(await deadline_events(s.js, case_id))
        assert kinds[("deadline.rescheduled", "CQ-ADV")] == 1


async def test_the_clock_is_shown_to_staff_and_moved_only_by_ops(database_url, nats_server, tmp_path) -> None:  # noqa: ANN001
    async with suite(database_url, nats_server.url, tmp_path) as s:
        assert (await s.approval.put("/v1/ops/clock", json={"advance_seconds": 60}, headers=APPROVER)).status_code == 403
        r = await s.approval.put("/v1/ops/clock", json={"advance_seconds": 60, "now": "2026-01-01T00:00:00+08:00"},
                                 headers=OPS)
        assert r.status_code == 422, r.text
        await s.set_clock(now="2030-06-01T12:00:00+08:00")

        async def eligibility_follows() -> bool:
            shown = (await s.eligibility.get("/v1/ops/clock", headers=CLERK)).json()
            return shown["now"].startswith("2030-06-01T12:0")

        await eventually(eligibility_follows, timeout=1.5, message="the other service within a second or so")
        r = await s.eligibility.delete("/v1/ops/clock", headers=OPS)
        assert r.status_code == 200 and r.json()["offset_seconds"] == 0.0


async def _tasks(client: httpx.AsyncClient, headers: dict, case_id: str, *, step: str = "approve",
                 count: int = 1) -> list[dict] | None:
    r = await client.get("/v1/tasks", headers=headers)
    assert r.status_code == 200, r.text
    found = [t for t in r.json() if t["case_id"] == case_id and t["step"] == step
             and (t.get("deadline") or {}).get("service") != "eligibility"]  # not the referral's handling limit
    return found if len(found) == count else None


async def _counted(js: JetStreamContext, case_id: str, expected: dict) -> bool:
    counts = per_deadline(await deadline_events(js, case_id))
    assert all(counts[key] <= n or n == 0 for key, n in expected.items()), counts  # never more than once
    return all(counts[key] == n for key, n in expected.items())


async def _overview(client: httpx.AsyncClient, state: str, case_id: str, count: int) -> list[dict] | None:
    r = await client.get("/v1/deadlines", params={"region": REGION, "state": state}, headers=DISTRICT)
    assert r.status_code == 200, r.text
    found = [d for d in r.json()["items"] if d["case_id"] == case_id and d["service"] != "eligibility"]
    return found if len(found) == count else None


async def _limit(s: Suite, case_id: str, limit: str, set_field: str) -> dict | None:
    found = next(d for d in await s.deadlines(case_id) if d["limit"] == limit)
    return found if found[set_field] else None


async def _case_state(s: Suite, case_id: str, states: dict[str, str], *, closed: bool = False) -> list[dict] | None:
    found = await s.case_deadlines(case_id)
    if {d["limit"]: d["state"] for d in found} != states or (closed and not all(d["closed_at"] for d in found)):
        return None
    return found


async def test_a_dibao_decision_whose_verification_took_16_days_gets_30_days_and_not_more(database_url) -> None:  # noqa: ANN001
    """DT-20D extended by DT-MEANS-15D on the durable row (the dibao procedure that calls it is a
    later issue's): 20 days, 30 once verification took over 15 days, never more than 30."""
    from datetime import date, datetime

    from approval import store
    from relief_shared.calendar import SHANGHAI, WorkingCalendar
    from relief_shared.db import Database, create_engine
    from relief_shared.regions import RegionPacks

    await migrated("approval", database_url)
    db = Database(create_engine(database_url), store.plumbing, store.UnitOfWork)
    calendar = WorkingCalendar.load()
    dt20 = RegionPacks.load().get("wenzhou-dongtou").time_limit("DT-20D", date(2026, 3, 2))
    try:
        async with db.uow() as uow:
            opened = await uow.deadlines.open(case_id="dibao-1", region="wenzhou-dongtou",
                                              org_unit="wenzhou-dongtou/beiyan", limit=dt20,
                                              started_at=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI),
                                              watches="dibao decision", calendar=calendar)
            assert opened.due == datetime(2026, 3, 22, 23, 59, 59, tzinfo=SHANGHAI)
            assert await uow.deadlines.extend("dibao-1", dt20, 15, calendar) is None  # not over 15 days
            extended = await uow.deadlines.extend("dibao-1", dt20, 16, calendar)
            assert (extended.due, extended.span.amount) == (datetime(2026, 4, 1, 23, 59, 59, tzinfo=SHANGHAI), 30)
            assert await uow.deadlines.extend("dibao-1", dt20, 45, calendar) is None  # 30 already: never more
            await uow.commit()
    finally:
        await db.dispose()


async def test_a_long_verification_extends_the_open_decision_period_once(database_url, nats_server) -> None:  # noqa: ANN001
    """means.verified (DT-MEANS-15D, took 18 days) moves the case's open DT-20D row to 30 days,
    recorded as deadline.rescheduled; the same event again changes nothing."""
    from datetime import date, datetime

    from approval import store
    from approval.main import build
    from approval.settings import Settings
    from relief_shared.calendar import SHANGHAI, WorkingCalendar
    from relief_shared.db import Database, create_engine
    from relief_shared.regions import RegionPacks

    await migrated("approval", database_url)
    dt20 = RegionPacks.load().get("wenzhou-dongtou").time_limit("DT-20D", date(2026, 3, 2))
    db = Database(create_engine(database_url), store.plumbing, store.UnitOfWork)
    try:
        async with db.uow() as uow:
            await uow.deadlines.open(case_id="dibao-2", region="wenzhou-dongtou", org_unit="wenzhou-dongtou/beiyan",
                                     limit=dt20, started_at=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI),
                                     watches="dibao decision", calendar=WorkingCalendar.load())
            await uow.commit()
    finally:
        await db.dispose()
    verified = make_event("means.verified", "dibao-2", region="wenzhou-dongtou", took_days=18,
                          started_at="2026-03-02T10:00:00+08:00",
                          decision_periods=[{"limit": "DT-20D", "rule": "DT-MEANS-15D", "days": 30, "extended": True}])
    app = build(Settings(database_url=database_url, nats_url=nats_server.url))
    async with serving(app), harness_js(nats_server.url) as js:
        for _ in range(2):
            await js.publish(verified.subject, verified.to_bytes(), headers={"Nats-Msg-Id": verified.id})

        async def extended() -> list:
            async with app.state.runtime.db.reading() as uow:
                [d] = await uow.deadlines.of_case("dibao-2")
            return d.due == datetime(2026, 4, 1, 23, 59, 59, tzinfo=SHANGHAI) and [d]

        [d] = await eventually(extended, message="DT-20D extended to 30 days")
        assert d.span.amount == 30  # (the scheduler may also have warned and breached it: it started in March)
        sub = await js.pull_subscribe("relief.deadline.rescheduled", stream="RELIEF")
        [msg] = await sub.fetch(1, timeout=5)
        assert b'"limit":"DT-20D"' in msg.data and b'"amount":30' in msg.data
