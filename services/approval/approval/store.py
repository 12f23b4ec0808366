"""The approval's tables, the mapping between their rows and `domain.Approval`, and the
repository its unit of work carries."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import (BigInteger, Boolean, Column, Date, ForeignKey, Index, Integer, PrimaryKeyConstraint, String,
                        Table, Text, UniqueConstraint, and_, bindparam, insert, or_, select, update)
from sqlalchemy.ext.asyncio import AsyncConnection

from approval.domain import Approval, DutyConflict, NoOpenTask, Payee, Person, Task
from approval.facts import Facts
from approval.recheck_store import Rechecks
from approval.spot_check_store import SpotChecks
from approval.policy import Route, StepPlan
from relief_shared import db
from approval.schema import metadata, plumbing
from relief_shared.db import UtcDateTime, insert_if_absent
from relief_shared.deadlines import SIGNAL, DeadlineTable, Deadlines
from relief_shared.kin import keys_of
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
    # optimistic lock: every decision moves it on, so two decisions on one case cannot both commit
    Column("revision", Integer, nullable=False, server_default="0"),
    Column("flags", Text, nullable=False, server_default="[]"),  # JSON: e.g. LF-KIN, a registered relative
    Column("details", Text, nullable=False, server_default="{}"),  # JSON: findings, deliberation, plan, returns
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
    Column("round", Integer, nullable=False, server_default="1"),  # each opening of the step (a return: +1)
    Column("report", Text),  # JSON: what the step recorded (findings, notice, deliberation, paperwork)
    Column("superseded_by", String(64)),  # the return that sent the case back past this task
    UniqueConstraint("case_id", "step", "round"),
    Index("ix_approval_tasks_inbox", "status", "role", "org_unit"),
    Index("ix_approval_tasks_case_id", "case_id"),
)

# DT-SOD as a database constraint: one duty (handler, reviewer, approver, district) per person
# per case. The primary key makes a second duty for the same person impossible, even for two
# decisions committed at once.
duties = Table(
    "approval_duties", metadata,
    Column("case_id", String(64), nullable=False),
    Column("actor_id", String(100), nullable=False),
    Column("duty", String(20), nullable=False),
    Column("step", String(32), nullable=False),
    Column("acted_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("case_id", "actor_id"),
)

# LF-KIN (Linfen 二(一)): staff and their registered close relatives (近亲属备案).
kin = Table(
    "kin_register", metadata,
    Column("region", String(64), nullable=False),
    Column("staff_id", String(100), nullable=False),
    Column("staff_name", String(100), nullable=False),
    Column("relative_id_number", String(32), nullable=False),
    Column("relative_name", String(100), nullable=False),
    Column("relation", String(40), nullable=False),
    Column("registered_at", UtcDateTime(), nullable=False),
    Column("registered_by", String(100), nullable=False),
    Column("relative_key", String(64)),  # relief_shared.kin.member_key of the ID number (keyed)
    Column("relative_legacy_key", String(64)),  # relief_shared.kin.legacy_key: cases keyed before the secret
    PrimaryKeyConstraint("region", "staff_id", "relative_id_number"),
    Index("ix_kin_register_region_relative_id_number", "region", "relative_id_number"),
    Index("ix_kin_register_region_relative_key", "region", "relative_key"),
    Index("ix_kin_register_region_relative_legacy_key", "region", "relative_legacy_key"),
)

# The household of each case as member keys (LF-KIN), as benefit.calculated hands them on.
household_keys = Table(
    "approval_household_keys", metadata,
    Column("case_id", String(64), nullable=False),
    Column("member_key", String(64), nullable=False),
    PrimaryKeyConstraint("case_id", "member_key"),
    Index("ix_approval_household_keys_member_key", "member_key"),
)

# Objections to a public notice (公示): open ones block the steps after the notice.
objections = Table(
    "notice_objections", metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("region", String(64), nullable=False),
    Column("objector_name", String(100), nullable=False),
    Column("objector_phone", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("status", String(20), nullable=False),  # open | upheld | dismissed
    Column("resolution", Text),
    Column("resolved_by", String(100)),
    Column("resolved_at", UtcDateTime()),
    Index("ix_notice_objections_case_id", "case_id"),
)

# The minutes of a case-by-case deliberation (DT-CASE, FX-CASE-MIN), with the attached file.
deliberations = Table(
    "deliberations", metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("task_id", String(36), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("record", Text, nullable=False),  # JSON: participants, observer, vote, minutes
    Column("minutes_file_name", String(200)),
    Column("minutes_file_type", String(100)),
    Column("minutes_file", Text),  # base64, as received
    Column("decided_amount_fen", BigInteger, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Index("ix_deliberations_case_id", "case_id"),
)

# means.verified may arrive before the case is routed: kept here, it completes the
# verification step when the step opens.
means_results = Table(
    "means_results", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("verification_id", String(64), nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("finished_at", UtcDateTime(), nullable=False),
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
    .order_by(tasks.c.opened_at, tasks.c.round)
)
# built once: a decision writes the approval, its touched tasks and its duty, and building a
# statement costs more than running it
_update_approval = update(approvals).where(approvals.c.case_id == bindparam("b_case_id"),
                                           approvals.c.revision == bindparam("b_revision"))
_TASK_VALUES = [c.name for c in tasks.c if c.name not in ("id", "case_id", "region")]
_update_task = update(tasks).where(tasks.c.id == bindparam("b_id")).values(
    {name: bindparam(name) for name in _TASK_VALUES})
_duty_held = select(duties.c.duty).where(duties.c.case_id == bindparam("b_case_id"),
                                         duties.c.actor_id == bindparam("b_actor_id"))


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
            received_at=approval.received_at, correlation_id=approval.correlation_id, revision=0,
            flags=json.dumps(approval.flags, ensure_ascii=False), details=json.dumps(approval.details, ensure_ascii=False),
        ))
        if result.rowcount != 1:
            return False
        if approval.tasks:
            await self.conn.execute(_insert_task, [_task_row(task, approval.region) for task in approval.tasks])
        await self.take_duty(approval.case_id, approval.accepted_by.id, "handler", "acceptance", approval.received_at)
        approval.persisted = {task.id for task in approval.tasks}
        approval.touched.clear()
        return True

    async def get(self, case_id: str, *, region: str) -> Approval | None:
        """The case's approval if it is in `region`; None otherwise."""
        rows = (await self.conn.execute(_select_approval, {"b_case_id": case_id, "b_region": region})).mappings().all()
        if not rows:
            return None
        row = rows[0]
        approval = Approval(
            case_id=row["case_id"], region=row["region"], org_unit=row["org_unit"], type=row["type"],
            ceiling=Money(row["ceiling_fen"]), payee=Payee(row["payee_id_number"], row["payee_name"]),
            accepted_by=Person(row["accepted_by_id"], row["accepted_by_name"]),
            route=_route(json.loads(row["route"])), received_at=row["received_at"],
            status=row["status"], amount=_money(row["amount_fen"]), correlation_id=row["correlation_id"],
            tasks=[_task({name[len(_TASK):]: value for name, value in r.items() if name.startswith(_TASK)})
                   for r in rows if r[_TASK + "id"] is not None],
            revision=row["revision"], flags=json.loads(row["flags"]), details=json.loads(row["details"]),
        )
        approval.persisted = {task.id for task in approval.tasks}
        return approval

    async def save(self, approval: Approval) -> None:
        """Write what a unit of work changed. The approval's revision moves on first (on
        PostgreSQL this locks its row): a decision taken meanwhile on the same case makes this
        one fail with nothing written. Every actor takes their duty (DT-SOD) under the key."""
        result = await self.conn.execute(_update_approval, {
            "b_case_id": approval.case_id, "b_revision": approval.revision, "revision": approval.revision + 1,
            "status": approval.status, "amount_fen": _fen(approval.amount),
            "flags": json.dumps(approval.flags, ensure_ascii=False),
            "details": json.dumps(approval.details, ensure_ascii=False)})
        if result.rowcount != 1:
            raise NoOpenTask(f"case {approval.case_id} was decided meanwhile; look at it again")
        for task in approval.touched.values():
            row = _task_row(task, approval.region)
            if task.id in approval.persisted:
                await self.conn.execute(_update_task, {"b_id": task.id, **{k: row[k] for k in _TASK_VALUES}})
            else:
                await self.conn.execute(_insert_task, row)
            if task.actor is not None and task.status in ("approved", "rejected", "returned") \
                    and not task.actor.id.startswith("system:"):
                plan = approval.route.step(task.step)
                duty = plan.duty_name if plan else task.step
                await self.take_duty(approval.case_id, task.actor.id, duty, task.step, task.decided_at)
        approval.revision += 1
        approval.persisted |= set(approval.touched)
        approval.touched.clear()

    async def take_duty(self, case_id: str, actor_id: str, duty: str, step: str, at) -> None:  # noqa: ANN001
        """DT-SOD under the database's key: one duty per person per case."""
        await self.conn.execute(insert_if_absent(self.conn.dialect.name, duties), dict(
            case_id=case_id, actor_id=actor_id, duty=duty, step=step, acted_at=at))
        held = await self.conn.scalar(_duty_held, {"b_case_id": case_id, "b_actor_id": actor_id})
        if held != duty:
            raise DutyConflict(f"{actor_id} already holds the duty {held!r} on case {case_id}; handler, reviewer and "
                               "approver are three people (DT-SOD)")

    async def duties_of(self, case_id: str) -> dict[str, str]:
        rows = await self.conn.execute(select(duties.c.actor_id, duties.c.duty).where(duties.c.case_id == case_id))
        return {r.actor_id: r.duty for r in rows}

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


@dataclass(frozen=True)
class Relative:
    staff_id: str
    staff_name: str
    id_number: str
    name: str
    relation: str


# built once: every routing and every decision asks
_relatives_of = select(kin.c.relative_key, kin.c.relative_legacy_key).where(
    kin.c.region == bindparam("b_region"), kin.c.staff_id == bindparam("b_staff_id"))
_related_to = select(kin).where(kin.c.region == bindparam("b_region"), or_(
    kin.c.relative_key.in_(bindparam("b_keys", expanding=True)),
    kin.c.relative_legacy_key.in_(bindparam("b_keys", expanding=True))))
_household_of = select(household_keys.c.member_key).where(household_keys.c.case_id == bindparam("b_case_id"))


class KinRegister:
    """LF-KIN: who is whose registered close relative, per region. A relative is found under
    either key (relief_shared.kin): the keyed one of cases since the kin secret, the legacy one
    of cases keyed before it."""

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def replace_staff(self, region: str, staff_id: str, relatives: list[Relative], *, at, by: str,  # noqa: ANN001
                            secret: str) -> None:
        """An import states a staff member's whole list: what it no longer names is gone."""
        await self.conn.execute(kin.delete().where(kin.c.region == region, kin.c.staff_id == staff_id))
        if relatives:
            rows = []
            for r in relatives:
                keyed, legacy = keys_of(r.id_number, secret)
                rows.append(dict(region=region, staff_id=r.staff_id, staff_name=r.staff_name,
                                 relative_id_number=r.id_number, relative_name=r.name, relation=r.relation,
                                 registered_at=at, registered_by=by, relative_key=keyed, relative_legacy_key=legacy))
            await self.conn.execute(insert(kin), rows)

    async def relatives_of(self, region: str, staff_id: str) -> set[str]:
        """Every key under which the staff member's registered relatives may appear in a household."""
        rows = await self.conn.execute(_relatives_of, {"b_region": region, "b_staff_id": staff_id})
        return {key for r in rows for key in r if key}

    async def staff_related_to(self, region: str, keys: list[str]) -> list[Relative]:
        rows = await self.conn.execute(_related_to, {"b_region": region, "b_keys": keys})
        return [Relative(r.staff_id, r.staff_name, r.relative_id_number, r.relative_name, r.relation) for r in rows]

    async def remember_household(self, case_id: str, keys: set[str]) -> None:
        if keys:
            await self.conn.execute(insert_if_absent(self.conn.dialect.name, household_keys),
                                    [{"case_id": case_id, "member_key": k} for k in sorted(keys)])

    async def household_of(self, case_id: str) -> set[str]:
        rows = await self.conn.execute(_household_of, {"b_case_id": case_id})
        return {r[0] for r in rows}

    async def cases_with(self, region: str, keys: list[str]) -> list[str]:
        rows = await self.conn.execute(select(household_keys.c.case_id).distinct().join(
            approvals, approvals.c.case_id == household_keys.c.case_id).where(
            approvals.c.region == region, household_keys.c.member_key.in_(keys)))
        return [r[0] for r in rows]


@dataclass
class Objection:
    id: str
    case_id: str
    region: str
    objector_name: str
    objector_phone: str
    reason: str
    received_on: object
    recorded_by: str
    recorded_at: object
    status: str = "open"
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_at: object = None


class Objections:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, o: Objection) -> None:
        await self.conn.execute(insert(objections), dict(o.__dict__))

    async def of_case(self, case_id: str) -> list[Objection]:
        rows = await self.conn.execute(select(objections).where(objections.c.case_id == case_id)
                                       .order_by(objections.c.recorded_at))
        return [Objection(**dict(r._mapping)) for r in rows]

    async def resolve(self, o: Objection) -> bool:
        result = await self.conn.execute(update(objections).where(objections.c.id == o.id,
                                                                  objections.c.status == "open").values(
            status=o.status, resolution=o.resolution, resolved_by=o.resolved_by, resolved_at=o.resolved_at))
        return result.rowcount == 1


class Deliberations:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, row: dict) -> None:
        await self.conn.execute(insert(deliberations), row)

    async def of_case(self, case_id: str) -> list[dict]:
        rows = await self.conn.execute(select(deliberations).where(deliberations.c.case_id == case_id)
                                       .order_by(deliberations.c.recorded_at))
        return [dict(r._mapping) for r in rows]


_means_of_case = select(means_results).where(means_results.c.case_id == bindparam("b_case_id"))


class MeansResults:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def remember(self, case_id: str, verification_id: str, complete: bool, finished_at) -> None:  # noqa: ANN001
        await self.conn.execute(insert_if_absent(self.conn.dialect.name, means_results), dict(
            case_id=case_id, verification_id=verification_id, complete=complete, finished_at=finished_at))

    async def of_case(self, case_id: str) -> dict | None:
        row = (await self.conn.execute(_means_of_case, {"b_case_id": case_id})).first()
        return dict(row._mapping) if row else None


class UnitOfWork(db.UnitOfWork):
    approvals: Approvals
    deadlines: Deadlines
    escalations: Escalations
    kin: KinRegister
    objections: Objections
    deliberations: Deliberations
    means: MeansResults
    facts: Facts
    spot_checks: SpotChecks
    rechecks: Rechecks

    def bind(self, conn: AsyncConnection) -> None:
        self.rechecks = Rechecks(conn)
        self.facts = Facts(conn)
        self.spot_checks = SpotChecks(conn)
        self.approvals = Approvals(conn)
        self.deadlines = Deadlines(conn, deadlines, on_change=lambda: self.signal_after_commit(SIGNAL))
        self.escalations = Escalations(conn)
        self.kin = KinRegister(conn)
        self.objections = Objections(conn)
        self.deliberations = Deliberations(conn)
        self.means = MeansResults(conn)


def _task_row(task: Task, region: str) -> dict:
    return {"id": task.id, "case_id": task.case_id, "region": region, "step": task.step, "role": task.role,
            "org_unit": task.org_unit, "due": task.due, "opened_at": task.opened_at,
            "status": task.status,
            "actor_id": task.actor.id if task.actor else None, "actor_name": task.actor.name if task.actor else None,
            "amount_fen": _fen(task.amount), "comment": task.comment, "decided_at": task.decided_at,
            "round": task.round, "superseded_by": task.superseded_by,
            "report": json.dumps(task.report, ensure_ascii=False) if task.report is not None else None}


def _task(row) -> Task:  # noqa: ANN001 - a row mapping
    actor = Person(row["actor_id"], row["actor_name"]) if row["actor_id"] else None
    return Task(id=row["id"], case_id=row["case_id"], step=row["step"], role=row["role"], org_unit=row["org_unit"],
                due=row["due"], opened_at=row["opened_at"], status=row["status"], actor=actor,
                amount=_money(row["amount_fen"]), comment=row["comment"], decided_at=row["decided_at"],
                round=row["round"], report=json.loads(row["report"]) if row["report"] else None,
                superseded_by=row["superseded_by"])


def _route_json(route: Route) -> dict:
    """The route as the case keeps it: every step with all it needs, so a later pack changes nothing."""
    return {"rules": list(route.rules), "skipped": list(route.skipped), "sources": list(route.sources),
            "pack_version": route.pack_version, "procedure": route.procedure, "deliberation": route.deliberation,
            "steps": [_step_json(s) for s in route.steps]}


def _step_json(s: StepPlan) -> dict:
    raw = {"step": s.step, "role": s.role, "time_limits": list(s.time_limits),
           "only_above": str(s.only_above) if s.only_above else None}
    extra = {"after": list(s.after) if s.after is not None else None, "duty": s.duty or None, "rule": s.rule or None,
             "within": list(s.within) if s.within else None, "skip_unless": s.skip_unless, "closes_on": s.closes_on,
             "opens_on": s.opens_on, "period": list(s.period) if s.period else None,
             "decides_amount": s.decides_amount or None, "report_requires": list(s.report_requires) or None}
    raw.update({k: v for k, v in extra.items() if v is not None})
    return raw


def _route(raw: dict) -> Route:
    steps = tuple(StepPlan(s["step"], s["role"], tuple(s.get("time_limits", ())),
                           Money.yuan(s["only_above"]) if s["only_above"] else None,
                           after=tuple(s["after"]) if s.get("after") is not None else None, duty=s.get("duty") or "",
                           rule=s.get("rule") or "", within=tuple(s["within"]) if s.get("within") else None,
                           skip_unless=s.get("skip_unless"), closes_on=s.get("closes_on"), opens_on=s.get("opens_on"),
                           period=tuple(s["period"]) if s.get("period") else None,
                           decides_amount=bool(s.get("decides_amount")),
                           report_requires=tuple(s.get("report_requires") or ())) for s in raw["steps"])
    return Route(tuple(raw["rules"]), tuple(raw["skipped"]), tuple(raw["sources"]), steps, raw.get("pack_version", ""),
                 raw.get("procedure", ""), raw.get("deliberation"))


def _fen(money: Money | None) -> int | None:
    return None if money is None else money.fen


def _money(fen: int | None) -> Money | None:
    return None if fen is None else Money(fen)


