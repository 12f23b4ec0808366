"""Transactional outbox: events are rows written with the state, published by the relay.

The relay publishes with `Nats-Msg-Id` = event id and marks a row sent only after its PubAck.
A crash between the two republishes the row, and JetStream's duplicate window (20 minutes)
drops the copy; after a longer outage the consumers' inbox catches it. Rows of one case are
published strictly in `seq` order and a failure stops that case's rows for this round, so a
case's events never overtake each other; different cases go concurrently. A row the broker can
never take is parked after bounded attempts (see `OutboxRelay`) instead of jamming the relay.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from nats.errors import (BadSubjectError, ConnectionClosedError, ConnectionReconnectingError, MaxPayloadError,
                         NoRespondersError, NoServersError, OutboundBufferLimitError, StaleConnectionError)
from nats.js.errors import NoStreamResponseError
from nats.errors import TimeoutError as NatsTimeoutError

from sqlalchemy import Table, and_, bindparam, insert, select, update
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
    """Publishes unsent outbox rows, oldest first, in order per case.

    A row the broker refuses while the connection is fine (too large, a subject no stream
    holds, an error in the PubAck) counts an attempt; one that can never be published (larger
    than the broker's max payload, an invalid subject) or that used up `max_attempts` is parked
    for ops beside the consumers' parked messages, and the rows after it go on. A lost
    connection or a timeout counts nothing: the row waits for the broker, however long.
    """

    def __init__(self, db: Database, bus: Bus, *, poll_seconds: float = 0.25, batch: int = 200,
                 max_attempts: int = 10, retry_seconds: float = 1.0, retry_max_seconds: float = 60.0):
        self.db, self.table, self.bus, self.signal = db, db.plumbing.outbox, bus, db.outbox_signal
        self.poll_seconds, self.batch, self.max_attempts = poll_seconds, batch, max_attempts
        self.retry_seconds, self.retry_max_seconds = retry_seconds, retry_max_seconds
        t = self.table
        unsent = and_(t.c.sent_at.is_(None), t.c.parked_at.is_(None))
        # a refused row waits out its back-off, and so do the later rows of its case (their order)
        waiting = select(t.c.case_id).where(unsent, t.c.next_attempt_at > bindparam("b_now"))
        self._pending = (select(t.c.seq, t.c.event_id, t.c.subject, t.c.case_id, t.c.payload, t.c.attempts)
                         .where(unsent, t.c.case_id.not_in(waiting)).order_by(t.c.seq).limit(bindparam("b_limit")))

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
        """One round: publish what is unsent; return how many rows were sent or parked."""
        async with self.db.engine.connect() as conn:
            rows = (await conn.execute(self._pending, {"b_now": datetime.now(timezone.utc),
                                                       "b_limit": self.batch})).all()
            await conn.rollback()
        if not rows:
            return 0
        by_case: dict[str, list] = {}
        for row in rows:
            by_case.setdefault(row.case_id, []).append(row)
        outcomes = await asyncio.gather(*(self._publish_in_order(case_rows) for case_rows in by_case.values()))
        sent = [seq for published, _ in outcomes for seq in published]
        refused = [failure for _, failures in outcomes for failure in failures]
        if sent:
            await self.mark_sent(sent)
        if refused:
            await self.record_refusals(refused)
        return len(sent) + sum(1 for f in refused if f.park)

    async def _publish_in_order(self, rows: list) -> tuple[list[int], list[Refusal]]:
        js = self.bus.js
        published: list[int] = []
        refused: list[Refusal] = []
        for row in rows:
            try:
                await js.publish(row.subject, row.payload.encode(), headers={"Nats-Msg-Id": row.event_id})
            except Exception as exc:
                if not counts_as_attempt(exc) or not self.bus.connected:
                    log.warning("publish of %s failed, will retry: %r", row.event_id, exc)
                    break
                park = never_publishable(exc) or row.attempts + 1 >= self.max_attempts
                refused.append(Refusal(row, f"{type(exc).__name__}: {exc}", park))
                log.warning("broker refused %s (attempt %s%s): %r", row.event_id, row.attempts + 1,
                            ", parked" if park else "", exc)
                if not park:
                    break  # keep the case's order: its later rows wait for this one's next attempt
                continue
            published.append(row.seq)
        return published, refused

    async def mark_sent(self, seqs: list[int]) -> None:
        async with self.db.writing() as conn:
            await conn.execute(
                update(self.table).where(self.table.c.seq.in_(seqs)).values(sent_at=datetime.now(timezone.utc))
            )
            await conn.commit()

    async def record_refusals(self, refusals: list[Refusal]) -> None:
        now = datetime.now(timezone.utc)
        parked = self.db.plumbing.parked
        async with self.db.writing() as conn:
            for r in refusals:
                retry_at = now + timedelta(seconds=min(self.retry_seconds * 2 ** r.row.attempts, self.retry_max_seconds))
                await conn.execute(update(self.table).where(self.table.c.seq == r.row.seq).values(
                    attempts=self.table.c.attempts + 1, last_error=r.error[:2000],
                    next_attempt_at=None if r.park else retry_at, parked_at=now if r.park else None))
                if r.park:
                    await conn.execute(insert(parked).values(
                        consumer=RELAY, event_id=r.row.event_id, region=_region(r.row.payload), subject=r.row.subject,
                        payload=r.row.payload, reason=f"unpublishable: {r.error}"[:2000],
                        deliveries=r.row.attempts + 1, parked_at=now, outbox_seq=r.row.seq))
            await conn.commit()


RELAY = "outbox-relay"
"""The `consumer` of a parked message that is an outbox row the relay could not publish."""


@dataclass(frozen=True)
class Refusal:
    row: Any
    error: str
    park: bool


def never_publishable(exc: BaseException) -> bool:
    """Errors no retry can cure: the payload is too large or the subject is invalid."""
    return isinstance(exc, MaxPayloadError | BadSubjectError)


def counts_as_attempt(exc: BaseException) -> bool:
    """The broker answered and refused the message (its PubAck is an error); a lost connection,
    a timeout or no stream answering yet (JetStream coming back after a restart) is the
    broker's absence, which never uses up a row's attempts."""
    transient = (NatsTimeoutError, asyncio.TimeoutError, ConnectionClosedError, ConnectionReconnectingError,
                 OutboundBufferLimitError, StaleConnectionError, NoServersError, NoRespondersError,
                 NoStreamResponseError)
    return not isinstance(exc, transient)


def _region(payload: str) -> str | None:
    try:
        region = json.loads(payload).get("region")
    except (ValueError, AttributeError):
        return None
    return region if isinstance(region, str) else None
