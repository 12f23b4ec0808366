"""Events of the household economic status verification (means-check, policy.md §5)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from relief_shared.contract.fields import Actor, Amount, Instant, Payload
from relief_shared.contract.registry import event


class _MeansScope(Payload):
    scope: Literal["none", "expenditure", "full"] = Field(
        description="none (skipped), necessary expenditure only (CQ-EXP-ONLY), or the full check")
    rules: list[str]
    reason: str
    by: Actor
    verification_id: str | None = Field(None, description="the verification started for it, where one was")


@event("means.skipped", 1, publisher="means-check",
       summary="The case needs no means check (ADV-SKIP: emergency aid helped in advance).")
class MeansSkipped(_MeansScope):
    pass


@event("means.requested", 1, publisher="means-check",
       summary="The case needs a means check of the given scope (ANY-MEANS-SOURCES, CQ-EXP-ONLY).")
class MeansRequested(_MeansScope):
    pass


class VerifiedFigure(Payload):
    """One figure a department returned, with the source and its own reference behind it."""

    source: str = Field(description="the data source's code (GET /v1/sources)")
    reference: str = Field(description="the department's own reference for the answer")
    member: str = Field(description="the member it is about, masked (e.g. 210902********1234)")
    category: str = Field(description="e.g. wages, pension, business, deposits, real_estate, vehicles")
    kind: Literal["income", "asset", "fact"]
    monthly: Amount | None = Field(None, description="monthly income, for kind income")
    value: Amount | None = Field(None, description="the asset's value, for kind asset")
    count: int | None = Field(None, description="how many (homes, vehicles, businesses), where counted")
    note: str = ""


class ThresholdCheck(Payload):
    """A threshold of the region pack and whether the household crosses it."""

    name: str
    rule: str
    limit: str = Field(description="the threshold, as the pack states it")
    value: str = Field(description="the household's figure compared with it")
    crossed: bool
    sources: list[str] = Field(description="the sources of the figures behind the value")
    references: list[str] = Field(default_factory=list, description="the departments' references behind it")
    clause: str


class DecisionPeriod(Payload):
    """DT-MEANS-15D: a verification over its threshold extends a decision period (DT-20D)."""

    limit: str
    rule: str
    days: int = Field(description="the decision period in force given the verification's length")
    extended: bool


@event("means.verified", 1, publisher="means-check",
       summary="The household economic status verification is finished: complete, or closed at its deadline "
               "on partial data with the missing sources named; per-capita income, assets per category and "
               "the region's thresholds crossed, with the source and reference behind every figure. Member ID "
               "numbers are masked.")
class MeansVerified(Payload):
    verification_id: str
    scope: Literal["expenditure", "full"]
    complete: bool = Field(description="every asked source answered for every member")
    partial: bool = Field(description="closed at the deadline (or with sources failing) on the data it had")
    missing: list[str] = Field(default_factory=list, description="sources without an answer, with the member")
    household_size: int = Field(ge=0)
    monthly_income: Amount | None = Field(None, description="the household's counted monthly income")
    monthly_income_per_capita: Amount | None = None
    employment_cost_deduction: Amount | None = Field(None, description="ANY-EXIT, where the region has it")
    assets: dict[str, Amount] = Field(default_factory=dict, description="asset value per category")
    figures: list[VerifiedFigure] = Field(default_factory=list)
    thresholds: list[ThresholdCheck] = Field(default_factory=list)
    unassessed: list[str] = Field(default_factory=list, description="thresholds the region's pack cannot assess "
                                                                    "on that date (a parameter missing), and why")
    started_at: Instant
    finished_at: Instant
    took_days: int = Field(ge=0, description="whole calendar days the verification took")
    decision_periods: list[DecisionPeriod] = Field(default_factory=list)
    rules: list[str]
    reason: str
    by: Actor
