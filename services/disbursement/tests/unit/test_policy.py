from datetime import date, datetime, timedelta, timezone

from disbursement.policy import approval_day, due_date, retry_delay
from relief_shared.calendar import WorkingCalendar


def test_due_is_three_working_days_after_approval_skipping_the_weekend() -> None:
    # Friday 2026-03-06 -> Mon 9, Tue 10, Wed 11
    assert due_date(date(2026, 3, 6), 3, WorkingCalendar.load()) == date(2026, 3, 11)


def test_a_region_without_a_deadline_has_no_due_date() -> None:
    assert due_date(date(2026, 3, 6), None, WorkingCalendar.load()) is None


def test_a_year_without_calendar_data_gives_no_due_date_rather_than_a_guess() -> None:
    assert due_date(date(2031, 3, 6), 3, WorkingCalendar.load()) is None


def test_the_approval_day_is_the_day_in_shanghai() -> None:
    assert approval_day(datetime(2026, 3, 5, 17, 0, tzinfo=timezone.utc)) == date(2026, 3, 6)


def test_retry_backs_off_and_is_capped() -> None:
    assert retry_delay(1, 5, 300) == timedelta(seconds=5)
    assert retry_delay(3, 5, 300) == timedelta(seconds=20)
    assert retry_delay(10_000, 5, 300) == timedelta(seconds=300)
