"""Deadline benchmark: 100,000 open deadlines in approval's database, a suite-clock advance that
makes 10,000 of them due, and the time until all 10,000 `deadline.breached` events are on NATS
(each also gets its `deadline.due_soon` first: 20,000 events in all); plus the approval
process's CPU while nothing is due, with the 100,000 deadlines and with none.

`make bench-deadlines` (SQLite); `BENCH_ARGS="--database-url postgresql://…"` for PostgreSQL
(a fresh database is created and dropped). Runs NATS and one approval process on this machine.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import nats
from sqlalchemy import insert

from approval.store import deadlines as deadline_table
from relief_shared import suite_state
from relief_shared.auth import issue
from relief_shared.calendar import SHANGHAI
from relief_shared.db import create_engine, sqlite_url
from relief_shared import broker
from relief_shared.embedded import NatsServer, free_port
from relief_shared.migrate import upgrade
from relief_shared.settings import DEV_JWT_SECRET
from relief_shared.testing import postgres_database

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
OPS = {"Authorization": "Bearer " + issue(DEV_JWT_SECRET, sub="bench-ops", name="bench", roles=["ops"],
                                          region="chongqing-yubei")}


def rows(total: int, due_now: int) -> list[dict]:
    """`due_now` deadlines due 10-11 h after T0 (warned 4 h before), the rest 30-60 days later."""
    out = []
    for i in range(total):
        soon = i < due_now
        due = T0 + (timedelta(hours=10, seconds=3600 * i / due_now) if soon else timedelta(days=30 + i % 30))
        out.append({"id": str(uuid.uuid4()), "case_id": f"bench-{i // 2}", "region": "chongqing-yubei",
                    "org_unit": "chongqing-yubei/longxi", "limit_id": f"BENCH-{i % 2}", "rule": "BENCH",
                    "name": "benchmark limit", "clause": "bench", "watches": "nothing", "stop": "case.approved",
                    "unit": "clock_hours", "amount": 10, "lead_unit": "clock_hours", "lead_amount": 4,
                    "started_at": T0, "due": due, "warn_at": due - timedelta(hours=4),
                    "next_at": due - timedelta(hours=4), "calendar_complete": True, "calendar_version": "none",
                    "warned_at": None, "breached_at": None, "closed_at": None, "correlation_id": None,
                    "revision": 1})
    return out


async def fill(url: str, total: int, due_now: int) -> float:
    engine = create_engine(url)
    started = time.perf_counter()
    try:
        async with engine.begin() as conn:
            data = rows(total, due_now)
            for i in range(0, total, 5000):
                await conn.execute(insert(deadline_table.table), data[i:i + 5000])
    finally:
        await engine.dispose()
    return time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def idle_cpu(pid: int, seconds: float) -> float:
    before, t = cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(seconds)
    return (cpu_seconds(pid) - before) / (time.perf_counter() - t) * 100


class Approval:
    def __init__(self, url: str, nats_url: str, log: Path):
        self.port = free_port()
        env = {**os.environ, "APPROVAL_DATABASE_URL": url, "APPROVAL_NATS_URL": nats_url,
               "APPROVAL_LOG_LEVEL": "WARNING"}
        self.proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "approval.main:app", "--port", str(self.port),
                                      "--log-level", "warning", "--no-access-log"], env=env,
                                     stdout=open(log, "ab"), stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"

    async def ready(self, client: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if (await client.get(self.base + "/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
        raise TimeoutError("approval not ready")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            print("approval did not stop within 15 s of SIGTERM; killed", file=sys.stderr)
            self.proc.kill()
            self.proc.wait()


async def run(url: str, folder: Path, total: int, due_now: int, idle_seconds: float) -> dict[str, float]:
    server = NatsServer(folder / "nats", log_file=folder / "nats.log", extra_users=[broker.test_harness()]).start()
    result: dict[str, float] = {}
    try:
        await asyncio.to_thread(upgrade, "approval", url)
        if total:
            result["fill_seconds"] = await fill(url, total, due_now)
        nc = await nats.connect(server.url_as("harness"))  # the bench sets the clock and counts events
        # The suite's time is T0 before approval starts: its deadlines are not due at real time.
        kv = await suite_state.bucket(nc.jetstream(), suite_state.CLOCK_BUCKET)
        offset = (T0 - datetime.now(SHANGHAI)).total_seconds()
        await kv.put(suite_state.CLOCK_KEY, json.dumps({"offset_seconds": offset, "set_by": "bench"}).encode())
        approval = Approval(url, server.url, folder / "approval.log")
        breached = asyncio.Event()
        counts = {"relief.deadline.due_soon": 0, "relief.deadline.breached": 0}

        async def count(msg) -> None:  # noqa: ANN001
            counts[msg.subject] += 1
            if counts["relief.deadline.breached"] >= due_now:
                breached.set()

        await nc.subscribe("relief.deadline.*", cb=count)
        try:
            async with httpx.AsyncClient(timeout=30) as client:
                await approval.ready(client)
                await asyncio.sleep(2)  # past start-up
                result["idle_cpu_percent"] = await idle_cpu(approval.proc.pid, idle_seconds)
                if total:
                    started = time.perf_counter()
                    r = await client.put(approval.base + "/v1/ops/clock", json={"advance_seconds": 12 * 3600},
                                         headers=OPS)
                    r.raise_for_status()
                    try:
                        await asyncio.wait_for(breached.wait(), 300)
                    except TimeoutError:
                        print(f"not all breached within 300 s: {counts}", file=sys.stderr)
                        raise
                    result["seconds_to_all_breached"] = time.perf_counter() - started
                    result["due_soon_published"] = counts["relief.deadline.due_soon"]
                    result["breached_published"] = counts["relief.deadline.breached"]
        finally:
            await nc.close()
            approval.stop()
    finally:
        server.stop()
    return result


async def main_async(args: argparse.Namespace) -> None:
    for total in (args.total, 0):
        with tempfile.TemporaryDirectory(prefix="relief-bench-deadlines-") as tmp:
            folder = Path(tmp)
            if args.database_url:
                os.environ.setdefault("RELIEF_TEST_POSTGRES_URL", args.database_url)
                async with postgres_database() as url:
                    result = await run(url, folder, total, args.due, args.idle_seconds)
            else:
                result = await run(sqlite_url(folder / "approval.sqlite"), folder, total, args.due, args.idle_seconds)
        label = f"{total:,} open deadlines" if total else "no deadlines (baseline)"
        print(f"{label}: " + ", ".join(f"{k} = {v:,.2f}" if isinstance(v, float) else f"{k} = {v:,}"
                                       for k, v in result.items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--database-url", help="a PostgreSQL server (a fresh database is made on it)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
