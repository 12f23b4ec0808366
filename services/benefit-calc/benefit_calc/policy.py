"""How much temporary assistance a case may get, and why (policy.md §3).

Each rule returns one trace `Step` citing its rule ID and the clause of its source, so a
handler, reviewer or auditor sees the reason next to the number. Which rules run is the
region's pack's to say (`[rules]`): a rule the region does not declare is never applied, and
a case that needs one the region lacks gets the region's own answer (case by case, FX-CASE) or
a refusal naming the rule (`RuleNotDeclared`) — never another region's numbers. Numbers come
only from the region pack in force on `as_of`: a missing one raises the pack's
`MissingParameter`, never a default. "不高于 / 不超过" is a ceiling: `recommended` starts at the
ceiling and the handler may propose less, never more without case-by-case deliberation.
The monthly standards (dibao, marginal, care fees) are in `standards`.
"""
from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from relief_shared.money import Money
from relief_shared.regions import MissingParameter, ParameterValue, RegionPack

ZERO = Money.zero()
INPATIENT = "medical_inpatient"
MEDICAL = frozenset({"medical_inpatient", "medical_outpatient"})


class MissingInput(ValueError):
    """A fact the rule needs is absent from the request: the caller must supply it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Household:
    status: str
    size: int
    monthly_income_per_capita: Money | None = None
    employment_costs_per_capita: Money | None = None


@dataclass(frozen=True)
class Care:
    """DT-CARE: a tekun person's self-care ability and whether they live dispersed (分散供养)."""

    ability: str  # fully_lost | moderate | mild | self_caring
    dispersed: bool = False


@dataclass(frozen=True)
class Expense:
    category: str
    amount: Money
    incurred_to: date | None = None


@dataclass(frozen=True)
class Facts:
    type: str
    household: Household
    severity: str | None = None
    expenses: tuple[Expense, ...] = ()
    paid_person: Money | None = None
    paid_household: Money | None = None
    care: Care | None = None


@dataclass(frozen=True)
class Step:
    rule: str
    source: str
    inputs: dict[str, Any]
    result: Money
    note: str
    used: tuple[ParameterValue, ...] = ()  # the pack's values behind the step, recorded with the result

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "source": self.source, "inputs": self.inputs,
                "result": str(self.result), "note": self.note}


@dataclass(frozen=True)
class Cap:
    scope: str
    limit: Money
    remaining: Money
    applied: bool

    def as_dict(self) -> dict[str, Any]:
        return {"rule": "LF-CAP", "scope": self.scope, "limit": str(self.limit),
                "remaining": str(self.remaining), "applied": self.applied}


@dataclass(frozen=True)
class Calculation:
    type: str
    ceiling: Money
    recommended: Money
    trace: tuple[Step, ...]
    caps: tuple[Cap, ...]
    needs_deliberation: bool
    decision: str = ""  # which rule gave the amount, and why it won
    pack_version: str = ""

    @property
    def rules(self) -> list[str]:
        return list(dict.fromkeys(step.rule for step in self.trace))

    @property
    def parameters(self) -> dict[str, dict[str, Any]]:
        """Every pack value the result used, as it was: a later change of the pack leaves it as is."""
        used = {p.name: p for step in self.trace for p in step.used}
        return {name: {"value": p.value, "valid_from": p.valid_from.isoformat(), "source": p.source,
                       "sample": p.sample} for name, p in sorted(used.items())}

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "ceiling": str(self.ceiling), "recommended": str(self.recommended),
                "rules": self.rules, "trace": [s.as_dict() for s in self.trace],
                "caps": [c.as_dict() for c in self.caps], "needs_deliberation": self.needs_deliberation,
                "decision": self.decision, "pack_version": self.pack_version, "parameters": self.parameters}


TEMPORARY = frozenset({"emergency", "expenditure"})


def calculate(pack: RegionPack, as_of: date, facts: Facts) -> Calculation:
    """The amount of the case's type by the rules its region declares, then (temporary aid) the
    region's yearly caps on what is left."""
    from benefit_calc import standards  # the monthly standards build on this module's steps

    if facts.type not in TEMPORARY:
        return standards.calculate(pack, as_of, facts)
    steps = emergency(pack, as_of, facts) if facts.type == "emergency" else \
        expenditure(pack, as_of, facts.household, facts.expenses)
    ceiling = max(step.result for step in steps)
    decision = _winner(steps, ceiling)
    if ceiling == ZERO and steps[-1].rule != "FX-CASE" and pack.has_rule("FX-CASE"):
        steps.append(case_by_case(pack, as_of, facts.type, "no formula of the region gives an amount"))
        ceiling, decision = steps[-1].result, "FX-CASE: " + steps[-1].note
    deliberate = steps[-1].rule == "FX-CASE" and ceiling == ZERO
    caps, capped = yearly_caps(pack, as_of, ceiling, facts.paid_person, facts.paid_household)
    trace = tuple(steps) + ((capped,) if capped else ())
    recommended = capped.result if capped else ceiling
    if capped and recommended < ceiling:
        decision += f"; LF-CAP lowers the recommendation to {recommended}, what the year still allows"
    return Calculation(facts.type, ceiling, recommended, trace, caps, deliberate, decision, pack.pack_version)


def _winner(steps: list[Step], ceiling: Money) -> str:
    if len(steps) == 1:
        return f"{steps[0].rule}: {steps[0].note}"
    winner = next(step for step in steps if step.result == ceiling)
    others = ", ".join(f"{s.rule} {s.result}" for s in steps)
    return (f"{winner.rule} wins with {ceiling}, the larger of {others}: the clauses answer the same need, "
            "so the ceiling is the larger, not the sum (Interpretation, seed 000 三(二))")


def emergency(pack: RegionPack, as_of: date, facts: Facts) -> list[Step]:
    """The region's emergency rule: Chongqing's class standards (CQ-CLASS-B), Fuxin's tiers
    (FX-EMG-TIER), or where the texts set no formula, case by case up to the street's limit."""
    if pack.has_rule("CQ-CLASS-B"):
        return [class_standard(pack, as_of, facts.household.status)]
    if pack.has_rule("FX-EMG-TIER"):
        return [emergency_tier(pack, as_of, facts.severity)]
    pack.require_rule("FX-CASE", "no rule gives an emergency amount in the region")
    return [case_by_case(pack, as_of, "emergency", f"{pack.code} has no emergency tiers")]


def class_standard(pack: RegionPack, as_of: date, status: str) -> Step:
    """CQ-CLASS-B (Yubei notice 二): temporary aid by the applicant's class A, B or C; registered
    poor households (incl. those lifted out of poverty since 2015) are class B, not C."""
    classes, standards = pack.parameter("aid_class_of_status", as_of), pack.parameter("aid_class_standards", as_of)
    if status == "registered_poor":
        aid_class, why = "B", "registered poor: class B, paid at the class B standard (Yubei notice 二)"
    elif status in classes.value:
        aid_class, why = classes.value[status], f"{status} household: class {classes.value[status]}"
    else:
        raise MissingParameter(pack.code, f"aid_class_of_status.{status}", as_of)
    ceiling = Money.yuan(standards.value[aid_class])
    inputs = {"status": status, "class": aid_class, "standards": dict(standards.value)}
    return Step("CQ-CLASS-B", pack.rules["CQ-CLASS-B"], inputs, ceiling,
                _sample(standards, f"{why}; the handler may propose less"), (classes, standards))


def emergency_tier(pack: RegionPack, as_of: date, severity: str | None) -> Step:
    """FX-EMG-TIER (seed 000 三(一)): one-off emergency aid "一般按不高于…元水平救助" by severity."""
    tiers = pack.parameter("emergency_tier_ceilings", as_of)
    if severity not in tiers.value:
        raise MissingInput("situation.severity", f"an emergency needs one of {', '.join(tiers.value)}")
    ceiling = Money.yuan(tiers.value[severity])
    return Step("FX-EMG-TIER", tiers.source, {"severity": severity, "ceilings": dict(tiers.value)}, ceiling,
                _sample(tiers, f"ceiling for a {severity} emergency; the handler may propose less"), (tiers,))


def expenditure(pack: RegionPack, as_of: date, household: Household, expenses: tuple[Expense, ...]) -> list[Step]:
    """The region's expenditure rules: Chongqing's class standards (CQ-CLASS-B); seed 000 三(二)'s
    (dibao households by FX-EXP-DIBAO and FX-MED-DIBAO, low-income ones by FX-MED-LOWINC, the
    rest by FX-MED-OTHER), each only where the region declares it; else case by case (FX-CASE).

    Interpretation: when two clauses apply, the ceiling is the larger, not the sum, since both
    answer the same spending.
    """
    if household.size < 1:
        raise MissingInput("household.members", "an expenditure case needs the members living together")
    if pack.has_rule("CQ-CLASS-B"):
        return [class_standard(pack, as_of, household.status)]
    if household.status == "dibao":
        candidates = {"FX-EXP-DIBAO": lambda: dibao_expenditure(pack, as_of, household, expenses),
                      "FX-MED-DIBAO": lambda: dibao_inpatient(pack, as_of, expenses)}
    elif pack.has_rule("FX-MED-LOWINC") and is_low_income(pack, as_of, household):
        candidates = {"FX-MED-LOWINC": lambda: low_income_medical(pack, as_of, household, expenses)}
    else:
        candidates = {"FX-MED-OTHER": lambda: other_medical(pack, as_of, household, expenses)}
    steps = [step() for rule, step in candidates.items() if pack.has_rule(rule)]
    if steps:
        return steps
    pack.require_rule("FX-CASE", "no rule gives an expenditure amount in the region")
    return [case_by_case(pack, as_of, "expenditure", f"{pack.code} has no expenditure formula")]


def dibao_expenditure(pack: RegionPack, as_of: date, household: Household, expenses: tuple[Expense, ...]) -> Step:
    """FX-EXP-DIBAO (seed 000 三(二)1): necessary spending of the last 3 months above 3 (or 6)
    months of the dibao standard gives 0.5 (or 1.0) × S × n; a single person 1.0 (or 1.5) × S.

    Interpretation (policy.md §3.2): the thresholds are 3·S·n and 6·S·n, the household's own
    guarantee; a pack may set `exp_dibao_threshold_basis = "person"` to compare with 3·S.
    """
    standard = pack.parameter("dibao_standard", as_of)
    s, n = Money.yuan(standard.value), household.size
    spent = _total(e for e in expenses if _within_three_months(e, as_of))
    basis = _threshold_basis(pack, as_of)
    month = s.times(n) if basis == "household" else s
    single = n == 1
    if spent > month.times(6):
        ceiling, band = (s.times(Decimal("1.5")) if single else s.times(n)), "above 6 months"
    elif spent > month.times(3):
        ceiling, band = (s if single else s.times(Decimal("0.5") * n)), "above 3 months"
    else:
        ceiling, band = ZERO, "not above 3 months"
    inputs = {"dibao_standard": str(s), "members": n, "expenditure_3_months": str(spent), "threshold_basis": basis}
    return Step("FX-EXP-DIBAO", "seed 000 三(二)1", inputs, ceiling,
                _sample(standard, f"expenditure {band} of the standard ({basis} basis)"), (standard,))


def dibao_inpatient(pack: RegionPack, as_of: date, expenses: tuple[Expense, ...]) -> Step:
    """FX-MED-DIBAO (seed 000 三(二)2(1)): a stay costing over 2,000 out of pocket gives 3 months
    of S, one more month per further 1,000, at most 6.

    Interpretation (policy.md §3.3): months = min(6, 3 + floor((C − 2000) / 1000)), C being the
    costliest single stay (each inpatient expense is one stay).
    """
    standard = pack.parameter("dibao_standard", as_of)
    s = Money.yuan(standard.value)
    stay = max((e.amount for e in expenses if e.category == INPATIENT), default=ZERO)
    threshold = Money.yuan(2000)
    months = min(6, 3 + (stay - threshold).fen // 100_000) if stay > threshold else 0
    inputs = {"dibao_standard": str(s), "costliest_stay": str(stay), "months": months}
    return Step("FX-MED-DIBAO", "seed 000 三(二)2(1)", inputs, s.times(months),
                _sample(standard, f"{months} months of the standard for the hospitalised member"), (standard,))


def low_income_medical(pack: RegionPack, as_of: date, household: Household, expenses: tuple[Expense, ...]) -> Step:
    """FX-MED-LOWINC (seed 000 三(二)2(2)): a low-income household's medical cost over 20,000
    gives up to 6 × S × n, one-off."""
    return _medical("FX-MED-LOWINC", "seed 000 三(二)2(2)", Money.yuan(20000), pack, as_of, household, expenses)


def other_medical(pack: RegionPack, as_of: date, household: Household, expenses: tuple[Expense, ...]) -> Step:
    """FX-MED-OTHER (seed 000 三(二)2(3)): any other household's medical cost over 50,000 gives
    6 × S × n, one-off."""
    return _medical("FX-MED-OTHER", "seed 000 三(二)2(3)", Money.yuan(50000), pack, as_of, household, expenses)


def is_low_income(pack: RegionPack, as_of: date, household: Household) -> bool:
    """FX-LOWINC (seed 000 三(二)2(2)): per-capita monthly income not above 3 × S; without a
    stated income the household's recorded status decides."""
    if household.monthly_income_per_capita is None:
        return household.status == "low_income"
    s = Money.yuan(pack.parameter("dibao_standard", as_of).value)
    return household.monthly_income_per_capita <= s.times(3)


def case_by_case(pack: RegionPack, as_of: date, type_: str, why: str) -> Step:
    """FX-CASE (seed 000 三(三); Chongqing 二(二); Dongtou 四; Anyang 二(四)14): where the texts
    set no formula the amount is decided case by case (一事一议). A region whose pack gives the
    street a limit for the case's type (`case_by_case_limits`) lets the street set the amount up
    to it; without one the leadership group decides collectively, its minutes the basis of
    approval (`needs_deliberation`)."""
    clause = pack.require_rule("FX-CASE", why)
    try:
        limits: ParameterValue | None = pack.parameter("case_by_case_limits", as_of)
    except MissingParameter:
        limits = None
    limit = limits.value.get(type_) if limits is not None else None
    if limits is None or limit is None:
        return Step("FX-CASE", clause, {"type": type_}, ZERO,
                    f"{why}: to be decided case by case (一事一议) by collective decision")
    ceiling = Money.yuan(limit)
    return Step("FX-CASE", clause, {"type": type_, "street_limit": str(ceiling)}, ceiling,
                _sample(limits, f"{why}: the street sets the amount case by case, up to its limit of {ceiling}"),
                (limits,))


def yearly_caps(pack: RegionPack, as_of: date, amount: Money, paid_person: Money | None,
                paid_household: Money | None) -> tuple[tuple[Cap, ...], Step | None]:
    """LF-CAP (Linfen 二(八)1): per person and per household at most so much a year, counted over
    what was already paid. A region that does not declare LF-CAP has no caps; one that does
    must have its `assistance_caps` in force."""
    if not pack.has_rule("LF-CAP"):
        return (), None
    limits = pack.parameter("assistance_caps", as_of)
    paid = {"person": paid_person or ZERO, "household": paid_household or ZERO}
    caps = []
    for scope in ("person", "household"):
        if scope in limits.value:
            limit = Money.yuan(limits.value[scope])
            remaining = max(limit - paid[scope], ZERO)
            caps.append(Cap(scope, limit, remaining, amount > remaining))
    capped = min([amount, *(c.remaining for c in caps)])
    inputs = {"amount": str(amount), "paid_this_year": {k: str(v) for k, v in paid.items()},
              "paid_known": paid_person is not None or paid_household is not None}
    return tuple(caps), Step("LF-CAP", limits.source, inputs, capped,
                             _sample(limits, "recommended amount within what the year still allows"), (limits,))


def _medical(rule: str, source: str, threshold: Money, pack: RegionPack, as_of: date,
             household: Household, expenses: tuple[Expense, ...]) -> Step:
    standard = pack.parameter("dibao_standard", as_of)
    s, n = Money.yuan(standard.value), household.size
    cost = _total(e for e in expenses if e.category in MEDICAL)
    ceiling = s.times(6 * n) if cost > threshold else ZERO
    inputs = {"dibao_standard": str(s), "members": n, "medical_cost": str(cost), "threshold": str(threshold)}
    above = "above" if cost > threshold else "not above"
    return Step(rule, source, inputs, ceiling, _sample(standard, f"medical cost {above} {threshold}"), (standard,))


def _threshold_basis(pack: RegionPack, as_of: date) -> str:
    try:
        return str(pack.parameter("exp_dibao_threshold_basis", as_of).value)
    except MissingParameter:
        return "household"  # policy.md §3.2's stated interpretation, not a number


def _within_three_months(expense: Expense, as_of: date) -> bool:
    if expense.incurred_to is None:
        return True
    year, month0 = divmod(as_of.year * 12 + as_of.month - 1 - 3, 12)
    start = date(year, month0 + 1, min(as_of.day, monthrange(year, month0 + 1)[1]))
    return expense.incurred_to >= start


def _total(expenses: Any) -> Money:
    return sum((e.amount for e in expenses), ZERO)


def _sample(parameter: Any, note: str) -> str:
    return f"{note} (SAMPLE value, not official)" if parameter.sample else note
