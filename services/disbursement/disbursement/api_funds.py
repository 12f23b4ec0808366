"""disbursement's HTTP door for the money rooms: reserve funds, payment tasks, reconciliation
with the bank, the monthly payroll, recoveries."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from disbursement import domain, funds, payroll, recovery, reconcile, reserve
from disbursement.api import IdempotencyKey, Staff, terms
from disbursement.domain import Payee
from relief_shared.auth import Principal, require
from relief_shared.calendar import SHANGHAI
from relief_shared.contract.fields import IdNumber, PersonName
from relief_shared.idempotency import IdempotentRequest
from relief_shared.money import yuan_up_to
from relief_shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1", tags=["disbursement"])
District = Annotated[Principal, Depends(require("district"))]
DistrictOrOps = Annotated[Principal, Depends(require("district", "ops"))]
DistrictOrAuditor = Annotated[Principal, Depends(require("district", "auditor"))]
ClerkOrDistrict = Annotated[Principal, Depends(require("clerk", "district"))]
OrgUnit = Annotated[str, Path(min_length=1, max_length=100)]
Amount = yuan_up_to("100000000.00")


class MovementOut(BaseModel):
    at: str
    kind: str
    amount: str
    note: str
    case_id: str | None
    payment_id: str | None


class FundOut(BaseModel):
    org_unit: str
    region: str
    balance: str
    floor: str
    below_floor: bool
    rule: str
    source: str
    per_resident_per_year: str | None = Field(description="FX-RESERVE: the yearly allocation per registered resident")
    movements: list[MovementOut] = Field(description="the latest movements, newest first")


class TopUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount  # type: ignore[valid-type]
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    kind: Literal["top_up", "allocation"] = Field("top_up", description="allocation: the quarterly allocation")


@router.get("/reserve-funds/{org_unit:path}", response_model=FundOut)
async def get_fund(org_unit: OrgUnit, runtime: RuntimeDep, principal: Staff) -> dict[str, Any]:
    """A street's reserve fund (FX-RESERVE, DT-RESERVE): balance, floor, movements; for that
    street's staff and the district."""
    return await reserve.fund_view(principal, org_unit, runtime.db.reading(), terms(runtime), now=runtime.clock.now())


@router.post("/reserve-funds/{org_unit:path}/top-ups", status_code=201, response_model=FundOut)
async def top_up(org_unit: OrgUnit, body: TopUpIn, runtime: RuntimeDep, principal: District,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Money into a street's fund (district): a top-up or the quarterly allocation, once per
    Idempotency-Key; it lifts the fund's floor alert once the balance is back above it."""
    if body.amount.fen <= 0:
        raise domain.ReceiptRefused("a top-up is more than zero", errors=[{"field": "amount", "message": "> 0"}])
    request = IdempotentRequest.of(f"top-up:{org_unit}", idempotency_key, body.model_dump(mode="json"))
    reply = await reserve.top_up(reserve.TopUp(org_unit, body.amount, body.reason, body.kind, principal, request),
                                 runtime.db.uow(), terms(runtime), now=runtime.clock.now())
    return JSONResponse(reply.body, status_code=reply.status)


class TaskOut(BaseModel):
    id: str
    kind: str
    role: str
    org_unit: str | None
    case_id: str
    payment_id: str | None
    detail: str
    rules: list[str]
    opened_at: str


@router.get("/payment-tasks", response_model=list[TaskOut])
async def payment_tasks(runtime: RuntimeDep, principal: Staff) -> list[dict[str, Any]]:
    """Open tasks of the caller's roles: accounts to correct (clerk), reconciliation breaks and
    reserve shortfalls (district)."""
    async with runtime.db.reading() as uow:
        found = await uow.tasks.open_for(region=principal.region, roles=list(principal.roles),
                                         org_unit=principal.org_unit)
    return [{"id": t.id, "kind": t.kind, "role": t.role, "org_unit": t.org_unit, "case_id": t.case_id,
             "payment_id": t.payment_id, "detail": t.detail, "rules": list(t.rules),
             "opened_at": t.opened_at.astimezone(SHANGHAI).isoformat()} for t in found]


class BreakOut(BaseModel):
    reference: str
    kind: Literal["missing_credit", "duplicate_credit", "wrong_amount", "wrong_account", "never_sent"]
    payment_id: str | None
    expected: str | None
    found: str | None


class ReconciliationOut(BaseModel):
    date: str
    statement: str
    credits: int
    matched: int
    breaks: int
    by_kind: dict[str, int]
    reconciled_at: str
    items: list[BreakOut] = Field(description="the breaks of the caller's region")


@router.post("/reconciliations/{day}", response_model=ReconciliationOut)
async def run_reconciliation(day: date, runtime: RuntimeDep, principal: DistrictOrOps) -> dict[str, Any]:
    """Reconcile a day: the bank's statement file against the ledger, every break classified and
    given a district task; running a day again adds only what is new."""
    return await reconcile.reconcile(day, runtime.db, runtime.extras["bank"], region=principal.region,
                                     now=runtime.clock.now())


@router.get("/reconciliations/{day}", response_model=ReconciliationOut)
async def get_reconciliation(day: date, runtime: RuntimeDep, principal: DistrictOrAuditor) -> dict[str, Any]:
    """A day's reconciliation: counts of every break by kind, the caller's region's breaks listed."""
    return await reconcile.view(day, principal.region, runtime.db.reading())


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: Annotated[str, Field(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")]


class RunOut(BaseModel):
    id: str
    region: str
    month: str
    status: Literal["producing", "paying", "paid"]
    due: str
    rule: str
    recipients: int
    skipped: int
    total: str
    paid: int
    failed: int
    in_flight: int
    scheduled: int
    progress: float
    bar: str
    created_at: str
    completed_at: str | None


@router.post("/payroll-runs", status_code=202, response_model=RunOut)
async def open_run(body: RunIn, runtime: RuntimeDep, principal: DistrictOrOps) -> dict[str, Any]:
    """Produce the region's monthly dibao and dispersed-tekun payroll (DT-PAY-10TH): one run per
    month (asking again answers the same run); it is produced and paid in the background, its
    progress at `GET /v1/payroll-runs/{id}`."""
    run = await payroll.open_run(principal.region, body.month, runtime.db.uow(), terms(runtime),
                                 now=runtime.clock.now())
    runtime.extras["payroll_due"].set()
    return await payroll.run_view(run.id, principal.region, runtime.db.reading())


@router.get("/payroll-runs/{run_id}", response_model=RunOut)
async def get_run(run_id: Annotated[str, Path(max_length=36)], runtime: RuntimeDep, principal: Staff) -> dict[str, Any]:
    """A run's progress: produced, paid, failed, in flight, and a progress bar."""
    return await payroll.run_view(run_id, principal.region, runtime.db.reading())


class DebtorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: PersonName
    id_number: IdNumber


class InstalmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount  # type: ignore[valid-type]
    due: date


class RecoveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_id: Annotated[str, Field(min_length=1, max_length=64)]
    debtor: DebtorIn
    amount: Amount  # type: ignore[valid-type]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    instalments: list[InstalmentIn] = Field(default_factory=list, max_length=60)


class RepaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount  # type: ignore[valid-type]
    received_on: date


class RecoveryOut(BaseModel):
    id: str
    case_id: str
    org_unit: str
    debtor: dict[str, str]
    amount: str
    recovered: str
    outstanding: str
    instalments: list[dict[str, str]]
    reason: str
    status: Literal["open", "settled"]
    rules: list[str]
    opened_at: str


@router.post("/recoveries", status_code=201, response_model=RecoveryOut)
async def open_recovery(body: RecoveryIn, runtime: RuntimeDep, principal: District,
                        idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Recover fraudulently obtained money (ANY-RECOVER) as a receivable with instalments; refused
    after a dibao or tekun recipient's death (ANY-NO-CLAWBACK, 422 with the rule)."""
    if body.amount.fen <= 0:
        raise domain.RecoveryRefused("the amount is more than zero", errors=[{"field": "amount", "message": "> 0"}])
    request = IdempotentRequest.of("recoveries", idempotency_key, body.model_dump(mode="json"))
    cmd = recovery.OpenRecovery(body.case_id, Payee(body.debtor.name, body.debtor.id_number), body.amount,
                                body.reason, [(i.amount, i.due) for i in body.instalments], principal, request)
    reply = await recovery.open_recovery(cmd, runtime.db.uow(), now=runtime.clock.now())
    return JSONResponse(reply.body, status_code=reply.status)


@router.post("/recoveries/{recovery_id}/repayments", status_code=201, response_model=RecoveryOut)
async def repay(recovery_id: Annotated[str, Path(max_length=36)], body: RepaymentIn, runtime: RuntimeDep,
                principal: ClerkOrDistrict, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """A repayment received: a ledger line; never more than is still owed."""
    if body.amount.fen <= 0:
        raise domain.RecoveryRefused("a repayment is more than zero", errors=[{"field": "amount", "message": "> 0"}])
    request = IdempotentRequest.of(f"repayment:{recovery_id}", idempotency_key, body.model_dump(mode="json"))
    reply = await recovery.repay(recovery_id, body.amount, body.received_on, principal, runtime.db.uow(), request,
                                 now=runtime.clock.now())
    return JSONResponse(reply.body, status_code=reply.status)


@router.get("/recoveries", response_model=list[RecoveryOut])
async def list_recoveries(runtime: RuntimeDep, principal: Staff,
                          case_id: Annotated[str, Query(min_length=1, max_length=64)]) -> list[dict[str, Any]]:
    """The recoveries of a case in the caller's region."""
    return [recovery.view(r) for r in await recovery.of_case(principal, case_id, runtime.db.reading())]


class DibaoFundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    balance: Amount  # type: ignore[valid-type]


class DibaoFundOut(BaseModel):
    region: str
    year: int = Field(description="the year whose year-end balance this is; it funds the next year's aid")
    balance: str | None
    share: str
    allowance: str | None = Field(description="what temporary aid for dibao recipients may use the next year")
    used: str = Field(description="used of the allowance the next year so far")
    rule: str
    source: str


@router.put("/dibao-fund/{year}", response_model=DibaoFundOut)
async def record_dibao_balance(year: Annotated[int, Path(ge=2000, le=2100)], body: DibaoFundIn, runtime: RuntimeDep,
                               principal: District) -> dict[str, Any]:
    """Record the dibao funds' year-end balance (district): at most its share (LF-FUND, Linfen
    10%) may go to temporary aid for dibao recipients the next year."""
    await funds.record_dibao_balance(principal, year, body.balance, runtime.db.uow(), terms(runtime),
                                     now=runtime.clock.now())
    return await funds.dibao_fund_view(principal, year, runtime.db.reading(), terms(runtime))


@router.get("/dibao-fund/{year}", response_model=DibaoFundOut)
async def get_dibao_fund(year: Annotated[int, Path(ge=2000, le=2100)], runtime: RuntimeDep,
                         principal: Staff) -> dict[str, Any]:
    """A year's dibao year-end balance, the allowance it gives the next year and what is used."""
    return await funds.dibao_fund_view(principal, year, runtime.db.reading(), terms(runtime))
