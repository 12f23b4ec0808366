"""Pure approval rules: who decides a calculated case, who may not, and by when.

FX-ROUTE (Fuxin 三, last paragraph): up to the town limit (inclusive) the town/street decides;
above it the district civil-affairs bureau must also consent before paying.
FX-ADV / CQ-ADV / DT-ADV / ADV-SKIP (Fuxin 四, Yubei notice 三, Dongtou 四): an emergency case is
helped first; the pack's `advance_assistance` value names the one deciding step, the skipped
stages and the region's time limits that start with it (none where the region sets none).
Whether the district must consent before paying stays configurable.
DT-SOD (Dongtou 一, 二): handler, reviewer and approver are different people.

Which of these a case gets is its region's pack's to say (`route_for`): advance aid only where
the region declares an advance rule (FX-ADV, CQ-ADV, DT-ADV, ANY-ADV), otherwise FX-ROUTE with
the region's own delegated limit (Linfen, Anyang, Chongqing: the district above it) or, in
Dongtou, the street deciding every amount (DT-15D). The route is stored with the pack version
it was made from, so a case keeps the route it started on when the pack changes.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from relief_shared.money import Money
from relief_shared.regions import MissingParameter, RegionPack

DISTRICT_STEP = "district_consent"
DISTRICT_ROLE = "district"
ADVANCE_RULES = ("FX-ADV", "CQ-ADV", "DT-ADV", "ANY-ADV")


DUTY_OF_ROLE = {"clerk": "handler", "reviewer": "reviewer", "approver": "approver", DISTRICT_ROLE: "district"}


@dataclass(frozen=True)
class StepPlan:
    """One step of a route. A route made by the older routing code is a plain list (each step
    after the one before); a procedure from the pack (`procedures.toml`) names its steps'
    predecessors, so steps may run in parallel where the law allows."""

    step: str
    role: str
    time_limits: tuple[str, ...] = ()  # the region pack's limits that start when the step opens
    only_above: Money | None = None  # the step is needed only when the decided amount exceeds this
    after: tuple[str, ...] | None = None  # None: the step before it in the route
    duty: str = ""  # DT-SOD: handler | reviewer | approver | district ("" → from the role)
    rule: str = ""
    within: tuple[int, str] | None = None  # the step's own deadline (amount, unit), on the durable clock
    skip_unless: str | None = None  # a finding of the investigation the step needs (ANY-NO-APPRAISAL)
    closes_on: str | None = None  # an event that completes the step (verification: means.verified)
    opens_on: str | None = None  # a step after the approval, opened by an event (paperwork: payment.paid)
    period: tuple[int, str] | None = None  # how long a public notice runs once posted
    decides_amount: bool = False
    report_requires: tuple[str, ...] = ()  # what the step's report must state (tekun: self_care, DT-CARE)

    def needed_for(self, amount: Money) -> bool:
        return self.only_above is None or amount > self.only_above

    @property
    def duty_name(self) -> str:
        return self.duty or DUTY_OF_ROLE.get(self.role, self.role)



@dataclass(frozen=True)
class Route:
    rules: tuple[str, ...]
    skipped: tuple[str, ...]
    sources: tuple[str, ...]
    steps: tuple[StepPlan, ...] = field(default=())
    pack_version: str = ""  # the region pack the route was made from; the case keeps it
    procedure: str = ""  # the procedure's version (procedures.toml); "" for a plain route
    deliberation: Mapping[str, Any] | None = None  # the quorum in force when the case started (DT-CASE)

    def step(self, name: str) -> StepPlan | None:
        return next((s for s in self.steps if s.step == name), None)

    def after(self, name: str) -> tuple[StepPlan, ...]:
        names = [s.step for s in self.steps]
        return self.steps[names.index(name) + 1:]

    def predecessors(self, name: str) -> tuple[str, ...]:
        names = [s.step for s in self.steps]
        i = names.index(name)
        plan = self.steps[i]
        if plan.after is not None:
            return plan.after
        return (names[i - 1],) if i > 0 else ()

    def post_approval(self, name: str) -> bool:
        """A step after the approval: opened by an event (the advance payment), or waiting for one that is."""
        plan = self.step(name)
        return plan is not None and (plan.opens_on is not None or any(self.post_approval(p)
                                                                      for p in self.predecessors(name)))

    def descendants(self, name: str) -> set[str]:
        """Every step that waits, directly or not, for `name`."""
        found: set[str] = set()
        frontier = [name]
        while frontier:
            current = frontier.pop()
            for s in self.steps:
                if s.step not in found and current in self.predecessors(s.step):
                    found.add(s.step)
                    frontier.append(s.step)
        return found


def route_for(pack: RegionPack, case_type: str, ceiling: Money, as_of: date, *,
              needs_deliberation: bool = False) -> Route:
    """The route of a calculated case in its region; MissingParameter or ValueError where the
    region's pack cannot route it.

    A case no formula prices takes the region's case-by-case procedure (DT-CASE, FX-CASE-MIN);
    an expenditure case the region's expenditure procedure where it has one (FX-EXP-PROC); an
    emergency helped in advance gets the region's paperwork steps after its payment (FX-ADV…)."""
    from approval import procedures  # the procedures are built of this module's steps

    if case_type not in ("emergency", "expenditure"):
        raise ValueError(f"no approval route for case type {case_type!r}")
    if needs_deliberation:
        return procedures.build(pack, "case_by_case", as_of)
    if case_type == "expenditure" and procedures.has(pack, "expenditure", as_of):
        return procedures.build(pack, "expenditure", as_of)
    advance_rule = pack.first_declared(*ADVANCE_RULES) if case_type == "emergency" else None
    if advance_rule:
        advance = pack.parameter("advance_assistance", as_of)
        limit = pack.parameter("town_approval_limit", as_of) if advance.value.get("district_consent_before_payment") \
            else None
        route = advance_route(advance.value, advance.source, ceiling=ceiling, rule=advance.rule or advance_rule,
                              town_limit=Money.yuan(limit.value) if limit else None,
                              limit_source=limit.source if limit else "")
        route = procedures.with_paperwork(pack, route, as_of)
    else:
        route = ordinary_route(pack, ceiling, as_of)
    return Route(route.rules, route.skipped, route.sources, route.steps, pack.pack_version, route.procedure)


def application_route(pack: RegionPack, applies_for: str, as_of: date) -> Route:
    """The hook for the dibao, tekun and marginal decisions (DT-20D): the region pack's
    `procedure_<applies_for>` (procedures.toml), built like every other procedure; a region
    without one gets MissingParameter, never another region's procedure. Its first step's
    `time_limits` (e.g. DT-20D) run from acceptance; a procedure without an amount-deciding step
    completes with `domain.ProcedureCompleted` instead of `case.approved`."""
    from approval import procedures

    if applies_for not in ("dibao", "tekun", "marginal"):
        raise ValueError(f"no application procedure for {applies_for!r}")
    return procedures.build(pack, applies_for, as_of)


def ordinary_route(pack: RegionPack, ceiling: Money, as_of: date) -> Route:
    """FX-ROUTE in the region's own terms: Dongtou's street decides every amount within its time
    limits (`street_decides_all`, DT-15D); elsewhere the town/street up to the delegated limit and
    the district above it."""
    clause = pack.rules.get("FX-ROUTE")
    if clause is None:
        raise ValueError(f"region {pack.code} declares no approval route (FX-ROUTE)")
    try:
        street = pack.parameter("street_decides_all", as_of)
    except MissingParameter:
        limit = pack.parameter("town_approval_limit", as_of)
        return town_route(ceiling=ceiling, town_limit=Money.yuan(limit.value), source=limit.source)
    step = StepPlan(street.value["step"], street.value["role"], tuple(street.value.get("time_limits", ())))
    return Route(("FX-ROUTE", street.rule), (), (clause, street.source), (step,))


def advance_route(advance: Mapping[str, Any], source: str, *, ceiling: Money, rule: str = "FX-ADV",
                  town_limit: Money | None = None, limit_source: str = "") -> Route:
    """FX-ADV: one step decides alone unless the pack demands district consent before paying."""
    steps = [StepPlan(advance["step"], advance["role"], tuple(advance.get("time_limits", ())))]
    rules, sources = [rule, "ADV-SKIP"], [source]
    if advance.get("district_consent_before_payment") and town_limit is not None and ceiling > town_limit:
        steps.append(StepPlan(DISTRICT_STEP, DISTRICT_ROLE, only_above=town_limit))
        rules.append("FX-ROUTE")
        sources.append(limit_source)
    return Route(tuple(rules), tuple(advance.get("skip", ())), tuple(sources), tuple(steps))


def town_route(*, ceiling: Money, town_limit: Money, source: str) -> Route:
    """FX-ROUTE: the town approver decides; above the inclusive limit the district consents."""
    steps = [StepPlan("approve", "approver")]
    if ceiling > town_limit:
        steps.append(StepPlan(DISTRICT_STEP, DISTRICT_ROLE, only_above=town_limit))
    return Route(("FX-ROUTE",), (), (source,), tuple(steps))


def duty_conflict(actor_id: str, *, accepted_by: str, acted_on: Iterable[tuple[str, str]], step: str) -> str | None:
    """DT-SOD: the reason this actor may not decide `step`, or None.

    `acted_on` holds (step, actor id) of the case's decided steps."""
    if actor_id == accepted_by:
        return f"{actor_id} accepted this case as its handler and may not decide it (DT-SOD)"
    for other_step, other_actor in acted_on:
        if other_actor == actor_id and other_step != step:
            return f"{actor_id} already acted on step {other_step!r} of this case (DT-SOD)"
    return None


def amount_refusal(amount: Money, ceiling: Money, deliberated: Money | None = None) -> str | None:
    """§3: the ceiling is a ceiling; more needs case-by-case deliberation (§4.4), not a decision.
    A deliberated amount (DT-CASE) replaces the ceiling: the approval may not exceed it."""
    if amount.fen <= 0:
        return "the decided amount must be above zero"
    if deliberated is not None:
        if amount > deliberated:
            return (f"amount {amount} exceeds the amount {deliberated} the case-by-case deliberation decided "
                    "(DT-CASE)")
        return None
    if amount > ceiling:
        return (f"amount {amount} exceeds the ceiling {ceiling}; more than the ceiling needs "
                "case-by-case deliberation (一事一议, policy.md §4.4)")
    return None
