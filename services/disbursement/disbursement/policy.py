"""Payment rules.

FX-PAY-CHANNEL (Fuxin 四): paid to the recipient's own bank account through a bank.
DT-PAY-3WD (Dongtou 八): temporary aid is paid within 3 working days of approval. The number
of working days is the region's parameter `payment_working_days`; a region without it has no
payment deadline (nothing borrows another region's numbers), so `due` is then None.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from relief_shared.calendar import SHANGHAI, CalendarDataMissing, WorkingCalendar

CHANNEL_BANK = "bank"
CHANNEL_RULE = "FX-PAY-CHANNEL"
DEADLINE_RULE = "DT-PAY-3WD"


def approval_day(approved_at: datetime) -> date:
    return approved_at.astimezone(SHANGHAI).date()


def due_date(approved_on: date, working_days: int | None, calendar: WorkingCalendar) -> date | None:
    """None when the region sets no deadline or the calendar for that year is not loaded."""
    if not working_days:
        return None
    try:
        return calendar.add_working_days(approved_on, working_days)
    except CalendarDataMissing:
        return None


def retry_delay(attempts: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Doubling back-off for asking an unanswering bank again; never gives up."""
    return timedelta(seconds=min(base_seconds * 2 ** min(max(attempts - 1, 0), 20), max_seconds))
