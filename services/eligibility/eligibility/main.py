"""eligibility's composition root: `uvicorn eligibility.main:app`."""
from fastapi import FastAPI
from relief_shared.runtime import ServiceSpec, create_app

from eligibility import api, events
from eligibility.settings import Settings
from eligibility.store import UnitOfWork, metadata, plumbing

SPEC = ServiceSpec(
    name="eligibility",
    title="relief eligibility",
    description="One-window intake (一门受理), classification, the case view and referrals (policy.md §2, §6).",
    metadata=metadata,
    plumbing=plumbing,
    routers=[api.router],
    subscriptions=events.subscriptions,
    unit_of_work=UnitOfWork,
    problems=api.PROBLEMS,
)


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings or Settings())


app = build()
