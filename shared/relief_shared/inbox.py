"""Durable, idempotent JetStream consumers.

Ack rules, in order:
- the bytes are not a registered, valid event (`REGISTRY.parse`: bad JSON, unknown type or
  version, a payload that does not validate against its model), or the handler raises
  `Poison`: park the message with the reason, then `term` it (a bad message is never retried
  forever, and never silently dropped);
- a registered event this consumer does not read (another version of a type it reads, published
  beside it after a breaking change): `ack`, no effect;
- the event id is already in the inbox for this consumer: `ack`, no second effect;
- the handler succeeds: the inbox row commits in the same transaction as the effect and its
  outgoing events, and only then `ack`;
- any other exception is transient: `nak` with backoff; on the `max_deliver`-th delivery
  the message is parked instead. The server itself redelivers without limit, so a process
  killed mid-way never lets the server give up on a message before it is parked.

A fetched batch is applied in one transaction (one commit, and one INSERT … RETURNING that
claims the inbox rows of all its messages, which is what makes a busy consumer keep up); if
anything in it fails, the batch is rolled back and its messages are taken one at a time, so
only the failing one is retried or parked.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from datetime import datetime, timezone

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from relief_shared.bus import Bus
from relief_shared.contract import REGISTRY, ConsumerSpec, Envelope, InvalidMessage
from relief_shared.db import Database, UnitOfWork, insert_if_absent
from relief_shared.logs import bind_event
from relief_shared.plumbing import Plumbing
from relief_shared.pull import ConsumerGone, Puller

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[None]]
Prepare = Callable[[Sequence[Envelope[Any]]], Awaitable[dict[str, Any]]]
BatchHandler = Callable[[Sequence[Envelope[Any]], UnitOfWork], Awaitable[None]]


class Poison(Exception):
    """The message can never be processed as it is: park it with this reason."""


@dataclass(frozen=True)
class Subscription:
    """A declared consumer (the contract's `ConsumerSpec`) bound to the service's use case.

    `handler` takes one typed event, or with `takes_batches` the list of a batch's new events at
    once (in delivery order; a failing batch is retried one event at a time, so it may get one).
    `prepare`, when given, runs before the transaction opens — the place for a call to another
    service, which must never hold the write lock — and its answer for each event (by event id)
    reaches a one-event handler as its third argument."""

    spec: ConsumerSpec
    handler: Handler | BatchHandler
    takes_batches: bool = False
    prepare: Prepare | None = None

    @property
    def durable(self) -> str:
        return self.spec.durable


@dataclass(frozen=True)
class ConsumerPolicy:
    max_deliver: int = 5
    ack_wait_seconds: float = 30.0
    backoff_seconds: Sequence[float] = (0.5, 2.0, 5.0, 15.0, 30.0)
    batch: int = 100

    def delay(self, delivery: int) -> float:
        return self.backoff_seconds[min(delivery, len(self.backoff_seconds)) - 1]


class Consumer:
    def __init__(self, bus: Bus, db: Database, plumbing: Plumbing, sub: Subscription, policy: ConsumerPolicy):
        self.bus, self.db, self.plumbing, self.sub, self.policy = bus, db, plumbing, sub, policy
        inbox = plumbing.inbox
        self._claim_statement = insert_if_absent(db.engine.dialect.name, inbox).returning(inbox.c.event_id)

    async def ensure(self) -> None:
        js = await self.bus.wait_ready()
        await js.add_consumer(
            self.sub.spec.stream,
            ConsumerConfig(
                durable_name=self.sub.durable,
                filter_subjects=self.sub.spec.subjects,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=self.policy.ack_wait_seconds,
                max_deliver=-1,
                max_ack_pending=1000,
            ),
        )

    async def run(self) -> None:
        puller: Puller | None = None
        failures = 0
        try:
            while True:
                try:
                    if puller is None:
                        await self.ensure()
                        puller = await Puller(self.bus.nc, self.sub.spec.stream, self.sub.durable,
                                              batch=self.policy.batch).start()
                    msgs = await puller.fetch()
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    failures += 1
                    log.warning("consumer %s fetch failed (%r); retrying", self.sub.durable, exc)
                    if puller is not None and (failures % 5 == 0 or isinstance(exc, ConsumerGone)):
                        await _quietly(puller.stop())
                        puller = None
                    await asyncio.sleep(min(0.2 * failures, 2.0))
                    continue
                if msgs:
                    await self.handle_batch(msgs)
        finally:
            if puller is not None:
                await _quietly(puller.stop())

    async def handle_batch(self, msgs: list) -> None:
        if len(msgs) == 1:
            await self.handle(msgs[0])
            return
        parsed = []
        for msg in msgs:
            event = await self._parse(msg)
            if event is not None:
                parsed.append((msg, event))
        try:
            prepared = await self._prepare([event for _, event in parsed])
            async with self.db.uow() as uow:
                await self._apply_in(uow, [event for _, event in parsed], prepared)
                await uow.commit()
        except asyncio.CancelledError:
            raise
        except Exception:
            for msg, _ in parsed:
                await self.handle(msg)
            return
        for msg, _ in parsed:
            await self.acknowledge(msg)

    async def handle(self, msg) -> None:  # noqa: ANN001 - nats Msg
        delivery = _delivery(msg)
        event = await self._parse(msg)
        if event is None:
            return
        with bind_event(event):
            try:
                applied = await self.apply(event)
            except Poison as exc:
                await self._park(msg, event, f"poison: {exc}", delivery)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if delivery >= self.policy.max_deliver:
                    await self._park(msg, event, f"gave up after {delivery} deliveries: {exc!r}", delivery)
                else:
                    log.warning("transient failure on %s (delivery %s): %r", event.type, delivery, exc)
                    await _quietly(msg.nak(delay=self.policy.delay(delivery)))
                return
            await self.acknowledge(msg)
            if applied:
                log.debug("applied %s", event.type)

    async def _parse(self, msg) -> Envelope[Any] | None:  # noqa: ANN001
        """The message as a typed event this consumer reads; None when it was parked or skipped."""
        try:
            event = REGISTRY.parse(msg.data)
        except InvalidMessage as exc:
            await self._park(msg, None, f"invalid message: {exc.reason}", _delivery(msg),
                             event_id=exc.event_id, region=exc.region)
            return None
        if not self.sub.spec.accepts(event):
            await self.acknowledge(msg)  # another version of a type we read: not ours to apply
            return None
        return event

    async def apply(self, event: Envelope[Any]) -> bool:
        """Run the handler in one transaction with the inbox row; False if seen before."""
        prepared = await self._prepare([event])
        async with self.db.uow() as uow:
            if not await self._apply_in(uow, [event], prepared):
                return False
            try:
                await uow.commit()
            except IntegrityError:
                return False  # a concurrent delivery committed first: its effect stands alone
        return True

    async def _prepare(self, events: list[Envelope[Any]]) -> dict[str, Any] | None:
        return await self.sub.prepare(events) if self.sub.prepare is not None and events else None

    async def _apply_in(self, uow: UnitOfWork, events: list[Envelope[Any]], prepared: dict[str, Any] | None = None) -> int:
        """Claim the events' inbox rows and run the handler for those not seen before."""
        if not events:
            return 0
        now = _now()
        claimed = set(await uow.conn.scalars(self._claim_statement, [
            {"consumer": self.sub.durable, "event_id": event.id, "processed_at": now} for event in events]))
        fresh = []
        for event in events:
            if event.id in claimed:
                claimed.discard(event.id)  # two copies in one batch: the first applies, the second is seen
                fresh.append(event)
        if self.sub.takes_batches:
            if fresh:
                await self.sub.handler(fresh, uow)  # type: ignore[arg-type]
            return len(fresh)
        for event in fresh:
            with bind_event(event):
                if prepared is None:
                    await self.sub.handler(event, uow)
                else:
                    await self.sub.handler(event, uow, prepared.get(event.id))
        return len(fresh)

    async def acknowledge(self, msg) -> None:  # noqa: ANN001
        await _quietly(msg.ack())

    async def _park(self, msg, event: Envelope[Any] | None, reason: str, delivery: int, *,  # noqa: ANN001
                    event_id: str | None = None, region: str | None = None) -> None:
        log.error("parking message on %s for %s: %s", msg.subject, self.sub.durable, reason)
        async with self.db.uow() as uow:
            await uow.conn.execute(insert(self.plumbing.parked).values(
                consumer=self.sub.durable, event_id=event.id if event else event_id,
                region=event.region if event else region, subject=msg.subject,
                payload=msg.data.decode("utf-8", "replace"), reason=reason[:2000],
                deliveries=delivery, parked_at=_now(),
            ))
            await uow.commit()
        await _quietly(msg.term())


def _delivery(msg) -> int:  # noqa: ANN001
    return msg.metadata.num_delivered if msg.metadata else 1


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def _quietly(aw: Awaitable) -> None:
    """Ack/nak/term over a broken connection: the server redelivers, the inbox absorbs it."""
    try:
        await aw
    except Exception as exc:
        log.warning("ack-family call failed: %r", exc)
