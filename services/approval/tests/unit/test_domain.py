from datetime import datetime, timedelta

import pytest

from approval import policy
from approval.domain import (Actor, AmountRefused, Approval, CaseApproved, CaseRejected, DutyConflict, NoOpenTask,
                             NoSuchStep, NotAllowed, Payee, Person, Refused, TaskOpened, UnsupportedDecision)
from relief_shared.calendar import SHANGHAI
from relief_shared.money import Money

RECEIVED = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
TOWN = "fuxin-haizhou/hanjiadian"
ADVANCE = {"step": "approve", "role": "approver", "skip": ["means_check"], "time_limits": ["CQ-ADV"]}
DUE = datetime(2026, 10, 10, 23, 59, 59, tzinfo=SHANGHAI)


def an_approval(route: policy.Route | None = None, ceiling: str = "3000.00") -> Approval:
    route = route or policy.advance_route(ADVANCE, "seed 000 四", ceiling=Money.yuan(ceiling))
    approval = Approval("case-1", "fuxin-haizhou", TOWN, "emergency", Money.yuan(ceiling),
                        Payee("210902199001011234", "张三"), Person("clerk-1", "李经办"), route, RECEIVED)
    approval.start(DUE)
    return approval


def staff(sub: str, *roles: str, org_unit: str | None = TOWN, region: str = "fuxin-haizhou") -> Actor:
    return Actor(sub, sub, frozenset(roles), region, org_unit)


def decide(approval: Approval, actor: Actor, amount: str | None = "3000.00", decision: str = "approve",
           step: str = "approve"):
    return approval.decide(actor, step, decision, Money.yuan(amount) if amount else None, "ok",
                           now=RECEIVED + timedelta(days=1))


def test_start_opens_the_first_step_with_the_deadline_it_is_given() -> None:
    approval = an_approval()
    [task] = approval.tasks
    assert (task.step, task.role, task.org_unit) == ("approve", "approver", TOWN)
    assert task.due.isoformat() == "2026-10-10T23:59:59+08:00"
    assert isinstance(approval.events[0], TaskOpened)


def test_the_approver_approves_and_the_case_is_approved() -> None:
    approval = an_approval()
    task = decide(approval, staff("ann", "approver"), "2500.00")
    assert (task.status, task.actor.id, approval.status, approval.amount) == ("approved", "ann", "approved",
                                                                                Money.yuan("2500.00"))
    assert isinstance(approval.events[-1], CaseApproved)


def test_the_accepting_clerk_may_not_approve_even_as_approver() -> None:
    with pytest.raises(DutyConflict):
        decide(an_approval(), staff("clerk-1", "clerk", "approver"))


def test_another_org_unit_or_role_is_not_allowed() -> None:
    with pytest.raises(NotAllowed):
        decide(an_approval(), staff("ann", "approver", org_unit="fuxin-haizhou/dongliang"))
    with pytest.raises(NotAllowed):
        decide(an_approval(), staff("ann", "reviewer"))
    with pytest.raises(NotAllowed):
        decide(an_approval(), staff("ann", "approver", region="anyang"))


def test_amount_rules() -> None:
    with pytest.raises(AmountRefused):
        decide(an_approval(), staff("ann", "approver"), "3000.01")
    with pytest.raises(AmountRefused):
        decide(an_approval(), staff("ann", "approver"), None)


def test_reject_and_return() -> None:
    approval = an_approval()
    with pytest.raises(Refused):  # a return names the step to go back to
        decide(approval, staff("ann", "approver"), decision="return")
    with pytest.raises(UnsupportedDecision):  # and only an earlier one
        approval.decide(staff("ann", "approver"), "approve", "return", None, "again", now=RECEIVED,
                        return_to="approve")
    decide(approval, staff("ann", "approver"), None, decision="reject")
    assert approval.status == "rejected" and isinstance(approval.events[-1], CaseRejected)
    with pytest.raises(NoOpenTask):
        decide(approval, staff("bob", "approver"))


def test_above_the_town_limit_the_district_consents_and_may_not_be_the_approver() -> None:
    route = policy.town_route(ceiling=Money.yuan("3000.00"), town_limit=Money.yuan("2000.00"), source="s")
    approval = an_approval(route)
    with pytest.raises(NoOpenTask):
        decide(approval, staff("dee", "district", org_unit=None), step="district_consent")
    decide(approval, staff("ann", "approver", "district"), "2500.00")
    assert approval.status == "pending" and approval.tasks[-1].step == "district_consent"
    with pytest.raises(DutyConflict):
        decide(approval, staff("ann", "approver", "district"), None, step="district_consent")
    decide(approval, staff("dee", "district", org_unit=None), None, step="district_consent")
    assert approval.status == "approved" and approval.events[-1].amount == Money.yuan("2500.00")


def test_within_the_town_limit_the_district_step_is_not_needed() -> None:
    route = policy.town_route(ceiling=Money.yuan("3000.00"), town_limit=Money.yuan("2000.00"), source="s")
    approval = an_approval(route)
    decide(approval, staff("ann", "approver"), "2000.00")
    assert approval.status == "approved" and [(t.step, t.status) for t in approval.tasks] == [
        ("approve", "approved"), ("district_consent", "skipped")]


def test_unknown_step() -> None:
    with pytest.raises(NoSuchStep):
        decide(an_approval(), staff("ann", "approver"), step="review")
