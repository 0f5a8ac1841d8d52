"""A fake Canvas LMS: a real HTTP server on 127.0.0.1 that answers like Canvas does.

It speaks the REST endpoints quizgen uses to read course content — courses, modules, module
items, pages, files and their pre-signed downloads — with Canvas's bearer-token check, its
`Link`-header pagination (`per_page`, default 10, capped by `max_per_page`) and its error
bodies. Faults are injected per request (`add_fault`, or the helpers `rate_limit_burst`,
`too_many_requests`, `fail_request`, `slow_request`), and every request is logged.

To add endpoints (New Quizzes, Classic Quizzes, ...): write a method `(self, request, match)`
returning a `Reply`, and add `route("POST", r"/api/quiz/v1/courses/(\\d+)/quizzes", method)` to
`FakeCanvas.routes` in a subclass or by appending to `self.routes`; keep state in plain dicts.
`paginate(request, items)` gives any list endpoint Canvas's paging.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}


@dataclass
class Request:
    """One request as the server saw it (the log keeps these, in arrival order)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    number: int
    """1-based arrival order over the server's lifetime."""

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def authorised(self) -> bool:
        return "authorization" in self.headers


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    """JSON-encoded unless `bytes` or `str` (sent as they are)."""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    """Replace (or delay) matching requests: the first `skip` matches pass, then `times` hit."""

    reply: Reply | None = None
    delay: float = 0.0
    """Seconds to sleep before answering (then `reply`, or the normal answer if None)."""
    times: int = 1
    skip: int = 0
    method: str | None = None
    path: str | None = None
    """A regex searched in the request path; None matches every path."""
    hits: int = 0

    def matches(self, request: Request) -> bool:
        if self.method and request.method != self.method:
            return False
        return not (self.path and not re.search(self.path, request.path))


Handler = Callable[[Request, "re.Match[str]"], Reply]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    authorised: bool = True
    """False for URLs that carry their own signature (file downloads)."""


def route(method: str, pattern: str, handler: Handler, *, authorised: bool = True) -> Route:
    return Route(method, re.compile(pattern + r"/?\Z"), handler, authorised)


class FakeCanvas:
    """Canvas state in plain dicts, a route table, faults and a request log."""

    def __init__(self, token: str = "fake-token-123", *, max_per_page: int = 100) -> None:
        self.token = token
        self.max_per_page = max_per_page
        self.courses: dict[int, dict[str, Any]] = {}
        self.modules: dict[int, list[dict[str, Any]]] = {}
        """course id → modules (each with an `items` list)."""
        self.pages: dict[tuple[int, str], dict[str, Any]] = {}
        self.files: dict[int, dict[str, Any]] = {}
        """file id → metadata (+ `course_id`); bytes in `file_data`."""
        self.file_data: dict[int, bytes] = {}
        self.faults: list[Fault] = []
        self.log: list[Request] = []
        self._lock = threading.Lock()
        self._next_id = 1000
        self.base_url = ""
        self.routes: list[Route] = [
            route("GET", r"/api/v1/courses", self.list_courses),
            route("GET", r"/api/v1/courses/(\d+)", self.get_course),
            route("GET", r"/api/v1/courses/(\d+)/modules", self.list_modules),
            route("GET", r"/api/v1/courses/(\d+)/modules/(\d+)", self.get_module),
            route("GET", r"/api/v1/courses/(\d+)/modules/(\d+)/items", self.list_items),
            route("GET", r"/api/v1/courses/(\d+)/pages", self.list_pages),
            route("POST", r"/api/v1/courses/(\d+)/pages", self.create_page),
            route("GET", r"/api/v1/courses/(\d+)/pages/([^/]+)", self.get_page),
            route("PUT", r"/api/v1/courses/(\d+)/pages/([^/]+)", self.update_page),
            route("DELETE", r"/api/v1/courses/(\d+)/pages/([^/]+)", self.delete_page),
            route("GET", r"/api/v1/courses/(\d+)/files/(\d+)", self.get_course_file),
            route("GET", r"/api/v1/files/(\d+)", self.get_file),
            route("GET", r"/files/(\d+)/download", self.redirect_download, authorised=False),
            route("GET", r"/storage/(\d+)", self.serve_blob, authorised=False),
        ]

    # --- building a course -------------------------------------------------------------------

    def new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def add_course(self, course_id: int, name: str, *, teacher: bool = True) -> dict[str, Any]:
        course = {
            "id": course_id,
            "name": name,
            "course_code": name[:12].upper().replace(" ", ""),
            "workflow_state": "available",
            "enrollments": [{"type": "teacher" if teacher else "student"}],
        }
        self.courses[course_id] = course
        self.modules.setdefault(course_id, [])
        return course

    def add_module(self, course_id: int, module_id: int, name: str) -> dict[str, Any]:
        modules = self.modules[course_id]
        module = {
            "id": module_id,
            "name": name,
            "position": len(modules) + 1,
            "published": True,
            "items": [],
        }
        modules.append(module)
        return module

    def add_item(
        self, course_id: int, module_id: int, item_type: str, title: str, **extra: Any
    ) -> dict[str, Any]:
        module = self._module(course_id, module_id)
        assert module is not None, f"no module {module_id} in course {course_id}"
        item = {
            "id": self.new_id(),
            "module_id": module_id,
            "position": len(module["items"]) + 1,
            "title": title,
            "indent": 0,
            "type": item_type,
            **extra,
        }
        module["items"].append(item)
        return item

    def add_page(
        self, course_id: int, module_id: int | None, title: str, body: str
    ) -> dict[str, Any]:
        url = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        page = {"page_id": self.new_id(), "url": url, "title": title, "body": body}
        self.pages[(course_id, url)] = page
        if module_id is not None:
            self.add_item(course_id, module_id, "Page", title, page_url=url)
        return page

    def add_file(
        self,
        course_id: int,
        module_id: int | None,
        name: str,
        data: bytes,
        content_type: str,
    ) -> dict[str, Any]:
        file_id = self.new_id()
        self.files[file_id] = {
            "id": file_id,
            "course_id": course_id,
            "display_name": name,
            "filename": name,
            "content-type": content_type,
            "size": len(data),
        }
        self.file_data[file_id] = data
        if module_id is not None:
            self.add_item(course_id, module_id, "File", name, content_id=file_id)
        return self.files[file_id]

    # --- faults --------------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def rate_limit_burst(self, times: int, *, path: str | None = None) -> Fault:
        """Canvas's throttling: 403 "Rate Limit Exceeded" with an empty bucket."""
        return self.add_fault(
            Fault(
                Reply(
                    403,
                    "403 Forbidden (Rate Limit Exceeded)\n",
                    {"X-Rate-Limit-Remaining": "0.0", "X-Request-Cost": "0"},
                ),
                times=times,
                path=path,
            )
        )

    def too_many_requests(self, times: int, retry_after: float = 0) -> Fault:
        return self.add_fault(
            Fault(
                Reply(
                    429,
                    {"errors": [{"message": "Too many requests"}]},
                    {"Retry-After": f"{retry_after:g}"},
                ),
                times=times,
            )
        )

    def fail_request(
        self, nth: int = 1, status: int = 500, *, method: str | None = None, path: str | None = None
    ) -> Fault:
        """Answer the `nth` matching request with `status` (an internal error by default)."""
        body = {"errors": [{"message": "An error occurred."}]}
        return self.add_fault(Fault(Reply(status, body), skip=nth - 1, method=method, path=path))

    def slow_request(
        self,
        seconds: float,
        nth: int = 1,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """Sleep `seconds` before answering the `nth` matching request (then answer normally)."""
        return self.add_fault(
            Fault(delay=seconds, skip=nth - 1, times=times, method=method, path=path)
        )

    def requests(self, method: str | None = None, path: str | None = None) -> list[Request]:
        """The logged requests, optionally only one method and paths matching a regex."""
        return [
            r
            for r in list(self.log)
            if (method is None or r.method == method) and (path is None or re.search(path, r.path))
        ]

    # --- dispatch ----------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        fault = self._take_fault(request)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.reply is not None:
                return fault.reply
        for candidate in self.routes:
            if candidate.method != request.method:
                continue
            match = candidate.pattern.match(request.path)
            if match is None:
                continue
            if candidate.authorised and (denied := self._check_token(request)):
                return denied
            return candidate.handler(request, match)
        if any(r.pattern.match(request.path) for r in self.routes):
            return Reply(405, {"errors": [{"message": "Method not allowed"}]})
        return Reply(404, NOT_FOUND)

    def _take_fault(self, request: Request) -> Fault | None:
        """Count the request against every live matching fault; the first one due fires."""
        fired: Fault | None = None
        with self._lock:
            for fault in self.faults:
                if fault.hits >= fault.skip + fault.times or not fault.matches(request):
                    continue
                fault.hits += 1
                if fault.hits > fault.skip and fired is None:
                    fired = fault
        return fired

    def _check_token(self, request: Request) -> Reply | None:
        header = request.headers.get("authorization", "")
        if not header:
            return Reply(
                401,
                {
                    "status": "unauthenticated",
                    "errors": [{"message": "user authorization required"}],
                },
            )
        if header != f"Bearer {self.token}":
            return Reply(
                401,
                {"errors": [{"message": "Invalid access token."}]},
                {"WWW-Authenticate": 'Bearer realm="canvas-lms"'},
            )
        return None

    # --- endpoints -------------------------------------------------------------------------

    def paginate(self, request: Request, items: list[Any]) -> Reply:
        """Canvas's paging: `page`/`per_page` in, a page and a `Link` header out."""
        per_page = min(self.max_per_page, max(1, int(request.param("per_page", "10") or 10)))
        page = max(1, int(request.param("page", "1") or 1))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]

        def link(number: int, rel: str) -> str:
            query = {k: v[0] for k, v in request.query.items()}
            query.update(page=str(number), per_page=str(per_page))
            return f'<{self.base_url}{request.path}?{urlencode(query)}>; rel="{rel}"'

        links = [link(page, "current")]
        if page < last:
            links.append(link(page + 1, "next"))
        if page > 1:
            links.append(link(page - 1, "prev"))
        links += [link(1, "first"), link(last, "last")]
        return Reply(200, chunk, {"Link": ",".join(links)})

    def list_courses(self, request: Request, match: re.Match[str]) -> Reply:
        wanted = request.param("enrollment_type")
        courses = [
            {k: v for k, v in course.items()}
            for course in self.courses.values()
            if wanted is None or any(e["type"] == wanted for e in course["enrollments"])
        ]
        return self.paginate(request, courses)

    def get_course(self, request: Request, match: re.Match[str]) -> Reply:
        course = self.courses.get(int(match[1]))
        return Reply(200, course) if course else Reply(404, NOT_FOUND)

    def list_modules(self, request: Request, match: re.Match[str]) -> Reply:
        course_id = int(match[1])
        if course_id not in self.courses:
            return Reply(404, NOT_FOUND)
        with_items = "items" in request.query.get("include[]", [])
        modules = [self._module_json(m, with_items) for m in self.modules[course_id]]
        return self.paginate(request, modules)

    def get_module(self, request: Request, match: re.Match[str]) -> Reply:
        module = self._module(int(match[1]), int(match[2]))
        return Reply(200, self._module_json(module, False)) if module else Reply(404, NOT_FOUND)

    def list_items(self, request: Request, match: re.Match[str]) -> Reply:
        module = self._module(int(match[1]), int(match[2]))
        if module is None:
            return Reply(404, NOT_FOUND)
        return self.paginate(request, [dict(item) for item in module["items"]])

    def list_pages(self, request: Request, match: re.Match[str]) -> Reply:
        course_id = int(match[1])
        if course_id not in self.courses:
            return Reply(404, NOT_FOUND)
        pages = [
            {k: v for k, v in page.items() if k != "body"}
            for (cid, _), page in self.pages.items()
            if cid == course_id
        ]
        return self.paginate(request, pages)

    def get_page(self, request: Request, match: re.Match[str]) -> Reply:
        page = self.pages.get((int(match[1]), _unquote(match[2])))
        return Reply(200, page) if page else Reply(404, NOT_FOUND)

    def create_page(self, request: Request, match: re.Match[str]) -> Reply:
        course_id = int(match[1])
        wiki = (request.body or {}).get("wiki_page") or {}
        if course_id not in self.courses or not wiki.get("title"):
            return Reply(400, {"errors": {"title": "can't be blank"}})
        return Reply(200, self.add_page(course_id, None, wiki["title"], wiki.get("body", "")))

    def update_page(self, request: Request, match: re.Match[str]) -> Reply:
        page = self.pages.get((int(match[1]), _unquote(match[2])))
        if page is None:
            return Reply(404, NOT_FOUND)
        page.update((request.body or {}).get("wiki_page") or {})
        return Reply(200, page)

    def delete_page(self, request: Request, match: re.Match[str]) -> Reply:
        page = self.pages.pop((int(match[1]), _unquote(match[2])), None)
        return Reply(200, page) if page else Reply(404, NOT_FOUND)

    def get_course_file(self, request: Request, match: re.Match[str]) -> Reply:
        meta = self.files.get(int(match[2]))
        if meta is None or meta["course_id"] != int(match[1]):
            return Reply(404, NOT_FOUND)
        return Reply(200, self._file_json(meta))

    def get_file(self, request: Request, match: re.Match[str]) -> Reply:
        meta = self.files.get(int(match[1]))
        return Reply(200, self._file_json(meta)) if meta else Reply(404, NOT_FOUND)

    def redirect_download(self, request: Request, match: re.Match[str]) -> Reply:
        """Canvas's download URL redirects to signed storage (as S3 links do)."""
        file_id = int(match[1])
        if file_id not in self.files or request.param("verifier") != _verifier(file_id):
            return Reply(404, NOT_FOUND)
        target = f"{self.base_url}/storage/{file_id}?signature={_verifier(file_id)}x"
        return Reply(302, b"", {"Location": target})

    def serve_blob(self, request: Request, match: re.Match[str]) -> Reply:
        """Signed storage refuses a second credential, as S3 does: no Authorization header."""
        file_id = int(match[1])
        if request.authorised:
            return Reply(
                400,
                b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed"
                b"</Message></Error>",
                {"Content-Type": "application/xml"},
            )
        if request.param("signature") != f"{_verifier(file_id)}x":
            return Reply(403, b"<Error><Code>AccessDenied</Code></Error>")
        meta = self.files[file_id]
        return Reply(200, self.file_data[file_id], {"Content-Type": meta["content-type"]})

    # --- shapes ------------------------------------------------------------------------------

    def _module(self, course_id: int, module_id: int) -> dict[str, Any] | None:
        for module in self.modules.get(course_id, []):
            if module["id"] == module_id:
                return module
        return None

    def _module_json(self, module: dict[str, Any], with_items: bool) -> dict[str, Any]:
        shown = {k: v for k, v in module.items() if k != "items"}
        shown["items_count"] = len(module["items"])
        shown["items_url"] = (
            f"{self.base_url}/api/v1/courses/{self._course_of(module)}/modules/{module['id']}/items"
        )
        if with_items:
            shown["items"] = [dict(item) for item in module["items"]]
        return shown

    def _course_of(self, module: dict[str, Any]) -> int:
        return next(cid for cid, modules in self.modules.items() if module in modules)

    def _file_json(self, meta: dict[str, Any]) -> dict[str, Any]:
        file_id = meta["id"]
        shown = {k: v for k, v in meta.items() if k != "course_id"}
        shown["url"] = (
            f"{self.base_url}/files/{file_id}/download?download_frd=1&verifier={_verifier(file_id)}"
        )
        return shown


def _verifier(file_id: int) -> str:
    return f"v{file_id * 7919:x}"


def _unquote(value: str) -> str:
    return unquote(value)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # the log is `canvas.log`
        pass

    def _serve(self) -> None:
        canvas = self.server.canvas
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode("utf-8", "replace")
        with canvas._lock:
            number = len(canvas.log) + 1
            request = Request(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                number=number,
            )
            canvas.log.append(request)
        reply = canvas.handle(request)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        if isinstance(reply.body, bytes):
            payload, kind = reply.body, "application/octet-stream"
        elif isinstance(reply.body, str):
            payload, kind = reply.body.encode("utf-8"), "text/plain; charset=utf-8"
        else:
            payload, kind = json.dumps(reply.body).encode("utf-8"), "application/json"
        headers = {"Content-Type": kind, "X-Rate-Limit-Remaining": "700.0", **reply.headers}
        try:
            self.send_response(reply.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    do_GET = do_POST = do_PUT = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    canvas: FakeCanvas


@contextmanager
def running(canvas: FakeCanvas | None = None) -> Iterator[FakeCanvas]:
    """Serve `canvas` on 127.0.0.1 (an ephemeral port) for the duration of the block."""
    canvas = canvas or FakeCanvas()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.canvas = canvas
    canvas.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-canvas", daemon=True)
    thread.start()
    try:
        yield canvas
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
