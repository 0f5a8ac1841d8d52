"""One gate every LLM call of a run passes before it is sent, so a 429 slows the whole run.

Why a shared gate and not per-call backoff: with many batches in flight, each one backing off on
its own keeps the others hammering the server, and they all come back at once when their
timers end. The gate makes every caller wait out the server's `Retry-After`, then lets them
through one at a time at a spacing learned from the 429s:

- on a 429 the spacing starts at the rate the server was actually serving (successful starts
  over the last seconds) and grows by `SLOW_DOWN` with every further 429;
- every success shrinks it by `SPEED_UP`, so the run probes back up to the allowed rate;
- without any 429 the spacing is 0 and the gate costs nothing.

The gate never bounds how many calls are in flight: generation's `CapacityLimiter` stays the
only bound on parallel calls. It lives in one event loop; `wait_turn` reserves a start time
with no await between the check and the reservation, so two callers never take the same slot.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

import anyio

SLOW_DOWN = 1.15
SPEED_UP = 0.99
RATE_WINDOW = 5.0
"""Seconds of recent successes the gate looks at to estimate what the server serves."""
MAX_INTERVAL = 30.0


class RateGate:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.resume_at = 0.0
        self.interval = 0.0
        self._next_start = 0.0
        self._successes: deque[float] = deque(maxlen=256)
        self._slowed_at = -float("inf")
        self.rate_limited_count = 0

    async def wait_turn(self) -> float:
        """Return when this caller may send (after any pause, at its own paced slot): the
        start time, which the caller hands back to `rate_limited` if the call gets a 429."""
        while True:
            now = self._clock()
            start = max(self.resume_at, self._next_start)
            if start <= now:
                self._next_start = now + self.interval
                return now
            await anyio.sleep(start - now)

    def rate_limited(self, retry_after: float, *, sent_at: float | None = None) -> None:
        """The server said 429: pause everyone for `retry_after` seconds and space calls out.

        Only a call sent after the last slow-down slows the gate down again: the 429s of calls
        that were already in flight report the same overload, not a new one.
        """
        now = self._clock()
        self.rate_limited_count += 1
        self.resume_at = max(self.resume_at, now + retry_after)
        if sent_at is None or sent_at > self._slowed_at:
            if self.interval > 0:
                self.interval = min(MAX_INTERVAL, self.interval * SLOW_DOWN)
            else:
                self.interval = min(MAX_INTERVAL, self._served_interval(now) or retry_after)
            self._slowed_at = now
        self._next_start = max(self._next_start, self.resume_at)

    def succeeded(self) -> None:
        self._successes.append(self._clock())
        self.interval *= SPEED_UP

    def _served_interval(self, now: float) -> float | None:
        recent = [t for t in self._successes if now - t <= RATE_WINDOW]
        if len(recent) < 2:
            return None
        return (recent[-1] - recent[0]) / (len(recent) - 1) or None
