"""Staged plans on the suite clock, revocation, advance aid from the reserve fund, cash and in
kind — against a real database, a real nats-server and the simulated bank's own ledger."""
from __future__ import annotations

import asyncio

from relief_shared.testing import eventually, make_event, staff_token

from .test_payments import Running, Suite, published, published_once, suite  # noqa: F401 - the fixture

OPS_DT = staff_token("ops", sub="ops-1", region="wenzhou-dongtou", org_unit=None)
CLERK_DT = staff_token("clerk", sub="clerk-dt", region="wenzhou-dongtou", org_unit="wenzhou-dongtou/beiyan")
DISTRICT_DT = staff_token("district", sub="district-dt", region="wenzhou-dongtou", org_unit=None)
PAYEE = {"id_number": "330322198506071234", "name": "林小梅"}


def approved_dt(case_id: str, amount: str, *, rules: list[str] | None = None, payee: dict | None = None,
                **extra: object):  # noqa: ANN201
    return make_event("case.approved", case_id, region="wenzhou-dongtou", task_id=f"t-{case_id}", step="approve",
                      amount=amount, approved_by={"id": "staff-9", "name": "审批人"}, org_unit="wenzhou-dongtou/beiyan",
                      payee=payee or PAYEE, rules=rules or ["DT-15D"], comment="", by={"id": "staff-9", "name": "审批人"},
                      **extra)


async def set_clock(app: Running, now: str) -> None:
    r = await app.client.put("/v1/ops/clock", json={"now": now}, headers=OPS_DT)
    assert r.status_code == 200, r.text


async def statuses(app: Running, case_id: str) -> list[str]:
    r = await app.client.get("/v1/payments", params={"case_id": case_id}, headers=CLERK_DT)
    assert r.status_code == 200, r.text
    return [p["status"] for p in r.json()]


async def reach(app: Running, case_id: str, expected: list[str]) -> None:
    async def probe() -> bool:
        return await statuses(app, case_id) == expected

    await eventually(probe, message=f"{case_id} instalments {expected}")


async def test_a_staged_plan_pays_three_times_on_its_dates_and_never_a_fourth(suite: Suite) -> None:
    plan = [{"amount": "300.00", "due": "2026-03-02"}, {"amount": "300.00", "due": "2026-04-01"},
            {"amount": "400.00", "due": "2026-05-06"}]
    async with suite.running() as app:
        await set_clock(app, "2026-03-02T09:00:00+08:00")
        event = approved_dt("case-staged", "1000.00", instalments=plan)
        await app.publish(event)
        await reach(app, "case-staged", ["paid", "scheduled", "scheduled"])
        await set_clock(app, "2026-03-31T23:00:00+08:00")  # the day before: nothing more
        await app.publish(approved_dt("case-staged", "1000.00", instalments=plan))  # delivered again
        await set_clock(app, "2026-04-01T08:30:00+08:00")
        await reach(app, "case-staged", ["paid", "paid", "scheduled"])
        await set_clock(app, "2026-05-06T08:30:00+08:00")
        await reach(app, "case-staged", ["paid", "paid", "paid"])
        await set_clock(app, "2026-12-31T08:30:00+08:00")
        r = await app.client.get("/v1/payments", params={"case_id": "case-staged"}, headers=CLERK_DT)
        rows = r.json()
        assert [(p["instalment"], p["amount"], p["due"]) for p in rows] == [
            (1, "300.00", "2026-03-02"), (2, "300.00", "2026-04-01"), (3, "400.00", "2026-05-06")]
        assert [p["paid_at"][:10] for p in rows] == ["2026-03-02", "2026-04-01", "2026-05-06"]
        scheduled = await published(app.js, "payment.scheduled", "case-staged")
        assert len(scheduled) == 3 and "STAGED" in scheduled[0].data.rules
        # DT-PAY-3WD for each instalment from its own day, each met by its own payment, none breached
        opened = await published(app.js, "deadline.opened", "case-staged")
        assert sorted((d.data.limit, d.data.started_at.date().isoformat(), d.data.due.date().isoformat())
                      for d in opened) == [("DT-PAY-3WD", "2026-03-02", "2026-03-05"),
                                           ("DT-PAY-3WD#2", "2026-04-01", "2026-04-07"),  # Qingming: 4-6 April
                                           ("DT-PAY-3WD#3", "2026-05-06", "2026-05-09")]  # Sat 9 May is worked
        closed = await eventually(lambda: _all_closed(app, "case-staged", 3), message="three limits closed")
        assert all(d.data.met for d in closed)
        assert await published(app.js, "deadline.breached", "case-staged") == []
    assert await suite.bookings() == 3


async def _all_closed(app: Running, case_id: str, n: int) -> list:
    found = await published(app.js, "deadline.closed", case_id)
    return found if len(found) == n else []


async def test_a_revoked_case_cancels_what_is_unpaid(suite: Suite) -> None:
    plan = [{"amount": "500.00", "due": "2026-03-02"}, {"amount": "500.00", "due": "2026-04-01"},
            {"amount": "500.00", "due": "2026-05-01"}]
    async with suite.running() as app:
        await set_clock(app, "2026-03-02T09:00:00+08:00")
        await app.publish(approved_dt("case-rev", "1500.00", instalments=plan))
        await reach(app, "case-rev", ["paid", "scheduled", "scheduled"])
        revoked = make_event("case.revoked", "case-rev", region="wenzhou-dongtou", task_id="t-case-rev",
                             reason="家庭收入隐瞒", fraudulent=True, recover=None, rules=["ANY-RECOVER"],
                             by={"id": "staff-9", "name": "审批人"})
        await app.publish(revoked)
        await reach(app, "case-rev", ["paid", "cancelled", "cancelled"])
        await eventually(lambda: _all_closed(app, "case-rev", 3), message="the cancelled instalments' limits closed")
        await set_clock(app, "2026-06-01T09:00:00+08:00")
        cancelled = await eventually(lambda: _two(app), message="two payment.cancelled")
        assert all(e.data.reason.startswith("approval revoked") for e in cancelled)
        r = await app.client.get("/v1/recoveries", params={"case_id": "case-rev"}, headers=CLERK_DT)
        [recovery] = r.json()
        assert (recovery["amount"], recovery["status"], recovery["rules"]) == ("500.00", "open", ["ANY-RECOVER"])
        assert await statuses(app, "case-rev") == ["paid", "cancelled", "cancelled"]
        await asyncio.sleep(1)  # the scheduler had its chance: nothing cancelled breaches
        assert await published(app.js, "deadline.breached", "case-rev") == []
    assert await suite.bookings() == 1


async def _two(app: Running) -> list:
    found = await published(app.js, "payment.cancelled", "case-rev")
    return found if len(found) == 2 else []


async def test_advance_aid_the_fund_cannot_cover_is_refused_with_a_district_task(suite: Suite) -> None:
    async with suite.running() as app:
        await set_clock(app, "2026-03-06T10:00:00+08:00")
        await app.publish(approved_dt("case-adv", "5000.00", rules=["DT-ADV"]))
        failed = await published_once(app.js, "payment.failed", "case-adv")
        assert failed.data.rule == "DT-RESERVE" and "reserve fund" in failed.data.reason
        tasks = (await app.client.get("/v1/payment-tasks", headers=DISTRICT_DT)).json()
        [task] = [t for t in tasks if t["case_id"] == "case-adv"]
        assert task["kind"] == "reserve_shortfall" and task["role"] == "district" and task["rules"] == ["DT-RESERVE"]
        assert await suite.bookings() == 0

        r = await app.client.post("/v1/reserve-funds/wenzhou-dongtou/beiyan/top-ups", headers=DISTRICT_DT,
                                  json={"amount": "14000.00", "reason": "一季度预拨", "kind": "allocation"})
        assert r.status_code == 201, r.text
        assert (r.json()["balance"], r.json()["floor"], r.json()["below_floor"]) == ("14000.00", "10000.00", False)
        r = await app.client.post(f"/v1/payments/{failed.data.payment_id}/reissue", json={}, headers=DISTRICT_DT)
        assert r.status_code == 200, r.text
        await reach(app, "case-adv", ["paid"])
        assert (await app.client.get("/v1/payment-tasks", headers=DISTRICT_DT)).json() == []
        # 14,000 - 5,000 = 9,000: below the 10,000 floor (DT-RESERVE), alerted once
        fund = (await app.client.get("/v1/reserve-funds/wenzhou-dongtou/beiyan", headers=CLERK_DT)).json()
        assert (fund["balance"], fund["below_floor"]) == ("9000.00", True)
        assert [m["kind"] for m in fund["movements"]] == ["drawdown", "allocation"]
        alert = await published_once(app.js, "payment.reserve_below_floor", "case-adv")
        assert (str(alert.data.balance), str(alert.data.floor)) == ("9000.00", "10000.00")
        other = staff_token("clerk", sub="clerk-x", region="wenzhou-dongtou", org_unit="wenzhou-dongtou/dongping")
        assert (await app.client.get("/v1/reserve-funds/wenzhou-dongtou/beiyan", headers=other)).status_code == 404


async def test_advance_aid_the_fund_covers_is_paid_within_24_hours(suite: Suite) -> None:
    async with suite.running() as app:
        await set_clock(app, "2026-03-06T10:00:00+08:00")
        r = await app.client.post("/v1/reserve-funds/wenzhou-dongtou/beiyan/top-ups", headers=DISTRICT_DT,
                                  json={"amount": "30000.00", "reason": "备用金"})
        assert r.status_code == 201, r.text
        await app.publish(approved_dt("case-adv2", "3000.00", rules=["DT-ADV"]))
        scheduled = await published_once(app.js, "payment.scheduled", "case-adv2")
        assert str(scheduled.data.due) == "2026-03-07" and "DT-ADV" in scheduled.data.rules
        opened = await published_once(app.js, "deadline.opened", "case-adv2")
        assert (opened.data.limit, opened.data.unit, opened.data.amount) == ("DT-ADV-PAY", "clock_hours", 24)
        await reach(app, "case-adv2", ["paid"])
        closed = await published_once(app.js, "deadline.closed", "case-adv2")
        assert closed.data.met is True
        assert await published(app.js, "payment.reserve_below_floor", "case-adv2") == []


async def test_cash_needs_two_witnesses_where_the_recipient_cannot_sign(suite: Suite) -> None:
    async with suite.running() as app:
        await set_clock(app, "2026-03-06T10:00:00+08:00")
        await app.publish(approved_dt("case-cash", "800.00", channel="cash"))
        await reach(app, "case-cash", ["scheduled"])  # cash waits for the hand-over, never the bank
        [payment] = (await app.client.get("/v1/payments", params={"case_id": "case-cash"}, headers=CLERK_DT)).json()
        url = f"/v1/payments/{payment['id']}/cash-receipt"
        one = [{"name": "王五", "id_number": "330322197001011111"}]
        for witnesses in ([], one, one + one):
            r = await app.client.post(url, headers=CLERK_DT, json={"signed_by_recipient": False,
                                                                   "witnesses": witnesses, "paid_on": "2026-03-06"})
            assert r.status_code == 422, r.text
            assert r.json()["errors"][0]["field"] == "witnesses" and r.json()["rule"] == "FX-PAY-CHANNEL"
        two = one + [{"name": "赵六", "id_number": "330322197202022222"}]
        body = {"signed_by_recipient": False, "witnesses": two, "paid_on": "2026-03-06"}
        key = {**CLERK_DT, "Idempotency-Key": "cash-case-cash-1"}
        replies = await asyncio.gather(*(app.client.post(url, headers=key, json=body) for _ in range(50)))
        assert {r.status_code for r in replies} == {201}, {r.text for r in replies if r.status_code != 201}
        assert len({r.json()["id"] for r in replies}) == 1
        receipt = replies[0].json()
        assert [w["id_number"] for w in receipt["witnesses"]] == ["3303**********1111", "3303**********2222"]
        await reach(app, "case-cash", ["paid"])
        paid = await published_once(app.js, "payment.paid", "case-cash")
        assert paid.data.bank_transaction == receipt["id"] and paid.data.rules == ["FX-PAY-CHANNEL"]
        lines = (await app.client.get("/v1/ledger/export", params={"org_unit": "wenzhou-dongtou/beiyan",
                                                                   "month": "2026-03"}, headers=CLERK_DT)).json()
        assert [(line["kind"], line["amount"], line["channel"]) for line in lines] == [("payment", "800.00", "cash")]
        r = await app.client.post(url, headers=CLERK_DT, json=body)  # another key: nothing left to hand over
        assert r.status_code == 409
    assert await suite.bookings() == 0


async def test_in_kind_records_what_was_delivered(suite: Suite) -> None:
    async with suite.running() as app:
        await set_clock(app, "2026-03-06T10:00:00+08:00")
        await app.publish(approved_dt("case-kind", "600.00", channel="in_kind"))
        await reach(app, "case-kind", ["scheduled"])
        [payment] = (await app.client.get("/v1/payments", params={"case_id": "case-kind"}, headers=CLERK_DT)).json()
        items = [{"name": "大米", "quantity": 2, "unit": "袋", "value": "200.00"},
                 {"name": "棉被", "quantity": 2, "unit": "床", "value": "350.00"}]
        r = await app.client.post(f"/v1/payments/{payment['id']}/delivery", headers=CLERK_DT, json={
            "items": items, "received_by": PAYEE, "delivered_on": "2026-03-06"})
        assert r.status_code == 201, r.text
        assert r.json()["items"] == items and r.json()["amount"] == "550.00"
        assert r.json()["received_by"] == {"name": "林小梅", "id_number": "3303**********1234"}
        stored = (await app.client.get(f"/v1/payments/{payment['id']}/receipt", headers=CLERK_DT)).json()
        assert stored["items"] == items and stored["channel"] == "in_kind"
        [row] = (await app.client.get("/v1/payments", params={"case_id": "case-kind"}, headers=CLERK_DT)).json()
        assert (row["status"], row["amount"], row["approved_amount"]) == ("paid", "550.00", "600.00")
