"""DT-DEPT-REPORT from referral rows: counts, median and worst times, late feedback, overdue list; CSV."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from eligibility.department_report import as_csv, report

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def row(department: str, n: int, *, ack: float | None = None, done: float | None = None, overdue: bool = False,
        late: bool | None = None) -> SimpleNamespace:
    hours = lambda h: None if h is None else T0 + timedelta(hours=h)  # noqa: E731
    return SimpleNamespace(id=f"r{n}", case_id=f"c{n}", org_unit="wenzhou-dongtou/beiyan", department=department,
                           requested_at=T0, due=T0 + timedelta(days=7), acknowledged_at=hours(ack),
                           completed_at=hours(done), overdue_at=T0 + timedelta(days=8) if overdue else None,
                           late_feedback=late)


def test_counts_times_late_and_overdue_per_department() -> None:
    rows = [row("education", 1, ack=1, done=10, late=False), row("education", 2, ack=3, done=50, late=True),
            row("education", 3, ack=2), row("housing", 4, overdue=True)]
    doc = report("wenzhou-dongtou", date(2026, 3, 1), date(2026, 3, 31), rows, ["education", "housing", "power"])
    edu, housing, power = doc["departments"]
    assert (edu["requested"], edu["acknowledged"], edu["completed"], edu["overdue"], edu["late_feedback"]) == \
        (3, 3, 2, 0, 1)
    assert edu["to_acknowledge"]["median_seconds"] == 2 * 3600 and edu["to_acknowledge"]["worst_seconds"] == 3 * 3600
    assert edu["to_complete"]["worst"] == "P2DT2H0M0S"
    assert housing["overdue"] == 1 and housing["overdue_referrals"][0]["id"] == "r4"
    assert housing["to_acknowledge"]["median_seconds"] is None
    assert power["requested"] == 0

    lines = list(csv.DictReader(io.StringIO(as_csv(doc))))
    assert [line["department"] for line in lines] == ["education", "housing", "power"]
    assert lines[1]["overdue_referrals"] == "r4" and lines[0]["late_feedback"] == "1"
