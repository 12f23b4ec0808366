"""Overdue exactly once, whoever claims: two scheduler rounds (as two replicas would run them)
over one breached handling limit owe one `.overdue` and one timeline row; an answered referral
is never overdue. Real migrated database, no broker needed: the events are the outbox rows."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from eligibility import referral_service, store
from relief_shared.calendar import WorkingCalendar
from relief_shared.db import Database, create_engine
from relief_shared.deadline_scheduler import DeadlineScheduler
from relief_shared.clock import Clock
from relief_shared.regions import RegionPacks
from relief_shared.testing import migrated
from sqlalchemy import func, select

PACK = RegionPacks.load().get("wenzhou-dongtou")
START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


async def _case(db: Database, case_id: str, department: str) -> None:
    async with db.uow() as uow:
        await uow.cases.add(case_id=case_id, region=PACK.code, org_unit="wenzhou-dongtou/beiyan", channel="window",
                            applies_for="temporary_assistance", accepted_by="clerk", applicant_id_number="x" * 18,
                            request={}, at=START)
        limit = referral_service.handling_limit(PACK, department, START.date())
        clock = await uow.clocks.open(case_id=case_id, region=PACK.code, org_unit="wenzhou-dongtou/beiyan",
                                      limit=limit, started_at=START, watches="test", calendar=WorkingCalendar.load())
        await uow.referrals.add([dict(id=f"ref-{case_id}", case_id=case_id, region=PACK.code,
                                      org_unit="wenzhou-dongtou/beiyan", department=department, rules=["REF-DETECT"],
                                      reasons=[], needs=[], requested_at=START, due=clock.due)])
        await uow.commit()


async def _outbox_types(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        return list(await conn.scalars(select(db.plumbing.outbox.c.subject)))


async def test_two_rounds_over_one_breach_owe_one_overdue(database_url) -> None:  # noqa: ANN001
    await migrated("eligibility", database_url)
    db = Database(create_engine(database_url), store.plumbing, store.UnitOfWork)
    try:
        await _case(db, "TA-1", "rescue_station")  # 1 working day: due end of Tuesday 3 March
        await _case(db, "TA-2", "education")
        async with db.uow() as uow:  # education answered in time: its clock is closed
            await uow.referrals.complete("ref-TA-2", at=START + timedelta(hours=2), by="p", outcome="granted",
                                         detail="ok", finished_on=START.date(), feedback_due=None, late=None)
            await uow.clocks.close("TA-2", stopped_by="referral.education.completed", at=START + timedelta(hours=2))
            await uow.commit()
        later = Clock(enabled=True, offset_seconds=(START + timedelta(days=30) - datetime.now(timezone.utc))
                      .total_seconds())
        replicas = [DeadlineScheduler(db, store.clocks, service="eligibility", clock=later,
                                      calendar=WorkingCalendar.load(), on_claimed=referral_service.on_deadlines)
                    for _ in range(2)]
        for replica in replicas * 2:
            await replica.round()
        subjects = await _outbox_types(db)
        assert subjects.count("relief.referral.rescue_station.overdue") == 1
        assert subjects.count("relief.deadline.breached") == 1
        assert not any("education.overdue" in s for s in subjects)
        async with db.engine.connect() as conn:
            t = store.timeline
            assert await conn.scalar(select(func.count()).select_from(t).where(
                t.c.event == "referral.rescue_station.overdue")) == 1
            overdue_at = await conn.scalar(select(store.referrals.c.overdue_at).where(
                store.referrals.c.id == "ref-TA-1"))
        assert overdue_at is not None
    finally:
        await db.dispose()
