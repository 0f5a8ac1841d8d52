"""A fake of OpenAI's Files and Batch APIs, served by `FakeOpenAI` on the same port.

Modelled on OpenAI's API reference for `/v1/files` and `/v1/batches`, not on quizgen's code:
- `POST /v1/files` (multipart: `purpose`, `file`) stores a file and returns a File object;
  `GET /v1/files/{id}` and `GET /v1/files/{id}/content` read it back. A file larger than
  `max_file_bytes` (OpenAI: 200 MB for batch input) is refused with a 400.
- `POST /v1/batches` (`input_file_id`, `endpoint`, `completion_window` = "24h", `metadata`)
  returns a Batch object in `validating`; `GET /v1/batches/{id}` moves it on one step per read:
  validating → in_progress → finalizing → completed (or failed when validation fails, expired
  when the plan says so, cancelled after a cancel). `GET /v1/batches` lists newest first,
  `POST /v1/batches/{id}/cancel` cancels. An unknown id is a 404, as OpenAI answers.
- Validation: every line is JSON with a unique `custom_id`, `method` POST, a `url` equal to the
  batch's endpoint and a `body` with one `model` for the whole file; at most `max_requests`
  lines (OpenAI: 50,000). Any violation fails the batch with `errors.data` naming the line.
- Each request is answered like a synchronous call to `/v1/chat/completions` (the owning
  `FakeOpenAI`'s scripts apply). A 200 goes to the output file as
  `{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error": null}`; any
  other status to the error file with the same shape; a request not run before the batch
  expired or was cancelled to the error file with `"response": null` and
  `"error": {"code": "batch_expired" | "batch_cancelled", "message"}`.
- With `queue_tokens`, the organisation's queue for the model: a batch whose input tokens
  (characters of the messages ÷ 4), added to those of the batches still running, exceed it
  fails validation with `token_limit_exceeded`, as OpenAI's "Enqueued token limit reached".
- A `JobPlan` per created batch (in order) scripts expiry after N requests, a validation
  failure, garbled output lines, or holding the batch in_progress until `release()`.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_REQUESTS = 50_000
MAX_FILE_BYTES = 200 * 1024 * 1024
ENDPOINTS = ("/v1/chat/completions", "/v1/responses", "/v1/embeddings", "/v1/completions")
EXPIRED_MESSAGE = "This request could not be executed before the completion window expired."
CANCELLED_MESSAGE = "This request was not executed because the batch was cancelled."

Answer = Callable[[dict[str, Any], str], tuple[int, Any, dict[str, str]]]
"""The synchronous answer to one chat completion body: (status, JSON payload, headers)."""


@dataclass(frozen=True)
class JobPlan:
    """How one created batch behaves; the default completes every request."""

    expire_after: int | None = None
    """Run only this many requests, then expire (the rest get `batch_expired`)."""
    invalid: bool = False
    """Fail validation (status `failed`, `errors.data` filled)."""
    garble: tuple[int, ...] = ()
    """1-based output-file lines replaced by text that is not JSON."""
    hold: bool = False
    """Stay `in_progress` until `BatchService.release()`."""


@dataclass
class StoredFile:
    id: str
    purpose: str
    filename: str
    data: bytes
    created_at: int

    def object(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.data),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "expires_at": None,
            "status_details": None,
        }


@dataclass
class FakeBatch:
    object: dict[str, Any]
    plan: JobPlan
    auth: str
    lines: list[dict[str, Any]] = field(default_factory=list)
    tokens: int = 0


Response = tuple[int, bytes, str, dict[str, str]]
"""(status, body, content type, headers)."""


class BatchService:
    """The files and batches of one fake server; thread-safe."""

    def __init__(
        self,
        answer: Answer,
        *,
        plans: list[JobPlan] | None = None,
        max_requests: int = MAX_REQUESTS,
        max_file_bytes: int = MAX_FILE_BYTES,
        queue_tokens: int | None = None,
    ) -> None:
        self.answer = answer
        self.queue_tokens = queue_tokens
        self.plans = list(plans or [])
        self.max_requests = max_requests
        self.max_file_bytes = max_file_bytes
        self.files: dict[str, StoredFile] = {}
        self.batches: dict[str, FakeBatch] = {}
        self.order: list[str] = []
        self.released = threading.Event()
        self.lock = threading.RLock()

    # -- what tests use --------------------------------------------------------------------

    def release(self) -> None:
        """Let held batches finish."""
        self.released.set()

    def input_lines(self, batch_id: str) -> list[dict[str, Any]]:
        batch = self.batches[batch_id]
        return _jsonl(self.files[batch.object["input_file_id"]].data)

    def expire_now(self, batch_id: str) -> None:
        """End an in-progress batch at once, as the 24 h window closing would."""
        with self.lock:
            batch = self.batches[batch_id]
            if batch.object["status"] in ("validating", "in_progress"):
                self._run(batch, limit=0)

    # -- routing ---------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        parts = [p for p in path.split("?")[0].strip("/").split("/") if p]
        query = path.split("?")[1] if "?" in path else ""
        auth = headers.get("authorization", "")
        with self.lock:
            if parts[:2] == ["v1", "files"]:
                if method == "POST" and len(parts) == 2:
                    return self._upload(headers.get("content-type", ""), body)
                if method == "GET" and len(parts) == 3:
                    return self._file(parts[2], content=False)
                if method == "GET" and len(parts) == 4 and parts[3] == "content":
                    return self._file(parts[2], content=True)
            if parts[:2] == ["v1", "batches"]:
                if method == "POST" and len(parts) == 2:
                    return self._create(body, auth)
                if method == "GET" and len(parts) == 2:
                    return self._list(query)
                if method == "GET" and len(parts) == 3:
                    return self._retrieve(parts[2])
                if method == "POST" and len(parts) == 4 and parts[3] == "cancel":
                    return self._cancel(parts[2])
        return _error(404, f"Invalid URL ({method} {path})")

    # -- files -----------------------------------------------------------------------------

    def _upload(self, content_type: str, body: bytes) -> Response:
        fields = _multipart(content_type, body)
        purpose = fields.get("purpose", (None, b""))[1].decode()
        if "file" not in fields:
            return _error(400, "Missing required parameter: 'file'.", param="file")
        if purpose not in ("batch", "assistants", "fine-tune", "vision", "user_data", "evals"):
            return _error(400, f"Invalid value for 'purpose': {purpose!r}.", param="purpose")
        filename, data = fields["file"]
        if purpose == "batch" and len(data) > self.max_file_bytes:
            return _error(
                400,
                f"File is too large: {len(data)} bytes; batch input files may be at most "
                f"{self.max_file_bytes} bytes.",
                param="file",
            )
        stored = StoredFile(
            _new_id("file-"), purpose, filename or "upload.jsonl", data, int(time.time())
        )
        self.files[stored.id] = stored
        return _json(200, stored.object())

    def _file(self, file_id: str, *, content: bool) -> Response:
        stored = self.files.get(file_id)
        if stored is None:
            return _error(404, f"No such File object: {file_id}", param="id")
        if content:
            return 200, stored.data, "application/octet-stream", {}
        return _json(200, stored.object())

    def _new_file(self, lines: list[str], name: str) -> str | None:
        if not lines:
            return None
        data = ("\n".join(lines) + "\n").encode()
        stored = StoredFile(_new_id("file-"), "batch_output", name, data, int(time.time()))
        self.files[stored.id] = stored
        return stored.id

    # -- batches ---------------------------------------------------------------------------

    def _create(self, body: bytes, auth: str) -> Response:
        try:
            params = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return _error(400, "We could not parse the JSON body of your request.")
        for name in ("input_file_id", "endpoint", "completion_window"):
            if not params.get(name):
                return _error(400, f"Missing required parameter: '{name}'.", param=name)
        if params["endpoint"] not in ENDPOINTS:
            return _error(400, f"Invalid endpoint: {params['endpoint']!r}.", param="endpoint")
        if params["completion_window"] != "24h":
            return _error(
                400,
                "Invalid completion_window: only '24h' is supported.",
                param="completion_window",
            )
        stored = self.files.get(params["input_file_id"])
        if stored is None:
            return _error(404, f"No such File object: {params['input_file_id']}", param="id")
        if stored.purpose != "batch":
            return _error(400, "The input file must be uploaded with purpose 'batch'.")
        metadata = params.get("metadata")
        if metadata is not None and (
            len(metadata) > 16
            or any(len(str(k)) > 64 or len(str(v)) > 512 for k, v in metadata.items())
        ):
            return _error(400, "Invalid metadata.", param="metadata")
        now = int(time.time())
        batch_id = _new_id("batch_")
        plan = self.plans.pop(0) if self.plans else JobPlan()
        self.batches[batch_id] = FakeBatch(
            {
                "id": batch_id,
                "object": "batch",
                "endpoint": params["endpoint"],
                "errors": None,
                "input_file_id": stored.id,
                "completion_window": "24h",
                "status": "validating",
                "output_file_id": None,
                "error_file_id": None,
                "created_at": now,
                "in_progress_at": None,
                "expires_at": now + 24 * 3600,
                "finalizing_at": None,
                "completed_at": None,
                "failed_at": None,
                "expired_at": None,
                "cancelling_at": None,
                "cancelled_at": None,
                "request_counts": {"total": 0, "completed": 0, "failed": 0},
                "metadata": metadata,
            },
            plan,
            auth,
        )
        self.order.append(batch_id)
        return _json(200, self.batches[batch_id].object)

    def _retrieve(self, batch_id: str) -> Response:
        batch = self.batches.get(batch_id)
        if batch is None:
            return _error(404, f"No batch found with id '{batch_id}'.")
        self._advance(batch)
        return _json(200, batch.object)

    def _list(self, query: str) -> Response:
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        limit = max(1, min(100, int(params.get("limit", "20"))))
        ids = list(reversed(self.order))
        if params.get("after") in ids:
            ids = ids[ids.index(params["after"]) + 1 :]
        page = [self.batches[i].object for i in ids[:limit]]
        return _json(
            200,
            {
                "object": "list",
                "data": page,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": len(ids) > limit,
            },
        )

    def _cancel(self, batch_id: str) -> Response:
        batch = self.batches.get(batch_id)
        if batch is None:
            return _error(404, f"No batch found with id '{batch_id}'.")
        state = batch.object["status"]
        if state in ("completed", "failed", "expired", "cancelled"):
            return _error(409, f"Cannot cancel a batch with status '{state}'.")
        if state != "cancelling":
            batch.object["status"] = "cancelling"
            batch.object["cancelling_at"] = int(time.time())
        return _json(200, batch.object)

    def _advance(self, batch: FakeBatch) -> None:
        """One step of the batch's life per read, so clients see every state."""
        obj = batch.object
        now = int(time.time())
        state = obj["status"]
        if state == "validating":
            problems = self._validate(batch)
            if problems or batch.plan.invalid:
                obj["status"], obj["failed_at"] = "failed", now
                obj["errors"] = {
                    "object": "list",
                    "data": problems
                    or [
                        {
                            "code": "invalid_request",
                            "message": "The input file failed validation.",
                            "param": None,
                            "line": 1,
                        }
                    ],
                }
                return
            over = self._over_queue(batch)
            if over:
                obj["status"], obj["failed_at"] = "failed", now
                obj["errors"] = {"object": "list", "data": [over]}
                return
            obj["status"], obj["in_progress_at"] = "in_progress", now
            obj["request_counts"]["total"] = len(batch.lines)
        elif state == "in_progress":
            if batch.plan.hold and not self.released.is_set():
                return
            self._run(batch, limit=batch.plan.expire_after)
        elif state == "finalizing":
            obj["status"], obj["completed_at"] = "completed", now
        elif state == "cancelling":
            self._run(batch, limit=0, cancelled=True)

    def _over_queue(self, batch: FakeBatch) -> dict[str, Any] | None:
        batch.tokens = sum(
            len(str(m.get("content") or "")) // 4
            for line in batch.lines
            for m in line["body"].get("messages", [])
        )
        if self.queue_tokens is None:
            return None
        running = sum(
            b.tokens
            for b in self.batches.values()
            if b is not batch and b.object["status"] in ("in_progress", "finalizing")
        )
        if running + batch.tokens <= self.queue_tokens:
            return None
        model = batch.lines[0]["body"]["model"] if batch.lines else "?"
        return _problem(
            "token_limit_exceeded",
            f"Enqueued token limit reached for {model} in organization org-fake. Limit: "
            f"{self.queue_tokens:,} enqueued tokens. Please try submitting fewer tokens.",
            None,
        )

    def _validate(self, batch: FakeBatch) -> list[dict[str, Any]]:
        data = self.files[batch.object["input_file_id"]].data
        problems: list[dict[str, Any]] = []
        seen: set[str] = set()
        models: set[str] = set()
        raw_lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
        if len(raw_lines) > self.max_requests:
            return [_problem("too_many_requests", f"at most {self.max_requests} requests", None)]
        for number, raw in enumerate(raw_lines, start=1):
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                problems.append(_problem("invalid_json_line", "This line is not JSON.", number))
                continue
            custom_id = line.get("custom_id") if isinstance(line, dict) else None
            if not isinstance(custom_id, str) or not custom_id:
                problems.append(_problem("missing_custom_id", "custom_id is required.", number))
            elif custom_id in seen:
                problems.append(_problem("duplicate_custom_id", f"{custom_id} repeats.", number))
            else:
                seen.add(custom_id)
            if line.get("method") != "POST":
                problems.append(_problem("invalid_method", "method must be POST.", number))
            if line.get("url") != batch.object["endpoint"]:
                problems.append(
                    _problem("mismatched_url", "url must match the batch endpoint.", number)
                )
            body = line.get("body")
            if not isinstance(body, dict) or not body.get("model"):
                problems.append(_problem("missing_model", "body.model is required.", number))
            else:
                models.add(body["model"])
            batch.lines.append(line)
        if len(models) > 1:
            problems.append(
                _problem("mismatched_model", "All requests must use the same model.", None)
            )
        return problems

    def _run(self, batch: FakeBatch, *, limit: int | None, cancelled: bool = False) -> None:
        """Answer the requests (up to `limit`), write the files, end the batch."""
        obj = batch.object
        outputs: list[str] = []
        errors: list[str] = []
        for index, line in enumerate(batch.lines):
            entry = {"id": _new_id("batch_req_"), "custom_id": line.get("custom_id")}
            if limit is not None and index >= limit:
                code = "batch_cancelled" if cancelled else "batch_expired"
                message = CANCELLED_MESSAGE if cancelled else EXPIRED_MESSAGE
                entry |= {"response": None, "error": {"code": code, "message": message}}
                errors.append(json.dumps(entry))
                continue
            status, payload, _ = self.answer(line["body"], batch.auth)
            if status == -1:
                entry |= {
                    "response": None,
                    "error": {"code": "request_timeout", "message": "The request timed out."},
                }
                errors.append(json.dumps(entry))
                continue
            entry |= {
                "response": {
                    "status_code": status,
                    "request_id": secrets.token_hex(16),
                    "body": payload,
                },
                "error": None,
            }
            (outputs if status == 200 else errors).append(json.dumps(entry))
        for number in batch.plan.garble:
            if 0 < number <= len(outputs):
                outputs[number - 1] = outputs[number - 1][: len(outputs[number - 1]) // 2]
        now = int(time.time())
        obj["output_file_id"] = self._new_file(outputs, f"{obj['id']}_output.jsonl")
        obj["error_file_id"] = self._new_file(errors, f"{obj['id']}_error.jsonl")
        obj["request_counts"] = {
            "total": len(batch.lines),
            "completed": len(outputs),
            "failed": len(errors),
        }
        if cancelled:
            obj["status"], obj["cancelled_at"] = "cancelled", now
        elif limit is not None and limit < len(batch.lines):
            obj["status"], obj["expired_at"] = "expired", now
        else:
            obj["status"], obj["finalizing_at"] = "finalizing", now


def _problem(code: str, message: str, line: int | None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": None, "line": line}


def _jsonl(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode().splitlines() if line.strip()]


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def _json(status: int, payload: Any) -> Response:
    return status, json.dumps(payload).encode(), "application/json", {}


def _error(status: int, message: str, *, param: str | None = None) -> Response:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": None}
    return _json(status, {"error": error})


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """The fields of a multipart/form-data body: name → (filename, bytes)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, tuple[str | None, bytes]] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True) or b""
            fields[str(name)] = (part.get_filename(), payload)
    return fields
