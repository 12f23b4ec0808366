"""The household a means check must verify: the one event that names every member.

`case.classified` names only the applicant (benefit-calc's payee). The departments' data is
queried per person, so means-check alone needs the other members' ID numbers; eligibility
publishes them in this event only for a case that needs the full check (not ADV-SKIP, not
CQ-EXP-ONLY, not a referral), and only means-check reads it (`means-check-household`).
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from relief_shared.contract.case import AppliesFor, CaseType, HouseholdStatus
from relief_shared.contract.fields import Actor, IdNumber, Instant, LocalDate, Payload
from relief_shared.contract.registry import event

Relation = Literal["self", "spouse", "child", "parent", "other"]


class HouseholdMember(Payload):
    """A member to verify: the ID number the departments are asked about, and the relation.
    No name, no birth date (it is in the ID number), no health facts."""

    id_number: IdNumber
    relation: Relation


class MeansConsent(Payload):
    """The household's written authorisation of the check (授权书), as recorded at intake."""

    means_check: bool = Field(description="the household authorised the query of its economic data")
    signed_on: LocalDate


@event("case.verification_needed", 1, publisher="eligibility",
       summary="The case needs a household economic status verification of its full scope "
               "(ANY-MEANS-SOURCES): the members to verify and the household's consent. Published only "
               "for such cases; read by means-check alone.",
       id_number_reason="means-check queries the departments' records of each member, and only of them "
                        "(ANY-MEANS-SOURCES); never published for a case that needs no query")
class CaseVerificationNeeded(Payload):
    org_unit: str
    applies_for: AppliesFor
    classification_type: CaseType
    household_status: HouseholdStatus
    members: list[HouseholdMember] = Field(max_length=50, description="empty when the household did not consent: "
                                           "then nothing may be queried")
    consent: MeansConsent
    accepted_at: Instant | None = Field(None, description="when the case was accepted")
    requested_by: Actor = Field(description="the clerk who accepted the case and took the consent: the access "
                                            "log records the queries as theirs")
    by: Actor
