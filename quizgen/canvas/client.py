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

import time
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx

from quizgen.canvas.responses import (
    CanvasError,
    describe,
    display_path,
    is_throttled,
    maybe_applied,
    origin,
    read_json,
    refusal,
    said,
    without_query,
)
from quizgen.errors import ConfigError
from quizgen.retrying import RetryPolicy, parse_retry_after
from quizgen.settings import config_path, load_settings

__all__ = ["CanvasClient", "CanvasError", "normalise_base_url"]

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
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """`transport` replaces the network (an `httpx.MockTransport` in tests); by default
        requests go over real sockets."""
        self.base_url = normalise_base_url(base_url)
        self._token = token
        self.timeout = timeout
        self.policy = RetryPolicy.of(max_attempts, backoff_base, backoff_cap)
        self.max_download_bytes = max_download_bytes
        self._limit = anyio.Semaphore(max(1, max_in_flight))
        self._resume_at = 0.0
        """time.monotonic() before which no request may start: the shared throttling gate."""
        self.throttled = 0
        """How many throttled answers this client has waited out (for reports and tests)."""
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), follow_redirects=False, transport=transport
        )

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

    @property
    def max_attempts(self) -> int:
        return self.policy.max_attempts

    @property
    def backoff_base(self) -> float:
        return self.policy.base

    @property
    def backoff_cap(self) -> float:
        return self.policy.cap

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
        return read_json(response, "GET", path)

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
            page = read_json(response, "GET", path)
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
        # 204 No Content (a reorder) has no body to read.
        return read_json(response, "POST", path) if response.content else None

    async def put_json(self, path: str, body: Any) -> Any:
        response = await self._request("PUT", path, json_body=body)
        return read_json(response, "PUT", path)

    async def delete(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = await self._request("DELETE", path, params=params)
        return read_json(response, "DELETE", path) if response.content else None

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
        shown = f"{method} {without_query(path) if download else display_path(path)}"
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
                problem = f"cannot reach Canvas ({describe(exc)})"
            except httpx.TimeoutException as exc:
                if method not in _IDEMPOTENT:
                    raise maybe_applied(shown, f"no answer within {self.timeout:g} s") from None
                problem = f"no answer within {self.timeout:g} s ({describe(exc)})"
            except httpx.TransportError as exc:
                if method not in _IDEMPOTENT:
                    failed = f"the connection failed after sending ({describe(exc)})"
                    raise maybe_applied(shown, failed) from None
                problem = f"the connection failed ({describe(exc)})"
            else:
                if response.is_success:
                    return response
                if is_throttled(response):
                    self.throttled += 1
                    problem = "Canvas kept throttling the requests (rate limit)"
                    self._close_gate(self._throttle_delay(response, attempt))
                    continue
                if response.status_code >= 500:
                    problem = f"Canvas failed with {response.status_code}{said(response)}"
                    if method not in _IDEMPOTENT:
                        raise maybe_applied(shown, problem, status=response.status_code)
                else:
                    raise refusal(response, shown)
            if self.policy.may_retry(attempt):
                await anyio.sleep(self.policy.backoff(attempt))
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
        shown = without_query(url)
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
            if origin(path) != origin(self.base_url):
                raise CanvasError(
                    f"refusing to send the Canvas token to {origin(path)}: it is not "
                    f"{origin(self.base_url)}"
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

    def _throttle_delay(self, response: httpx.Response, attempt: int) -> float:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return self.policy.throttled_wait(retry_after, attempt)


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
