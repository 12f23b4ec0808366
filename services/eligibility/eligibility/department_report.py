"""The department performance report (DT-DEPT-REPORT, Dongtou 五): civil affairs checks each
partner department's handling and reports the slow ones.

For the referrals requested in a period (local dates, `from` to `to` inclusive): per department
how many were requested, acknowledged, completed and overdue, the median and worst time to
acknowledge and to complete (seconds, and as ISO 8601 durations), how many results were reported
late (DT-FEEDBACK-1WD), and the overdue referrals themselves. Pure: rows in, report out.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from statistics import median
from typing import Any

from relief_shared.calendar import SHANGHAI

from eligibility.domain import iso_duration

CSV_COLUMNS = ("department", "requested", "acknowledged", "completed", "overdue", "late_feedback",
               "median_seconds_to_acknowledge", "worst_seconds_to_acknowledge", "median_seconds_to_complete",
               "worst_seconds_to_complete", "overdue_referrals")


def _times(rows: list[Any], field: str) -> dict[str, Any]:
    spans = [int((getattr(r, field) - r.requested_at).total_seconds()) for r in rows if getattr(r, field) is not None]
    if not spans:
        return {"median_seconds": None, "worst_seconds": None, "median": None, "worst": None}
    mid, worst = int(median(spans)), max(spans)
    return {"median_seconds": mid, "worst_seconds": worst, "median": iso_duration(mid), "worst": iso_duration(worst)}


def report(region: str, start: date, end: date, rows: Iterable[Any], departments: Iterable[str]) -> dict[str, Any]:
    by_department: dict[str, list[Any]] = {d: [] for d in departments}
    for row in rows:
        by_department.setdefault(row.department, []).append(row)
    items = []
    for department, found in by_department.items():
        overdue = [r for r in found if r.overdue_at is not None]
        items.append({
            "department": department, "requested": len(found),
            "acknowledged": sum(r.acknowledged_at is not None for r in found),
            "completed": sum(r.completed_at is not None for r in found), "overdue": len(overdue),
            "late_feedback": sum(bool(r.late_feedback) for r in found),
            "to_acknowledge": _times(found, "acknowledged_at"), "to_complete": _times(found, "completed_at"),
            "overdue_referrals": [{
                "id": r.id, "case_id": r.case_id, "org_unit": r.org_unit,
                "requested_at": r.requested_at.astimezone(SHANGHAI).isoformat(),
                "due": r.due.astimezone(SHANGHAI).isoformat() if r.due else None,
                "overdue_at": r.overdue_at.astimezone(SHANGHAI).isoformat(),
                "completed_at": r.completed_at.astimezone(SHANGHAI).isoformat() if r.completed_at else None,
            } for r in overdue],
        })
    return {"region": region, "from": start.isoformat(), "to": end.isoformat(), "rule": "DT-DEPT-REPORT",
            "departments": items}


def as_csv(doc: dict[str, Any]) -> str:
    """One line per department; the overdue referrals' ids joined by `;`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for d in doc["departments"]:
        writer.writerow([d["department"], d["requested"], d["acknowledged"], d["completed"], d["overdue"],
                         d["late_feedback"], d["to_acknowledge"]["median_seconds"], d["to_acknowledge"]["worst_seconds"],
                         d["to_complete"]["median_seconds"], d["to_complete"]["worst_seconds"],
                         ";".join(r["id"] for r in d["overdue_referrals"])])
    return out.getvalue()
