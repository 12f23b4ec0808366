from datetime import date

import pytest

from relief_shared.regions import MissingParameter, RegionPacks, UnknownRegion


def test_fuxin_pack_has_the_emergency_tiers_with_their_clause() -> None:
    tiers = RegionPacks.load().get("fuxin-haizhou").parameter("emergency_tier_ceilings", date(2026, 11, 22))
    assert tiers.value["severe"] == "5000.00"
    assert (tiers.rule, tiers.source) == ("FX-EMG-TIER", "seed 000 三(一)")


def test_sample_values_are_flagged() -> None:
    standard = RegionPacks.load().get("fuxin-haizhou").parameter("dibao_standard", date(2026, 11, 22))
    assert standard.sample is True


def test_a_value_not_in_force_is_an_error_never_a_default() -> None:
    with pytest.raises(MissingParameter, match="emergency_tier_ceilings.*2019-01-01"):
        RegionPacks.load().get("fuxin-haizhou").parameter("emergency_tier_ceilings", date(2019, 1, 1))


def test_unknown_region_is_an_error() -> None:
    with pytest.raises(UnknownRegion):
        RegionPacks.load().get("atlantis")


def test_a_procedure_whose_step_waits_for_a_later_one_refuses_the_pack() -> None:
    from pathlib import Path

    from relief_shared.regions import PackRefused, RegionPack, merged_toml

    raw = merged_toml(Path(__file__).parents[2] / "relief_shared" / "regions" / "fuxin-haizhou")
    steps = raw["parameters"]["procedure_expenditure"]["values"][0]["value"]["steps"]
    steps[2]["after"] = ["review"]
    with pytest.raises(PackRefused, match="waits for 'review', which is not an earlier step"):
        RegionPack.from_toml(raw)
