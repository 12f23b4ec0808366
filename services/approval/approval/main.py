"""approval's composition root: `uvicorn approval.main:app`."""
from fastapi import FastAPI

from approval import api, applications_api, events, spot_check_api, spot_check_monthly
from approval.settings import Settings
from approval.store import UnitOfWork, deadlines, metadata, plumbing
from relief_shared.runtime import ServiceSpec, create_app

SPEC = ServiceSpec(
    name="approval",
    title="relief approval",
    description="Approval routing, segregation of duties, decisions and deadlines (policy.md §4).",
    metadata=metadata,
    plumbing=plumbing,
    routers=[api.router, spot_check_api.router, applications_api.router],
    subscriptions=events.subscriptions,
    unit_of_work=UnitOfWork,
    problems={**api.PROBLEMS, **spot_check_api.PROBLEMS, **applications_api.PROBLEMS},
    deadlines=deadlines,
    background=[spot_check_monthly.draw_finished_months],
)


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings or Settings())


app = build()
