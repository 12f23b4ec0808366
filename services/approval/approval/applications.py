"""What approval takes from `case.classified`: the subject's facts for the approval record
(FX-RECORD), for every case that can reach a decision (a referral never does)."""
from __future__ import annotations

from approval import facts
from approval.store import UnitOfWork
from relief_shared.contract import Envelope
from relief_shared.contract.case import CaseClassified


async def on_case_classified(event: Envelope[CaseClassified], uow: UnitOfWork) -> None:
    data = event.data
    if data.classification.type == "referral_only":
        return
    await uow.facts.put(case_id=event.case_id, region=event.region, org_unit=data.org_unit, at=event.occurred_at,
                        applies_for=data.applies_for, subject=facts.subject_of(event))
