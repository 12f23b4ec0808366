"""What every service runs for the suite's time: the clock and holiday-data followers, the
deadline scheduler (services that own deadlines), and the ops endpoints for them.

`GET /v1/ops/clock` → `{"now", "offset_seconds", "enabled"}`; `PUT /v1/ops/clock` (ops) with
`{"now": "2026-02-12T09:00:00+08:00"}` or `{"advance_seconds": 86400}` moves all five services
(each follows the NATS entry within a second); `DELETE /v1/ops/clock` returns to real time. Under
production settings the clock is disabled and moving it is refused (403).
`PUT /v1/ops/calendar/{year}` (ops) loads a year's holiday notice like `python -m
relief_shared.holidays load`; `GET /v1/ops/calendar` lists the years in use; `GET /v1/ops/alerts`
(ops, auditor) names what needs an operator: years missing or provisional with deadlines
counted on them.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from relief_shared import suite_state
from relief_shared.auth import STAFF_ROLES, Principal, require
from relief_shared.calendar import SHANGHAI
from relief_shared.deadline_scheduler import DeadlineScheduler
from relief_shared.deadlines import Deadlines
from relief_shared.problems import Forbidden, Unprocessable

if TYPE_CHECKING:
    from relief_shared.runtime import Runtime, ServiceSpec

Ops = Annotated[Principal, Depends(require("ops"))]
Watcher = Annotated[Principal, Depends(require("ops", "auditor"))]
Anyone = Annotated[Principal, Depends(require(*STAFF_ROLES, "partner"))]


def suite_work(runtime: Runtime, spec: ServiceSpec) -> list[Callable[[], Awaitable[None]]]:
    work = [suite_state.calendar_follower(runtime.bus, runtime.calendar_state).run]
    if runtime.clock.enabled:
        work.append(suite_state.clock_follower(runtime.bus, runtime.clock).run)
    if spec.deadlines is not None:
        scheduler = DeadlineScheduler(runtime.db, spec.deadlines, service=spec.name, clock=runtime.clock,
                                      calendar=runtime.calendar, poll_seconds=runtime.settings.deadline_poll_seconds,
                                      batch=runtime.settings.deadline_batch,
                                      ready=runtime.calendar_state.synced.is_set, on_claimed=spec.on_deadlines)
        runtime.calendar_state.on_change(scheduler.wake.set)
        runtime.extras["deadline_scheduler"] = scheduler
        work.append(scheduler.run)
    return work


class ClockOut(BaseModel):
    now: str = Field(description="the suite's time, ISO 8601 in Asia/Shanghai")
    offset_seconds: float = Field(description="how far the suite's time is from real time")
    enabled: bool = Field(description="false under production settings: real time, not movable")


EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)
SUITE_SPAN_SECONDS = (LATEST - EARLIEST).total_seconds()


class ClockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    now: AwareDatetime | None = Field(None, description="set the suite's time to this instant (years 2000 to "
                                                        "2099); it runs on from there")
    advance_seconds: float | None = Field(None, ge=-SUITE_SPAN_SECONDS, le=SUITE_SPAN_SECONDS, allow_inf_nan=False,
                                          description="move the suite's time by this much (may be negative)")

    @model_validator(mode="after")
    def _one_of(self) -> ClockIn:
        if (self.now is None) == (self.advance_seconds is None):
            raise ValueError("give exactly one of `now` and `advance_seconds`")
        if self.now is not None and not EARLIEST <= self.now < LATEST:
            raise ValueError("the suite's time must stay within the years 2000 to 2099")
        return self



def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _clock_view(runtime: Runtime) -> dict[str, Any]:
    clock = runtime.clock
    return {"now": clock.now().astimezone(SHANGHAI).isoformat(), "offset_seconds": clock.offset_seconds,
            "enabled": clock.enabled}


def suite_router() -> APIRouter:
    router = APIRouter(prefix="/v1/ops", tags=["ops"])

    @router.get("/clock", response_model=ClockOut)
    async def get_clock(request: Request, _: Anyone) -> dict[str, Any]:
        """The suite's time as this service sees it."""
        return _clock_view(_runtime(request))

    @router.put("/clock", response_model=ClockOut)
    async def put_clock(body: ClockIn, request: Request, principal: Ops) -> dict[str, Any]:
        """Set (`now`) or advance (`advance_seconds`) the time of the whole suite; every service
        follows within a second. Development and test runs only."""
        runtime = _runtime(request)
        _movable(runtime)

        def offset(current: float) -> float:
            if body.advance_seconds is not None:
                moved = current + body.advance_seconds
                if not EARLIEST <= datetime.now(timezone.utc) + timedelta(seconds=moved) < LATEST:
                    raise Unprocessable("the suite's time must stay within the years 2000 to 2099", errors=[
                        {"field": "advance_seconds", "message": "moves the suite's time out of 2000-2099"}])
                return moved
            assert body.now is not None
            return (body.now - datetime.now(body.now.tzinfo)).total_seconds()

        await suite_state.set_clock(runtime.bus, runtime.clock, offset, by=principal.sub)
        return _clock_view(runtime)

    @router.delete("/clock", response_model=ClockOut)
    async def reset_clock(request: Request, principal: Ops) -> dict[str, Any]:
        """Return the whole suite to real time."""
        runtime = _runtime(request)
        _movable(runtime)
        await suite_state.set_clock(runtime.bus, runtime.clock, lambda _: 0.0, by=principal.sub)
        return _clock_view(runtime)

    @router.get("/calendar")
    async def calendar_years(request: Request, _: Watcher) -> list[dict[str, Any]]:
        """The holiday data this service counts working days with, year by year."""
        years = _runtime(request).calendar.years()
        return [{"year": y, "version": hy.version, "provisional": hy.provisional, "source": hy.source}
                for y, hy in sorted(years.items())]

    @router.put("/calendar/{year}")
    async def load_year(year: Annotated[int, Path(ge=2000, le=2100)], body: dict[str, Any], request: Request,
                        _: Ops) -> dict[str, Any]:
        """Load a year's State Council holiday notice (the shape of `calendar_data/*.json`) into
        the whole suite, without a restart; deadlines counted without it are counted again."""
        runtime = _runtime(request)
        if body.get("year") != year:
            raise Unprocessable(f"the body is the notice of {body.get('year')!r}, not of {year}")
        try:
            loaded = await suite_state.publish_year(await runtime.bus.wait_ready(), body)
        except (ValueError, KeyError, TypeError) as exc:
            raise Unprocessable(f"not a usable holiday notice: {exc!r}") from exc
        return {"year": loaded.year, "version": loaded.version, "provisional": loaded.provisional}

    @router.get("/alerts")
    async def alerts(request: Request, _: Watcher) -> list[dict[str, Any]]:
        """What needs an operator: deadlines counted without a year's official holiday notice
        (`calendar_incomplete`), by the holiday data they were counted with."""
        runtime = _runtime(request)
        scheduler = runtime.extras.get("deadline_scheduler")
        if scheduler is None:
            return []
        async with runtime.db.reading() as uow:
            summary = await Deadlines(uow.conn, scheduler.table).incomplete_summary()
        return [{"kind": "calendar_incomplete", "calendar_version": version, "open_deadlines": count,
                 "detail": "deadlines counted on weekends and fixed-date holidays only (a lower bound for holidays); "
                           "load the year's notice: python -m relief_shared.holidays load <year>.json"}
                for version, count in sorted(summary.items())]

    return router


def _movable(runtime: Runtime) -> None:
    if not runtime.clock.enabled:
        raise Forbidden("the suite clock is disabled under production settings")

