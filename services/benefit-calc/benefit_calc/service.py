"""benefit-calc's use cases: a stateless calculation, the calculation of a classified case
(once), and reading a recorded one."""
from __future__ import annotations

from datetime import date
from typing import Any

from relief_shared.auth import Principal
from relief_shared.contract import Envelope, system
from relief_shared.contract.benefit import BenefitCalculated, CapApplied, TraceStep
from relief_shared.contract.case import CaseClassified
from relief_shared.inbox import Poison
from relief_shared.regions import MissingParameter, RegionPack, RegionPacks, RuleNotDeclared, UnknownRegion

from benefit_calc.policy import Calculation, Expense, Facts, Household, MissingInput, calculate
from benefit_calc.schemas import CalculationIn, facts
from benefit_calc.ledger import PaidSoFar
from benefit_calc.store import UnitOfWork

SOURCE = "benefit-calc"
CALCULATED_TYPES = frozenset({"emergency", "expenditure"})


class NoSuchCalculation(LookupError):
    """No calculation of that case in the caller's region."""


class CalculationRefused(ValueError):
    """A region, parameter or fact a calculation needs is missing; `errors` names each field."""

    def __init__(self, detail: str, errors: list[dict[str, str]]):
        super().__init__(detail)
        self.errors = errors


def calculate_many(bodies: list[CalculationIn], packs: RegionPacks, principal: Principal, *,
                   batch: bool) -> list[dict[str, Any]]:
    """Every body calculated, or none: the refusals of all items at once, each field prefixed
    with the item's index in a batch."""
    results, errors = [], []
    for index, body in enumerate(bodies):
        prefix = f"{index}." if batch else ""
        if body.region in packs:
            principal.require_region(body.region)
        try:
            results.append(calculate_for(packs, body))
        except (UnknownRegion, MissingParameter, MissingInput, RuleNotDeclared) as exc:
            errors.append(_refusal(exc, prefix))
    if errors:
        raise CalculationRefused("; ".join(e["message"] for e in errors), errors)
    return results


def _refusal(exc: Exception, prefix: str) -> dict[str, str]:
    if isinstance(exc, UnknownRegion):
        return {"field": f"{prefix}region", "message": f"{exc}: no policy pack is loaded for it"}
    if isinstance(exc, MissingParameter):
        return {"field": f"{prefix}as_of", "message": f"{exc}: the parameter {exc.name!r} must be loaded",
                "parameter": exc.name}
    if isinstance(exc, RuleNotDeclared):
        return {"field": f"{prefix}classification.type", "message": f"{exc}; no other region's rule is applied",
                "rule": exc.rule}
    assert isinstance(exc, MissingInput)
    return {"field": f"{prefix}{exc.field}", "message": str(exc)}


def calculate_for(packs: RegionPacks, request: CalculationIn) -> dict[str, Any]:
    """A stateless calculation; raises UnknownRegion, MissingParameter or MissingInput."""
    pack = packs.get(request.region)
    calculation = calculate(pack, request.as_of, facts(request.classification.type, request.household,
                                                       request.situation, request.paid_this_year, request.care))
    return result_document(request.region, request.as_of, calculation)


async def on_case_classified(event: Envelope[CaseClassified], uow: UnitOfWork, paid: PaidSoFar | None = None, *,
                             packs: RegionPacks) -> None:
    """Calculate the amount of an emergency or expenditure case as of its acceptance, once.

    A referral-only case has no amount, nor has an application for dibao, marginal or tekun
    status: that is no temporary assistance (approval decides it by the region's procedure). A case calculated before (another classification
    event for it) keeps its first result: approval acts on one calculation per case. `paid` is
    what disbursement paid the person and household this year, read before the transaction
    where the region has yearly caps (None: unknown, and the trace says so).
    """
    data = event.data
    kind = data.classification.type
    if data.applies_for != "temporary_assistance":
        return  # a dibao, marginal or tekun application is no one-off aid: approval's procedure decides it (DT-20D)
    if kind not in CALCULATED_TYPES or await uow.calculations.exists(event.case_id):
        return
    try:
        calculation = calculate(packs.get(event.region), data.accepted_on, case_facts(data, paid))
    except (UnknownRegion, MissingParameter, MissingInput, RuleNotDeclared) as exc:
        raise Poison(f"cannot calculate case {event.case_id}: {exc}") from exc
    result = result_document(event.region, data.accepted_on, calculation)
    await uow.calculations.add(case_id=event.case_id, region=event.region, calculation=calculation, result=result)
    uow.record(Envelope.new(calculated_payload(data, calculation), case_id=event.case_id, region=event.region,
                            source=SOURCE, cause=event))


def case_facts(data: CaseClassified, paid: PaidSoFar | None = None) -> Facts:
    household, situation = data.household, data.situation
    return Facts(
        type=data.classification.type,
        household=Household(household.status, household.size, household.monthly_income_per_capita),
        severity=situation.severity,
        expenses=tuple(Expense(e.category, e.amount, e.incurred_to) for e in situation.expenses),
        paid_person=paid.person if paid else None,
        paid_household=paid.household if paid else None,
    )


def calculated_payload(data: CaseClassified, calculation: Calculation) -> BenefitCalculated:
    return BenefitCalculated(
        org_unit=data.org_unit, type=calculation.type, as_of=data.accepted_on, ceiling=calculation.ceiling,
        recommended=calculation.recommended, rules=calculation.rules,
        trace=[TraceStep(rule=s.rule, source=s.source, inputs=s.inputs, result=s.result, note=s.note)
               for s in calculation.trace],
        caps=[CapApplied(rule="LF-CAP", scope=c.scope, limit=c.limit, remaining=c.remaining, applied=c.applied)
              for c in calculation.caps],
        needs_deliberation=calculation.needs_deliberation, decision=calculation.decision,
        pack_version=calculation.pack_version, parameters=calculation.parameters, applicant=data.applicant,
        accepted_by=data.accepted_by, by=system(SOURCE), accepted_at=data.accepted_at,
        household_member_keys=list(data.household.member_keys), bank_account=data.bank_account,
    )


async def recorded_calculation(case_id: str, reader: Principal, uow: UnitOfWork) -> dict[str, Any]:
    async with uow:
        found = await uow.calculations.get(case_id, region=reader.region)
    if found is None:
        raise NoSuchCalculation(f"no calculation recorded for case {case_id} in region {reader.region}")
    return found


def result_document(region: str, as_of: date, calculation: Calculation) -> dict[str, Any]:
    return {"region": region, "as_of": as_of.isoformat(), **calculation.as_dict()}


def region_document(pack: RegionPack) -> dict[str, Any]:
    return {"code": pack.code, "name": pack.name, "pack_version": pack.pack_version, "documents": pack.documents,
            "org_units": [{"code": code, "name": name} for code, name in pack.org_units.items()],
            "rules": sorted(pack.rules), "rule_sources": dict(sorted(pack.rules.items()))}
