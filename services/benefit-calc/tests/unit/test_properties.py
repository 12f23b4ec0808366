"""Properties of every calculation in every region (hypothesis, bounded and deterministic)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from benefit_calc.columns import Households, calculate_all
from benefit_calc.policy import Calculation, Care, Expense, Facts, Household, MissingInput, calculate
from relief_shared.money import Money
from relief_shared.regions import RegionPacks, RuleNotDeclared

PACKS = RegionPacks.load()
AS_OF = date(2026, 3, 16)
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

fen = st.integers(min_value=0, max_value=20_000_000)
money = fen.map(Money)
expenses = st.lists(st.builds(Expense, st.sampled_from(["medical_inpatient", "medical_outpatient", "education",
                                                         "housing", "other"]), money,
                              st.just(date(2026, 3, 1))), max_size=4).map(tuple)
facts = st.builds(
    Facts,
    type=st.sampled_from(["emergency", "expenditure", "dibao", "marginal", "tekun_care"]),
    household=st.builds(Household, st.sampled_from(["dibao", "tekun", "marginal", "low_income", "registered_poor",
                                                     "none"]), st.integers(1, 8),
                        st.one_of(st.none(), st.integers(0, 1_000_000).map(Money))),
    severity=st.sampled_from(["light", "moderate", "serious", "severe"]),
    expenses=expenses,
    paid_person=st.one_of(st.none(), st.integers(0, 1_200_000).map(Money)),
    paid_household=st.one_of(st.none(), st.integers(0, 2_400_000).map(Money)),
    care=st.builds(Care, st.sampled_from(["fully_lost", "moderate", "mild", "self_caring"]), st.booleans()),
)
regions = st.sampled_from(PACKS.codes())


def calculated(region: str, case: Facts) -> Calculation:
    try:
        return calculate(PACKS.get(region), AS_OF, case)
    except (RuleNotDeclared, MissingInput):
        assume(False)
        raise


@SETTINGS
@given(regions, facts)
def test_never_negative_never_above_the_ceiling_or_the_year_s_cap(region: str, case: Facts) -> None:
    result = calculated(region, case)
    assert Money.zero() <= result.recommended <= result.ceiling
    for cap in result.caps:
        assert result.recommended <= cap.remaining <= cap.limit


@SETTINGS
@given(regions, facts)
def test_only_the_region_s_own_rules_and_values(region: str, case: Facts) -> None:
    pack = PACKS.get(region)
    result = calculated(region, case)
    assert set(result.rules) <= set(pack.rules)
    for step in result.trace:
        for used in step.used:  # the very value objects of this region's pack, none from another
            assert any(used is value for value in pack._parameters[used.name])
    assert result.pack_version == pack.pack_version


@SETTINGS
@given(regions, facts, st.integers(0, 10_000_000))
def test_monotone_in_the_cost(region: str, case: Facts, more: int) -> None:
    case = replace(case, type="expenditure", expenses=case.expenses or (Expense("medical_inpatient", Money(0)),))
    first, *rest = case.expenses
    costlier = replace(case, expenses=(replace(first, amount=first.amount + Money(more)), *rest))
    assert calculated(region, costlier).ceiling >= calculated(region, case).ceiling


@SETTINGS
@given(regions, facts)
def test_no_float_anywhere_in_a_result(region: str, case: Facts) -> None:
    def walk(value: Any) -> None:
        assert not isinstance(value, float), value
        for child in value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else ():
            walk(child)

    walk(calculated(region, case).as_dict())


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(regions, st.lists(facts, min_size=1, max_size=30))
def test_the_columns_equal_the_single_calculation(region: str, cases: list[Facts]) -> None:
    pack = PACKS.get(region)
    results = calculate_all(pack, AS_OF, Households.of(cases))
    for i, case in enumerate(cases):
        ceiling, recommended, outcome = results.row(i)
        try:
            single = calculate(pack, AS_OF, case)
        except (RuleNotDeclared, MissingInput) as exc:
            assert outcome.error == str(exc)
            continue
        assert (ceiling, recommended, outcome.rules, outcome.needs_deliberation, outcome.decision) == \
            (single.ceiling, single.recommended, tuple(single.rules), single.needs_deliberation, single.decision)
