"""Exactly once with real processes: two approval replicas on one database, one of them killed
(SIGKILL) and restarted between the warning and the breach; and production settings refusing
the suite clock at start."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import nats
import pytest

from relief_shared.embedded import free_port
from relief_shared.testing import eventually, make_event, migrated, parse_event, staff_token

REGION, TOWN = "chongqing-yubei", "chongqing-yubei/longxi"
OPS = staff_token("ops", sub="ops-1", region=REGION, org_unit=None)
APPROVER = staff_token("approver", sub="approver-cq", region=REGION, org_unit=TOWN)
CASES = 12


class Replica:
    """`uvicorn approval.main:app` in its own process, as a deployment runs it."""

    def __init__(self, env: dict[str, str], log: Path):
        self.port, self.env, self.log = free_port(), env, log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Replica:
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "approval.main:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning"], env={**os.environ, **self.env}, stdout=out, stderr=out)
        return self

    async def ready(self) -> None:
        async def probe() -> bool:
            assert self.proc.poll() is None, self.log.read_text()[-2000:]
            async with httpx.AsyncClient() as client:
                return (await client.get(self.url + "/readyz")).status_code == 200

        await eventually(probe, timeout=60, interval=0.1, message="replica ready")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def env(database_url: str, nats_url: str, **extra: str) -> dict[str, str]:
    return {"APPROVAL_DATABASE_URL": database_url, "APPROVAL_NATS_URL": nats_url,
            "APPROVAL_DEADLINE_POLL_SECONDS": "1", **extra}


async def test_two_replicas_and_a_kill_between_warning_and_breach_fire_each_event_once(
        database_url, nats_server, tmp_path) -> None:  # noqa: ANN001
    await migrated("approval", database_url)
    a = Replica(env(database_url, nats_server.url), tmp_path / "a.log").start()
    b = Replica(env(database_url, nats_server.url), tmp_path / "b.log")
    nc = await nats.connect(nats_server.url_as("harness"))
    try:
        await a.ready()
        async with httpx.AsyncClient(base_url=a.url, timeout=10) as client:
            r = await client.put("/v1/ops/clock", json={"now": "2026-02-12T09:00:00+08:00"}, headers=OPS)
            assert r.status_code == 200, r.text
            js = nc.jetstream()
            for i in range(CASES):
                event = make_event("benefit.calculated", f"rep-{i}", region=REGION, org_unit=TOWN, type="emergency",
                                   as_of="2026-02-12", ceiling="3000.00", recommended="3000.00", rules=[], trace=[],
                                   caps=[], needs_deliberation=False, accepted_at="2026-02-12T09:00:00+08:00",
                                   applicant={"id_number": "210902199001011234", "name": "张三"},
                                   accepted_by={"id": "clerk-cq", "name": "李经办"})
                await js.publish(event.subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})
            await eventually(lambda: _open_tasks(client, CASES), timeout=30, message="every case routed")
            b.start()
            await b.ready()

            # both replicas run: past the warning (Feb 15 00:00), before the due day (Feb 24)
            r = await client.put("/v1/ops/clock", json={"now": "2026-02-20T10:00:00+08:00"}, headers=OPS)
            assert r.status_code == 200, r.text
            await eventually(lambda: _fired(js, {"deadline.due_soon": 2 * CASES}), timeout=30, message="warnings")

            a.kill()  # SIGKILL, wherever it is
            a.start()
            await a.ready()
        async with httpx.AsyncClient(base_url=b.url, timeout=10) as client:
            r = await client.put("/v1/ops/clock", json={"advance_seconds": 6 * 86400}, headers=OPS)
            assert r.status_code == 200, r.text
            counts = await eventually(lambda: _fired(js, {"deadline.due_soon": 2 * CASES,
                                                          "deadline.breached": 2 * CASES}),
                                      timeout=30, message="breaches")
        assert set(counts.values()) == {1}, [k for k, n in counts.items() if n != 1]
    finally:
        await nc.close()
        a.stop()
        b.stop()


async def test_production_settings_refuse_to_start_with_the_suite_clock(database_url, nats_server, tmp_path) -> None:  # noqa: ANN001
    if not database_url.startswith("sqlite"):
        pytest.skip("settings are checked before any database is touched")
    replica = Replica(env(database_url, nats_server.url, APPROVAL_ENVIRONMENT="production", APPROVAL_SUITE_CLOCK="true",
                          RELIEF_JWT_SECRET="a-real-production-secret-of-enough-length",
                          RELIEF_KIN_SECRET="a-real-production-kin-key"), tmp_path / "prod.log").start()
    try:
        code = await asyncio.to_thread(replica.proc.wait, 60)
    finally:
        replica.stop()
    assert code != 0
    assert "suite clock" in (tmp_path / "prod.log").read_text()


async def _open_tasks(client: httpx.AsyncClient, n: int) -> bool:
    tasks = (await client.get("/v1/tasks", headers=APPROVER)).json()
    return len([t for t in tasks if t["case_id"].startswith("rep-")]) == n


async def _fired(js, expected: dict[str, int]) -> Counter | None:  # noqa: ANN001
    """Per (event type, deadline) how many distinct events the stream holds; None until the totals
    reach `expected`. More than one event of a type for one deadline fails at once."""
    sub = await js.pull_subscribe("relief.deadline.>", stream="RELIEF")
    counts: Counter = Counter()
    try:
        while True:
            try:
                msgs = await sub.fetch(500, timeout=0.5)
            except Exception:
                break
            for msg in msgs:
                event = parse_event(msg.data)
                if event.type in ("deadline.due_soon", "deadline.breached"):
                    counts[(event.type, event.data.deadline_id)] += 1
    finally:
        await sub.unsubscribe()
    assert all(n == 1 for n in counts.values()), counts
    totals = Counter(kind for kind, _ in counts.elements())
    return counts if all(totals[k] == n for k, n in expected.items()) else None
