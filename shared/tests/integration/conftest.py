"""A tiny service made of the shared plumbing plus one effects table, on a real database."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Column, Integer, String, Table, func, insert, select

from relief_shared.bus import Bus
from relief_shared.db import Database, create_engine, new_metadata
from relief_shared.contract import REGISTRY, ConsumerSpec, Envelope
from relief_shared.contract.examples import example
from relief_shared.plumbing import Plumbing

metadata = new_metadata()
plumbing = Plumbing(metadata)
effects = Table("effects", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(36), nullable=False), Column("case_id", String(64), nullable=False))


@dataclass
class Harness:
    db: Database
    bus: Bus
    plumbing: Plumbing

    async def count(self, table: Table, *where) -> int:  # noqa: ANN002
        async with self.db.engine.connect() as conn:
            return await conn.scalar(select(func.count()).select_from(table).where(*where))

    async def effects(self) -> int:
        return await self.count(effects)

    async def parked(self) -> list:
        async with self.db.engine.connect() as conn:
            return (await conn.execute(select(plumbing.parked))).all()


async def record_effect(event: Envelope, uow) -> None:  # noqa: ANN001
    await uow.conn.execute(insert(effects).values(event_id=event.id, case_id=event.case_id))


def sample_event(case_id: str = "case-1", type_: str = "case.received") -> Envelope:
    spec = REGISTRY.get(type_, 1)
    return Envelope.new(example(spec), case_id=case_id, region="fuxin-haizhou", source=spec.publisher)


def plumbing_consumer(durable: str = "test-consumer") -> ConsumerSpec:
    """A consumer of the case events for the plumbing's own tests (not one of the suite's)."""
    return ConsumerSpec(durable, "test", (("case.received", 1), ("case.classified", 1), ("case.approved", 1)),
                        "plumbing tests")


@pytest.fixture
async def harness(database_url: str, nats_server) -> AsyncIterator[Harness]:  # noqa: ANN001
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    db = Database(engine, plumbing)
    bus = Bus(nats_server.url_as("harness"), "test")
    bus.start()
    await bus.wait_ready()
    yield Harness(db, bus, plumbing)
    await bus.close()
    await db.dispose()
