"""Working-day calendar for "工作日" deadlines (rule WD-CAL).

Semantics:

* A working day is a Monday-Friday that is not a Chinese public holiday, or a
  Saturday/Sunday that the State Council declared an adjusted working day (调休).
* "Within N working days of X" means: by the end of the N-th working day
  strictly after X's date (X's own day never counts, even if it is a working
  day). ``add_working_days(x, n)`` returns that day and ``due_at`` returns
  23:59:59 of it.
* All dates are local dates in Asia/Shanghai; aware datetimes are converted
  there first, naive datetimes are rejected because their day is ambiguous.
* Holidays are published yearly, so each year needs a data file in
  ``relief_shared/calendar_data/``. Touching a year without one raises
  ``CalendarDataMissing``: guessing "weekends only" would silently produce
  deadlines that fall on holidays.
* A year marked ``provisional`` has only the fixed-date statutory holidays (no
  lunar holidays, no 调休) until an operator loads the official notice; its
  deadlines may be too early, so callers should surface ``is_provisional``.
* ``estimating()`` is the honest way to count into such a year: a missing year is
  taken as weekends plus the fixed-date statutory holidays, and the result says
  which years it used and whether all of them were official (``complete``), so a
  deadline can be stored as ``calendar_incomplete`` and recomputed later.
* An operator loads a year's official notice at run time with ``load_year``
  (``relief_shared.holidays``); ``generation`` counts such changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib.resources import files
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 全国年节及纪念日放假办法 (as amended 2024, in force 2025): the holidays on fixed solar dates.
# The lunar ones (春节, 清明, 端午, 中秋) and every 调休 come only with the yearly notice.
FIXED_DATE_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))


class CalendarDataMissing(LookupError):
    """A date fell in a year for which no holiday data has been loaded."""


@dataclass(frozen=True)
class HolidayYear:
    year: int
    holidays: frozenset[date]
    adjusted_workdays: frozenset[date]
    source: str
    provisional: bool

    @classmethod
    def from_json(cls, raw: Mapping) -> HolidayYear:
        year = int(raw["year"])
        holidays = frozenset(date.fromisoformat(s) for s in raw["holidays"])
        adjusted = frozenset(date.fromisoformat(s) for s in raw["adjusted_workdays"])
        # Catch transcription slips in hand-edited files at load time, not in a deadline.
        stray = sorted(d for d in holidays | adjusted if d.year != year)
        if stray:
            raise ValueError(f"calendar data for {year} lists dates of another year: {stray}")
        if holidays & adjusted:
            raise ValueError(f"calendar data for {year}: dates both holiday and workday: "
                             f"{sorted(holidays & adjusted)}")
        return cls(year, holidays, adjusted, str(raw["source"]), bool(raw["provisional"]))

    @classmethod
    def fixed_dates_only(cls, year: int) -> HolidayYear:
        """What is known of a year before its notice: weekends and the fixed-date holidays."""
        return cls(year, frozenset(date(year, m, d) for m, d in FIXED_DATE_HOLIDAYS), frozenset(),
                   "statutory fixed-date holidays only (no notice loaded)", True)

    @property
    def version(self) -> str:
        """Names the data a deadline was counted with: year, official or not, and a digest."""
        dates = ",".join(sorted(d.isoformat() for d in self.holidays)) + "|" + ",".join(
            sorted(d.isoformat() for d in self.adjusted_workdays))
        kind = "provisional" if self.provisional else "official"
        return f"{self.year}:{kind}:{hashlib.sha256(dates.encode()).hexdigest()[:8]}"


class WorkingCalendar:
    def __init__(self, years: Mapping[int, HolidayYear]):
        self._years = dict(years)
        self.generation = 0  # bumped by every load_year: deadlines counted before may be recounted

    def load_year(self, year: HolidayYear) -> bool:
        """Take in a year's notice at run time; False (nothing changes) when it would replace
        official data with provisional data or is what is loaded already."""
        current = self._years.get(year.year)
        if current is not None and (current.version == year.version or (year.provisional and not current.provisional)):
            return False
        self._years[year.year] = year
        self.generation += 1
        return True

    def years(self) -> dict[int, HolidayYear]:
        return dict(self._years)

    def estimating(self) -> EstimatingCalendar:
        """A view that counts into missing years on fixed-date holidays and records what it used."""
        return EstimatingCalendar(self._years)

    @classmethod
    def load(cls) -> WorkingCalendar:
        """Build the calendar from every JSON file shipped in the package data."""
        years: dict[int, HolidayYear] = {}
        for entry in (files("relief_shared") / "calendar_data").iterdir():
            if not entry.name.endswith(".json"):
                continue
            hy = HolidayYear.from_json(json.loads(entry.read_text(encoding="utf-8")))
            if hy.year in years:
                raise ValueError(f"duplicate calendar data for {hy.year} ({entry.name})")
            years[hy.year] = hy
        return cls(years)

    def _year(self, year: int) -> HolidayYear:
        try:
            return self._years[year]
        except KeyError:
            raise CalendarDataMissing(
                f"no working-day calendar data for year {year}; load the State Council "
                f"holiday notice for {year} into relief_shared/calendar_data/{year}.json"
            ) from None

    def is_provisional(self, year: int) -> bool:
        return self._year(year).provisional

    def is_working_day(self, d: date) -> bool:
        if isinstance(d, datetime):  # a datetime never equals a date, so holidays would be missed
            raise TypeError("is_working_day takes a date; convert datetimes via due_at or .date()")
        hy = self._year(d.year)
        if d in hy.adjusted_workdays:
            return True
        return d.weekday() < 5 and d not in hy.holidays

    def add_working_days(self, start: date, n: int) -> date:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        d = start
        while n:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n -= 1
        return d

    def subtract_working_days(self, end: date, n: int) -> date:
        """The n-th working day strictly before `end`."""
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        d = end
        while n:
            d -= timedelta(days=1)
            if self.is_working_day(d):
                n -= 1
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; 0 when b <= a."""
        return sum(self.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))

    def due_at(self, start: datetime, n_working_days: int) -> datetime:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("due_at needs an aware datetime; a naive one has no defined local day")
        day = self.add_working_days(start.astimezone(SHANGHAI).date(), n_working_days)
        return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


class EstimatingCalendar(WorkingCalendar):
    """Counts like its calendar, but a year with no data is taken as weekends plus the fixed-date
    holidays instead of raising; `used` names every year a count touched, and `complete` says
    whether all of them were official (neither provisional nor estimated).

    Missing lunar holidays can only make the real deadline later, so on that count an estimate is
    a lower bound; an unannounced 调休 weekend working day inside the span would make it one day
    earlier, which no data before the notice can tell."""

    def __init__(self, years: Mapping[int, HolidayYear]):
        super().__init__(years)
        self.used: dict[int, HolidayYear] = {}

    def _year(self, year: int) -> HolidayYear:
        hy = self._years.get(year) or HolidayYear.fixed_dates_only(year)
        self.used[year] = hy
        return hy

    @property
    def complete(self) -> bool:
        return all(not hy.provisional for hy in self.used.values())

    @property
    def version(self) -> str:
        return ";".join(hy.version for _, hy in sorted(self.used.items())) or "none"
