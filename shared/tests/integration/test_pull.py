"""The batch puller against a real nats-server: whole batches per fetch, no hang when idle,
and a consumer deleted behind the service's back is noticed and made again."""
from __future__ import annotations

import asyncio
import time

from nats.js.api import AckPolicy, ConsumerConfig

from relief_shared.inbox import Consumer, Subscription
from relief_shared.pull import ConsumerGone, Puller
from relief_shared.testing import eventually

from .conftest import Harness, record_effect, sample_event, plumbing_consumer
from .test_inbox import FAST, publish


async def durable(h: Harness, name: str) -> None:
    await h.bus.js.add_consumer("RELIEF", ConsumerConfig(durable_name=name, filter_subject="relief.case.>",
                                                         ack_policy=AckPolicy.EXPLICIT))


async def test_what_is_waiting_comes_in_one_fetch_and_an_idle_fetch_returns_empty(harness: Harness) -> None:
    await durable(harness, "pull-batches")
    for i in range(30):
        await publish(harness, sample_event(f"case-{i}"))
    puller = await Puller(harness.bus.nc, "RELIEF", "pull-batches", batch=50, expires=0.5).start()
    try:
        got = []
        while len(got) < 30:
            got += await puller.fetch()
        assert len(got) == 30 and len({m.data for m in got}) == 30
        for msg in got:
            await msg.ack()
        started = time.monotonic()
        assert await puller.fetch() == []
        assert time.monotonic() - started < 2  # waits about `expires`, then gives up
        await publish(harness, sample_event("late"))
        assert len(await eventually(puller.fetch, message="a message published after an idle fetch")) == 1
    finally:
        await puller.stop()


async def test_a_deleted_consumer_is_reported_and_the_consumer_loop_makes_it_again(harness: Harness) -> None:
    await durable(harness, "pull-gone")
    puller = await Puller(harness.bus.nc, "RELIEF", "pull-gone", batch=10, expires=0.5).start()
    try:
        await puller.fetch()
        await harness.bus.js.delete_consumer("RELIEF", "pull-gone")

        async def gone() -> bool:
            try:
                await puller.fetch()
            except ConsumerGone:
                return True
            return False

        await eventually(gone, message="the deletion noticed")
    finally:
        await puller.stop()

    consumer = Consumer(harness.bus, harness.db, harness.plumbing,
                        Subscription(plumbing_consumer("test-recreated"), record_effect), FAST)
    task = asyncio.create_task(consumer.run())
    try:
        await publish(harness, sample_event("one"))
        await eventually(lambda: _effects(harness, 1), message="first effect")
        await harness.bus.js.delete_consumer("RELIEF", "test-recreated")
        await publish(harness, sample_event("two"))
        await eventually(lambda: _effects(harness, 2), timeout=20, message="effect after the consumer was remade")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _effects(h: Harness, n: int) -> bool:
    return await h.effects() == n
