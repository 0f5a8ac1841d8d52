"""Chat Completions bodies: what the OpenAI adapter sends and how it reads the answer; pure.

`quizgen.llm.openai` decides when and how often to call; this module decides what a call says.
The Batch API mode (`quizgen.batch_api`) writes the same bodies into its input files, so a
request means the same thing whichever way it travels. In `json_schema` mode the answer's
shape is enforced by a strict schema; in `json_object` mode (servers without Structured
Outputs) the schema travels as a note at the end of the last user message instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Callable, Collection
from typing import Any

from quizgen.llm.base import FinishReason, GenerationTask, LLMRequest, LLMResponse, Message, Usage
from quizgen.llm.schema import StrictSchemaError, strict_schema

JSON_SCHEMA = "json_schema"
JSON_OBJECT = "json_object"


class UnusableAnswer(ValueError):
    """A completion without the shape every Chat Completions server gives (a `choices` list,
    each with a `message`): a broken gateway or proxy, not the model's words."""


_REASONING_MODEL = re.compile(r"^(?:[\w.-]+/)?(?:o\d+(?:-|$)|gpt-5(?![\w.-]*-chat))")


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


def chat_body(
    request: LLMRequest,
    *,
    model: str,
    mode: str,
    temperature: float | None,
    dropped: Collection[str] = (),
) -> dict[str, Any]:
    """The body for `request` in `mode`, without the optional parameters in `dropped` (those
    the server refused). A schema strict mode cannot express falls back to the note."""
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
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        "response_format": response_format,
    }
    if temperature is not None and "temperature" not in dropped:
        arguments["temperature"] = temperature
    if "prompt_cache_key" not in dropped:
        arguments["prompt_cache_key"] = cache_key(request)
    return arguments


def read_answer(completion: Any, *, model: str, clean: Callable[[str], str]) -> LLMResponse:
    """An `LLMResponse` from a Chat Completion object (or the same shape parsed from a Batch
    API output file); `model` when the answer names none; `clean` words a refusal."""
    model = getattr(completion, "model", None) or model
    usage = _usage(getattr(completion, "usage", None))
    choices = getattr(completion, "choices", None) or []
    if not isinstance(choices, list):
        raise UnusableAnswer(f"choices is {type(choices).__name__}, not a list")
    if not choices:
        return LLMResponse(text="", model=model, usage=usage)
    choice = choices[0]
    message = getattr(choice, "message", None)
    if message is None:
        raise UnusableAnswer("the first choice has no message")
    content = getattr(message, "content", None)
    if not isinstance(content, str | None):
        raise UnusableAnswer(f"the message content is {type(content).__name__}, not text")
    refusal = getattr(message, "refusal", None)
    finish: FinishReason = "stop"
    if refusal:
        finish = "refusal"
    elif getattr(choice, "finish_reason", None) == "length":
        finish = "length"
    elif getattr(choice, "finish_reason", None) == "content_filter":
        finish = "content_filter"
    return LLMResponse(
        text=content or "",
        model=model,
        finish_reason=finish,
        usage=usage,
        refusal=clean(refusal) if refusal else None,
    )


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
