"""Reserve funds per street (FX-RESERVE, DT-RESERVE): advance aid is drawn from them, top-ups and
allocations fill them, every movement is a ledger line, and crossing the floor raises an alert
once per crossing. A fund that cannot cover an advance payment refuses it, with a district task."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from disbursement.domain import Fund, Movement, NoSuchFund, Payment
from disbursement.policy import ReserveRule, crosses_floor
from disbursement.records import BY, SOURCE, open_task
from disbursement.store import UnitOfWork
from disbursement.terms import PaymentTerms
from relief_shared.auth import Principal
from relief_shared.contract import Envelope
from relief_shared.contract.payment import ReserveBelowFloor
from relief_shared.idempotency import IdempotentRequest, Reply
from relief_shared.money import Money

FUND_KINDS = ("top_up", "allocation", "drawdown", "reversal")


@dataclass(frozen=True)
class Refusal:
    reason: str
    rule: str


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def draw_for_advance(uow: UnitOfWork, made: list[Payment], terms: PaymentTerms, *,
                           cause: Envelope[Any]) -> Refusal | None:
    """Draw the advance payment from its street's fund; a Refusal (and a district task) if the fund
    cannot cover it. A region whose pack has no reserve-fund rule pays advance aid as any other."""
    first = made[0]
    rule = terms.reserve(first.region, first.approved_on or cause.occurred_at.date())
    if rule is None or not rule.draws_advance:
        return None
    amount = sum((p.amount for p in made), Money.zero())
    at = cause.occurred_at
    after = await uow.funds.draw(first.org_unit, first.region, amount, at)
    if after is None:
        fund = await uow.funds.get(first.org_unit, region=first.region)
        balance = fund.balance if fund else Money.zero()
        reason = (f"the reserve fund of {first.org_unit} holds {balance}, less than the advance payment of {amount} "
                  f"({rule.rule}, {rule.source}): the district must top it up before it is paid")
        await open_task(uow, kind="reserve_shortfall", role="district", region=first.region, org_unit=first.org_unit,
                        case_id=first.case_id, payment_id=first.id, detail=reason, rules=[rule.rule],
                        dedup=f"reserve_shortfall:{first.case_id}:{first.task_id}", at=at,
                        correlation_id=first.correlation_id)
        return Refusal(reason, rule.rule)
    await _drawn(uow, first, amount, after, rule, at, cause)
    return None


async def draw_again(uow: UnitOfWork, payment: Payment, terms: PaymentTerms, at: datetime) -> bool:
    """An advance payment the fund refused, issued again: False if the fund still cannot cover it."""
    rule = terms.reserve(payment.region, payment.approved_on or at.date())
    if rule is None or not rule.draws_advance:
        return True
    after = await uow.funds.draw(payment.org_unit, payment.region, payment.amount, at)
    if after is None:
        return False
    await _drawn(uow, payment, payment.amount, after, rule, at, None)
    return True


async def _drawn(uow: UnitOfWork, payment: Payment, amount: Money, after: Money, rule: ReserveRule, at: datetime,
                 cause: Envelope[Any] | None) -> None:
    await uow.ledger.add(Movement(at=at, region=payment.region, org_unit=payment.org_unit, kind="drawdown",
                                  amount=amount, note=f"advance aid for case {payment.case_id} ({rule.rule})",
                                  payment_id=payment.id, case_id=payment.case_id, id_number=payment.payee.id_number))
    await _floor_check(uow, payment.org_unit, payment.region, after + amount, after, rule.floor, rule.rule,
                       case_id=payment.case_id, cause=cause)


async def give_back(uow: UnitOfWork, payment: Payment, terms: PaymentTerms, at: datetime, why: str) -> None:
    """An advance payment the bank refused: its money goes back into the fund (a reversal line)."""
    rule = terms.reserve(payment.region, payment.approved_on or at.date())
    if rule is None or not rule.draws_advance:
        return
    after = await uow.funds.credit(payment.org_unit, payment.region, payment.amount, at)
    await uow.ledger.add(Movement(at=at, region=payment.region, org_unit=payment.org_unit, kind="reversal",
                                  amount=payment.amount, note=f"advance payment returned to the fund: {why}",
                                  payment_id=payment.id, case_id=payment.case_id))
    if after >= rule.floor:
        await uow.funds.flag_below_floor(payment.org_unit, False)


async def _floor_check(uow: UnitOfWork, org_unit: str, region: str, before: Money, after: Money, floor: Money,
                       rule: str, *, case_id: str, cause: Envelope[Any] | None) -> None:
    if crosses_floor(before, after, floor) and await uow.funds.flag_below_floor(org_unit, True):
        uow.record(Envelope.new(ReserveBelowFloor(org_unit=org_unit, balance=after, floor=floor, rules=[rule], by=BY),
                                case_id=case_id, region=region, source=SOURCE, cause=cause))


@dataclass(frozen=True)
class TopUp:
    org_unit: str
    amount: Money
    reason: str
    kind: str  # top_up | allocation (the quarterly allocation, FX-RESERVE 分期拨付)
    principal: Principal
    request: IdempotentRequest | None


async def top_up(cmd: TopUp, uow: UnitOfWork, terms: PaymentTerms, *, now: datetime) -> Reply:
    """Money into a street's fund (district), with its ledger line; once per Idempotency-Key."""
    region = cmd.principal.region
    pack = terms.pack(region)
    if pack is None or not pack.has_org_unit(cmd.org_unit):
        raise NoSuchFund(f"no org unit {cmd.org_unit} in region {region}")
    rule = terms.reserve(region, now.date())
    if rule is None:
        raise NoSuchFund(f"region {region} pays no advance aid from street reserve funds")
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        after = await uow.funds.credit(cmd.org_unit, region, cmd.amount, now)
        await uow.ledger.add(Movement(at=now, region=region, org_unit=cmd.org_unit, kind=cmd.kind, amount=cmd.amount,
                                      note=f"{cmd.reason} (by {cmd.principal.name}, {cmd.principal.sub})"))
        if after >= rule.floor:
            await uow.funds.flag_below_floor(cmd.org_unit, False)
        reply = Reply(201, await _view(uow, cmd.org_unit, region, terms, now))
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply


async def fund_view(principal: Principal, org_unit: str, uow: UnitOfWork, terms: PaymentTerms, *,
                    now: datetime) -> dict[str, Any]:
    """A street's fund for its own staff and the district; another street's is not found."""
    if principal.org_unit not in (None, org_unit) and "district" not in principal.roles:
        raise NoSuchFund(f"no reserve fund {org_unit} for this caller")
    pack = terms.pack(principal.region)
    if pack is None or not pack.has_org_unit(org_unit) or terms.reserve(principal.region, now.date()) is None:
        raise NoSuchFund(f"no reserve fund {org_unit} in region {principal.region}")
    async with uow:
        return await _view(uow, org_unit, principal.region, terms, now)


async def _view(uow: UnitOfWork, org_unit: str, region: str, terms: PaymentTerms, now: datetime) -> dict[str, Any]:
    rule = terms.reserve(region, now.date())
    assert rule is not None
    fund = await uow.funds.get(org_unit, region=region) or Fund(org_unit, region, Money.zero(), False)
    movements = await uow.ledger.of_fund(org_unit, FUND_KINDS)
    return {"org_unit": org_unit, "region": region, "balance": str(fund.balance), "floor": str(rule.floor),
            "below_floor": fund.balance < rule.floor, "rule": rule.rule, "source": rule.source,
            "per_resident_per_year": str(rule.per_resident) if rule.per_resident else None,
            "movements": [{"at": m.at.isoformat(), "kind": m.kind, "amount": str(m.amount), "note": m.note,
                           "case_id": m.case_id, "payment_id": m.payment_id} for m in movements]}
