"""disbursement's HTTP door: payments, what a person was paid this year, the bank simulator."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from disbursement import service
from disbursement.bank import BankMode, SimulatedBank
from disbursement.domain import Payment
from relief_shared.auth import STAFF_ROLES, Principal, require
from relief_shared.calendar import SHANGHAI
from relief_shared.money import Yuan
from relief_shared.problems import NotFound
from relief_shared.runtime import Runtime, RuntimeDep

router = APIRouter(prefix="/v1", tags=["disbursement"])
Staff = Annotated[Principal, Depends(require(*STAFF_ROLES))]
Ops = Annotated[Principal, Depends(require("ops"))]


class PaymentView(BaseModel):
    id: str
    case_id: str
    amount: Yuan
    status: str
    channel: str
    due: date | None
    paid_at: datetime | None

    @classmethod
    def of(cls, payment: Payment) -> PaymentView:
        paid_at = payment.paid_at.astimezone(SHANGHAI) if payment.paid_at else None
        return cls(id=payment.id, case_id=payment.case_id, amount=payment.amount, status=payment.status,
                   channel=payment.channel, due=payment.due, paid_at=paid_at)


class PaidThisYear(BaseModel):
    id_number: str
    year: int
    person: Yuan
    household: Yuan | None  # not known here yet: approvals carry the payee, not the household


class BankSimulatorState(BaseModel):
    mode: BankMode | None = None
    script: list[BankMode] | None = None


@router.get("/payments", response_model=list[PaymentView])
async def list_payments(runtime: RuntimeDep, principal: Staff,
                        case_id: Annotated[str | None, Query(max_length=64)] = None) -> list[PaymentView]:
    """The instalments of a case (or of the caller's region), oldest first; another region's
    payments are not listed."""
    payments = await service.payments_of(principal, case_id, runtime.db.reading())
    return [PaymentView.of(p) for p in payments]


@router.get("/ledger/paid-this-year", response_model=PaidThisYear)
async def paid_this_year(runtime: RuntimeDep, principal: Staff,
                         id_number: Annotated[str, Query(pattern=r"^[0-9]{17}[0-9X]$")],
                         year: Annotated[int, Query(ge=2000, le=2100)]) -> PaidThisYear:
    """What the caller's region paid to the person in a calendar year (Asia/Shanghai), for LF-CAP."""
    person = await service.paid_this_year(principal, id_number, year, runtime.db.reading())
    return PaidThisYear(id_number=id_number, year=year, person=person, household=None)


def _simulator(runtime: Runtime) -> SimulatedBank:
    bank = runtime.extras.get("bank")
    if runtime.settings.environment == "production" or not isinstance(bank, SimulatedBank):
        raise NotFound("the bank simulator is not available here")
    return bank


@router.get("/bank-simulator", response_model=BankSimulatorState)
async def bank_simulator(runtime: RuntimeDep, _: Ops) -> BankSimulatorState:
    """How the simulated bank will answer the next transfers (not in production)."""
    bank = _simulator(runtime)
    return BankSimulatorState(mode=bank.mode, script=list(bank.script))


@router.put("/bank-simulator", response_model=BankSimulatorState)
async def steer_bank_simulator(body: BankSimulatorState, runtime: RuntimeDep, _: Ops) -> BankSimulatorState:
    """Steer the simulated bank: `mode` for every call, `script` for the next calls in order."""
    bank = _simulator(runtime)
    bank.steer(body.mode, body.script)
    return BankSimulatorState(mode=bank.mode, script=list(bank.script))
