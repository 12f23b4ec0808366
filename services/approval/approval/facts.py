"""The facts an approval record must state (FX-RECORD, Fuxin 四: the subject's basic facts, the
reason, the amount): kept here as the chain delivers them, so the record of a case can be
printed long after the events are gone from the stream.

The subject comes with `case.classified` (who, the household, what happened, how the window
classified it), the reason of the amount with `benefit.calculated` (the rules, the trace, the
decision). They arrive on different consumers in any order, so each fills its own column of one
row; only the applicant is named, never the other members (least data).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, String, Table, Text, bindparam, update
from sqlalchemy.ext.asyncio import AsyncConnection

from approval.schema import metadata
from relief_shared.contract import Envelope
from relief_shared.contract.benefit import BenefitCalculated
from relief_shared.contract.case import CaseClassified
from relief_shared.db import UtcDateTime, insert_if_absent

facts = Table(
    "approval_facts", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(100), nullable=False),
    Column("applies_for", String(32)),
    Column("subject", Text),  # JSON, from case.classified
    Column("reason", Text),  # JSON, from benefit.calculated
    Column("recorded_at", UtcDateTime(), nullable=False),
)


# built once: each case fills its row twice (the subject, then the reason)
_fill_subject = update(facts).where(facts.c.case_id == bindparam("b_case_id"), facts.c.subject.is_(None)).values(
    subject=bindparam("v_subject"), applies_for=bindparam("v_applies_for"))
_fill_reason = update(facts).where(facts.c.case_id == bindparam("b_case_id"), facts.c.reason.is_(None)).values(
    reason=bindparam("v_reason"))


@dataclass(frozen=True)
class CaseFacts:
    case_id: str
    region: str
    org_unit: str
    applies_for: str | None
    subject: dict[str, Any] | None
    reason: dict[str, Any] | None


def subject_of(event: Envelope[CaseClassified]) -> dict[str, Any]:
    """The subject's basic facts as the window classified them; no free-text descriptions."""
    d = event.data
    return {
        "name": d.applicant.name, "id_number": d.applicant.id_number, "applies_for": d.applies_for,
        "accepted_on": d.accepted_on.isoformat(), "accepted_by": {"id": d.accepted_by.id, "name": d.accepted_by.name},
        "household": {"status": d.household.status, "size": d.household.size,
                      "monthly_income_per_capita": _money(d.household.monthly_income_per_capita),
                      "registered_in_region": d.household.registered_in_region},
        "situation": {"events": [{"kind": e.kind, "occurred_on": e.occurred_on.isoformat()} for e in d.situation.events],
                      "severity": d.situation.severity,
                      "expenses": [{"category": e.category, "amount": _money(e.amount)} for e in d.situation.expenses]},
        "classification": {"type": d.classification.type, "household_category": d.classification.household_category,
                           "rules": list(d.classification.rules), "reasons": list(d.classification.reasons),
                           "flags": list(d.classification.flags)},
    }


def reason_of(event: Envelope[BenefitCalculated]) -> dict[str, Any]:
    """Why the amount: the calculation's rules, its decision and every step of its trace."""
    d = event.data
    return {"type": d.type, "as_of": d.as_of.isoformat(), "ceiling": _money(d.ceiling),
            "recommended": _money(d.recommended), "rules": list(d.rules), "decision": d.decision,
            "needs_deliberation": d.needs_deliberation, "pack_version": d.pack_version,
            "trace": [{"rule": t.rule, "source": t.source, "result": _money(t.result), "note": t.note} for t in d.trace]}


class Facts:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def put(self, *, case_id: str, region: str, org_unit: str, at: Any, applies_for: str | None = None,
                  subject: dict[str, Any] | None = None, reason: dict[str, Any] | None = None) -> None:
        """Fill the row's subject or reason; the first delivery of each wins (redeliveries change nothing)."""
        row = dict(case_id=case_id, region=region, org_unit=org_unit, applies_for=applies_for,
                   subject=_json(subject), reason=_json(reason), recorded_at=at)
        inserted = await self.conn.execute(insert_if_absent(self.conn.dialect.name, facts), row)
        if inserted.rowcount == 1:
            return
        if subject is not None:
            await self.conn.execute(_fill_subject, {"b_case_id": case_id, "v_subject": row["subject"],
                                                    "v_applies_for": applies_for})
        if reason is not None:
            await self.conn.execute(_fill_reason, {"b_case_id": case_id, "v_reason": row["reason"]})

    async def get(self, case_id: str, *, region: str) -> CaseFacts | None:
        row = (await self.conn.execute(facts.select().where(facts.c.case_id == case_id, facts.c.region == region))
               ).mappings().first()
        if row is None:
            return None
        return CaseFacts(row["case_id"], row["region"], row["org_unit"], row["applies_for"],
                         json.loads(row["subject"]) if row["subject"] else None,
                         json.loads(row["reason"]) if row["reason"] else None)


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _money(m: Any) -> str | None:
    return None if m is None else str(m)
