"""The payment rules, pure: staged plans, yearly caps, witnesses, the payroll's calendar."""
from __future__ import annotations

from datetime import date

import pytest

from disbursement import policy
from disbursement.policy import Caps, PlanInvalid
from relief_shared.money import Money
from relief_shared.regions import RegionPacks

Y = Money.yuan
LINFEN = Caps(Y("5000.00"), Y("10000.00"), "reduce", "seed 002 二(八)1")


def test_a_plan_is_one_instalment_or_the_staged_plan_adding_up() -> None:
    assert policy.plan(Y("900.00"), None) == [(Y("900.00"), None)]
    staged = [(Y("400.00"), date(2026, 5, 1)), (Y("300.00"), date(2026, 3, 1)), (Y("200.00"), date(2026, 4, 1))]
    assert [d for _, d in policy.plan(Y("900.00"), staged)] == [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)]
    with pytest.raises(PlanInvalid):
        policy.plan(Y("1000.00"), staged)
    with pytest.raises(PlanInvalid):
        policy.plan(Y("0.00"), [(Y("0.00"), date(2026, 3, 1))])


def test_the_cap_pays_what_is_left_or_refuses() -> None:
    assert policy.cap_decision(Y("3000.00"), LINFEN, Y("0.00"), None).pay == Y("3000.00")
    reduced = policy.cap_decision(Y("3000.00"), LINFEN, Y("3000.00"), None)
    assert reduced.pay == Y("2000.00") and "LF-CAP" in (reduced.reason or "")
    assert policy.cap_decision(Y("1.00"), LINFEN, Y("5000.00"), None).pay == Money.zero()
    household = policy.cap_decision(Y("3000.00"), LINFEN, Y("0.00"), Y("9000.00"))
    assert household.pay == Y("1000.00") and "household" in (household.reason or "")
    refusing = Caps(LINFEN.person, LINFEN.household, "refuse", LINFEN.source)
    assert policy.cap_decision(Y("3000.00"), refusing, Y("3000.00"), None).pay == Money.zero()


def test_cash_needs_a_signature_or_two_different_witnesses() -> None:
    a, b = ("甲", "210902199001011234"), ("乙", "210902199001015678")
    assert policy.witness_errors(True, []) == []
    assert policy.witness_errors(False, [a, b]) == []
    for few in ([], [a], [a, a]):
        [error] = policy.witness_errors(False, few)
        assert error["field"] == "witnesses"
    assert policy.mask("210902199001011234") == "2109**********1234"


def test_the_payroll_is_due_before_the_tenth_in_dongtou_and_by_the_months_end_elsewhere() -> None:
    packs = RegionPacks.load()
    dongtou = policy.payroll_schedule(packs.get("wenzhou-dongtou"), "2026-03")
    assert (dongtou.due, dongtou.rule) == (date(2026, 3, 9), "DT-PAY-10TH")
    anyang = policy.payroll_schedule(packs.get("anyang"), "2026-02")
    assert (anyang.due, anyang.rule) == (date(2026, 2, 28), "ANY-DIBAO-PAY")


def test_who_is_on_the_payroll() -> None:
    month = "2026-03"
    assert policy.on_payroll("dibao", None, date(2026, 1, 1), None, month)
    assert policy.on_payroll("tekun", True, date(2026, 3, 31), None, month)
    assert not policy.on_payroll("tekun", False, date(2026, 1, 1), None, month)  # in an institution
    assert not policy.on_payroll("marginal", None, date(2026, 1, 1), None, month)
    assert not policy.on_payroll("dibao", None, date(2026, 4, 1), None, month)
    assert not policy.on_payroll("dibao", None, date(2026, 1, 1), date(2026, 2, 20), month)


def test_no_clawback_after_a_dibao_or_tekun_recipients_death() -> None:
    assert policy.no_clawback("dibao", date(2026, 2, 1))
    assert policy.no_clawback("tekun", date(2026, 2, 1))
    assert not policy.no_clawback(None, date(2026, 2, 1))
    assert not policy.no_clawback("dibao", None)


def test_advance_aid_in_dongtou_has_its_24_hours_and_other_aid_its_3_working_days() -> None:
    dongtou = RegionPacks.load().get("wenzhou-dongtou")
    assert [lim.id for lim in policy.payment_limits(dongtou, date(2026, 3, 6), advance=True)] == ["DT-ADV-PAY"]
    assert [lim.id for lim in policy.payment_limits(dongtou, date(2026, 3, 6))] == ["DT-PAY-3WD"]
    rule = policy.reserve_rule(dongtou, date(2026, 3, 6))
    assert rule is not None and rule.floor == Y("10000.00") and rule.draws_advance
