"""disbursement's HTTP door for payments: instalments, cash and in-kind hand-overs, reissue,
what a person was paid this year, the ledger's CSV, the bank simulator. Routes parse, call one
use case, and leave errors to the mapping below (the money rooms are in `api_funds`)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from disbursement import cash, domain, paying, service
from disbursement.bank import BankMode, SimulatedBank
from disbursement.domain import Payment, Receipt
from disbursement.ledger_export import ledger_csv, ledger_page
from disbursement.policy import mask
from disbursement.terms import PaymentTerms
from relief_shared.auth import STAFF_ROLES, Principal, require
from relief_shared.calendar import SHANGHAI
from relief_shared.contract.fields import BankAccount
from relief_shared.idempotency import IdempotentRequest
from relief_shared.money import Yuan, yuan_up_to
from relief_shared.problems import Conflict, DomainProblems, NotFound, Unprocessable
from relief_shared.runtime import Runtime, RuntimeDep

router = APIRouter(prefix="/v1", tags=["disbursement"])
Staff = Annotated[Principal, Depends(require(*STAFF_ROLES))]
Clerk = Annotated[Principal, Depends(require("clerk"))]
ClerkOrDistrict = Annotated[Principal, Depends(require("clerk", "district"))]
Ops = Annotated[Principal, Depends(require("ops"))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]
PaymentId = Annotated[str, Path(max_length=36)]
IdNumber = Annotated[str, Field(pattern=r"^[0-9]{17}[0-9X]$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]

PROBLEMS: DomainProblems = {
    domain.NoSuchPayment: NotFound,
    domain.NoSuchFund: NotFound,
    domain.NoSuchRecovery: NotFound,
    domain.NoSuchRun: NotFound,
    domain.NoReconciliation: NotFound,
    domain.WrongState: Conflict,
    domain.ReceiptRefused: Unprocessable,
    domain.RecoveryRefused: Unprocessable,
    domain.PayrollRefused: Unprocessable,
}


def terms(runtime: Runtime) -> PaymentTerms:
    return PaymentTerms(runtime.packs, runtime.calendar)


class PaymentView(BaseModel):
    id: str
    case_id: str
    amount: Yuan
    status: str
    channel: str
    due: date | None
    paid_at: datetime | None
    instalment: int = Field(description="1, 2, … within its approval (STAGED)")
    kind: str = Field(description="temporary | advance | payroll")
    approved_amount: Yuan | None = Field(None, description="what was approved, where a yearly cap paid less (LF-CAP)")
    rule: str | None = Field(None, description="the rule that reduced or refused it")
    reason: str | None = Field(None, description="why it failed, was cancelled, or is awaited")

    @classmethod
    def of(cls, payment: Payment) -> PaymentView:
        paid_at = payment.paid_at.astimezone(SHANGHAI) if payment.paid_at else None
        return cls(id=payment.id, case_id=payment.case_id, amount=payment.amount, status=payment.status,
                   channel=payment.channel, due=payment.due, paid_at=paid_at, instalment=payment.instalment,
                   kind=payment.kind, approved_amount=payment.approved, rule=payment.rule, reason=payment.last_error)


class PaidThisYear(BaseModel):
    id_number: str
    year: int
    person: Yuan
    household: Yuan | None = Field(description="null where no household is known for the person")


class BankSimulatorState(BaseModel):
    mode: BankMode | None = None
    script: list[BankMode] | None = None
    bad_accounts: list[Annotated[str, Field(max_length=32)]] | None = Field(None, max_length=1000)


class WitnessIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    id_number: IdNumber


class CashReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signed_by_recipient: bool
    witnesses: list[WitnessIn] = Field(default_factory=list, max_length=10)
    paid_on: date


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    quantity: int = Field(ge=1, le=1_000_000)
    unit: Annotated[str, Field(min_length=1, max_length=20)]
    value: yuan_up_to("1000000.00")  # type: ignore[valid-type]


class DeliveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[ItemIn] = Field(min_length=1, max_length=100)
    received_by: WitnessIn
    delivered_on: date


class ReissueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bank_account: BankAccount | None = None


class PersonOut(BaseModel):
    name: str
    id_number: str = Field(description="masked: the first four and last four characters")


class ItemOut(BaseModel):
    name: str
    quantity: int
    unit: str
    value: str


class ReceiptOut(BaseModel):
    id: str
    payment_id: str
    channel: str
    amount: str
    paid_on: date
    signed_by_recipient: bool
    witnesses: list[PersonOut]
    items: list[ItemOut]
    received_by: PersonOut | None
    recorded_by: str
    payment_status: str


def receipt_view(receipt: Receipt, payment: Payment) -> dict[str, Any]:
    return {"id": receipt.id, "payment_id": receipt.payment_id, "channel": receipt.kind, "amount": str(receipt.value),
            "paid_on": receipt.paid_on.isoformat(), "signed_by_recipient": receipt.signed_by_recipient,
            "witnesses": [{"name": w.name, "id_number": mask(w.id_number)} for w in receipt.witnesses],
            "items": [{"name": i.name, "quantity": i.quantity, "unit": i.unit, "value": str(i.value)}
                      for i in receipt.items],
            "received_by": ({"name": receipt.received_by.name, "id_number": mask(receipt.received_by.id_number)}
                            if receipt.received_by else None),
            "recorded_by": receipt.recorded_by, "payment_status": "paid"}


@router.get("/payments", response_model=list[PaymentView])
async def list_payments(runtime: RuntimeDep, principal: Staff,
                        case_id: Annotated[str | None, Query(max_length=64)] = None) -> list[PaymentView]:
    """The instalments of a case (or of the caller's region), oldest first; another region's
    payments are not listed."""
    payments = await service.payments_of(principal, case_id, runtime.db.reading())
    return [PaymentView.of(p) for p in payments]


@router.post("/payments/{payment_id}/cash-receipt", status_code=201, response_model=ReceiptOut)
async def cash_receipt(payment_id: PaymentId, body: CashReceiptIn, runtime: RuntimeDep, principal: Clerk,
                       idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Cash handed over: the recipient's signature, or where they cannot sign at least two
    witnesses (FX-PAY-CHANNEL; one witness or none is 422 naming `witnesses`). The payment is
    paid with it, once; witnesses' ID numbers are masked in the answer."""
    request = IdempotentRequest.of(f"cash-receipt:{payment_id}", idempotency_key, body.model_dump(mode="json"))
    cmd = cash.HandOver(payment_id, "cash", body.signed_by_recipient,
                        [domain.Witness(w.name, w.id_number) for w in body.witnesses], [], None, body.paid_on,
                        principal, request)
    reply = await cash.hand_over(cmd, runtime.db.uow(), terms(runtime), now=runtime.clock.now(), render=receipt_view)
    return JSONResponse(reply.body, status_code=reply.status)


@router.post("/payments/{payment_id}/delivery", status_code=201, response_model=ReceiptOut)
async def delivery(payment_id: PaymentId, body: DeliveryIn, runtime: RuntimeDep, principal: Clerk,
                   idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Goods delivered in kind (CQ-PAY-KIND): what, how many, their value, who received them. The
    instalment is paid at the goods' value (never more than approved)."""
    request = IdempotentRequest.of(f"delivery:{payment_id}", idempotency_key, body.model_dump(mode="json"))
    items = [domain.DeliveredItem(i.name, i.quantity, i.unit, i.value) for i in body.items]
    cmd = cash.HandOver(payment_id, "in_kind", False, [], items,
                        domain.Witness(body.received_by.name, body.received_by.id_number), body.delivered_on,
                        principal, request)
    reply = await cash.hand_over(cmd, runtime.db.uow(), terms(runtime), now=runtime.clock.now(), render=receipt_view)
    return JSONResponse(reply.body, status_code=reply.status)


@router.get("/payments/{payment_id}/receipt", response_model=ReceiptOut)
async def get_receipt(payment_id: PaymentId, runtime: RuntimeDep, principal: Staff) -> dict[str, Any]:
    """The cash receipt or delivery record of a payment paid by hand."""
    receipt, payment = await cash.receipt_of(principal, payment_id, runtime.db.reading())
    return receipt_view(receipt, payment)


@router.post("/payments/{payment_id}/reissue", response_model=PaymentView)
async def reissue(payment_id: PaymentId, body: ReissueIn, runtime: RuntimeDep,
                  principal: ClerkOrDistrict) -> PaymentView:
    """Issue a refused payment again under a new bank reference: with the corrected account the
    bank's refusal asked for, or once the reserve fund can cover an advance payment. Closes the
    task that asked for it."""
    payment = await paying.reissue(paying.Reissue(payment_id, body.bank_account, principal), runtime.db.uow(),
                                   terms(runtime), now=runtime.clock.now())
    runtime.extras["payments_due"].set()
    return PaymentView.of(payment)


@router.get("/ledger/paid-this-year", response_model=PaidThisYear)
async def paid_this_year(runtime: RuntimeDep, principal: Staff,
                         id_number: Annotated[str, Query(pattern=r"^[0-9]{17}[0-9X]$")],
                         year: Annotated[int, Query(ge=2000, le=2100)]) -> PaidThisYear:
    """Temporary assistance the caller's region paid to the person and to their household in a
    calendar year (Asia/Shanghai), for LF-CAP (the monthly payroll does not count)."""
    person, household = await service.paid_this_year(principal, id_number, year, runtime.db.reading())
    return PaidThisYear(id_number=id_number, year=year, person=person, household=household)


class LedgerLine(BaseModel):
    at: str
    kind: str
    amount: str
    channel: str
    case_id: str
    payment_id: str
    reference: str
    id_number: str = Field(description="masked but for the last four characters")
    note: str


@router.get("/ledger/export", response_model=list[LedgerLine],
            responses={200: {"content": {"text/csv": {}}, "description": "the ledger lines (CSV with Accept: text/csv)"}})
async def export_ledger(runtime: RuntimeDep, principal: Staff,
                        org_unit: Annotated[str, Query(min_length=1, max_length=100)],
                        month: Annotated[str, Query(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")],
                        accept: Annotated[str | None, Header(max_length=200)] = None,
                        page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Any:
    """The ledger (台账, FX-LEDGER) of a street for a month: every payment, reversal, recovery,
    top-up, allocation and drawdown, oldest first — all of it as CSV with `Accept: text/csv`, or
    1,000 lines a page as JSON. A street's staff see their own street's."""
    if principal.org_unit not in (None, org_unit) and "district" not in principal.roles:
        org_unit = principal.org_unit  # never another street's lines
    if accept and "text/csv" in accept:
        filename = f"ledger-{org_unit.replace('/', '_')}-{month}.csv"
        return StreamingResponse(ledger_csv(principal, org_unit, month, runtime.db.reading()), media_type="text/csv",
                                 headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    return await ledger_page(principal, org_unit, month, runtime.db.reading(), page=page)


def _simulator(runtime: Runtime) -> SimulatedBank:
    bank = runtime.extras.get("bank")
    if runtime.settings.environment == "production" or not isinstance(bank, SimulatedBank):
        raise NotFound("the bank simulator is not available here")
    return bank


def _state(bank: SimulatedBank) -> BankSimulatorState:
    return BankSimulatorState(mode=bank.mode, script=list(bank.script), bad_accounts=sorted(bank.bad_accounts))


@router.get("/bank-simulator", response_model=BankSimulatorState, responses={404: {"description": "production"}})
async def bank_simulator(runtime: RuntimeDep, _: Ops) -> BankSimulatorState:
    """How the simulated bank will answer the next transfers (not in production)."""
    return _state(_simulator(runtime))


@router.put("/bank-simulator", response_model=BankSimulatorState, responses={404: {"description": "production"}})
async def steer_bank_simulator(body: BankSimulatorState, runtime: RuntimeDep, _: Ops) -> BankSimulatorState:
    """Steer the simulated bank: `mode` for every call, `script` for the next calls in order,
    `bad_accounts` that it refuses as nonexistent."""
    bank = _simulator(runtime)
    bank.steer(body.mode, body.script, body.bad_accounts)
    return _state(bank)
