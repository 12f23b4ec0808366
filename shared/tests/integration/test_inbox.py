from __future__ import annotations

import asyncio
import json

from relief_shared.inbox import Consumer, ConsumerPolicy, Poison, Subscription
from relief_shared.testing import eventually

from .conftest import Harness, record_effect, sample_event, plumbing_consumer

FAST = ConsumerPolicy(max_deliver=3, ack_wait_seconds=1.0, backoff_seconds=(0.1, 0.1, 0.1), batch=10)


def consumer(h: Harness, handler=record_effect, cls=Consumer) -> Consumer:  # noqa: ANN001
    return cls(h.bus, h.db, h.plumbing, Subscription(plumbing_consumer(), handler), FAST)


async def publish(h: Harness, event) -> None:  # noqa: ANN001
    await h.bus.js.publish(event.subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})


async def run_until(h: Harness, c: Consumer, probe, message: str) -> None:  # noqa: ANN001
    task = asyncio.create_task(c.run())
    try:
        await eventually(probe, message=message)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_redelivered_message_has_no_second_effect(harness: Harness) -> None:
    event = sample_event()
    c = consumer(harness)
    assert await c.apply(event) is True
    assert await c.apply(event) is False  # the redelivery finds its inbox row
    assert await harness.effects() == 1


async def test_same_event_published_under_two_msg_ids_still_one_effect(harness: Harness) -> None:
    event = sample_event()
    await publish(harness, event)
    await harness.bus.js.publish(event.subject, event.to_bytes(), headers={"Nats-Msg-Id": "other-id"})
    c = consumer(harness)

    async def both_consumed() -> bool:
        info = await harness.bus.js.consumer_info("RELIEF", "test-consumer")
        return info.num_ack_pending == 0 and info.num_pending == 0 and info.delivered.stream_seq == 2

    await run_until(harness, c, both_consumed, "both copies consumed")
    assert await harness.effects() == 1


async def test_poison_message_is_parked_with_its_reason(harness: Harness) -> None:
    await harness.bus.js.publish("relief.case.received", b"{not json", headers={"Nats-Msg-Id": "garbage"})

    async def refuse(event, uow) -> None:  # noqa: ANN001
        raise Poison("household.members missing")

    await publish(harness, sample_event())
    c = consumer(harness, refuse)
    await run_until(harness, c, lambda: _parked(harness, 2), "two messages parked")
    reasons = sorted(p.reason for p in await harness.parked())
    assert reasons[0].startswith("invalid message: not JSON")
    assert reasons[1] == "poison: household.members missing"
    assert await harness.effects() == 0


async def test_failing_message_is_parked_after_max_deliver(harness: Harness) -> None:
    calls = 0

    async def flaky(event, uow) -> None:  # noqa: ANN001
        nonlocal calls
        calls += 1
        raise RuntimeError("department source timed out")

    await publish(harness, sample_event())
    await run_until(harness, consumer(harness, flaky), lambda: _parked(harness, 1), "parked after max_deliver")
    [parked] = await harness.parked()
    assert parked.deliveries == FAST.max_deliver == calls
    assert "gave up after 3 deliveries" in parked.reason and "department source timed out" in parked.reason


async def test_transient_failure_is_retried_then_applied_once(harness: Harness) -> None:
    failures = iter([RuntimeError("db hiccup")])

    async def once_failing(event, uow) -> None:  # noqa: ANN001
        for exc in failures:
            raise exc
        await record_effect(event, uow)

    await publish(harness, sample_event())
    await run_until(harness, consumer(harness, once_failing), lambda: _effects(harness, 1), "applied after retry")
    assert await harness.parked() == []


async def test_consumer_killed_between_commit_and_ack_applies_once_after_restart(harness: Harness) -> None:
    class KilledBeforeAck(Consumer):
        async def acknowledge(self, msg) -> None:  # noqa: ANN001
            raise asyncio.CancelledError  # the process dies: committed, never acked

    await publish(harness, sample_event())
    first = asyncio.create_task(consumer(harness, cls=KilledBeforeAck).run())
    await eventually(lambda: _effects(harness, 1), message="first delivery committed")
    await asyncio.gather(first, return_exceptions=True)

    async def acked() -> bool:
        info = await harness.bus.js.consumer_info("RELIEF", "test-consumer")
        return info.num_ack_pending == 0 and info.num_pending == 0 and info.delivered.consumer_seq >= 2

    await run_until(harness, consumer(harness), acked, "redelivered after ack_wait and acked")
    assert await harness.effects() == 1


async def test_consumer_survives_nats_restart(harness: Harness, nats_server) -> None:  # noqa: ANN001
    task = asyncio.create_task(consumer(harness).run())
    try:
        await publish(harness, sample_event("before"))
        await eventually(lambda: _effects(harness, 1), message="first effect")
        nats_server.restart()
        after = sample_event("after")
        await eventually(lambda: _published(harness, after), timeout=20, message="publish after restart")
        await eventually(lambda: _effects(harness, 2), timeout=20, message="effect after restart")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _published(h: Harness, event) -> bool:  # noqa: ANN001
    await publish(h, event)  # JetStream needs a moment after a restart; the relay retries likewise
    return True


async def _parked(h: Harness, n: int) -> bool:
    return len(await h.parked()) == n


async def _effects(h: Harness, n: int) -> bool:
    return await h.effects() == n


async def test_a_batch_with_one_poison_message_applies_the_others_once_and_parks_it(harness: Harness) -> None:
    async def picky(event, uow) -> None:  # noqa: ANN001
        if event.case_id == "bad":
            raise Poison("no household")
        await record_effect(event, uow)

    for case_id in ("a", "b", "bad", "c"):
        await publish(harness, sample_event(case_id))
    await run_until(harness, consumer(harness, picky), lambda: _effects(harness, 3), "three good ones applied")
    await eventually(lambda: _parked(harness, 1), message="the bad one parked")
    [parked] = await harness.parked()
    assert parked.reason == "poison: no household"



async def test_a_batch_handler_gets_each_new_event_once_and_a_failing_batch_is_retried_one_by_one(
        harness: Harness) -> None:
    seen: list[list[str]] = []

    async def fold(events, uow) -> None:  # noqa: ANN001
        seen.append([e.case_id for e in events])
        if any(e.case_id == "case-bad" for e in events):
            raise Poison("no such case")
        for event in events:
            await record_effect(event, uow)

    first, bad = sample_event("case-a"), sample_event("case-bad")
    c = Consumer(harness.bus, harness.db, harness.plumbing,
                 Subscription(plumbing_consumer("test-batches"), fold, takes_batches=True), FAST)
    assert await c.apply(first) is True and await c.apply(first) is False  # one event, as a batch of one
    for event in (first, sample_event("case-b"), sample_event("case-c"), bad):
        await publish(harness, event)
    await run_until(harness, c, lambda: _parked(harness, 1), "the bad event parked alone")
    assert await harness.effects() == 3  # case-a once, case-b, case-c
    assert seen[0] == ["case-a"] and not any("case-a" in batch for batch in seen[1:])  # the redelivery is seen
    assert ["case-bad"] in seen  # a failing batch is taken apart: the bad event alone is parked
    [parked] = await harness.parked()
    assert parked.event_id == bad.id and parked.reason == "poison: no such case"


async def test_a_payload_that_does_not_validate_is_parked_with_the_error_and_the_consumer_goes_on(
        harness: Harness) -> None:
    bad = sample_event("case-bad")
    raw = json.loads(bad.to_bytes())
    raw["data"]["accepted_on"] = "yesterday"
    await harness.bus.js.publish(bad.subject, json.dumps(raw).encode(), headers={"Nats-Msg-Id": bad.id})
    unknown = json.loads(sample_event("case-v9").to_bytes()) | {"version": 9}
    await harness.bus.js.publish(bad.subject, json.dumps(unknown).encode(), headers={"Nats-Msg-Id": unknown["id"]})
    await publish(harness, sample_event("case-good"))
    calls = 0

    async def counting(event, uow) -> None:  # noqa: ANN001
        nonlocal calls
        calls += 1
        await record_effect(event, uow)

    await run_until(harness, consumer(harness, counting), lambda: _effects(harness, 1), "the good one applied")
    await eventually(lambda: _parked(harness, 2), message="both bad ones parked")
    reasons = {p.event_id: p for p in await harness.parked()}
    assert reasons[bad.id].reason.startswith("invalid message: case.received.v1 does not validate: data.accepted_on")
    assert reasons[bad.id].deliveries == 1 and reasons[bad.id].region == "fuxin-haizhou"  # parked at once
    assert reasons[unknown["id"]].reason == "invalid message: unregistered event type 'case.received' version 9"
    assert calls == 1


async def test_a_registered_version_the_consumer_does_not_read_is_acked_without_effect(harness: Harness) -> None:
    from relief_shared.contract import ConsumerSpec

    v2_only = ConsumerSpec("test-v2-only", "test", (("case.received", 2),), "reads a version not yet published")
    await publish(harness, sample_event())
    c = Consumer(harness.bus, harness.db, harness.plumbing, Subscription(v2_only, record_effect), FAST)

    async def acked() -> bool:
        info = await harness.bus.js.consumer_info("RELIEF", "test-v2-only")
        return info.num_ack_pending == 0 and info.num_pending == 0 and info.delivered.stream_seq == 1

    await run_until(harness, c, acked, "v1 acked")
    assert await harness.effects() == 0 and await harness.parked() == []


async def test_prepare_runs_before_the_transaction_and_its_answer_reaches_the_handler(harness: Harness) -> None:
    seen: dict[str, object] = {}

    async def prepare(events) -> dict:  # noqa: ANN001
        lock = harness.db._write_lock  # SQLite's writer lock; PostgreSQL has none
        seen["lock held while preparing"] = bool(lock and lock.locked())
        return {e.id: f"paid so far for {e.case_id}" for e in events}

    async def handler(event, uow, prepared) -> None:  # noqa: ANN001
        seen[event.case_id] = prepared
        await record_effect(event, uow)

    c = Consumer(harness.bus, harness.db, harness.plumbing, Subscription(plumbing_consumer(), handler, prepare=prepare),
                 FAST)
    assert await c.apply(sample_event("case-p")) is True
    assert seen == {"lock held while preparing": False, "case-p": "paid so far for case-p"}
