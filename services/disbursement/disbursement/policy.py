"""Payment rules (policy.md §7, §3.4, §3.6), pure: no I/O.

FX-PAY-CHANNEL (Fuxin 四): paid to the recipient's own bank account through a bank; cash needs
the recipient's signature or, where they cannot sign, at least two witnesses' signatures.
CQ-PAY-KIND (Chongqing 二(三)): cash, in kind (实物) or services.
DT-PAY-3WD (Dongtou 八): temporary aid paid within 3 working days of approval; DT-ADV-PAY
(Dongtou 四, Interpretation): advance aid from the reserve fund in place within 24 clock hours
of approval. Both are the region pack's time limits on the durable deadline clock; a region
without them has no payment deadline (nothing borrows another region's numbers).
STAGED: one approval paid in instalments on the days the plan sets.
LF-CAP (Linfen 二(八)1): per person 5,000 and per household 10,000 a calendar year, counted at
payment; Interpretation: the year is the approval's, and a payment that would cross the cap is
reduced to what is left (`cap_excess = "reduce"`) or refused (`"refuse"`), as the region says.
FX-RESERVE / DT-RESERVE: advance aid is drawn from the street's reserve fund, which keeps a
floor (Dongtou 10,000); crossing it raises an alert, and a fund that cannot cover the payment
refuses it.
DT-PAY-10TH (Dongtou 八): dibao and dispersed tekun paid monthly before the 10th;
ANY-DIBAO-PAY: paid monthly — Interpretation where a region sets no day: by the month's end.
ANY-NO-CLAWBACK (Anyang 二(六)21): nothing is recovered after a dibao/tekun recipient's death.
"""
from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from decimal import Decimal
from datetime import date, datetime, time, timedelta
from typing import Any

from relief_shared.calendar import SHANGHAI
from relief_shared.money import Money
from relief_shared.regions import MissingParameter, RegionPack
from relief_shared.timelimits import TimeLimit

CHANNEL_BANK = "bank"
CHANNEL_RULE = "FX-PAY-CHANNEL"
KIND_RULE = "CQ-PAY-KIND"
STAGED_RULE = "STAGED"
CAP_RULE = "LF-CAP"
NO_CLAWBACK = "ANY-NO-CLAWBACK"
RECOVER = "ANY-RECOVER"
ADVANCE_RULES = frozenset({"FX-ADV", "CQ-ADV", "DT-ADV", "ANY-ADV"})
ADVANCE_LIMITS = frozenset({"DT-ADV-PAY"})
MIN_WITNESSES = 2


def approval_day(approved_at: datetime) -> date:
    return approved_at.astimezone(SHANGHAI).date()


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI)


def is_advance(rules: list[str]) -> bool:
    """Advance aid (先行救助): the approval cites an advance-assistance rule."""
    return bool(ADVANCE_RULES.intersection(rules))


def payment_limits(pack: RegionPack, approved_on: date, *, advance: bool = False) -> list[TimeLimit]:
    """The region's limits this service owns that an approval starts: DT-PAY-3WD for temporary
    aid, DT-ADV-PAY (24 clock hours) for advance aid where the region has it."""
    limits = [limit for limit in pack.limits_owned_by("disbursement", approved_on) if limit.start == "case.approved"]
    advance_limits = [limit for limit in limits if limit.id in ADVANCE_LIMITS]
    if advance and advance_limits:
        return advance_limits
    return [limit for limit in limits if limit.id not in ADVANCE_LIMITS]


def retry_delay(attempts: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Doubling back-off for asking an unanswering bank again; never gives up."""
    return timedelta(seconds=min(base_seconds * 2 ** min(max(attempts - 1, 0), 20), max_seconds))


class PlanInvalid(ValueError):
    pass


def plan(amount: Money, instalments: list[tuple[Money, date]] | None) -> list[tuple[Money, date | None]]:
    """The instalments of an approval (STAGED): one instalment due at once, or the staged plan,
    whose amounts must be positive and add up to the approved amount."""
    if not instalments:
        return [(amount, None)]
    if any(part <= Money.zero() for part, _ in instalments):
        raise PlanInvalid("every instalment must be more than zero")
    total = sum((part for part, _ in instalments), Money.zero())
    if total != amount:
        raise PlanInvalid(f"instalments add up to {total}, not the approved {amount}")
    return sorted(instalments, key=lambda i: i[1])


# --- yearly caps (LF-CAP) ---------------------------------------------------------------

@dataclass(frozen=True)
class Caps:
    person: Money
    household: Money
    excess: str  # reduce | refuse
    source: str


def caps(pack: RegionPack, on: date) -> Caps | None:
    """The region's yearly caps in force on `on`; None where the region has none."""
    try:
        found = pack.parameter("assistance_caps", on)
    except MissingParameter:
        return None
    excess = pack.parameter("cap_excess", on).value  # a region with caps must say what crossing does
    return Caps(Money.yuan(found.value["person"]), Money.yuan(found.value["household"]), excess, found.source)


@dataclass(frozen=True)
class CapDecision:
    pay: Money  # zero: refused
    reason: str | None


def cap_decision(amount: Money, caps: Caps, used_person: Money, used_household: Money | None) -> CapDecision:
    """What may be paid of `amount` given what the person (and household) got this year."""
    left = caps.person - used_person
    who = "the person"
    if used_household is not None and caps.household - used_household < left:
        left, who = caps.household - used_household, "the household"
    if amount <= left:
        return CapDecision(amount, None)
    limit = caps.person if who == "the person" else caps.household
    if left <= Money.zero():
        return CapDecision(Money.zero(), f"{who} already received the yearly cap of {limit} ({CAP_RULE}, {caps.source})")
    if caps.excess == "refuse":
        return CapDecision(Money.zero(), f"{amount} would pass {who}'s yearly cap of {limit}: {left} is left "
                                         f"({CAP_RULE}, {caps.source})")
    return CapDecision(left, f"reduced from {amount} to {left}: {who}'s yearly cap of {limit} ({CAP_RULE}, "
                             f"{caps.source})")


# --- reserve funds (FX-RESERVE, DT-RESERVE) --------------------------------------------------

@dataclass(frozen=True)
class ReserveRule:
    floor: Money
    rule: str
    source: str
    per_resident: Money | None  # FX-RESERVE: ≈ 2 yuan per registered resident a year
    draws_advance: bool  # advance aid is paid out of it (Dongtou 四 says so; Fuxin's text does not)


def reserve_rule(pack: RegionPack, on: date) -> ReserveRule | None:
    """The region's reserve-fund rule; None where advance aid is not paid from a street fund."""
    try:
        found = pack.parameter("reserve_fund", on)
    except MissingParameter:
        return None
    value: dict[str, Any] = found.value
    per = value.get("per_resident_per_year")
    return ReserveRule(Money.yuan(value["floor"]), found.rule, found.source, Money.yuan(per) if per else None,
                       bool(value["advance_aid_from_fund"]))


def crosses_floor(before: Money, after: Money, floor: Money) -> bool:
    return before >= floor > after


# --- cash and in kind (FX-PAY-CHANNEL, CQ-PAY-KIND) ------------------------------------------

def witness_errors(signed_by_recipient: bool, witnesses: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Cash needs the recipient's signature or, where they cannot sign, at least two different
    witnesses (FX-PAY-CHANNEL)."""
    if signed_by_recipient:
        return []
    distinct = {id_number for _, id_number in witnesses}
    if len(witnesses) < MIN_WITNESSES or len(distinct) < MIN_WITNESSES:
        return [{"field": "witnesses", "message": f"the recipient did not sign: at least {MIN_WITNESSES} different "
                                                  f"witnesses must sign ({CHANNEL_RULE}); {len(distinct)} given"}]
    return []


def mask(id_number: str) -> str:
    """An ID number as receipts show it: the region code's first four and the last four."""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


# --- the monthly payroll (DT-PAY-10TH, ANY-DIBAO-PAY, DT-CARE) -----------------------------------

@dataclass(frozen=True)
class PayrollSchedule:
    due: date
    rule: str


def month_bounds(month: str) -> tuple[date, date]:
    year, mon = (int(part) for part in month.split("-"))
    return date(year, mon, 1), date(year, mon, _calendar.monthrange(year, mon)[1])


def payroll_schedule(pack: RegionPack, month: str) -> PayrollSchedule:
    """Pay by this day: before the region's day (DT-PAY-10TH: by the 9th), else by the month's end
    (ANY-DIBAO-PAY, Interpretation). A region with neither is a clear error."""
    first, last = month_bounds(month)
    found = pack.parameter("payroll_schedule", first)
    before = found.value.get("pay_before_day")
    return PayrollSchedule(first.replace(day=before - 1) if before else last, found.rule)


def on_payroll(status: str, dispersed: bool | None, since: date, deceased_on: date | None,
               month: str | tuple[date, date]) -> bool:
    """Dibao, and tekun cared for at home (分散供养: DT-PAY-10TH), in force during the month."""
    first, last = month_bounds(month) if isinstance(month, str) else month
    if status == "dibao" or (status == "tekun" and dispersed):
        return since <= last and (deceased_on is None or deceased_on >= first)
    return False


def no_clawback(paid_status: str | None, deceased_on: date | None) -> bool:
    """ANY-NO-CLAWBACK: a dibao or tekun recipient who died is never pursued."""
    return deceased_on is not None and paid_status in ("dibao", "tekun")


# --- LF-FUND (Linfen 二(八)1) -------------------------------------------------------------------

FUND_RULE = "LF-FUND"


@dataclass(frozen=True)
class DibaoFundShare:
    share: Decimal
    source: str


def dibao_fund_share(pack: RegionPack, on: date) -> DibaoFundShare | None:
    """At most this share of the dibao funds' year-end balance may go to temporary aid for dibao
    recipients; None where the region has no such rule."""
    try:
        found = pack.parameter("dibao_fund_share", on)
    except MissingParameter:
        return None
    return DibaoFundShare(Decimal(found.value), found.source)


def fund_allowance(balance: Money, share: DibaoFundShare) -> Money:
    return balance.times(share.share)
