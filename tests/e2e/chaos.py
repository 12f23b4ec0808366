"""Chaos run: emergency cases flow through the embedded stack while services die and the broker restarts.

Cases are submitted at a steady rate over `duration` seconds; during the same window, at
moments drawn from a seeded RNG, a random service is SIGKILLed and started again, or the
NATS broker is stopped and started again. A scripted approver (not the clerk who accepted
the case) approves each task as it appears in `GET /v1/tasks`. A submission or decision that
fails because a service is down is retried with the same `Idempotency-Key`, as a front end
would. At the end every case must be `paid`, and paid once: checked in the case view, in
disbursement's payments, and in the simulated bank's own ledger (credits per payment
reference and per payee, each case having its own payee).

`make chaos` runs it (CHAOS_ARGS="--cases 100 --kills 10 --broker-restarts 3 --seed 7");
`tests/e2e/test_chaos.py` runs a small one. Exit code 1 when a case is stuck or paid twice.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
from relief_shared.samples import SAMPLE_ORG_UNIT as ORG
from relief_shared.samples import fire_case
from relief_shared.stack import SERVICES, Stack
from relief_shared.testing import eventually, staff_token

CLERK = staff_token("clerk", sub="chaos-clerk", name="混沌经办", org_unit=ORG)
APPROVER = staff_token("approver", sub="chaos-approver", name="混沌审批", org_unit=ORG)
OPS = staff_token("ops", sub="chaos-ops", name="混沌运维", org_unit=ORG)
BANK_LEDGER = "bank-simulator.sqlite"  # disbursement's default bank path, under the stack's data dir
POLL_SECONDS = 0.25
Say = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    cases: int = 100
    kills: int = 10
    broker_restarts: int = 3
    seed: int = 0
    duration: float = 30.0  # cases are submitted, and chaos strikes, over this many seconds
    timeout: float = 180.0  # after the window, how long every case has to reach `paid`


@dataclass(frozen=True)
class Action:
    at: float  # seconds after the start of the window
    kind: str  # "kill" or "broker"
    service: str | None
    down: float  # seconds the service or broker stays down


@dataclass
class Report:
    seed: int
    cases: int
    kills: int = 0
    broker_restarts: int = 0
    paid: int = 0
    stuck: int = 0
    paid_twice: int = 0
    extra_cases: int = 0  # cases created beyond those submitted: a retried intake that created again
    stray_credits: int = 0  # bank credits that match none of the cases' payments
    credits: int = 0
    retries: int = 0
    drain_seconds: float = 0.0  # from the end of the chaos until every case was paid
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.stuck or self.paid_twice or self.extra_cases or self.stray_credits)

    def summary(self) -> str:
        return (f"cases {self.cases}  kills {self.kills}  broker restarts {self.broker_restarts}  "
                f"paid {self.paid}  stuck {self.stuck}  paid-twice {self.paid_twice}   "
                f"(seed {self.seed}; extra cases {self.extra_cases}, bank credits {self.credits}, "
                f"stray credits {self.stray_credits}, requests retried {self.retries}; "
                f"{'all paid' if self.paid == self.cases else 'gave up'} {self.drain_seconds:.1f} s after the chaos, "
                f"{self.seconds:.1f} s in all)")


def citizen_id(n: int) -> tuple[str, date]:
    """A distinct valid ID number (GB 11643) and birth date per case: each case its own payee,
    so the bank's ledger tells the cases apart without asking our services."""
    born = date(1980, 1, 1) + timedelta(days=n // 999)
    first17 = f"210902{born:%Y%m%d}{n % 999 + 1:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11], born


def case_body(n: int) -> dict:
    """The sample fire case, for the n-th payee."""
    id_number, born = citizen_id(n)
    body = fire_case()
    body["applicant"]["id_number"] = id_number
    body["household"]["members"][0].update(id_number=id_number, birth_date=born.isoformat())
    return body


def chaos_schedule(plan: Plan, rng: random.Random) -> list[Action]:
    """Drawn up front, so one seed gives the same actions whatever the timing of the run."""
    kinds = ["kill"] * plan.kills + ["broker"] * plan.broker_restarts
    rng.shuffle(kinds)
    moments = sorted(rng.uniform(0, plan.duration) for _ in kinds)
    names = [s.name for s in SERVICES]
    return [Action(at, kind, rng.choice(names) if kind == "kill" else None,
                   rng.uniform(0.0, 2.0) if kind == "kill" else rng.uniform(0.5, 3.0))
            for at, kind in zip(moments, kinds)]


def bank_credits(data_dir: Path) -> list[tuple[str, str]]:
    """(reference, payee ID number) of every transfer the simulated bank booked, read from its
    own SQLite ledger: the source of truth for money that left, whatever our services think."""
    path = data_dir / BANK_LEDGER
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(conn.execute("SELECT reference, payee_id_number FROM transfers WHERE outcome = 'booked'"))
    finally:
        conn.close()


class ChaosRun:
    """One run against a started stack; `run()` returns the report. Leaves the stack running."""

    def __init__(self, stack: Stack, plan: Plan, http: httpx.AsyncClient, say: Say = print):
        self.stack, self.plan, self.http, self.say = stack, plan, http, say
        self.schedule = chaos_schedule(plan, random.Random(plan.seed))
        self.report = Report(seed=plan.seed, cases=plan.cases)
        self.case_ids: dict[int, str] = {}
        self.deciding: dict[str, asyncio.Task] = {}  # by task id
        self.t0 = time.monotonic()
        self.deadline = self.t0 + plan.duration + plan.timeout

    async def run(self) -> Report:
        approver = asyncio.create_task(self.approve_tasks_as_they_appear())
        try:
            await asyncio.gather(self.submit_all(), self.unleash_chaos())
            await self.wait_until_all_paid()
        finally:
            approver.cancel()
            for task in self.deciding.values():
                task.cancel()
            await asyncio.gather(approver, *self.deciding.values(), return_exceptions=True)
        await self.verify()
        self.report.seconds = time.monotonic() - self.t0
        return self.report

    def elapsed(self) -> str:
        return f"{time.monotonic() - self.t0:6.1f}s"

    # --- the front end: intake and approval, retrying with the same key --------------------

    async def post_until_answered(self, url: str, body: dict, headers: dict, key: str) -> httpx.Response:
        """POST until a service answers other than 5xx, always with the same Idempotency-Key:
        the contract makes a repeat return the first response and create nothing."""
        pause = 0.1
        while True:
            try:
                response = await self.http.post(url, json=body, headers={**headers, "Idempotency-Key": key})
                if response.status_code < 500:
                    return response
            except httpx.TransportError:
                pass
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"POST {url} (key {key}) unanswered until the deadline")
            self.report.retries += 1
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)

    async def submit_all(self) -> None:
        """One case every duration/cases seconds, each submitted (and retried) on its own."""
        interval = self.plan.duration / max(self.plan.cases, 1)
        pending = []
        for n in range(self.plan.cases):
            await asyncio.sleep(max(0.0, self.t0 + n * interval - time.monotonic()))
            pending.append(asyncio.create_task(self.submit(n)))
        await asyncio.gather(*pending)

    async def submit(self, n: int) -> None:
        try:
            response = await self.post_until_answered(f"{self.stack.url('eligibility')}/v1/cases", case_body(n),
                                                      CLERK, key=f"chaos-{self.plan.seed}-case-{n}")
        except TimeoutError as exc:
            self.report.problems.append(f"case {n}: {exc}")  # counted stuck: never accepted
            return
        if response.status_code == 201:
            self.case_ids[n] = response.json()["case_id"]
        else:
            self.report.problems.append(f"case {n}: intake answered {response.status_code} {response.text}")

    async def approve_tasks_as_they_appear(self) -> None:
        """The approver's inbox, polled: every new task is decided once, by its own task."""
        while True:
            for task in await self.open_tasks():
                if task["id"] not in self.deciding:
                    self.deciding[task["id"]] = asyncio.create_task(self.approve(task))
            await asyncio.sleep(POLL_SECONDS)

    async def open_tasks(self) -> list[dict]:
        try:
            response = await self.http.get(f"{self.stack.url('approval')}/v1/tasks", headers=APPROVER)
        except httpx.TransportError:
            return []  # approval is down; its tasks will still be there
        return response.json() if response.status_code == 200 else []

    async def approve(self, task: dict) -> None:
        case_id = task["case_id"]
        response = await self.post_until_answered(
            f"{self.stack.url('approval')}/v1/cases/{case_id}/decisions",
            {"step": task["step"], "decision": "approve", "amount": task["amount_ceiling"], "comment": "chaos"},
            APPROVER, key=f"chaos-{self.plan.seed}-task-{task['id']}")
        if response.status_code != 201:
            self.report.problems.append(f"{case_id}: decision answered {response.status_code} {response.text}")

    # --- the chaos -------------------------------------------------------------------------

    async def unleash_chaos(self) -> None:
        """Every action of the schedule at its moment, so outages may overlap (a service may
        come back while the broker is down); a service or the broker still down from the
        action before is first brought back."""
        locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

        async def strike(action: Action) -> None:
            await asyncio.sleep(max(0.0, self.t0 + action.at - time.monotonic()))
            async with locks[action.service or "nats"]:
                if action.kind == "kill":
                    await self.kill_and_restart(action.service, action.down)
                else:
                    await self.restart_broker(action.down)

        await asyncio.gather(*(strike(action) for action in self.schedule))

    async def kill_and_restart(self, name: str, down: float) -> None:
        self.say(f"{self.elapsed()}  kill -9 {name}, down {down:.1f}s  ({len(self.case_ids)} cases in)")
        self.stack.kill_service(name)
        self.report.kills += 1
        await asyncio.sleep(down)
        self.stack.start_service(name)
        await asyncio.to_thread(self.stack.wait_ready, name)
        self.say(f"{self.elapsed()}  {name} ready again")

    async def restart_broker(self, down: float) -> None:
        self.say(f"{self.elapsed()}  NATS stop, down {down:.1f}s  ({len(self.case_ids)} cases in)")
        await asyncio.to_thread(self.stack.nats.stop)
        self.report.broker_restarts += 1
        await asyncio.sleep(down)
        await asyncio.to_thread(self.stack.nats.start)
        self.say(f"{self.elapsed()}  NATS up again")

    # --- the end ---------------------------------------------------------------------------

    async def wait_until_all_paid(self) -> None:
        """Until the case view counts every submitted case paid, or the deadline; what is not
        paid by then is reported as stuck by `verify`."""
        async def all_paid() -> bool:
            paid = await self.count_cases(status="paid")
            return len(self.case_ids) == self.plan.cases and paid >= self.plan.cases

        self.say(f"{self.elapsed()}  chaos over; waiting for every case to be paid")
        chaos_over = time.monotonic()
        try:
            await eventually(all_paid, timeout=round(max(1.0, self.deadline - chaos_over), 1), interval=0.5,
                             message="every case paid")
        except AssertionError as exc:
            self.report.problems.append(str(exc))
        self.report.drain_seconds = time.monotonic() - chaos_over

    async def count_cases(self, **filters: str) -> int:
        response = await self.http.get(f"{self.stack.url('eligibility')}/v1/cases", headers=CLERK,
                                       params={"org_unit": ORG, **filters})
        response.raise_for_status()
        return response.json()["total"]

    async def get(self, service: str, path: str, **params: str) -> object:
        response = await self.http.get(f"{self.stack.url(service)}{path}", headers=CLERK, params=params)
        response.raise_for_status()
        return response.json()

    async def verify(self) -> None:
        """Paid once, at the source: the case view's status and timeline, disbursement's paid
        payments per case, and the bank ledger's credits per payment reference and per payee."""
        credits = bank_credits(self.stack.data_dir)
        by_reference = Counter(reference for reference, _ in credits)
        by_payee = Counter(payee for _, payee in credits)
        r = self.report
        r.credits = len(credits)
        r.extra_cases = max(0, await self.count_cases() - len(self.case_ids))
        ours: set[str] = set()
        for n in range(self.plan.cases):
            case_id = self.case_ids.get(n)
            if case_id is None:
                r.stuck += 1
                r.problems.append(f"case {n}: never accepted at intake")
                continue
            doc = await self.get("eligibility", f"/v1/cases/{case_id}")
            payments = await self.get("disbursement", "/v1/payments", case_id=case_id)
            ours.update(p["id"] for p in payments)
            paid_payments = sum(p["status"] == "paid" for p in payments)
            announced = [t["event"] for t in doc["timeline"]].count("payment.paid")
            credited = sum(by_reference[p["id"]] for p in payments)
            if doc["status"] == "paid":
                r.paid += 1
            else:
                r.stuck += 1
                r.problems.append(f"{case_id} stuck: status {doc['status']}, payments "
                                  f"{[p['status'] for p in payments]}, last event {doc['timeline'][-1]['event']}")
            to_payee = by_payee[citizen_id(n)[0]]
            if max(paid_payments, announced, credited, to_payee) > 1:
                r.paid_twice += 1
                r.problems.append(f"{case_id} paid twice: {paid_payments} paid payments, {announced} payment.paid "
                                  f"on its timeline, {credited} bank credits by reference, {to_payee} by payee")
        r.stray_credits = sum(count for reference, count in by_reference.items() if reference not in ours)
        if not r.ok:
            await self.note_parked_messages()

    async def note_parked_messages(self) -> None:
        """What each service parked: the first place to look when a case did not get through."""
        for service in SERVICES:
            try:
                response = await self.http.get(f"{self.stack.url(service.name)}/v1/ops/parked-messages",
                                               headers=OPS)
                parked = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                parked = repr(exc)
            if parked:
                self.report.problems.append(f"{service.name} parked: {parked}")


async def run_chaos(stack: Stack, plan: Plan, say: Say = print) -> Report:
    """Drive one chaos run against `stack` (started); the stack is left running."""
    say(f"chaos: {plan.cases} cases over {plan.duration:g}s, {plan.kills} kills, "
        f"{plan.broker_restarts} broker restarts, seed {plan.seed}; data in {stack.data_dir}")
    async with httpx.AsyncClient(timeout=10) as http:
        return await ChaosRun(stack, plan, http, say).run()


async def main(plan: Plan, keep: bool) -> int:
    data_dir = Path(tempfile.mkdtemp(prefix="relief-chaos-"))
    stack = Stack(data_dir, free_ports=True)
    print("starting the embedded stack …", flush=True)
    try:
        await asyncio.to_thread(stack.start)  # migrations run their own event loop
        report = await run_chaos(stack, plan, say=lambda line: print(line, flush=True))
    finally:
        await asyncio.to_thread(stack.stop)
    for problem in report.problems:
        print(f"  ! {problem}")
    print(report.summary())
    if report.ok and not keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        print(f"logs, databases and the bank ledger kept in {data_dir}")
    return 0 if report.ok else 1


def parse(argv: list[str] | None = None) -> tuple[Plan, bool]:
    defaults = Plan()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=defaults.cases)
    parser.add_argument("--kills", type=int, default=defaults.kills, help="services SIGKILLed and restarted")
    parser.add_argument("--broker-restarts", type=int, default=defaults.broker_restarts)
    parser.add_argument("--seed", type=int, default=None, help="random when not given; printed either way")
    parser.add_argument("--duration", type=float, default=defaults.duration,
                        help="seconds over which cases are submitted and chaos strikes")
    parser.add_argument("--timeout", type=float, default=defaults.timeout,
                        help="seconds after the window for every case to be paid")
    parser.add_argument("--keep", action="store_true", help="keep the data dir even when all went well")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    return Plan(args.cases, args.kills, args.broker_restarts, seed, args.duration, args.timeout), args.keep


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*parse())))
