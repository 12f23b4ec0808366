"""Classification of a request by the rules its region declares (policy.md §1, §2).

CLS-ROUTE-OUT first: vagrancy and natural disaster are not temporary assistance and go to
the rescue station / disaster relief. Then CLS-EMG: a sudden event named by the texts makes it
emergency, for anyone in the area, registered or not (FX-EMG-ALL and its twins in every
region's texts). Otherwise necessary spending makes it expenditure (CLS-EXP), handled where
the household is registered — or, where the region allows it, where a residence-permit holder
lives (ANY-RESIDENCE) — and in Chongqing only for the households CQ-EXP-SCOPE names. A request
outside those is not temporary assistance: no amount, the window refers it on.

Then the household's category and what the approver must know, each only where the region
declares the rule: FX-LOWINC (income up to 3·S), DT-MARGINAL (income above S up to
min(2·S, minimum wage)), CQ-CLASS-B (registered poor at class B), the tekun definition with
the region's minor age (LF-TK-DEF 16, ANY-TK-AGE 18), ANY-SINGLE and ANY-EXIT. Numbers come
from the region's pack; a rule the region does not declare is never applied.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from relief_shared.money import Money
from relief_shared.regions import RegionPack

ROUTE_OUT = {"vagrancy": "rescue_station", "disaster": "emergency"}
EMERGENCY_KINDS = frozenset({
    "fire", "traffic_accident", "injury", "drowning", "sudden_illness", "business_failure", "job_loss",
    "safety_incident", "despair", "other",
})
EXPENDITURE_KINDS = frozenset({"chronic_illness", "schooling"})
CQ_EXPENDITURE_SCOPE = ("dibao", "tekun", "registered_poor", "low_income")
ELDERLY_AGE = 60  # 老年人 (老年人权益保障法 第二条)


@dataclass(frozen=True)
class Member:
    birth_date: date
    relation: str = "self"
    disabled: bool = False
    seriously_ill: bool = False
    able_to_work: bool = True


@dataclass(frozen=True)
class Request:
    """What classification reads of an intake request."""

    event_kinds: tuple[str, ...]
    status: str = "none"
    registered_in_region: bool = True
    expense_categories: tuple[str, ...] = ()
    applies_for: str = "temporary_assistance"
    members: tuple[Member, ...] = ()
    income_per_capita: Money | None = None
    residence_permit: bool = False
    employed: bool = False
    employment_costs_per_capita: Money | None = None


@dataclass(frozen=True)
class Classification:
    type: str  # emergency | expenditure | referral_only
    household_category: str
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    route_out_to: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # what the approver must see (ANY-SINGLE, ANY-EXIT, the tekun definition)
    aid_class: str | None = None  # CQ-CLASS-B

    def as_dict(self) -> dict:
        return {"type": self.type, "household_category": self.household_category, "rules": list(self.rules),
                "reasons": list(self.reasons), "route_out_to": list(self.route_out_to), "flags": list(self.flags),
                "aid_class": self.aid_class}


@dataclass
class _Found:
    rules: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def add(self, rule: str, reason: str, *, flag: bool = False) -> None:
        self.rules.append(rule)
        (self.flags if flag else self.reasons).append(reason)


def classify(pack: RegionPack, request: Request, today: date) -> Classification:
    kinds = set(request.event_kinds)
    if kinds and kinds <= set(ROUTE_OUT) and pack.has_rule("CLS-ROUTE-OUT"):
        targets = tuple(sorted({ROUTE_OUT[k] for k in kinds}))
        return Classification("referral_only", request.status, ("CLS-ROUTE-OUT",),
                              (f"{', '.join(sorted(kinds))}: not temporary assistance, routed to {', '.join(targets)} "
                               f"({pack.rules['CLS-ROUTE-OUT']})",), targets)
    found = _Found()
    type_ = _type(pack, request, kinds, found)
    category = _category(pack, request, today, found)
    aid_class = None
    if request.status == "registered_poor" and pack.has_rule("CQ-CLASS-B"):
        aid_class = "B"
        found.add("CQ-CLASS-B", f"registered poor: class B, not C ({pack.rules['CQ-CLASS-B']})")
    return Classification(type_, category, tuple(found.rules), tuple(found.reasons), flags=tuple(found.flags),
                          aid_class=aid_class)


def _type(pack: RegionPack, request: Request, kinds: set[str], found: _Found) -> str:
    emergency = sorted(kinds & EMERGENCY_KINDS)
    if emergency and pack.has_rule("CLS-EMG"):
        found.add("CLS-EMG", f"sudden event ({', '.join(emergency)}): emergency aid (急难型, {pack.rules['CLS-EMG']})")
        if not request.registered_in_region:
            if not pack.has_rule("FX-EMG-ALL"):
                found.reasons.append("not registered here, and the region sets no rule for that: referred on")
                return "referral_only"
            found.add("FX-EMG-ALL", f"not registered here: emergency aid has no registration limit "
                                    f"({pack.rules['FX-EMG-ALL']})")
        return "emergency"
    spending = ", ".join(sorted(set(request.expense_categories)) or ["unspecified"])
    found.add("CLS-EXP", f"necessary spending ({spending}) beyond the household's capacity: expenditure aid "
                         f"(支出型, {pack.rules.get('CLS-EXP', 'policy.md §2')})")
    if not request.registered_in_region:
        if request.residence_permit and pack.has_rule("ANY-RESIDENCE"):
            found.add("ANY-RESIDENCE", f"residence-permit holder: applies where they live ({pack.rules['ANY-RESIDENCE']})")
        else:
            found.reasons.append("not registered here: expenditure aid is handled where the household is registered "
                                 "(户籍地); only emergency aid has no registration limit — referred on")
            return "referral_only"
    if pack.has_rule("CQ-EXP-SCOPE") and request.status not in CQ_EXPENDITURE_SCOPE:
        found.add("CQ-EXP-SCOPE", f"expenditure aid here is only for {', '.join(CQ_EXPENDITURE_SCOPE)} households, "
                                  f"not {request.status} ({pack.rules['CQ-EXP-SCOPE']}) — referred on")
        return "referral_only"
    return "expenditure"


def _category(pack: RegionPack, request: Request, today: date, found: _Found) -> str:
    category, income = request.status, request.income_per_capita
    if income is not None and category in ("none", "low_income", "marginal") and \
            pack.first_declared("DT-MARGINAL", "FX-LOWINC"):
        s = Money.yuan(pack.parameter("dibao_standard", today).value)
        if pack.has_rule("DT-MARGINAL") and income > s:
            line, why = marginal_line(pack, today)
            if income <= line:
                category = "marginal"
                found.add("DT-MARGINAL", f"income {income} a person is above S {s} and not above the marginal "
                                         f"standard {line} ({why}; {pack.rules['DT-MARGINAL']})")
        if category == "none" and pack.has_rule("FX-LOWINC") and income <= s.times(3):
            category = "low_income"
            found.add("FX-LOWINC", f"income {income} a person is not above 3 × S = {s.times(3)} "
                                   f"({pack.rules['FX-LOWINC']})")
    if category == "marginal" and pack.has_rule("ANY-SINGLE"):
        for i, m in enumerate(request.members):
            if m.disabled or m.seriously_ill:
                found.add("ANY-SINGLE", f"member {i} ({'severely disabled' if m.disabled else 'seriously ill'}) of a "
                                        f"marginal household may, on application, be covered as a single-person "
                                        f"dibao household (单人户, {pack.rules['ANY-SINGLE']})", flag=True)
    if category == "dibao" and request.employed and income is not None and pack.has_rule("ANY-EXIT"):
        _gradual_exit(pack, request, income, today, found)
    if request.applies_for == "tekun":
        _tekun(pack, request, today, found)
    return category


def marginal_line(pack: RegionPack, as_of: date) -> tuple[Money, str]:
    """DT-MARGINAL (Dongtou 九): twice the dibao standard, not above the minimum wage."""
    s = Money.yuan(pack.parameter("dibao_standard", as_of).value)
    twice = s.times(Decimal(pack.parameter("marginal_standard_factor", as_of).value))
    wage = Money.yuan(pack.parameter("minimum_wage", as_of).value)
    return (wage, f"the minimum wage {wage} is below 2·S {twice}") if wage < twice else \
        (twice, f"2·S {twice}, not above the minimum wage {wage}")


def _gradual_exit(pack: RegionPack, request: Request, income: Money, today: date, found: _Found) -> None:
    """ANY-EXIT (Anyang 二(三)11): necessary employment costs are deducted; a net per-capita income
    above 1 and up to 1.5 standards opens the gradual-exit period (渐退期)."""
    s = Money.yuan(pack.parameter("dibao_standard", today).value)
    window = pack.parameter("gradual_exit", today).value
    net = max(income - (request.employment_costs_per_capita or Money.zero()), Money.zero())
    low, high = s.times(Decimal(window["above"])), s.times(Decimal(window["up_to"]))
    if low < net <= high:
        found.add("ANY-EXIT", f"employed dibao household: income {net} a person after employment costs lies between "
                              f"{low} and {high}: gradual-exit period (渐退期, {pack.rules['ANY-EXIT']})", flag=True)


def _tekun(pack: RegionPack, request: Request, today: date, found: _Found) -> None:
    """The tekun definition (LF-TK-DEF, Linfen 二(二)1; ANY-TK-AGE, Anyang 二(二)5): unable to work,
    and elderly, disabled, or a minor younger than the region's minor age."""
    rule = pack.first_declared("ANY-TK-AGE", "LF-TK-DEF")
    if rule is None:
        found.flags.append("tekun: the region's pack declares no tekun definition; the approver judges")
        return
    minor_age = int(pack.parameter("tekun_minor_age", today).value)
    applicant = next((m for m in request.members if m.relation == "self"), None)
    if applicant is None:
        found.add(rule, "tekun: the applicant's birth date is not among the members; the approver judges", flag=True)
        return
    years = age(applicant.birth_date, today)
    grounds = [g for g, holds in ((f"a minor under {minor_age}", years < minor_age),
                                  (f"elderly ({ELDERLY_AGE}+)", years >= ELDERLY_AGE),
                                  ("disabled", applicant.disabled)) if holds]
    if grounds and not applicant.able_to_work:
        found.add(rule, f"tekun: aged {years}, {' and '.join(grounds)}, unable to work: within the definition "
                        f"({pack.rules[rule]})", flag=True)
    else:
        why = "able to work" if applicant.able_to_work else f"aged {years}: not a minor under {minor_age}, not " \
                                                             f"elderly, not disabled"
        found.add(rule, f"tekun: {why}: outside the definition ({pack.rules[rule]})", flag=True)


def age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
