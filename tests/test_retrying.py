"""The one backoff / Retry-After / attempts helper both HTTP clients use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from quizgen.errors import one_line
from quizgen.retrying import RetryPolicy, backoff_delay, parse_retry_after, retry_after_seconds

NOW = datetime(2026, 12, 7, 9, 0, 0, tzinfo=UTC)


def lowest(low: float, high: float) -> float:
    return low


def highest(low: float, high: float) -> float:
    return high


def test_backoff_doubles_from_the_base_and_half_of_it_is_jitter() -> None:
    assert [backoff_delay(n, base=1.0, cap=60.0, uniform=lowest) for n in (1, 2, 3, 4)] == [
        0.5,
        1.0,
        2.0,
        4.0,
    ]
    assert [backoff_delay(n, base=1.0, cap=60.0, uniform=highest) for n in (1, 2, 3, 4)] == [
        1.0,
        2.0,
        4.0,
        8.0,
    ]


def test_backoff_is_capped_even_after_very_many_attempts() -> None:
    assert backoff_delay(7, base=1.0, cap=30.0, uniform=highest) == 30.0
    assert 15.0 <= backoff_delay(5000, base=1.0, cap=30.0) <= 30.0  # no float overflow
    assert backoff_delay(3, base=0.0, cap=30.0) == 0.0


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("0") == 0.0


def test_retry_after_as_an_http_date_counts_from_now() -> None:
    assert parse_retry_after("Mon, 07 Dec 2026 09:00:30 GMT", now=NOW) == 30.0
    assert parse_retry_after("Mon, 07 Dec 2026 09:02:00 -0000", now=NOW) == 120.0


@pytest.mark.parametrize(
    "value",
    ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"],
)
def test_retry_after_reads_the_three_date_forms_rfc_9110_names(value: str) -> None:
    """RFC 9110 §5.6.7's own examples: IMF-fixdate, and the obsolete RFC 850 and asctime forms
    a recipient must still accept (asctime names no zone: it is UTC)."""
    assert parse_retry_after(value, now=datetime(1994, 11, 6, 8, 49, 0, tzinfo=UTC)) == 37.0


def test_retry_after_reads_rfc_9110s_own_examples() -> None:
    """§10.2.3: 'Retry-After: Fri, 31 Dec 1999 23:59:59 GMT' and 'Retry-After: 120'."""
    assert parse_retry_after("120") == 120.0
    before = datetime(1999, 12, 31, 23, 58, 59, tzinfo=UTC)
    assert parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", now=before) == 60.0


def test_retry_after_as_a_past_date_says_nothing_usable() -> None:
    """Clocks disagree: the caller's own backoff is a better guess than 'now'."""
    assert parse_retry_after("Mon, 07 Dec 2026 08:59:00 GMT", now=NOW) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None


@pytest.mark.parametrize("value", [None, "", "soon", "-1", "inf", "nan", "Mon, 99 Foo 2026", "1 2"])
def test_retry_after_garbage_is_none(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) is None


def test_retry_after_headers_prefer_openais_milliseconds() -> None:
    headers = httpx.Headers({"Retry-After-Ms": "250", "Retry-After": "3"})
    assert retry_after_seconds(headers) == 0.25
    assert retry_after_seconds(httpx.Headers({"Retry-After-Ms": "x", "Retry-After": "3"})) == 3.0
    assert retry_after_seconds(httpx.Headers({"retry-after-ms": "-5"})) is None
    assert retry_after_seconds(httpx.Headers({})) is None
    assert retry_after_seconds(None) is None


def test_policy_counts_tries_and_never_fewer_than_one() -> None:
    policy = RetryPolicy.of(3, 1.0, 60.0)
    assert [policy.may_retry(n) for n in (1, 2, 3)] == [True, True, False]
    assert RetryPolicy.of(0, -1.0, 5.0) == RetryPolicy(1, 0.0, 5.0)
    assert not RetryPolicy.of(0, 1.0, 5.0).may_retry(1)


def test_a_told_wait_is_believed_but_capped_with_a_little_jitter() -> None:
    policy = RetryPolicy.of(6, 1.0, 10.0)
    assert policy.throttled_wait(7.0, 1, uniform=lowest) == 7.0
    assert policy.throttled_wait(7.0, 1, uniform=highest) == 7.25
    assert policy.throttled_wait(3600.0, 1, uniform=lowest) == 10.0  # capped
    assert policy.throttled_wait(None, 3, uniform=highest) == 4.0  # nothing said: the backoff


def test_one_line_masks_the_key_and_anything_like_one() -> None:
    text = "bad key sk-secret-123456789\n and  sk-proj-abcdefghij " + "x" * 400
    line = one_line(text, secret="sk-secret-123456789")
    assert "secret-1234" not in line and "abcdefghij" not in line
    assert "\n" not in line and len(line) == 300 and line.endswith("...")


def test_openais_retry_after_may_be_an_http_date_too() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=40), usegmt=True)
    assert 38 <= (retry_after_seconds(httpx.Headers({"Retry-After": later})) or 0) <= 40
