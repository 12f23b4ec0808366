from __future__ import annotations

import asyncio

from sqlalchemy import select

from relief_shared.outbox import OutboxRelay
from relief_shared.testing import eventually

from .conftest import Harness, sample_event


def relay(h: Harness) -> OutboxRelay:
    return OutboxRelay(h.db, h.bus, poll_seconds=0.05)


async def stream_count(h: Harness) -> int:
    return (await h.bus.js.stream_info("RELIEF")).state.messages


async def commit(h: Harness, *events) -> None:  # noqa: ANN002
    async with h.db.uow() as uow:
        uow.record(*events)
        await uow.commit()


async def test_same_event_published_twice_is_one_message(harness: Harness) -> None:
    event = sample_event()
    for _ in range(2):
        ack = await harness.bus.js.publish(event.subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})
    assert ack.duplicate
    assert await stream_count(harness) == 1


async def test_relay_publishes_in_case_order_and_marks_sent(harness: Harness) -> None:
    events = [sample_event("case-a", t) for t in ("case.received", "case.classified", "case.approved")]
    await commit(harness, *events, sample_event("case-b"))
    assert await relay(harness).publish_pending() == 4
    assert await harness.count(harness.plumbing.outbox, harness.plumbing.outbox.c.sent_at.is_(None)) == 0
    sub = await harness.bus.js.pull_subscribe("relief.case.>", durable="order", stream="RELIEF")
    msgs = await sub.fetch(4, timeout=2)
    case_a = [m.subject for m in msgs if b'"case-a"' in m.data]
    assert case_a == ["relief.case.received", "relief.case.classified", "relief.case.approved"]


async def test_relay_killed_between_publish_and_mark_sent_yields_one_message(harness: Harness) -> None:
    await commit(harness, sample_event())

    class CrashingRelay(OutboxRelay):
        async def mark_sent(self, seqs: list[int]) -> None:
            raise SystemExit("killed before marking sent")

    crashing = CrashingRelay(harness.db, harness.bus)
    try:
        await crashing.publish_pending()
    except SystemExit:
        pass
    assert await harness.count(harness.plumbing.outbox, harness.plumbing.outbox.c.sent_at.is_(None)) == 1
    assert await relay(harness).publish_pending() == 1  # the restarted relay publishes again …
    assert await stream_count(harness) == 1  # … and JetStream drops the copy


async def test_rolled_back_unit_of_work_writes_no_event(harness: Harness) -> None:
    async with harness.db.uow() as uow:
        uow.record(sample_event())
    assert await harness.count(harness.plumbing.outbox) == 0


async def test_events_written_while_nats_is_down_are_published_after_it_returns(harness: Harness, nats_server) -> None:  # noqa: ANN001
    running = asyncio.create_task(relay(harness).run())
    try:
        nats_server.stop()
        await commit(harness, sample_event("case-outage"))
        await asyncio.sleep(0.3)
        nats_server.start()
        await eventually(lambda: _sent(harness), timeout=20, message="outbox row sent after NATS came back")
        assert await stream_count(harness) == 1
    finally:
        running.cancel()


async def _sent(h: Harness) -> bool:
    return await h.count(h.plumbing.outbox, h.plumbing.outbox.c.sent_at.is_not(None)) == 1


def rejected(case_id: str, comment: str) -> object:
    from relief_shared.testing import make_event

    return make_event("case.rejected", case_id, comment=comment)


async def outbox_rows(h: Harness) -> dict[str, object]:
    async with h.db.engine.connect() as conn:
        return {r.case_id: r for r in (await conn.execute(select(h.plumbing.outbox))).all()}


async def test_a_row_too_large_for_the_broker_is_parked_at_once_and_newer_rows_go_on(harness: Harness) -> None:
    huge = rejected("case-huge", "字" * 400_000)  # 1.2 MB of UTF-8: above the broker's 1 MB max payload
    after_same_case = sample_event("case-huge", "case.approved")
    await commit(harness, huge, after_same_case, sample_event("case-next"))
    assert await relay(harness).publish_pending() == 3  # two sent, one parked
    assert await stream_count(harness) == 2
    [parked] = await harness.parked()
    assert (parked.consumer, parked.event_id, parked.region) == ("outbox-relay", huge.id, "fuxin-haizhou")
    assert parked.reason.startswith("unpublishable: MaxPayloadError") and parked.deliveries == 1
    assert await relay(harness).publish_pending() == 0  # never tried again


async def test_a_row_the_broker_refuses_is_retried_with_back_off_then_parked(harness: Harness) -> None:
    config = (await harness.bus.js.stream_info("RELIEF")).config
    config.max_msg_size = 4096  # the stream refuses larger messages in its PubAck
    await harness.bus.js.update_stream(config)
    await commit(harness, rejected("case-big", "x" * 6000), sample_event("case-small"))
    refusing = OutboxRelay(harness.db, harness.bus, max_attempts=3, retry_seconds=0.05)
    assert await refusing.publish_pending() == 1  # the small one; the big one counted an attempt
    row = (await outbox_rows(harness))["case-big"]
    assert (row.attempts, row.parked_at, row.next_attempt_at is not None) == (1, None, True)
    assert await refusing.publish_pending() == 0  # waiting out its back-off: not even tried

    async def parked() -> bool:
        await refusing.publish_pending()
        return len(await harness.parked()) == 1

    await eventually(parked, message="parked after its attempts")
    row = (await outbox_rows(harness))["case-big"]
    assert row.attempts == 3 and row.parked_at is not None and "maximum" in row.last_error.lower()


async def test_a_broker_outage_uses_up_no_attempts(harness: Harness, nats_server) -> None:  # noqa: ANN001
    nats_server.stop()
    try:
        await commit(harness, sample_event("case-outage"))
        for _ in range(3):
            await relay(harness).publish_pending()
    finally:
        nats_server.start()
    assert (await outbox_rows(harness))["case-outage"].attempts == 0
    await eventually(lambda: relay(harness).publish_pending(), timeout=20, message="published after the outage")
