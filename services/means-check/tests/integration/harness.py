"""means-check served on a socket against a real migrated database and a real NATS server, with
its simulated departments steered per test and fast retry timings (real time), while the
suite clock (business time) is moved through the ops API."""
from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from nats.js import JetStreamContext

from means_check.main import build
from means_check.settings import Settings, SimulatorSettings, VerificationSettings
from means_check.sources.population import Population
from means_check.sources.simulator import Simulators
from relief_shared.contract import Envelope
from relief_shared.testing import eventually, harness_js, migrated, serving, staff_token

FULL_ID = re.compile(r"\d{17}[\dX]")
POPULATION = Population(12)
FAST = dict(timeout_seconds=0.3, retry_seconds=[0.05, 0.1, 0.2], max_attempts=3, breaker_threshold=3,
            breaker_cool_off_seconds=0.3, flush_seconds=0.01, poll_seconds=0.1, sweep_seconds=0.1)


def token(role: str, region: str = "fuxin-haizhou", **kw: Any) -> dict[str, str]:
    town = {"fuxin-haizhou": "fuxin-haizhou/hanjiadian", "wenzhou-dongtou": "wenzhou-dongtou/beiyan",
            "anyang": "anyang/beiguan"}.get(region)
    org_unit = town if role in ("clerk", "reviewer", "approver") else None
    return staff_token(role, region=region, org_unit=org_unit, sub=kw.pop("sub", f"{role}-1"), **kw)


def members(name: str) -> list[str]:
    return [p.id_number for p in POPULATION.household(name)]


@dataclass
class MeansCheck:
    client: httpx.AsyncClient
    js: JetStreamContext
    app: Any

    @property
    def simulators(self) -> Simulators:
        return self.app.state.runtime.extras["simulators"]

    async def request(self, household: list[str], *, case_id: str, region: str = "fuxin-haizhou",
                      consent: dict | None = None, **extra: Any) -> httpx.Response:
        body = {"case_id": case_id, "region": region, "members": household,
                **({"consent": consent} if consent is not None else {}), **extra}
        return await self.client.post("/v1/verifications", json=body, headers=token("clerk", region))

    async def start(self, household: list[str], *, case_id: str, region: str = "fuxin-haizhou") -> str:
        r = await self.request(household, case_id=case_id, region=region, consent={"signed_on": "2026-01-05"})
        assert r.status_code == 202, r.text
        return r.json()["verification_id"]

    async def verification(self, verification_id: str, region: str = "fuxin-haizhou") -> dict:
        r = await self.client.get(f"/v1/verifications/{verification_id}", headers=token("reviewer", region))
        assert r.status_code == 200, r.text
        return r.json()

    async def finished(self, verification_id: str, region: str = "fuxin-haizhou", timeout: float = 15) -> dict:
        async def done() -> dict | None:
            v = await self.verification(verification_id, region)
            return v if v["status"] in ("completed", "partial") else None

        return await eventually(done, timeout=timeout, message=f"verification {verification_id} finished")

    async def publish(self, event: Envelope) -> None:
        await self.js.publish(event.subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})

    async def advance(self, days: float) -> None:
        r = await self.client.put("/v1/ops/clock", json={"advance_seconds": int(days * 86400)},
                                  headers=token("ops"))
        assert r.status_code == 200, r.text
        offset = r.json()["offset_seconds"]

        async def followed() -> bool:
            return abs(self.app.state.runtime.clock.offset_seconds - offset) < 1

        await eventually(followed, timeout=5, message="means-check follows the clock")


def settings(database_url: str, nats_url: str, *, faults: dict[str, str] | None = None, later_days: int = 20,
             **verification: Any) -> Settings:
    return Settings(database_url=database_url, nats_url=nats_url,
                    verification=VerificationSettings(**{**FAST, **verification}),
                    simulator=SimulatorSettings(latency_ms=(0, 2), faults=faults or {}, later_days=later_days))


@contextlib.asynccontextmanager
async def means_check(database_url: str, nats_url: str, *, migrate: bool = True,
                      **options: Any) -> AsyncIterator[MeansCheck]:
    if migrate:
        await migrated("means_check", database_url)
    app = build(settings(database_url, nats_url, **options))
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client, \
            harness_js(nats_url) as js:
        await eventually(lambda: _ready(client), timeout=10, message="means-check ready")
        yield MeansCheck(client, js, app)


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def published(js: JetStreamContext, subject: str, count: int, timeout: float = 10) -> list[bytes]:
    """The first `count` messages on `subject` (from the stream's start)."""
    sub = await js.pull_subscribe(subject, stream="RELIEF")
    got: list[bytes] = []

    async def enough() -> bool:
        try:
            for msg in await sub.fetch(count - len(got), timeout=0.5):
                got.append(msg.data)
                await msg.ack()
        except TimeoutError:
            pass
        return len(got) >= count

    await eventually(enough, timeout=timeout, message=f"{count} message(s) on {subject}")
    return got
