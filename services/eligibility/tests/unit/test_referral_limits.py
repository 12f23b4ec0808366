"""The referral clocks' arithmetic: each department's handling limit from the region pack, and the
DT-FEEDBACK-1WD report-by instant (only where the region has that limit)."""
from __future__ import annotations

from datetime import date, datetime

from eligibility.referral_service import feedback_due, handling_limit
from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.regions import RegionPacks

PACKS = RegionPacks.load()
CALENDAR = WorkingCalendar.load()


def test_a_result_is_due_by_the_end_of_the_next_working_day() -> None:
    due, source = feedback_due(PACKS.get("wenzhou-dongtou"), date(2026, 3, 3), CALENDAR)  # a Tuesday
    assert due == datetime(2026, 3, 4, 23, 59, 59, tzinfo=SHANGHAI) and "seed 004 五" in source
    friday, _ = feedback_due(PACKS.get("wenzhou-dongtou"), date(2026, 3, 6), CALENDAR)
    assert friday == datetime(2026, 3, 9, 23, 59, 59, tzinfo=SHANGHAI)  # over the weekend


def test_no_feedback_limit_where_the_region_sets_none() -> None:
    assert feedback_due(PACKS.get("fuxin-haizhou"), date(2026, 3, 3), CALENDAR) is None


def test_each_department_has_its_handling_limit_from_the_pack() -> None:
    for code in PACKS.codes():
        limit = handling_limit(PACKS.get(code), "rescue_station", date(2026, 3, 2))
        assert (limit.id, limit.rule, limit.owner) == ("REF-rescue_station", "DT-FEEDBACK-1WD", "eligibility")
        assert limit.stop == ("referral.rescue_station.completed",) and limit.span.unit == "working_days"
    assert handling_limit(PACKS.get("wenzhou-dongtou"), "housing", date(2026, 3, 2)).span.amount == 10
