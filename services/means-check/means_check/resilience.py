"""Per-source circuit breakers and the retry schedule.

A department failing every call must not be hammered, nor hold up the others: after
`threshold` failures in a row its breaker opens, calls to it are held back (not counted as
attempts) for `cool_off` seconds, then one trial call decides whether it closes again. The
breakers live in the process (each replica judges the departments from its own calls) and run
on real time, as timeouts do; business time (the suite clock) is for deadlines.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

Health = str  # "closed" (healthy) | "open" | "half_open"


@dataclass
class Breaker:
    threshold: int = 5
    cool_off: float = 30.0
    failures: int = 0
    opened_at: float | None = None
    trial_running: bool = False
    calls: int = 0
    errors: int = 0
    last_error: str = ""
    last_ok: float | None = None
    in_flight: int = 0
    _clock: object = field(default=time.monotonic, repr=False)

    @property
    def state(self) -> Health:
        if self.opened_at is None:
            return "closed"
        return "half_open" if self._now() - self.opened_at >= self.cool_off else "open"

    def allows(self) -> bool:
        """May a call go out now? In half-open state only one trial at a time."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self.trial_running:
            self.trial_running = True
            return True
        return False

    def retry_in(self) -> float:
        """Seconds until the breaker lets a trial through."""
        if self.opened_at is None:
            return 0.0
        return max(self.cool_off - (self._now() - self.opened_at), 0.5)

    def succeeded(self) -> None:
        self.calls += 1
        self.failures, self.opened_at, self.trial_running, self.last_ok = 0, None, False, self._now()

    def failed(self, reason: str) -> None:
        self.calls += 1
        self.errors += 1
        self.failures += 1
        self.last_error = reason
        if self.trial_running or self.failures >= self.threshold:
            self.opened_at, self.trial_running = self._now(), False

    def _now(self) -> float:
        return self._clock()  # type: ignore[operator]


def backoff(attempt: int, schedule: tuple[float, ...]) -> float:
    """Seconds before attempt `attempt + 1` (attempt counts from 1)."""
    return schedule[min(attempt - 1, len(schedule) - 1)]
