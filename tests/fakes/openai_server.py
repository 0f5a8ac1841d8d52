"""A fake OpenAI Chat Completions server: real HTTP on 127.0.0.1 (ephemeral port), scriptable.

It speaks `POST /v1/chat/completions` as OpenAI does (status codes, error bodies, `Retry-After`
and `retry-after-ms`, `usage` with cached tokens) so tests drive quizgen through the real
`openai` client. Per test it can:
- answer valid batches by itself: it reads the module content, the question type and the count
  from the prompt and lets the offline mock's question builder write grounded questions;
  or, with `mode="realistic"`, answers as a real model does (`realistic_model`: misquotes,
  flaws, fixes of what a correction names), written without quizgen's code;
- play a script of replies per question type (`"*"` for any): raw text, valid answers with
  some questions broken, truncated output, refusals, content-filter stops, any HTTP status
  with headers, or a hang (bounded: released when the server stops);
- refuse `response_format: json_schema` with a 400, like older OpenAI-compatible servers;
- allow only R requests per second (a token bucket) and answer 429 beyond it;
- refuse keys and models it does not know (401, 404);
- serve OpenAI's Files and Batch APIs (`tests/fakes/openai_batches.py`), answering each batched
  request as it would answer the same synchronous call; `batches=False` answers 404 there, as a
  server without them does.
Every request is recorded (body and headers) so tests can assert what was sent.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from quizgen.llm.mock import generate_questions
from quizgen.questions import REGISTRY
from tests.fakes.openai_batches import BatchService, JobPlan
from tests.fakes.realistic_model import RealisticModel

TYPE_NAMES = tuple(REGISTRY)
BROKEN_QUOTE = "This sentence does not appear anywhere in the module content."
_COUNT = re.compile(r"(?:exactly|nøyaktig) (\d+)")
_TYPE = re.compile(r"\b(" + "|".join(TYPE_NAMES) + r")\b")
MAX_HANG = 30.0


@dataclass(frozen=True)
class Reply:
    """One scripted answer; build them with the helpers below."""

    kind: str
    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    broken: int = 0
    seconds: float = 0.0


def valid() -> Reply:
    return Reply("valid")


def text(content: str, finish_reason: str = "stop") -> Reply:
    return Reply("text", text=content, error={"finish_reason": finish_reason})


def invalid(broken: int) -> Reply:
    """A full valid answer whose first `broken` questions quote text not in the content."""
    return Reply("invalid", broken=broken)


def truncated() -> Reply:
    return Reply("truncated")


def refusal(message: str = "I can't help with that request.") -> Reply:
    return Reply("refusal", text=message)


def content_filter() -> Reply:
    return Reply("content_filter")


def status(
    code: int,
    *,
    retry_after: float | None = None,
    retry_after_ms: float | None = None,
    error_code: str | None = None,
    param: str | None = None,
    message: str | None = None,
) -> Reply:
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["retry-after"] = f"{retry_after:g}"
    if retry_after_ms is not None:
        headers["retry-after-ms"] = f"{retry_after_ms:g}"
    error = {
        "message": message or f"fake error {code}",
        "type": "invalid_request_error" if code < 500 else "server_error",
        "param": param,
        "code": error_code,
    }
    return Reply("status", status=code, headers=headers, error=error)


def hang(seconds: float = MAX_HANG) -> Reply:
    """Answer nothing for `seconds` (at most `MAX_HANG`, or until the server stops)."""
    return Reply("hang", seconds=min(seconds, MAX_HANG))


@dataclass
class Recorded:
    body: dict[str, Any]
    headers: dict[str, str]
    status: int = 0
    at: float = field(default_factory=time.monotonic)
    """When the request arrived (monotonic seconds), for rate measurements."""


class TokenBucket:
    """R requests per second with a burst of `burst`; `take` says how long to wait if empty."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> float:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


class FakeOpenAI:
    """The server; use as a context manager. `base_url` is what the client needs."""

    def __init__(
        self,
        *,
        script: dict[str, list[Reply]] | None = None,
        json_schema: bool = True,
        rate: float | None = None,
        burst: float | None = None,
        latency: float = 0.0,
        api_keys: tuple[str, ...] | None = None,
        models: tuple[str, ...] | None = None,
        served_model: Callable[[str], str] | None = None,
        batches: bool = True,
        batch_plans: list[JobPlan] | None = None,
        max_batch_requests: int | None = None,
        max_file_bytes: int | None = None,
        batch_queue_tokens: int | None = None,
        mode: str = "mock",
        realistic: RealisticModel | None = None,
    ) -> None:
        if mode not in ("mock", "realistic"):
            raise ValueError(f"unknown mode {mode!r}")
        self.realistic = (realistic or RealisticModel()) if mode == "realistic" else None
        self.script = {key: list(replies) for key, replies in (script or {}).items()}
        self.json_schema = json_schema
        self.bucket = TokenBucket(rate, burst or rate) if rate else None
        self.latency = latency
        self.api_keys = api_keys
        self.models = models
        self.served_model = served_model or (lambda model: model)
        self.requests: list[Recorded] = []
        self.seen_cache_keys: set[str] = set()
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.counter = 0
        self.batch_routes: list[tuple[str, str]] = []
        """(method, path) of every Files/Batch API request, answered or not."""
        self.batch_service: BatchService | None = None
        if batches:
            limits: dict[str, int] = {}
            if max_batch_requests is not None:
                limits["max_requests"] = max_batch_requests
            if max_file_bytes is not None:
                limits["max_file_bytes"] = max_file_bytes
            self.batch_service = BatchService(
                self._answer, plans=batch_plans, queue_tokens=batch_queue_tokens, **limits
            )

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                fake.handle(self)

            def do_GET(self) -> None:
                fake.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    # -- what tests read -------------------------------------------------------------------

    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests]

    def statuses(self) -> list[int]:
        return [r.status for r in self.requests]

    def served(self) -> int:
        return sum(1 for r in self.requests if r.status == 200)

    # -- one request -----------------------------------------------------------------------

    def handle(self, http: BaseHTTPRequestHandler) -> None:
        length = int(http.headers.get("content-length") or 0)
        raw = http.rfile.read(length)
        if http.path.startswith(("/v1/files", "/v1/batches")):
            self._batch_api(http, raw)
            return
        if http.path.rstrip("/") != "/v1/chat/completions":
            self._send(http, 404, {"error": {"message": f"no route {http.path}"}}, {})
            return
        body = json.loads(raw or b"{}")
        record = Recorded(body, {k.lower(): v for k, v in http.headers.items()})
        with self.lock:
            self.requests.append(record)
        code, payload, headers = self._answer(body, http.headers.get("authorization", ""))
        record.status = code
        if code == -1:  # a hang: the client timed out and went away
            return
        if self.latency and code == 200:
            time.sleep(self.latency)
        self._send(http, code, payload, headers)

    def _batch_api(self, http: BaseHTTPRequestHandler, raw: bytes) -> None:
        with self.lock:
            self.batch_routes.append((http.command, http.path))
        headers = {k.lower(): v for k, v in http.headers.items()}
        if self.batch_service is None:
            self._send(http, 404, {"error": {"message": f"no route {http.path}"}}, {})
            return
        code, data, content_type, extra = self.batch_service.handle(
            http.command, http.path, headers, raw
        )
        try:
            http.send_response(code)
            http.send_header("content-type", content_type)
            http.send_header("content-length", str(len(data)))
            for name, value in extra.items():
                http.send_header(name, value)
            http.end_headers()
            http.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _answer(self, body: dict[str, Any], auth: str) -> tuple[int, Any, dict[str, str]]:
        if self.api_keys is not None and auth.removeprefix("Bearer ") not in self.api_keys:
            key = auth.removeprefix("Bearer ")
            masked = key[:6] + "*" * 10 + key[-4:]
            return _error(
                401, f"Incorrect API key provided: {masked}.", error_code="invalid_api_key"
            )
        if self.models is not None and body.get("model") not in self.models:
            return _error(
                404,
                f"The model `{body.get('model')}` does not exist.",
                error_code="model_not_found",
            )
        if not self.json_schema and body.get("response_format", {}).get("type") == "json_schema":
            return _error(400, "response_format type json_schema is not supported")
        if self.bucket is not None:
            wait = self.bucket.take()
            if wait > 0:
                code, payload, _ = _error(429, "Rate limit reached for requests")
                return (
                    code,
                    payload,
                    {"retry-after": str(math.ceil(wait)), "retry-after-ms": f"{wait * 1000:.0f}"},
                )
        qtype = question_type_of(body)
        reply = self._next_reply(qtype)
        if reply.kind == "status":
            return reply.status, {"error": reply.error}, reply.headers
        if reply.kind == "hang":
            self.released.wait(reply.seconds)
            return -1, None, {}
        return 200, self._completion(body, qtype, reply), {}

    def _next_reply(self, qtype: str | None) -> Reply:
        with self.lock:
            for key in (qtype, "*"):
                if self.script.get(key):
                    return self.script[key].pop(0)
        return valid()

    def _completion(self, body: dict[str, Any], qtype: str | None, reply: Reply) -> dict:
        finish = "stop"
        content: str | None
        refusal_text = None
        if reply.kind == "text":
            content = reply.text
            finish = (reply.error or {}).get("finish_reason", "stop")
        elif reply.kind == "refusal":
            content, refusal_text = None, reply.text
        elif reply.kind == "content_filter":
            content, finish = "", "content_filter"
        else:
            if self.realistic is not None:
                questions = json.loads(self.realistic.answer(body))["questions"]
            else:
                questions = valid_questions(body, qtype)
            for question in questions[: reply.broken]:
                question["source_quote"] = BROKEN_QUOTE
            content = json.dumps({"questions": questions}, ensure_ascii=False)
            if reply.kind == "truncated":
                content, finish = content[: len(content) // 2], "length"
        prompt_chars = sum(len(str(m.get("content") or "")) for m in body.get("messages", []))
        prompt_tokens = prompt_chars // 4
        cached = 0
        key = body.get("prompt_cache_key")
        with self.lock:
            self.counter += 1
            number = self.counter
            if key:
                if key in self.seen_cache_keys:
                    cached = min(prompt_tokens, len(module_content(body)) // 4)
                self.seen_cache_keys.add(key)
        completion_tokens = len(content or refusal_text or "") // 4
        return {
            "id": f"chatcmpl-fake{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.served_model(str(body.get("model"))),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal_text},
                    "finish_reason": finish,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }

    def _send(
        self, http: BaseHTTPRequestHandler, code: int, payload: Any, headers: dict[str, str]
    ) -> None:
        data = json.dumps(payload).encode()
        try:
            http.send_response(code)
            http.send_header("content-type", "application/json")
            http.send_header("content-length", str(len(data)))
            for name, value in headers.items():
                http.send_header(name, value)
            http.end_headers()
            http.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


def _error(
    status_code: int, message: str, *, error_code: str | None = None
) -> tuple[int, Any, dict[str, str]]:
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": error_code}
    return status_code, {"error": error}, {}


# -- reading a prompt the way a model would, just enough to answer it -----------------------


def _user_texts(body: dict[str, Any]) -> list[str]:
    return [str(m.get("content") or "") for m in body.get("messages", []) if m["role"] == "user"]


def module_content(body: dict[str, Any]) -> str:
    first = next(iter(_user_texts(body)), "")
    start = first.find("<<<\n")
    end = first.rfind("\n>>>")
    return first[start + 4 : end] if start >= 0 and end > start else ""


def question_type_of(body: dict[str, Any]) -> str | None:
    first = next(iter(_user_texts(body)), "")
    after = first[first.rfind("\n>>>") :]
    found = _TYPE.search(after)
    return found.group(1) if found else None


def asked_count(body: dict[str, Any]) -> int:
    for text_ in reversed(_user_texts(body)):
        found = _COUNT.findall(text_)
        if found:
            return int(found[-1])
    return 1


def taken_texts(body: dict[str, Any]) -> list[str]:
    """Questions the conversation already holds: the avoid list and earlier answers."""
    taken = [
        line[2:] for line in next(iter(_user_texts(body)), "").splitlines() if line[:2] == "* "
    ]
    for message in body.get("messages", []):
        if message["role"] != "assistant":
            continue
        try:
            answer = json.loads(message.get("content") or "")
        except json.JSONDecodeError:
            continue
        for question in answer.get("questions", []) if isinstance(answer, dict) else []:
            if isinstance(question, dict) and isinstance(question.get("question_text"), str):
                taken.append(question["question_text"])
    return taken


def valid_questions(body: dict[str, Any], qtype: str | None) -> list[dict[str, Any]]:
    if qtype is None:
        return []
    seed = f"{body.get('prompt_cache_key')}:{qtype}"
    return generate_questions(
        module_content(body), qtype, asked_count(body), seed, avoid=taken_texts(body)
    )
