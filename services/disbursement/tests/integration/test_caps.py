"""LF-CAP at payment: in Linfen a person gets at most 5,000 and a household 10,000 a calendar
year; a payment that would pass is reduced to what is left (the region's choice) or refused,
and two payments counted at the same moment never both slip under."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone

from disbursement.domain import Payee, Payment
from disbursement.paying import within_caps
from disbursement.store import UnitOfWork, plumbing
from disbursement.terms import PaymentTerms
from relief_shared.calendar import WorkingCalendar
from relief_shared.db import Database, create_engine
from relief_shared.money import Money
from relief_shared.regions import RegionPacks
from relief_shared.testing import eventually, make_event, staff_token

from .test_payments import Running, Suite, published_once, suite  # noqa: F401 - the fixture

CLERK_LF = staff_token("clerk", sub="clerk-lf", region="linfen", org_unit="linfen/jiefanglu")
A, B, C = "141002198001010011", "141002198202020022", "141002198503030033"


def approved_lf(case_id: str, amount: str, id_number: str, household: str | None = "hh-1"):  # noqa: ANN201
    return make_event("case.approved", case_id, region="linfen", task_id=f"t-{case_id}", step="approve",
                      amount=amount, approved_by={"id": "staff-9", "name": "审批人"}, org_unit="linfen/jiefanglu",
                      payee={"id_number": id_number, "name": "临汾居民"}, rules=["FX-ROUTE"], comment="",
                      by={"id": "staff-9", "name": "审批人"}, household_id=household)


async def test_a_payment_past_the_yearly_cap_is_reduced_or_refused(suite: Suite) -> None:
    async with suite.running() as app:
        for case_id, amount, person in (("lf-1", "3000.00", A), ("lf-2", "3000.00", A)):
            await app.publish(approved_lf(case_id, amount, person))
            await reach_lf(app, case_id, ["paid"])
        [reduced] = await payments_lf(app, "lf-2")
        assert (reduced["amount"], reduced["approved_amount"], reduced["rule"]) == ("2000.00", "3000.00", "LF-CAP")
        paid = await published_once(app.js, "payment.paid", "lf-2")
        assert str(paid.data.reduced_from) == "3000.00" and paid.data.rules == ["LF-CAP"]
        await app.publish(approved_lf("lf-3", "500.00", A))
        await reach_lf(app, "lf-3", ["failed"])
        failed = await published_once(app.js, "payment.failed", "lf-3")
        assert failed.data.rule == "LF-CAP" and "yearly cap of 5000.00" in failed.data.reason
        # the household: A has 5,000; B gets 5,000; C's 800 would pass 10,000 and is refused
        await app.publish(approved_lf("lf-4", "5000.00", B))
        await reach_lf(app, "lf-4", ["paid"])
        await app.publish(approved_lf("lf-5", "800.00", C))
        await reach_lf(app, "lf-5", ["failed"])
        refused = await published_once(app.js, "payment.failed", "lf-5")
        assert "household" in refused.data.reason
        year = (await payments_lf(app, "lf-1"))[0]["paid_at"][:4]
        r = await app.client.get("/v1/ledger/paid-this-year", params={"id_number": A, "year": year}, headers=CLERK_LF)
        assert (r.json()["person"], r.json()["household"]) == ("5000.00", "10000.00")
    assert await suite.bookings() == 3


async def payments_lf(app: Running, case_id: str) -> list[dict]:
    r = await app.client.get("/v1/payments", params={"case_id": case_id}, headers=CLERK_LF)
    assert r.status_code == 200, r.text
    return r.json()


async def reach_lf(app: Running, case_id: str, expected: list[str]) -> None:
    async def probe() -> bool:
        return [p["status"] for p in await payments_lf(app, case_id)] == expected

    await eventually(probe, message=f"{case_id} {expected}")


async def test_two_concurrent_payments_cannot_both_slip_under_the_cap(suite: Suite) -> None:
    """Two transactions count 3,000 each for one person at once: one pays 3,000, the other what is
    left (2,000), never 6,000 — on PostgreSQL the second waits on the first's locked cap rows."""
    db = Database(create_engine(suite.database_url), plumbing, UnitOfWork)
    terms = PaymentTerms(RegionPacks.load(), WorkingCalendar.load())
    made = [Payment(id=f"cap-{n}", case_id=f"cap-case-{n}", task_id="t", region="linfen", org_unit="linfen/jiefanglu",
                    amount=Money.yuan("3000.00"), payee=Payee("临汾居民", A, None, "hh-9"), channel="bank",
                    status="scheduled", due=None, attempts=0, correlation_id="c", approved_on=date(2026, 3, 2))
            for n in (1, 2)]
    try:
        async with db.uow() as uow:
            for payment in made:
                await uow.payments.add_unless_present(payment, _now())
            await uow.commit()

        async def count(payment: Payment) -> Money:
            async with db.uow() as uow:
                assert await uow.payments.claim_scheduled([payment.id], _now(), _now() + timedelta(minutes=1))
                await asyncio.sleep(0)  # let the other transaction reach its own lock
                counted = await within_caps(uow, payment, terms, _now())
                await asyncio.sleep(0.05)  # hold the locks a while: the other must wait, not read around them
                await uow.commit()
            assert counted is not None
            return counted.amount

        paid = await asyncio.gather(*(count(p) for p in made))
        assert sorted(paid) == [Money.yuan("2000.00"), Money.yuan("3000.00")]
    finally:
        await db.dispose()


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def test_temporary_aid_for_dibao_recipients_stays_within_ten_percent_of_the_dibao_balance(suite: Suite) -> None:
    """LF-FUND: with 20,000 left in the dibao funds at the end of last year, 2,000 may go to
    temporary aid for dibao recipients this year; above it is refused, naming the rule."""
    district = staff_token("district", sub="district-lf", region="linfen", org_unit=None)
    async with suite.running() as app:
        status = make_event("status.changed", "lf-dibao", region="linfen", person={"id_number": C, "name": "临汾低保"},
                            status="dibao", previous="none", since="2026-01-01", monthly_amount="600.00",
                            reason="dibao approved", rules=["DT-20D"], by={"id": "a", "name": "审批人"})
        await app.publish(status)
        await app.publish(approved_lf("lf-f0", "300.00", C, household=None))
        await reach_lf(app, "lf-f0", ["failed"])  # no balance recorded: refused with the reason
        failed = await published_once(app.js, "payment.failed", "lf-f0")
        assert failed.data.rule == "LF-FUND" and "none is recorded" in failed.data.reason
        year = (await payments_lf(app, "lf-f0"))[0]["due"] or str(date.today())
        last_year = int(failed.data.reason.split("none is recorded for ")[1][:4])
        r = await app.client.put(f"/v1/dibao-fund/{last_year}", json={"balance": "20000.00"}, headers=district)
        assert r.status_code == 200, r.text
        assert (r.json()["allowance"], r.json()["share"]) == ("2000.00", "0.10")
        await app.publish(approved_lf("lf-f1", "1500.00", C, household=None))
        await reach_lf(app, "lf-f1", ["paid"])
        await app.publish(approved_lf("lf-f2", "800.00", C, household=None))
        await reach_lf(app, "lf-f2", ["failed"])
        refused = await published_once(app.js, "payment.failed", "lf-f2")
        assert refused.data.rule == "LF-FUND" and "500.00 is left" in refused.data.reason
        view = (await app.client.get(f"/v1/dibao-fund/{last_year}", headers=CLERK_LF)).json()
        assert (view["used"], view["allowance"]) == ("1500.00", "2000.00")
        await app.publish(approved_lf("lf-f3", "800.00", B, household=None))  # not on dibao: not counted here
        await reach_lf(app, "lf-f3", ["paid"])
        assert year
