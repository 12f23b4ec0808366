"""The pure rules of the dibao, marginal and tekun applications, on the shipped region packs."""
from __future__ import annotations

from datetime import date

import pytest

from approval import application_policy as ap
from approval import procedures
from relief_shared.money import Money
from relief_shared.regions import RegionPacks

PACKS = RegionPacks.load()
DT, AY, FX = PACKS.get("wenzhou-dongtou"), PACKS.get("anyang"), PACKS.get("fuxin-haizhou")
DAY = date(2026, 3, 2)


def test_the_monthly_ceiling_by_programme() -> None:
    dibao = ap.monthly_ceiling(DT, "dibao", 3, Money.yuan("500.00"), DAY)
    assert (str(dibao.amount), dibao.rule) == ("1755.00", "ANY-DIBAO-PAY")  # (1085 − 500) × 3
    assert str(ap.monthly_ceiling(DT, "dibao", 2, Money.yuan("1200.00"), DAY).amount) == "0.00"  # above S: nothing
    assert str(ap.monthly_ceiling(DT, "dibao", 2, None, DAY).amount) == "2170.00"
    assert str(ap.monthly_ceiling(DT, "tekun", 1, None, DAY).amount) == "1410.50"
    marginal = ap.monthly_ceiling(DT, "marginal", 4, Money.yuan("1500.00"), DAY)
    assert marginal.status_only and marginal.amount == Money(0)


def test_a_region_without_the_procedure_or_the_standard_is_a_clear_error() -> None:
    with pytest.raises(ap.NoApplicationProcedure, match="procedure_dibao"):
        ap.procedure_kind(FX, "dibao", DAY)
    with pytest.raises(LookupError, match="tekun_standard"):
        ap.monthly_ceiling(AY, "tekun", 1, None, DAY)


def test_the_application_procedures_build_and_keep_dt_20d_and_dt_care() -> None:
    for kind in ("dibao", "marginal", "tekun"):
        route = procedures.build(DT, ap.procedure_kind(DT, kind, DAY), DAY)
        assert route.procedure == f"wenzhou-dongtou/{kind}/2021.1" and "DT-20D" in route.steps[0].time_limits
    tekun = procedures.build(DT, "tekun", DAY)
    assert tekun.step("investigation").report_requires == ("self_care", "dispersed")
    assert procedures.build(AY, "dibao", DAY).step("appraisal").skip_unless == "contested"


def test_any_recheck_yearly_or_half_yearly() -> None:
    [stable] = ap.rechecks_after_approval(AY, applies_for="dibao", procedure="anyang/dibao/2021.1", findings={},
                                          approved_on=DAY)
    assert (stable.rule, stable.due_on, stable.visible_from, stable.role) == (
        "ANY-RECHECK", date(2027, 3, 2), date(2027, 1, 31), "clerk")
    [unstable] = ap.rechecks_after_approval(AY, applies_for="dibao", procedure="", findings={"income_unstable": True},
                                            approved_on=DAY)
    assert unstable.due_on == date(2026, 9, 2)
    [tekun] = ap.rechecks_after_approval(AY, applies_for="tekun", procedure="", findings={"income_unstable": True},
                                         approved_on=DAY)
    assert tekun.due_on == date(2027, 3, 2)  # tekun: once a year whatever the income
    [following] = ap.next_recheck(AY, applies_for="dibao", findings={}, rule="ANY-RECHECK", done_on=date(2027, 3, 1),
                                  round_=1)
    assert (following.round, following.due_on) == (2, date(2028, 3, 1))
    assert ap.rechecks_after_approval(DT, applies_for="dibao", procedure="wenzhou-dongtou/dibao/2021.1",
                                      findings={}, approved_on=DAY) == []  # Dongtou declares no ANY-RECHECK


def test_dt_case_recheck_revisits_case_by_case_recipients_twice_a_year() -> None:
    visits = ap.rechecks_after_approval(DT, applies_for="expenditure", procedure="wenzhou-dongtou/case_by_case/2021.1",
                                        findings={}, approved_on=DAY)
    assert [(v.rule, v.round, v.due_on, v.role) for v in visits] == [
        ("DT-CASE-RECHECK", 1, date(2026, 9, 2), "clerk"), ("DT-CASE-RECHECK", 2, date(2027, 3, 2), "clerk"),
        ("DT-CASE-RECHECK", 3, date(2026, 6, 2), "district")]  # the district re-checks every one
    assert ap.next_recheck(DT, applies_for="expenditure", findings={}, rule="DT-CASE-RECHECK", done_on=DAY,
                           round_=1) == []
    assert ap.rechecks_after_approval(DT, applies_for="expenditure", procedure="wenzhou-dongtou/expenditure/2021.1",
                                      findings={}, approved_on=DAY) == []


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)), (date(2026, 3, 2), 12, date(2027, 3, 2)),
    (date(2026, 10, 31), 1, date(2026, 11, 30))])
def test_add_months(day: date, months: int, expected: date) -> None:
    assert ap.add_months(day, months) == expected


def test_previous_status() -> None:
    assert [ap.previous_status(s) for s in ("dibao", "low_income", "registered_poor", "none")] == [
        "dibao", "none", "none", "none"]
