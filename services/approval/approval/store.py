"""The approval's tables, the mapping between their rows and `domain.Approval`, and the
repository its unit of work carries."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import (BigInteger, Column, ForeignKey, Index, String, Table, Text,
                        UniqueConstraint, and_, bindparam, insert, or_, select, update)
from sqlalchemy.ext.asyncio import AsyncConnection

from approval.domain import Approval, NoOpenTask, Payee, Person, Task, TaskOpened
from approval.facts import Facts
from approval.spot_check_store import SpotChecks
from approval.policy import Route, StepPlan
from relief_shared import db
from approval.schema import metadata, plumbing
from relief_shared.db import UtcDateTime, insert_if_absent
from relief_shared.deadlines import SIGNAL, DeadlineTable, Deadlines
from relief_shared.money import Money

approvals = Table(
    "approvals", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(100), nullable=False),
    Column("type", String(32), nullable=False),
    Column("ceiling_fen", BigInteger, nullable=False),
    Column("amount_fen", BigInteger),
    Column("payee_id_number", String(32), nullable=False),
    Column("payee_name", String(100), nullable=False),
    Column("accepted_by_id", String(100), nullable=False),
    Column("accepted_by_name", String(100), nullable=False),
    Column("route", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("correlation_id", String(64)),
)

tasks = Table(
    "approval_tasks", metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(64), ForeignKey("approvals.case_id"), nullable=False),
    Column("region", String(64), nullable=False),
    Column("step", String(32), nullable=False),
    Column("role", String(32), nullable=False),
    Column("org_unit", String(100), nullable=False),
    Column("due", UtcDateTime()),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("status", String(20), nullable=False),
    Column("actor_id", String(100)),
    Column("actor_name", String(100)),
    Column("amount_fen", BigInteger),
    Column("comment", Text, nullable=False),
    Column("decided_at", UtcDateTime()),
    UniqueConstraint("case_id", "step"),
    Index("ix_approval_tasks_inbox", "status", "role", "org_unit"),
    Index("ix_approval_tasks_case_id", "case_id"),
)


deadlines = DeadlineTable(metadata)

# A district task for each breached deadline (town → district), whichever service owns it.
escalations = Table(
    "escalations", metadata,
    Column("deadline_id", String(36), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(100)),
    Column("role", String(32), nullable=False),
    Column("service", String(40), nullable=False),
    Column("limit_id", String(40), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("clause", String(300), nullable=False),
    Column("due", UtcDateTime(), nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("status", String(20), nullable=False),  # open | closed (the late step happened)
    Column("closed_at", UtcDateTime()),
    Index("ix_escalations_inbox", "status", "role", "region"),
)

_insert_task = insert(tasks)
# The approval and its tasks in one query: one row per task (an approval has at least one).
_TASK = "task_"
_select_approval = (
    select(approvals, *(column.label(_TASK + column.name) for column in tasks.c))
    .join(tasks, tasks.c.case_id == approvals.c.case_id, isouter=True)
    .where(approvals.c.case_id == bindparam("b_case_id"), approvals.c.region == bindparam("b_region"))
    .order_by(tasks.c.opened_at)
)
_decide_task = update(tasks).where(tasks.c.id == bindparam("b_id"), tasks.c.status == "open")
_update_approval = update(approvals).where(approvals.c.case_id == bindparam("b_case_id"))


@dataclass(frozen=True)
class InboxItem:
    task: Task
    type: str
    ceiling: Money


class Approvals:
    """Each case's approval with its tasks; reads take the caller's region into the query."""

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add_unless_routed(self, approval: Approval) -> bool:
        """Insert the approval and its tasks; False (nothing written) if the case has one already."""
        result = await self.conn.execute(insert_if_absent(self.conn.dialect.name, approvals), dict(
            case_id=approval.case_id, region=approval.region, org_unit=approval.org_unit, type=approval.type,
            ceiling_fen=approval.ceiling.fen, amount_fen=_fen(approval.amount),
            payee_id_number=approval.payee.id_number, payee_name=approval.payee.name,
            accepted_by_id=approval.accepted_by.id, accepted_by_name=approval.accepted_by.name,
            route=json.dumps(_route_json(approval.route), ensure_ascii=False), status=approval.status,
            received_at=approval.received_at, correlation_id=approval.correlation_id,
        ))
        if result.rowcount != 1:
            return False
        if approval.tasks:
            await self.conn.execute(_insert_task, [_task_row(task, approval.region) for task in approval.tasks])
        return True

    async def get(self, case_id: str, *, region: str) -> Approval | None:
        """The case's approval if it is in `region`; None otherwise."""
        rows = (await self.conn.execute(_select_approval, {"b_case_id": case_id, "b_region": region})).mappings().all()
        if not rows:
            return None
        row = rows[0]
        return Approval(
            case_id=row["case_id"], region=row["region"], org_unit=row["org_unit"], type=row["type"],
            ceiling=Money(row["ceiling_fen"]), payee=Payee(row["payee_id_number"], row["payee_name"]),
            accepted_by=Person(row["accepted_by_id"], row["accepted_by_name"]),
            route=_route(json.loads(row["route"])), received_at=row["received_at"],
            status=row["status"], amount=_money(row["amount_fen"]), correlation_id=row["correlation_id"],
            tasks=[_task({name[len(_TASK):]: value for name, value in r.items() if name.startswith(_TASK)})
                   for r in rows if r[_TASK + "id"] is not None],
        )

    async def save_decision(self, approval: Approval, decided: Task) -> None:
        """Write one decision; a task someone else decided meanwhile refuses the second decision."""
        result = await self.conn.execute(_decide_task, dict(
            b_id=decided.id, status=decided.status, actor_id=decided.actor.id, actor_name=decided.actor.name,
            amount_fen=_fen(decided.amount), comment=decided.comment, decided_at=decided.decided_at,
        ))
        if result.rowcount != 1:
            raise NoOpenTask(f"step {decided.step!r} of case {approval.case_id} was decided meanwhile")
        for event in approval.events:
            if isinstance(event, TaskOpened):
                await self.conn.execute(_insert_task, _task_row(event.task, approval.region))
        await self.conn.execute(_update_approval, {"b_case_id": approval.case_id, "status": approval.status,
                                                   "amount_fen": _fen(approval.amount)})

    async def open_tasks(self, *, roles: list[str], region: str, org_unit: str | None) -> list[InboxItem]:
        """Town roles see their own org unit; the district bureau sees its whole region."""
        where_unit = or_(tasks.c.role == "district", tasks.c.org_unit == org_unit)
        query = (
            select(tasks, approvals.c.type, approvals.c.ceiling_fen)
            .join(approvals, approvals.c.case_id == tasks.c.case_id)
            .where(and_(tasks.c.status == "open", tasks.c.region == region, tasks.c.role.in_(roles), where_unit))
            .order_by(tasks.c.due, tasks.c.opened_at)
        )
        rows = (await self.conn.execute(query)).mappings()
        return [InboxItem(_task(r), r["type"], Money(r["ceiling_fen"])) for r in rows]


@dataclass(frozen=True)
class Escalation:
    deadline_id: str
    case_id: str
    region: str
    org_unit: str | None
    role: str
    service: str
    limit_id: str
    rule: str
    name: str
    clause: str
    due: object
    raised_at: object
    status: str
    type: str | None = None
    ceiling: Money | None = None


class Escalations:
    """District tasks raised by breached deadlines: one per deadline (its id is the key)."""

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, escalation: Escalation, *, closed_at=None) -> bool:  # noqa: ANN001 - datetime | None
        row = {k: v for k, v in escalation.__dict__.items() if k not in ("type", "ceiling")}
        row.update(status="closed" if closed_at else "open", closed_at=closed_at)
        result = await self.conn.execute(insert_if_absent(self.conn.dialect.name, escalations), row)
        return result.rowcount == 1

    async def close(self, deadline_id: str, at) -> bool:  # noqa: ANN001 - datetime
        result = await self.conn.execute(update(escalations).where(
            escalations.c.deadline_id == deadline_id, escalations.c.status == "open").values(status="closed",
                                                                                             closed_at=at))
        return result.rowcount == 1

    async def open_for(self, *, roles: list[str], region: str) -> list[Escalation]:
        e = escalations.c
        query = (select(escalations, approvals.c.type, approvals.c.ceiling_fen)
                 .join(approvals, approvals.c.case_id == e.case_id, isouter=True)
                 .where(e.status == "open", e.region == region, e.role.in_(roles)).order_by(e.due, e.raised_at))
        rows = (await self.conn.execute(query)).mappings()
        return [Escalation(**{k: r[k] for k in ("deadline_id", "case_id", "region", "org_unit", "role", "service",
                                                 "limit_id", "rule", "name", "clause", "due", "raised_at", "status")},
                           type=r["type"], ceiling=_money(r["ceiling_fen"])) for r in rows]


class UnitOfWork(db.UnitOfWork):
    approvals: Approvals
    deadlines: Deadlines
    escalations: Escalations
    facts: Facts
    spot_checks: SpotChecks

    def bind(self, conn: AsyncConnection) -> None:
        self.facts = Facts(conn)
        self.spot_checks = SpotChecks(conn)
        self.approvals = Approvals(conn)
        self.deadlines = Deadlines(conn, deadlines, on_change=lambda: self.signal_after_commit(SIGNAL))
        self.escalations = Escalations(conn)


def _task_row(task: Task, region: str) -> dict:
    return {"id": task.id, "case_id": task.case_id, "region": region, "step": task.step, "role": task.role,
            "org_unit": task.org_unit, "due": task.due, "opened_at": task.opened_at,
            "status": task.status,
            "actor_id": task.actor.id if task.actor else None, "actor_name": task.actor.name if task.actor else None,
            "amount_fen": _fen(task.amount), "comment": task.comment, "decided_at": task.decided_at}


def _task(row) -> Task:  # noqa: ANN001 - a row mapping
    actor = Person(row["actor_id"], row["actor_name"]) if row["actor_id"] else None
    return Task(id=row["id"], case_id=row["case_id"], step=row["step"], role=row["role"], org_unit=row["org_unit"],
                due=row["due"], opened_at=row["opened_at"], status=row["status"], actor=actor,
                amount=_money(row["amount_fen"]), comment=row["comment"], decided_at=row["decided_at"])


def _route_json(route: Route) -> dict:
    return {"rules": list(route.rules), "skipped": list(route.skipped), "sources": list(route.sources),
            "pack_version": route.pack_version, "steps": [{"step": s.step, "role": s.role, "time_limits": list(s.time_limits),
                       "only_above": str(s.only_above) if s.only_above else None} for s in route.steps]}


def _route(raw: dict) -> Route:
    steps = tuple(StepPlan(s["step"], s["role"], tuple(s.get("time_limits", ())),
                           Money.yuan(s["only_above"]) if s["only_above"] else None) for s in raw["steps"])
    return Route(tuple(raw["rules"]), tuple(raw["skipped"]), tuple(raw["sources"]), steps, raw.get("pack_version", ""))


def _fen(money: Money | None) -> int | None:
    return None if money is None else money.fen


def _money(fen: int | None) -> Money | None:
    return None if fen is None else Money(fen)


