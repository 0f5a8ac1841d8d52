"""Who may drive the review page: the per-run token, the CSRF value, Host and Origin.

The server listens on 127.0.0.1, but that alone does not keep out another local user, nor a
web page open in the same browser (it can send requests to localhost, and a DNS-rebinding page
can even read the answers). So every request must carry the run's random token, in the URL the
command printed (once; it is then moved into a cookie) or in that cookie; every POST must also
carry the CSRF value the page's forms hold and come from the page's own origin; and the Host
header must name the loopback address the server listens on. A refused request changes nothing
and gets a bare 403.

Every answer carries a Content-Security-Policy without inline script, so even a question whose
text slipped through escaping could not run code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_PARAMETER = "token"
CSRF_FIELD = "csrf"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Guard:
    """The secrets of one server run and the hosts it answers to."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    hosts: frozenset[str] = frozenset({"127.0.0.1", "localhost"})
    """Host header values accepted, with or without a port (`127.0.0.1:8123`)."""

    @property
    def cookie_name(self) -> str:
        """Per run: two servers on one machine (different ports, same cookie jar) never
        overwrite each other's cookie."""
        return "quizgen_" + hashlib.sha256(self.token.encode()).hexdigest()[:12]

    @property
    def csrf(self) -> str:
        """Derived from the token, so nothing more needs keeping; never equal to it."""
        return hmac.new(self.token.encode(), b"csrf", hashlib.sha256).hexdigest()

    def token_ok(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode(), self.token.encode())

    def csrf_ok(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode(), self.csrf.encode())

    def host_ok(self, host: str | None) -> bool:
        if not host:
            return False
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        return host in self.hosts or name in self.hosts

    def origin_ok(self, origin: str | None, host: str | None) -> bool:
        """A POST's Origin must be this server's own (`http://<Host>`)."""
        return origin is not None and host is not None and origin == f"http://{host}"


async def _refuse(send: Send, reason: str) -> None:
    body = f"403 Forbidden: {reason}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _cookie(headers: Headers, name: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def _without_token(query: str) -> str:
    return urlencode([(k, v) for k, v in parse_qsl(query) if k != TOKEN_PARAMETER])


class GuardMiddleware:
    """ASGI middleware: refuse what the guard does not allow; add the security headers.

    The CSRF field of a form POST is checked by the route that reads the form (the body is
    read once); this layer checks token, Host and Origin for every request.
    """

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        guard = self.guard
        headers = Headers(scope=scope)
        host = headers.get("host")
        if not guard.host_ok(host):
            await _refuse(send, "unexpected Host header")
            return
        query = scope.get("query_string", b"").decode("latin-1")
        in_url = dict(parse_qsl(query)).get(TOKEN_PARAMETER)
        cookie = _cookie(headers, guard.cookie_name)
        if not (guard.token_ok(cookie) or guard.token_ok(in_url)):
            await _refuse(send, "this page needs the link quizgen printed (with its token)")
            return
        method = scope["method"]
        if method not in SAFE_METHODS and not guard.origin_ok(headers.get("origin"), host):
            await _refuse(send, "the request did not come from this page")
            return
        if in_url is not None and method in SAFE_METHODS:
            await _move_token_to_cookie(scope, send, guard, query)
            return
        await self.app(scope, receive, _with_headers(send))


async def _move_token_to_cookie(scope: Scope, send: Send, guard: Guard, query: str) -> None:
    """Answer the printed link with the cookie and a redirect to the same page without the
    token, so it stays out of the history, bookmarks and screenshots."""
    rest = _without_token(query)
    location = scope.get("path", "/") + (f"?{rest}" if rest else "")
    cookie = f"{guard.cookie_name}={guard.token}; Path=/; HttpOnly; SameSite=Strict".encode(
        "latin-1"
    )
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode("latin-1")),
                (b"set-cookie", cookie),
                (b"content-length", b"0"),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra: Iterable[tuple[bytes, bytes]] = (
                h for h in SECURITY_HEADERS if h[0] not in present
            )
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return wrapped
