"""Ops replay or discard what a service parked, after fixing the cause; every action recorded."""
from __future__ import annotations

import pytest
from relief_shared import ops
from relief_shared.auth import Principal
from relief_shared.inbox import Consumer, ConsumerPolicy, Poison, Subscription
from relief_shared.outbox import OutboxRelay
from relief_shared.problems import Conflict, NotFound
from relief_shared.testing import make_event

from .conftest import Harness, plumbing_consumer, record_effect, sample_event

OPS = Principal(sub="ops-1", name="值班", roles=("ops",), region="fuxin-haizhou")
FAST = ConsumerPolicy(max_deliver=1, ack_wait_seconds=1.0, backoff_seconds=(0.1,), batch=10)


async def parked_by_consumer(h: Harness, handler) -> tuple[Consumer, int]:  # noqa: ANN001
    consumer = Consumer(h.bus, h.db, h.plumbing, Subscription(plumbing_consumer(), handler), FAST)
    event = sample_event("case-parked")
    await h.bus.js.publish(event.subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})
    [msg] = await (await h.bus.js.pull_subscribe(event.subject, "ops-test")).fetch(1)
    await consumer.handle(msg)  # the handler refuses: parked
    [row] = await h.parked()
    return consumer, row.id


async def test_a_parked_message_is_replayed_once_after_its_cause_is_fixed(harness: Harness) -> None:
    fixed = False

    async def needs_fix(event, uow) -> None:  # noqa: ANN001
        if not fixed:
            raise Poison("region pack not loaded")
        await record_effect(event, uow)

    consumer, parked_id = await parked_by_consumer(harness, needs_fix)
    consumers = {consumer.sub.durable: consumer}
    with pytest.raises(Conflict, match="still refuses"):
        await ops.replay(harness.db, consumers, parked_id, OPS)  # not fixed yet: nothing changes
    assert [p.resolved_at for p in await harness.parked()] == [None]
    fixed = True
    done = await ops.replay(harness.db, consumers, parked_id, OPS)
    assert (done.resolution, done.outcome) == ("replayed", "applied") and await harness.effects() == 1
    [row] = await harness.parked()
    assert (row.resolution, row.resolved_by, row.resolved_at is not None) == ("replayed", "ops-1", True)
    with pytest.raises(Conflict, match="already replayed by ops-1"):
        await ops.replay(harness.db, consumers, parked_id, OPS)
    assert await harness.effects() == 1
    assert await ops.listing(harness.db, OPS, "open", 10) == []
    [resolved] = await ops.listing(harness.db, OPS, "resolved", 10)
    assert resolved["resolution"] == "replayed" and resolved["resolved_by"] == "ops-1"


async def test_a_parked_message_is_discarded_with_its_reason_and_another_region_cannot_touch_it(
        harness: Harness) -> None:
    async def refuse(event, uow) -> None:  # noqa: ANN001
        raise Poison("never")

    _, parked_id = await parked_by_consumer(harness, refuse)
    other_region = OPS.model_copy(update={"region": "anyang"})
    with pytest.raises(NotFound):
        await ops.discard(harness.db, parked_id, other_region, "not yours")
    done = await ops.discard(harness.db, parked_id, OPS, "duplicate of case-7, handled by phone")
    assert done.resolution == "discarded"
    [row] = await harness.parked()
    assert (row.resolution, row.resolution_note) == ("discarded", "duplicate of case-7, handled by phone")


async def test_a_parked_outbox_row_is_handed_back_to_the_relay_and_published(harness: Harness) -> None:
    config = (await harness.bus.js.stream_info("RELIEF")).config
    config.max_msg_size = 4096
    await harness.bus.js.update_stream(config)
    big = make_event("case.rejected", "case-big", comment="x" * 6000)
    async with harness.db.uow() as uow:
        uow.record(big)
        await uow.commit()
    relay = OutboxRelay(harness.db, harness.bus, max_attempts=1)
    await relay.publish_pending()
    [row] = await harness.parked()
    assert row.consumer == "outbox-relay"
    config.max_msg_size = -1  # the cause fixed: the stream takes large messages again
    await harness.bus.js.update_stream(config)
    done = await ops.replay(harness.db, {}, row.id, OPS)
    assert done.outcome == "handed back to the outbox relay"
    assert await relay.publish_pending() == 1
    assert (await harness.bus.js.stream_info("RELIEF")).state.messages == 1
