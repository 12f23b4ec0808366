"""Referral detection (REF-DETECT, CLS-ROUTE-OUT; policy.md §2, §6): which partner departments a
request must be handed to, each with the rule and clause that made it. Pure: the caller passes
the request's facts and the region's pack, so every rule is testable without a database.

The window handles what is its own and transfers the rest (分办、转办): a person states their
trouble once. What triggers each department (policy.md §2 "Other programmes the intake must
detect and refer", §6's partner departments):

* schooling costs (need, expense or event) → education (Linfen 二(五), Anyang 二(三)9, Dongtou 六);
* job loss, or a dibao/marginal household with a working-age member able to work and nobody
  employed → hrss (Linfen 二(七), Anyang 二(三)11); only those households, or every household
  with an able adult would be sent to the employment office;
* housing costs or a destroyed home (a natural disaster) → housing (Linfen 二(六), Anyang 二(三)10);
* a natural disaster → emergency management (disaster relief, CLS-ROUTE-OUT);
* inpatient costs, or a stated medical need → medical insurance and health (Linfen 二(四), Anyang 二(三)8);
* a disabled member, or the need → the disabled persons' federation (Anyang 二(三)13, Dongtou 九);
* vagrancy → the rescue station (CLS-ROUTE-OUT);
* unpaid power bills (need `power`) → the power supply company (Dongtou 五);
* needs beyond public aid (need `charity`) → charity (Chongqing city notice 二(六));
* a registered-poor applicant asking for temporary aid may qualify for dibao or tekun
  (Chongqing city notice 二(四)): not a partner department but the window's own programme, so
  it is a suggestion on the case (`suggest_applications`), with no event and no clock.

Route-outs (CLS-ROUTE-OUT) apply where the region declares that rule; everything else only
where it declares REF-DETECT. A department the region's pack does not list is a pack error, not
a silent skip. Legal aid and funeral services are no department of the contract's list: they
stay with the window (not referred here).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from relief_shared.regions import RegionPack

from eligibility.policy import age

WORKING_AGE = (16, 60)
ROUTE_OUT_DEPARTMENT = {"vagrancy": "rescue_station", "disaster": "emergency"}


class UnknownDepartment(LookupError):
    """The region's pack does not list a department the rules refer to."""


@dataclass(frozen=True)
class Member:
    birth_date: date
    disabled: bool = False
    able_to_work: bool = True


@dataclass(frozen=True)
class Facts:
    """What detection reads of a request."""

    needs: tuple[str, ...] = ()
    event_kinds: tuple[str, ...] = ()
    expense_categories: tuple[str, ...] = ()
    status: str = "none"
    members: tuple[Member, ...] = ()
    employed: bool = False
    applies_for: str = "temporary_assistance"


@dataclass(frozen=True)
class Reason:
    rule: str
    clause: str
    reason: str


@dataclass
class Referral:
    department: str
    reasons: list[Reason] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)

    @property
    def rules(self) -> list[str]:
        return list(dict.fromkeys(r.rule for r in self.reasons))


def detect(pack: RegionPack, facts: Facts, today: date) -> list[Referral]:
    """The referrals of one request, one per department, in the contract's department order."""
    found: dict[str, Referral] = {}

    def refer(department: str, rule: str, reason: str, need: str | None = None) -> None:
        referral = found.setdefault(department, Referral(department))
        referral.reasons.append(Reason(rule, pack.rules[rule], reason))
        if need and need not in referral.needs:
            referral.needs.append(need)

    kinds, needs, spending = set(facts.event_kinds), set(facts.needs), set(facts.expense_categories)
    if pack.has_rule("CLS-ROUTE-OUT"):
        for kind in sorted(kinds & set(ROUTE_OUT_DEPARTMENT)):
            refer(ROUTE_OUT_DEPARTMENT[kind], "CLS-ROUTE-OUT", f"{kind}: another programme's case (route-out)")
    if pack.has_rule("REF-DETECT"):
        _detect(facts, kinds, needs, spending, today, refer)
    listed = departments(pack, today)
    for department in found:
        if department not in listed:
            raise UnknownDepartment(f"region {pack.code!r} lists no department {department!r} in referral_departments")
    order = list(listed)
    return sorted(found.values(), key=lambda r: order.index(r.department))


def _detect(facts: Facts, kinds: set[str], needs: set[str], spending: set[str], today: date, refer) -> None:  # noqa: ANN001
    rule = "REF-DETECT"
    if "education" in needs or "education" in spending or "schooling" in kinds:
        why = [w for w, holds in (("stated need", "education" in needs), ("education costs", "education" in spending),
                                  ("schooling event", "schooling" in kinds)) if holds]
        refer("education", rule, f"schooling: {', '.join(why)} (education aid)", "education")
    able_idle = _able_without_job(facts, today)
    if "employment" in needs or "job_loss" in kinds or able_idle:
        why = [w for w, holds in (("stated need", "employment" in needs), ("job loss", "job_loss" in kinds),
                                  (f"{facts.status} household with a member able to work and none employed",
                                   able_idle)) if holds]
        refer("hrss", rule, f"employment aid: {', '.join(why)}", "employment")
    if "housing" in needs or "housing" in spending or "disaster" in kinds:
        why = [w for w, holds in (("stated need", "housing" in needs), ("housing costs", "housing" in spending),
                                  ("home destroyed by a disaster", "disaster" in kinds)) if holds]
        refer("housing", rule, f"housing aid: {', '.join(why)}", "housing")
    if "medical_inpatient" in spending or "medical" in needs:
        why = [w for w, holds in (("inpatient costs", "medical_inpatient" in spending),
                                  ("stated need", "medical" in needs)) if holds]
        for department in ("medical_insurance", "health"):
            refer(department, rule, f"medical aid: {', '.join(why)}", "medical")
    disabled = any(m.disabled for m in facts.members)
    if disabled or "disability" in needs:
        why = [w for w, holds in (("a disabled member", disabled), ("stated need", "disability" in needs)) if holds]
        refer("disability", rule, f"disability subsidies: {', '.join(why)}", "disability")
    if "power" in needs:
        refer("power", rule, "unpaid power bills: stated need", "power")
    if "charity" in needs:
        refer("charity", rule, "needs beyond public aid: stated need (charity referral)", "charity")


def _able_without_job(facts: Facts, today: date) -> bool:
    if facts.employed or facts.status not in ("dibao", "marginal"):
        return False
    low, high = WORKING_AGE
    return any(m.able_to_work and low <= age(m.birth_date, today) < high for m in facts.members)


def departments(pack: RegionPack, as_of: date) -> dict[str, dict]:
    """The region's partner departments with their handling limits (`referral_departments`)."""
    return dict(pack.parameter("referral_departments", as_of).value)


def suggest_applications(pack: RegionPack, facts: Facts) -> list[dict[str, str]]:
    """REF-DETECT's last line: a registered-poor household asking for temporary aid is told it may
    apply for dibao or tekun (the window's own programmes, so no partner referral)."""
    if not pack.has_rule("REF-DETECT") or facts.status != "registered_poor" \
            or facts.applies_for != "temporary_assistance":
        return []
    return [{"applies_for": program, "rule": "REF-DETECT", "clause": pack.rules["REF-DETECT"],
             "reason": "registered-poor household: may qualify, and may get temporary aid first"}
            for program in ("dibao", "tekun")]
