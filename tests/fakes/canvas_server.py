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
        self._init_quizzes()

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

    # --- quizzes: New Quizzes (/api/quiz/v1) and Classic Quizzes (/api/v1) -----------------
    #
    # State: `new_quizzes` / `classic_quizzes` map a quiz id to its JSON; `new_items` /
    # `classic_questions` map it to the list of its items in position order. Payloads are
    # validated the way Canvas does (required fields, known types, scoring that refers to
    # existing choices, answer weights); an invalid one gets 400 with Canvas's error shape.
    # `lose_response` applies a request and then holds the answer back (the client times out
    # not knowing the outcome); `slow_after` does the same for a short while (crash tests).

    def _init_quizzes(self) -> None:
        self.new_quizzes: dict[str, dict[str, Any]] = {}
        self.new_items: dict[str, list[dict[str, Any]]] = {}
        self.classic_quizzes: dict[int, dict[str, Any]] = {}
        self.classic_questions: dict[int, list[dict[str, Any]]] = {}
        self.classic_roots: dict[int, list[tuple[str, dict[str, Any]]]] = {}
        self.classic_members: dict[int, list[dict[str, Any]]] = {}
        self.after_faults: list[Fault] = []
        nq = r"/api/quiz/v1/courses/(\d+)/quizzes"
        cq = r"/api/v1/courses/(\d+)/quizzes"
        self.routes += [
            route("POST", nq, self._applied(self.create_new_quiz)),
            route("GET", nq, self.list_new_quizzes),
            route("GET", nq + r"/(\d+)", self.get_new_quiz),
            route("DELETE", nq + r"/(\d+)", self.delete_new_quiz),
            route("POST", nq + r"/(\d+)/items", self._applied(self.create_new_item)),
            route("GET", nq + r"/(\d+)/items", self.list_new_items),
            route("DELETE", nq + r"/(\d+)/items/([^/]+)", self.delete_new_item),
            route("PUT", r"/api/v1/courses/(\d+)/assignments/(\d+)", self.update_assignment),
            route("POST", cq, self._applied(self.create_classic_quiz)),
            route("GET", cq, self.list_classic_quizzes),
            route("GET", cq + r"/(\d+)", self.get_classic_quiz),
            route("PUT", cq + r"/(\d+)", self.update_classic_quiz),
            route("DELETE", cq + r"/(\d+)", self.delete_classic_quiz),
            route("POST", cq + r"/(\d+)/questions", self._applied(self.create_classic_question)),
            route("GET", cq + r"/(\d+)/questions", self.list_classic_questions),
            route("DELETE", cq + r"/(\d+)/questions/(\d+)", self.delete_classic_question),
            route("POST", cq + r"/(\d+)/groups", self._applied(self.create_quiz_group)),
            route("GET", cq + r"/(\d+)/groups", self.list_quiz_groups),
            route("GET", cq + r"/(\d+)/groups/(\d+)", self.get_quiz_group),
            route("PUT", cq + r"/(\d+)/groups/(\d+)", self.update_quiz_group),
            route("DELETE", cq + r"/(\d+)/groups/(\d+)", self.delete_quiz_group),
            route("POST", cq + r"/(\d+)/reorder", self._applied(self.reorder_classic_quiz)),
        ]

    def lose_response(
        self, nth: int = 1, *, seconds: float = 3.0, method: str = "POST", path: str | None = None
    ) -> Fault:
        """Apply the `nth` matching request, then hold its answer back `seconds` (longer than
        the client's timeout): Canvas did the work, the client never hears of it."""
        fault = Fault(delay=seconds, skip=nth - 1, method=method, path=path)
        with self._lock:
            self.after_faults.append(fault)
        return fault

    def answer_instead(
        self, reply: Reply, nth: int = 1, *, method: str = "POST", path: str | None = None
    ) -> Fault:
        """Apply the `nth` matching request, then answer `reply` instead of the real answer
        (a proxy or a Canvas bug mangling it): the work is done, the answer does not say so."""
        fault = Fault(reply=reply, skip=nth - 1, method=method, path=path)
        with self._lock:
            self.after_faults.append(fault)
        return fault

    def slow_after(
        self, seconds: float, *, times: int = 1000, method: str = "POST", path: str | None = None
    ) -> Fault:
        """Apply matching requests at once, answer each `seconds` later."""
        fault = Fault(delay=seconds, times=times, method=method, path=path)
        with self._lock:
            self.after_faults.append(fault)
        return fault

    def _applied(self, handler: Handler) -> Handler:
        def run(request: Request, match: re.Match[str]) -> Reply:
            reply = handler(request, match)
            fired: Fault | None = None
            with self._lock:
                for fault in self.after_faults:
                    if fault.hits >= fault.skip + fault.times or not fault.matches(request):
                        continue
                    fault.hits += 1
                    if fault.hits > fault.skip and fired is None:
                        fired = fault
            if fired is not None and reply.status < 300:
                time.sleep(fired.delay)
                if fired.reply is not None:
                    return fired.reply
            return reply

        return run

    # New Quizzes ---------------------------------------------------------------------------

    def create_new_quiz(self, request: Request, match: re.Match[str]) -> Reply:
        course_id = int(match[1])
        if course_id not in self.courses:
            return Reply(404, NOT_FOUND)
        quiz = (request.body or {}).get("quiz") if isinstance(request.body, dict) else None
        if not isinstance(quiz, dict) or not str(quiz.get("title") or "").strip():
            return _invalid("quiz[title] is required")
        settings = quiz.get("quiz_settings") or {}
        if not isinstance(settings, dict):
            return _invalid("quiz[quiz_settings] must be an object")
        if settings.get("has_time_limit") and not isinstance(
            settings.get("session_time_limit_in_seconds"), int
        ):
            return _invalid("session_time_limit_in_seconds is required with has_time_limit")
        attempts = settings.get("multiple_attempts")
        if attempts is not None:
            problem = _multiple_attempts_problem(attempts)
            if problem:
                return _invalid(problem)
        quiz_id = str(self.new_id())
        created = {
            "id": quiz_id,
            "course_id": course_id,
            "title": quiz["title"],
            "instructions": quiz.get("instructions", ""),
            "points_possible": quiz.get("points_possible", 0),
            "published": bool(quiz.get("published", False)),
            "quiz_settings": settings,
        }
        with self._lock:
            self.new_quizzes[quiz_id] = created
            self.new_items[quiz_id] = []
        return Reply(200, dict(created))

    def _new_quiz(self, match: re.Match[str]) -> dict[str, Any] | None:
        quiz = self.new_quizzes.get(match[2])
        return quiz if quiz is not None and quiz["course_id"] == int(match[1]) else None

    def list_new_quizzes(self, request: Request, match: re.Match[str]) -> Reply:
        if int(match[1]) not in self.courses:
            return Reply(404, NOT_FOUND)
        quizzes = [dict(q) for q in self.new_quizzes.values() if q["course_id"] == int(match[1])]
        return self.paginate(request, quizzes)

    def get_new_quiz(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._new_quiz(match)
        return Reply(200, dict(quiz)) if quiz else Reply(404, NOT_FOUND)

    def delete_new_quiz(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._new_quiz(match)
        if quiz is None:
            return Reply(404, NOT_FOUND)
        with self._lock:
            del self.new_quizzes[quiz["id"]]
            del self.new_items[quiz["id"]]
        return Reply(200, quiz)

    def create_new_item(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._new_quiz(match)
        if quiz is None:
            return Reply(404, NOT_FOUND)
        item = (request.body or {}).get("item") if isinstance(request.body, dict) else None
        problem = _new_item_problem(item)
        if problem:
            return _invalid(problem)
        assert isinstance(item, dict)
        with self._lock:
            items = self.new_items[quiz["id"]]
            stored = {
                "id": str(self.new_id_unlocked()),
                "entry_type": "Item",
                "points_possible": item["points_possible"],
                "status": "mutable",
                "entry": item["entry"],
            }
            _insert_at(items, stored, item.get("position"))
        return Reply(200, dict(stored))

    def list_new_items(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._new_quiz(match)
        if quiz is None:
            return Reply(404, NOT_FOUND)
        return self.paginate(request, [dict(item) for item in self.new_items[quiz["id"]]])

    def delete_new_item(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._new_quiz(match)
        if quiz is None:
            return Reply(404, NOT_FOUND)
        with self._lock:
            items = self.new_items[quiz["id"]]
            for index, item in enumerate(items):
                if item["id"] == match[3]:
                    del items[index]
                    _renumber(items)
                    return Reply(200, item)
        return Reply(404, NOT_FOUND)

    def update_assignment(self, request: Request, match: re.Match[str]) -> Reply:
        """Only what New Quizzes need: a New Quiz is an assignment; publish it."""
        quiz = self.new_quizzes.get(match[2])
        if quiz is None or quiz["course_id"] != int(match[1]):
            return Reply(404, NOT_FOUND)
        changes = (request.body or {}).get("assignment") or {}
        if "published" in changes:
            quiz["published"] = bool(changes["published"])
        return Reply(200, {"id": int(quiz["id"]), "name": quiz["title"], **changes})

    # Classic Quizzes -----------------------------------------------------------------------

    def create_classic_quiz(self, request: Request, match: re.Match[str]) -> Reply:
        course_id = int(match[1])
        if course_id not in self.courses:
            return Reply(404, NOT_FOUND)
        quiz = (request.body or {}).get("quiz") if isinstance(request.body, dict) else None
        if not isinstance(quiz, dict):
            return _invalid("quiz is required")
        kind = quiz.get("quiz_type", "assignment")
        if kind not in ("assignment", "practice_quiz", "graded_survey", "survey"):
            return _invalid(f"invalid quiz_type {kind!r}")
        limit = quiz.get("time_limit")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            return _invalid("time_limit must be a positive number of minutes")
        allowed = quiz.get("allowed_attempts", 1)
        if (
            not isinstance(allowed, int)
            or isinstance(allowed, bool)
            or allowed in (0,)
            or allowed < -1
        ):
            return _invalid("allowed_attempts must be -1 (unlimited) or a positive number")
        quiz_id = self.new_id()
        created = {
            "id": quiz_id,
            "course_id": course_id,
            "title": quiz.get("title") or "Unnamed Quiz",
            "description": quiz.get("description", ""),
            "quiz_type": kind,
            "time_limit": limit,
            "allowed_attempts": allowed,
            "shuffle_answers": bool(quiz.get("shuffle_answers", False)),
            "published": bool(quiz.get("published", False)),
            "points_possible": 0,
            "question_count": 0,
        }
        with self._lock:
            self.classic_quizzes[quiz_id] = created
            self.classic_questions[quiz_id] = []
            self.classic_roots[quiz_id] = []
        return Reply(200, dict(created))

    def _classic_quiz(self, match: re.Match[str]) -> dict[str, Any] | None:
        quiz = self.classic_quizzes.get(int(match[2]))
        return quiz if quiz is not None and quiz["course_id"] == int(match[1]) else None

    def list_classic_quizzes(self, request: Request, match: re.Match[str]) -> Reply:
        if int(match[1]) not in self.courses:
            return Reply(404, NOT_FOUND)
        quizzes = [
            dict(q) for q in self.classic_quizzes.values() if q["course_id"] == int(match[1])
        ]
        return self.paginate(request, quizzes)

    def get_classic_quiz(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._classic_quiz(match)
        return Reply(200, dict(quiz)) if quiz else Reply(404, NOT_FOUND)

    def update_classic_quiz(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._classic_quiz(match)
        if quiz is None:
            return Reply(404, NOT_FOUND)
        changes = (request.body or {}).get("quiz") or {}
        with self._lock:
            quiz.update({k: v for k, v in changes.items() if k != "id"})
            questions = self.classic_questions[quiz["id"]]
            # A group counts pick_count × question_points; its questions' own points do not.
            quiz["points_possible"] = sum(
                q["points_possible"]
                if kind == "question"
                else q["pick_count"] * q["question_points"]
                for kind, q in self.classic_roots[quiz["id"]]
            )
            quiz["question_count"] = len(questions)
        return Reply(200, dict(quiz))

    def delete_classic_quiz(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._classic_quiz(match)
        if quiz is None:
            return Reply(404, NOT_FOUND)
        with self._lock:
            del self.classic_quizzes[quiz["id"]]
            del self.classic_questions[quiz["id"]]
            for kind, entry in self.classic_roots.pop(quiz["id"]):
                if kind == "group":
                    del self.classic_members[entry["id"]]
        return Reply(204, b"")

    def create_classic_question(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._classic_quiz(match)
        if quiz is None:
            return Reply(404, NOT_FOUND)
        question = (request.body or {}).get("question") if isinstance(request.body, dict) else None
        problem = _classic_question_problem(question)
        if problem:
            return _invalid(problem)
        assert isinstance(question, dict)
        group = None
        if question.get("quiz_group_id") is not None:
            group = self._group(quiz, question["quiz_group_id"])
            if group is None:
                return Reply(404, NOT_FOUND)  # Canvas: @quiz.quiz_groups.find(quiz_group_id)
        with self._lock:
            stored = {
                **question,
                "id": self.new_id_unlocked(),
                "quiz_id": quiz["id"],
                "points_possible": question.get("points_possible") or 0,
                "answers": [
                    {**answer, "id": self.new_id_unlocked()}
                    for answer in question.get("answers") or []
                ],
            }
            if group is None:
                _insert_root(self.classic_roots[quiz["id"]], stored, question.get("position"))
            else:
                members = self.classic_members[group["id"]]
                _insert_at(members, stored, question.get("position"))
            self._classic_layout(quiz["id"])
        return Reply(200, dict(stored))

    def list_classic_questions(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._classic_quiz(match)
        if quiz is None:
            return Reply(404, NOT_FOUND)
        return self.paginate(request, [dict(q) for q in self.classic_questions[quiz["id"]]])

    def delete_classic_question(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._classic_quiz(match)
        if quiz is None:
            return Reply(404, NOT_FOUND)
        with self._lock:
            for question in self.classic_questions[quiz["id"]]:
                if question["id"] != int(match[3]):
                    continue
                if question.get("quiz_group_id") is not None:
                    self.classic_members[question["quiz_group_id"]].remove(question)
                else:
                    roots = self.classic_roots[quiz["id"]]
                    roots[:] = [(kind, e) for kind, e in roots if e is not question]
                self._classic_layout(quiz["id"])
                return Reply(204, b"")
        return Reply(404, NOT_FOUND)

    def new_id_unlocked(self) -> int:
        """`new_id` for callers already holding the lock."""
        self._next_id += 1
        return self._next_id

    # Classic question groups ---------------------------------------------------------------
    #
    # From Canvas's Quiz Question Groups API (canvas.instructure.com/doc/api/
    # quiz_question_groups.html) and its QuizGroup model: a group is an entry at the quiz's top
    # level beside the ungrouped questions, put after the last one when created (Canvas's
    # `infer_position`); each student sees `pick_count` of its questions, each worth
    # `question_points`. Create answers 201 `{"quiz_groups": [QuizGroup]}`; a name over 255
    # characters or a pick count or points that is not a number is 422 `{"errors": {field:
    # [...]}}`; list answers `{"quiz_groups": [...]}`; delete answers 204 and deletes the
    # group's questions. A question whose `quiz_group_id` names no group of its quiz is 404
    # (Canvas's `@quiz.quiz_groups.find`). The Quizzes API's reorder (`POST …/quizzes/:id/
    # reorder`, `order[][id]`, `order[][type]` question|group) sets the top-level order; a
    # question listed there leaves its group. State: `classic_roots[quiz]` is the top level as
    # ("question" | "group", dict), `classic_members[group]` a group's questions;
    # `classic_questions[quiz]` stays every question in display order.

    def _classic_layout(self, quiz_id: int) -> None:
        """Renumber the top level and each group, and rebuild `classic_questions` (lock held)."""
        flat: list[dict[str, Any]] = []
        for number, (kind, entry) in enumerate(self.classic_roots[quiz_id], start=1):
            entry["position"] = number
            if kind == "question":
                entry["quiz_group_id"] = None
                flat.append(entry)
                continue
            for inner, question in enumerate(self.classic_members[entry["id"]], start=1):
                question["position"] = inner
                question["quiz_group_id"] = entry["id"]
                flat.append(question)
        self.classic_questions[quiz_id][:] = flat

    def _classic_groups(self, quiz_id: int) -> list[dict[str, Any]]:
        return [entry for kind, entry in self.classic_roots[quiz_id] if kind == "group"]

    def _group(self, quiz: dict[str, Any], group_id: Any) -> dict[str, Any] | None:
        for group in self._classic_groups(quiz["id"]):
            if str(group["id"]) == str(group_id):
                return group
        return None

    def create_quiz_group(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._classic_quiz(match)
        if quiz is None:
            return Reply(404, NOT_FOUND)
        groups = (request.body or {}).get("quiz_groups") if isinstance(request.body, dict) else None
        if not isinstance(groups, list) or not groups or not isinstance(groups[0], dict):
            return _invalid("quiz_groups is required")
        fields = groups[0]
        errors = _group_errors(fields)
        if errors:
            return Reply(422, {"errors": errors})
        with self._lock:
            group = {
                "id": self.new_id_unlocked(),
                "quiz_id": quiz["id"],
                "name": fields.get("name"),
                "pick_count": fields.get("pick_count", 0),
                "question_points": fields.get("question_points"),
                "assessment_question_bank_id": None,
                "position": None,
            }
            self.classic_roots[quiz["id"]].append(("group", group))
            self.classic_members[group["id"]] = []
            self._classic_layout(quiz["id"])
        return Reply(201, {"quiz_groups": [dict(group)]})

    def list_quiz_groups(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._classic_quiz(match)
        if quiz is None:
            return Reply(404, NOT_FOUND)
        return Reply(200, {"quiz_groups": [dict(g) for g in self._classic_groups(quiz["id"])]})

    def get_quiz_group(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._classic_quiz(match)
        group = self._group(quiz, match[3]) if quiz else None
        return Reply(200, dict(group)) if group else Reply(404, NOT_FOUND)

    def update_quiz_group(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._classic_quiz(match)
        group = self._group(quiz, match[3]) if quiz else None
        if group is None:
            return Reply(404, NOT_FOUND)
        groups = (request.body or {}).get("quiz_groups") if isinstance(request.body, dict) else None
        fields = groups[0] if isinstance(groups, list) and groups else {}
        errors = _group_errors(fields)
        if errors:
            return Reply(422, {"errors": errors})
        with self._lock:
            group.update(
                {k: v for k, v in fields.items() if k in ("name", "pick_count", "question_points")}
            )
        return Reply(200, {"quiz_groups": [dict(group)]})

    def delete_quiz_group(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._classic_quiz(match)
        group = self._group(quiz, match[3]) if quiz else None
        if group is None:
            return Reply(404, NOT_FOUND)
        with self._lock:
            roots = self.classic_roots[quiz["id"]]
            roots[:] = [(kind, entry) for kind, entry in roots if entry is not group]
            del self.classic_members[group["id"]]
            self._classic_layout(quiz["id"])
        return Reply(204, b"")

    def reorder_classic_quiz(self, request: Request, match: re.Match[str]) -> Reply:
        quiz = self._classic_quiz(match)
        if quiz is None:
            return Reply(404, NOT_FOUND)
        order = (request.body or {}).get("order") if isinstance(request.body, dict) else None
        if not isinstance(order, list) or not order:
            return _invalid("order is required")
        with self._lock:
            roots = self.classic_roots[quiz["id"]]
            questions = {str(q["id"]): q for q in self.classic_questions[quiz["id"]]}
            groups = {str(g["id"]): g for g in self._classic_groups(quiz["id"])}
            placed: list[tuple[str, dict[str, Any]]] = []
            for entry in order:
                kind = entry.get("type", "question") if isinstance(entry, dict) else None
                key = str(entry.get("id")) if isinstance(entry, dict) else ""
                if kind == "group" and key in groups:
                    placed.append(("group", groups[key]))
                elif kind == "question" and key in questions:
                    question = questions[key]
                    for members in self.classic_members.values():
                        if question in members:
                            members.remove(question)  # listed at the top: it leaves its group
                    placed.append(("question", question))
            rest = [(k, e) for k, e in roots if all(e is not p for _, p in placed)]
            roots[:] = placed + rest
            self._classic_layout(quiz["id"])
        return Reply(204, b"")


# --- quiz payload validation (what Canvas refuses) -------------------------------------------

_NEW_ALGORITHMS = {
    "choice": "Equivalence",
    "multi-answer": "AllOrNothing",
    "true-false": "Equivalence",
    "rich-fill-blank": "MultipleMethods",
    "matching": "PartialDeep",
    "categorization": "Categorization",
    "ordering": "DeepEquals",
    "numeric": "Numeric",
    "essay": "None",
}
CLASSIC_QUESTION_TYPES = frozenset(
    {
        "multiple_choice_question",
        "true_false_question",
        "multiple_answers_question",
        "matching_question",
        "fill_in_multiple_blanks_question",
        "short_answer_question",
        "multiple_dropdowns_question",
        "numerical_question",
        "essay_question",
        "text_only_question",
    }
)


def _invalid(message: str) -> Reply:
    return Reply(400, {"errors": [{"message": message}]})


def _insert_at(items: list[dict[str, Any]], item: dict[str, Any], position: Any) -> None:
    """Canvas places an item at its position among what exists (clamped), then renumbers."""
    index = len(items)
    if isinstance(position, int) and position >= 1:
        index = min(position - 1, len(items))
    items.insert(index, item)
    _renumber(items)


def _insert_root(
    roots: list[tuple[str, dict[str, Any]]], question: dict[str, Any], position: Any
) -> None:
    """An ungrouped question goes in at its position among the quiz's questions and groups."""
    index = len(roots)
    if isinstance(position, int) and position >= 1:
        index = min(position - 1, len(roots))
    roots.insert(index, ("question", question))


def _renumber(items: list[dict[str, Any]]) -> None:
    for number, item in enumerate(items, start=1):
        item["position"] = number


def _new_item_problem(item: Any) -> str | None:
    if not isinstance(item, dict):
        return "item is required"
    if item.get("entry_type") != "Item":
        return "item[entry_type] must be Item"
    points = item.get("points_possible")
    if not isinstance(points, int | float) or points < 0:
        return "item[points_possible] must be a number >= 0"
    entry = item.get("entry")
    if not isinstance(entry, dict):
        return "item[entry] is required"
    for name in ("title", "item_body", "interaction_type_slug", "scoring_algorithm"):
        if not isinstance(entry.get(name), str) or not entry[name]:
            return f"entry[{name}] is required"
    slug = entry["interaction_type_slug"]
    if slug not in _NEW_ALGORITHMS:
        return f"unknown interaction type {slug!r}"
    if entry["scoring_algorithm"] != _NEW_ALGORITHMS[slug]:
        return f"scoring algorithm {entry['scoring_algorithm']!r} does not fit {slug!r}"
    data, scoring = entry.get("interaction_data"), entry.get("scoring_data")
    if not isinstance(data, dict) or not isinstance(scoring, dict) or "value" not in scoring:
        return "entry[interaction_data] and entry[scoring_data][value] are required"
    value = scoring["value"]
    if slug in ("choice", "multi-answer"):
        choices = data.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            return "a choice item needs at least two choices"
        ids = [c.get("id") for c in choices if isinstance(c, dict)]
        if len(set(ids)) != len(choices) or not all(
            isinstance(c.get("item_body"), str) and c["item_body"] for c in choices
        ):
            return "every choice needs a unique id and an item_body"
        picked = [value] if slug == "choice" else value
        if not isinstance(picked, list) or not picked or any(v not in ids for v in picked):
            return "scoring_data refers to a choice id that does not exist"
    elif slug == "true-false":
        if not isinstance(value, bool):
            return "a true-false item's scoring value must be true or false"
    elif slug == "rich-fill-blank":
        blanks = data.get("blanks")
        if not isinstance(blanks, list) or not blanks:
            return "a fill-in-the-blank item needs blanks"
        ids = {b.get("id") for b in blanks if isinstance(b, dict)}
        if not isinstance(value, list) or {v.get("id") for v in value} != ids:
            return "scoring_data must score every blank, and only the blanks"
        for blank_id in ids:
            if f'<span id="{blank_id}"></span>' not in entry["item_body"]:
                return f"blank {blank_id} has no placeholder in the item body"
        for scored in value:
            accepted = (scored.get("scoring_data") or {}).get("value")
            if scored.get("scoring_algorithm") != "TextInChoices" or not accepted:
                return "every blank needs TextInChoices scoring with accepted answers"
    elif slug == "matching":
        questions, answers = data.get("questions"), data.get("answers")
        if not isinstance(questions, list) or not isinstance(answers, list) or not questions:
            return "a matching item needs questions and answers"
        ids = {q.get("id") for q in questions}
        if not isinstance(value, dict) or set(value) != ids:
            return "scoring_data must match every matching question id"
        if any(v not in answers for v in value.values()):
            return "scoring_data refers to an answer that is not offered"
    elif slug == "categorization":
        categories, items = data.get("categories"), data.get("distractors")
        if not isinstance(categories, dict) or not isinstance(items, dict) or len(categories) < 2:
            return "a categorization item needs categories and items"
        if data.get("category_order") != list(categories):
            return "category_order must list every category"
        if not isinstance(value, list) or {v.get("id") for v in value} != set(categories):
            return "scoring_data must score every category"
        for scored in value:
            members = (scored.get("scoring_data") or {}).get("value")
            if not members or any(m not in items for m in members):
                return "a category's scoring refers to an item that does not exist"
    elif slug == "ordering":
        # New Quiz Items appendix, Ordering: choices keyed by their own id, scoring_data.value
        # the ids in order, shuffle_rules a null-only value, labels optional strings.
        choices = data.get("choices")
        if not isinstance(choices, dict) or len(choices) < 2:
            return "an ordering item needs choices keyed by id"
        for key, choice in choices.items():
            if not isinstance(choice, dict) or choice.get("id") != key:
                return "every ordering choice needs its key as its id"
            if not isinstance(choice.get("item_body"), str) or not choice["item_body"]:
                return "every ordering choice needs an item_body"
        if not isinstance(value, list) or sorted(value) != sorted(choices):
            return "scoring_data must list every choice id once, in order"
        properties = entry.get("properties") or {}
        if not isinstance(properties, dict) or properties.get("shuffle_rules") is not None:
            return "an ordering item's shuffle_rules must be null"
        for flag in ("include_labels", "display_answers_paragraph"):
            if flag in properties and not isinstance(properties[flag], bool):
                return f"properties[{flag}] must be a boolean"
    elif slug == "numeric":
        return _numeric_problem(value)
    elif slug == "essay" and not isinstance(value, str):
        return "an essay item's scoring_data.value holds the grading notes, a string"
    return None


_NUMERIC_FIELDS = {
    "exactResponse": ("value",),
    "marginOfError": ("value", "margin"),
    "withinARange": ("start", "end"),
    "preciseResponse": ("value", "precision"),
}


def _numeric_problem(value: Any) -> str | None:
    """New Quiz Items API, numeric: scoring_data.value lists accepted responses, each with an
    id, a type and that type's numbers, written as strings."""
    if not isinstance(value, list) or not value:
        return "a numeric item needs at least one accepted response"
    for response in value:
        fields = _NUMERIC_FIELDS.get(response.get("type")) if isinstance(response, dict) else None
        if fields is None or not response.get("id"):
            return "every numeric response needs an id and a known type"
        for name in fields:
            try:
                float(response[name])
            except (KeyError, TypeError, ValueError):
                return f"numeric response field {name!r} must be a number written as a string"
            if not isinstance(response[name], str):
                return f"numeric response field {name!r} must be a number written as a string"
        if response["type"] == "marginOfError" and response.get("margin_type") not in (
            "absolute",
            "percent",
        ):
            return "a marginOfError response needs margin_type absolute or percent"
        if response["type"] == "withinARange" and float(response["start"]) > float(response["end"]):
            return "a withinARange response must start at or below its end"
    return None


def _classic_question_problem(question: Any) -> str | None:
    if not isinstance(question, dict):
        return "question is required"
    kind = question.get("question_type")
    if kind not in CLASSIC_QUESTION_TYPES:
        return f"unknown question_type {kind!r}"
    if not isinstance(question.get("question_text"), str) or not question["question_text"]:
        return "question[question_text] is required"
    points = question.get("points_possible", 0)
    if not isinstance(points, int | float) or points < 0:
        return "question[points_possible] must be a number >= 0"
    answers = question.get("answers")
    if kind in ("essay_question", "text_only_question"):
        return None  # graded by a person or not at all: Canvas needs no answers
    if not isinstance(answers, list) or not answers:
        return "question[answers] is required"
    weights = [a.get("answer_weight") for a in answers]
    if any(w not in (0, 100) for w in weights):
        return "answer_weight must be 0 or 100"
    if kind in ("multiple_choice_question", "multiple_answers_question", "true_false_question"):
        if not all(a.get("answer_text") or a.get("answer_html") for a in answers):
            return "every answer needs answer_text or answer_html"
        correct = weights.count(100)
        if kind != "multiple_answers_question" and correct != 1:
            return f"{kind} needs exactly one answer with weight 100 (got {correct})"
        if kind == "multiple_answers_question" and correct < 1:
            return "multiple_answers_question needs at least one correct answer"
        if kind == "true_false_question" and [a.get("answer_text") for a in answers] != [
            "True",
            "False",
        ]:
            return "true_false_question answers must be True and False"
    elif kind == "fill_in_multiple_blanks_question":
        placeholders = set(re.findall(r"\[([A-Za-z0-9_]+)\]", question["question_text"]))
        used = {a.get("blank_id") for a in answers}
        if used != placeholders:
            return "every [blank] in question_text needs answers, and every answer a [blank]"
        if not all(a.get("answer_text") for a in answers):
            return "every blank answer needs answer_text"
    elif kind == "matching_question" and not all(
        a.get("answer_match_left") and a.get("answer_match_right") for a in answers
    ):
        return "every matching answer needs answer_match_left and answer_match_right"
    elif kind == "numerical_question":
        return _numerical_problem(answers)
    return None


def _numerical_problem(answers: list[Any]) -> str | None:
    """Canvas's numerical answer parser reads `answer_exact` and `answer_error_margin` for an
    `exact_answer`, `answer_range_start` and `answer_range_end` otherwise."""
    for answer in answers:
        kind = answer.get("numerical_answer_type")
        fields = {
            "exact_answer": ("answer_exact", "answer_error_margin"),
            "range_answer": ("answer_range_start", "answer_range_end"),
        }.get(kind)
        if fields is None:
            return "numerical_answer_type must be exact_answer or range_answer"
        if not all(isinstance(answer.get(name), int | float) for name in fields):
            return f"a numerical {kind} needs {' and '.join(fields)} as numbers"
    return None


def _verifier(file_id: int) -> str:
    return f"v{file_id * 7919:x}"


def _unquote(value: str) -> str:
    return unquote(value)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out separately: no 40 ms ACK stalls

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


def _multiple_attempts_problem(attempts: Any) -> str | None:
    """New Quizzes' QuizSettings.multiple_attempts: multiple_attempts_enabled, attempt_limit
    (false = unlimited), max_attempts (used when attempt_limit), score_to_keep."""
    if not isinstance(attempts, dict):
        return "quiz_settings[multiple_attempts] must be an object"
    for flag in ("multiple_attempts_enabled", "attempt_limit"):
        if flag in attempts and not isinstance(attempts[flag], bool):
            return f"multiple_attempts[{flag}] must be a boolean"
    if attempts.get("multiple_attempts_enabled") and attempts.get("attempt_limit", True):
        limit = attempts.get("max_attempts")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            return "multiple_attempts[max_attempts] must be a positive number with attempt_limit"
    if attempts.get("score_to_keep", "highest") not in ("average", "first", "highest", "latest"):
        return "multiple_attempts[score_to_keep] is not one of average, first, highest, latest"
    return None


def _group_errors(fields: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """QuizGroup's validations: name at most 255 characters, numbers where numbers go."""
    errors: dict[str, list[dict[str, str]]] = {}
    name = fields.get("name")
    if name is not None and len(str(name)) > 255:
        errors["name"] = [{"attribute": "name", "type": "too_long", "message": "too_long"}]
    for number in ("pick_count", "question_points"):
        value = fields.get(number)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            errors[number] = [
                {"attribute": number, "type": "not_a_number", "message": "not_a_number"}
            ]
    return errors
