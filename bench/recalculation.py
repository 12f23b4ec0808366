"""Recalculation benchmark (`make bench-recalculate`): numbers, not assertions, each beside its
floor or peer measured in the same run.

1. The calculation of 1,000,000 households on columns (`benefit_calc.columns`), exact to the fen
   (a sample checked against the single calculation), beside a bare numpy expression of the same
   arithmetic (the floor) and the single calculation one household at a time (the peer).
2. The command end to end on a 1,000,000-line CSV: parse, calculate as of two days, write the
   results, the report and the checkpoints.
3. `POST /v1/calculations` over HTTP at concurrency 8 (benefit-calc as `make run` runs it, one
   process) beside a bare FastAPI endpoint doing the same arithmetic (`bare_calc.py`), each for
   `--seconds`, with a lean keep-alive client (`wire.py`).
"""
from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from benefit_calc import recalculate
from benefit_calc.columns import SEVERITIES, STATUSES, TYPES, UNKNOWN, Households, calculate_all
from benefit_calc.policy import calculate
from relief_shared.embedded import free_port, wait_for_port
from relief_shared.migrate import upgrade
from relief_shared.regions import RegionPacks
from relief_shared.stack import Stack
from relief_shared.testing import staff_token
from wire import Connections

PACKS = RegionPacks.load()
AS_OF = date(2026, 7, 1)


def columns(region: str, n: int, seed: int = 1) -> Households:
    rng = np.random.default_rng(seed)
    kind = {"anyang": "dibao", "linfen": "emergency"}[region]
    paid = rng.integers(0, 600_000, n) if region == "linfen" else np.full(n, UNKNOWN)
    return Households(
        type=np.full(n, TYPES.index(kind), np.int8), status=rng.integers(0, len(STATUSES), n).astype(np.int8),
        size=rng.integers(1, 7, n), income=rng.integers(0, 120_000, n), severity=np.full(n, SEVERITIES.index("severe"),
                                                                                       np.int8),
        paid_person=paid, paid_household=np.where(rng.random(n) < 0.5, rng.integers(0, 1_200_000, n), UNKNOWN),
        ability=np.zeros(n, np.int8), dispersed=np.zeros(n, np.bool_))


def best_of(runs: int, work) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def calculation(n: int) -> None:
    print(f"1. calculation of {n:,} households (best of 3; one core)")
    for region, floor_label in (("anyang", "max(S - income, 0) * members"),
                                ("linfen", "min(limit, cap - paid person, cap - paid household)")):
        pack, rows = PACKS.get(region), columns(region, n)
        results = calculate_all(pack, AS_OF, rows)
        sample = random.Random(5).sample(range(n), 2000)
        exact = all(results.row(i)[:2] == (lambda r: (r.ceiling, r.recommended))(calculate(pack, AS_OF, rows.facts(i)))
                    for i in sample)
        ours = best_of(3, lambda: calculate_all(pack, AS_OF, rows))
        if region == "anyang":
            floor = best_of(3, lambda: np.maximum(69_000 - rows.income, 0) * rows.size)
        else:
            person = np.where(rows.paid_person == UNKNOWN, 0, rows.paid_person)
            household = np.where(rows.paid_household == UNKNOWN, 0, rows.paid_household)
            floor = best_of(3, lambda: np.minimum(np.minimum(300_000, np.maximum(500_000 - person, 0)),
                                                  np.maximum(1_000_000 - household, 0)))
        peer_n = 20_000
        started = time.perf_counter()
        for i in range(peer_n):
            calculate(pack, AS_OF, rows.facts(i))
        peer = (time.perf_counter() - started) / peer_n * n
        print(f"   {region:<8} columns {ours:6.3f} s   numpy floor ({floor_label}) {floor:6.3f} s   "
              f"one at a time {peer:6.1f} s (from {peer_n:,})   exact on 2,000 sampled: {exact}")


def command(n: int, workdir: Path) -> None:
    source = workdir / "households.csv"
    rng = random.Random(3)
    with source.open("w") as f:
        f.write(",".join(recalculate.COLUMNS) + "\n")
        for i in range(n):
            f.write(f"h{i},dibao,dibao,{rng.randint(1, 6)},{rng.randint(0, 120000) // 100}.{rng.randint(0, 99):02d}"
                    ",,,,,\n")
    size = source.stat().st_size
    job = recalculate.Job(source, "anyang", AS_OF, date(2026, 6, 30), workdir / "out.csv")
    started = time.perf_counter()
    report = recalculate.run(job, PACKS, progress=False)
    elapsed = time.perf_counter() - started
    print(f"2. the command end to end: {n:,} lines ({size / 1e6:.0f} MB CSV) read, calculated as of two days, "
          f"{(workdir / 'out.csv').stat().st_size / 1e6:.0f} MB written: {elapsed:.1f} s "
          f"({report['households']:,} households, {report['refused']:,} refused)")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def load(url: str, path: str, body: dict, headers: dict[str, str], seconds: float, concurrency: int) -> str:
    pool = Connections(url, concurrency)
    latencies: list[float] = []
    for _ in range(200):  # warm up
        status, _ = await pool.post(path, body, headers)
        assert status == 200, status
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop:
            started = time.perf_counter()
            status, _ = await pool.post(path, body, headers)
            latencies.append(time.perf_counter() - started)
            assert status == 200, status

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return (f"{len(latencies) / elapsed:8,.0f} requests/s  p50 {pct(latencies, 50) * 1000:5.2f} ms  "
            f"p99 {pct(latencies, 99) * 1000:5.2f} ms"), len(latencies) / elapsed


def http(seconds: float, concurrency: int, workdir: Path) -> None:
    body = {"region": "linfen", "as_of": "2026-07-01", "classification": {"type": "emergency"},
            "household": {"status": "none", "members": [{}]}, "situation": {"severity": "severe"},
            "paid_this_year": {"person": "4999.99"}}
    stack = Stack(workdir / "stack", free_ports=True)
    stack.data_dir.mkdir(parents=True)
    stack.nats.start()
    bare_port = free_port()
    bare = subprocess.Popen([sys.executable, "-m", "uvicorn", "bare_calc:app", "--port", str(bare_port),
                             "--log-level", "warning", "--no-access-log"], cwd=Path(__file__).parent)
    try:
        service = next(s for s in __import__("relief_shared.stack", fromlist=["SERVICES"]).SERVICES
                       if s.name == "benefit-calc")
        upgrade(service.package, stack.database_url(service))
        stack.start_service("benefit-calc")
        stack.wait_ready("benefit-calc")
        wait_for_port(bare_port)
        token = staff_token("clerk", region="linfen", org_unit="linfen/shuita")
        ours, ours_rate = asyncio.run(load(stack.url("benefit-calc"), "/v1/calculations", body, token, seconds,
                                           concurrency))
        floor, floor_rate = asyncio.run(load(f"http://127.0.0.1:{bare_port}", "/calc", body, {}, seconds, concurrency))
        print(f"3. over HTTP at concurrency {concurrency}, {seconds:.0f} s each (server: one process; the client on "
              f"the same 2 cores)\n   POST /v1/calculations  {ours}\n   bare FastAPI floor     {floor}\n"
              f"   ratio {ours_rate / floor_rate:.2f}")
    finally:
        bare.terminate()
        bare.wait()
        stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--only", choices=["calculation", "command", "http"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="relief-bench-") as tmp:
        if args.only in (None, "calculation"):
            calculation(args.households)
        if args.only in (None, "command"):
            command(args.households, Path(tmp))
        if args.only in (None, "http"):
            http(args.seconds, args.concurrency, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
