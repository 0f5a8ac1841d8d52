"""The Batch API's file formats, as pure functions: request lines in, result lines out.

Input: one JSON object per line, `{"custom_id", "method": "POST", "url", "body"}`, where the
body is exactly what a synchronous Chat Completions call would send. One file holds at most
50,000 requests and 200 MB (OpenAI's limits per batch); `split` keeps every job within both.

Output and error files: one line per request, `{"id", "custom_id", "response", "error"}`, in
no particular order. `response` is `{"status_code", "request_id", "body"}` when the request ran
(a 200 goes to the output file, any other status to the error file); `error` is
`{"code", "message"}` when it did not run (`batch_expired`, `batch_cancelled`, …).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

ENDPOINT = "/v1/chat/completions"
MAX_REQUESTS = 50_000
MAX_BYTES = 200_000_000
"""OpenAI's limits for one batch input file (200 MB read as the smaller, decimal figure)."""
TRANSIENT_CODES = frozenset({"batch_expired", "batch_cancelled", "request_timeout"})
TRANSIENT_STATUSES = frozenset({408, 409, 429})


class OversizeRequestError(ValueError):
    """One request alone is larger than a whole input file may be."""


def request_line(custom_id: str, body: dict[str, Any]) -> bytes:
    line = {"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body}
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def estimated_tokens(size: int) -> int:
    """Input tokens of `size` bytes of request lines, over-estimated: characters ÷ 4 (OpenAI's
    rule of thumb), counting the JSON around the messages too."""
    return size // 4 + 1


def split(
    lines: list[tuple[str, bytes]],
    *,
    max_requests: int = MAX_REQUESTS,
    max_bytes: int = MAX_BYTES,
    max_tokens: int | None = None,
) -> list[list[tuple[str, bytes]]]:
    """Consecutive groups of (custom_id, line), each within every limit, in input order."""
    groups: list[list[tuple[str, bytes]]] = []
    size = 0
    for custom_id, line in lines:
        if len(line) > max_bytes or (
            max_tokens is not None and estimated_tokens(len(line)) > max_tokens
        ):
            raise OversizeRequestError(
                f"request {custom_id} is {len(line):,} bytes, more than one Batch API job may "
                f"hold ({max_bytes:,} bytes"
                + (f", {max_tokens:,} queued tokens)" if max_tokens is not None else ")")
            )
        full = max_tokens is not None and estimated_tokens(size + len(line)) > max_tokens
        if not groups or len(groups[-1]) >= max_requests or size + len(line) > max_bytes or full:
            groups.append([])
            size = 0
        groups[-1].append((custom_id, line))
        size += len(line)
    return groups


@dataclass(frozen=True)
class Result:
    """What became of one request: a response body (status 200), or an error."""

    custom_id: str
    status_code: int | None
    body: dict[str, Any] | None
    error_code: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code == 200 and isinstance(self.body, dict)

    @property
    def transient(self) -> bool:
        """Sending the same request again may succeed: it did not run, or failed server-side."""
        if self.error_code in TRANSIENT_CODES:
            return True
        code = self.status_code
        return code is None or code >= 500 or code in TRANSIENT_STATUSES

    def describe(self) -> str:
        what = f"HTTP {self.status_code}" if self.status_code else (self.error_code or "error")
        return f"{what}: {self.message}" if self.message else what


def parse_results(text: str, source: str) -> tuple[dict[str, Result], list[str]]:
    """The results in one output or error file, and a one-line problem per unusable line.

    A line that cannot be read is reported and skipped: the request it belonged to then has no
    result, and is sent again like any unfinished request."""
    results: dict[str, Result] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"{source} line {number}: not valid JSON ({exc.msg})")
            continue
        custom_id = line.get("custom_id") if isinstance(line, dict) else None
        if not isinstance(custom_id, str) or not custom_id:
            problems.append(f"{source} line {number}: no custom_id")
            continue
        result = _result(custom_id, line)
        if result is None:
            problems.append(f"{source} line {number}: neither a response nor an error")
            continue
        results[custom_id] = result
    return results, problems


def _result(custom_id: str, line: dict[str, Any]) -> Result | None:
    response = line.get("response")
    error = line.get("error")
    if isinstance(response, dict) and isinstance(response.get("status_code"), int):
        body = response.get("body")
        status = response["status_code"]
        message = ""
        if status != 200 and isinstance(body, dict) and isinstance(body.get("error"), dict):
            message = str(body["error"].get("message") or "")
        return Result(custom_id, status, body if isinstance(body, dict) else None, None, message)
    if isinstance(error, dict):
        return Result(
            custom_id, None, None, str(error.get("code") or "error"), str(error.get("message", ""))
        )
    return None
