"""Procedures as data: the dated, versioned step lists of a region's pack (`procedures.toml`).

A procedure is a parameter `procedure_<kind>` (kind: expenditure, case_by_case,
advance_paperwork; the dibao, tekun and marginal decisions add theirs as `procedure_dibao` …,
DT-20D) whose value names its `version` and its `steps`; see fuxin-haizhou/procedures.toml
for the fields. The route a case gets stores the steps themselves and the version, so a case
keeps the procedure it started on when the pack changes (FX-EXP-PROC, ANY-NO-APPRAISAL,
DT-CASE, FX-CASE-MIN, FX-ADV, CQ-ADV, DT-ADV, ANY-ADV).

A step's `only_above` names a parameter (e.g. `town_approval_limit`, FX-ROUTE): it is read here,
once, as of the case's date, so the route carries the amount, not the name.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from approval import policy
from relief_shared.money import Money
from relief_shared.regions import MissingParameter, RegionPack
from relief_shared.timelimits import UNITS

ROLES = ("clerk", "reviewer", "approver", "district")
DUTIES = ("handler", "reviewer", "approver", "district")


class ProcedureInvalid(ValueError):
    """The pack's procedure cannot be used: the region's data is wrong, not the case."""


def parameter_name(kind: str) -> str:
    return f"procedure_{kind}"


def has(pack: RegionPack, kind: str, as_of: date) -> bool:
    try:
        pack.parameter(parameter_name(kind), as_of)
    except MissingParameter:
        return False
    return True


def build(pack: RegionPack, kind: str, as_of: date) -> policy.Route:
    """The route of procedure `kind` in force on `as_of`; MissingParameter where the region has
    none (a clear error: never another region's or a default procedure)."""
    value = pack.parameter(parameter_name(kind), as_of)
    steps = tuple(_step(pack, raw, as_of, value.source) for raw in _steps(value.value, kind))
    limits = tuple(value.value.get("time_limits", ()))
    if limits:
        steps = (replace(steps[0], time_limits=steps[0].time_limits + limits), *steps[1:])
    _check_graph(steps, kind)
    rules = tuple(dict.fromkeys([value.rule, *(s.rule for s in steps if s.rule)]))
    deliberation = None
    if any(s.step == "deliberation" for s in steps):
        deliberation = dict(pack.parameter("deliberation", as_of).value)
        deliberation["rule"] = pack.parameter("deliberation", as_of).rule
        deliberation["source"] = pack.parameter("deliberation", as_of).source
    return policy.Route(rules, _skipped(steps), (value.source,), steps, pack.pack_version, str(value.value["version"]),
                        deliberation)


def with_paperwork(pack: RegionPack, route: policy.Route, as_of: date) -> policy.Route:
    """An advance route with the region's paperwork steps after its payment (FX-ADV, CQ-ADV,
    DT-ADV, ANY-ADV); unchanged where the region has no such procedure."""
    if not has(pack, "advance_paperwork", as_of):
        return route
    extra = build(pack, "advance_paperwork", as_of)
    last_decision = route.steps[-1].step
    steps = tuple(replace(s, after=(last_decision,) if s.after == () else s.after) for s in extra.steps)
    return policy.Route(route.rules, route.skipped, (*route.sources, *extra.sources), (*route.steps, *steps),
                        route.pack_version, extra.procedure)


def _steps(value: Any, kind: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, Mapping) or not value.get("version") or not isinstance(value.get("steps"), list) \
            or not value["steps"]:
        raise ProcedureInvalid(f"procedure {kind!r}: a value needs `version` and a non-empty `steps` list")
    return value["steps"]


def _step(pack: RegionPack, raw: Mapping[str, Any], as_of: date, source: str) -> policy.StepPlan:
    name, role = raw.get("step"), raw.get("role")
    if not name or role not in ROLES:
        raise ProcedureInvalid(f"a step needs `step` and a `role` of {ROLES}: {dict(raw)}")
    duty = raw.get("duty", "")
    if duty and duty not in DUTIES:
        raise ProcedureInvalid(f"step {name}: duty {duty!r} is not one of {DUTIES}")
    only_above = None
    if raw.get("only_above"):
        only_above = Money.yuan(pack.parameter(raw["only_above"], as_of).value)
    return policy.StepPlan(
        step=name, role=role, time_limits=tuple(raw.get("time_limits", ())), only_above=only_above,
        after=tuple(raw["after"]) if "after" in raw else None, duty=duty, rule=raw.get("rule", ""),
        within=_span(raw.get("within"), name, "within"), skip_unless=raw.get("skip_unless"),
        closes_on=raw.get("closes_on"), opens_on=raw.get("opens_on"), period=_span(raw.get("period"), name, "period"),
        decides_amount=bool(raw.get("decides_amount", False)),
        report_requires=tuple(raw.get("report_requires", ())))


def _span(raw: Any, step: str, what: str) -> tuple[int, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not isinstance(raw.get("amount"), int) or raw.get("unit") not in UNITS:
        raise ProcedureInvalid(f"step {step}: `{what}` needs an integer amount and a unit of {UNITS}")
    return raw["amount"], raw["unit"]


def _check_graph(steps: tuple[policy.StepPlan, ...], kind: str) -> None:
    """Every predecessor is an earlier step: the graph has no cycle and no dangling name."""
    seen: set[str] = set()
    for i, s in enumerate(steps):
        if s.step in seen:
            raise ProcedureInvalid(f"procedure {kind!r} names step {s.step!r} twice")
        for before in (s.after if s.after is not None else ((steps[i - 1].step,) if i else ())):
            if before not in seen:
                raise ProcedureInvalid(f"procedure {kind!r}: step {s.step!r} waits for {before!r}, "
                                       "which is not an earlier step")
        seen.add(s.step)
    if not any(s.decides_amount for s in steps) and kind in ("expenditure", "case_by_case"):
        raise ProcedureInvalid(f"procedure {kind!r} has no step that decides the amount")


def _skipped(steps: tuple[policy.StepPlan, ...]) -> tuple[str, ...]:
    names = {s.step for s in steps}
    return tuple(stage for stage, step in (("democratic_appraisal", "appraisal"), ("public_notice", "public_notice"))
                 if step not in names and "deliberation" not in names)
