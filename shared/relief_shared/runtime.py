"""The composition root every service shares: one place that builds engines, NATS, tasks.

A service hands `create_app` its spec (routers, subscriptions, background work); the lifespan
builds everything at start, nothing connects at import time, and shutdown stops the tasks,
drains NATS and disposes the engine.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import MetaData, text

from relief_shared import clock as suite_clock
from relief_shared import logs, openapi, ops, pack_ops, problems
from relief_shared.bus import Bus
from relief_shared.calendar import WorkingCalendar
from relief_shared.clock import Clock
from relief_shared.db import Database, UnitOfWork, create_engine
from relief_shared.deadlines import DeadlineTable
from relief_shared.inbox import Consumer, ConsumerPolicy, Subscription
from relief_shared.fastlane import FastLane, LaneHandler
from relief_shared.limits import BodyLimit
from relief_shared.outbox import OutboxRelay
from relief_shared.plumbing import Plumbing
from relief_shared.problems import DomainProblems
from relief_shared.regions import RegionPacks
from relief_shared.settings import ServiceSettings
from relief_shared.suite_ops import suite_router, suite_work
from relief_shared.suite_state import CalendarState

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What use cases and handlers may reach: settings, database, bus, policy data."""

    settings: ServiceSettings
    db: Database
    bus: Bus
    plumbing: Plumbing
    packs: RegionPacks
    calendar: WorkingCalendar
    extras: dict[str, Any] = field(default_factory=dict)
    consumers: dict[str, Consumer] = field(default_factory=dict)
    clock: Clock = field(default_factory=Clock)  # the suite clock: business time for every use case
    calendar_state: CalendarState | None = None  # holiday years loaded at run time

    @property
    def suite_synced(self) -> bool:
        return self.clock.synced and (self.calendar_state is None or self.calendar_state.synced.is_set())


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    title: str
    description: str
    metadata: MetaData
    plumbing: Plumbing
    routers: list[APIRouter]
    subscriptions: Callable[[Runtime], list[Subscription]] = lambda _: []
    background: list[Callable[[Runtime], Awaitable[None]]] = field(default_factory=list)
    on_start: Callable[[Runtime], None] | None = None
    unit_of_work: type[UnitOfWork] = UnitOfWork
    problems: DomainProblems = field(default_factory=dict)
    version: str = "0.1.0"
    deadlines: DeadlineTable | None = None  # the service owns time limits: run their scheduler
    # what the service itself does, in the scheduler's transaction, with what a round claimed
    # (e.g. eligibility marks a referral overdue when its handling limit is breached)
    on_deadlines: Callable[[UnitOfWork, list[tuple[str, Any]]], Awaitable[None]] | None = None
    # (method, path) → a lane handler serving that route's ordinary success without the framework
    fast_lanes: dict[tuple[str, str], LaneHandler] = field(default_factory=dict)


def create_app(spec: ServiceSpec, settings: ServiceSettings) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logs.configure(spec.name, settings.log_level)
        db = Database(create_engine(settings.database_url), spec.plumbing, spec.unit_of_work)
        bus = Bus(settings.nats_url, spec.name, user=settings.nats_user, password=settings.nats_password)
        calendar = WorkingCalendar.load()
        clock = Clock(enabled=settings.suite_clock_enabled)
        suite_clock.install(clock)
        runtime = Runtime(settings, db, bus, spec.plumbing, RegionPacks.load(settings.regions_dir), calendar, clock=clock,
                          calendar_state=CalendarState(calendar))
        if spec.on_start:
            spec.on_start(runtime)
        app.state.runtime = runtime
        bus.start()
        policy = ConsumerPolicy(settings.consumer_max_deliver, settings.consumer_ack_wait_seconds,
                                tuple(settings.consumer_backoff_seconds), settings.consumer_batch)
        relay = OutboxRelay(db, bus, poll_seconds=settings.relay_poll_seconds, batch=settings.relay_batch,
                            max_attempts=settings.relay_max_attempts)
        runtime.consumers = {sub.durable: Consumer(bus, db, spec.plumbing, sub, policy)
                             for sub in spec.subscriptions(runtime)}
        work = [relay.run, db.checkpoint_forever]
        work += [consumer.run for consumer in runtime.consumers.values()]
        work += [functools.partial(task, runtime) for task in spec.background]
        work += suite_work(runtime, spec)
        work.append(pack_ops.follower(runtime).run)
        tasks = [asyncio.create_task(_supervised(w)) for w in work]
        log.info("%s started", spec.name)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await bus.close()
            await db.dispose()
            if suite_clock.current() is clock:  # apps stopped in any order leave real time, never a stale offset
                suite_clock.install(Clock())

    app = FastAPI(title=spec.title, description=spec.description, version=spec.version, lifespan=lifespan)
    app.state.spec = spec
    if spec.fast_lanes and settings.fast_lanes:
        app.add_middleware(FastLane, routes=spec.fast_lanes)  # added first: innermost, behind the body limit
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    problems.install(app, spec.problems)
    openapi.install(app)
    app.include_router(health_router())
    app.include_router(ops.router())
    app.include_router(suite_router())
    app.include_router(pack_ops.router())
    for router in spec.routers:
        app.include_router(router)
    return app


async def _supervised(work: Callable[[], Awaitable[None]]) -> None:
    """Keep a relay, consumer or worker running: a crash is logged and the loop starts again."""
    while True:
        try:
            await work()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task %s died; restarting in 1s", getattr(work, "__qualname__", work))
            await asyncio.sleep(1)


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


def health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", response_model=Health)
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @router.get("/readyz", response_model=Readiness, responses={503: {"description": "a dependency is down"}})
    async def readyz(request: Request) -> JSONResponse:
        """The database answers and NATS is connected with its streams in place."""
        runtime: Runtime = request.app.state.runtime
        checks = {"database": "ok", "nats": "ok" if runtime.bus.connected and runtime.bus.ready.is_set() else "down",
                  "suite_clock": "ok" if runtime.suite_synced else "syncing"}
        try:
            async with runtime.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            checks["database"] = f"down: {exc.__class__.__name__}"
        ok = all(v == "ok" for v in checks.values())
        if ok:
            return JSONResponse({"status": "ready", "checks": checks})
        return problems.problem_response(503, "not-ready", "Not ready", "a dependency is down", checks=checks)

    return router


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
