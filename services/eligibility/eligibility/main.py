"""eligibility's composition root: `uvicorn eligibility.main:app`."""
from fastapi import FastAPI
from relief_shared.runtime import ServiceSpec, create_app

from eligibility import api, events, referral_service, referrals_api
from eligibility.settings import Settings
from eligibility.store import UnitOfWork, clocks, metadata, plumbing

SPEC = ServiceSpec(
    name="eligibility",
    title="relief eligibility",
    description="One-window intake (一门受理), classification, the case view and referrals (policy.md §2, §6).",
    metadata=metadata,
    plumbing=plumbing,
    routers=[api.router, referrals_api.router],
    subscriptions=events.subscriptions,
    unit_of_work=UnitOfWork,
    problems=api.PROBLEMS,
    deadlines=clocks,
    on_deadlines=referral_service.on_deadlines,
)


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings or Settings())


app = build()
