"""What Canvas's responses mean: throttling, refusals in one line, JSON or not; pure.

`CanvasClient` sends and retries; this module reads what came back and words the errors, so a
message about Canvas is written in one place. A refusal (401/403/404, other 4xx) carries exit
code 2: the user must change a token, a permission or an id. Canvas's own words are quoted
from its error body (`errors` as a list, a dict or a string, or `message`), never HTML.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from quizgen.errors import RemoteError


class CanvasError(RemoteError):
    """A Canvas request failed for good. `status` is the HTTP status (None: no answer).

    `maybe_applied` is True when a POST may have taken effect although no answer came back
    (5xx or timeout after sending): the caller should look before creating it again.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        maybe_applied: bool = False,
        exit_code: int = 1,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.maybe_applied = maybe_applied
        self.exit_code = exit_code


def is_throttled(response: httpx.Response) -> bool:
    """Canvas's empty token bucket: 429, or 403 with `X-Rate-Limit-Remaining: 0` or "Rate
    Limit Exceeded" in the body (a 403 without them is a real refusal)."""
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    remaining = response.headers.get("X-Rate-Limit-Remaining")
    if remaining is not None:
        try:
            if float(remaining) <= 0:
                return True
        except ValueError:
            pass
    return "rate limit exceeded" in response.text.lower()


def maybe_applied(shown: str, what: str, *, status: int | None = None) -> CanvasError:
    """A POST that failed after it was sent (`what` happened): it may have taken effect, so
    the caller must look before creating it again, not retry blindly."""
    return CanvasError(
        f"{shown}: {what}; the request may have been applied, check Canvas before trying again",
        status=status,
        maybe_applied=True,
    )


def refusal(response: httpx.Response, shown: str) -> CanvasError:
    status = response.status_code
    quoted = said(response)
    if status == 401:
        message = (
            "Canvas rejected the token (401): it is wrong or expired; make a new one under "
            "Account → Settings"
        )
    elif status == 403:
        message = f"not allowed: {shown}{quoted}; the token's user lacks the permission"
    elif status == 404:
        message = f"not found: {shown}{quoted}"
    else:
        message = f"{shown}: Canvas refused it with {status}{quoted}"
    return CanvasError(message, status=status, exit_code=2)


def said(response: httpx.Response) -> str:
    """Canvas's own words from an error body, as ` (Canvas said: …)`, or nothing."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        text = " ".join(response.text.split())[:200]
        return f" (Canvas said: {text})" if text and "<" not in text else ""
    messages: list[str] = []
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list):
            messages += [_message(e) for e in errors]
        elif isinstance(errors, dict):
            # A model's validation errors: {field: [{"attribute", "type", "message"}, …]}.
            messages += [
                f"{key}: {', '.join(_message(v) for v in value)}"
                if isinstance(value, list)
                else f"{key}: {_message(value)}"
                for key, value in errors.items()
            ]
        elif isinstance(errors, str):
            messages.append(errors)
        if isinstance(body.get("message"), str):
            messages.append(body["message"])
    text = " ".join("; ".join(messages).split())[:200]
    return f" (Canvas said: {text})" if text else ""


def _message(error: Any) -> str:
    """One error entry's words: its `message` when it is an object, else the entry itself."""
    return str(error.get("message", error)) if isinstance(error, dict) else str(error)


def read_json(response: httpx.Response, method: str, path: str) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CanvasError(
            f"{method} {display_path(path)}: Canvas answered {response.status_code} with "
            "something that is not JSON; is CANVAS_BASE_URL the Canvas address?",
            status=response.status_code,
        ) from None


def display_path(path: str) -> str:
    """The path a message shows: no origin (it is the configured one), query kept."""
    parts = urlsplit(path)
    shown = parts.path or "/"
    return f"{shown}?{parts.query}" if parts.query else shown


def without_query(url: str) -> str:
    """A URL without its query: pre-signed download URLs carry their signature there."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def describe(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
