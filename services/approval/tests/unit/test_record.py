"""The printable approval record (FX-RECORD): one A4 page from the record's JSON, every text escaped."""
from __future__ import annotations

from datetime import datetime, timezone

from approval.record import render_html

RECORD = {
    "rules": ["FX-RECORD", "FX-LEDGER"], "title": "社会救助审批记录 Approval record", "case_id": "c-1",
    "region": "fuxin-haizhou", "unit": {"code": "fuxin-haizhou/hanjiadian", "name": "韩家店镇"},
    "type": "expenditure", "status": "approved",
    "subject": {"name": "<script>alert(1)</script>", "id_number": "210902198001011236",
                "household": {"status": "dibao", "size": 2, "monthly_income_per_capita": "300.00",
                              "registered_in_region": True},
                "situation": {"events": [{"kind": "chronic_illness", "occurred_on": "2026-10-01"}], "expenses": []},
                "classification": {"reasons": ["necessary spending & more"], "flags": []}},
    "reason": None, "amount": "1500.00", "amount_ceiling": "2000.00",
    "route": {"rules": ["FX-EXP-PROC"], "skipped": [], "sources": [], "pack_version": "2026.11.2"},
    "actors": [{"duty": "handler", "step": "intake", "id": "clerk-1", "name": "李经办"},
               {"duty": "approver", "step": "approve", "id": "a-1", "name": "王审批"}],
    "decisions": [{"step": "approve", "round": 2, "role": "approver", "duty": "approver", "status": "approved",
                   "actor": {"id": "a-1", "name": "王审批"}, "amount": "1500.00", "comment": "同意",
                   "report": None, "superseded": False, "opened_at": "2026-10-02T09:00:00+08:00",
                   "decided_at": "2026-10-03T09:00:00+08:00", "org_unit": "fuxin-haizhou/hanjiadian"}],
    "open_steps": [], "objections": [], "deliberations": [], "deadlines": [], "seal": "韩家店镇（盖章 seal）",
}


def test_the_page_is_a4_escaped_and_names_everyone() -> None:
    page = render_html(RECORD, generated_at=datetime(2026, 10, 3, 2, tzinfo=timezone.utc))
    assert "@page { size: A4" in page and page.startswith("<!DOCTYPE html>")
    assert "<script>" not in page and "&lt;script&gt;" in page and "spending &amp; more" in page
    for text in ("韩家店镇", "210902198001011236", "1500.00", "2000.00", "李经办", "王审批", "第2轮", "盖章 seal",
                 "chronic_illness (2026-10-01)", "2026-10-03T10:00:00+08:00", "FX-RECORD"):
        assert text in page, text
