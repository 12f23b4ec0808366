"""Time limits (限时办结) as typed data, and when one falls due (rule WD-CAL for working days).

A region pack lists its limits under `[time_limits.<RULE-ID>]`, each with its unit, amount,
the event that starts it, the events that stop it, the service that owns it and its source
clause; a limit missing any of these is a load error, never a default. A region without a
limit has none: nothing here knows another region's numbers.

Units (policy.md §8):
* `working_days` — by the end (23:59:59, Asia/Shanghai) of the N-th working day strictly after
  the start's local date;
* `calendar_days` — by the end of the N-th day after the start's local date;
* `clock_hours` — N hours after the start instant;
* `day_of_month` — before the N-th of a month: by 23:59:59 of day N-1 of the first month whose
  N-th begins after the start (**Interpretation**: a start on or after the N-th of its month
  rolls over to the next month, as a monthly cut-off does).

The warning (`deadline.due_soon`) comes `warn_before` ahead: for working days, at the end of
the working day that leaves that many working days (e.g. one working day: at the end of the
last working day before the due day); for hours or days, that much earlier; never before the
start. Counting into a year whose holiday notice is not loaded, or only provisionally, uses
`WorkingCalendar.estimating()` and says so (`Due.calendar_complete`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, get_args

from relief_shared.calendar import SHANGHAI, WorkingCalendar

Unit = Literal["working_days", "calendar_days", "clock_hours", "day_of_month"]
UNITS: tuple[str, ...] = get_args(Unit)
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class Span:
    amount: int
    unit: Unit


@dataclass(frozen=True)
class Extension:
    """The limit may be extended to `to` when `rule`'s condition holds (e.g. DT-MEANS-15D:
    verification took more than `over` days), and never further."""

    rule: str
    over: Span
    to: int
    source: str


@dataclass(frozen=True)
class TimeLimit:
    id: str  # the pack's key: unique in the region, one deadline of that id per case
    rule: str  # the policy.md rule it implements (several limits may share one, e.g. CQ-ADV)
    name: str
    span: Span
    start: str
    stop: tuple[str, ...]
    owner: str
    source: str
    warn_before: Span
    valid_from: date
    applies_to: tuple[str, ...] = ()
    extension: Extension | None = None
    note: str = ""

    @property
    def unit(self) -> Unit:
        return self.span.unit

    @property
    def amount(self) -> int:
        return self.span.amount

    def extended(self, condition_length: int) -> int:
        """The amount in force when the extension's condition measured `condition_length`: the
        extended amount if it is over the threshold, never more than `to`."""
        if self.extension is not None and condition_length > self.extension.over.amount:
            return self.extension.to
        return self.amount


@dataclass(frozen=True)
class Due:
    at: datetime
    warn_at: datetime
    calendar_complete: bool
    calendar_version: str


def due(span: Span, start: datetime, warn_before: Span, calendar: WorkingCalendar) -> Due:
    """When a limit of `span` started at `start` falls due, and when to warn."""
    if start.tzinfo is None:
        raise ValueError("a time limit starts at an aware instant")
    counting = calendar.estimating()
    at = _end(span, start, counting)
    warn_at = max(_warn(at, warn_before, counting), start)
    return Due(at, min(warn_at, at), counting.complete, counting.version)


def _end(span: Span, start: datetime, cal: WorkingCalendar) -> datetime:
    local = start.astimezone(SHANGHAI)
    if span.unit == "clock_hours":
        return start + timedelta(hours=span.amount)
    if span.unit == "working_days":
        return _end_of(cal.add_working_days(local.date(), span.amount))
    if span.unit == "calendar_days":
        return _end_of(local.date() + timedelta(days=span.amount))
    year, month = local.year, local.month
    if local.day >= span.amount:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return _end_of(date(year, month, span.amount) - timedelta(days=1))


def _warn(at: datetime, lead: Span, cal: WorkingCalendar) -> datetime:
    if lead.unit == "clock_hours":
        return at - timedelta(hours=lead.amount)
    if lead.unit == "calendar_days":
        return at - timedelta(days=lead.amount)
    if lead.unit == "working_days":
        return _end_of(cal.subtract_working_days(at.astimezone(SHANGHAI).date(), lead.amount))
    raise ValueError("warn_before cannot be a day of the month")


def _end_of(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


def parse(key: str, raw: dict[str, Any]) -> TimeLimit:
    """One `[time_limits.<id>]` table; ValueError naming the limit and what is wrong."""
    rule = key
    def need(key: str) -> Any:
        if raw.get(key) in (None, "", []):
            raise ValueError(f"time limit {rule}: {key!r} is missing")
        return raw[key]

    span = _span(rule, "", need("amount"), need("unit"))
    if span.unit == "day_of_month" and not 1 <= span.amount <= 28:
        raise ValueError(f"time limit {rule}: a day of the month must be 1..28, got {span.amount}")
    lead_raw = need("warn_before")
    lead = _span(rule, "warn_before.", lead_raw.get("amount"), lead_raw.get("unit"))
    stop = need("stop")
    extension = None
    if "extension" in raw:
        ext = raw["extension"]
        over = ext.get("over") or {}
        if not ext.get("rule") or not ext.get("source") or not ext.get("to"):
            raise ValueError(f"time limit {rule}: an extension needs rule, over, to and source")
        extension = Extension(str(ext["rule"]), _span(rule, "extension.over.", over.get("amount"), over.get("unit")),
                              int(ext["to"]), str(ext["source"]))
    valid_from = need("valid_from")
    if not isinstance(valid_from, date):
        raise ValueError(f"time limit {rule}: valid_from must be a date")
    return TimeLimit(id=key, rule=str(raw.get("rule") or key), name=str(need("name")), span=span, start=str(need("start")),
                     stop=tuple(stop) if isinstance(stop, list) else (str(stop),), owner=str(need("owner")),
                     source=str(need("source")), warn_before=lead, valid_from=valid_from,
                     applies_to=tuple(raw.get("applies_to", ())), extension=extension, note=str(raw.get("note", "")))


def _span(rule: str, prefix: str, amount: Any, unit: Any) -> Span:
    if unit not in UNITS:
        raise ValueError(f"time limit {rule}: {prefix}unit must be one of {', '.join(UNITS)}, got {unit!r}")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        raise ValueError(f"time limit {rule}: {prefix}amount must be a positive whole number, got {amount!r}")
    return Span(amount, unit)
