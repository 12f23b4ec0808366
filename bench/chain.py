"""Chain benchmark: emergency cases from intake to `paid` through the embedded stack.

Prints cases/s and p50/p99 intake->paid latency for bursts (throughput: N cases submitted at
once, 32 at a time, timed from the first submission to the last payment) and for fixed arrival
rates (latency under a steady load, `--rate-seconds` long each), and the same numbers for a bare
JetStream publish->consume round trip on this machine as the floor. A scripted approver
approves each task as soon as `approval.requested` is seen. Each run also prints the CPU time
per case of every process (services, NATS, the load generator), which holds still on a shared,
busy machine where throughput does not. Numbers, not assertions: run with
`make bench` (BENCH_ARGS="--bursts 500 --rates 50,100").
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

import nats
from nats.js.api import AckPolicy, ConsumerConfig, StorageType
from relief_shared.pull import Puller
from relief_shared.samples import SAMPLE_ORG_UNIT as ORG
from relief_shared.samples import fire_case
from relief_shared.stack import Stack
from relief_shared.testing import staff_token
from wire import Connections

CLERK = staff_token("clerk", sub="bench-clerk", name="bench clerk", org_unit=ORG)
APPROVER = staff_token("approver", sub="bench-approver", name="bench approver", org_unit=ORG)
BODY = fire_case(situation={"events": [{"kind": "fire", "occurred_on": "2026-11-20"}], "severity": "moderate"})


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): what a run costs, whatever else
    the shared machine is doing at the time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def processes(stack: Stack) -> dict[str, int]:
    found = {name: proc.pid for name, proc in stack._procs.items()}
    nats_proc = getattr(stack.nats, "_proc", None)
    if nats_proc is not None:
        found["nats"] = nats_proc.pid
    found["load generator"] = os.getpid()
    return found


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(label: str, latencies: list[float], elapsed: float, expected: int) -> None:
    done = len(latencies)
    print(f"{label:<34} {done}/{expected} done  {done / elapsed:8.1f}/s  "
          f"p50 {pct(latencies, 50) * 1000:7.1f} ms  p99 {pct(latencies, 99) * 1000:7.1f} ms", flush=True)


class Chain:
    """Submits cases, approves them when asked, and times each one until `payment.paid`."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.started: dict[str, float] = {}
        self.paid: dict[str, float] = {}
        self.tasks: dict[str, dict] = {}  # approval.requested seen before the intake response
        self.approving: set[asyncio.Task] = set()
        self.all_paid = asyncio.Event()
        self.expected = 0
        self.cpu_report = True

    async def __aenter__(self) -> Chain:
        self.intake = Connections(self.stack.url("eligibility"), 32)
        self.approval = Connections(self.stack.url("approval"), 32)
        self.nc = await nats.connect(self.stack.nats.url)
        await self.nc.subscribe("relief.approval.requested", cb=self._on_task)
        await self.nc.subscribe("relief.payment.paid", cb=self._on_paid)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.nc.close()
        await self.intake.close()
        await self.approval.close()

    async def _on_task(self, msg) -> None:  # noqa: ANN001
        event = json.loads(msg.data)
        if event["data"].get("role") != "approver":
            return  # e.g. the advance's paperwork after payment (FX-ADV): not the approver's
        if event["case_id"] in self.started:
            task = asyncio.create_task(self._approve(event["case_id"], event["data"]))
            self.approving.add(task)
            task.add_done_callback(self.approving.discard)
        else:  # the chain outran the intake response: approve once the case id is known
            self.tasks[event["case_id"]] = event["data"]

    async def _approve(self, case_id: str, data: dict) -> None:
        status, body = await self.approval.post(
            f"/v1/cases/{case_id}/decisions", {"step": data["step"], "decision": "approve",
                                               "amount": data["amount_ceiling"]}, APPROVER)
        if status != 201:
            print(f"  ! approving {case_id}: {status} {body}", flush=True)

    async def _on_paid(self, msg) -> None:  # noqa: ANN001
        case_id = json.loads(msg.data)["case_id"]
        if case_id in self.started and case_id not in self.paid:
            self.paid[case_id] = time.perf_counter()
            if len(self.paid) >= self.expected:
                self.all_paid.set()

    async def submit(self) -> None:
        t0 = time.perf_counter()
        status, body = await self.intake.post("/v1/cases", BODY, CLERK)
        if status != 201:
            raise RuntimeError(f"intake answered {status}: {body}")
        case_id = body["case_id"]
        self.started[case_id] = t0
        if case_id in self.tasks:
            await self._approve(case_id, self.tasks.pop(case_id))

    async def run(self, label: str, cases: int, rate: float | None, timeout: float) -> None:
        self.started.clear(), self.paid.clear()
        self.all_paid.clear()
        self.expected = cases
        pids = processes(self.stack)
        cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        t0 = time.perf_counter()
        if rate is None:
            sem = asyncio.Semaphore(32)

            async def one() -> None:
                async with sem:
                    await self.submit()

            await asyncio.gather(*(one() for _ in range(cases)))
        else:
            pending = []
            for i in range(cases):
                await asyncio.sleep(max(0.0, t0 + i / rate - time.perf_counter()))
                pending.append(asyncio.create_task(self.submit()))
            await asyncio.gather(*pending)
        try:
            await asyncio.wait_for(self.all_paid.wait(), timeout)
        except TimeoutError:
            print(f"  ! only {len(self.paid)} of {cases} paid within {timeout}s")
        await asyncio.gather(*self.approving)  # a payment may be announced before its approval's response
        latencies = [self.paid[c] - self.started[c] for c in self.paid]
        report(label, latencies, (max(self.paid.values(), default=t0) - t0) or 1e-9, cases)
        if self.cpu_report:
            per_case = {name: (cpu_seconds(pid) - cpu0[name]) * 1000 / max(1, len(self.paid))
                        for name, pid in pids.items()}
            print(f"{'':<34} CPU per case {sum(per_case.values()):5.2f} ms: "
                  + ", ".join(f"{name} {ms:.2f}" for name, ms in per_case.items()), flush=True)


async def floor(url: str, count: int) -> None:
    """Bare JetStream publish -> durable pull consume round trip."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name="BENCH", subjects=["bench.>"], storage=StorageType.FILE)
    await js.add_consumer("BENCH", ConsumerConfig(durable_name="bench", ack_policy=AckPolicy.EXPLICIT))
    puller = await Puller(nc, "BENCH", "bench", batch=100).start()  # the suite's own consumer path
    latencies: list[float] = []
    t0 = time.perf_counter()

    async def consume() -> None:
        while len(latencies) < count:
            for msg in await puller.fetch():
                latencies.append(time.perf_counter() - float(msg.data))
                await msg.ack()

    consumer = asyncio.create_task(consume())
    for i in range(count):
        await js.publish("bench.rt", str(time.perf_counter()).encode(), headers={"Nats-Msg-Id": f"m{i}"})
    await consumer
    report("floor: JetStream publish->consume", latencies, time.perf_counter() - t0, count)
    await nc.close()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="relief-bench-") as data:
        stack = Stack(Path(data), free_ports=True)
        print("starting the embedded stack …", flush=True)
        await asyncio.to_thread(stack.start)  # migrations run their own event loop
        try:
            await floor(stack.nats.url, args.floor_messages)
            async with Chain(stack) as chain:
                await chain.run("warm-up", 20, None, args.timeout)
                for cases in (int(n) for n in args.bursts.split(",")):
                    await chain.run(f"chain burst ({cases} cases)", cases, None, args.timeout)
                for rate in (float(r) for r in args.rates.split(",")):
                    cases = max(50, round(rate * args.rate_seconds))
                    await chain.run(f"chain at {rate:g} cases/s offered", cases, rate, args.timeout)
        finally:
            await asyncio.to_thread(stack.stop)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bursts", default="300,1000", help="burst sizes, comma-separated")
    parser.add_argument("--rates", default="10,100,200,300", help="offered arrival rates, cases/s, comma-separated")
    parser.add_argument("--rate-seconds", type=float, default=10.0, help="how long each offered rate lasts")
    parser.add_argument("--floor-messages", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=180.0)
    asyncio.run(main(parser.parse_args()))
