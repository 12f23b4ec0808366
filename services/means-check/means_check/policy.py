"""Which verification a classified case needs, by the rules its region declares.

ADV-SKIP (Fuxin 四, Chongqing 二(二), Anyang 二(六)21, Dongtou 三): emergency cases helped in
advance skip the means check. CQ-EXP-ONLY (Chongqing 二(二); Fuxin 四): expenditure applicants
who are dibao, tekun or registered poor have their necessary expenditure verified, not their
income and property. A referral-only case (CLS-ROUTE-OUT) is not assistance and is never
checked. Everyone else gets the full check (ANY-MEANS-SOURCES). A region that does not declare
ADV-SKIP or CQ-EXP-ONLY (Linfen has no advance aid; only Chongqing and Fuxin narrow the check)
gives those cases the full check.
"""
from __future__ import annotations

from dataclasses import dataclass

from relief_shared.regions import RegionPack

EXPENDITURE_ONLY_STATUSES = frozenset({"dibao", "tekun", "registered_poor"})


@dataclass(frozen=True)
class Scope:
    status: str  # skipped | requested
    scope: str  # none | expenditure | full
    rules: tuple[str, ...]
    reason: str


STATUS_APPLICATIONS = frozenset({"dibao", "marginal", "tekun"})


def scope_for(pack: RegionPack, classification_type: str, household_status: str,
              applies_for: str = "temporary_assistance") -> Scope:
    if classification_type == "referral_only":
        return Scope("skipped", "none", ("CLS-ROUTE-OUT",),
                     "referral-only case: routed to another programme, no means check (Fuxin 二)")
    if applies_for in STATUS_APPLICATIONS:  # no advance, no expenditure-only shortcut: the status rests on it
        return Scope("requested", "full", ("ANY-MEANS-SOURCES",),
                     f"an application for {applies_for} status: full household economic status verification "
                     f"({pack.rules.get('ANY-MEANS-SOURCES', 'policy.md §5')})")
    if classification_type == "emergency" and pack.has_rule("ADV-SKIP"):
        return Scope("skipped", "none", ("ADV-SKIP",),
                     f"emergency case helped in advance: means check skipped ({pack.rules['ADV-SKIP']})")
    if classification_type == "expenditure" and household_status in EXPENDITURE_ONLY_STATUSES \
            and pack.has_rule("CQ-EXP-ONLY"):
        return Scope("requested", "expenditure", ("CQ-EXP-ONLY",),
                     f"{household_status} household: verify necessary expenditure only ({pack.rules['CQ-EXP-ONLY']})")
    return Scope("requested", "full", ("ANY-MEANS-SOURCES",),
                 f"full household economic status verification ({pack.rules.get('ANY-MEANS-SOURCES', 'policy.md §5')})")
