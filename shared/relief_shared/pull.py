"""A durable JetStream pull consumer that hands its messages over a batch at a time.

nats-py's `fetch` waits for each message of a batch in a task of its own, so a batch of 50
costs 50 turns of the event loop; in a service whose loop is busy with HTTP requests every
turn is long, and the consumer falls behind the work it exists to do. Here the pull requests
are plain messages to `$JS.API.CONSUMER.MSG.NEXT.<stream>.<durable>`, the replies land in one
callback subscription, and `fetch()` returns everything that has arrived in one go.

A new pull request is sent whenever less than half a batch is still owed, so messages keep
flowing while the last batch is being applied. Every request expires (`expires` seconds); the
server says so with a status message, and a request the server never ended (a reconnect lost
it) is forgotten at its deadline, so the consumer never waits on a request nobody serves.
Delivery, acks and redelivery are the server's, as with any pull consumer: a message handed
over here is acked, nak'ed or terminated by the caller.
"""
from __future__ import annotations

import asyncio
import json
import time

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

HEARTBEAT = "100"
NO_RESPONDERS = "503"  # nobody serves the request subject: the consumer is not there
GONE = ("Consumer Deleted", "Consumer is push based")


class ConsumerGone(Exception):
    """The durable consumer no longer exists on the server: create it again."""


class Puller:
    def __init__(self, nc: Client, stream: str, durable: str, *, batch: int, expires: float = 2.0):
        self.nc, self.batch, self.expires = nc, batch, expires
        self._next = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._inbox = nc.new_inbox()
        self._sub: Subscription | None = None
        self._arrived: list[Msg] = []
        self._ready = asyncio.Event()
        self._owed = 0
        self._open_until = 0.0
        self._gone: str | None = None

    async def start(self) -> Puller:
        self._sub = await self.nc.subscribe(self._inbox, cb=self._take)
        return self

    async def stop(self) -> None:
        """Drop the subscription; bounded, since it may run while the connection is failing."""
        sub, self._sub = self._sub, None
        if sub is not None:
            await asyncio.wait_for(sub.unsubscribe(), 2.0)

    async def fetch(self) -> list[Msg]:
        """What has arrived, else what arrives within `expires`; [] if nothing did."""
        if self._gone:
            raise ConsumerGone(self._gone)
        if time.monotonic() >= self._open_until:
            self._owed = 0  # expired, or lost with a connection: nothing more will come of it
        if self._owed <= self.batch // 2:
            await self._request()
        if not self._arrived:
            self._ready.clear()
            try:
                await asyncio.wait_for(self._ready.wait(), self.expires)
            except TimeoutError:
                pass
        msgs, self._arrived = self._arrived, []
        return msgs

    async def _request(self) -> None:
        expires_ns = int(self.expires * 1_000_000_000)
        await self.nc.publish(self._next, json.dumps({"batch": self.batch, "expires": expires_ns}).encode(),
                              reply=self._inbox)
        self._owed += self.batch
        self._open_until = time.monotonic() + self.expires + 0.5

    async def _take(self, msg: Msg) -> None:
        status = msg.headers.get("Status") if msg.headers else None
        if status is None:
            self._arrived.append(msg)
            self._owed -= 1
        elif status != HEARTBEAT:  # 404, 408, 409: a request ended with this many still owed
            unfilled = msg.headers.get("Nats-Pending-Messages")  # type: ignore[union-attr]
            self._owed = max(0, self._owed - int(unfilled)) if unfilled else 0
            description = msg.headers.get("Description", "")  # type: ignore[union-attr]
            if (status == "409" and description in GONE) or status == NO_RESPONDERS:
                self._gone = f"{status} {description}".strip()
        self._ready.set()
