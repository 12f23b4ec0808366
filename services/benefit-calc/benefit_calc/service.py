from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError

from benefit_calc import store
from benefit_calc.policy import Calculation, MissingInput, calculate
from benefit_calc.schemas import CalculationIn, HouseholdIn, SituationIn, facts
from relief_shared.db import UnitOfWork
from relief_shared.events import Envelope
from relief_shared.inbox import Poison
from relief_shared.regions import MissingParameter, RegionPacks, UnknownRegion

SOURCE = "benefit-calc"
BY = {"id": "system:benefit-calc", "name": "benefit-calc"}
CALCULATED_TYPES = frozenset({"emergency", "expenditure"})
COPIED = ("org_unit", "applicant", "accepted_by")


def calculate_for(packs: RegionPacks, request: CalculationIn) -> dict[str, Any]:
    """A stateless calculation; raises UnknownRegion, MissingParameter or MissingInput."""
    pack = packs.get(request.region)
    calculation = calculate(pack, request.as_of, facts(request.classification.type, request.household,
                                                       request.situation, request.paid_this_year))
    return _result(request.region, request.as_of, calculation)


async def on_case_classified(event: Envelope, uow: UnitOfWork, *, packs: RegionPacks) -> None:
    """Calculate the amount of an emergency or expenditure case as of its acceptance, once.

    A referral-only case has no amount. A case calculated before (another classification
    event for it) keeps its first result: approval acts on one calculation per case.
    """
    kind = _classification_type(event.data)
    if kind == "referral_only" or await store.has_calculation(uow.conn, event.case_id):
        return
    if kind not in CALCULATED_TYPES:
        raise Poison(f"case.classified with an unknown classification type {kind!r}")
    as_of, household, situation, copied = _read(event.data)
    try:
        calculation = calculate(packs.get(event.region), as_of, facts(kind, household, situation))
    except (UnknownRegion, MissingParameter, MissingInput) as exc:
        raise Poison(f"cannot calculate case {event.case_id}: {exc}") from exc
    result = _result(event.region, as_of, calculation)
    await store.add_calculation(uow.conn, case_id=event.case_id, region=event.region, calculation=calculation,
                                result=result)
    payload = {key: result[key] for key in ("type", "as_of", "ceiling", "recommended", "rules", "trace", "caps",
                                            "needs_deliberation")}
    uow.record(Envelope.new("benefit.calculated", case_id=event.case_id, region=event.region, source=SOURCE,
                            cause=event, data={**payload, **copied, "by": BY}))


def _classification_type(data: dict[str, Any]) -> str:
    try:
        return str(data["classification"]["type"])
    except (KeyError, TypeError) as exc:
        raise Poison(f"case.classified without classification.type ({exc!r})") from exc


def _read(data: dict[str, Any]) -> tuple[date, HouseholdIn, SituationIn, dict[str, Any]]:
    missing = [key for key in ("accepted_on", "household", "situation", *COPIED) if key not in data]
    if missing:
        raise Poison(f"case.classified without {', '.join(missing)}")
    try:
        as_of = date.fromisoformat(data["accepted_on"])
        household = HouseholdIn.model_validate(data["household"])
        situation = SituationIn.model_validate(data["situation"])
        applicant = {key: data["applicant"][key] for key in ("id_number", "name")}
    except (ValidationError, ValueError, TypeError, KeyError) as exc:
        raise Poison(f"case.classified with an invalid payload: {exc}") from exc
    return as_of, household, situation, {"org_unit": data["org_unit"], "applicant": applicant,
                                         "accepted_by": data["accepted_by"]}


def _result(region: str, as_of: date, calculation: Calculation) -> dict[str, Any]:
    return {"region": region, "as_of": as_of.isoformat(), **calculation.as_dict()}
