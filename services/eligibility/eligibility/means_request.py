"""Which cases hand their household to means-check, and what they hand over.

means-check owns the rule (ADV-SKIP, CQ-EXP-ONLY; `means_check.policy.scope_for`): an emergency
helped in advance is not checked, an expenditure case of a dibao, tekun or registered-poor
household has its expenditure checked without any department query, and a referral never
reaches means-check. Only the remaining cases need the departments' data, so only they send
the members' ID numbers (least data); a contract test keeps this predicate and means-check's
rule in step.
"""
from __future__ import annotations

from relief_shared.contract import Envelope, system
from relief_shared.contract.case import CaseClassified
from relief_shared.contract.household import CaseVerificationNeeded, HouseholdMember, MeansConsent
from relief_shared.regions import RegionPack

from eligibility.schemas import CaseIn

EXPENDITURE_ONLY_STATUSES = frozenset({"dibao", "tekun", "registered_poor"})
STATUS_APPLICATIONS = frozenset({"dibao", "marginal", "tekun"})


def needs_department_data(pack: RegionPack, classification_type: str, household_status: str,
                          applies_for: str = "temporary_assistance") -> bool:
    """By the rules the region declares: a region without ADV-SKIP checks its emergencies, one
    without CQ-EXP-ONLY checks every expenditure household in full; an application for dibao,
    marginal or tekun status is always checked in full (its decision waits for means.verified)."""
    if classification_type == "referral_only":
        return False
    if applies_for in STATUS_APPLICATIONS:
        return True
    if classification_type == "emergency" and pack.has_rule("ADV-SKIP"):
        return False
    return not (classification_type == "expenditure" and household_status in EXPENDITURE_ONLY_STATUSES
                and pack.has_rule("CQ-EXP-ONLY"))


def verification_needed(classified: Envelope[CaseClassified], request: CaseIn, pack: RegionPack,
                        source: str) -> Envelope[CaseVerificationNeeded] | None:
    """The household for means-check, or None when the case needs no department query. Without
    the household's consent the members are left out: nothing may be queried about them."""
    data = classified.data
    if not needs_department_data(pack, data.classification.type, data.household.status, data.applies_for):
        return None
    consented = request.consent.means_check
    members = [HouseholdMember(id_number=m.id_number, relation=m.relation) for m in request.household.members]
    payload = CaseVerificationNeeded(
        org_unit=data.org_unit, applies_for=data.applies_for, classification_type=data.classification.type,
        household_status=data.household.status, members=members if consented else [],
        consent=MeansConsent(means_check=consented, signed_on=request.consent.signed_on),
        accepted_at=data.accepted_at, requested_by=data.accepted_by, by=system(source))
    return Envelope.new(payload, case_id=classified.case_id, region=classified.region, source=source,
                        cause=classified)
