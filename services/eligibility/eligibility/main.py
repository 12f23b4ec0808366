"""eligibility's composition root: `uvicorn eligibility.main:app`."""
from fastapi import FastAPI
from relief_shared.runtime import ServiceSpec, create_app

from eligibility import api, complaints_api, events, referral_service, referrals_api, register_api
from eligibility.settings import Settings
from eligibility.store import UnitOfWork, clocks, metadata, plumbing

SPEC = ServiceSpec(
    name="eligibility",
    title="relief eligibility",
    description="One-window intake (一门受理), classification, the case view and referrals (policy.md §2, §6).",
    metadata=metadata,
    plumbing=plumbing,
    routers=[api.router, referrals_api.router, register_api.router, complaints_api.router],
    subscriptions=events.subscriptions,
    unit_of_work=UnitOfWork,
    problems={**api.PROBLEMS, **register_api.PROBLEMS, **complaints_api.PROBLEMS},
    deadlines=clocks,
    on_deadlines=referral_service.on_deadlines,
)


def build(settings: Settings | None = None) -> FastAPI:
    app = create_app(SPEC, settings or Settings())
    _match_first(app, register_api.status_of)
    return app


def _match_first(app: FastAPI, endpoint: object) -> None:
    """Move the router of a hot route (the status lookup, `make bench-status`) to the front of the
    app's routes: a request is matched against the routes in order, and matching the ~20 routes
    before it cost more than the lookup's own database work."""
    routes = app.router.routes
    for i, route in enumerate(routes):
        inner = getattr(getattr(route, "original_router", None), "routes", [])
        if any(getattr(r, "endpoint", None) is endpoint for r in inner):
            routes.insert(0, routes.pop(i))
            return


app = build()
