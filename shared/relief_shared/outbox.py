"""Transactional outbox: events are rows written with the state, published by the relay.

The relay publishes with `Nats-Msg-Id` = event id and marks a row sent only after its PubAck.
A crash between the two republishes the row, and JetStream's duplicate window (20 minutes)
drops the copy; after a longer outage the consumers' inbox catches it. Rows of one case are
published strictly in `seq` order and a failure stops that case's rows for this round, so a
case's events never overtake each other; different cases go concurrently.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from relief_shared.contract import REGISTRY, Envelope

if TYPE_CHECKING:
    from relief_shared.bus import Bus
    from relief_shared.db import Database

log = logging.getLogger(__name__)


@functools.cache
def _insert(table: Table) -> Any:
    return insert(table)


async def write_outbox(conn: AsyncConnection, table: Table, events: Sequence[Envelope[Any]]) -> None:
    """The events as outbox rows, in the caller's transaction. Only registered payloads get
    here: whatever is published is in the contract."""
    now = datetime.now(timezone.utc)
    for e in events:
        REGISTRY.spec_of(e.data)
    await conn.execute(_insert(table), [
        {"event_id": e.id, "subject": e.subject, "case_id": e.case_id, "payload": e.model_dump_json(),
         "created_at": now}
        for e in events
    ])


class OutboxRelay:
    def __init__(self, db: Database, bus: Bus, *, poll_seconds: float = 0.25, batch: int = 200):
        self.db, self.table, self.bus, self.signal = db, db.plumbing.outbox, bus, db.outbox_signal
        self.poll_seconds, self.batch = poll_seconds, batch

    async def run(self) -> None:
        await self.bus.wait_ready()
        while True:
            try:
                while await self.publish_pending() >= self.batch:
                    pass  # a full round: more may be waiting; otherwise a commit's signal wakes us
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay round failed; retrying")
            try:
                await asyncio.wait_for(self.signal.wait(), self.poll_seconds)
            except TimeoutError:
                pass
            self.signal.clear()

    async def publish_pending(self) -> int:
        """One round: publish what is unsent; return how many rows were marked sent."""
        t = self.table
        async with self.db.engine.connect() as conn:
            rows = (await conn.execute(
                select(t.c.seq, t.c.event_id, t.c.subject, t.c.case_id, t.c.payload)
                .where(t.c.sent_at.is_(None)).order_by(t.c.seq).limit(self.batch)
            )).all()
            await conn.rollback()
        if not rows:
            return 0
        by_case: dict[str, list] = {}
        for row in rows:
            by_case.setdefault(row.case_id, []).append(row)
        results = await asyncio.gather(*(self._publish_in_order(case_rows) for case_rows in by_case.values()))
        sent = [seq for published in results for seq in published]
        if sent:
            await self.mark_sent(sent)
        return len(sent)

    async def _publish_in_order(self, rows: list) -> list[int]:
        js = self.bus.js
        published: list[int] = []
        for row in rows:
            try:
                await js.publish(row.subject, row.payload.encode(), headers={"Nats-Msg-Id": row.event_id})
            except Exception as exc:
                log.warning("publish of %s failed, will retry: %r", row.event_id, exc)
                break
            published.append(row.seq)
        return published

    async def mark_sent(self, seqs: list[int]) -> None:
        async with self.db.writing() as conn:
            await conn.execute(
                update(self.table).where(self.table.c.seq.in_(seqs)).values(sent_at=datetime.now(timezone.utc))
            )
            await conn.commit()
