"""The monthly payroll from the roster (status.changed) through the simulated bank, resumed
after a stop without paying anybody twice, and the day's reconciliation finding every break
injected into a 10,000-payment day and calling none of the good ones broken."""
from __future__ import annotations

from datetime import date, datetime, timezone

from disbursement.store import UnitOfWork, plumbing
from relief_shared.db import Database, create_engine
from relief_shared.money import Money
from relief_shared.testing import eventually, make_event, staff_token

from .test_payments import Running, Suite, published, published_once, suite  # noqa: F401 - the fixture

DISTRICT = staff_token("district", sub="district-1", org_unit=None)
OPS = staff_token("ops", sub="ops-1", org_unit=None)
AT = datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)


def person(n: int) -> str:
    return f"2109021990{n:07d}X"


async def seed_roster(suite: Suite, count: int, *, extra: bool = False) -> None:
    rows = [dict(id_number=person(n), key=f"k-{n}", region="fuxin-haizhou", org_unit="fuxin-haizhou/hanjiadian",
                 case_id=f"dibao-{n}", name="低保对象", status="dibao" if n % 50 else "tekun", dispersed=True,
                 since=date(2025, 1, 1), monthly_fen=52_000 + n % 7 * 100, bank_account=f"62220{n:011d}",
                 deceased_on=None, paid_status="dibao", event_at=AT) for n in range(count)]
    if extra:  # on the roster but not paid: no amount decided (skipped), marginal, tekun in an institution
        rows += [dict(rows[0], id_number=person(900_000 + n), key=f"x-{n}", monthly_fen=None) for n in range(4)]
        rows += [dict(rows[0], id_number=person(910_000 + n), key=f"y-{n}", status="marginal") for n in range(3)]
        rows += [dict(rows[0], id_number=person(920_000 + n), key=f"z-{n}", status="tekun", dispersed=False)
                 for n in range(2)]
    db = Database(create_engine(suite.database_url), plumbing, UnitOfWork)
    try:
        async with db.uow() as uow:
            for start in range(0, len(rows), 2000):
                await uow.roster.add_many(rows[start:start + 2000])
            await uow.commit()
    finally:
        await db.dispose()


async def run_state(app: Running, run_id: str) -> dict:
    r = await app.client.get(f"/v1/payroll-runs/{run_id}", headers=DISTRICT)
    assert r.status_code == 200, r.text
    return r.json()


async def finished(app: Running, run_id: str) -> dict:
    async def probe() -> dict | None:
        state = await run_state(app, run_id)
        return state if state["status"] == "paid" else None

    return await eventually(probe, timeout=120, message="payroll paid")


async def test_the_roster_comes_from_status_changed(suite: Suite) -> None:
    async with suite.running() as app:
        base = dict(person={"id_number": person(1), "name": "低保对象"}, previous="none", since="2026-01-01",
                    household_size=2, reason="dibao approved", rules=["DT-20D"], by={"id": "a", "name": "审批人"},
                    org_unit="fuxin-haizhou/hanjiadian")
        newer = make_event("status.changed", "dibao-1", status="dibao", monthly_amount="610.00", **base)
        older = make_event("status.changed", "dibao-1", status="dibao", monthly_amount="500.00", **base)
        older = older.model_copy(update={"occurred_at": datetime(2025, 1, 1, tzinfo=timezone.utc)})
        for event in (newer, older, newer):  # redelivered and out of order
            await app.publish(event)
        engine = app.app.state.runtime.db

        async def entry() -> object:
            async with engine.reading() as uow:
                found = await uow.roster.get(person(1))
            return found if found and found.monthly_fen == 61_000 else None

        await eventually(entry, message="roster entry")
        r = await app.client.post("/v1/payroll-runs", json={"month": "2026-03"}, headers=DISTRICT)
        assert r.status_code == 202, r.text
        state = await finished(app, r.json()["id"])
        assert (state["recipients"], state["total"], state["paid"]) == (1, "610.00", 1)


async def test_the_months_run_opens_on_its_first_day_by_itself(suite: Suite) -> None:
    await seed_roster(suite, 5)
    async with suite.running() as app:  # the suite's time is April 1st before the payroll looks at it
        r = await app.client.put("/v1/ops/clock", json={"now": "2026-04-01T08:00:00+08:00"}, headers=OPS)
        assert r.status_code == 200, r.text
    async with suite.running(payroll_opens_monthly=True, payroll_poll_seconds=0.1) as app:

        async def april() -> object:
            async with app.app.state.runtime.db.reading() as uow:
                return await uow.runs.of_month("fuxin-haizhou", "2026-04")

        run = await eventually(april, message="April's run opened by itself")
        state = await finished(app, run.id)
        assert (state["recipients"], state["paid"], state["due"]) == (5, 5, "2026-04-30")
        async with app.app.state.runtime.db.reading() as uow:
            assert await uow.runs.of_month("linfen", "2026-04") is None  # nobody on Linfen's roster
    async with suite.running(payroll_opens_monthly=True, payroll_poll_seconds=0.1) as app:
        again = await app.client.post("/v1/payroll-runs", json={"month": "2026-04"}, headers=DISTRICT)
        assert again.json()["id"] == run.id  # one run a month, however it was opened
    assert len(await suite.bank.ledger()) == 5


async def test_a_stopped_payroll_resumes_and_pays_nobody_twice(suite: Suite) -> None:
    await seed_roster(suite, 3000, extra=True)
    tuning = dict(payroll_chunk=200, payment_batch=300, payment_bank_batch=100)
    async with suite.running(**tuning) as app:
        r = await app.client.post("/v1/payroll-runs", json={"month": "2026-03"}, headers=DISTRICT)
        assert r.status_code == 202, r.text
        run_id = r.json()["id"]

        async def midway() -> bool:
            state = await run_state(app, run_id)
            return state["recipients"] >= 600 and state["paid"] > 0

        await eventually(midway, message="production and payment under way")
    async with suite.running(**tuning) as app:  # stopped mid-production and mid-payment, started again
        again = await app.client.post("/v1/payroll-runs", json={"month": "2026-03"}, headers=DISTRICT)
        assert again.json()["id"] == run_id  # one run a month
        state = await finished(app, run_id)
        assert (state["recipients"], state["paid"], state["failed"], state["skipped"]) == (3000, 3000, 0, 4)
        assert state["progress"] == 1.0 and state["bar"].startswith("[" + "#" * 30 + "]")
        opened = await published_once(app.js, "payment.payroll_month_opened", "payroll-fuxin-haizhou-2026-03")
        assert (opened.data.recipients, str(opened.data.due)) == (3000, "2026-03-31")
        completed = await published_once(app.js, "payment.payroll_completed", "payroll-fuxin-haizhou-2026-03")
        assert completed.data.paid == 3000
        assert await published(app.js, "payment.paid", "dibao-7") == []  # the payroll's are in the ledger, not per case
    ledger = await suite.bank.ledger()
    assert len(ledger) == 3000 and len({r.reference for r in ledger}) == 3000
    assert sum(r.amount.fen for r in ledger) == completed.data.total_paid.fen


async def test_reconciliation_finds_every_injected_break_in_a_10000_payment_day(suite: Suite) -> None:
    await seed_roster(suite, 10_000)
    async with suite.running(payroll_chunk=5000, payment_batch=2000, payment_bank_batch=1000) as app:
        r = await app.client.put("/v1/ops/clock", json={"now": "2026-03-03T10:00:00+08:00"}, headers=OPS)
        assert r.status_code == 200, r.text
        r = await app.client.post("/v1/payroll-runs", json={"month": "2026-03"}, headers=DISTRICT)
        await finished(app, r.json()["id"])
        bank = suite.bank
        refs = sorted(r.reference for r in await bank.ledger())
        assert len(refs) == 10_000
        day = date(2026, 3, 3)
        expected = set()
        for ref in refs[0:3]:
            bank.drop_credit(ref)
            expected.add((ref, "missing_credit"))
        for ref in refs[100:103]:
            bank.duplicate_credit(ref)
            expected.add((ref, "duplicate_credit"))
        for ref in refs[200:203]:
            bank.alter_credit(ref, amount=Money.yuan("1.00"))
            expected.add((ref, "wrong_amount"))
        for ref in refs[300:303]:
            bank.alter_credit(ref, account="62229999999999999")
            expected.add((ref, "wrong_account"))
        for n in range(3):
            bank.stray_credit(f"zz-stray-{n}", Money.yuan("520.00"), "62228888888888888", day)
            expected.add((f"zz-stray-{n}", "never_sent"))
        r = await app.client.post("/v1/reconciliations/2026-03-03", headers=DISTRICT)
        assert r.status_code == 200, r.text
        result = r.json()
        assert {(b["reference"], b["kind"]) for b in result["items"]} == expected
        assert result["breaks"] == 15 and all(n == 3 for n in result["by_kind"].values())
        assert result["matched"] == 10_000 - 12 and result["credits"] == 10_000
        tasks = (await app.client.get("/v1/payment-tasks", headers=DISTRICT)).json()
        assert len([t for t in tasks if t["kind"] == "reconciliation_break"]) == 15
        r = await app.client.post("/v1/reconciliations/2026-03-03", headers=DISTRICT)  # again: nothing new
        assert r.json()["breaks"] == 15
        auditor = staff_token("auditor", sub="aud-1", org_unit=None)
        assert (await app.client.get("/v1/reconciliations/2026-03-03", headers=auditor)).json()["breaks"] == 15
        assert (await app.client.get("/v1/reconciliations/2026-03-04", headers=auditor)).status_code == 404
        clerk = staff_token("clerk")
        assert (await app.client.get("/v1/reconciliations/2026-03-03", headers=clerk)).status_code == 403
