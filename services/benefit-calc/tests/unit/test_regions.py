"""Golden cases per region, on the shipped packs: each declared rule at and around its boundaries,
and a region without a rule says it has none."""
from __future__ import annotations

from datetime import date

import pytest

from benefit_calc.policy import Care, Expense, Facts, Household, calculate
from relief_shared.money import Money
from relief_shared.regions import RegionPack, RegionPacks, RuleNotDeclared

PACKS = RegionPacks.load()
AS_OF = date(2026, 3, 16)


def yuan(value: str) -> Money:
    return Money.yuan(value)


def run(region: str, type_: str, *, status: str = "none", size: int = 1, income: str | None = None,
        severity: str | None = "severe", expenses: tuple[Expense, ...] = (), paid: tuple[str | None, str | None] = (None, None),
        care: Care | None = None, pack: RegionPack | None = None):  # noqa: ANN202 - a Calculation
    household = Household(status, size, yuan(income) if income else None)
    facts = Facts(type_, household, severity, expenses, *(yuan(p) if p else None for p in paid), care=care)
    return calculate(pack or PACKS.get(region), AS_OF, facts)


def medical(amount: str) -> tuple[Expense, ...]:
    return (Expense("medical_inpatient", yuan(amount), date(2026, 3, 1)),)


# --- Fuxin Haizhou: tiers, the seed 000 三(二) formulas, FX-LOWINC at 3·S (S = 760.00 sample) -------------

@pytest.mark.parametrize("income, rule, ceiling", [
    ("2280.00", "FX-MED-LOWINC", "9120.00"),  # exactly 3·S: low income, 6·S·n for a cost over 20,000
    ("2280.01", "FX-MED-OTHER", "0.00"),      # above 3·S: another household, whose threshold is 50,000
])
def test_fuxin_low_income_is_up_to_three_standards(income: str, rule: str, ceiling: str) -> None:
    result = run("fuxin-haizhou", "expenditure", size=2, income=income, expenses=medical("20000.01"))
    assert result.rules[0] == rule and result.ceiling == yuan(ceiling)
    assert result.needs_deliberation is (ceiling == "0.00")


def test_fuxin_dibao_expenditure_says_which_clause_wins() -> None:
    result = run("fuxin-haizhou", "expenditure", status="dibao", size=3, expenses=medical("23000.00"))
    assert result.rules == ["FX-EXP-DIBAO", "FX-MED-DIBAO"] and result.ceiling == yuan("4560.00")
    assert result.decision.startswith("FX-MED-DIBAO wins with 4560.00, the larger of FX-EXP-DIBAO 2280.00")
    assert result.parameters["dibao_standard"]["value"] == "760.00"
    assert result.pack_version == PACKS.get("fuxin-haizhou").pack_version


# --- Linfen: no tiers, case by case up to the street's limit, LF-CAP 5,000 / 10,000 a year --------------

@pytest.mark.parametrize("paid_person, paid_household, recommended, applied", [
    (None, None, "3000.00", False),
    ("2000.00", None, "3000.00", False),       # exactly what is left: the cap does not bite
    ("2000.01", None, "2999.99", True),
    ("4999.99", None, "0.01", True),           # 0.01 remaining
    ("5000.00", None, "0.00", True),
    ("0.00", "9999.99", "0.01", True),         # the household's cap
])
def test_linfen_caps(paid_person: str | None, paid_household: str | None, recommended: str, applied: bool) -> None:
    result = run("linfen", "emergency", paid=(paid_person, paid_household))
    assert (result.ceiling, result.recommended) == (yuan("3000.00"), yuan(recommended))
    assert any(cap.applied for cap in result.caps) is applied
    assert result.rules == ["FX-CASE", "LF-CAP"] and not result.needs_deliberation


def test_linfen_has_no_emergency_tiers_and_says_so() -> None:
    result = run("linfen", "emergency", severity="severe")
    assert "linfen has no emergency tiers" in result.trace[0].note
    assert "FX-EMG-TIER" not in result.rules and result.ceiling == yuan("3000.00")


# --- Anyang: ANY-DIBAO-PAY by the gap (S = 690.00 sample), temporary aid case by case --------------------

@pytest.mark.parametrize("income, size, amount", [
    ("500.00", 3, "570.00"), ("689.99", 3, "0.03"), ("690.00", 3, "0.00"), ("690.01", 2, "0.00"), ("0.00", 1, "690.00"),
])
def test_anyang_dibao_by_the_gap(income: str, size: int, amount: str) -> None:
    result = run("anyang", "dibao", size=size, income=income)
    assert result.rules == ["ANY-DIBAO-PAY"] and result.ceiling == yuan(amount)


def test_anyang_dibao_by_tier_when_the_pack_says_so() -> None:
    anyang = PACKS.get("anyang")
    raw_tiers = {"method": "tiers", "tiers": [{"income_up_to": "300.00", "per_person": "400.00"},
                                              {"income_up_to": "690.00", "per_person": "200.00"}]}
    tiers = _with(anyang, dibao_payment=raw_tiers)
    assert run("anyang", "dibao", size=2, income="300.00", pack=tiers).ceiling == yuan("800.00")
    assert run("anyang", "dibao", size=2, income="300.01", pack=tiers).ceiling == yuan("400.00")
    assert run("anyang", "dibao", size=2, income="690.01", pack=tiers).ceiling == yuan("0.00")


def test_anyang_temporary_aid_is_case_by_case_up_to_the_streets_limit() -> None:
    emergency = run("anyang", "emergency")
    assert emergency.rules == ["FX-CASE"] and emergency.ceiling == yuan("2000.00") and not emergency.caps


# --- Wenzhou Dongtou: DT-MARGINAL min(2·S, minimum wage), DT-CARE, FX-CASE -----------------------------

@pytest.mark.parametrize("wage, standard", [("2070.00", "2070.00"), ("2169.99", "2169.99"), ("2170.00", "2170.00"),
                                            ("2500.00", "2170.00")])
def test_dongtou_marginal_standard_is_twice_s_not_above_the_minimum_wage(wage: str, standard: str) -> None:
    result = run("wenzhou-dongtou", "marginal", pack=_with(PACKS.get("wenzhou-dongtou"), minimum_wage=wage))
    assert result.rules == ["DT-MARGINAL"] and result.ceiling == yuan(standard)
    assert ("minimum wage wins" in result.decision) is (yuan(wage) < yuan("2170.00"))


@pytest.mark.parametrize("ability, dispersed, fee", [
    ("fully_lost", False, "1656.00"), ("moderate", False, "828.00"), ("mild", False, "414.00"),
    ("self_caring", False, "207.00"), ("fully_lost", True, "828.00"), ("self_caring", True, "103.50"),
])
def test_dongtou_care_fee_by_self_care_ability(ability: str, dispersed: bool, fee: str) -> None:
    result = run("wenzhou-dongtou", "tekun_care", care=Care(ability, dispersed))
    assert result.ceiling == yuan(fee)
    pocket = [s for s in result.trace[1:]]
    assert [s.result for s in pocket] == ([] if dispersed else [yuan("141.05")])  # ≥ 10 % of 1410.50


def test_dongtou_emergency_advance_up_to_5000_and_expenditure_deliberated() -> None:
    emergency = run("wenzhou-dongtou", "emergency")
    assert (emergency.rules, emergency.ceiling, emergency.needs_deliberation) == (["FX-CASE"], yuan("5000.00"), False)
    expenditure = run("wenzhou-dongtou", "expenditure", expenses=medical("80000.00"))
    assert expenditure.rules == ["FX-CASE"] and expenditure.needs_deliberation
    assert expenditure.ceiling == Money.zero()


# --- Chongqing Yubei: class standards, registered poor at class B ----------------------------------------

@pytest.mark.parametrize("status, aid_class, ceiling", [
    ("registered_poor", "B", "2000.00"), ("dibao", "A", "3000.00"), ("low_income", "B", "2000.00"),
    ("none", "C", "1000.00"),
])
@pytest.mark.parametrize("type_", ["emergency", "expenditure"])
def test_chongqing_class_standards(type_: str, status: str, aid_class: str, ceiling: str) -> None:
    result = run("chongqing-yubei", type_, status=status, expenses=medical("9000.00"))
    assert result.rules == ["CQ-CLASS-B"] and result.ceiling == yuan(ceiling)
    assert result.trace[0].inputs["class"] == aid_class


def test_registered_poor_is_class_b_whatever_the_pack_maps() -> None:
    remapped = _with(PACKS.get("chongqing-yubei"), aid_class_of_status={"registered_poor": "C", "none": "C"})
    assert run("chongqing-yubei", "emergency", status="registered_poor", pack=remapped).ceiling == yuan("2000.00")


# --- A region without a rule has none ---------------------------------------------------------------------

@pytest.mark.parametrize("region, type_, rule", [
    ("fuxin-haizhou", "dibao", "ANY-DIBAO-PAY"), ("linfen", "marginal", "DT-MARGINAL"),
    ("anyang", "tekun_care", "DT-CARE"), ("chongqing-yubei", "dibao", "ANY-DIBAO-PAY"),
    ("wenzhou-dongtou", "dibao", "ANY-DIBAO-PAY"),
])
def test_a_region_without_the_rule_answers_that_it_has_none(region: str, type_: str, rule: str) -> None:
    with pytest.raises(RuleNotDeclared, match=f"region '{region}' does not declare {rule}"):
        run(region, type_, income="100.00", care=Care("mild"))


def _with(pack: RegionPack, **values: object) -> RegionPack:
    """The pack with some parameters given one more value, from 2026-01-01."""
    raw = {"code": pack.code, "name": pack.name, "pack_version": pack.pack_version + "+test", "rules": pack.rules,
           "parameters": {}}
    for name, history in pack._parameters.items():
        raw["parameters"][name] = {"unit": history[0].unit, "rule": history[0].rule, "values": [
            {"value": p.value, "valid_from": p.valid_from, "valid_to": p.valid_to, "source": p.source}
            for p in history if p.valid_to is None or p.valid_to < date(2026, 1, 1)]}
        for p in raw["parameters"][name]["values"]:
            if p["valid_to"] is None:
                del p["valid_to"]
    for name, value in values.items():
        spec = raw["parameters"].setdefault(name, {"unit": "test", "rule": "FX-CASE", "values": []})
        spec["values"].append({"value": value, "valid_from": date(2026, 1, 1), "source": "test"})
    return RegionPack.from_toml(raw)
