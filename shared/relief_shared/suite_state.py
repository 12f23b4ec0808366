"""State every service follows from NATS key-value buckets: the suite clock's offset and the
holiday notices an operator loaded at run time.

A follower reads its bucket at start (the service is not ready until it has), then again
whenever an update is announced (a plain subscription to the bucket's subjects, which the
client renews on every reconnect) and every `resync_seconds` if the bucket's stream moved (a
missed announcement during a disconnection is caught there). Entries are applied by revision,
so an older read never overwrites a newer one.

Writes go through `set_clock` (compare-and-set on the entry's revision: two operators advancing
the clock at once both count) and `publish_year`.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError, NoKeysError
from nats.js.kv import KeyValue

from relief_shared.bus import Bus
from relief_shared.calendar import HolidayYear, WorkingCalendar
from relief_shared.clock import Clock

log = logging.getLogger(__name__)

CLOCK_BUCKET, CLOCK_KEY = "relief_suite_clock", "offset"
CALENDAR_BUCKET = "relief_calendar"


async def bucket(js: JetStreamContext, name: str) -> KeyValue:
    try:
        return await js.key_value(name)
    except BucketNotFoundError:
        return await js.create_key_value(bucket=name, history=5, storage=StorageType.FILE)


class Follower:
    def __init__(self, bus: Bus, name: str, apply: Callable[[KeyValue], Awaitable[None]], *,
                 resync_seconds: float = 5.0):
        self.bus, self.name, self.apply, self.resync_seconds = bus, name, apply, resync_seconds
        self._poked = asyncio.Event()
        self._seen_seq: int | None = None

    async def run(self) -> None:
        js = await self.bus.wait_ready()
        kv = await bucket(js, self.name)
        sub = await self.bus.nc.subscribe(f"$KV.{self.name}.>", cb=self._poke)
        try:
            while True:
                try:
                    info = await js.stream_info(f"KV_{self.name}")
                    if info.state.last_seq != self._seen_seq:
                        await self.apply(kv)
                        self._seen_seq = info.state.last_seq
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("following %s failed, retrying: %r", self.name, exc)
                try:
                    await asyncio.wait_for(self._poked.wait(), self.resync_seconds)
                except TimeoutError:
                    pass
                self._poked.clear()
        finally:
            try:
                await asyncio.wait_for(sub.unsubscribe(), 2.0)
            except Exception:
                pass

    async def _poke(self, _msg: Any) -> None:
        self._poked.set()


def clock_follower(bus: Bus, clock: Clock) -> Follower:
    async def apply(kv: KeyValue) -> None:
        try:
            entry = await kv.get(CLOCK_KEY)
        except KeyNotFoundError:
            clock.apply(0.0, 0)
            return
        if clock.apply(float(json.loads(entry.value)["offset_seconds"]), entry.revision):
            log.warning("suite clock moved: now %s (offset %+.0f s)", clock.now().isoformat(), clock.offset_seconds)

    return Follower(bus, CLOCK_BUCKET, apply, resync_seconds=2.0)


async def set_clock(bus: Bus, clock: Clock, new_offset: Callable[[float], float], by: str) -> None:
    """Compare-and-set the suite's offset from its current value, then apply it here at once."""
    kv = await bucket(await bus.wait_ready(), CLOCK_BUCKET)
    while True:
        try:
            entry = await kv.get(CLOCK_KEY)
            current, last = float(json.loads(entry.value)["offset_seconds"]), entry.revision
        except KeyNotFoundError:
            current, last = 0.0, 0
        offset = new_offset(current)
        value = json.dumps({"offset_seconds": offset, "set_by": by}).encode()
        try:
            revision = await kv.update(CLOCK_KEY, value, last=last) if last else await kv.create(CLOCK_KEY, value)
        except KeyWrongLastSequenceError:
            continue  # someone else moved it meanwhile: start again from their value
        clock.apply(offset, revision)
        return


class CalendarState:
    """The years loaded at run time, applied to a service's calendar; `synced` once read."""

    def __init__(self, calendar: WorkingCalendar):
        self.calendar = calendar
        self.synced = asyncio.Event()
        self._listeners: list[Callable[[], None]] = []

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    async def apply(self, kv: KeyValue) -> None:
        try:
            keys = await kv.keys()
        except NoKeysError:
            keys = []
        changed = False
        for key in keys:
            try:
                entry = await kv.get(key)
                year = HolidayYear.from_json(json.loads(entry.value))
            except KeyNotFoundError:
                continue
            except (ValueError, KeyError) as exc:
                log.error("holiday data %s in %s is unusable, ignored: %r", key, CALENDAR_BUCKET, exc)
                continue
            if self.calendar.load_year(year):
                log.warning("holiday data loaded: %s (%s)", year.version, year.source)
                changed = True
        self.synced.set()
        if changed:
            for listener in list(self._listeners):
                listener()


def calendar_follower(bus: Bus, state: CalendarState) -> Follower:
    return Follower(bus, CALENDAR_BUCKET, state.apply, resync_seconds=15.0)


async def publish_year(js: JetStreamContext, raw: dict[str, Any]) -> HolidayYear:
    """Validate a year's notice and put it where every service picks it up (no restart)."""
    year = HolidayYear.from_json(raw)
    kv = await bucket(js, CALENDAR_BUCKET)
    await kv.put(f"year.{year.year}", json.dumps(raw, ensure_ascii=False).encode())
    return year
