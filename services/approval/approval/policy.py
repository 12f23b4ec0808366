"""Pure approval rules: who decides a calculated case, who may not, and by when.

FX-ROUTE (Fuxin 三, last paragraph): up to the town limit (inclusive) the town/street decides;
above it the district civil-affairs bureau must also consent before paying.
FX-ADV / CQ-ADV / DT-ADV / ADV-SKIP (Fuxin 四, Yubei notice 三, Dongtou 四): an emergency case is
helped first; the pack's `advance_assistance` value names the one deciding step, the skipped
stages and the region's time limits that start with it (none where the region sets none).
Whether the district must consent before paying stays configurable.
DT-SOD (Dongtou 一, 二): handler, reviewer and approver are different people.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from relief_shared.money import Money

DISTRICT_STEP = "district_consent"
DISTRICT_ROLE = "district"


@dataclass(frozen=True)
class StepPlan:
    step: str
    role: str
    time_limits: tuple[str, ...] = ()  # the region pack's limits that start when the step opens
    only_above: Money | None = None  # the step is needed only when the decided amount exceeds this

    def needed_for(self, amount: Money) -> bool:
        return self.only_above is None or amount > self.only_above


@dataclass(frozen=True)
class Route:
    rules: tuple[str, ...]
    skipped: tuple[str, ...]
    sources: tuple[str, ...]
    steps: tuple[StepPlan, ...] = field(default=())

    def step(self, name: str) -> StepPlan | None:
        return next((s for s in self.steps if s.step == name), None)

    def after(self, name: str) -> tuple[StepPlan, ...]:
        names = [s.step for s in self.steps]
        return self.steps[names.index(name) + 1:]


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


def amount_refusal(amount: Money, ceiling: Money) -> str | None:
    """§3: the ceiling is a ceiling; more needs case-by-case deliberation (§4.4), not a decision."""
    if amount.fen <= 0:
        return "the decided amount must be above zero"
    if amount > ceiling:
        return (f"amount {amount} exceeds the ceiling {ceiling}; more than the ceiling needs "
                "case-by-case deliberation (一事一议, policy.md §4.4)")
    return None
