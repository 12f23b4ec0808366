"""Simulated departments: the outside world for development, tests and the benchmark.

Each source answers from the seeded `Population` after a seeded latency, and can be told,
for the whole source or for one person, to be slow, hang past any timeout, fail, fail once,
return malformed data, or take the query and answer days later (business time on the suite
clock; the ticket says when, so a restarted service can still collect the answer). Every call
is counted, so tests assert on the departments' own counters (zero queries for a case that
needs none).
"""
from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Callable

from means_check.sources.base import Answer, Item, MalformedAnswer, Pending, SourceQuery, SourceUnavailable
from means_check.sources.catalog import BY_CODE, CATALOG
from means_check.sources.population import Population

MODES = ("ok", "slow", "timeout", "fail", "flaky", "malformed", "later")
KINDS = {"wages": "income", "labour_services": "income", "pension": "income", "unemployment_benefit": "income",
         "business": "income", "household_registration": "fact", "contributions": "fact"}
COUNTED = {"real_estate", "vehicles", "vessels"}


@dataclass
class Fault:
    mode: str = "ok"
    later_days: int = 20  # for "later": business days until the answer is ready

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown simulator mode {self.mode!r}; one of {', '.join(MODES)}")


@dataclass
class Steering:
    """What the tests and ops told the departments to do."""

    sources: dict[str, Fault] = field(default_factory=dict)
    people: dict[str, Fault] = field(default_factory=dict)  # by ID number: in memory only, never logged

    def fault(self, source: str, id_number: str) -> Fault:
        return self.people.get(id_number) or self.sources.get(source) or Fault()


class Department:
    """One department's system as seen from outside: raw records, its own latency and faults."""

    def __init__(self, code: str, population: Population, steering: Steering, counters: Counter,
                 latency_ms: tuple[int, int], now: Callable[[], datetime], seed: int):
        self.code, self.population, self.steering, self.counters = code, population, steering, counters
        self.latency_ms, self.now, self.seed = latency_ms, now, seed
        self._flaky_seen: set[str] = set()
        self._serial = 0

    async def ask(self, id_number: str, ticket: str | None) -> dict[str, Any]:
        fault = self.steering.fault(self.code, id_number)
        self.counters[f"{self.code}:{'collect' if ticket else 'query'}"] += 1
        await asyncio.sleep(self._latency(id_number, fault))
        if fault.mode == "timeout":
            await asyncio.sleep(3600)  # hangs: the caller's timeout ends it
        if fault.mode == "fail":
            self.counters[f"{self.code}:failed"] += 1
            raise SourceUnavailable(f"{self.code}: service unavailable (simulated)")
        if fault.mode == "flaky" and id_number not in self._flaky_seen:
            self._flaky_seen.add(id_number)
            self.counters[f"{self.code}:failed"] += 1
            raise SourceUnavailable(f"{self.code}: connection reset (simulated, once)")
        if fault.mode == "later":
            if ticket is None:
                ready = self.now() + timedelta(days=fault.later_days)
                return {"status": "accepted", "ticket": f"{self.code}|{ready.isoformat()}"}
            if self.now() < datetime.fromisoformat(ticket.split("|", 1)[1]):
                return {"status": "accepted", "ticket": ticket}
        if fault.mode == "malformed":
            return {"status": "found", "ref": None, "records": "<html>502 Bad Gateway</html>"}
        self._serial += 1
        person = self.population.person(id_number)
        ref = f"{self.code.upper()[:4]}-{self.seed:02d}{self._serial:08d}"
        if self.code in person.unknown_to:
            return {"status": "not_found", "ref": ref}
        return {"status": "found", "ref": ref, "records": person.records.get(self.code, [])}

    def _latency(self, id_number: str, fault: Fault) -> float:
        low, high = self.latency_ms
        rng = random.Random(f"{self.seed}:{self.code}:{id_number}:{self.counters[self.code + ':query']}")
        ms = rng.uniform(low, high) if high > 0 else 0.0
        return ms * (20 if fault.mode == "slow" else 1) / 1000


class SimulatedSource:
    """The adapter for a simulated department: the same parsing a real adapter would do."""

    def __init__(self, department: Department):
        self.department = department
        self.code = department.code

    async def query(self, q: SourceQuery) -> Answer:
        return self._read(await self.department.ask(q.id_number, None))

    async def collect(self, ticket: str, q: SourceQuery) -> Answer:
        return self._read(await self.department.ask(q.id_number, ticket))

    def _read(self, raw: dict[str, Any]) -> Answer:
        if raw.get("status") == "accepted":
            ticket = raw.get("ticket")
            if not isinstance(ticket, str) or "|" not in ticket:
                raise MalformedAnswer(f"{self.code}: a pending answer without a ticket")
            return _pending(ticket)
        ref = raw.get("ref")
        if not isinstance(ref, str) or not ref:
            raise MalformedAnswer(f"{self.code}: the answer has no reference")
        if raw.get("status") == "not_found":
            return Answer(ref, found=False)
        records = raw.get("records")
        if raw.get("status") != "found" or not isinstance(records, list):
            raise MalformedAnswer(f"{self.code}: unreadable answer (status {raw.get('status')!r})")
        return Answer(ref, True, tuple(_item(self.code, r) for r in records))


def _pending(ticket: str) -> Answer:
    try:
        ready = datetime.fromisoformat(ticket.split("|", 1)[1])
    except ValueError as exc:
        raise MalformedAnswer(f"unreadable ticket: {exc}") from exc
    raise Pending(ticket, ready)


def _item(code: str, record: Any) -> Item:
    if not isinstance(record, dict):
        raise MalformedAnswer(f"{code}: a record is not an object")
    category, period, amount = record.get("category"), record.get("period"), record.get("amount")
    if category not in BY_CODE[code].categories or period not in ("month", "year", "balance"):
        raise MalformedAnswer(f"{code}: unexpected record ({category!r}, {period!r})")
    try:
        if not isinstance(amount, str):
            raise InvalidOperation
        fen = Decimal(amount) * 100
    except InvalidOperation:
        raise MalformedAnswer(f"{code}: an amount that is not a decimal string") from None
    note = str(record.get("payer") or record.get("entity") or record.get("bank") or "")[:100]
    kind = KINDS.get(category, "asset")
    if kind == "income":
        monthly = fen / 12 if period == "year" else fen
        count = 1 if category == "business" else None
        return Item(category, "income", monthly_fen=int(monthly.quantize(Decimal(1), ROUND_HALF_UP)),
                    count=count, note=note)
    if kind == "fact":
        return Item(category, "fact", note=note)
    return Item(category, "asset", value_fen=int(fen), count=1 if category in COUNTED else None, note=note)


class Simulators:
    """The eleven simulated departments with shared steering and counters."""

    def __init__(self, *, seed: int, latency_ms: tuple[int, int], now: Callable[[], datetime],
                 steering: Steering | None = None):
        self.population = Population(seed)
        self.steering = steering or Steering()
        self.counters: Counter = Counter()
        self.sources = {info.code: SimulatedSource(Department(info.code, self.population, self.steering,
                                                              self.counters, latency_ms, now, seed))
                        for info in CATALOG}

    def queries(self, source: str | None = None) -> int:
        """Calls the departments received (queries and collections), of one source or all."""
        return sum(n for key, n in self.counters.items()
                   if key.endswith((":query", ":collect")) and (source is None or key.startswith(source + ":")))
