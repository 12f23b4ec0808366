"""REF-DETECT and CLS-ROUTE-OUT as pure rules: each referral with the rule and clause that made it."""
from __future__ import annotations

from datetime import date

import pytest
from eligibility.referrals import Facts, Member, UnknownDepartment, detect
from relief_shared.regions import RegionPacks

PACKS = RegionPacks.load()
DONGTOU, FUXIN = PACKS.get("wenzhou-dongtou"), PACKS.get("fuxin-haizhou")
TODAY = date(2026, 3, 2)
ADULT = Member(date(1980, 1, 1))


def departments(facts: Facts, pack=DONGTOU) -> list[str]:  # noqa: ANN001
    return [r.department for r in detect(pack, facts, TODAY)]


def test_a_vagrant_goes_to_the_rescue_station_alone() -> None:
    [referral] = detect(DONGTOU, Facts(event_kinds=("vagrancy",), members=(ADULT,)), TODAY)
    assert referral.department == "rescue_station"
    assert referral.rules == ["CLS-ROUTE-OUT"]
    assert referral.reasons[0].clause == DONGTOU.rules["CLS-ROUTE-OUT"]


def test_stated_needs_each_go_to_their_department_with_rule_and_clause() -> None:
    found = detect(DONGTOU, Facts(needs=("education", "housing"), event_kinds=("fire",), members=(ADULT,)), TODAY)
    assert [r.department for r in found] == ["education", "housing"]
    for referral in found:
        assert referral.rules == ["REF-DETECT"]
        assert referral.reasons[0].clause == DONGTOU.rules["REF-DETECT"]
        assert "stated need" in referral.reasons[0].reason


@pytest.mark.parametrize(("facts", "expected"), [
    (Facts(expense_categories=("education",)), ["education"]),
    (Facts(event_kinds=("schooling",)), ["education"]),
    (Facts(event_kinds=("job_loss",)), ["hrss"]),
    (Facts(status="dibao", members=(ADULT,)), ["hrss"]),
    (Facts(status="dibao", members=(ADULT,), employed=True), []),
    (Facts(status="none", members=(ADULT,)), []),  # an able adult alone is no employment referral
    (Facts(expense_categories=("housing",)), ["housing"]),
    (Facts(event_kinds=("disaster",)), ["housing", "emergency"]),
    (Facts(expense_categories=("medical_inpatient",)), ["health", "medical_insurance"]),
    (Facts(members=(Member(date(1980, 1, 1), disabled=True),)), ["disability"]),
    (Facts(needs=("power",)), ["power"]),
    (Facts(needs=("charity",)), ["charity"]),
    (Facts(needs=("legal", "funeral")), []),  # no partner department of the contract: the window keeps them
])
def test_triggers(facts: Facts, expected: list[str]) -> None:
    assert sorted(departments(facts)) == sorted(expected)


def test_one_referral_per_department_with_every_reason() -> None:
    [referral] = detect(DONGTOU, Facts(needs=("education",), expense_categories=("education",),
                                       event_kinds=("schooling",)), TODAY)
    assert referral.department == "education" and referral.needs == ["education"]
    assert "stated need, education costs, schooling event" in referral.reasons[0].reason


def test_a_region_without_ref_detect_only_routes_out() -> None:
    assert not FUXIN.has_rule("REF-DETECT")
    assert departments(Facts(needs=("education", "housing"), event_kinds=("fire",)), FUXIN) == []
    assert departments(Facts(event_kinds=("vagrancy",)), FUXIN) == ["rescue_station"]


def test_a_department_the_pack_does_not_list_is_an_error() -> None:
    import dataclasses

    from relief_shared.regions import ParameterValue

    values = {k: v for k, v in DONGTOU.parameter("referral_departments", TODAY).value.items() if k != "education"}
    stripped = ParameterValue("referral_departments", values, "", date(2020, 1, 1), None, "REF-DETECT", "test", True)
    pack = dataclasses.replace(DONGTOU, _parameters={**DONGTOU._parameters, "referral_departments": [stripped]})
    with pytest.raises(UnknownDepartment):
        detect(pack, Facts(needs=("education",)), TODAY)


def test_a_registered_poor_household_is_told_it_may_apply_for_dibao_or_tekun() -> None:
    from eligibility.referrals import suggest_applications

    chongqing = PACKS.get("chongqing-yubei")
    found = suggest_applications(chongqing, Facts(status="registered_poor"))
    assert [s["applies_for"] for s in found] == ["dibao", "tekun"]
    assert found[0]["clause"] == chongqing.rules["REF-DETECT"]
    assert suggest_applications(chongqing, Facts(status="registered_poor", applies_for="dibao")) == []
    assert suggest_applications(chongqing, Facts(status="none")) == []
    assert suggest_applications(FUXIN, Facts(status="registered_poor")) == []  # no REF-DETECT there
