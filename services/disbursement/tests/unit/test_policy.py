from datetime import date, datetime, timedelta, timezone

from disbursement.policy import approval_day, payment_limits, retry_delay
from disbursement.service import PaymentTerms
from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.regions import RegionPacks

PACKS = RegionPacks.load()
TERMS = PaymentTerms(PACKS, WorkingCalendar.load())


def test_dongtou_pays_within_three_working_days_of_approval_skipping_the_weekend() -> None:
    # DT-PAY-3WD: approved Friday 2026-03-06 -> Mon 9, Tue 10, Wed 11
    approved = datetime(2026, 3, 6, 10, tzinfo=SHANGHAI)
    limits = TERMS.limits("wenzhou-dongtou", approved)
    assert [limit.id for limit in limits] == ["DT-PAY-3WD"]
    assert TERMS.due(limits, approved) == date(2026, 3, 11)


def test_a_region_without_the_limit_has_no_due_date() -> None:
    approved = datetime(2026, 3, 6, 10, tzinfo=SHANGHAI)
    assert payment_limits(PACKS.get("fuxin-haizhou"), approved.date()) == []
    assert TERMS.due(TERMS.limits("fuxin-haizhou", approved), approved) is None
    assert TERMS.limits("atlantis", approved) == []


def test_the_approval_day_is_the_day_in_shanghai() -> None:
    assert approval_day(datetime(2026, 3, 5, 17, 0, tzinfo=timezone.utc)) == date(2026, 3, 6)


def test_retry_backs_off_and_is_capped() -> None:
    assert retry_delay(1, 5, 300) == timedelta(seconds=5)
    assert retry_delay(3, 5, 300) == timedelta(seconds=20)
    assert retry_delay(10_000, 5, 300) == timedelta(seconds=300)
