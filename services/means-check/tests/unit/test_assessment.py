from datetime import date

from relief_shared.money import Money
from relief_shared.regions import RegionPacks

from means_check.assessment import Figure, assess, per_capita

PACKS = RegionPacks.load()
DAY = date(2026, 6, 1)


def income(member: str, category: str, monthly: str, source: str = "tax") -> Figure:
    return Figure(source, f"{source.upper()}-1", member, category, "income", monthly=Money.yuan(monthly))


def asset(category: str, value: str, source: str, count: int | None = None) -> Figure:
    return Figure(source, f"{source.upper()}-9", "m1", category, "asset", value=Money.yuan(value), count=count)


def test_per_capita_rounds_half_up_to_the_fen() -> None:
    assert str(per_capita(Money.yuan("1000.00"), 3)) == "333.33"
    assert str(per_capita(Money.yuan("0.05"), 2)) == "0.03"


def test_fuxin_income_lines_are_the_dibao_standard_and_three_times_it() -> None:
    a = assess([income("m1", "wages", "1800.00"), income("m2", "pension", "900.00", "social_insurance")], 2,
               PACKS.get("fuxin-haizhou"), DAY)
    assert (str(a.monthly_income), str(a.per_capita), a.deduction) == ("2700.00", "1350.00", None)
    lines = {t.name: t for t in a.thresholds}
    assert lines["dibao standard"].crossed and not lines["low-income line"].crossed
    assert lines["dibao standard"].sources == ("social_insurance", "tax")


def test_anyang_deducts_employment_costs_from_each_earner_not_from_pensions() -> None:
    a = assess([income("m1", "wages", "1500.00"), income("m2", "wages", "200.00"),
                income("m3", "pension", "800.00", "social_insurance")], 3, PACKS.get("anyang"), DAY)
    assert str(a.deduction) == "500.00"  # 300.00 for the first earner, the second's 200.00 at most
    assert str(a.monthly_income) == "2000.00"


def test_assets_are_summed_per_category_and_counted_against_the_limits() -> None:
    a = assess([asset("deposits", "100000.00", "bank_deposits"), asset("securities", "5000.00", "securities"),
                asset("real_estate", "300000.00", "real_estate", 1), asset("real_estate", "200000.00", "real_estate", 1)],
               2, PACKS.get("fuxin-haizhou"), DAY)
    crossed = {t.name: t for t in a.thresholds if t.crossed}
    assert set(crossed) == {"financial assets", "homes"}
    assert crossed["financial assets"].value == "105000.00"
    assert crossed["financial assets"].sources == ("bank_deposits", "securities")
    assert crossed["homes"].references == ("REAL_ESTATE-9",)


def test_a_threshold_needing_a_missing_parameter_is_unassessed_not_defaulted() -> None:
    a = assess([income("m1", "wages", "1000.00")], 1, PACKS.get("linfen"), DAY)
    if any("dibao_standard" in u for u in a.unassessed):  # until Linfen's parameters arrive
        assert not any(t.name == "dibao standard" for t in a.thresholds)
    assert {t.name for t in a.thresholds} >= {"homes", "vehicles", "businesses"}
