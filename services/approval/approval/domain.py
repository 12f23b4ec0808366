"""The approval of one case: its route, its tasks, and the decisions taken on them.

`Approval` keeps its own invariants (who may act, on which step, for how much) and records
what happened as events; the service turns those into envelopes in the same transaction.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from approval import policy
from approval.policy import Route, StepPlan
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


class DutyConflict(DomainError):
    """DT-SOD: this person may not decide this step of this case."""

    rule = "DT-SOD"


class AmountRefused(DomainError):
    pass


class UnsupportedDecision(DomainError):
    pass


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


@dataclass
class Task:
    id: str
    case_id: str
    step: str
    role: str
    org_unit: str
    due: datetime | None
    opened_at: datetime
    status: str = "open"  # open | approved | rejected
    actor: Person | None = None
    amount: Money | None = None
    comment: str = ""
    decided_at: datetime | None = None

    def may_be_taken_by(self, actor: Actor) -> bool:
        """The district bureau covers the whole region; towns see only their own tasks."""
        if self.role not in actor.roles:
            return False
        return self.role == policy.DISTRICT_ROLE or self.org_unit == actor.org_unit


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


Event = TaskOpened | CaseApproved | CaseRejected


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
    status: str = "pending"  # pending | approved | rejected
    amount: Money | None = None
    correlation_id: str | None = None  # the case's chain, so later decisions stay on it
    tasks: list[Task] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def start(self, due: datetime | None = None) -> Task:
        """Open the route's first step; `due` is the deadline its decision must meet, if any
        (counted by the service from the region's time limits)."""
        return self._open(self.route.steps[0], self.received_at, due)

    def decide(self, actor: Actor, step: str, decision: str, amount: Money | None, comment: str, *,
               now: datetime) -> Task:
        if actor.region != self.region:
            raise NotAllowed(f"{actor.id} works for region {actor.region}, not {self.region}")
        if decision == "return":
            raise UnsupportedDecision("returning a case to an earlier step is not supported yet")
        task = self._open_task(step)
        # DT-SOD first: the handler hears why they may never decide, whatever roles they hold.
        acted = [(t.step, t.actor.id) for t in self.tasks if t.actor is not None]
        conflict = policy.duty_conflict(actor.id, accepted_by=self.accepted_by.id, acted_on=acted, step=step)
        if conflict:
            raise DutyConflict(conflict)
        if not task.may_be_taken_by(actor):
            raise NotAllowed(f"step {step!r} of case {self.case_id} is for role {task.role!r} of {task.org_unit}")
        if decision == "reject":
            self._close(task, "rejected", actor, None, comment, now)
            self.status = "rejected"
            self.events.append(CaseRejected(task))
            return task
        decided = self._approved_amount(amount)
        self._close(task, "approved", actor, decided, comment, now)
        self.amount = decided
        following = [s for s in self.route.after(step) if s.needed_for(decided)]
        if following:
            self._open(following[0], now)
        else:
            self.status = "approved"
            self.events.append(CaseApproved(task, decided))
        return task

    def _approved_amount(self, amount: Money | None) -> Money:
        """The first approver sets the amount; a later step consents to it or states it again."""
        if self.amount is not None:
            if amount is not None and amount != self.amount:
                raise AmountRefused(f"this step consents to the amount {self.amount}; it cannot change it")
            return self.amount
        if amount is None:
            raise AmountRefused("an approval needs an amount")
        refusal = policy.amount_refusal(amount, self.ceiling)
        if refusal:
            raise AmountRefused(refusal)
        return amount

    def _open_task(self, step: str) -> Task:
        if self.route.step(step) is None:
            raise NoSuchStep(f"case {self.case_id} has no step {step!r}; its route has "
                             f"{[s.step for s in self.route.steps]}")
        task = next((t for t in self.tasks if t.step == step and t.status == "open"), None)
        if task is None:
            raise NoOpenTask(f"step {step!r} of case {self.case_id} is not open (case is {self.status})")
        return task

    def _open(self, plan: StepPlan, since: datetime, due: datetime | None = None) -> Task:
        task = Task(str(uuid.uuid4()), self.case_id, plan.step, plan.role, self.org_unit, due, since)
        self.tasks.append(task)
        self.events.append(TaskOpened(task))
        return task

    @staticmethod
    def _close(task: Task, status: str, actor: Actor, amount: Money | None, comment: str, now: datetime) -> None:
        task.status, task.actor, task.amount, task.comment, task.decided_at = status, actor.person, amount, comment, now
