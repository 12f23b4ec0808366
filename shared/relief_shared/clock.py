"""The suite clock: the business time every service reads instead of `datetime.now()`.

Like a payment provider's test clock, it lets a rehearsal or an acceptance test make days pass
in seconds: the time is real time plus an offset, the offset lives in one NATS key-value entry
(`relief_shared.suite_state`) that every service follows, and `PUT /v1/ops/clock` on any service
moves all five at once. Deadlines, due dates, the day a case is accepted, decision times and the
`occurred_at` of every event read it. Real time still rules what is mechanics, not business:
token expiry, leases, back-off and poll timers.

Only development and test runs follow the entry; under production settings the clock is
disabled (the settings refuse to start with it enabled), so the offset is zero whatever the
entry holds.

A process has one current clock (`current()`, `now()`): the runtime installs its own at start,
and `Envelope.new` stamps events with it, so no caller can forget to.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta, timezone


class Clock:
    def __init__(self, *, enabled: bool = False, offset_seconds: float = 0.0):
        self.enabled = enabled
        self._offset = timedelta(seconds=offset_seconds)
        self.revision = 0  # of the key-value entry last applied: an older one never wins
        self._listeners: list[Callable[[], None]] = []
        self._synced: asyncio.Event | None = None
        self._synced_flag = not enabled  # a disabled clock is real time, known from the start

    def now(self) -> datetime:
        """Aware UTC: real time, moved by the suite's offset when the clock is enabled."""
        return datetime.now(timezone.utc) + self._offset

    @property
    def offset_seconds(self) -> float:
        return self._offset.total_seconds()

    def apply(self, offset_seconds: float, revision: int) -> bool:
        """Take the suite's offset from entry `revision`; True if it changed the time here."""
        if not self.enabled or revision < self.revision:
            return False
        changed = offset_seconds != self.offset_seconds
        self._offset, self.revision = timedelta(seconds=offset_seconds), revision
        self.mark_synced()
        if changed:
            for listener in list(self._listeners):
                listener()
        return changed

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` whenever the time jumps (a scheduler wakes to look again)."""
        self._listeners.append(listener)

    def mark_synced(self) -> None:
        self._synced_flag = True
        if self._synced is not None:
            self._synced.set()

    @property
    def synced(self) -> bool:
        """False until the suite's offset was read once: until then "now" may be wrong."""
        return self._synced_flag

    async def wait_synced(self) -> None:
        if self._synced_flag:
            return
        if self._synced is None:
            self._synced = asyncio.Event()
        await self._synced.wait()


_current = Clock()


def current() -> Clock:
    return _current


def install(clock: Clock) -> Clock:
    """Make `clock` the process's current clock; returns the one it replaces."""
    global _current
    previous, _current = _current, clock
    return previous


def now() -> datetime:
    """The current clock's time (aware UTC)."""
    return _current.now()
