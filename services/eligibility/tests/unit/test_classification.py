from dataclasses import replace
from datetime import date

import pytest

from eligibility.citizen_id import problem_with
from eligibility.policy import Member, Request, classify
from relief_shared.money import Money
from relief_shared.regions import RegionPack, RegionPacks

from ..requests import citizen_id

PACKS = RegionPacks.load()
FUXIN = PACKS.get("fuxin-haizhou")
TODAY = date(2026, 3, 16)


def request(kinds: tuple[str, ...] = ("fire",), **changes: object) -> Request:
    return Request(event_kinds=kinds, **changes)


def test_fire_is_an_emergency() -> None:
    c = classify(FUXIN, request(), TODAY)
    assert (c.type, c.rules) == ("emergency", ("CLS-EMG",))


def test_emergency_for_someone_not_registered_here_cites_fx_emg_all() -> None:
    assert classify(FUXIN, request(("traffic_accident",), registered_in_region=False), TODAY).rules == \
        ("CLS-EMG", "FX-EMG-ALL")


@pytest.mark.parametrize("region", ["fuxin-haizhou", "chongqing-yubei", "linfen", "anyang", "wenzhou-dongtou"])
def test_emergency_aid_has_no_registration_limit_anywhere(region: str) -> None:
    c = classify(PACKS.get(region), request(registered_in_region=False), TODAY)
    assert c.type == "emergency" and "FX-EMG-ALL" in c.rules
    assert PACKS.get(region).rules["FX-EMG-ALL"] in c.reasons[-1]  # the region's own clause


def test_chronic_illness_costs_are_expenditure() -> None:
    c = classify(FUXIN, request(("chronic_illness",), status="dibao", expense_categories=("medical_inpatient",)), TODAY)
    assert c.type == "expenditure"


def test_vagrancy_is_routed_to_the_rescue_station() -> None:
    c = classify(FUXIN, request(("vagrancy",), registered_in_region=False), TODAY)
    assert (c.type, c.route_out_to) == ("referral_only", ("rescue_station",))


@pytest.mark.parametrize("region, permit, type_", [
    ("anyang", True, "expenditure"), ("anyang", False, "referral_only"), ("linfen", True, "referral_only"),
])
def test_residence_permit_holders_apply_where_they_live_in_anyang(region: str, permit: bool, type_: str) -> None:
    c = classify(PACKS.get(region), request(("schooling",), registered_in_region=False, residence_permit=permit), TODAY)
    assert c.type == type_ and ("ANY-RESIDENCE" in c.rules) is (type_ == "expenditure")


@pytest.mark.parametrize("status, type_", [("dibao", "expenditure"), ("tekun", "expenditure"),
                                           ("registered_poor", "expenditure"), ("low_income", "expenditure"),
                                           ("marginal", "referral_only"), ("none", "referral_only")])
def test_chongqing_expenditure_aid_only_for_four_kinds_of_household(status: str, type_: str) -> None:
    c = classify(PACKS.get("chongqing-yubei"), request(("schooling",), status=status), TODAY)
    assert c.type == type_ and ("CQ-EXP-SCOPE" in c.rules) is (type_ == "referral_only")


def test_elsewhere_expenditure_aid_has_no_such_scope() -> None:
    assert classify(PACKS.get("linfen"), request(("schooling",), status="none"), TODAY).type == "expenditure"


def test_chongqing_registered_poor_are_class_b() -> None:
    c = classify(PACKS.get("chongqing-yubei"), request(status="registered_poor"), TODAY)
    assert c.aid_class == "B" and "CQ-CLASS-B" in c.rules
    assert classify(FUXIN, request(status="registered_poor"), TODAY).aid_class is None


@pytest.mark.parametrize("income, category", [("2280.00", "low_income"), ("2280.01", "none")])
def test_fuxin_low_income_up_to_three_standards(income: str, category: str) -> None:
    c = classify(FUXIN, request(income_per_capita=Money.yuan(income)), TODAY)
    assert c.household_category == category and ("FX-LOWINC" in c.rules) is (category == "low_income")
    assert classify(PACKS.get("linfen"), request(income_per_capita=Money.yuan(income)), TODAY).household_category \
        == "none"  # Linfen does not declare FX-LOWINC


def _dongtou(wage: str) -> RegionPack:
    pack = PACKS.get("wenzhou-dongtou")
    raw = {"code": pack.code, "name": pack.name, "pack_version": "t", "rules": pack.rules, "parameters": {
        name: {"unit": h[0].unit, "rule": h[0].rule, "values": [{"value": p.value, "valid_from": p.valid_from,
                                                                 "source": p.source} for p in h]}
        for name, h in pack._parameters.items()}}
    raw["parameters"]["minimum_wage"]["values"] = [{"value": wage, "valid_from": date(2021, 1, 1), "source": "t"}]
    return RegionPack.from_toml(raw)


@pytest.mark.parametrize("wage, income, marginal", [
    ("2070.00", "2170.00", False),   # exactly 2·S, but the minimum wage below 2·S is the line
    ("2070.00", "2170.01", False),
    ("2070.00", "2070.00", True),
    ("2070.00", "2070.01", False),
    ("2500.00", "2170.00", True),    # a minimum wage above 2·S: 2·S is the line
    ("2500.00", "2170.01", False),
    ("2500.00", "1085.00", False),   # at S: dibao level, not marginal
    ("2500.00", "1085.01", True),
])
def test_dongtou_marginal_category(wage: str, income: str, marginal: bool) -> None:
    c = classify(_dongtou(wage), request(income_per_capita=Money.yuan(income)), TODAY)
    assert (c.household_category == "marginal") is marginal and ("DT-MARGINAL" in c.rules) is marginal


def test_the_shipped_dongtou_minimum_wage_is_below_twice_the_standard() -> None:
    c = classify(PACKS.get("wenzhou-dongtou"), request(income_per_capita=Money.yuan("2070.00")), TODAY)
    assert c.household_category == "marginal" and "the minimum wage 2070.00 is below 2·S 2170.00" in c.reasons[-1]


def born(years: int, days: int = 0) -> date:
    return date(TODAY.year - years, TODAY.month, TODAY.day) if not days else \
        date(TODAY.year - years, TODAY.month, TODAY.day + days)


@pytest.mark.parametrize("region, years, within", [
    ("linfen", 15, True), ("linfen", 16, False), ("linfen", 17, False),
    ("anyang", 16, True), ("anyang", 17, True), ("anyang", 18, False),
])
def test_tekun_minor_age_by_region(region: str, years: int, within: bool) -> None:
    child = Member(born(years), "self", able_to_work=False)
    c = classify(PACKS.get(region), request(applies_for="tekun", members=(child,)), TODAY)
    rule = "LF-TK-DEF" if region == "linfen" else "ANY-TK-AGE"
    [flag] = c.flags
    assert rule in c.rules and ("within the definition" in flag) is within and f"aged {years}" in flag


def test_tekun_age_counts_the_birthday_itself() -> None:
    turns_16_tomorrow = Member(born(16, days=1), "self", able_to_work=False)
    [flag] = classify(PACKS.get("linfen"), request(applies_for="tekun", members=(turns_16_tomorrow,)), TODAY).flags
    assert "aged 15" in flag and "within the definition" in flag


def test_a_region_without_a_tekun_definition_leaves_it_to_the_approver() -> None:
    c = classify(FUXIN, request(applies_for="tekun", members=(Member(born(10), able_to_work=False),)), TODAY)
    assert c.flags == ("tekun: the region's pack declares no tekun definition; the approver judges",)


def test_anyang_single_person_dibao_for_a_marginal_households_disabled_member() -> None:
    members = (Member(born(40)), Member(born(12), "child", disabled=True))
    c = classify(PACKS.get("anyang"), request(status="marginal", members=members), TODAY)
    assert "ANY-SINGLE" in c.rules and c.flags[0].startswith("member 1 (severely disabled)")
    assert "ANY-SINGLE" not in classify(PACKS.get("linfen"), request(status="marginal", members=members), TODAY).rules


@pytest.mark.parametrize("income, costs, exit_window", [
    ("690.00", None, False), ("690.01", None, True), ("1035.00", None, True), ("1035.01", None, False),
    ("1200.00", "200.00", True),  # 1000.00 after employment costs
])
def test_anyang_gradual_exit_between_one_and_one_and_a_half_standards(income: str, costs: str | None,
                                                                     exit_window: bool) -> None:
    base = request(status="dibao", employed=True, income_per_capita=Money.yuan(income),
                   employment_costs_per_capita=Money.yuan(costs) if costs else None)
    assert ("ANY-EXIT" in classify(PACKS.get("anyang"), base, TODAY).rules) is exit_window
    assert "ANY-EXIT" not in classify(PACKS.get("anyang"), replace(base, employed=False), TODAY).rules


def test_citizen_id_check_character() -> None:
    assert problem_with(citizen_id()) is None
    good = citizen_id()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert "check character" in problem_with(wrong)
    assert "18 characters" in problem_with("12345")
