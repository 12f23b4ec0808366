"""Recovery of fraudulently obtained money (ANY-RECOVER, Anyang 三(三)): a receivable with its
instalments; each repayment a ledger line. Never after a dibao or tekun recipient's death
(ANY-NO-CLAWBACK, Anyang 二(六)21): refused, citing the rule."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from disbursement.domain import PAID, Movement, NoSuchRecovery, Payee, Recovery, RecoveryRefused
from disbursement.policy import NO_CLAWBACK, RECOVER, no_clawback
from disbursement.store import UnitOfWork
from relief_shared.auth import Principal
from relief_shared.contract import Envelope
from relief_shared.contract.approval import CaseRevoked
from relief_shared.idempotency import IdempotentRequest, Reply
from relief_shared.money import Money

log = logging.getLogger(__name__)


async def _refuse_after_death(uow: UnitOfWork, debtor: Payee) -> None:
    entry = await uow.roster.get(debtor.id_number)
    if entry is not None and no_clawback(entry.paid_status, entry.deceased_on):
        raise RecoveryRefused(f"the recipient, {entry.paid_status} until their death on {entry.deceased_on}, is not "
                              f"pursued: nothing is recovered after a dibao or tekun recipient dies ({NO_CLAWBACK}, "
                              f"seed 003 二(六)21)", rule=NO_CLAWBACK)


def _instalments(amount: Money, plan: list[tuple[Money, date]] | None, today: date) -> list[tuple[Money, date]]:
    if not plan:
        return [(amount, today)]
    if sum((a for a, _ in plan), Money.zero()) != amount or any(a <= Money.zero() for a, _ in plan):
        raise RecoveryRefused("the repayment instalments must be positive and add up to the amount recovered",
                              rule=RECOVER, errors=[{"field": "instalments", "message": "do not add up"}])
    return sorted(plan, key=lambda i: i[1])


async def open_on_revocation(event: Envelope[CaseRevoked], uow: UnitOfWork) -> Recovery | None:
    """A fraudulent approval's money becomes a receivable; a dead dibao/tekun recipient's does not
    (logged with the rule: the revocation itself still cancels what is unpaid)."""
    paid = [p for p in await uow.payments.of_task(event.case_id, event.data.task_id) if p.status == PAID]
    if not paid:
        return None
    owed = event.data.recover or sum((p.amount for p in paid), Money.zero())
    first = paid[0]
    try:
        await _refuse_after_death(uow, first.payee)
        plan = _instalments(owed, [(i.amount, i.due) for i in event.data.recovery_instalments or []],
                            event.occurred_at.date())
    except RecoveryRefused as exc:
        log.warning("case %s: recovery not opened: %s", event.case_id, exc)
        return None
    recovery = Recovery(str(uuid.uuid4()), event.case_id, event.region, first.org_unit, first.payee, owed,
                        Money.zero(), plan, event.data.reason, "open", event.occurred_at,
                        dedup=f"revoked:{event.case_id}:{event.data.task_id or '*'}")
    return recovery if await uow.recoveries.add(recovery) else None


@dataclass(frozen=True)
class OpenRecovery:
    case_id: str
    debtor: Payee
    amount: Money
    reason: str
    instalments: list[tuple[Money, date]]
    principal: Principal
    request: IdempotentRequest | None


async def open_recovery(cmd: OpenRecovery, uow: UnitOfWork, *, now: datetime) -> Reply:
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        await _refuse_after_death(uow, cmd.debtor)
        paid = await uow.payments.paid_to_person_total(region=cmd.principal.region, id_number=cmd.debtor.id_number)
        if cmd.amount > paid:
            raise RecoveryRefused(f"{cmd.amount} is more than the {paid} paid to this person here", rule=RECOVER,
                                  errors=[{"field": "amount", "message": "more than was paid"}])
        org_unit = next((p.org_unit for p in await uow.payments.of_task(cmd.case_id, None)), cmd.principal.org_unit)
        recovery = Recovery(str(uuid.uuid4()), cmd.case_id, cmd.principal.region, org_unit or cmd.principal.region,
                            cmd.debtor, cmd.amount, Money.zero(), _instalments(cmd.amount, cmd.instalments, now.date()),
                            cmd.reason, "open", now, dedup=f"manual:{uuid.uuid4()}")
        await uow.recoveries.add(recovery)
        reply = Reply(201, view(recovery))
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply


async def repay(recovery_id: str, amount: Money, received_on: date, principal: Principal, uow: UnitOfWork,
                request: IdempotentRequest | None, *, now: datetime) -> Reply:
    async with uow:
        earlier = await uow.idempotency.replay(request)
        if earlier:
            return earlier
        recovery = await uow.recoveries.get(recovery_id, region=principal.region)
        if recovery is None:
            raise NoSuchRecovery(f"no recovery {recovery_id} in region {principal.region}")
        after = await uow.recoveries.repay(recovery_id, amount)
        if after is None:
            raise RecoveryRefused(f"{amount} is more than the {recovery.amount - recovery.recovered} still owed",
                                  rule=RECOVER, errors=[{"field": "amount", "message": "more than is owed"}])
        await uow.ledger.add(Movement(at=now, region=after.region, org_unit=after.org_unit, kind="recovery",
                                      amount=amount, note=f"repayment received {received_on} ({RECOVER})",
                                      case_id=after.case_id, id_number=after.debtor.id_number))
        reply = Reply(201, view(after))
        await uow.idempotency.remember(request, reply)
        await uow.commit()
    return reply


async def of_case(principal: Principal, case_id: str, uow: UnitOfWork) -> list[Recovery]:
    async with uow:
        return await uow.recoveries.of_case(case_id, region=principal.region)


def view(r: Recovery) -> dict[str, Any]:
    return {"id": r.id, "case_id": r.case_id, "org_unit": r.org_unit, "debtor": {"name": r.debtor.name},
            "amount": str(r.amount), "recovered": str(r.recovered), "outstanding": str(r.amount - r.recovered),
            "instalments": [{"amount": str(a), "due": d.isoformat()} for a, d in r.instalments],
            "reason": r.reason, "status": r.status, "rules": [RECOVER],
            "opened_at": r.opened_at.astimezone(timezone.utc).isoformat()}
