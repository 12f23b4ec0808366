"""Status lookup benchmark (`make bench-status`): `GET /v1/status/{id_number}` (DT-NO-PAPER) with
every lookup logged, beside a bare FastAPI endpoint answering the same fields from memory
(`bare_status.py`), measured in the same run with the same lean keep-alive client (`wire.py`).

Eligibility runs as `make run` runs it (one uvicorn process, its own database, NATS); the register
is seeded through the ops import (`POST /v1/ops/status-import`); the load asks for random people
of the register (and some it has never seen) as a partner department with a purpose, at
`--concurrency` for `--seconds`. Afterwards the lookup log is counted: every answered lookup must
be in it. The two endpoints are measured in alternating rounds, so the machine's other load
falls on both alike. `--postgres URL` runs it again with eligibility on a fresh PostgreSQL database.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from relief_shared.embedded import free_port, wait_for_port
from relief_shared.migrate import upgrade
from relief_shared.stack import SERVICES, Stack
from relief_shared.testing import postgres_database, staff_token
from wire import Connections

REGION = "wenzhou-dongtou"
PARTNER = staff_token("partner", sub="system:education", name="教育局", region=REGION, org_unit=None,
                      department="education")
OPS = staff_token("ops", sub="ops-bench", region=REGION, org_unit=None)
AUDITOR = staff_token("auditor", sub="auditor-bench", region=REGION, org_unit=None)
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def person(n: int) -> str:
    first = f"330322{1950 + n % 60}{n % 12 + 1:02d}{n % 28 + 1:02d}{n // 336 % 1000:03d}"
    return first + "10X98765432"[sum(int(d) * w for d, w in zip(first, _W)) % 11]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def seed(url: str, people: list[str]) -> None:
    statuses = ("dibao", "marginal", "tekun")
    for start in range(0, len(people), 2000):
        lines = "".join(json.dumps({"id_number": p, "name": "受助人", "status": statuses[i % 3],
                                    "since": f"2025-{i % 12 + 1:02d}-01"}) + "\n"
                        for i, p in enumerate(people[start:start + 2000], start))
        request = urllib.request.Request(f"{url}/v1/ops/status-import", data=lines.encode(), method="POST",
                                         headers={**OPS, "Content-Type": "application/x-ndjson"})
        with urllib.request.urlopen(request, timeout=120) as response:
            assert response.status == 201, response.status


async def load(url: str, path_of, headers: dict[str, str], seconds: float, concurrency: int,  # noqa: ANN001
               latencies: list[float]) -> tuple[float, int]:
    """`seconds` of lookups at `concurrency`; adds each latency, returns (elapsed, answered)."""
    pool = Connections(url, concurrency)
    rng = random.Random(len(latencies))
    answered = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal answered
        while time.perf_counter() < stop:
            started = time.perf_counter()
            status, body = await pool.get(path_of(rng), headers)
            latencies.append(time.perf_counter() - started)
            assert status == 200, (status, body)
            answered += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return elapsed, answered


def summary(latencies: list[float], elapsed: float) -> tuple[str, float]:
    rate = len(latencies) / elapsed
    return (f"{rate:8,.0f} lookups/s  p50 {pct(latencies, 50) * 1000:5.2f} ms  "
            f"p99 {pct(latencies, 99) * 1000:5.2f} ms"), rate


async def measure(ours: tuple, bare: tuple, seconds: float, concurrency: int, rounds: int) -> tuple:
    """Both endpoints in alternating rounds (the machine's other load falls on both alike)."""
    timing = {"ours": [0.0, 0, []], "bare": [0.0, 0, []]}
    timing["warm-up"] = (await load(*ours, 1.0, concurrency, []))[1]
    await load(*bare, 1.0, concurrency, [])
    for _ in range(rounds):
        for name, target in (("ours", ours), ("bare", bare)):
            elapsed, answered = await load(*target, seconds / rounds, concurrency, timing[name][2])
            timing[name][0] += elapsed
            timing[name][1] += answered
    return timing


def logged(url: str) -> int:
    request = urllib.request.Request(f"{url}/v1/status-lookups", headers=AUDITOR)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["total"]


def run(label: str, workdir: Path, people: list[str], seconds: float, concurrency: int, bare_url: str,
        database_url: str | None = None, rounds: int = 5) -> None:
    extra = {"ELIGIBILITY_DATABASE_URL": database_url} if database_url else {}
    stack = Stack(workdir, free_ports=True, extra_env=extra)
    stack.data_dir.mkdir(parents=True)
    stack.nats.start()
    try:
        service = next(s for s in SERVICES if s.name == "eligibility")
        upgrade(service.package, database_url or stack.database_url(service))
        stack.start_service("eligibility")
        stack.wait_ready("eligibility")
        url = stack.url("eligibility")
        started = time.perf_counter()
        seed(url, people)
        seeded = time.perf_counter() - started

        def ours_path(rng: random.Random) -> str:
            who = people[rng.randrange(len(people))] if rng.random() < 0.9 else person(10_000_000 + rng.randrange(9999))
            return f"/v1/status/{who}?purpose=education%20aid"

        def bare_path(rng: random.Random) -> str:
            return f"/status/{people[rng.randrange(len(people))]}?purpose=education%20aid"

        timing = asyncio.run(measure((url, ours_path, PARTNER), (bare_url, bare_path, {}), seconds, concurrency,
                                     rounds))
        ours, ours_rate = summary(timing["ours"][2], timing["ours"][0])
        floor, floor_rate = summary(timing["bare"][2], timing["bare"][0])
        answered, warmups = len(timing["ours"][2]), timing["warm-up"]
        in_log = logged(url)
        print(f"{label}: register of {len(people):,} seeded through the ops import in {seeded:.1f} s\n"
              f"   GET /v1/status/{{id}} (logged)  {ours}\n   bare FastAPI floor            {floor}\n"
              f"   ratio {ours_rate / floor_rate:.2f}   lookups answered {answered:,} (+{warmups:,} warm-up), "
              f"in the log {in_log:,}{'' if in_log == answered + warmups else '  MISMATCH'}")
    finally:
        stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of each endpoint")
    parser.add_argument("--postgres", help="also run with eligibility on PostgreSQL (a fresh database on this server)")
    args = parser.parse_args()
    people = [person(n) for n in range(args.people)]
    bare_port = free_port()
    bare = subprocess.Popen([sys.executable, "-m", "uvicorn", "bare_status:app", "--port", str(bare_port),
                             "--log-level", "warning", "--no-access-log"], cwd=Path(__file__).parent)
    print(f"status lookups at concurrency {args.concurrency}, {args.seconds:.0f} s each (server: one process; "
          f"the client on the same machine)")
    try:
        wait_for_port(bare_port)
        bare_url = f"http://127.0.0.1:{bare_port}"
        with tempfile.TemporaryDirectory(prefix="relief-bench-status-") as tmp:
            run("SQLite", Path(tmp) / "sqlite", people, args.seconds, args.concurrency, bare_url, rounds=args.rounds)
            if args.postgres:
                import os

                os.environ["RELIEF_TEST_POSTGRES_URL"] = args.postgres

                async def fresh() -> None:
                    async with postgres_database() as url:
                        await asyncio.to_thread(run, "PostgreSQL", Path(tmp) / "postgres", people, args.seconds,
                                                args.concurrency, bare_url, url, args.rounds)

                asyncio.run(fresh())
    finally:
        bare.terminate()
        bare.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
