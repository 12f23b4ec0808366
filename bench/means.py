"""Means-check benchmark: N verifications against the simulated departments at realistic
latencies (50-500 ms a call), through one means-check process on SQLite (or PostgreSQL with
`--database-url`), with NATS.

Prints verifications completed per second, the department calls per second behind them, the
process's CPU per verification, and the p50/p99 of `GET /v1/sources` measured under that load
beside the same measured idle just before (the peer): slow departments must not slow the door.
`make bench-means` (`BENCH_ARGS="--verifications 2000"` for a shorter run).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deadlines import cpu_seconds  # noqa: E402
from wire import Connections  # noqa: E402

from means_check.sources.population import Population  # noqa: E402
from relief_shared.auth import issue  # noqa: E402
from relief_shared.db import sqlite_url  # noqa: E402
from relief_shared.embedded import NatsServer, free_port  # noqa: E402
from relief_shared.migrate import upgrade  # noqa: E402
from relief_shared.settings import DEV_JWT_SECRET  # noqa: E402
from relief_shared.testing import postgres_database  # noqa: E402

REGION = "fuxin-haizhou"
CLERK = {"Authorization": "Bearer " + issue(DEV_JWT_SECRET, sub="bench-clerk", name="bench", roles=["clerk"],
                                            region=REGION, org_unit="fuxin-haizhou/hanjiadian", ttl_hours=4)}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def probe(client: httpx.AsyncClient, stop: asyncio.Event, pause: float) -> list[float]:
    """GET /v1/sources one after another until stopped; milliseconds each."""
    times = []
    while not stop.is_set():
        t = time.perf_counter()
        r = await client.get("/v1/sources", headers=CLERK)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.text
        await asyncio.sleep(pause)
    return times


class Finished:
    """Counts finished verifications by reading the service's database (not through its API)."""

    def __init__(self, url: str):
        self.url = url

    async def count(self) -> int:
        if self.url.startswith("sqlite"):
            path = self.url.split("///", 1)[1]

            def read() -> int:
                with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
                    return conn.execute("SELECT count(*) FROM verifications WHERE finished_at IS NOT NULL").fetchone()[0]
            return await asyncio.to_thread(read)
        import asyncpg
        conn = await asyncpg.connect(self.url.replace("+asyncpg", ""))
        try:
            return await conn.fetchval("SELECT count(*) FROM verifications WHERE finished_at IS NOT NULL")
        finally:
            await conn.close()


async def run(url: str, folder: Path, total: int, concurrency: int) -> dict[str, float]:
    server = NatsServer(folder / "nats", log_file=folder / "nats.log").start()
    await asyncio.to_thread(upgrade, "means_check", url)
    port = free_port()
    env = {**os.environ, "MEANS_CHECK_DATABASE_URL": url, "MEANS_CHECK_NATS_URL": server.url,
           "MEANS_CHECK_LOG_LEVEL": "WARNING", "MEANS_CHECK_SIMULATOR__LATENCY_MS": "[50, 500]"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "means_check.main:app", "--port", str(port),
                             "--log-level", "warning", "--no-access-log"], env=env,
                            stdout=open(folder / "means-check.log", "ab"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    households = Population(12).generated_households(total, REGION)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for _ in range(600):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            stop = asyncio.Event()
            idle_task = asyncio.create_task(probe(client, stop, 0.02))
            await asyncio.sleep(5)
            stop.set()
            idle = await idle_task

            wire, finished = Connections(base, concurrency), Finished(url)
            queue: asyncio.Queue[int] = asyncio.Queue()
            for i in range(total):
                queue.put_nowait(i)

            async def submitter() -> None:
                while not queue.empty():
                    i = queue.get_nowait()
                    body = {"case_id": f"bench-{i}", "region": REGION, "members": households[i],
                            "consent": {"signed_on": "2026-01-05"}}
                    status, reply = await wire.post("/v1/verifications", body, CLERK)
                    assert status == 202, reply

            cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
            stop = asyncio.Event()
            loaded_task = asyncio.create_task(probe(client, stop, 0.02))
            await asyncio.gather(*(submitter() for _ in range(concurrency)))
            submitted = time.perf_counter() - t0
            done = 0
            while done < total:
                await asyncio.sleep(1)
                done = await finished.count()
                print(f"  {done}/{total} finished after {time.perf_counter() - t0:.0f} s", file=sys.stderr)
            elapsed, cpu = time.perf_counter() - t0, cpu_seconds(proc.pid) - cpu0
            stop.set()
            loaded = await loaded_task
            await wire.close()
            health = (await client.get("/v1/sources", headers=CLERK)).json()
            errors = {h["code"]: h["last_error"] for h in health if h["errors"]}
            if errors:
                print(f"  source errors: {errors}", file=sys.stderr)
            calls = sum((await client.get("/v1/source-simulators", headers={
                "Authorization": "Bearer " + issue(DEV_JWT_SECRET, sub="bench-ops", name="bench", roles=["ops"],
                                                   region=REGION)})).json()["queries"].values())
    finally:
        proc.terminate()
        proc.wait(30)
        server.stop()
    return {"verifications": total, "submitted_s": submitted, "elapsed_s": elapsed, "per_second": total / elapsed,
            "calls": calls, "calls_per_second": calls / elapsed, "cpu_ms_per_verification": cpu / total * 1000,
            "cpu_percent": cpu / elapsed * 100, "idle_p50": statistics.median(idle), "idle_p99": percentile(idle, 99),
            "loaded_p50": statistics.median(loaded), "loaded_p99": percentile(loaded, 99),
            "loaded_samples": len(loaded)}


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="relief-bench-means-") as tmp:
        folder = Path(tmp)
        if args.database_url:
            os.environ.setdefault("RELIEF_TEST_POSTGRES_URL", args.database_url)
            async with postgres_database() as url:
                result = await run(url, folder, args.verifications, args.concurrency)
        else:
            result = await run(sqlite_url(folder / "means-check.sqlite"), folder, args.verifications,
                               args.concurrency)
    r = result
    print(f"{r['verifications']} verifications, {r['calls']} department calls at 50-500 ms each "
          f"(submitted in {r['submitted_s']:.1f} s)")
    print(f"  completed: {r['per_second']:.0f} verifications/s ({r['calls_per_second']:.0f} calls/s), "
          f"all in {r['elapsed_s']:.1f} s")
    print(f"  means-check CPU: {r['cpu_ms_per_verification']:.1f} ms per verification "
          f"({r['cpu_percent']:.0f} % of one core)")
    print(f"  GET /v1/sources p50/p99: idle {r['idle_p50']:.1f}/{r['idle_p99']:.1f} ms, "
          f"under load {r['loaded_p50']:.1f}/{r['loaded_p99']:.1f} ms ({r['loaded_samples']} requests)")
    print(json.dumps(r))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verifications", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16, help="submissions in flight")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a fresh database is made and dropped)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
