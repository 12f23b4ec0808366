"""Pure rules of the dibao, marginal and tekun applications (policy.md §1, §4.6, §3.6).

- The procedure is the region's `procedure_<applies_for>` (procedures.toml shape; Dongtou:
  DT-20D, Anyang: ANY-NO-APPRAISAL); a region without one has no such decision here — a clear
  error, never another region's procedure.
- The monthly ceiling the approver decides within: for dibao the gap between the standard and
  the household's income (ANY-DIBAO-PAY, Anyang 二(二)4: 按照…差额发放), for the whole household;
  for tekun the region's tekun basic living standard (DT-CARE, Dongtou 七); a marginal household
  is a status without a monthly payment of its own (DT-MARGINAL, Dongtou 九), so nothing is priced.
- Re-checks: ANY-RECHECK (Anyang 二(二)7) once a year for tekun and stable dibao households,
  every six months for dibao households with unstable income and members able to work;
  DT-CASE-RECHECK (Dongtou 四) re-visits case-by-case recipients at least twice a year.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from relief_shared.money import Money
from relief_shared.regions import MissingParameter, RegionPack

STATUS_PROGRAMMES = ("dibao", "marginal", "tekun")
STATUSES = ("dibao", "marginal", "tekun", "none")


class NoApplicationProcedure(LookupError):
    """The region's pack has no procedure for this application."""


@dataclass(frozen=True)
class Ceiling:
    amount: Money
    rule: str
    note: str
    status_only: bool = False


@dataclass(frozen=True)
class Recheck:
    rule: str
    clause: str
    due_on: date
    visible_from: date
    role: str
    round: int


def monthly_ceiling(pack: RegionPack, applies_for: str, size: int, income_per_capita: Money | None,
                    as_of: date) -> Ceiling:
    if applies_for == "marginal":
        return Ceiling(Money(0), "DT-MARGINAL", "a marginal household's status pays no monthly amount of its own",
                       status_only=True)
    if applies_for == "tekun":
        standard = pack.parameter("tekun_standard", as_of)
        return Ceiling(Money.yuan(standard.value), standard.rule,
                       f"the tekun basic living standard {standard.value} a month ({standard.source})")
    if applies_for != "dibao":
        raise ValueError(f"no application for {applies_for!r}")
    s = pack.parameter("dibao_standard", as_of)
    standard = Money.yuan(s.value)
    if income_per_capita is None:
        return Ceiling(standard.times(size), "ANY-DIBAO-PAY",
                       f"income unknown: at most the standard {standard} for each of {size} ({s.source})")
    gap = standard - income_per_capita if income_per_capita < standard else Money(0)
    return Ceiling(gap.times(size), "ANY-DIBAO-PAY",
                   f"the gap between the standard {standard} and the income {income_per_capita} a person, "
                   f"for {size} ({s.source})")


def procedure_kind(pack: RegionPack, applies_for: str, as_of: date) -> str:
    try:
        pack.parameter(f"procedure_{applies_for}", as_of)
    except MissingParameter:
        raise NoApplicationProcedure(f"region {pack.code} has no procedure for a {applies_for} application "
                                     f"(procedure_{applies_for}) on {as_of}") from None
    return applies_for


def previous_status(household_status: str) -> str:
    """The status before the decision, as status.changed names it (low income, registered poor: none)."""
    return household_status if household_status in STATUSES else "none"


def rechecks_after_approval(pack: RegionPack, *, applies_for: str, procedure: str, findings: dict[str, Any],
                            approved_on: date, round_: int = 1) -> list[Recheck]:
    """The re-checks an approval starts (or a finished re-check's successor, `round_` > 1)."""
    if applies_for in ("dibao", "tekun") and pack.has_rule("ANY-RECHECK"):
        p = pack.parameter("recheck_intervals", approved_on).value
        unstable = applies_for == "dibao" and bool(findings.get("income_unstable"))
        months = int(p["unstable_months"] if unstable else p["stable_months"])
        due = add_months(approved_on, months)
        why = "unstable income, members able to work: every six months" if unstable else "stable: once a year"
        return [Recheck("ANY-RECHECK", f"{pack.rules['ANY-RECHECK']} ({why})", due,
                        date.fromordinal(due.toordinal() - int(p["lead_days"])), p["role"], round_)]
    if procedure.split("/")[1:2] == ["case_by_case"] and pack.has_rule("DT-CASE-RECHECK") and round_ == 1:
        p = pack.parameter("case_by_case_recheck", approved_on).value
        out = []
        for i, months in enumerate(p["after_months"], start=1):
            due = add_months(approved_on, int(months))
            out.append(Recheck("DT-CASE-RECHECK", pack.rules["DT-CASE-RECHECK"], due,
                               date.fromordinal(due.toordinal() - int(p["lead_days"])), p["role"], i))
        if p.get("district_after_months") is not None:  # the district re-checks 100% of them
            due = add_months(approved_on, int(p["district_after_months"]))
            out.append(Recheck("DT-CASE-RECHECK", f"{pack.rules['DT-CASE-RECHECK']} (district re-check, 100%)", due,
                               date.fromordinal(due.toordinal() - int(p["lead_days"])), "district", len(out) + 1))
        return out
    return []


def next_recheck(pack: RegionPack, *, applies_for: str, findings: dict[str, Any], rule: str, done_on: date,
                 round_: int) -> list[Recheck]:
    """ANY-RECHECK goes on while the status lasts; DT-CASE-RECHECK's re-visits were all planned."""
    if rule != "ANY-RECHECK":
        return []
    return rechecks_after_approval(pack, applies_for=applies_for, procedure="", findings=findings,
                                   approved_on=done_on, round_=round_ + 1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 January + 1 month: 28/29 February)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")
