"""How long to wait between tries of one HTTP request, and how many tries to make: pure.

Both HTTP clients (`quizgen.canvas.client`, `quizgen.llm.openai`) retry a failed request with
the same rules, so the rules live here once:

- Backoff: exponential from `base`, capped at `cap`, half of it fixed and half random (jitter),
  so many callers failing together do not come back together, yet none retries at once.
- Retry-After: a server that says when to come back (429, Canvas's throttling) is believed. It
  may say it in seconds or as an HTTP date (RFC 9110 §10.2.3); anything else, negative, not
  finite, or a date already past (the clocks disagree, so it says nothing usable) is None and
  the caller falls back to its backoff.
- Attempts: `max_attempts` tries in all, at least one.

Each client keeps its own loop, because what it retries differs: Canvas must not repeat a POST
that may have been applied and shares one throttling gate among its requests; the OpenAI
adapter pauses a whole run through `RateGate`, counts 429 waits apart from failures and may
resend in another response-format mode without counting a try. Why not `stamina` or
`tenacity`: they retry on exception types with one wait rule, and fitting these loops to them
would take more code than the few lines below, plus a dependency and a different jitter.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

Uniform = Callable[[float, float], float]
"""`random.uniform`'s shape; tests pass their own to pin the jitter."""

_MAX_EXPONENT = 1000
"""2**1000 times any sane base is past any cap; a larger exponent would overflow a float."""


def backoff_delay(
    attempt: int, *, base: float, cap: float, uniform: Uniform = random.uniform
) -> float:
    """Seconds to wait after failed try `attempt` (1, 2, …): `base`·2^(attempt-1), capped at
    `cap`, then half of it fixed and half random."""
    ceiling = min(cap, base * 2 ** min(max(attempt, 1) - 1, _MAX_EXPONENT))
    return ceiling / 2 + uniform(0, ceiling / 2)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value (seconds or an HTTP date); None when it is
    absent or says nothing usable (see the module docstring)."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until(text, now or datetime.now(UTC))
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The wait a response asks for: OpenAI's precise `retry-after-ms` first, else the standard
    `Retry-After`; None if neither says anything usable. `headers` is case-insensitive when
    it is an httpx `Headers`; a plain dict needs lower-case names."""
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            milliseconds = float(raw_ms)
        except ValueError:
            milliseconds = math.nan
        if math.isfinite(milliseconds) and milliseconds >= 0:
            return milliseconds / 1000
    return parse_retry_after(headers.get("retry-after"))


def _seconds_until(text: str, now: datetime) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # "-0000": UTC by RFC 5322
    seconds = (when - now).total_seconds()
    return seconds if seconds >= 0 else None


@dataclass(frozen=True)
class RetryPolicy:
    """The tries of one request: at most `max_attempts`, waiting `backoff(n)` after try n."""

    max_attempts: int
    base: float
    cap: float

    @classmethod
    def of(cls, max_attempts: int, base: float, cap: float) -> RetryPolicy:
        """A policy from user settings: at least one try, no negative wait."""
        return cls(max(1, max_attempts), max(0.0, base), max(0.0, cap))

    def may_retry(self, attempt: int) -> bool:
        """Whether another try follows failed try `attempt` (1, 2, …)."""
        return attempt < self.max_attempts

    def backoff(self, attempt: int, uniform: Uniform = random.uniform) -> float:
        return backoff_delay(attempt, base=self.base, cap=self.cap, uniform=uniform)

    def throttled_wait(
        self, retry_after: float | None, attempt: int, uniform: Uniform = random.uniform
    ) -> float:
        """The wait after a throttled try: the server's `retry_after` capped at `cap`, plus a
        little jitter (up to base/4) so the callers it released do not all start at once;
        the backoff when the server said nothing usable."""
        if retry_after is None:
            return self.backoff(attempt, uniform)
        return min(self.cap, retry_after) + uniform(0, self.base / 4)
