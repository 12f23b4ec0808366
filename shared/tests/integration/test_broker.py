"""Isolation on the broker itself: the real nats-server with the suite's users refuses a partner
department everything but its own referrals, lets ops read and change nothing, and lets a
service publish only its own events (relief_shared.broker is the table)."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import nats
import pytest
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig

from relief_shared import broker
from relief_shared.bus import ensure_streams
from relief_shared.testing import eventually


class Refusals:
    """The permission violations the server reported to one connection."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def record(self, exc: Exception) -> None:
        self.seen.append(str(exc).lower())

    async def refused(self, subject: str) -> None:
        async def seen() -> bool:
            return any("permissions violation" in s and subject.lower() in s for s in self.seen)

        await eventually(seen, timeout=5, message=f"the server refusing {subject}")


@asynccontextmanager
async def connected(server, user: str) -> AsyncIterator[tuple[Client, Refusals]]:  # noqa: ANN001
    refusals = Refusals()
    known = broker.by_name(user, [broker.test_harness()])
    nc = await nats.connect(server.url_as(user), error_cb=refusals.record, inbox_prefix=known.inbox_prefix,
                            max_reconnect_attempts=0)
    try:
        yield nc, refusals
    finally:
        await nc.close()


@pytest.fixture
async def referrals(nats_server):  # noqa: ANN001, ANN201
    """Both streams, one referral for housing and one for education, published as eligibility."""
    async with connected(nats_server, "eligibility") as (nc, _):
        js = nc.jetstream(timeout=5)
        await ensure_streams(js)
        await js.publish("relief.referral.housing.requested", b'{"for": "housing"}')
        await js.publish("relief.referral.education.requested", b'{"for": "education"}')
    return nats_server


async def test_a_partner_consumes_its_own_referrals_and_acks_them(referrals) -> None:  # noqa: ANN001
    async with connected(referrals, "partner-education") as (nc, refusals):
        js = nc.jetstream(timeout=3)
        sub = await js.pull_subscribe(broker.partner_subjects("education"), durable="partner-education",
                                      stream="REFERRALS")
        msgs = await sub.fetch(10, timeout=3)
        assert [json.loads(m.data) for m in msgs] == [{"for": "education"}]
        await msgs[0].ack_sync()
        assert not refusals.seen
    async with connected(referrals, "partner-education") as (nc, _):  # bound again later: nothing left
        sub = await nc.jetstream(timeout=3).pull_subscribe(broker.partner_subjects("education"),
                                                           durable="partner-education", stream="REFERRALS")
        with pytest.raises(nats.errors.TimeoutError):
            await sub.fetch(1, timeout=1)


async def test_a_partner_can_neither_subscribe_to_nor_consume_another_departments_referrals(referrals) -> None:  # noqa: ANN001
    async with connected(referrals, "partner-education") as (nc, refusals):
        await nc.subscribe("relief.referral.housing.>")
        await refusals.refused('subscription to "relief.referral.housing.>"')
        await nc.subscribe("relief.referral.>")
        await refusals.refused('subscription to "relief.referral.>"')
        await nc.subscribe("_INBOX.>")  # other clients' replies, where pull consumers deliver
        await refusals.refused('subscription to "_inbox.>"')

        js = nc.jetstream(timeout=1)
        # its own durable name, but filtered to housing: refused by the subject permission…
        with pytest.raises(Exception):  # noqa: B017 - the request dies unanswered (a timeout)
            await js.add_consumer("REFERRALS", ConsumerConfig(name="partner-education", durable_name="partner-education",
                                                              filter_subject="relief.referral.housing.>",
                                                              ack_policy=AckPolicy.EXPLICIT))
        await refusals.refused("$js.api.consumer.create.referrals.partner-education.relief.referral.housing.>")
        # …and the allowed subject with a housing filter in the body: refused by the server
        for config in ({"filter_subject": "relief.referral.housing.>"},
                       {"filter_subjects": ["relief.referral.education.>", "relief.referral.housing.>"]}):
            request = {"stream_name": "REFERRALS",
                       "config": {"name": "partner-education", "durable_name": "partner-education",
                                  "ack_policy": "explicit", "deliver_policy": "all", **config}}
            reply = await nc.request("$JS.API.CONSUMER.CREATE.REFERRALS.partner-education.relief.referral.education.>",
                                     json.dumps(request).encode(), timeout=3)
            assert json.loads(reply.data)["error"]["code"] == 400, reply.data
        # a consumer of another name, or another department's, or the legacy API without a filter
        for subject in ("$JS.API.CONSUMER.DURABLE.CREATE.REFERRALS.partner-education",
                        "$JS.API.CONSUMER.CREATE.REFERRALS.partner-education",
                        "$JS.API.CONSUMER.CREATE.REFERRALS",
                        "$JS.API.CONSUMER.MSG.NEXT.REFERRALS.partner-housing",
                        "$JS.API.CONSUMER.INFO.REFERRALS.partner-housing"):
            await nc.publish(subject, b"{}", reply=nc.new_inbox())
            await refusals.refused(subject)

    async with connected(referrals, "partner-housing") as (nc, refusals):  # housing's referral is still there
        sub = await nc.jetstream(timeout=3).pull_subscribe(broker.partner_subjects("housing"),
                                                           durable="partner-housing", stream="REFERRALS")
        assert [json.loads(m.data) for m in await sub.fetch(10, timeout=3)] == [{"for": "housing"}]
        assert not refusals.seen


async def test_a_partner_reads_nothing_of_the_relief_stream_and_publishes_nothing_but_acks(referrals) -> None:  # noqa: ANN001
    async with connected(referrals, "partner-education") as (nc, refusals):
        await nc.subscribe("relief.case.>")
        await refusals.refused('subscription to "relief.case.>"')
        js = nc.jetstream(timeout=1)
        for attempt, subject in ((js.stream_info("RELIEF"), "$js.api.stream.info.relief"),
                                 (js.get_msg("RELIEF", 1), "$js.api.stream.msg.get.relief"),
                                 (js.pull_subscribe("relief.case.>", durable="partner-education", stream="RELIEF"),
                                  "$js.api.consumer.info.relief.partner-education"),
                                 (js.stream_info("REFERRALS"), "$js.api.stream.info.referrals")):
            with pytest.raises(Exception):  # noqa: B017 - unanswered: the server dropped the request
                await attempt
            await refusals.refused(subject)
        for subject in ("relief.referral.education.acknowledged", "relief.case.received", "$KV.relief_suite_clock.offset"):
            await nc.publish(subject, b"{}")
            await refusals.refused(f'publish to "{subject}"')


async def test_ops_reads_every_subject_and_changes_nothing(referrals) -> None:  # noqa: ANN001
    async with connected(referrals, "ops") as (nc, refusals):
        seen: list[str] = []

        async def tap(msg) -> None:  # noqa: ANN001
            seen.append(msg.subject)

        await nc.subscribe(">", cb=tap)
        await nc.flush()
        js = nc.jetstream(timeout=3)
        assert (await js.stream_info("REFERRALS")).state.messages == 2
        assert json.loads((await js.get_msg("REFERRALS", 1)).data) == {"for": "housing"}
        async with connected(referrals, "eligibility") as (elig, _):
            await elig.jetstream().publish("relief.referral.power.requested", b"{}")
        async def tapped() -> bool:
            return "relief.referral.power.requested" in seen

        await eventually(tapped, message="ops seeing the event")
        assert not refusals.seen
        with pytest.raises(Exception):  # noqa: B017
            await nc.jetstream(timeout=1).delete_stream("REFERRALS")
        await refusals.refused("$js.api.stream.delete.referrals")
        await nc.publish("relief.case.received", b"{}")
        await refusals.refused('publish to "relief.case.received"')


async def test_a_service_publishes_only_its_own_events(referrals) -> None:  # noqa: ANN001
    referrals.service_violations_expected = True  # the point of this test
    async with connected(referrals, "benefit-calc") as (nc, refusals):
        js = nc.jetstream(timeout=3)
        assert (await js.publish("relief.benefit.calculated", b"{}")).stream == "RELIEF"
        await nc.publish("relief.case.approved", b"{}")
        await refusals.refused('publish to "relief.case.approved"')
        with pytest.raises(Exception):  # noqa: B017
            await js.add_consumer("REFERRALS", ConsumerConfig(durable_name="sneak", ack_policy=AckPolicy.EXPLICIT))
        await refusals.refused("$js.api.consumer.durable.create.referrals.sneak")


async def test_without_credentials_nothing_connects(nats_server) -> None:  # noqa: ANN001
    with pytest.raises(Exception):  # noqa: B017 - authorization violation
        await nats.connect(nats_server.url, max_reconnect_attempts=0, allow_reconnect=False, connect_timeout=2)
    with pytest.raises(Exception):  # noqa: B017
        await nats.connect(broker.url_with(nats_server.url, "partner-housing", "dev-partner-education"),
                           max_reconnect_attempts=0, allow_reconnect=False, connect_timeout=2)


def test_the_table_gives_each_partner_its_own_subjects_alone() -> None:
    for department in broker.DEPARTMENTS:
        user = broker.by_name(f"partner-{department}")
        others = [d for d in broker.DEPARTMENTS if d != department]
        text = " ".join(user.publish + user.subscribe)
        assert not any(f"partner-{d}" in text or f"relief.referral.{d}." in text for d in others), text
        assert all(s.startswith(("$JS.API.CONSUMER.", "$JS.ACK.REFERRALS.")) for s in user.publish)
        assert user.password_env == f"RELIEF_NATS_PASSWORD_PARTNER_{department.upper()}"


def test_the_deployment_config_is_generated_from_the_table() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    assert broker.main(["--root", str(root), "--check"]) == 0, \
        "deploy/nats/nats.conf is stale: run make contract"

