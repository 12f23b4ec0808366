"""Events of the household economic status verification (means-check, policy.md §5)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from relief_shared.contract.fields import Actor, Payload
from relief_shared.contract.registry import event


class _MeansScope(Payload):
    scope: Literal["none", "expenditure", "full"] = Field(
        description="none (skipped), necessary expenditure only (CQ-EXP-ONLY), or the full check")
    rules: list[str]
    reason: str
    by: Actor


@event("means.skipped", 1, publisher="means-check",
       summary="The case needs no means check (ADV-SKIP: emergency aid helped in advance).")
class MeansSkipped(_MeansScope):
    pass


@event("means.requested", 1, publisher="means-check",
       summary="The case needs a means check of the given scope (ANY-MEANS-SOURCES, CQ-EXP-ONLY).")
class MeansRequested(_MeansScope):
    pass
