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
- A 2xx answer that is not a usable completion (not JSON, no `choices` list, a choice without a
  message) ends the call with `ProviderError(transient=True)`, like any unusable answer.
- Error messages are one line, and the API key never appears in them.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import openai

from quizgen.errors import ConfigError, ProviderError, one_line
from quizgen.llm.base import LLMRequest, LLMResponse
from quizgen.llm.chat import (
    JSON_OBJECT,
    JSON_SCHEMA,
    UnusableAnswer,
    cache_key,
    chat_body,
    is_reasoning_model,
    read_answer,
)
from quizgen.llm.ratelimit import RateGate
from quizgen.retrying import RetryPolicy, retry_after_seconds

__all__ = ["OpenAIAdapter", "cache_key", "is_reasoning_model", "retry_after_seconds"]

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

OPTIONAL_PARAMETERS = ("temperature", "prompt_cache_key")
TRANSIENT_STATUSES = frozenset({408, 409})


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
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        """`http_client` replaces the openai package's own (an `httpx.MockTransport` in tests);
        `timeout` still applies to every call."""
        self.model = model
        self.base_url = base_url
        self.policy = RetryPolicy.of(max_attempts, backoff, MAX_BACKOFF)
        self.max_retry_after = max_retry_after
        self.gate = gate or RateGate()
        self._warn = warn
        self._warned: set[str] = set()
        self._api_key = api_key
        self._client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
            http_client=http_client,
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

    @property
    def max_attempts(self) -> int:
        return self.policy.max_attempts

    @property
    def backoff(self) -> float:
        return self.policy.base

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
                    delay = self.policy.backoff(waits)
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
                if not self.policy.may_retry(failures):
                    raise ProviderError(
                        f"{self._describe(exc)} (gave up after {failures} attempts)",
                        transient=True,
                    ) from None
                await anyio.sleep(self.policy.backoff(failures))
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
                    if self.policy.may_retry(failures):
                        await anyio.sleep(self.policy.backoff(failures))
                        continue
                raise ProviderError(self._describe(exc), transient=exc.status_code >= 500) from None
            except (openai.APIError, json.JSONDecodeError) as exc:
                raise self._unusable(exc) from None
            self.gate.succeeded()
            self._decide_mode(sent_mode)
            try:
                return self._response(completion)
            except UnusableAnswer as exc:
                raise self._unusable(exc) from None

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
        return chat_body(
            request,
            model=self.model,
            mode=mode or self.mode,
            temperature=self.temperature,
            dropped=self._dropped,
        )

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
        return read_answer(completion, model=self.model, clean=self._clean)

    def _unusable(self, exc: Exception) -> ProviderError:
        """A 2xx whose body is not a usable completion (not JSON, or not its shape)."""
        detail = f"not JSON ({exc})" if isinstance(exc, json.JSONDecodeError) else str(exc)
        return ProviderError(
            f"unusable answer from the server: {self._clean(detail)}", transient=True
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
        return one_line(text, secret=self._api_key)

    def _warn_once(self, key: str, text: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self._warn(text)
