"""Procedures as data: each region's pack builds its procedures, a case keeps the version it
started on, and a procedure the pack gets wrong is refused with the reason."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from approval import policy, procedures
from approval.domain import Actor, Approval, Blocked, DutyConflict, Payee, Person
from relief_shared.calendar import SHANGHAI
from relief_shared.money import Money
from relief_shared.regions import MissingParameter, RegionPacks

PACKS = RegionPacks.load()
AS_OF = date(2026, 9, 30)
T0 = datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI)
TOWN = "fuxin-haizhou/hanjiadian"


def staff(sub: str, *roles: str) -> Actor:
    return Actor(sub, sub, frozenset(roles), "fuxin-haizhou", TOWN)


def fuxin(kind: str = "expenditure") -> Approval:
    route = procedures.build(PACKS.get("fuxin-haizhou"), kind, AS_OF)
    approval = Approval("c-1", "fuxin-haizhou", TOWN, "expenditure", Money.yuan("3000.00"),
                        Payee("210902199001011234", "张三"), Person("clerk-1", "李经办"), route, T0)
    approval.start()
    return approval


@pytest.mark.parametrize("region, kind", [("fuxin-haizhou", "expenditure"), ("fuxin-haizhou", "case_by_case"),
                                          ("anyang", "expenditure"), ("anyang", "case_by_case"),
                                          ("wenzhou-dongtou", "expenditure"), ("wenzhou-dongtou", "case_by_case")])
def test_every_region_procedure_builds_with_its_version(region: str, kind: str) -> None:
    route = procedures.build(PACKS.get(region), kind, AS_OF)
    assert route.procedure.startswith(f"{region}/{kind}/") and route.pack_version
    assert any(s.decides_amount for s in route.steps)
    if kind == "case_by_case":
        assert route.deliberation["min_participants"] == 12 and route.deliberation["observer_required"]


def test_a_region_without_a_procedure_says_so() -> None:
    with pytest.raises(MissingParameter):
        procedures.build(PACKS.get("linfen"), "expenditure", AS_OF)
    with pytest.raises(MissingParameter):  # the hook for DT-20D: Fuxin has no dibao procedure
        policy.application_route(PACKS.get("fuxin-haizhou"), "dibao", AS_OF)
    assert policy.application_route(PACKS.get("wenzhou-dongtou"), "dibao", AS_OF).procedure.startswith(
        "wenzhou-dongtou/dibao/")


def test_fuxin_district_consent_is_above_the_town_limit_only() -> None:
    route = procedures.build(PACKS.get("fuxin-haizhou"), "expenditure", AS_OF)
    assert route.step("district_consent").only_above == Money.yuan("2000.00")
    assert route.predecessors("appraisal") == ("verification", "investigation")
    assert route.descendants("investigation") == {"appraisal", "public_notice", "review", "approve",
                                                  "district_consent"}


def test_a_step_waiting_for_a_later_step_is_refused() -> None:
    bad = {"version": "x", "steps": [{"step": "approve", "role": "approver", "after": ["review"],
                                      "decides_amount": True},
                                     {"step": "review", "role": "reviewer"}]}
    with pytest.raises(procedures.ProcedureInvalid, match="not an earlier step"):
        procedures._check_graph(tuple(procedures._step(PACKS.get("fuxin-haizhou"), s, AS_OF, "")
                                      for s in bad["steps"]), "expenditure")


def test_steps_run_in_parallel_and_the_handler_may_do_them_all_but_never_review() -> None:
    approval = fuxin()
    assert sorted(t.step for t in approval.open_tasks()) == ["investigation", "verification"]
    approval.decide(staff("clerk-1", "clerk"), "investigation", "approve", None, "", now=T0,
                    report={"summary": "ok"})
    assert [t.step for t in approval.open_tasks()] == ["verification"]  # the appraisal waits for both
    approval.decide(staff("clerk-2", "clerk"), "verification", "approve", None, "", now=T0)
    approval.decide(staff("clerk-1", "clerk"), "appraisal", "approve", None, "", now=T0)
    approval.decide(staff("clerk-1", "clerk"), "public_notice", "approve", None, "", now=T0,
                    report={"where": "公示栏"})
    with pytest.raises(Blocked):
        approval.decide(staff("rev-1", "reviewer"), "review", "approve", None, "", now=T0 + timedelta(days=6))
    with pytest.raises(DutyConflict):
        approval.decide(staff("clerk-1", "clerk", "reviewer"), "review", "approve", None, "",
                        now=T0 + timedelta(days=8))
    approval.decide(staff("rev-1", "reviewer"), "review", "approve", None, "", now=T0 + timedelta(days=8))
    approval.decide(staff("app-1", "approver"), "approve", "approve", Money.yuan("2000.00"), "",
                    now=T0 + timedelta(days=8))
    assert approval.status == "approved" and approval.latest("district_consent").status == "skipped"


@pytest.mark.parametrize("region, kind", [("fuxin-haizhou", "expenditure"), ("wenzhou-dongtou", "case_by_case"),
                                          ("chongqing-yubei", "advance_paperwork")])
def test_a_case_keeps_its_procedure_as_stored_whatever_the_pack_says_later(region: str, kind: str) -> None:
    import json

    from approval import store

    route = procedures.build(PACKS.get(region), kind, AS_OF)
    assert store._route(json.loads(json.dumps(store._route_json(route)))) == route


def test_a_return_reopens_the_named_step_and_everything_after_it_and_a_new_finding_counts() -> None:
    route = procedures.build(PACKS.get("anyang"), "expenditure", AS_OF)
    approval = Approval("c-2", "anyang", "anyang/nanguan", "expenditure", Money.yuan("3000.00"),
                        Payee("210902199001011234", "张三"), Person("clerk-1", "李经办"), route, T0)
    approval.start()
    clerk = Actor("clerk-1", "c", frozenset({"clerk"}), "anyang", "anyang/nanguan")
    reviewer = Actor("rev-1", "r", frozenset({"reviewer"}), "anyang", "anyang/nanguan")
    approval.decide(clerk, "verification", "approve", None, "", now=T0)
    approval.decide(clerk, "investigation", "approve", None, "", now=T0, report={"summary": "无争议"})
    assert approval.latest("appraisal").status == "skipped"  # ANY-NO-APPRAISAL
    approval.decide(clerk, "public_notice", "approve", None, "", now=T0, report={"where": "公示栏"})
    later = T0 + timedelta(days=8)
    approval.decide(reviewer, "review", "return", None, "邻居反映有争议", now=later, return_to="investigation")
    assert [t.step for t in approval.open_tasks()] == ["investigation"]
    approval.decide(clerk, "investigation", "approve", None, "", now=later, report={"summary": "有争议",
                                                                                      "contested": True})
    assert [t.step for t in approval.open_tasks()] == ["appraisal"]  # contested now: appraised after all
    rounds = sorted((t.step, t.round, t.status, t.current) for t in approval.tasks if t.step == "appraisal")
    assert rounds == [("appraisal", 1, "skipped", False), ("appraisal", 2, "open", True)]


def test_an_approved_advance_cannot_be_returned_before_its_approval() -> None:
    route = policy.route_for(PACKS.get("fuxin-haizhou"), "emergency", Money.yuan("3000.00"), AS_OF)
    approval = Approval("c-3", "fuxin-haizhou", TOWN, "emergency", Money.yuan("3000.00"),
                        Payee("210902199001011234", "张三"), Person("clerk-1", "李经办"), route, T0)
    approval.start()
    approval.decide(staff("app-1", "approver"), "approve", "approve", Money.yuan("1000.00"), "", now=T0)
    assert approval.open_after_approval("payment.paid", T0) and approval.open_after_approval("payment.paid", T0) == []
    approval.decide(staff("clerk-1", "clerk"), "paperwork", "approve", None, "", now=T0,
                    report={"amount": "1000.00", "signatures": [], "seal": True})
    from approval.domain import UnsupportedDecision
    with pytest.raises(UnsupportedDecision):
        approval.decide(Actor("d-1", "d", frozenset({"district"}), "fuxin-haizhou", None), "paperwork_review",
                        "return", None, "重做", now=T0, return_to="approve")
