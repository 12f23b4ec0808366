"""A verification's result as the event carries it and as staff read it: figures with their
source and reference, the assessment against the region's thresholds, and what is missing."""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from relief_shared.calendar import SHANGHAI
from relief_shared.contract import Envelope, system
from relief_shared.contract.case import CaseClassified
from relief_shared.contract.means import DecisionPeriod, MeansVerified, ThresholdCheck, VerifiedFigure
from relief_shared.money import Money
from relief_shared.regions import RegionPack

from means_check.assessment import Figure, assess
from means_check.policy import Scope

SOURCE = "means-check"
EXTENDING_RULE = "DT-MEANS-15D"


def _money(fen: int | None) -> Money | None:
    return None if fen is None else Money(int(fen))


def figure_of(row: dict[str, Any]) -> Figure:
    return Figure(row["source"], row["reference"], row["member"], row["category"], row["kind"],
                  _money(row["monthly_fen"]), _money(row["value_fen"]), row["count"], row["note"])


def decision_periods(pack: RegionPack, applies_for: str | None, took_days: int) -> list[DecisionPeriod]:
    """DT-MEANS-15D: each decision period of the region the verification's length extends."""
    found = []
    for limit in pack.time_limits.values():
        ext = limit.extension
        if ext is None or ext.rule != EXTENDING_RULE or (limit.applies_to and applies_for not in limit.applies_to):
            continue
        days = limit.extended(took_days)
        found.append(DecisionPeriod(limit=limit.id, rule=ext.rule, days=days, extended=days != limit.amount))
    return found


def verified(v: dict[str, Any], requests: list[dict[str, Any]], members: dict[tuple[str, int], dict[str, Any]],
             figure_rows: list[dict[str, Any]], pack: RegionPack, *, now: datetime, forced: bool) -> MeansVerified:
    masked = {pos: m["masked"] for (_, pos), m in members.items()}
    missing = sorted({f"{r['source']} ({masked.get(r['position'], '?')}): {r['status']}"
                      for r in requests if r["status"] in ("failed", "abandoned")})
    figures = [figure_of(r) for r in figure_rows]
    assessment = assess(figures, v["household_size"], pack, now.astimezone(SHANGHAI).date())
    took = (now - v["started_at"]).days
    periods = decision_periods(pack, v.get("applies_for"), took)
    rules = [*v["rules"].split(","), *([EXTENDING_RULE] if any(p.extended for p in periods) else [])]
    if missing:
        reason = (f"closed at its deadline on partial data: {len(missing)} answer(s) missing" if forced
                  else f"finished with {len(missing)} source answer(s) missing after every retry")
    else:
        reason = "every source asked answered for every member"
    if assessment.unassessed:
        reason += "; not assessed: " + "; ".join(assessment.unassessed)
    return MeansVerified(
        verification_id=v["id"], scope="full", complete=not missing, partial=bool(missing), missing=missing,
        household_size=assessment.household_size, monthly_income=assessment.monthly_income,
        monthly_income_per_capita=assessment.per_capita, employment_cost_deduction=assessment.deduction,
        assets=dict(sorted(assessment.assets.items())),
        figures=[VerifiedFigure(source=f.source, reference=f.reference, member=f.member, category=f.category,
                                kind=f.kind, monthly=f.monthly, value=f.value, count=f.count, note=f.note)  # type: ignore[arg-type]
                 for f in figures],
        thresholds=[ThresholdCheck(name=t.name, rule=t.rule, limit=t.limit, value=t.value, crossed=t.crossed,
                                   sources=list(t.sources), references=list(t.references), clause=t.clause)
                    for t in assessment.thresholds],
        unassessed=list(assessment.unassessed), started_at=v["started_at"].astimezone(SHANGHAI),
        finished_at=now.astimezone(SHANGHAI), took_days=took, decision_periods=periods, rules=rules, reason=reason,
        by=system(SOURCE))


def expenditure_only(data: CaseClassified, scope: Scope, at: datetime) -> MeansVerified:
    """CQ-EXP-ONLY: the necessary expenditure declared at intake is what is verified (against
    the receipts, by the investigating staff); no department is asked anything."""
    spent = sum((e.amount for e in data.situation.expenses), Money.zero())
    categories = ", ".join(sorted({e.category for e in data.situation.expenses})) or "none declared"
    return MeansVerified(
        verification_id=str(uuid.uuid4()), scope="expenditure", complete=True, partial=False,
        household_size=data.household.size, started_at=at.astimezone(SHANGHAI), finished_at=at.astimezone(SHANGHAI),
        took_days=0, rules=list(scope.rules), by=system(SOURCE),
        reason=f"{scope.reason}: necessary expenditure {spent} declared ({categories}), to be checked against "
               "its receipts; no income or property query")


def expenditure_row(event: Envelope[CaseClassified], payload: MeansVerified) -> dict[str, Any]:
    return {"id": payload.verification_id, "case_id": event.case_id, "region": event.region,
            "org_unit": event.data.org_unit, "applies_for": event.data.applies_for, "scope": "expenditure",
            "sources": "", "status": "completed", "origin": "intake", "purpose": "CQ-EXP-ONLY",
            "requested_by": event.data.accepted_by.id, "requested_by_name": event.data.accepted_by.name,
            "consent_signed_on": None, "consent_scope": "", "household_size": payload.household_size,
            "rules": ",".join(payload.rules), "started_at": event.occurred_at, "deadline_at": None,
            "finished_at": event.occurred_at, "result": payload.model_dump_json(), "purged_at": None,
            "correlation_id": event.correlation_id}


def document(v: dict[str, Any], requests: list[dict[str, Any]], members: dict[tuple[str, int], dict[str, Any]],
             figure_rows: list[dict[str, Any]]) -> dict[str, Any]:
    masked = {pos: m["masked"] for (_, pos), m in members.items()}
    final = json.loads(v["result"]) if v["result"] else None
    return {
        "verification_id": v["id"], "case_id": v["case_id"], "region": v["region"], "status": v["status"],
        "scope": v["scope"], "sources": [s for s in v["sources"].split(",") if s],
        "members": [{"member": m["masked"], "relation": m["relation"]}
                    for _, m in sorted(members.items(), key=lambda kv: kv[0][1])],
        "consent": {"signed_on": v["consent_signed_on"].isoformat() if v["consent_signed_on"] else None,
                    "scope": [s for s in v["consent_scope"].split(",") if s]},
        "requested_by": {"id": v["requested_by"], "name": v["requested_by_name"]},
        "started_at": v["started_at"].astimezone(SHANGHAI).isoformat(),
        "deadline_at": v["deadline_at"].astimezone(SHANGHAI).isoformat() if v["deadline_at"] else None,
        "finished_at": v["finished_at"].astimezone(SHANGHAI).isoformat() if v["finished_at"] else None,
        "purged_at": v["purged_at"].astimezone(SHANGHAI).isoformat() if v["purged_at"] else None,
        "requests": [{"source": r["source"], "member": masked.get(r["position"], "?"), "status": r["status"],
                      "attempts": r["attempts"], "reference": r["reference"], "error": r["error"]} for r in requests],
        "figures": [VerifiedFigure(source=f.source, reference=f.reference, member=f.member, category=f.category,
                                   kind=f.kind, monthly=f.monthly, value=f.value, count=f.count,  # type: ignore[arg-type]
                                   note=f.note).model_dump(mode="json")
                    for f in map(figure_of, figure_rows)],
        "result": final,
    }
