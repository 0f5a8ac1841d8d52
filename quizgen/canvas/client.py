"""An async Canvas REST client: auth, pagination, throttling, retries and errors in one place.

Everything quizgen asks of Canvas (reading modules, pages and files; publishing quizzes) goes
through `CanvasClient`, so the rules below hold everywhere:

- Throttling — Canvas answers 403 "Rate Limit Exceeded" (or `X-Rate-Limit-Remaining: 0`, or
  429 with `Retry-After` on some deployments) when the token's bucket is empty. The client then
  closes a gate shared by all its requests, waits (Retry-After, else exponential backoff with
  jitter) and tries again, up to `max_attempts` times. A throttled request was not applied, so
  this holds for POST too.
- 5xx and timeouts are retried with backoff for GET, PUT and DELETE (they are idempotent). A
  POST is retried only when it provably never reached Canvas (connection refused, connect
  timeout); after a 5xx or a read timeout it may have been applied, so the client raises a
  `CanvasError` with `maybe_applied=True` and lets the caller look before re-creating.
- 401/403/404 are `CanvasError`s with one-line messages and exit code 2: retrying cannot help,
  the user must change a token, a permission or an id.
- The token is sent only to the configured Canvas origin (pagination links elsewhere are
  refused; file downloads carry no auth header) and never appears in a message or a repr.
"""

from __future__ import annotations

import json
import math
import random
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx

from quizgen.errors import ConfigError, RemoteError
from quizgen.settings import config_path, load_settings

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 6
DEFAULT_BACKOFF_BASE = 1.0
DEFAULT_BACKOFF_CAP = 60.0
DEFAULT_MAX_IN_FLIGHT = 4
DEFAULT_MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024
PER_PAGE = 100
"""What `get_paginated` asks for; Canvas caps page sizes (commonly at 100)."""
MAX_PAGES = 1000
"""A bound on any one pagination walk (100,000 items at 100 a page)."""

# Requests that never reached the server: safe to repeat whatever the method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})


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


class CanvasClient:
    """One Canvas instance and one token; use as `async with CanvasClient(...) as canvas:`.

    Paths are API paths such as `/api/v1/courses` or `/api/quiz/v1/courses/1/quizzes`; a full
    URL on the same origin is accepted too (Canvas's pagination links are full URLs).
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff_base: float = DEFAULT_BACKOFF_BASE,
        backoff_cap: float = DEFAULT_BACKOFF_CAP,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self._token = token
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_download_bytes = max_download_bytes
        self._limit = anyio.Semaphore(max(1, max_in_flight))
        self._resume_at = 0.0
        """time.monotonic() before which no request may start: the shared throttling gate."""
        self.throttled = 0
        """How many throttled answers this client has waited out (for reports and tests)."""
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout), follow_redirects=False)

    @classmethod
    def from_settings(cls, **knobs: Any) -> CanvasClient:
        """A client for the configured Canvas: `CANVAS_BASE_URL` / `CANVAS_API_TOKEN`, or
        `[canvas] base_url` / `token` in the config file. Optional tuning, same two ways:
        `CANVAS_TIMEOUT` / `timeout`, `CANVAS_MAX_ATTEMPTS` / `max_attempts`,
        `CANVAS_BACKOFF_BASE` / `backoff_base`, `CANVAS_BACKOFF_CAP` / `backoff_cap`,
        `CANVAS_MAX_IN_FLIGHT` / `max_in_flight`. Keyword `knobs` win over both.
        """
        settings = load_settings().canvas
        base_url = settings.base_url
        token = settings.token.get_secret_value() if settings.token is not None else None
        missing = [
            name
            for name, value in (("CANVAS_BASE_URL", base_url), ("CANVAS_API_TOKEN", token))
            if not value
        ]
        if missing or base_url is None or token is None:
            raise ConfigError(
                f"Canvas is not configured: set {' and '.join(missing)} in the environment, or "
                f"base_url and token under [canvas] in {config_path()} (make a token in Canvas "
                "under Account → Settings → New Access Token)"
            )
        tuning = settings.tuning()
        return cls(base_url, token, **{**tuning, **knobs})

    def __repr__(self) -> str:
        return f"CanvasClient({self.base_url!r})"

    async def __aenter__(self) -> CanvasClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- the API -----------------------------------------------------------------------------

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = await self._request("GET", path, params=params)
        return _json(response, "GET", path)

    async def get_paginated(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        """Every item of a list endpoint, following `Link: <…>; rel="next"` until it is absent."""
        items: list[Any] = []
        url: str | None = path
        query: dict[str, Any] | None = {"per_page": PER_PAGE, **(params or {})}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            if url is None:
                return items
            response = await self._request("GET", url, params=query)
            page = _json(response, "GET", path)
            if not isinstance(page, list):
                raise CanvasError(
                    f"Canvas answered GET {path} with {type(page).__name__}, not a list"
                )
            items.extend(page)
            seen.add(str(response.request.url))
            url = response.links.get("next", {}).get("url")
            query = None  # the next link carries the query already
            if url is not None and url in seen:
                raise CanvasError(f"Canvas's pagination of GET {path} loops back to a page it gave")
        raise CanvasError(f"GET {path}: more than {MAX_PAGES} pages; stopped")

    async def post_json(self, path: str, body: Any) -> Any:
        response = await self._request("POST", path, json_body=body)
        return _json(response, "POST", path)

    async def put_json(self, path: str, body: Any) -> Any:
        response = await self._request("PUT", path, json_body=body)
        return _json(response, "PUT", path)

    async def delete(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = await self._request("DELETE", path, params=params)
        return _json(response, "DELETE", path) if response.content else None

    async def download(self, url: str) -> bytes:
        """The bytes behind a file's pre-signed `url` (from file metadata).

        Sent without the auth header (the URL carries its own signature, and storage services
        refuse a second credential), following redirects, refusing more than
        `max_download_bytes`. Retried like any GET.
        """
        if not url.startswith(("http://", "https://")):
            url = self.base_url + "/" + url.lstrip("/")
        response = await self._request("GET", url, authorised=False, download=True)
        return response.content

    # --- one request, retried ----------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        authorised: bool = True,
        download: bool = False,
    ) -> httpx.Response:
        url = self._url(path) if authorised else path
        shown = f"{method} {_without_query(path) if download else _display_path(path)}"
        headers = {"Accept": "application/json"}
        if authorised:
            headers["Authorization"] = f"Bearer {self._token}"
        problem = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                async with self._limit:
                    await self._wait_for_gate()
                    response = await self._send(
                        method, url, params, json_body, headers, download=download
                    )
            except _NOT_SENT as exc:
                problem = f"cannot reach Canvas ({_describe(exc)})"
            except httpx.TimeoutException as exc:
                if method not in _IDEMPOTENT:
                    raise CanvasError(
                        f"{shown}: no answer within {self.timeout:g} s; the request may have "
                        "been applied, check Canvas before trying again",
                        maybe_applied=True,
                    ) from None
                problem = f"no answer within {self.timeout:g} s ({_describe(exc)})"
            except httpx.TransportError as exc:
                if method not in _IDEMPOTENT:
                    raise CanvasError(
                        f"{shown}: the connection failed after sending ({_describe(exc)}); the "
                        "request may have been applied, check Canvas before trying again",
                        maybe_applied=True,
                    ) from None
                problem = f"the connection failed ({_describe(exc)})"
            else:
                if response.is_success:
                    return response
                if _is_throttled(response):
                    self.throttled += 1
                    problem = "Canvas kept throttling the requests (rate limit)"
                    self._close_gate(self._throttle_delay(response, attempt))
                    continue
                if response.status_code >= 500:
                    if method not in _IDEMPOTENT:
                        raise CanvasError(
                            f"{shown}: Canvas failed with {response.status_code}"
                            f"{_said(response)}; the request may have been applied, check "
                            "Canvas before trying again",
                            status=response.status_code,
                            maybe_applied=True,
                        )
                    problem = f"Canvas failed with {response.status_code}{_said(response)}"
                else:
                    raise _refusal(response, shown)
            if attempt < self.max_attempts:
                await anyio.sleep(self._backoff(attempt))
        raise CanvasError(f"{shown}: {problem}; gave up after {self.max_attempts} attempts")

    async def _send(
        self,
        method: str,
        url: str,
        params: dict[str, Any] | None,
        json_body: Any,
        headers: dict[str, str],
        *,
        download: bool,
    ) -> httpx.Response:
        if not download:
            return await self._http.request(
                method, url, params=params, json=json_body, headers=headers
            )
        shown = _without_query(url)
        request = self._http.build_request(method, url, headers=headers)
        response = await self._http.send(request, stream=True, follow_redirects=True)
        try:
            if not response.is_success:
                await response.aread()
                return response
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit():
                self._check_size(int(declared), shown)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                self._check_size(size, shown)
                chunks.append(chunk)
        finally:
            await response.aclose()
        return httpx.Response(
            response.status_code,
            headers={"Content-Type": response.headers.get("Content-Type", "")},
            content=b"".join(chunks),
            request=response.request,
        )

    def _check_size(self, size: int, shown: str) -> None:
        if size > self.max_download_bytes:
            raise CanvasError(
                f"{shown}: the file is larger than {self.max_download_bytes:,} bytes; not "
                "downloaded"
            )

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            if _origin(path) != _origin(self.base_url):
                raise CanvasError(
                    f"refusing to send the Canvas token to {_origin(path)}: it is not "
                    f"{_origin(self.base_url)}"
                )
            return path
        return self.base_url + "/" + path.lstrip("/")

    # --- waiting ---------------------------------------------------------------------------

    async def _wait_for_gate(self) -> None:
        while (wait := self._resume_at - time.monotonic()) > 0:
            await anyio.sleep(wait)

    def _close_gate(self, delay: float) -> None:
        """Make every request of this client wait `delay` seconds from now."""
        self._resume_at = max(self._resume_at, time.monotonic() + delay)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half fixed, half random, capped."""
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return delay / 2 + random.uniform(0, delay / 2)

    def _throttle_delay(self, response: httpx.Response, attempt: int) -> float:
        retry_after = _retry_after(response)
        if retry_after is not None:
            return min(self.backoff_cap, retry_after) + random.uniform(0, self.backoff_base / 4)
        return self._backoff(attempt)


# --- pure helpers -------------------------------------------------------------------------


def normalise_base_url(base_url: str) -> str:
    """`https://canvas.example.edu` from what a user may paste (trailing `/`, `/api/v1`)."""
    value = base_url.strip().rstrip("/")
    for suffix in ("/api/v1", "/api"):
        value = value.removesuffix(suffix)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"CANVAS_BASE_URL must be an http(s) address such as https://canvas.example.edu "
            f"(got {base_url!r})"
        )
    return value


def _is_throttled(response: httpx.Response) -> bool:
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


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: rare from Canvas; fall back to backoff
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _refusal(response: httpx.Response, shown: str) -> CanvasError:
    status = response.status_code
    said = _said(response)
    if status == 401:
        message = (
            "Canvas rejected the token (401): it is wrong or expired; make a new one under "
            "Account → Settings"
        )
    elif status == 403:
        message = f"not allowed: {shown}{said}; the token's user lacks the permission"
    elif status == 404:
        message = f"not found: {shown}{said}"
    else:
        message = f"{shown}: Canvas refused it with {status}{said}"
    return CanvasError(message, status=status, exit_code=2)


def _said(response: httpx.Response) -> str:
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
            messages += [
                str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors
            ]
        elif isinstance(errors, dict):
            messages += [f"{key}: {value}" for key, value in errors.items()]
        elif isinstance(errors, str):
            messages.append(errors)
        if isinstance(body.get("message"), str):
            messages.append(body["message"])
    text = " ".join("; ".join(messages).split())[:200]
    return f" (Canvas said: {text})" if text else ""


def _json(response: httpx.Response, method: str, path: str) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CanvasError(
            f"{method} {_display_path(path)}: Canvas answered {response.status_code} with "
            "something that is not JSON; is CANVAS_BASE_URL the Canvas address?",
            status=response.status_code,
        ) from None


def _display_path(path: str) -> str:
    """The path a message shows: no origin (it is the configured one), query kept."""
    parts = urlsplit(path)
    shown = parts.path or "/"
    return f"{shown}?{parts.query}" if parts.query else shown


def _without_query(url: str) -> str:
    """A URL without its query: pre-signed download URLs carry their signature there."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _describe(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
