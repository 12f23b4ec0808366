"""The approval of one case: its route, its tasks, and the decisions taken on them.

`Approval` keeps its own invariants (who may act, on which step, for how much, in which order)
and records what happened as events; the service turns those into envelopes in the same
transaction.

The route is a small graph: a step opens once every step it waits for is done (or skipped), so
steps may run in parallel (investigation while verification runs, FX-EXP-PROC). Each opening
of a step is a task with its round; a `return` sends the case back to an earlier step, whose
new round must be done again, and every later step after it: the earlier tasks stay, marked
superseded, so the history is kept.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from approval import policy
from approval.policy import Route, StepPlan
from relief_shared.calendar import SHANGHAI
from relief_shared.money import Money


class DomainError(Exception):
    """A decision the rules refuse; nothing changes."""


class NoSuchCase(DomainError):
    pass


class NoSuchStep(DomainError):
    pass


class NoOpenTask(DomainError):
    pass


class NotAllowed(DomainError):
    """Wrong role, org unit or region for this task."""


class KinConflict(NotAllowed):
    """LF-KIN: the case's household holds a registered close relative of this staff member."""

    rule = "LF-KIN"


class DutyConflict(DomainError):
    """DT-SOD: this person may not decide this step of this case."""

    rule = "DT-SOD"


class AmountRefused(DomainError):
    pass


class UnsupportedDecision(DomainError):
    pass


class Blocked(DomainError):
    """The step cannot be decided yet: the public notice still runs or an objection is open."""

    def __init__(self, message: str, rule: str):
        super().__init__(message)
        self.rule = rule


class Refused(DomainError):
    """A record (deliberation, paperwork, plan) the rules refuse, with the field at fault."""

    def __init__(self, message: str, *, field_: str, rule: str | None = None):
        super().__init__(message)
        self.errors = [{"field": field_, "message": message}]
        if rule:
            self.rule = rule


@dataclass(frozen=True)
class Person:
    id: str
    name: str


@dataclass(frozen=True)
class Payee:
    id_number: str
    name: str


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    roles: frozenset[str]
    region: str
    org_unit: str | None

    @property
    def person(self) -> Person:
        return Person(self.id, self.name)


OPEN, APPROVED, REJECTED, RETURNED, SKIPPED, WITHDRAWN = "open", "approved", "rejected", "returned", "skipped", \
    "withdrawn"


@dataclass
class Task:
    id: str
    case_id: str
    step: str
    role: str
    org_unit: str
    due: datetime | None
    opened_at: datetime
    status: str = OPEN  # open | approved | rejected | returned | skipped | withdrawn
    actor: Person | None = None
    amount: Money | None = None
    comment: str = ""
    decided_at: datetime | None = None
    round: int = 1
    report: dict[str, Any] | None = None  # what the step recorded: findings, notice, deliberation, paperwork
    superseded_by: str | None = None  # the return that sent the case back past this task

    def may_be_taken_by(self, actor: Actor, roles: tuple[str, ...] = ()) -> bool:
        """The district bureau covers the whole region; towns see only their own tasks."""
        allowed = roles or (self.role,)
        role = next((r for r in allowed if r in actor.roles), None)
        if role is None:
            return False
        return role == policy.DISTRICT_ROLE or self.org_unit == actor.org_unit

    @property
    def current(self) -> bool:
        return self.superseded_by is None


@dataclass(frozen=True)
class TaskOpened:
    task: Task


@dataclass(frozen=True)
class CaseApproved:
    task: Task
    amount: Money


@dataclass(frozen=True)
class CaseRejected:
    task: Task


@dataclass(frozen=True)
class StepReturned:
    task: Task
    to_step: str


@dataclass(frozen=True)
class Deliberated:
    task: Task
    amount: Money


@dataclass(frozen=True)
class PaperworkCompleted:
    task: Task


@dataclass(frozen=True)
class PaperworkFiled:
    task: Task


@dataclass(frozen=True)
class ProcedureCompleted:
    """Every step of a procedure that decides no amount is done (the hook for status decisions,
    DT-20D): the service that owns such procedures turns it into its own event."""

    task: Task


@dataclass(frozen=True)
class AdvanceRevoked:
    task: Task
    approved_task_id: str | None


Event = (TaskOpened | CaseApproved | CaseRejected | StepReturned | Deliberated | PaperworkCompleted
         | PaperworkFiled | AdvanceRevoked | ProcedureCompleted)


@dataclass(frozen=True)
class Instalment:
    amount: Money
    due: date


@dataclass
class Approval:
    case_id: str
    region: str
    org_unit: str
    type: str
    ceiling: Money
    payee: Payee
    accepted_by: Person
    route: Route
    received_at: datetime
    status: str = "pending"  # pending | approved | rejected | revoked
    amount: Money | None = None
    correlation_id: str | None = None  # the case's chain, so later decisions stay on it
    tasks: list[Task] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    revision: int = 0
    flags: list[dict[str, Any]] = field(default_factory=list)  # e.g. LF-KIN: a registered relative
    details: dict[str, Any] = field(default_factory=dict)  # findings, deliberated amount, channel, plan
    touched: dict[str, Task] = field(default_factory=dict)  # tasks changed or added in this unit of work
    persisted: set[str] = field(default_factory=set)  # the ids of the tasks the store loaded

    # ---- reading the state

    def latest(self, step: str) -> Task | None:
        found = [t for t in self.tasks if t.step == step]
        return max(found, key=lambda t: t.round) if found else None

    def open_tasks(self) -> list[Task]:
        return [t for t in self.tasks if t.status == OPEN]

    def _settled(self, step: str) -> bool:
        task = self.latest(step)
        return task is not None and task.current and task.status in (APPROVED, SKIPPED)

    @property
    def deliberated_amount(self) -> Money | None:
        raw = self.details.get("deliberated_amount")
        return Money.yuan(raw) if raw else None

    @property
    def channel(self) -> str | None:
        return self.details.get("channel")

    @property
    def bank_account(self) -> str | None:
        return self.details.get("bank_account")

    @property
    def payment_channel(self) -> str:
        """FX-PAY-CHANNEL as the contract states it: the deciding approver's choice, else the bank
        when the applicant gave an account at intake, else cash at the window."""
        return self.channel or ("bank" if self.bank_account else "cash")

    @property
    def instalments(self) -> list[Instalment] | None:
        plan = self.details.get("instalments")
        return [Instalment(Money.yuan(i["amount"]), date.fromisoformat(i["due"])) for i in plan] if plan else None

    def notice_running(self, now: datetime) -> datetime | None:
        """The end of a posted public notice that still runs, or None."""
        task = self.latest("public_notice")
        if task is None or not task.current or task.status != APPROVED or not task.report:
            return None
        ends = datetime.fromisoformat(task.report["ends_at"])
        return ends if now < ends else None

    # ---- starting

    def start(self, due: datetime | None = None) -> Task:
        """Open the steps that wait for nothing; `due` is the deadline the first one must meet, if
        any (counted by the service from the region's time limits)."""
        opened = self._advance(self.received_at)
        if not opened:
            raise NoOpenTask(f"the route of case {self.case_id} opens no step")
        opened[0].due = due
        return opened[0]

    # ---- deciding

    def check_actor(self, actor: Actor, kin_in_household: set[str] | frozenset[str] = frozenset()) -> None:
        """Region first, then LF-KIN: a registered relative in the household (`kin_in_household`:
        the member keys of the actor's relatives found in it) bars the staff member."""
        if actor.region != self.region:
            raise NotAllowed(f"{actor.id} works for region {actor.region}, not {self.region}")
        if kin_in_household:
            raise KinConflict(f"the household of case {self.case_id} holds a registered close relative of {actor.id}; "
                              "they may not act on it (LF-KIN)")

    def decide(self, actor: Actor, step: str, decision: str, amount: Money | None, comment: str, *,
               now: datetime, return_to: str | None = None, report: dict[str, Any] | None = None,
               channel: str | None = None, instalments: list[Instalment] | None = None,
               roles: tuple[str, ...] = ()) -> Task:
        """One decision on the open task of `step`: approve, reject or return (to `return_to`)."""
        if actor.region != self.region:
            raise NotAllowed(f"{actor.id} works for region {actor.region}, not {self.region}")
        task = self._open_task(step)
        plan = self.route.step(step)
        assert plan is not None
        # DT-SOD first: the handler hears why they may never decide, whatever roles they hold.
        conflict = self.duty_conflict(actor.id, plan)
        if conflict:
            raise DutyConflict(conflict)
        if not task.may_be_taken_by(actor, roles):
            raise NotAllowed(f"step {step!r} of case {self.case_id} is for role {task.role!r} of {task.org_unit}")
        if decision == "return":
            return self._return(task, actor, return_to, comment, now)
        if return_to is not None:
            raise UnsupportedDecision("`return_to` goes only with the decision `return`")
        after_approval = self.route.post_approval(step)
        if decision == "approve" and step == "deliberation":
            raise Refused("a deliberation is recorded with its participants, observer and minutes: "
                          "POST /v1/cases/{case_id}/deliberation", field_="step", rule="DT-CASE")
        if decision == "approve" and step == "paperwork" and not report:
            raise Refused("the paperwork is completed with its subject, reason, amount, signatures and seal: "
                          "POST /v1/cases/{case_id}/paperwork", field_="step")
        if decision == "reject":
            self._close(task, REJECTED, actor, None, comment, now, report)
            self._withdraw_open(now)
            if after_approval:  # refused paperwork: the advance is recovered (ANY-RECOVER)
                self.status = "revoked"
                self.events.append(AdvanceRevoked(task, self._deciding_task_id()))
            else:
                self.status = "rejected"
                self.events.append(CaseRejected(task))
            return task
        if after_approval:
            self._close(task, APPROVED, actor, None, comment, now, report)
            self.events.append(PaperworkFiled(task) if step != "paperwork" else PaperworkCompleted(task))
            self._advance(now)
            return task
        self._check_not_blocked(step, now)
        if plan.decides_amount or (self.amount is None and step in ("approve", "district_consent")):
            decided: Money | None = self._approved_amount(amount)
            self._plan_payment(decided, channel, instalments, now)
        elif self.amount is not None and step in ("approve", "district_consent"):
            decided = self._approved_amount(amount)
        else:
            if amount is not None:
                raise AmountRefused(f"step {step!r} does not decide the amount; the step that does is "
                                    f"{[s.step for s in self.route.steps if s.decides_amount] or ['approve']}")
            if channel is not None or instalments:
                raise UnsupportedDecision("`channel` and `instalments` go only with the deciding approval")
            decided = None
        missing = [k for k in plan.report_requires if (report or {}).get(k) is None]
        if missing:
            raise Refused(f"step {step!r} must report {', '.join(missing)} ({plan.rule})",
                          field_=f"findings.{missing[0]}", rule=plan.rule or None)
        if step == "investigation":
            if not report or not str(report.get("summary", "")).strip():
                raise Refused("the investigation approves with its report (findings.summary)", field_="findings")
            self.details["findings"] = dict(report)
        if step == "public_notice":
            report = self._notice(plan, report, now)
        self._close(task, APPROVED, actor, decided, comment, now, report)
        if decided is not None:
            self.amount = decided
        self._advance(now)
        return task

    def close_by_event(self, step: str, event_type: str, *, now: datetime, by: Person,
                       report: dict[str, Any] | None = None) -> Task | None:
        """A step an event completes (verification: means.verified); None where it is not open."""
        plan = self.route.step(step)
        if plan is None or plan.closes_on != event_type:
            return None
        task = next((t for t in self.open_tasks() if t.step == step), None)
        if task is None:
            return None
        task.status, task.actor, task.decided_at, task.report = APPROVED, by, now, report
        task.comment = f"completed by {event_type}"
        self.touched[task.id] = task
        self._advance(now)
        return task

    def open_after_approval(self, event_type: str, now: datetime) -> list[Task]:
        """Steps after the approval that `event_type` opens (paperwork after the advance payment)."""
        if self.status != "approved":
            return []
        return self._advance(now, opening=event_type)

    def return_to(self, actor: Actor, to_step: str, reason: str, now: datetime) -> Task:
        """Send the case back to `to_step` without a task of the actor's own (an upheld objection
        sends it back to the investigation)."""
        if self.route.step(to_step) is None:
            raise NoSuchStep(f"case {self.case_id} has no step {to_step!r}")
        return self._reopen(to_step, actor.person, reason, now)

    def record_deliberation(self, actor: Actor, record: dict[str, Any], decided: Money, now: datetime) -> Task:
        """DT-CASE / FX-CASE-MIN: the democratic appraisal of the case by its quorum closes the open
        deliberation (or appraisal) step; its decided amount replaces the formula's ceiling."""
        task = next((t for t in self.open_tasks() if t.step in ("deliberation", "appraisal")), None)
        if task is None:
            raise NoOpenTask(f"case {self.case_id} has no open deliberation or appraisal step")
        plan = self.route.step(task.step)
        assert plan is not None
        conflict = self.duty_conflict(actor.id, plan)
        if conflict:
            raise DutyConflict(conflict)
        if not task.may_be_taken_by(actor, ("clerk", "reviewer")):
            raise NotAllowed(f"the deliberation of case {self.case_id} is recorded by a clerk or reviewer of "
                             f"{task.org_unit}")
        _check_quorum(self.route.deliberation, record)
        held_on = record.get("held_on")
        if held_on and date.fromisoformat(str(held_on)) > now.astimezone(SHANGHAI).date():
            raise Refused(f"the deliberation is dated {held_on}, after today", field_="held_on")
        if decided.fen <= 0:
            raise Refused("the decided amount must be above zero", field_="decided_amount")
        self._close(task, APPROVED, actor, decided, "case-by-case deliberation (一事一议)", now, record)
        self.details["deliberated_amount"] = str(decided)
        self.events.append(Deliberated(task, decided))
        self._advance(now)
        return task

    # ---- DT-SOD

    def duties(self) -> dict[str, str]:
        """Who held which duty on this case: the handler who accepted it, and every actor since."""
        held = {self.accepted_by.id: "handler"}
        for t in self.tasks:
            if t.actor is not None and t.status in (APPROVED, REJECTED, RETURNED) and not t.actor.id.startswith(
                    "system:"):
                plan = self.route.step(t.step)
                held.setdefault(t.actor.id, plan.duty_name if plan else t.step)
        return held

    def duty_conflict(self, actor_id: str, plan: StepPlan) -> str | None:
        held = self.duties().get(actor_id)
        if held is None or held == plan.duty_name:
            return None
        if actor_id == self.accepted_by.id:
            return f"{actor_id} accepted this case as its handler and may not decide it as {plan.duty_name} (DT-SOD)"
        step = next((t.step for t in self.tasks if t.actor is not None and t.actor.id == actor_id), "?")
        return (f"{actor_id} already acted on step {step!r} of this case as {held}; handler, reviewer and "
                f"approver are three people (DT-SOD)")

    # ---- inner workings

    def _open_task(self, step: str) -> Task:
        if self.route.step(step) is None:
            raise NoSuchStep(f"case {self.case_id} has no step {step!r}; its route has "
                             f"{[s.step for s in self.route.steps]}")
        task = next((t for t in self.tasks if t.step == step and t.status == OPEN), None)
        if task is None:
            raise NoOpenTask(f"step {step!r} of case {self.case_id} is not open (case is {self.status}; open: "
                             f"{[t.step for t in self.open_tasks()]})")
        return task

    def _check_not_blocked(self, step: str, now: datetime) -> None:
        if "public_notice" not in {s.step for s in self.route.steps} or \
                step not in self.route.descendants("public_notice"):
            return
        if self.details.get("open_objections"):
            raise Blocked(f"case {self.case_id} has an open objection to its public notice: it must be resolved "
                          "by an investigator first", "FX-EXP-PROC")
        ends = self.notice_running(now)
        if ends is not None:
            raise Blocked(f"the public notice of case {self.case_id} runs until {ends.isoformat()}", "FX-EXP-PROC")

    def _notice(self, plan: StepPlan, report: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
        """Posting the public notice: where and when; it runs for the region's period (公示)."""
        report = dict(report or {})
        if not report.get("where"):
            raise Refused("a public notice names where it is posted", field_="notice.where")
        posted = report.get("posted_at") or now.isoformat()
        start = datetime.fromisoformat(posted)
        if plan.period is None:
            raise Refused(f"the region's procedure sets no notice period for step {plan.step!r}", field_="step")
        amount, unit = plan.period
        ends = start + (timedelta(hours=amount) if unit == "clock_hours" else timedelta(days=amount))
        report.update(posted_at=start.isoformat(), ends_at=ends.isoformat(), period=f"{amount} {unit}")
        return report

    def _approved_amount(self, amount: Money | None) -> Money:
        """The deciding approval sets the amount; a later step consents to it or states it again."""
        if self.amount is not None:
            if amount is not None and amount != self.amount:
                raise AmountRefused(f"this step consents to the amount {self.amount}; it cannot change it")
            return self.amount
        if amount is None and self.ceiling.fen == 0 and self.details.get("status_only"):
            return Money(0)  # a status without a monthly payment (marginal): nothing to price
        if amount is None:
            raise AmountRefused("an approval needs an amount")
        refusal = policy.amount_refusal(amount, self.ceiling, self.deliberated_amount)
        if refusal:
            raise AmountRefused(refusal)
        return amount

    def _plan_payment(self, amount: Money, channel: str | None, instalments: list[Instalment] | None,
                      now: datetime) -> None:
        """STAGED: one approval, paid in instalments whose amounts add up to it, none due before today."""
        if channel == "bank" and not self.bank_account:
            raise Refused("the applicant gave no bank account at intake: pay `cash` (signed for, FX-PAY-CHANNEL) "
                          "or `in_kind`", field_="channel", rule="FX-PAY-CHANNEL")
        if channel is not None:
            self.details["channel"] = channel
        if not instalments:
            return
        total = sum((i.amount.fen for i in instalments), 0)
        if total != amount.fen:
            raise Refused(f"the instalments add up to {Money(total)}, not the approved {amount} (STAGED)",
                          field_="instalments", rule="STAGED")
        days = [i.due for i in instalments]
        if days[0] < now.astimezone(SHANGHAI).date():
            raise Refused(f"the first instalment falls due on {days[0]}, before today (STAGED)", field_="instalments",
                          rule="STAGED")
        if days != sorted(days) or any(i.amount.fen <= 0 for i in instalments):
            raise Refused("instalments are positive and in date order (STAGED)", field_="instalments", rule="STAGED")
        self.details["instalments"] = [{"amount": str(i.amount), "due": i.due.isoformat()} for i in instalments]

    def _return(self, task: Task, actor: Actor, to_step: str | None, comment: str, now: datetime) -> Task:
        if not to_step:
            raise Refused("a return names the step that must redo its work", field_="return_to")
        if not comment.strip():
            raise Refused("a return gives its reason", field_="comment")
        if self.route.step(to_step) is None:
            raise NoSuchStep(f"case {self.case_id} has no step {to_step!r}")
        if task.step not in self.route.descendants(to_step):
            raise UnsupportedDecision(f"step {task.step!r} can return the case only to a step before it, "
                                      f"not to {to_step!r}")
        if self.route.post_approval(task.step) and not self.route.post_approval(to_step):
            raise UnsupportedDecision(f"the case is approved: step {task.step!r} can return it only to a step after "
                                      "the approval; refuse it instead")
        self._close(task, RETURNED, actor, None, comment, now, {"return_to": to_step})
        self._reopen(to_step, actor.person, comment, now, returned_by=task)
        return task

    def _reopen(self, to_step: str, by: Person, reason: str, now: datetime, returned_by: Task | None = None) -> Task:
        marker = returned_by.id if returned_by else f"return:{uuid.uuid4()}"
        again = {to_step} | self.route.descendants(to_step)
        for t in self.tasks:
            if t.step in again and t.current and t is not returned_by:
                if t.status == OPEN:
                    t.status, t.decided_at, t.comment = WITHDRAWN, now, f"withdrawn: returned to {to_step}"
                t.superseded_by = marker
                self.touched[t.id] = t
        if returned_by is not None:
            returned_by.superseded_by = marker
        for name in again:
            plan = self.route.step(name)
            if plan is not None and plan.decides_amount:
                self.amount = None
                self.details.pop("instalments", None)
                self.details.pop("channel", None)
            if name == "investigation":
                self.details.pop("findings", None)
        previous = self.latest(to_step)
        task = self._open(self.route.step(to_step), now, round_=(previous.round + 1) if previous else 1)
        self.events.append(StepReturned(task, to_step))
        self.details.setdefault("returns", []).append({"to_step": to_step, "reason": reason, "by": by.id,
                                                      "at": now.isoformat()})
        return task

    def _advance(self, now: datetime, opening: str | None = None) -> list[Task]:
        """Open every step whose predecessors are settled, skip those the case does not need, and
        approve the case once every step before the approval is settled."""
        opened: list[Task] = []
        progress = True
        while progress:
            progress = False
            for plan in self.route.steps:
                latest = self.latest(plan.step)
                if latest is not None and latest.current:
                    continue
                if not all(self._settled(p) for p in self.route.predecessors(plan.step)):
                    continue
                if self.route.post_approval(plan.step):
                    if self.status != "approved" or (plan.opens_on is not None and plan.opens_on != opening):
                        continue
                round_ = latest.round + 1 if latest else 1
                skip = self._skip_reason(plan)
                if skip:
                    task = self._new_task(plan, now, round_)
                    task.status, task.comment, task.decided_at = SKIPPED, skip, now
                    self.touched[task.id] = task
                else:
                    opened.append(self._open(plan, now, round_=round_))
                progress = True
        if self.status == "pending" and all(self._settled(s.step) for s in self.route.steps
                                            if not self.route.post_approval(s.step)):
            deciding = [t for t in self.tasks if t.current and t.status == APPROVED and t.amount is not None]
            if self.amount is not None and deciding:
                self.status = "approved"
                self.events.append(CaseApproved(max(deciding, key=lambda t: t.decided_at or now), self.amount))
            elif self.route.procedure and not any(s.decides_amount for s in self.route.steps):
                done = [t for t in self.tasks if t.current and t.status == APPROVED]
                if done:
                    self.status = "approved"
                    self.events.append(ProcedureCompleted(max(done, key=lambda t: t.decided_at or now)))
        return opened

    def _any_current(self, step: str) -> bool:
        latest = self.latest(step)
        return latest is not None and latest.current

    def _skip_reason(self, plan: StepPlan) -> str | None:
        if plan.only_above is not None:
            if self.amount is None or not plan.needed_for(self.amount):
                return (f"not required: the amount {self.amount} does not exceed {plan.only_above} "
                        f"({plan.rule or 'FX-ROUTE'})")
        if plan.skip_unless and not (self.details.get("findings") or {}).get(plan.skip_unless):
            return f"not required: the investigation did not find the case {plan.skip_unless} ({plan.rule})"
        return None

    def _deciding_task_id(self) -> str | None:
        approved = [t for t in self.tasks if t.current and t.status == APPROVED and t.amount is not None]
        return max(approved, key=lambda t: t.decided_at).id if approved else None

    def _withdraw_open(self, now: datetime) -> None:
        for t in self.open_tasks():
            t.status, t.decided_at, t.comment = WITHDRAWN, now, "withdrawn: the case was decided"
            self.touched[t.id] = t

    def _new_task(self, plan: StepPlan, since: datetime, round_: int) -> Task:
        task = Task(str(uuid.uuid4()), self.case_id, plan.step, plan.role, self.org_unit, None, since, round=round_)
        self.tasks.append(task)
        return task

    def _open(self, plan: StepPlan | None, since: datetime, due: datetime | None = None, *, round_: int = 1) -> Task:
        assert plan is not None
        task = self._new_task(plan, since, round_)
        task.due = due
        self.touched[task.id] = task
        self.events.append(TaskOpened(task))
        return task

    def _close(self, task: Task, status: str, actor: Actor, amount: Money | None, comment: str, now: datetime,
               report: dict[str, Any] | None = None) -> None:
        task.status, task.actor, task.amount, task.comment, task.decided_at = status, actor.person, amount, comment, now
        if report is not None:
            task.report = report
        self.touched[task.id] = task


def _check_quorum(rule: Any, record: dict[str, Any]) -> None:
    """DT-CASE: at least the quorum of distinct participants with their roles, and the discipline
    observer; a missing rule in the route is the pack's error, never a default quorum."""
    if not rule:
        raise Refused("the case's procedure carries no deliberation rule (DT-CASE)", field_="participants")
    which = rule.get("rule", "DT-CASE")
    people = record.get("participants") or []
    distinct = {(p.get("name") or "").strip() for p in people} - {""}
    need = int(rule["min_participants"])
    if len(distinct) < need:
        raise Refused(f"{len(distinct)} distinct appraisers; the democratic appraisal needs at least {need} ({which})",
                      field_="participants", rule=which)
    allowed = set(rule.get("roles") or ())
    wrong = sorted({p.get("role") for p in people if allowed and p.get("role") not in allowed})
    if wrong:
        raise Refused(f"participant roles {wrong} are not among {sorted(allowed)} ({which})", field_="participants",
                      rule=which)
    observer = record.get("observer") or {}
    if rule.get("observer_required") and not ((observer.get("name") or "").strip()
                                               and (observer.get("unit") or "").strip()):
        raise Refused(f"the discipline committee's observer (name and unit) is required ({which})",
                      field_="observer", rule=which)
    vote = record.get("vote") or {}
    if vote and sum(int(vote.get(k, 0)) for k in ("in_favour", "against", "abstain")) > len(distinct):
        raise Refused("the vote counts more votes than participants", field_="vote", rule=which)
