"""A person's dibao / marginal / tekun status (policy.md §1), which drives the status lookup
(DT-NO-PAPER), the education push (DT-EDU-NEXT-MONTH) and the monthly payroll (DT-PAY-10TH)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from relief_shared.contract.fields import PERSONAL_MARK, Actor, Amount, BankAccount, LocalDate, Payload, Person
from relief_shared.contract.registry import event

Status = Literal["dibao", "marginal", "tekun", "none"]


@event("status.changed", 1, publisher="approval", also_published_by=("eligibility",),
       summary="A person entered, left or changed dibao, marginal or tekun status: approved or terminated by "
               "the procedure (approval), or imported for existing recipients (eligibility's ops import).",
       id_number_reason="the status register, the education push and the monthly payroll act on this person "
                        "and must name them")
class StatusChanged(Payload):
    person: Person
    status: Status = Field(description="the status from `since` on; `none` when the person leaves")
    previous: Status
    since: LocalDate = Field(description="the day the decision takes effect")
    household_size: int | None = Field(None, ge=1, description="members covered (a single-person household: 1)")
    monthly_amount: Amount | None = Field(None, description="the monthly benefit decided, where the status pays one")
    dispersed: bool | None = Field(None, description="tekun cared for at home (分散供养) rather than in an institution")
    self_care: Literal["full_loss", "moderate", "mild", "self_caring"] | None = Field(
        None, description="tekun self-care ability (DT-CARE), where assessed")
    reason: str = Field(description="why: the decision or termination, with its clause")
    rules: list[str]
    by: Actor
    org_unit: str | None = Field(None, max_length=100, description="the town/street that pays the person")
    bank_account: BankAccount | None = Field(None, description="the person's own account for the monthly payment",
                                             json_schema_extra={PERSONAL_MARK: "bank_account"})
    deceased_on: LocalDate | None = Field(None, description="the person died (status `none` from then on): "
                                                            "nothing paid to them is recovered (ANY-NO-CLAWBACK)")
