"""A partner department's consumer of its referrals — copy it, replace `decide()`, run it.

What it does, and why each step is there:

1. Connects to the suite's NATS as the department's own user (`partner-<department>`), with the
   inbox prefix `_INBOX.partner-<department>`: the broker lets this user receive replies there
   and nowhere else, so nats-py's default `_INBOX` would be refused.
2. Binds to the durable pull consumer `partner-<department>` on stream REFERRALS, filtered to
   `relief.referral.<department>.>`, which the suite provisions for the department: the only
   consumer this user may use, and one it cannot create, change or delete. Durable: what arrives
   while this program is down waits on the broker, and nothing is lost across a restart of
   either side.
3. For each `referral.<department>.requested`: acknowledges it over REST
   (`POST /v1/referrals/{id}/acknowledge`), decides, posts the result
   (`POST /v1/referrals/{id}/result`), and only then acks the message. A crash before the ack
   means the message comes again; both POSTs carry an `Idempotency-Key` derived from the referral,
   so the second delivery gets the first answers back and changes nothing (a result answered
   earlier without the key gives 409, which is also "done"). If the REST API cannot be reached the
   message is nak'ed with a delay and comes back later. The department's other events
   (`.acknowledged`, `.completed`, `.overdue`) are logged and acked.
4. Reconnects by itself after a broker restart (nats-py retries forever); a fetch that fails
   meanwhile is simply tried again, and the binding is made again if the consumer went away.

Run against `make run` (development credentials):

    python examples/partner_consumer.py --department education \
        --token "$RELIEF_PARTNER_TOKEN"            # a partner JWT with department=education

Settings may also come from the environment: RELIEF_NATS_URL, RELIEF_NATS_USER,
RELIEF_NATS_PASSWORD, RELIEF_API_URL (eligibility), RELIEF_PARTNER_TOKEN. Needs only nats-py and
httpx; it imports nothing of the suite.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import nats
from nats.aio.client import Client
from nats.aio.msg import Msg

log = logging.getLogger("partner_consumer")


@dataclass(frozen=True)
class Answer:
    outcome: str  # granted | refused | not_applicable
    detail: str
    finished_on: date


SHANGHAI = ZoneInfo("Asia/Shanghai")  # the suite's days are Beijing days, whatever the machine's zone


def today() -> date:
    return datetime.now(SHANGHAI).date()


# What the department does with a referral: the `data` of the requested event in, its answer out.
Decide = Callable[[dict[str, Any]], Awaitable[Answer]]


async def decide(referral: dict[str, Any]) -> Answer:
    """Replace with the department's own handling (look the person up, open a file, …)."""
    return Answer("not_applicable", "example consumer: handled automatically", today())


class PartnerConsumer:
    def __init__(self, department: str, *, nats_url: str, user: str, password: str, api_url: str, token: str,
                 decide: Decide = decide, batch: int = 50):
        self.department, self.batch, self.decide = department, batch, decide
        self.nats_url, self.user, self.password = nats_url, user, password
        self.durable = f"partner-{department}"
        self.subjects = f"relief.referral.{department}.>"
        self.api = httpx.AsyncClient(base_url=api_url, timeout=10, headers={"Authorization": f"Bearer {token}"})
        self.nc: Client | None = None
        self.handled = 0  # referrals answered and acked by this process
        self.seen = 0  # messages acked by this process, of any type

    async def connect(self) -> None:
        self.nc = await nats.connect(
            self.nats_url, user=self.user, password=self.password, name=self.durable,
            inbox_prefix=f"_INBOX.{self.durable}",  # the only inbox this user may subscribe to
            max_reconnect_attempts=-1, reconnect_time_wait=0.5, connect_timeout=2,
            error_cb=self._on_error, disconnected_cb=self._on_disconnect, reconnected_cb=self._on_reconnect)

    async def _bind(self) -> Any:
        assert self.nc is not None
        js = self.nc.jetstream(timeout=5)
        await js.consumer_info("REFERRALS", self.durable)  # NotFoundError until the suite has provisioned it
        return await js.pull_subscribe_bind(durable=self.durable, stream="REFERRALS")

    async def run(self) -> None:
        """Consume until cancelled."""
        if self.nc is None:
            await self.connect()
        sub = None
        while True:
            try:
                if sub is None:
                    sub = await self._bind()
                    log.info("bound to %s on REFERRALS (%s)", self.durable, self.subjects)
                try:
                    msgs = await sub.fetch(self.batch, timeout=2)
                except nats.errors.TimeoutError:
                    continue  # nothing new (or the broker is away: nats-py is reconnecting)
                for msg in msgs:
                    await self._handle(msg)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker restarting, consumer gone, …: bind again shortly
                log.warning("consuming failed, retrying: %r", exc)
                if sub is not None:
                    with contextlib.suppress(Exception):
                        await sub.unsubscribe()
                sub = None
                await asyncio.sleep(1)

    async def _handle(self, msg: Msg) -> None:
        try:
            event = json.loads(msg.data)
        except ValueError:
            log.error("not JSON on %s: terminated", msg.subject)
            await msg.term()
            return
        kind = event.get("type", "")
        if kind != f"referral.{self.department}.requested":
            log.info("%s for referral %s", kind, event.get("data", {}).get("referral_id"))
            await msg.ack()
            self.seen += 1
            return
        referral = event["data"]
        try:
            await self._answer(referral)
        except (httpx.HTTPError, RuntimeError) as exc:
            log.warning("could not answer referral %s yet (%r): it will come again", referral["referral_id"], exc)
            await msg.nak(delay=5)
            return
        await msg.ack_sync()  # only once the answer is recorded by the suite
        self.handled += 1
        self.seen += 1

    async def _answer(self, referral: dict[str, Any]) -> None:
        rid = referral["referral_id"]
        ack = await self.api.post(f"/v1/referrals/{rid}/acknowledge", headers={"Idempotency-Key": f"ack-{rid}"})
        if ack.status_code != 200 and ack.status_code != 409:
            raise RuntimeError(f"acknowledge answered {ack.status_code}: {ack.text}")
        answer = await self.decide(referral)
        body = {"outcome": answer.outcome, "detail": answer.detail, "finished_on": answer.finished_on.isoformat()}
        result = await self.api.post(f"/v1/referrals/{rid}/result", json=body,
                                     headers={"Idempotency-Key": f"result-{rid}"})
        if result.status_code not in (200, 409):  # 409: answered before — nothing left to do
            raise RuntimeError(f"result answered {result.status_code}: {result.text}")
        log.info("referral %s answered: %s", rid, answer.outcome)

    async def close(self) -> None:
        await self.api.aclose()
        if self.nc is not None and not self.nc.is_closed:
            await self.nc.close()

    async def _on_error(self, exc: Exception) -> None:
        log.debug("nats: %r", exc)

    async def _on_disconnect(self) -> None:
        log.warning("disconnected from NATS; reconnecting")

    async def _on_reconnect(self) -> None:
        log.info("reconnected to NATS")


def main() -> None:
    env = os.environ.get
    parser = argparse.ArgumentParser(description="Consume and answer a partner department's referrals.")
    parser.add_argument("--department", required=True)
    parser.add_argument("--nats-url", default=env("RELIEF_NATS_URL", "nats://127.0.0.1:14222"))
    parser.add_argument("--user", default=env("RELIEF_NATS_USER"), help="default: partner-<department>")
    parser.add_argument("--password", default=env("RELIEF_NATS_PASSWORD"),
                        help="default: the development password dev-partner-<department>")
    parser.add_argument("--api-url", default=env("RELIEF_API_URL", "http://127.0.0.1:8001"))
    parser.add_argument("--token", default=env("RELIEF_PARTNER_TOKEN"), required=not env("RELIEF_PARTNER_TOKEN"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    user = args.user or f"partner-{args.department}"
    consumer = PartnerConsumer(args.department, nats_url=args.nats_url, user=user,
                               password=args.password or f"dev-{user}", api_url=args.api_url, token=args.token)

    async def go() -> None:
        try:
            await consumer.run()
        finally:
            await consumer.close()

    try:
        asyncio.run(go())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
