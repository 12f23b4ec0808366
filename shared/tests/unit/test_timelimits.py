"""Time limits as data, and when they fall due (policy.md §4.3, §4.6, §7, §8)."""
from datetime import date, datetime, timedelta

import pytest

from relief_shared import timelimits
from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.regions import RegionPack, RegionPacks
from relief_shared.settings import ServiceSettings
from relief_shared.timelimits import Span

PACKS = RegionPacks.load()
CALENDAR = WorkingCalendar.load()


def limit(region: str, limit_id: str):  # noqa: ANN201
    found = PACKS.get(region).time_limit(limit_id, date(2026, 2, 12))
    assert found is not None, limit_id
    return found


def due(region: str, limit_id: str, start: datetime, calendar: WorkingCalendar = CALENDAR) -> timelimits.Due:
    found = limit(region, limit_id)
    return timelimits.due(found.span, start, found.warn_before, calendar)


def test_chongqing_advance_aid_accepted_thursday_before_spring_festival() -> None:
    # State Council notice for 2026: 2月15日至23日放假调休, 2月14日（周六）、2月28日（周六）上班.
    # Thu 12 → Fri 13 (1), Sat 14 adjusted working day (2), 15-23 off, Tue 24 (3).
    counted = due("chongqing-yubei", "CQ-ADV", datetime(2026, 2, 12, 9, tzinfo=SHANGHAI))
    assert counted.at == datetime(2026, 2, 24, 23, 59, 59, tzinfo=SHANGHAI)
    assert counted.warn_at == datetime(2026, 2, 14, 23, 59, 59, tzinfo=SHANGHAI)  # one working day ahead
    assert counted.calendar_complete and counted.calendar_version.startswith("2026:official:")
    assert due("chongqing-yubei", "CQ-EMG-3WD", datetime(2026, 2, 12, 9, tzinfo=SHANGHAI)).at == counted.at


def test_dongtou_24_hours_are_clock_hours_across_a_weekend() -> None:
    friday_evening = datetime(2026, 3, 6, 18, 30, tzinfo=SHANGHAI)
    counted = due("wenzhou-dongtou", "DT-ADV", friday_evening)
    assert counted.at == datetime(2026, 3, 7, 18, 30, tzinfo=SHANGHAI)  # Saturday: no working days involved
    assert counted.warn_at == counted.at - timedelta(hours=4)
    assert due("wenzhou-dongtou", "DT-15D", friday_evening).at == datetime(2026, 3, 21, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_dibao_decision_whose_verification_took_16_days_gets_30_days_and_not_more() -> None:
    dt20 = limit("wenzhou-dongtou", "DT-20D")
    assert (dt20.amount, dt20.unit, dt20.extension.rule) == (20, "calendar_days", "DT-MEANS-15D")
    assert dt20.extended(15) == 20  # "超过15天" : 15 days is not over 15
    assert dt20.extended(16) == 30
    assert dt20.extended(45) == 30  # 最长不超过30天
    start = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
    counted = timelimits.due(Span(dt20.extended(16), dt20.unit), start, dt20.warn_before, CALENDAR)
    assert counted.at == datetime(2026, 4, 1, 23, 59, 59, tzinfo=SHANGHAI)


def test_day_of_month_is_before_that_day_and_rolls_over_once_it_has_passed() -> None:
    entry = limit("chongqing-yubei", "CQ-ADV-ENTRY")
    on = lambda d: timelimits.due(entry.span, d, entry.warn_before, CALENDAR).at  # noqa: E731
    assert on(datetime(2026, 3, 10, 9, tzinfo=SHANGHAI)) == datetime(2026, 3, 24, 23, 59, 59, tzinfo=SHANGHAI)
    assert on(datetime(2026, 3, 25, 9, tzinfo=SHANGHAI)) == datetime(2026, 4, 24, 23, 59, 59, tzinfo=SHANGHAI)
    assert on(datetime(2026, 12, 28, 9, tzinfo=SHANGHAI)) == datetime(2027, 1, 24, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_year_without_its_notice_is_counted_on_fixed_holidays_and_says_so() -> None:
    counted = due("chongqing-yubei", "CQ-ADV", datetime(2027, 12, 29, 9, tzinfo=SHANGHAI))
    assert not counted.calendar_complete
    assert "2028:provisional" in counted.calendar_version and "2027:provisional" in counted.calendar_version
    # Thu 30, Fri 31, (Sat 1 Jan, fixed holiday anyway; Sun 2), Mon 3: weekends and 元旦 only.
    assert counted.at == datetime(2028, 1, 3, 23, 59, 59, tzinfo=SHANGHAI)


def test_regions_have_only_their_own_limits() -> None:
    assert set(PACKS.get("fuxin-haizhou").time_limits) == {"LF-COMPLAINT"}  # complaints.toml: every region's
    assert PACKS.get("chongqing-yubei").time_limit("DT-ADV", date(2026, 1, 1)) is None
    owned = {lim.id for lim in PACKS.get("wenzhou-dongtou").limits_owned_by("disbursement", date(2026, 1, 1))}
    assert owned == {"DT-PAY-3WD", "DT-PAY-10TH", "DT-ADV-PAY"}
    every = {lim.id for p in ("chongqing-yubei", "wenzhou-dongtou") for lim in PACKS.get(p).time_limits.values()}
    assert {"CQ-ADV", "CQ-ADV-ENTRY", "CQ-ADV-FILING", "CQ-EMG-3WD", "DT-ADV", "DT-15D", "DT-20D",
            "DT-FEEDBACK-1WD", "DT-PAY-3WD", "DT-PAY-10TH"} <= every


BASE = {"code": "x", "name": "x", "pack_version": "1"}
GOOD = {"name": "n", "unit": "working_days", "amount": 3, "start": "case.received", "stop": ["case.approved"],
        "owner": "approval", "source": "seed", "warn_before": {"amount": 1, "unit": "working_days"},
        "valid_from": date(2020, 1, 1)}


@pytest.mark.parametrize("change", [{"unit": None}, {"unit": "fortnights"}, {"source": ""}, {"amount": 0},
                                    {"stop": []}, {"owner": None}, {"warn_before": {"amount": 1}}])
def test_a_limit_missing_its_unit_or_source_does_not_load(change: dict) -> None:
    with pytest.raises(ValueError, match="time limit L"):
        RegionPack.from_toml({**BASE, "time_limits": {"L": {**GOOD, **change}}})


def test_production_settings_refuse_the_suite_clock() -> None:
    secret = {"jwt_secret": "a-real-production-secret-of-enough-length", "kin_secret": "a-real-production-kin-key"}
    with pytest.raises(ValueError, match="suite clock"):
        ServiceSettings(environment="production", suite_clock=True, **secret)
    assert not ServiceSettings(environment="production", **secret).suite_clock_enabled
    assert ServiceSettings().suite_clock_enabled and ServiceSettings(environment="test").suite_clock_enabled
