import pytest

from means_check.policy import scope_for
from relief_shared.regions import RegionPacks

PACKS = RegionPacks.load()
FUXIN = PACKS.get("fuxin-haizhou")


def test_emergency_skips_the_means_check() -> None:
    assert scope_for(FUXIN, "emergency", "none").rules == ("ADV-SKIP",)


def test_expenditure_by_dibao_household_checks_expenditure_only() -> None:
    scope = scope_for(FUXIN, "expenditure", "dibao")
    assert (scope.scope, scope.rules) == ("expenditure", ("CQ-EXP-ONLY",))


def test_anyone_else_gets_the_full_check() -> None:
    assert scope_for(FUXIN, "expenditure", "none").scope == "full"


@pytest.mark.parametrize("region, emergency, dibao_expenditure", [
    ("chongqing-yubei", "none", "expenditure"), ("linfen", "full", "full"), ("anyang", "none", "full"),
    ("wenzhou-dongtou", "none", "full"),
])
def test_only_the_regions_that_declare_them_skip_or_narrow_the_check(region: str, emergency: str,
                                                                     dibao_expenditure: str) -> None:
    pack = PACKS.get(region)
    assert scope_for(pack, "emergency", "none").scope == emergency
    assert scope_for(pack, "expenditure", "dibao").scope == dibao_expenditure
