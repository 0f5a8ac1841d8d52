"""The OpenAI adapter: any `LLMRequest` as one Chat Completions call, with every failure handled.

What a caller may rely on:
- The request is answered from `request.messages` and `request.json_schema` alone, so any kind of
  request (generation, verification, …) goes through it; `request.task` is used only for
  metadata (the `prompt_cache_key`, shared by every call about one module's content).
- Structured Outputs with a strict schema (`quizgen.llm.schema.strict_schema`) first. The mode
  is decided once per adapter (one run, one model) by the first answer, and never changes:
  until then, a call whose `json_schema` request gets a 400/422 naming no other parameter
  (older vLLM, Ollama, gateways) tries once in plain JSON mode with the schema written into the
  prompt, and if that is answered, plain JSON is the mode from then on (only the first calls
  pay for the refusal). A call sent in the other mode before the decision retries once in the
  decided one. After the decision, a 400 is that request's own fault. An optional parameter
  the server names as the culprit of a 400 (`temperature`, `prompt_cache_key`) is dropped for
  good, once.
- Reasoning models (o1/o3/o4, gpt-5 families) never get `temperature`; a non-default one in
  the spec gives one warning, not a failure.
- The openai client's own retries are off (`max_retries=0`) so nothing is retried twice.
  Here: a 429 pauses the whole run through the shared `RateGate` for the server's
  `retry-after-ms` / `Retry-After` (or a backoff), then paces calls; 408/409/5xx, connection
  errors and timeouts back off with jitter per call. After `max_attempts` a
  `ProviderError(transient=True)` ends the batch's run.
- 401 (key), 403 (access), 404 (model or URL) and a 429 `insufficient_quota` are final for the
  whole run: they raise `ProviderError(transient=False)` at once, and every later call fails the
  same way without reaching the server. A 400 is final for that request only.
- Error messages are one line, and the API key never appears in them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import random
import re
import sys
from collections.abc import Callable
from typing import Any

import anyio
import openai

from quizgen.errors import ConfigError, ProviderError
from quizgen.llm.base import (
    FinishReason,
    GenerationTask,
    LLMRequest,
    LLMResponse,
    Message,
    Usage,
)
from quizgen.llm.ratelimit import RateGate
from quizgen.llm.schema import StrictSchemaError, strict_schema

DEFAULT_TIMEOUT = 300.0
"""Seconds per call; reasoning models writing 20 questions can take minutes."""
DEFAULT_MAX_ATTEMPTS = 6
DEFAULT_BACKOFF = 1.0
"""First backoff in seconds; doubled per attempt, capped at `MAX_BACKOFF`, with jitter."""
MAX_BACKOFF = 30.0
MAX_RATE_LIMIT_WAITS = 30
"""429s one call may wait out: the server says when to come back, so this is generous."""
MAX_RETRY_AFTER = 120.0
"""A longer `Retry-After` (a daily quota) ends the call instead of stalling the run."""

JSON_SCHEMA = "json_schema"
JSON_OBJECT = "json_object"
OPTIONAL_PARAMETERS = ("temperature", "prompt_cache_key")
TRANSIENT_STATUSES = frozenset({408, 409})

_REASONING_MODEL = re.compile(r"^(?:[\w.-]+/)?(?:o\d+(?:-|$)|gpt-5(?![\w.-]*-chat))")
_API_KEY_LIKE = re.compile(r"\b(sk-[A-Za-z0-9_\-]{3})[A-Za-z0-9_\-]{6,}")


def is_reasoning_model(model: str) -> bool:
    """o1/o3/o4-… and gpt-5… (not gpt-5-chat): models that reject `temperature`."""
    return bool(_REASONING_MODEL.match(model))


def cache_key(request: LLMRequest) -> str:
    """One key per module content: every call about the same text shares OpenAI's cache.

    A verification request carries no content (its prompt starts with its own system text),
    so its calls share one key per quiz module, apart from the generation calls."""
    task = request.task
    if isinstance(task, GenerationTask) and task.content:
        basis = task.content
    else:
        basis = f"{type(task).__name__}/{task.quiz_id}/{task.module_id}"
    return "quizgen-" + hashlib.sha256(basis.encode()).hexdigest()[:24]


def retry_after_seconds(headers: Any) -> float | None:
    """`retry-after-ms` (OpenAI's precise header) or `Retry-After` in seconds; None if absent."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name) if headers is not None else None
        if raw is None:
            continue
        try:
            value = float(raw) * scale
        except ValueError:
            continue
        if math.isfinite(value) and value >= 0:
            return value
    return None


def stderr_warning(text: str) -> None:
    print(f"warning: {text}", file=sys.stderr, flush=True)


class OpenAIAdapter:
    """An `LLMAdapter` over OpenAI's Chat Completions API (or any compatible server)."""

    provider = "openai"

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        temperature: float | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff: float = DEFAULT_BACKOFF,
        max_retry_after: float = MAX_RETRY_AFTER,
        warn: Callable[[str], None] = stderr_warning,
        gate: RateGate | None = None,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.max_attempts = max(1, max_attempts)
        self.backoff = max(0.0, backoff)
        self.max_retry_after = max_retry_after
        self.gate = gate or RateGate()
        self._warn = warn
        self._warned: set[str] = set()
        self._api_key = api_key
        self._client = openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        )
        self.mode = JSON_SCHEMA
        self.mode_decided = False
        """True once an answer proved the mode (see the module docstring); never changes."""
        self._dropped: set[str] = set()
        self._fatal: ProviderError | None = None
        self.temperature = temperature
        if temperature is not None and is_reasoning_model(model):
            self.temperature = None
            if temperature != 1:
                self._warn_once(
                    "temperature",
                    f"model {model} is a reasoning model and takes no temperature; "
                    f"the spec's temperature {temperature:g} is not sent",
                )

    @classmethod
    def from_settings(
        cls,
        *,
        api_key: str,
        model: str,
        temperature: float | None = None,
        base_url: str | None = None,
    ) -> OpenAIAdapter:
        """Build from the CLI's choices plus the environment / config file for the rest.

        `base_url`: the argument (`--base-url`, spec `llm.base_url`), else `OPENAI_BASE_URL`,
        else `[openai] base_url`, else OpenAI. Tuning (timeout, max_attempts, backoff) comes
        from the one settings model, `quizgen.settings`.
        """
        from quizgen.settings import load_settings

        settings = load_settings({"openai": {"base_url": base_url}}).openai
        url = settings.base_url
        if url and not re.match(r"^https?://[^\s/]+", url):
            raise ConfigError(
                f"OpenAI base URL must start with http:// or https:// (got {url!r}); "
                "set it with --base-url, OPENAI_BASE_URL or [openai] base_url"
            )
        return cls(
            api_key=api_key,
            model=model,
            temperature=temperature,
            base_url=url,
            timeout=DEFAULT_TIMEOUT if settings.timeout is None else settings.timeout,
            max_attempts=settings.max_attempts or DEFAULT_MAX_ATTEMPTS,
            backoff=DEFAULT_BACKOFF if settings.backoff is None else settings.backoff,
        )

    # -- the call --------------------------------------------------------------------------

    async def complete(self, request: LLMRequest) -> LLMResponse:
        if self._fatal is not None:
            raise self._fatal
        failures = waits = 0
        mode = self.mode
        tried_modes: set[str] = set()
        while True:
            arguments = self._arguments(request, mode)
            sent_mode = mode
            tried_modes.add(sent_mode)
            sent_at = await self.gate.wait_turn()
            try:
                completion = await self._client.chat.completions.create(**arguments)
            except openai.RateLimitError as exc:
                if exc.code == "insufficient_quota":
                    raise self._final(exc, "the account's quota is used up (429)") from None
                waits += 1
                delay = retry_after_seconds(exc.response.headers)
                if delay is None:
                    delay = self._backoff_delay(waits)
                if delay > self.max_retry_after:
                    raise ProviderError(
                        f"rate limited: the server asks to wait {delay:.0f} s "
                        f"(more than {self.max_retry_after:.0f} s); retry later",
                        transient=True,
                    ) from None
                if waits > MAX_RATE_LIMIT_WAITS:
                    raise ProviderError(
                        f"still rate limited (429) after {waits - 1} waits", transient=True
                    ) from None
                self.gate.rate_limited(delay, sent_at=sent_at)
                continue
            except (openai.APIConnectionError, openai.InternalServerError) as exc:
                failures += 1
                if failures >= self.max_attempts:
                    raise ProviderError(
                        f"{self._describe(exc)} (gave up after {failures} attempts)",
                        transient=True,
                    ) from None
                await anyio.sleep(self._backoff_delay(failures))
                continue
            except openai.AuthenticationError as exc:
                # The server's text may echo part of the key; it adds nothing a user needs.
                raise self._final(
                    exc,
                    "the API key was refused (401); check OPENAI_API_KEY or [openai] api_key "
                    "in the config file",
                ) from None
            except openai.PermissionDeniedError as exc:
                raise self._final(exc, self._describe(exc)) from None
            except openai.NotFoundError as exc:
                raise self._final(
                    exc,
                    f"model {self.model!r} or the API URL was not found at "
                    f"{self.base_url or 'api.openai.com'} ({self._describe(exc)})",
                ) from None
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                retry_mode = self._adapt_to_refusal(exc, arguments, sent_mode, tried_modes)
                if retry_mode is not None:
                    mode = retry_mode
                    continue
                raise ProviderError(
                    f"the server refused the request: {self._describe(exc)}", transient=False
                ) from None
            except openai.APIStatusError as exc:
                if exc.status_code in TRANSIENT_STATUSES or exc.status_code >= 500:
                    failures += 1
                    if failures < self.max_attempts:
                        await anyio.sleep(self._backoff_delay(failures))
                        continue
                raise ProviderError(self._describe(exc), transient=exc.status_code >= 500) from None
            except openai.APIError as exc:
                raise ProviderError(
                    f"unusable answer from the server: {self._clean(str(exc))}", transient=True
                ) from None
            self.gate.succeeded()
            self._decide_mode(sent_mode)
            return self._response(completion)

    async def aclose(self) -> None:
        await self._client.close()

    # -- pieces ----------------------------------------------------------------------------

    def request_body(self, request: LLMRequest) -> dict[str, Any]:
        """The Chat Completions body `complete` would send for `request` now; the Batch API
        mode (`quizgen.batch_api`) writes these into its input files."""
        return self._arguments(request, self.mode)

    def read_completion(self, completion: Any) -> LLMResponse:
        """An answer as `complete` returns it, from a Chat Completion object (the Batch API
        mode reads them from its output files)."""
        return self._response(completion)

    def _arguments(self, request: LLMRequest, mode: str | None = None) -> dict[str, Any]:
        """The request body for `request` in `mode` (default: the adapter's current mode)."""
        mode = mode or self.mode
        messages = list(request.messages)
        response_format: dict[str, Any] = {"type": JSON_OBJECT}
        if mode == JSON_SCHEMA:
            with contextlib.suppress(StrictSchemaError):
                response_format = {
                    "type": JSON_SCHEMA,
                    "json_schema": {
                        "name": _schema_name(request),
                        "strict": True,
                        "schema": strict_schema(request.json_schema),
                    },
                }
        if response_format["type"] == JSON_OBJECT:
            messages = _with_schema_note(messages, request.json_schema)
        arguments: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "response_format": response_format,
        }
        if self.temperature is not None and "temperature" not in self._dropped:
            arguments["temperature"] = self.temperature
        if "prompt_cache_key" not in self._dropped:
            arguments["prompt_cache_key"] = cache_key(request)
        return arguments

    def _adapt_to_refusal(
        self,
        exc: openai.APIStatusError,
        arguments: dict[str, Any],
        sent_mode: str,
        tried_modes: set[str],
    ) -> str | None:
        """What to send again after a 400/422, or None: the request's own fault, final.

        An optional parameter the server names is dropped for good. Before the mode is decided,
        a refused `json_schema` request is tried once in plain JSON mode; after, a request sent
        in the other mode is tried once in the decided one."""
        param = exc.param or ""
        for name in OPTIONAL_PARAMETERS:
            if name in arguments and param == name:
                self._dropped.add(name)
                self._warn_once(
                    f"drop-{name}",
                    f"the server refuses {name!r} for model {self.model}; no longer sending it",
                )
                return sent_mode
        if self.mode_decided:
            return self.mode if self.mode not in tried_modes else None
        if sent_mode == JSON_SCHEMA and param in ("", "response_format"):
            return JSON_OBJECT if JSON_OBJECT not in tried_modes else None
        return None

    def _decide_mode(self, answered_mode: str) -> None:
        """The first answer decides the response-format mode for the rest of the run."""
        if self.mode_decided:
            return
        self.mode = answered_mode
        self.mode_decided = True
        if answered_mode == JSON_OBJECT:
            self._warn_once(
                "json-object",
                "the server refuses Structured Outputs (json_schema); using plain JSON mode "
                "with the schema in the prompt",
            )

    def _response(self, completion: Any) -> LLMResponse:
        model = getattr(completion, "model", None) or self.model
        usage = _usage(getattr(completion, "usage", None))
        choices = getattr(completion, "choices", None) or []
        if not choices:
            return LLMResponse(text="", model=model, usage=usage)
        choice = choices[0]
        message = choice.message
        refusal = getattr(message, "refusal", None)
        finish: FinishReason = "stop"
        if refusal:
            finish = "refusal"
        elif choice.finish_reason == "length":
            finish = "length"
        elif choice.finish_reason == "content_filter":
            finish = "content_filter"
        return LLMResponse(
            text=message.content or "",
            model=model,
            finish_reason=finish,
            usage=usage,
            refusal=self._clean(refusal) if refusal else None,
        )

    def _final(self, exc: openai.APIError, reason: str) -> ProviderError:
        """A failure no retry can fix: remembered, so later calls fail without a request."""
        error = ProviderError(self._clean(reason), transient=False)
        self._fatal = error
        return error

    def _describe(self, exc: openai.APIError) -> str:
        status = getattr(exc, "status_code", None)
        detail = ""
        body = exc.body
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            detail = body["message"]
        elif isinstance(body, str):
            detail = body
        if isinstance(exc, openai.APITimeoutError):
            return "the request timed out"
        if isinstance(exc, openai.APIConnectionError):
            return f"cannot connect to {self.base_url or 'api.openai.com'}"
        kind = {
            403: "access denied (403)",
            404: "not found (404)",
        }.get(status or 0, f"HTTP {status}")
        return self._clean(f"{kind}: {detail}" if detail else kind)

    def _clean(self, text: str) -> str:
        """One line, at most 300 characters, with the API key (and anything like one) masked."""
        if self._api_key:
            text = text.replace(self._api_key, "***")
        text = _API_KEY_LIKE.sub(r"\1***", text)
        line = " ".join(text.split())
        return line if len(line) <= 300 else line[:297] + "..."

    def _backoff_delay(self, attempt: int) -> float:
        """Exponential, capped, with jitter: half fixed, half random, so callers spread out."""
        ceiling = min(MAX_BACKOFF, self.backoff * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _warn_once(self, key: str, text: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self._warn(text)


def _schema_name(request: LLMRequest) -> str:
    name = re.sub(r"[^A-Za-z0-9_-]", "_", str(request.json_schema.get("title") or ""))
    task = request.task
    kind = task.question_type if isinstance(task, GenerationTask) else "verification"
    return (name or f"{kind}_answer")[:64]


def _with_schema_note(messages: list[Message], schema: dict[str, Any]) -> list[Message]:
    """Plain JSON mode enforces no shape, so the last user message carries the schema."""
    note = "\n\nAnswer with one JSON object that matches this JSON schema:\n" + json.dumps(
        schema, ensure_ascii=False, separators=(",", ":")
    )
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].role == "user":
            last = messages[index]
            return [*messages[:index], Message("user", last.content + note), *messages[index + 1 :]]
    return [*messages, Message("user", note.strip())]


def _usage(raw: Any) -> Usage:
    if raw is None:
        return Usage()
    details = getattr(raw, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) if details is not None else None
    return Usage(
        input_tokens=int(getattr(raw, "prompt_tokens", 0) or 0),
        output_tokens=int(getattr(raw, "completion_tokens", 0) or 0),
        cached_tokens=int(cached or 0),
    )
