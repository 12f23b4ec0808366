from datetime import date, datetime, timedelta, timezone

import pytest

from relief_shared.calendar import (
    SHANGHAI,
    CalendarDataMissing,
    HolidayYear,
    WorkingCalendar,
)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.load()


def test_shipped_data_loads_and_is_consistent():
    raw = WorkingCalendar.load()._years
    assert {2025, 2026, 2027} <= raw.keys()
    for hy in raw.values():
        assert all(d.weekday() >= 5 for d in hy.adjusted_workdays), hy.year
    assert not raw[2025].provisional and not raw[2026].provisional
    assert raw[2027].provisional and not raw[2027].adjusted_workdays


def test_weekend_skipped(cal):
    assert cal.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Fri -> Mon
    assert not cal.is_working_day(date(2026, 3, 7))


def test_start_day_itself_never_counts(cal):
    assert cal.add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 10)


def test_national_day_holiday_skipped_and_adjusted_saturday_counted(cal):
    # Oct 1-7 off, Oct 8 Thu, Oct 9 Fri, Oct 10 Sat is 调休.
    assert cal.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert cal.add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)


def test_adjusted_workday_is_working_day(cal):
    assert cal.is_working_day(date(2026, 2, 14))  # Saturday 调休
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)  # 春节 Feb 15-23
    assert not cal.is_working_day(date(2026, 2, 16))  # Monday in 春节


def test_crossing_year_boundary(cal):
    # Jan 1-3 2026 off, Sunday Jan 4 is 调休.
    assert cal.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 4)
    assert cal.add_working_days(date(2025, 12, 31), 2) == date(2026, 1, 5)
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_provisional_year_flagged(cal):
    assert cal.is_provisional(2027)
    assert not cal.is_provisional(2026)


def test_unknown_year_raises_naming_the_year(cal):
    with pytest.raises(CalendarDataMissing, match="2031"):
        cal.is_working_day(date(2031, 6, 2))
    with pytest.raises(CalendarDataMissing, match="2031"):
        cal.is_provisional(2031)
    with pytest.raises(CalendarDataMissing, match="2028"):
        cal.add_working_days(date(2027, 12, 30), 5)
    assert issubclass(CalendarDataMissing, LookupError)


def test_empty_calendar_is_not_weekends_only():
    with pytest.raises(CalendarDataMissing):
        WorkingCalendar({}).is_working_day(date(2026, 3, 9))


def test_due_at_uses_shanghai_local_date():
    cal = WorkingCalendar.load()
    # 16:30 UTC on Thu Mar 5 is already Fri Mar 6 00:30 in Shanghai.
    due = cal.due_at(datetime(2026, 3, 5, 16, 30, tzinfo=timezone.utc), 1)
    assert due == datetime(2026, 3, 9, 23, 59, 59, tzinfo=SHANGHAI)
    assert due.tzinfo is SHANGHAI and due.utcoffset() == timedelta(hours=8)
    # Fri Feb 13 16:30 UTC is Sat Feb 14 (调休) in Shanghai, so the next one is after 春节.
    due = cal.due_at(datetime(2026, 2, 13, 16, 30, tzinfo=timezone.utc), 1)
    assert due == datetime(2026, 2, 24, 23, 59, 59, tzinfo=SHANGHAI)


def test_due_at_rejects_naive_datetime(cal):
    with pytest.raises(ValueError):
        cal.due_at(datetime(2026, 3, 5, 12, 0), 1)


def test_non_positive_n_rejected(cal):
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 3, 5), 0)


def test_datetime_passed_as_date_rejected(cal):
    with pytest.raises(TypeError):
        cal.is_working_day(datetime(2026, 10, 1, tzinfo=SHANGHAI))


def test_working_days_between(cal):
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert cal.working_days_between(date(2026, 3, 6), date(2026, 3, 13)) == 5
    assert cal.working_days_between(date(2026, 3, 6), date(2026, 3, 6)) == 0
    assert cal.working_days_between(date(2026, 3, 13), date(2026, 3, 6)) == 0


@pytest.mark.parametrize("start", [date(2025, 1, 20), date(2025, 9, 26), date(2026, 2, 10), date(2026, 12, 28)])
@pytest.mark.parametrize("n", [1, 3, 10])
def test_between_inverts_add(cal, start, n):
    assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


def test_from_json_rejects_dates_of_another_year():
    raw = {"year": 2026, "source": "x", "provisional": False,
           "holidays": ["2025-10-01"], "adjusted_workdays": []}
    with pytest.raises(ValueError, match="2025-10-01|another year"):
        HolidayYear.from_json(raw)


def test_shipped_years_agree_with_chinesecalendar_for_every_year_it_covers():
    """Every year we ship that the `chinesecalendar` package also knows, day by day."""
    chinese_calendar = pytest.importorskip("chinese_calendar")
    from chinese_calendar import constants

    covered = {d.year for d in constants.holidays}
    cal = WorkingCalendar.load()
    checked = []
    for year, hy in sorted(cal.years().items()):
        if year not in covered:
            assert hy.provisional, f"{year} is marked official but chinesecalendar cannot confirm it"
            continue
        assert not hy.provisional, year
        day = date(year, 1, 1)
        while day.year == year:
            assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day
            day += timedelta(days=1)
        checked.append(year)
    assert {2025, 2026} <= set(checked)


def test_estimating_counts_into_a_missing_year_and_says_it_is_incomplete(cal):
    est = cal.estimating()
    assert est.add_working_days(date(2031, 4, 30), 1) == date(2031, 5, 5)  # May 1-2 fixed, then the weekend
    assert not est.complete and "2031:provisional" in est.version
    official = cal.estimating()
    official.add_working_days(date(2026, 3, 6), 1)
    assert official.complete


def test_a_loaded_year_replaces_a_provisional_one_but_never_the_other_way(cal):
    fresh = WorkingCalendar.load()
    official_2027 = HolidayYear(2027, frozenset({date(2027, 2, 8)}), frozenset(), "notice", False)
    assert fresh.load_year(official_2027) and not fresh.is_provisional(2027) and fresh.generation == 1
    assert not fresh.load_year(HolidayYear.fixed_dates_only(2027))
    assert not fresh.load_year(official_2027)  # the same data again changes nothing
