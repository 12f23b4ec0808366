"""Referral benchmark: 10,000 cases with three needs each → 30,000 referrals consumed by the
partner departments' consumers, through the embedded stack with the broker's users and permissions.

Each case is accepted at the window (POST /v1/cases, 32 at a time, Dongtou, needs education,
housing and employment); eligibility classifies it, detects its three referrals (education,
housing, hrss) and publishes `relief.referral.<department>.requested` through its outbox into
REFERRALS. Three partner consumers — the copyable `examples/partner_consumer.py`, each connected as
its own `partner-<department>` user to its own durable — take them and ack them (here they only
count: answering over REST is the departments' own pace). Printed: the time from the first POST
until all referrals are acked, referrals/s, the lag after the last POST, and p50/p99 from each
referral's `occurred_at` to its ack; beside them the floor measured in the same run: 30,000 bare
JetStream messages published and consumed by three pull consumers on the same server. Numbers,
not assertions: `make bench-referrals` (BENCH_ARGS="--cases 1000").
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import logging
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import nats
from chain import cpu_seconds, pct, processes
from nats.js.api import AckPolicy, ConsumerConfig, StorageType
from relief_shared import broker
from relief_shared.samples import fire_case
from relief_shared.stack import Stack
from relief_shared.testing import staff_token
from wire import Connections

REGION, TOWN = "wenzhou-dongtou", "wenzhou-dongtou/beiyan"
CLERK = staff_token("clerk", sub="bench-clerk", name="bench clerk", region=REGION, org_unit=TOWN)
NEEDS = ["education", "housing", "employment"]
DEPARTMENTS = ("education", "housing", "hrss")  # what those needs are referred to (REF-DETECT)
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "partner_consumer.py"


def example() -> Any:
    spec = importlib.util.spec_from_file_location("partner_consumer", EXAMPLE)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def body() -> dict[str, Any]:
    case = fire_case(region=REGION, org_unit=TOWN)
    case["situation"]["needs"] = list(NEEDS)
    return case


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.done = asyncio.Event()
        self.expected = 0

    def add(self, latency: float) -> None:
        self.latencies.append(latency)
        if len(self.latencies) >= self.expected:
            self.done.set()


def counting_consumer(module: Any, stack: Stack, department: str, tally: Tally) -> Any:
    """The example consumer, its handling replaced by counting: receive, ack, note the delay."""

    class Counting(module.PartnerConsumer):
        async def _handle(self, msg: Any) -> None:
            event = json.loads(msg.data)
            await msg.ack()
            if event["type"] == f"referral.{department}.requested":
                tally.add(time.time() - datetime.fromisoformat(event["occurred_at"]).timestamp())

    user = broker.partner_user(department)
    return Counting(department, nats_url=stack.nats.url, user=user, password=f"dev-{user}",
                    api_url=stack.url("eligibility"), token="unused", batch=200)


async def floor(url: str, count: int) -> None:
    """Bare JetStream: `count` messages published, consumed by three durable pull consumers."""
    nc = await nats.connect(url)
    js = nc.jetstream(timeout=10)
    await js.add_stream(name="BENCH_REF", subjects=["benchref.>"], storage=StorageType.FILE)
    latencies: list[float] = []
    done = asyncio.Event()

    async def consume(part: str) -> None:
        sub = await js.pull_subscribe(f"benchref.{part}.>", durable=f"bench-{part}", stream="BENCH_REF",
                                      config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, max_ack_pending=1000))
        while not done.is_set():
            try:
                msgs = await sub.fetch(200, timeout=1)
            except nats.errors.TimeoutError:
                continue
            for msg in msgs:
                await msg.ack()
                latencies.append(time.time() - float(msg.data))
            if len(latencies) >= count:
                done.set()

    consumers = [asyncio.create_task(consume(p)) for p in ("a", "b", "c")]
    t0 = time.perf_counter()
    pending = []
    for i in range(count):
        pending.append(js.publish(f"benchref.{'abc'[i % 3]}.x", str(time.time()).encode()))
        if len(pending) >= 200:
            await asyncio.gather(*pending)
            pending = []
    await asyncio.gather(*pending)
    await asyncio.wait_for(done.wait(), 300)
    elapsed = time.perf_counter() - t0
    print(f"{'floor: bare JetStream, 3 consumers':<44} {count} in {elapsed:6.1f} s  {count / elapsed:8.0f}/s  "
          f"p50 {pct(latencies, 50) * 1000:7.0f} ms  p99 {pct(latencies, 99) * 1000:7.0f} ms", flush=True)
    for task in consumers:
        task.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    await nc.close()


async def run(stack: Stack, cases: int, timeout: float) -> None:
    module, tally = example(), Tally()
    tally.expected = cases * len(DEPARTMENTS)
    consumers = [counting_consumer(module, stack, d, tally) for d in DEPARTMENTS]
    tasks = [asyncio.create_task(c.run()) for c in consumers]
    intake = Connections(stack.url("eligibility"), 32)
    pids = processes(stack)
    cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
    failed = 0
    try:
        t0 = time.perf_counter()
        semaphore = asyncio.Semaphore(64)

        async def submit() -> None:
            nonlocal failed
            async with semaphore:
                status, _ = await intake.post("/v1/cases", body(), CLERK)
                failed += status != 201

        await asyncio.gather(*(submit() for _ in range(cases)))
        posted = time.perf_counter() - t0
        print(f"{'intake: POST /v1/cases':<44} {cases} in {posted:6.1f} s  {cases / posted:8.0f}/s"
              + (f"  ({failed} refused)" if failed else ""), flush=True)
        try:
            await asyncio.wait_for(tally.done.wait(), timeout)
        except TimeoutError:
            print(f"timed out: {len(tally.latencies)}/{tally.expected} referrals consumed", flush=True)
        elapsed = time.perf_counter() - t0
        n = len(tally.latencies)
        print(f"{f'referrals consumed by {len(DEPARTMENTS)} partners':<44} {n} in {elapsed:6.1f} s  "
              f"{n / elapsed:8.0f}/s  p50 {pct(tally.latencies, 50) * 1000:7.0f} ms  "
              f"p99 {pct(tally.latencies, 99) * 1000:7.0f} ms  (lag after the last POST {elapsed - posted:.1f} s)",
              flush=True)
        per_case = {name: (cpu_seconds(pid) - cpu0[name]) * 1000 / max(1, cases) for name, pid in pids.items()}
        print(f"{'':<44} CPU per case {sum(per_case.values()):5.2f} ms: "
              + ", ".join(f"{name} {ms:.2f}" for name, ms in per_case.items()), flush=True)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for c in consumers:
            await c.close()
        await intake.close()


async def main(args: argparse.Namespace) -> None:
    logging.getLogger("partner_consumer").setLevel(logging.ERROR)  # its reconnect notes at shutdown
    with tempfile.TemporaryDirectory(prefix="relief-bench-referrals-") as data:
        stack = Stack(Path(data), free_ports=True, extra_nats_users=[broker.test_harness()])  # for the floor
        print("starting the embedded stack (NATS with the suite's users and permissions) …", flush=True)
        await asyncio.to_thread(stack.start)
        try:
            await floor(stack.nats.url_as("harness"), args.cases * len(DEPARTMENTS))
            await run(stack, args.cases, args.timeout)
        finally:
            await asyncio.to_thread(stack.stop)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=900.0)
    asyncio.run(main(parser.parse_args()))
