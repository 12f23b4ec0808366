"""What the verified figures say (policy.md §5): the household's monthly income per capita,
its assets per category, and which of the region pack's thresholds they cross.

Income is counted monthly (annual wages ÷ 12, rounded half up to the fen). Where the region
has ANY-EXIT's employment-cost deduction (Anyang 二(三)11: "necessary employment costs are
deducted when counting income"), each member with wages has the pack's amount deducted from
them. Thresholds are the pack's data (`means_income_lines`, `means_asset_limits`); one that
needs a parameter the region lacks for the date is reported unassessed, never defaulted.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from relief_shared.money import Money
from relief_shared.regions import MissingParameter, RegionPack

FINANCIAL = ("deposits", "securities", "commercial_insurance", "internet_finance")
COUNTS = {"homes": "real_estate", "vehicles": "vehicles", "businesses": "business"}


@dataclass(frozen=True)
class Figure:
    source: str
    reference: str
    member: str  # masked
    category: str
    kind: str
    monthly: Money | None = None
    value: Money | None = None
    count: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Threshold:
    name: str
    rule: str
    limit: str
    value: str
    crossed: bool
    sources: tuple[str, ...]
    references: tuple[str, ...]
    clause: str


@dataclass(frozen=True)
class Assessment:
    household_size: int
    monthly_income: Money
    per_capita: Money
    deduction: Money | None
    assets: dict[str, Money]
    counts: dict[str, int]
    thresholds: tuple[Threshold, ...]
    unassessed: tuple[str, ...] = field(default=())


def per_capita(total: Money, size: int) -> Money:
    return Money(int((Decimal(total.fen) / size).quantize(Decimal(1), ROUND_HALF_UP)))


def assess(figures: list[Figure], household_size: int, pack: RegionPack, as_of: date) -> Assessment:
    income = [f for f in figures if f.kind == "income" and f.monthly is not None]
    total = sum((f.monthly for f in income), Money.zero())  # type: ignore[misc]
    deduction = _deduction(income, pack, as_of)
    counted = Money(max(total.fen - (deduction.fen if deduction else 0), 0))
    size = max(household_size, 1)
    pc = per_capita(counted, size)
    assets: dict[str, Money] = defaultdict(Money.zero)
    counts: dict[str, int] = defaultdict(int)
    for f in figures:
        if f.value is not None:
            assets[f.category] = assets[f.category] + f.value
        if f.count:
            counts[f.category] += f.count
    thresholds, unassessed = [], []
    standard = _parameter(pack, "dibao_standard", as_of, unassessed)
    lines = _parameter(pack, "means_income_lines", as_of, unassessed)
    income_refs = _behind(income)
    if lines is not None and standard is not None:
        s = Money.yuan(str(standard.value))
        for line in lines.value:
            limit = s.times(Decimal(str(line["times"])))
            thresholds.append(Threshold(str(line["name"]), str(line["rule"]), f"{limit} per person per month",
                                        f"{pc} per person per month", pc > limit, *income_refs,
                                        f"{line['times']} × dibao standard {s} ({standard.source}); {lines.source}"))
    limits = _parameter(pack, "means_asset_limits", as_of, unassessed)
    if limits is not None:
        thresholds += _asset_thresholds(limits, standard, figures, assets, counts, size)
    return Assessment(size, counted, pc, deduction, dict(assets), dict(counts), tuple(thresholds), tuple(unassessed))


def _asset_thresholds(limits: Any, standard: Any, figures: list[Figure], assets: dict[str, Money],
                      counts: dict[str, int], size: int) -> list[Threshold]:
    found = []
    value = limits.value
    months = value.get("financial_assets_per_capita_months")
    if months is not None and standard is not None:
        limit = Money.yuan(str(standard.value)).times(Decimal(int(months) * size))
        held = sum((assets.get(c, Money.zero()) for c in FINANCIAL), Money.zero())
        behind = _behind([f for f in figures if f.category in FINANCIAL and f.value])
        found.append(Threshold("financial assets", str(limits.rule), f"{limit} ({months} months of the dibao "
                               f"standard × {size})", str(held), held > limit, *behind, limits.source))
    for key, category in COUNTS.items():
        if key in value:
            held = counts.get(category, 0)
            behind = _behind([f for f in figures if f.category == category and f.count])
            found.append(Threshold(key, str(limits.rule), f"at most {value[key]}", str(held), held > int(value[key]),
                                   *behind, limits.source))
    return found


def _behind(figures: list[Figure]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(sorted({f.source for f in figures})), tuple(sorted({f.reference for f in figures}))


def _deduction(income: list[Figure], pack: RegionPack, as_of: date) -> Money | None:
    try:
        per_member = Money.yuan(str(pack.parameter("employment_cost_deduction", as_of).value))
    except MissingParameter:
        return None  # the region has no such deduction
    wages: dict[str, Money] = defaultdict(Money.zero)
    for f in income:
        if f.category == "wages" and f.monthly is not None:
            wages[f.member] = wages[f.member] + f.monthly
    return sum((min(w, per_member) for w in wages.values()), Money.zero())


def _parameter(pack: RegionPack, name: str, as_of: date, unassessed: list[str]) -> Any:
    try:
        return pack.parameter(name, as_of)
    except MissingParameter as exc:
        unassessed.append(str(exc))
        return None
