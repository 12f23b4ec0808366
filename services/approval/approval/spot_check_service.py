"""Use cases of the monthly spot checks (DT-SPOT): draw a finished month's samples street by
street (once: a second run returns the first draws), read them with their review tasks and a
fresh re-draw that proves them, and record a review's outcome."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from approval import spot_check, store
from approval.domain import DomainError, NotAllowed
from approval.payloads import local
from approval.spot_check_store import Review, SpotCheck
from approval.store import UnitOfWork
from relief_shared.auth import Principal
from relief_shared.idempotency import IdempotentRequest, Reply
from relief_shared.regions import RegionPacks

REVIEWER_ROLE = "district"  # the district bureau checks the streets (区民政局组织人员…抽查)


class MonthNotOver(DomainError):
    """A month's new cases are known only once it is over."""


class NoSuchSpotCheck(DomainError):
    pass


class ReviewClosed(DomainError):
    pass


class SpotCheckRefused(DomainError):
    """The region's pack cannot say how much to draw."""


@dataclass(frozen=True)
class RunSpotChecks:
    region: str
    month: str
    org_unit: str | None
    seed: str | None
    actor: Principal
    request: IdempotentRequest | None = None


async def run(cmd: RunSpotChecks, uow: UnitOfWork, *, packs: RegionPacks, now: datetime) -> Reply:
    """Draw the month's samples for each street (or the one named) and each programme, with
    their review tasks, in one transaction; draws that exist already are returned unchanged."""
    if cmd.region != cmd.actor.region and "ops" not in cmd.actor.roles:
        raise NotAllowed(f"{cmd.actor.sub} works for region {cmd.actor.region}, not {cmd.region}")
    pack = packs.get(cmd.region)
    clause = pack.require_rule(spot_check.RULE, "monthly spot checks")
    start, end = spot_check.month_bounds(cmd.month)
    if now < end:
        raise MonthNotOver(f"month {cmd.month} is not over until {end.isoformat()}: its new cases are not all known")
    parameter = pack.parameter("spot_check_rates", start.date())
    try:
        rates = spot_check.rates(parameter.value)
    except ValueError as exc:
        raise SpotCheckRefused(f"region {cmd.region}: {exc}") from exc
    units = [cmd.org_unit] if cmd.org_unit else sorted(pack.org_units)
    if cmd.org_unit and not pack.has_org_unit(cmd.org_unit):
        raise SpotCheckRefused(f"region {cmd.region} has no org unit {cmd.org_unit}")
    seed = cmd.seed or spot_check.new_seed()
    created = 0
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        for unit in units:
            population = await uow.spot_checks.population(region=cmd.region, org_unit=unit, start=start, end=end,
                                                          approvals=store.approvals, tasks=store.tasks)
            done = {c.programme for c in await uow.spot_checks.find(region=cmd.region, month=cmd.month, org_unit=unit)}
            for programme in spot_check.PROGRAMMES:
                if programme in done:
                    continue
                cases = [case_id for case_id, type_ in population if spot_check.programme_of(type_) == programme]
                d = spot_check.draw(seed, cases, rates[programme], programme)
                check = SpotCheck(id=str(uuid.uuid4()), region=cmd.region, org_unit=unit, month=cmd.month,
                                  programme=programme, rate=d.rate, seed=d.seed, algorithm=d.algorithm,
                                  population=d.population, sample=d.sample, drawn_at=now,
                                  drawn_by={"id": cmd.actor.sub, "name": cmd.actor.name})
                created += await uow.spot_checks.add(check, role=REVIEWER_ROLE)
        checks = await uow.spot_checks.find(region=cmd.region, month=cmd.month, org_unit=cmd.org_unit)
        reviews = await uow.spot_checks.reviews([c.id for c in checks])
        body = {"region": cmd.region, "month": cmd.month, "rule": spot_check.RULE, "clause": clause,
                "rates": {"value": {k: str(v) for k, v in rates.items()}, "source": parameter.source},
                "created": created, "spot_checks": [view(c, reviews) for c in checks]}
        reply = Reply(201 if created else 200, body)
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply


async def listing(principal: Principal, uow: UnitOfWork, *, month: str | None, org_unit: str | None) -> list[dict]:
    async with uow:
        checks = await uow.spot_checks.find(region=principal.region, month=month, org_unit=org_unit)
        reviews = await uow.spot_checks.reviews([c.id for c in checks])
    return [view(c, reviews) for c in checks]


async def one(check_id: str, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    async with uow:
        checks = await uow.spot_checks.find(region=principal.region, check_id=check_id)
        reviews = await uow.spot_checks.reviews([c.id for c in checks])
    if not checks:
        raise NoSuchSpotCheck(f"no spot check {check_id} in region {principal.region}")
    return view(checks[0], reviews)


async def review(check_id: str, case_id: str, *, outcome: str, comment: str, principal: Principal,
                 uow: UnitOfWork, now: datetime) -> dict[str, Any]:
    """The district's finding on one drawn case; the task leaves its inbox."""
    async with uow:
        checks = await uow.spot_checks.find(region=principal.region, check_id=check_id)
        if not checks:
            raise NoSuchSpotCheck(f"no spot check {check_id} in region {principal.region}")
        if case_id not in checks[0].sample:
            raise NoSuchSpotCheck(f"case {case_id} was not drawn in spot check {check_id}")
        if not await uow.spot_checks.finish_review(check_id, case_id, outcome=outcome, comment=comment,
                                                   actor={"id": principal.sub, "name": principal.name}, at=now):
            raise ReviewClosed(f"the review of case {case_id} in spot check {check_id} is done already")
        reviews = await uow.spot_checks.reviews([check_id])
        await uow.commit()
    return view(checks[0], reviews)


def view(check: SpotCheck, reviews: list[Review]) -> dict[str, Any]:
    """A draw as anyone can check it: seed, rate, sorted population, sample, the algorithm, and
    whether a re-draw from the recorded seed and population gives the recorded sample."""
    return {"id": check.id, "region": check.region, "org_unit": check.org_unit, "month": check.month,
            "programme": check.programme, "rule": spot_check.RULE, "rate": str(check.rate), "seed": check.seed,
            "algorithm": check.algorithm, "population": list(check.population), "sample": list(check.sample),
            "population_size": len(check.population), "sample_size": len(check.sample),
            "verified": spot_check.verify(check.seed, check.population, check.rate, check.sample),
            "drawn_at": local(check.drawn_at), "drawn_by": check.drawn_by,
            "reviews": [review_view(r) for r in reviews if r.spot_check_id == check.id]}


def review_view(r: Review) -> dict[str, Any]:
    return {"id": r.id, "case_id": r.case_id, "role": r.role, "status": r.status, "outcome": r.outcome,
            "comment": r.comment, "actor": r.actor, "opened_at": local(r.opened_at), "decided_at": local(r.decided_at)}


def inbox_item(r: Review) -> dict[str, Any]:
    """A drawn case as a task of the district's inbox (`GET /v1/tasks`)."""
    return {"id": r.id, "case_id": r.case_id, "step": "spot_check", "role": r.role, "org_unit": r.org_unit,
            "due": None, "amount_ceiling": None, "type": None, "opened_at": local(r.opened_at), "rule": spot_check.RULE,
            "clause": f"spot check {r.month} ({r.spot_check_id})", "deadline": None}
