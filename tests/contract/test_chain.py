"""Contract tests between the services: each consumer's use case is fed what the producer's
real use case wrote to its outbox, as the relay would publish it and the inbox would parse it
(no hand-written payloads), across all five services, one real migrated database each. A field
renamed in a producer model breaks the consumer's side here, and the producer's side in its
own tests."""
from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from approval import service as approval
from approval.domain import Actor
from approval.store import UnitOfWork as ApprovalUow
from approval.store import plumbing as approval_plumbing
from benefit_calc import service as benefit_calc
from benefit_calc.store import UnitOfWork as BenefitUow
from benefit_calc.store import plumbing as benefit_plumbing
from disbursement import service as disbursement
from disbursement.bank import BankReceipt
from disbursement.store import UnitOfWork as DisbursementUow
from disbursement.store import plumbing as disbursement_plumbing
from eligibility import service as eligibility
from eligibility.schemas import CaseIn
from eligibility.store import UnitOfWork as EligibilityUow
from eligibility.store import plumbing as eligibility_plumbing
from means_check import service as means_check
from means_check.store import UnitOfWork as MeansUow
from means_check.store import plumbing as means_plumbing
from relief_shared.auth import Principal
from relief_shared.calendar import WorkingCalendar
from relief_shared.contract import REGISTRY, ConsumerSpec, Envelope
from relief_shared.contract import consumers as declared
from relief_shared.db import Database, create_engine, sqlite_url
from relief_shared.inbox import Consumer, ConsumerPolicy, Subscription
from relief_shared.regions import RegionPacks
from relief_shared.samples import SAMPLE_ORG_UNIT, fire_case
from relief_shared.settings import DEV_KIN_SECRET
from relief_shared.testing import POSTGRES_ENV, migrated, postgres_database
from sqlalchemy import select

PACKS, CALENDAR = RegionPacks.load(), WorkingCalendar.load()
CLERK = Principal(sub="clerk-1", name="李经办", roles=("clerk",), region="fuxin-haizhou", org_unit=SAMPLE_ORG_UNIT)
APPROVER = Actor("approver-1", "张审批", frozenset({"approver"}), "fuxin-haizhou", SAMPLE_ORG_UNIT)
SERVICES = {"eligibility": (EligibilityUow, eligibility_plumbing), "means_check": (MeansUow, means_plumbing),
            "benefit_calc": (BenefitUow, benefit_plumbing), "approval": (ApprovalUow, approval_plumbing),
            "disbursement": (DisbursementUow, disbursement_plumbing)}


class Service:
    """One service's real database, its outbox read as the relay reads it, its consumers' inbox."""

    def __init__(self, db: Database):
        self.db, self.taken = db, 0

    async def published(self) -> list[Envelope[Any]]:
        """What the service wrote to its outbox since last asked, parsed as a consumer parses it."""
        outbox = self.db.plumbing.outbox
        async with self.db.engine.connect() as conn:
            payloads = list(await conn.scalars(select(outbox.c.payload).order_by(outbox.c.seq)))
        fresh, self.taken = payloads[self.taken:], len(payloads)
        return [REGISTRY.parse(p.encode()) for p in fresh]

    async def consume(self, spec: ConsumerSpec, handler: Any, events: list[Envelope[Any]], *,
                      batch: bool = False) -> None:
        """Through the real inbox: the consumer's use case in one transaction with its inbox row."""
        consumer = Consumer(None, self.db, self.db.plumbing, Subscription(spec, handler, takes_batches=batch),  # type: ignore[arg-type]
                            ConsumerPolicy())
        for event in events:
            assert spec.accepts(event), f"{spec.durable} does not read {event.type} v{event.version}"
            assert await consumer.apply(event)


@contextlib.asynccontextmanager
async def databases(tmp_path: Path, backend: str) -> AsyncIterator[dict[str, Service]]:
    async with contextlib.AsyncExitStack() as stack:
        services = {}
        for package, (uow, plumbing) in SERVICES.items():
            if backend == "sqlite":
                url = sqlite_url(tmp_path / f"{package}.sqlite")
            else:
                url = await stack.enter_async_context(postgres_database())
            await migrated(package, url)
            db = Database(create_engine(url), plumbing, uow)
            stack.push_async_callback(db.dispose)
            services[package] = Service(db)
        yield services


BACKENDS = ["sqlite", "postgres"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_fire_case_crosses_every_service_on_the_producers_own_payloads(tmp_path: Path, backend: str) -> None:
    async with databases(tmp_path, backend) as s:
        elig, means, calc, appr, pay = (s[k] for k in SERVICES)
        reply = await eligibility.submit_case(eligibility.SubmitCase(CaseIn.model_validate(fire_case()), CLERK),
                                              elig.db.uow(), PACKS)
        case_id = reply.body["case_id"]
        [received] = await elig.published()
        await elig.consume(declared.ELIGIBILITY_INTAKE, _with(eligibility.classify_received, packs=PACKS, kin_secret=DEV_KIN_SECRET), [received],
                           batch=True)
        [classified] = await elig.published()
        assert classified.data.applicant.id_number == fire_case()["applicant"]["id_number"]

        await means.consume(declared.MEANS_CHECK_CLASSIFIED, _with(means_check.on_case_classified, packs=PACKS),
                            [classified])
        await calc.consume(declared.BENEFIT_CALC_CLASSIFIED, _with(benefit_calc.on_case_classified, packs=PACKS),
                           [classified])
        [skipped], [calculated] = await means.published(), await calc.published()
        assert str(calculated.data.ceiling) == "5000.00" and calculated.causation_id == classified.id

        await appr.consume(declared.APPROVAL_CALCULATED,
                           _with(approval.on_benefit_calculated, packs=PACKS, calendar=CALENDAR,
                                 kin_secret=DEV_KIN_SECRET), [calculated])
        decision = approval.Decide(case_id, "approve", "approve", calculated.data.ceiling, "先行救助", APPROVER)
        await approval.decide(decision, appr.db.uow(), now=datetime.now(timezone.utc), packs=PACKS)
        requested, approved = await appr.published()
        assert approved.data.payee.name == "王秀兰" and approved.correlation_id == received.correlation_id

        terms = disbursement.PaymentTerms(PACKS, CALENDAR)
        await pay.consume(declared.DISBURSEMENT_APPROVED, _with(disbursement.schedule_payment, terms=terms), [approved])
        [payment] = await disbursement.claim_due(pay.db.uow(), limit=10, lease=timedelta(minutes=1))
        receipt = BankReceipt(payment.bank_reference, "SIM-1", "booked", payment.amount, datetime.now(timezone.utc))
        await disbursement.record_answers(pay.db.uow(), [disbursement.Answer(payment, receipt=receipt)])
        payments = await pay.published()
        assert [e.type for e in payments] == ["payment.scheduled", "payment.sent", "payment.paid"]

        others = [skipped, calculated, requested, approved, *payments]
        await elig.consume(declared.ELIGIBILITY_CASE_VIEW, eligibility.fold, others, batch=True)
        document = await eligibility.case_document(case_id, CLERK, elig.db.reading())
        assert document["status"] == "paid" and document["benefit"]["ceiling"] == "5000.00"
        assert [t["event"] for t in document["timeline"]] == [
            "case.received", "case.classified", "means.skipped", "benefit.calculated", "approval.requested",
            "case.approved", "payment.scheduled", "payment.sent", "payment.paid"]


def _with(handler: Any, **kwargs: Any) -> Any:
    async def bound(event: Envelope[Any], uow: Any) -> Any:
        return await handler(event, uow, **kwargs)

    return bound
