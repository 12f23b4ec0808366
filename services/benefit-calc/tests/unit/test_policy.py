from datetime import date

import pytest

from benefit_calc.policy import Expense, Facts, Household, MissingInput, calculate, dibao_expenditure, \
    dibao_inpatient, emergency_tier, is_low_income, low_income_medical, other_medical, yearly_caps
from relief_shared.money import Money
from relief_shared.regions import MissingParameter, RegionPack, RegionPacks

FUXIN = RegionPacks.load().get("fuxin-haizhou")
AS_OF = date(2025, 3, 15)


def yuan(value: str) -> Money:
    return Money.yuan(value)


SEED_000_RULES = ("FX-EMG-TIER", "FX-EXP-DIBAO", "FX-MED-DIBAO", "FX-MED-LOWINC", "FX-MED-OTHER", "FX-LOWINC", "FX-CASE")


def pack(**parameters: object) -> RegionPack:
    """A test pack with seed 000's rules (and LF-CAP when it has caps): every parameter valid
    from 2020-01-01, S = 600.00 unless given."""
    values = {"dibao_standard": "600.00", **parameters}
    raw = {name: {"unit": "test", "rule": "FX-CASE",
                  "values": [{"value": v, "valid_from": date(2020, 1, 1), "source": f"test {name}"}]}
           for name, v in values.items()}
    rules = SEED_000_RULES + (("LF-CAP",) if "assistance_caps" in parameters else ())
    return RegionPack.from_toml({"code": "test", "name": "test", "pack_version": "t",
                                 "rules": {rule: f"test {rule}" for rule in rules}, "parameters": raw})


def expense(category: str, amount: str, incurred_to: date | None = None) -> Expense:
    return Expense(category, yuan(amount), incurred_to)


@pytest.mark.parametrize("severity, ceiling", [("light", "500.00"), ("moderate", "1500.00"),
                                               ("serious", "3000.00"), ("severe", "5000.00")])
def test_emergency_ceiling_by_severity(severity: str, ceiling: str) -> None:
    step = emergency_tier(FUXIN, AS_OF, severity)
    assert step.result == yuan(ceiling)
    assert (step.rule, step.source) == ("FX-EMG-TIER", "seed 000 三(一)")
    assert step.as_dict()["result"] == ceiling


def test_emergency_recommends_the_ceiling() -> None:
    result = calculate(FUXIN, AS_OF, Facts("emergency", Household("none", 1), severity="serious"))
    assert (result.ceiling, result.recommended) == (yuan("3000.00"), yuan("3000.00"))
    assert result.rules == ["FX-EMG-TIER"] and result.caps == () and not result.needs_deliberation


def test_emergency_tiers_are_not_in_force_before_the_document() -> None:
    with pytest.raises(MissingParameter, match="emergency_tier_ceilings"):
        emergency_tier(FUXIN, date(2019, 1, 1), "severe")


def test_emergency_without_severity_names_the_field() -> None:
    with pytest.raises(MissingInput) as caught:
        calculate(FUXIN, AS_OF, Facts("emergency", Household("none", 1)))
    assert caught.value.field == "situation.severity"


@pytest.mark.parametrize("members, spent, ceiling", [
    (3, "5400.00", "0.00"),      # not above 3·S·n = 5400
    (3, "5400.01", "900.00"),    # above 3 months: 0.5·S·n
    (3, "10800.01", "1800.00"),  # above 6 months: 1.0·S·n
    (1, "1800.01", "600.00"),    # single person, above 3 months: 1.0·S
    (1, "3600.01", "900.00"),    # single person, above 6 months: 1.5·S
])
def test_dibao_expenditure_bands(members: int, spent: str, ceiling: str) -> None:
    step = dibao_expenditure(pack(), AS_OF, Household("dibao", members), (expense("education", spent),))
    assert step.result == yuan(ceiling) and step.rule == "FX-EXP-DIBAO"


def test_dibao_expenditure_threshold_per_person_when_the_region_says_so() -> None:
    step = dibao_expenditure(pack(exp_dibao_threshold_basis="person"), AS_OF, Household("dibao", 3),
                             (expense("housing", "1800.01"),))
    assert step.result == yuan("900.00")


def test_dibao_expenditure_counts_only_the_last_three_months() -> None:
    old, recent = expense("housing", "9000.00", date(2024, 12, 14)), expense("housing", "2000.00", date(2025, 1, 15))
    step = dibao_expenditure(pack(), AS_OF, Household("dibao", 1), (old, recent))
    assert step.inputs["expenditure_3_months"] == "2000.00" and step.result == yuan("600.00")


@pytest.mark.parametrize("stay, months", [("2000.00", 0), ("2000.01", 3), ("2999.99", 3), ("3000.00", 4),
                                          ("4999.99", 5), ("5000.00", 6), ("90000.00", 6)])
def test_dibao_inpatient_months(stay: str, months: int) -> None:
    step = dibao_inpatient(pack(), AS_OF, (expense("medical_inpatient", stay), expense("medical_inpatient", "100.00")))
    assert step.inputs["months"] == months and step.result == yuan("600.00").times(months)


@pytest.mark.parametrize("outpatient, ceiling", [("5000.00", "0.00"), ("5000.01", "7200.00")])
def test_low_income_medical_counts_inpatient_and_outpatient(outpatient: str, ceiling: str) -> None:
    expenses = (expense("medical_inpatient", "15000.00"), expense("medical_outpatient", outpatient),
                expense("education", "9000.00"))
    assert low_income_medical(pack(), AS_OF, Household("low_income", 2), expenses).result == yuan(ceiling)


@pytest.mark.parametrize("cost, ceiling", [("50000.00", "0.00"), ("50000.01", "10800.00")])
def test_other_medical(cost: str, ceiling: str) -> None:
    step = other_medical(pack(), AS_OF, Household("none", 3), (expense("medical_inpatient", cost),))
    assert step.result == yuan(ceiling) and step.rule == "FX-MED-OTHER"


def test_low_income_is_income_up_to_three_standards() -> None:
    assert is_low_income(pack(), AS_OF, Household("none", 2, yuan("1800.00")))
    assert not is_low_income(pack(), AS_OF, Household("low_income", 2, yuan("1800.01")))
    assert is_low_income(pack(), AS_OF, Household("low_income", 2))


def test_expenditure_takes_the_larger_clause_for_dibao() -> None:
    facts = Facts("expenditure", Household("dibao", 3), expenses=(expense("medical_inpatient", "23000.00"),))
    result = calculate(FUXIN, AS_OF, facts)
    assert result.rules == ["FX-EXP-DIBAO", "FX-MED-DIBAO"]
    assert result.ceiling == yuan("4560.00") and result.recommended == yuan("4560.00")
    assert all("SAMPLE" in step.note for step in result.trace)


def test_expenditure_without_a_formula_needs_deliberation() -> None:
    facts = Facts("expenditure", Household("none", 2), expenses=(expense("education", "3000.00"),))
    result = calculate(pack(), AS_OF, facts)
    assert result.needs_deliberation and result.ceiling == Money.zero()
    assert result.rules == ["FX-MED-OTHER", "FX-CASE"]


def test_expenditure_needs_the_household_members() -> None:
    with pytest.raises(MissingInput) as caught:
        calculate(pack(), AS_OF, Facts("expenditure", Household("dibao", 0)))
    assert caught.value.field == "household.members"


def test_expenditure_needs_the_dibao_standard_in_force() -> None:
    facts = Facts("expenditure", Household("dibao", 1), expenses=(expense("education", "9000.00"),))
    with pytest.raises(MissingParameter, match="dibao_standard"):
        calculate(FUXIN, date(2019, 12, 31), facts)


def test_no_caps_in_a_region_without_them() -> None:
    assert yearly_caps(FUXIN, AS_OF, yuan("5000.00"), None, None) == ((), None)


def test_caps_reduce_the_recommendation_to_what_the_year_allows() -> None:
    caps_pack = pack(assistance_caps={"person": "5000.00", "household": "10000.00"},
                     emergency_tier_ceilings={"severe": "5000.00"})
    facts = Facts("emergency", Household("none", 1), severity="severe", paid_person=yuan("1200.50"),
                  paid_household=yuan("2000.00"))
    result = calculate(caps_pack, AS_OF, facts)
    assert result.ceiling == yuan("5000.00") and result.recommended == yuan("3799.50")
    assert [c.as_dict() for c in result.caps] == [
        {"rule": "LF-CAP", "scope": "person", "limit": "5000.00", "remaining": "3799.50", "applied": True},
        {"rule": "LF-CAP", "scope": "household", "limit": "10000.00", "remaining": "8000.00", "applied": False},
    ]
    assert result.rules == ["FX-EMG-TIER", "LF-CAP"]
    caps, _ = yearly_caps(caps_pack, AS_OF, yuan("100.00"), yuan("6000.00"), None)
    assert caps[0].remaining == Money.zero() and caps[0].applied


def test_no_float_reaches_a_trace() -> None:
    facts = Facts("expenditure", Household("low_income", 2), expenses=(expense("medical_outpatient", "25000.00"),))
    body = calculate(FUXIN, AS_OF, facts).as_dict()

    def walk(value: object) -> None:
        assert not isinstance(value, float)
        for child in value.values() if isinstance(value, dict) else value if isinstance(value, list) else []:
            walk(child)

    walk(body)
    assert body["ceiling"] == "9120.00"
