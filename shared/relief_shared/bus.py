"""Connection to NATS JetStream that outlives server restarts.

`Bus.start()` returns at once and connects in the background, retrying forever, so a service
starts (and reports not-ready) while NATS is down; nats-py then reconnects by itself. Streams
are created or updated idempotently on every (re)connect.
"""
from __future__ import annotations

import asyncio
import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from relief_shared.contract import STREAMS

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_SECONDS = 20 * 60


async def ensure_streams(js: JetStreamContext) -> None:
    for name, subjects in STREAMS.items():
        config = StreamConfig(
            name=name,
            subjects=subjects,
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        )
        try:
            info = await js.stream_info(name)
        except NotFoundError:
            await js.add_stream(config)
            continue
        if sorted(info.config.subjects or []) != sorted(subjects):
            await js.update_stream(config)


class Bus:
    def __init__(self, url: str, name: str, *, user: str | None = None, password: str | None = None):
        self.url = url
        self.name = name
        self._credentials = {"user": user, "password": password} if user and "@" not in url else {}
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self.ready = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect(), name=f"{self.name}-nats-connect")

    async def _connect(self) -> None:
        nc = await nats.connect(
            self.url,
            name=self.name,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            connect_timeout=2,
            error_cb=self._on_error,
            reconnected_cb=self._on_reconnect,
            **self._credentials,
        )
        self.nc, self.js = nc, nc.jetstream(timeout=5)
        while True:
            try:
                await ensure_streams(self.js)
                break
            except Exception as exc:  # server up but JetStream not yet: keep trying
                log.warning("ensuring streams failed, retrying: %s", exc)
                await asyncio.sleep(0.5)
        self.ready.set()
        log.info("connected to NATS at %s", self.url)

    async def _on_error(self, exc: Exception) -> None:
        log.debug("nats: %s", exc)

    async def _on_reconnect(self) -> None:
        log.info("reconnected to NATS")
        if self.js is not None:
            try:
                await ensure_streams(self.js)
            except Exception as exc:
                log.warning("ensuring streams after reconnect failed: %s", exc)

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    async def wait_ready(self) -> JetStreamContext:
        await self.ready.wait()
        assert self.js is not None
        return self.js

    async def close(self) -> None:
        if self._task and not self._task.done():
            self._task.cancel()
        # close, not drain: nothing is acked before its effect commits, so whatever is in
        # flight is redelivered to the next run; draining only slows shutdown down.
        if self.nc is not None and not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.close(), 5)
            except Exception as exc:
                log.warning("closing the NATS connection: %r", exc)
