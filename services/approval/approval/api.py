"""approval's HTTP door: the inbox, decisions, the approval record. Routes parse, call one use
case, and leave errors to the mapping below."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from approval import archive, domain, rechecks, service
from approval.record import render_html
from relief_shared.auth import STAFF_ROLES, Principal, require
from relief_shared.idempotency import IdempotentRequest
from relief_shared.money import Yuan
from relief_shared.problems import Conflict, DomainProblems, Forbidden, NotFound, Unprocessable
from relief_shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1", tags=["approval"])
Staff = Annotated[Principal, Depends(require(*STAFF_ROLES))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]
CaseId = Annotated[str, Path(max_length=64)]

PROBLEMS: DomainProblems = {
    domain.NoSuchCase: NotFound,
    domain.NoSuchStep: NotFound,
    domain.NoOpenTask: Conflict,
    domain.NotAllowed: Forbidden,
    domain.DutyConflict: Conflict,
    domain.AmountRefused: Unprocessable,
    domain.UnsupportedDecision: Unprocessable,
    domain.Blocked: Conflict,
    domain.Refused: Unprocessable,
}
Step = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z_]+$",
                            description="the task's step: review, approve, district_consent, and the procedure's "
                                        "other steps as GET /v1/approvals/{case_id} names them")]


class Findings(BaseModel):
    """The investigation report (入户调查)."""
    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1, max_length=4000)
    visited_on: date | None = None
    contested: bool = Field(False, description="the facts are disputed: the democratic appraisal cannot be skipped "
                                               "(ANY-NO-APPRAISAL)")
    self_care: Literal["full_loss", "moderate", "mild", "self_caring"] | None = Field(
        None, description="tekun: the applicant's self-care ability, assessed at the home visit (DT-CARE, Dongtou 二)")
    dispersed: bool | None = Field(None, description="tekun: cared for at home (分散供养), not in an institution")
    income_unstable: bool | None = Field(
        None, description="dibao: income not steady and members able to work: re-checked every six months "
                          "(ANY-RECHECK), otherwise yearly")


class Notice(BaseModel):
    """Where and when the public notice (公示) is posted; it runs for the region's period."""
    model_config = ConfigDict(extra="forbid")

    where: str = Field(min_length=1, max_length=300)
    posted_at: datetime | None = Field(None, description="ISO 8601 with offset; default: now")


class InstalmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Yuan
    due: date


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: Step
    decision: Literal["approve", "reject", "return"]
    amount: Yuan | None = Field(None, description='Yuan as a string, e.g. "1500.00"; needed to approve.')
    comment: str = Field("", max_length=2000)
    return_to: Step | None = Field(None, description="with `return`: the earlier step that must redo its work")
    findings: Findings | None = Field(None, description="the investigation's report (step investigation)")
    notice: Notice | None = Field(None, description="posting the public notice (step public_notice)")
    channel: Literal["bank", "cash", "in_kind"] | None = Field(None, description="only on the deciding approval")
    instalments: list[InstalmentIn] | None = Field(None, min_length=1, max_length=24,
                                                   description="staged aid (STAGED), only on the deciding approval")


class Participant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: str = Field(min_length=1, max_length=60)


class Observer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    unit: str = Field(min_length=1, max_length=200)


class Vote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    in_favour: int = Field(ge=0)
    against: int = Field(ge=0)
    abstain: int = Field(0, ge=0)


class MinutesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(min_length=1, max_length=100)
    content_base64: str = Field(min_length=1, max_length=4_000_000, pattern=r"^[A-Za-z0-9+/=\s]+$")


class DeliberationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participants: list[Participant] = Field(max_length=200)
    observer: Observer | None = None
    held_on: date
    minutes: str = Field(min_length=1, max_length=20000)
    minutes_file: MinutesFile | None = None
    vote: Vote | None = None
    decided_amount: Yuan


class Objector(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=3, max_length=40)


class ObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    objector: Objector
    reason: str = Field(min_length=1, max_length=4000)
    received_on: date


class ResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["upheld", "dismissed"]
    reason: str = Field(min_length=1, max_length=4000, description="the investigator's reasons")


class Signature(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: Literal["handler", "reviewer", "approver", "recipient", "witness"]


class PaperworkIn(BaseModel):
    """The advance's paperwork (FX-ADV: 登记救助对象、救助事由、救助金额…补齐签字、盖章手续)."""
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=200, description="who was helped")
    reason: str = Field(min_length=1, max_length=4000)
    amount: Yuan
    signatures: list[Signature] = Field(min_length=1, max_length=20)
    seal: bool = Field(description="the unit's seal is affixed")
    comment: str = Field("", max_length=2000)


class RelativeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: str = Field(pattern=r"^[0-9]{17}[0-9X]$")
    name: str = Field(min_length=1, max_length=100)
    relation: str = Field(min_length=1, max_length=40)


class KinEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_id: str = Field(min_length=1, max_length=100)
    staff_name: str = Field(min_length=1, max_length=100)
    relatives: list[RelativeIn] = Field(max_length=50)


class KinImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[KinEntryIn] = Field(min_length=1, max_length=5000)


class PersonOut(BaseModel):
    id: str
    name: str


class TaskOut(BaseModel):
    id: str
    case_id: str
    step: str
    role: str
    org_unit: str
    due: str | None = Field(description="ISO 8601, Asia/Shanghai; null where the step has no deadline")
    amount_ceiling: str | None
    type: str | None
    opened_at: str
    rule: str | None = Field(None, description="escalations: the rule of the breached deadline")
    clause: str | None = Field(None, description="escalations: the clause of the breached deadline")
    deadline: dict[str, Any] | None = Field(None, description="escalations: the breached deadline")
    round: int | None = Field(None, description="the how-many-th opening of the step (a returned step: 2, 3…)")


class DecisionOut(BaseModel):
    case_id: str
    task_id: str
    step: str
    decision: str
    amount: str | None
    comment: str
    decided_by: PersonOut | None
    decided_at: str | None
    status: str
    round: int = 1
    open_steps: list[str]


class RouteOut(BaseModel):
    rules: list[str]
    skipped: list[str]
    sources: list[str]
    pack_version: str = Field("", description="the region pack the route was made from: the case keeps it")
    procedure: str = Field("", description="the procedure's version (procedures.toml): the case keeps it")


class ObjectionOut(BaseModel):
    id: str
    case_id: str
    objector: dict[str, str]
    reason: str
    received_on: str
    status: str = Field(description="open | upheld | dismissed")
    resolution: str | None
    resolved_by: str | None
    resolved_at: str | None
    recorded_by: str
    recorded_at: str | None


class KinImportOut(BaseModel):
    region: str
    staff: int
    relatives: int
    flagged_cases: list[str]


class ApprovalOut(BaseModel):
    case_id: str
    region: str
    org_unit: str
    type: str
    status: str
    amount_ceiling: str
    amount: str | None
    route: RouteOut
    steps: list[dict[str, Any]]
    deadlines: list[dict[str, Any]]
    accepted_by: PersonOut | None
    rules: list[str]
    open_steps: list[str] = Field(default_factory=list, description="every open step: steps may run in parallel")
    history: list[dict[str, Any]] = Field(default_factory=list, description="every task, returns and all")
    flags: list[dict[str, Any]] = Field(default_factory=list, description="e.g. LF-KIN: a registered relative")
    findings: dict[str, Any] | None = None
    returns: list[dict[str, Any]] = Field(default_factory=list)
    deliberated_amount: str | None = None
    channel: str | None = Field(None, description="how it is paid: the approver's choice, else `bank` when the "
                                                  "applicant gave an account at intake, else `cash` (FX-PAY-CHANNEL)")
    bank_account_given: bool = Field(False, description="the applicant gave a bank account at intake")
    instalments: list[dict[str, Any]] | None = None
    objections: list[dict[str, Any]] = Field(default_factory=list)
    deliberations: list[dict[str, Any]] = Field(default_factory=list)
    record: dict[str, Any] | None = Field(
        None, description="the approval record (FX-RECORD, FX-LEDGER): the subject's facts, the reason, the amount, "
                          "every actor and decision, the unit; printable with `Accept: text/html` or `?format=html`")


@router.get("/tasks", response_model=list[TaskOut])
async def list_tasks(runtime: RuntimeDep, principal: Staff) -> list[dict[str, Any]]:
    """The caller's inbox: open tasks for their roles, in their org unit (the district: its region,
    and a task `escalation` for every breached deadline of the region's cases), the district's
    `spot_check` reviews (DT-SPOT) and the re-checks that have come up (`recheck`: ANY-RECHECK,
    DT-CASE-RECHECK)."""
    return await service.inbox(principal, runtime.db.reading()) + \
        await rechecks.inbox(principal, runtime.db.reading(), now=runtime.clock.now())


@router.post("/cases/{case_id}/decisions", status_code=201, response_model=DecisionOut)
async def decide(case_id: CaseId, body: DecisionIn, principal: Staff, runtime: RuntimeDep,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Approve or reject the open task of `step`. The case's handler, and anyone who acted on
    another step of the case, may not decide (DT-SOD, 409). An amount above the ceiling is 422:
    more than the ceiling needs case-by-case deliberation."""
    request = IdempotentRequest.of(f"decisions:{case_id}:{principal.sub}", idempotency_key, body.model_dump(mode="json"))
    report: dict[str, Any] | None = None
    if body.findings is not None:
        report = body.findings.model_dump(mode="json")
    if body.notice is not None:
        report = body.notice.model_dump(mode="json", exclude_none=True)
    instalments = [domain.Instalment(i.amount, i.due) for i in body.instalments] if body.instalments else None
    cmd = service.Decide(case_id, body.step, body.decision, body.amount, body.comment, _actor(principal), request,
                         return_to=body.return_to, report=report, channel=body.channel, instalments=instalments)
    reply = await service.decide(cmd, runtime.db.uow(), now=runtime.clock.now(), packs=runtime.packs,
                                 calendar=runtime.calendar)
    return JSONResponse(reply.body, status_code=reply.status)


def _actor(principal: Principal) -> domain.Actor:
    return domain.Actor(principal.sub, principal.name, frozenset(principal.roles), principal.region,
                        principal.org_unit)


@router.post("/cases/{case_id}/deliberation", status_code=201, response_model=DecisionOut)
async def deliberation(case_id: CaseId, body: DeliberationIn, principal: Staff, runtime: RuntimeDep,
                       idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Case-by-case deliberation (一事一议, DT-CASE, FX-CASE-MIN), recorded by a clerk or reviewer of
    the case's org unit: at least the region's quorum of distinct participants with their roles,
    the discipline observer, the vote, the minutes (text, and a file as base64) and the decided
    amount, which may exceed the formula's ceiling. Too few appraisers or no observer: 422."""
    request = IdempotentRequest.of(f"deliberation:{case_id}:{principal.sub}", idempotency_key,
                                   body.model_dump(mode="json"))
    record = body.model_dump(mode="json", include={"participants", "observer", "minutes", "vote"})
    cmd = service.Deliberate(case_id, _actor(principal), record, body.held_on, body.decided_amount,
                             body.minutes_file.model_dump() if body.minutes_file else None, request)
    reply = await service.deliberate(cmd, runtime.db.uow(), now=runtime.clock.now(), packs=runtime.packs,
                                     calendar=runtime.calendar)
    return JSONResponse(reply.body, status_code=reply.status)


@router.post("/cases/{case_id}/public-notice/objections", status_code=201, response_model=ObjectionOut)
async def object_to_notice(case_id: CaseId, body: ObjectionIn, principal: Staff, runtime: RuntimeDep,
                           idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """An objection to the case's public notice, recorded by the window (clerk). While it is open
    the steps after the notice cannot be decided, so nothing is approved or paid."""
    request = IdempotentRequest.of(f"objection:{case_id}:{principal.sub}", idempotency_key,
                                   body.model_dump(mode="json"))
    cmd = service.Objection(case_id, _actor(principal), body.objector.name, body.objector.phone, body.reason,
                            body.received_on, request)
    reply = await service.object_to_notice(cmd, runtime.db.uow(), now=runtime.clock.now())
    return JSONResponse(reply.body, status_code=reply.status)


@router.post("/cases/{case_id}/public-notice/objections/{objection_id}/resolution", response_model=ObjectionOut)
async def resolve_objection(case_id: CaseId, objection_id: Annotated[str, Path(max_length=36)], body: ResolutionIn,
                            principal: Staff, runtime: RuntimeDep) -> dict[str, Any]:
    """An investigator (clerk of the case's unit) resolves an objection: `upheld` sends the case
    back to its investigation, `dismissed` (with reasons) lets it go on."""
    return await service.resolve_objection(case_id, objection_id, body.outcome, body.reason, _actor(principal),
                                           runtime.db.uow(), now=runtime.clock.now(), packs=runtime.packs,
                                           calendar=runtime.calendar)


@router.post("/cases/{case_id}/paperwork", status_code=201, response_model=DecisionOut)
async def paperwork(case_id: CaseId, body: PaperworkIn, principal: Staff, runtime: RuntimeDep,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Completing the paperwork of advance assistance after its payment (FX-ADV, CQ-ADV, DT-ADV,
    ANY-ADV); the district then files it (`paperwork_review`: approve) or refuses it (reject),
    which revokes the advance and has disbursement recover it (ANY-RECOVER)."""
    request = IdempotentRequest.of(f"paperwork:{case_id}:{principal.sub}", idempotency_key,
                                   body.model_dump(mode="json"))
    report = body.model_dump(mode="json", exclude={"comment"})
    cmd = service.Paperwork(case_id, _actor(principal), report, body.comment, request)
    reply = await service.complete_paperwork(cmd, runtime.db.uow(), now=runtime.clock.now(), packs=runtime.packs,
                                             calendar=runtime.calendar)
    return JSONResponse(reply.body, status_code=reply.status)


@router.put("/kin-register", response_model=KinImportOut)
async def import_kin(body: KinImportIn, principal: Annotated[Principal, Depends(require("ops", "district"))],
                     runtime: RuntimeDep) -> dict[str, Any]:
    """LF-KIN (Linfen 二(一)): the register of staff and their close relatives for the caller's
    region; each entry replaces that staff member's list. Cases whose household holds a listed
    relative are flagged, and that staff member gets 403 on them."""
    return await service.import_kin(principal.region, [e.model_dump() for e in body.entries], principal.sub,
                                    runtime.db.uow(), now=runtime.clock.now(), kin_secret=runtime.settings.kin_secret)


@router.get("/approvals/{case_id}", response_model=ApprovalOut,
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}},
                             "description": "JSON, or the printable A4 record (FX-RECORD) as HTML"}})
async def get_approval(case_id: CaseId, runtime: RuntimeDep, principal: Staff,
                       format: Annotated[Literal["json", "html"] | None, Query()] = None,  # noqa: A002
                       accept: Annotated[str | None, Header()] = None) -> Any:
    """The route with its rules and sources, each step with its actor, and the case's deadlines
    that approval owns (state, met, late_by, rule, clause), with the approval record (`record`).
    `Accept: text/html` or `?format=html`: the record as a print-ready A4 page for the archive."""
    now = runtime.clock.now()
    if format == "html" or (format is None and _prefers_html(accept)):
        doc = await archive.record_of(case_id, principal, runtime.db.reading(), packs=runtime.packs, now=now)
        return HTMLResponse(render_html(doc, generated_at=now))
    return await archive.approval_with_record(case_id, principal, runtime.db.reading(), packs=runtime.packs, now=now)


def _prefers_html(accept: str | None) -> bool:
    """HTML only when asked for before JSON (a browser's `text/html, …`; `*/*` stays JSON)."""
    if not accept:
        return False
    kinds = [part.split(";")[0].strip() for part in accept.split(",")]
    html = kinds.index("text/html") if "text/html" in kinds else None
    json_ = kinds.index("application/json") if "application/json" in kinds else None
    return html is not None and (json_ is None or html < json_)
