"""The seam between generation and any LLM: one request shape, one response shape, one protocol.

A request carries both the rendered conversation (what a real model reads) and the structured
`GenerationTask` behind it (what the offline mock reads to build grounded questions without
parsing prompts). Nothing outside `quizgen/llm/` knows which adapter it is talking to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class GenerationTask:
    """What one batch asks for right now: `count` more questions of one type from one module."""

    quiz_id: str
    batch_key: str
    module_id: str
    module_name: str
    question_type: str
    count: int
    language: str
    content: str
    difficulty: str | None = None
    instructions: str | None = None
    avoid: tuple[str, ...] = ()
    """Question texts already taken in this quiz; a new question must not repeat one."""
    module_batches: tuple[tuple[str, str, int], ...] = ()
    """(batch key, question type, target count) of every batch of this module: the whole plan,
    so a model (the offline mock) can spread the module's facts over its batches up front."""


@dataclass(frozen=True)
class VerificationItem:
    """One question to answer from its quote alone, as the verifier sees it (no key)."""

    number: int
    question_type: str
    question_text: str
    quote: str
    options: tuple[str, ...] = ()
    """Option texts, lettered a), b), … in the prompt; empty for true/false and fill-in-blank."""
    blanks: int = 0


@dataclass(frozen=True)
class VerificationTask:
    """An independent check of finished questions: answer each from its quote, without the key.

    Like a generation request, the messages and JSON schema alone are enough to answer it; the
    items are here so the offline mock can answer without parsing the prompt."""

    quiz_id: str
    batch_key: str
    module_id: str
    language: str
    items: tuple[VerificationItem, ...]


@dataclass(frozen=True)
class LLMRequest:
    task: GenerationTask | VerificationTask
    messages: tuple[Message, ...]
    json_schema: dict[str, Any]
    attempt: int = 1
    """1-based number of this call within its batch's current run (corrections count)."""


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0


FinishReason = Literal["stop", "length", "refusal", "content_filter", "error"]


@dataclass(frozen=True)
class LLMResponse:
    text: str
    model: str
    finish_reason: FinishReason = "stop"
    usage: Usage = field(default_factory=Usage)
    refusal: str | None = None


class LLMAdapter(Protocol):
    """An LLM that answers generation requests.

    `complete` retries transient failures itself (rate limits, 5xx, timeouts) and raises
    `quizgen.errors.ProviderError` once it gives up; generation treats that as the end of the
    batch's run, keeping whatever questions it already has.
    """

    provider: str
    model: str

    async def complete(self, request: LLMRequest) -> LLMResponse: ...

    async def aclose(self) -> None: ...
