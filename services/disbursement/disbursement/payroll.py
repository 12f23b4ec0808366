"""The monthly dibao payroll (DT-PAY-10TH, ANY-DIBAO-PAY): the roster is disbursement's own,
kept from `status.changed`; a month's run is one batch of payments produced in chunks (each
chunk and the run's cursor commit together, so a crash resumes where it stopped and the
(month, person) key keeps anybody from being paid twice), paid through the same bank adapter
as batch files, and complete when every payment is settled.

The month's amount is the `monthly_amount` decided with the status (ANY-DIBAO-PAY for dibao,
DT-CARE for dispersed tekun, computed by benefit-calc); a person on the roster without one is
not paid and is counted as skipped, never given a guessed amount.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from disbursement.domain import BANK, PAYROLL, SCHEDULED, NoSuchRun, Payee, Payment, PayrollRefused
from disbursement.policy import month_bounds, on_payroll, payroll_schedule
from disbursement.records import BY, SOURCE
from disbursement.store import UnitOfWork
from disbursement.stores.payroll import Run
from disbursement.terms import PaymentTerms
from relief_shared import deadlines
from relief_shared.contract import Envelope
from relief_shared.contract.payment import PayrollCompleted, PayrollMonthOpened
from relief_shared.contract.status import StatusChanged
from relief_shared.db import Database
from relief_shared.calendar import SHANGHAI
from relief_shared.money import Money
from relief_shared.regions import MissingParameter

log = logging.getLogger(__name__)

PAYS = ("dibao", "tekun")
LIMIT = "DT-PAY-10TH"


def run_case(region: str, month: str) -> str:
    """The case id a run's events and deadline carry: a run is the month's, not one person's."""
    return f"payroll-{region}-{month}"


async def apply_status(event: Envelope[StatusChanged], uow: UnitOfWork) -> bool:
    """Keep the person's roster entry; an older event than the one applied changes nothing."""
    data = event.data
    earlier = await uow.roster.get(data.person.id_number)
    paid_status = data.status if data.status in PAYS else (
        earlier.paid_status if earlier and earlier.paid_status else (data.previous if data.previous in PAYS else None))
    return await uow.roster.apply(dict(
        id_number=data.person.id_number, region=event.region, org_unit=data.org_unit or (earlier.org_unit if earlier else None),
        case_id=event.case_id, name=data.person.name, status=data.status, dispersed=data.dispersed, since=data.since,
        monthly_fen=data.monthly_amount.fen if data.monthly_amount is not None else None,
        bank_account=data.bank_account or (earlier.bank_account if earlier else None),
        deceased_on=data.deceased_on, paid_status=paid_status, event_at=event.occurred_at))


async def open_run(region: str, month: str, uow: UnitOfWork, terms: PaymentTerms, *, now: datetime) -> Run:
    """The month's run (one per region and month: asking again returns it); its DT-PAY-10TH
    deadline starts with it, on the durable clock."""
    pack = terms.pack(region)
    if pack is None:
        raise PayrollRefused(f"unknown region {region}")
    try:
        schedule = payroll_schedule(pack, month)
    except MissingParameter as exc:
        raise PayrollRefused(f"{exc}: the region's payroll schedule must be in its pack (payments.toml)") from exc
    async with uow:
        existing = await uow.runs.of_month(region, month)
        if existing is not None:
            return existing
        run_id = str(uuid.uuid4())
        await uow.runs.add(dict(id=run_id, region=region, month=month, status="producing", cursor="", produced=0,
                                skipped=0, total_fen=0, due=schedule.due, rule=schedule.rule, created_at=now,
                                produced_at=None, completed_at=None))
        limit = pack.time_limit(LIMIT, schedule.due)
        if limit is not None:
            d = await uow.deadlines.open(case_id=run_case(region, month), region=region, org_unit=None, limit=limit,
                                         started_at=now, watches=f"payroll run {run_id}", calendar=terms.calendar)
            if d is not None:
                uow.record(deadlines.envelope("opened", d, service=SOURCE))
        await uow.commit()
    run = await _get(uow, run_id)
    return run


async def open_this_month(db: Database, terms: PaymentTerms, *, now: datetime) -> list[Run]:
    """Open the month's run on its first day (Asia/Shanghai) for every region whose roster has
    anyone, so the payroll is produced and paid before the region's day (DT-PAY-10TH) without
    anybody having to remember it; `POST /v1/payroll-runs` stays for a month to produce by hand.
    A region whose pack has no payroll schedule is logged and left alone, never guessed."""
    month = now.astimezone(SHANGHAI).strftime("%Y-%m")
    opened: list[Run] = []
    for region in terms.packs.codes():
        async with db.reading() as uow:
            if await uow.runs.of_month(region, month) is not None or not await uow.roster.has_region(region):
                continue
        try:
            opened.append(await open_run(region, month, db.uow(), terms, now=now))
        except PayrollRefused as exc:
            log.error("the %s payroll of %s cannot open: %s", region, month, exc)
    return opened


async def _get(uow: UnitOfWork, run_id: str) -> Run:
    async with uow:
        run = await uow.runs.get(run_id)
    if run is None:
        raise NoSuchRun(f"no payroll run {run_id}")
    return run


async def produce_chunk(run: Run, uow: UnitOfWork, *, size: int, now: datetime) -> Run | None:
    """Produce the next chunk of the run's roster; the run after it, or None when another producer
    moved it first (nothing written). The last (empty) chunk opens the run for payment."""
    async with uow:
        entries = await uow.roster.chunk(run.region, run.cursor, size)
        if not entries:
            if await uow.runs.set_status(run.id, was="producing", status="paying", produced_at=now):
                uow.record(Envelope.new(PayrollMonthOpened(
                    run_id=run.id, month=run.month, recipients=run.produced, total=Money(run.total_fen),
                    skipped=run.skipped, due=run.due, by=BY), case_id=run_case(run.region, run.month),
                    region=run.region, source=SOURCE))
            await uow.commit()
            return await uow.runs.get(run.id)
        batch, skipped, bounds = [], 0, month_bounds(run.month)
        for e in entries:
            if not on_payroll(e.status, e.dispersed, e.since, e.deceased_on, bounds):
                continue
            if e.monthly_fen is None or e.monthly_fen <= 0:
                skipped += 1
                continue
            batch.append(Payment(id=str(uuid.uuid4()), case_id=e.case_id, task_id=f"payroll:{run.month}:{e.key}",
                                 region=run.region, org_unit=e.org_unit or run.region, amount=Money(e.monthly_fen),
                                 payee=Payee(e.name, e.id_number, e.bank_account), channel=BANK, status=SCHEDULED,
                                 due=run.due, attempts=0, correlation_id=run.id, kind=PAYROLL,
                                 payroll_month=run.month))
        await uow.payments.add_many(batch, now)
        if not await uow.runs.advance(run.id, cursor_was=run.cursor, cursor=entries[-1].id_number,
                                      produced=len(batch), skipped=skipped,
                                      total_fen=sum(p.amount.fen for p in batch)):
            return None  # rolled back: another producer took this chunk
        await uow.commit()
        return await uow.runs.get(run.id)


async def complete_if_settled(run: Run, uow: UnitOfWork, *, now: datetime) -> bool:
    """Every payment of the run settled: the run is paid, DT-PAY-10TH is met (or late)."""
    async with uow:
        counts = await uow.payments.run_counts(run.month, run.region)
        if any(counts.get(s, 0) for s in ("scheduled", "sent", "unknown")):
            return False
        if not await uow.runs.set_status(run.id, was="paying", status="paid", completed_at=now):
            return False
        total = await uow.payments.run_paid_total(run.month, run.region)
        case_id = run_case(run.region, run.month)
        uow.record(Envelope.new(PayrollCompleted(run_id=run.id, month=run.month, paid=counts.get("paid", 0),
                                                 failed=counts.get("failed", 0), total_paid=total, by=BY),
                                case_id=case_id, region=run.region, source=SOURCE))
        closed = await uow.deadlines.close(case_id, stopped_by="payment.paid", at=now)
        uow.record(*(deadlines.envelope("closed", d, service=SOURCE) for d in closed))
        await uow.commit()
    return True


async def run_view(run_id: str, region: str, uow: UnitOfWork) -> dict[str, Any]:
    async with uow:
        run = await uow.runs.get(run_id, region=region)
        if run is None:
            raise NoSuchRun(f"no payroll run {run_id} in region {region}")
        counts = await uow.payments.run_counts(run.month, run.region)
    return view(run, counts)


@dataclass(frozen=True)
class Progress:
    produced: int
    settled: int
    paid: int
    failed: int
    in_flight: int

    @property
    def fraction(self) -> float:
        return self.settled / self.produced if self.produced else 0.0

    def bar(self, width: int = 30) -> str:
        done = int(self.fraction * width)
        return f"[{'#' * done}{'-' * (width - done)}] {self.fraction:6.1%} {self.settled}/{self.produced}"


def progress(run: Run, counts: dict[str, int]) -> Progress:
    paid, failed = counts.get("paid", 0), counts.get("failed", 0)
    return Progress(run.produced, paid + failed, paid, failed, counts.get("sent", 0) + counts.get("unknown", 0))


def view(run: Run, counts: dict[str, int]) -> dict[str, Any]:
    p = progress(run, counts)
    return {"id": run.id, "region": run.region, "month": run.month, "status": run.status, "due": run.due.isoformat(),
            "rule": run.rule, "recipients": run.produced, "skipped": run.skipped, "total": str(Money(run.total_fen)),
            "paid": p.paid, "failed": p.failed, "in_flight": p.in_flight,
            "scheduled": counts.get("scheduled", 0), "progress": round(p.fraction, 4), "bar": p.bar(),
            "created_at": run.created_at.astimezone(timezone.utc).isoformat(),
            "completed_at": run.completed_at.isoformat() if run.completed_at else None}


async def produce_and_complete(db: Database, *, size: int, now: datetime,
                               on_chunk: Callable[[Run], None] | None = None) -> int:
    """One pass of the producer: every producing run to its end, every paying run checked for
    completion. Returns how many payments were produced."""
    produced = 0
    async with db.reading() as uow:
        producing = await uow.runs.in_state("producing")
        paying = await uow.runs.in_state("paying")
    for run in producing:
        current: Run | None = run
        while current is not None and current.status == "producing":
            before = current.produced
            current = await produce_chunk(current, db.uow(), size=size, now=now)
            if current is not None:
                produced += current.produced - before
                if on_chunk:
                    on_chunk(current)
    for run in paying:
        await complete_if_settled(run, db.uow(), now=now)
    return produced
