"""`MockAdapter`: the offline LLM behind `--provider mock`, and its injected failures.

It never parses the prompt: it reads the structured `GenerationTask` behind the request and
answers with `planning.choose`. Like a model reading its own conversation, it does not repeat a
question it already wrote in earlier answers of the same conversation, nor one in `task.avoid`.

Failures are injected by shell-style patterns on the batch key (`QUIZGEN_MOCK_FAIL`, `_SHORT`,
`_BAD_JSON`), so tests and demos can exercise retries and partial batches.
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
from collections.abc import Iterable, Mapping

import anyio

from quizgen.errors import ConfigError, ProviderError
from quizgen.llm.base import (
    GenerationTask,
    LLMRequest,
    LLMResponse,
    Message,
    Usage,
    VerificationTask,
)
from quizgen.llm.mock.planning import BUILDERS, choose
from quizgen.llm.mock.verify import verify_answer

MODEL = "mock-1"
DEFAULT_LATENCY = 0.05
"""Seconds per call when `QUIZGEN_MOCK_LATENCY` is unset: enough for a progress display to move."""

ENV_LATENCY = "QUIZGEN_MOCK_LATENCY"
ENV_FAIL = "QUIZGEN_MOCK_FAIL"
ENV_SHORT = "QUIZGEN_MOCK_SHORT"
ENV_BAD_JSON = "QUIZGEN_MOCK_BAD_JSON"


class MockAdapter:
    """An `LLMAdapter` that writes questions from the task's content itself; see module docs."""

    provider = "mock"
    model = MODEL

    def __init__(
        self,
        *,
        latency: float = 0.0,
        fail: tuple[str, ...] = (),
        short: tuple[str, ...] = (),
        bad_json: tuple[str, ...] = (),
    ) -> None:
        self.latency = latency
        self.fail = tuple(fail)
        self.short = tuple(short)
        self.bad_json = tuple(bad_json)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MockAdapter:
        """Configure from `QUIZGEN_MOCK_*` variables; a malformed value raises `ConfigError`."""
        env = os.environ if environ is None else environ
        return cls(
            latency=_latency_from(env.get(ENV_LATENCY)),
            fail=_patterns_from(env.get(ENV_FAIL)),
            short=_patterns_from(env.get(ENV_SHORT)),
            bad_json=_patterns_from(env.get(ENV_BAD_JSON)),
        )

    async def complete(self, request: LLMRequest) -> LLMResponse:
        task = request.task
        key = task.batch_key
        if isinstance(task, VerificationTask):
            await anyio.sleep(self.latency)
            self._maybe_fail(key)
            text = json.dumps({"answers": [verify_answer(item) for item in task.items]})
            return _response(request, text)
        if task.question_type not in BUILDERS:
            raise ProviderError(
                f"mock provider: unsupported question type {task.question_type!r}; "
                f"supported: {', '.join(BUILDERS)}"
            )
        count = max(1, task.count // 2) if _matches(key, self.short) else task.count
        taken = (*task.avoid, *_earlier_questions(request.messages))
        chosen = await self._think(task, count, taken)
        self._maybe_fail(key)
        text = json.dumps({"questions": chosen}, ensure_ascii=False)
        if _matches(key, self.bad_json) and request.attempt == 1:
            text = text[: len(text) // 2]  # cut mid-object: never parses
        return _response(request, text)

    def _maybe_fail(self, key: str) -> None:
        if _matches(key, self.fail):
            raise ProviderError(
                f"mock provider: injected failure for batch {key} ({ENV_FAIL})", transient=True
            )

    async def _think(self, task: GenerationTask, count: int, taken: tuple[str, ...]) -> list[dict]:
        """Write while the latency runs, as a real model computes while the caller waits: the
        work runs in a worker thread during the sleep, so concurrent calls do not queue their
        CPU work behind one another on the event loop."""

        def work() -> list[dict]:
            return choose(
                task.content,
                task.question_type,
                count,
                task.batch_key,
                batches=task.module_batches,
                topic=task.module_name,
                taken=taken,
            )

        if self.latency <= 0:
            return work()
        chosen: list[dict] = []

        async def synthesise() -> None:
            chosen.extend(await anyio.to_thread.run_sync(work))

        async with anyio.create_task_group() as group:
            group.start_soon(anyio.sleep, self.latency)
            group.start_soon(synthesise)
        return chosen

    async def aclose(self) -> None:
        return None


def _response(request: LLMRequest, text: str) -> LLMResponse:
    prompt_chars = sum(len(message.content) for message in request.messages)
    return LLMResponse(
        text=text,
        model=MODEL,
        finish_reason="stop",
        usage=Usage(input_tokens=prompt_chars // 4, output_tokens=len(text) // 4),
    )


def _earlier_questions(messages: Iterable[Message]) -> Iterable[str]:
    """Question texts of the conversation's earlier answers."""
    for message in messages:
        if message.role != "assistant":
            continue
        try:
            answer = json.loads(message.content)
        except json.JSONDecodeError:
            continue
        items = answer.get("questions", []) if isinstance(answer, dict) else answer
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("question_text"), str):
                yield item["question_text"]


def _latency_from(raw: str | None) -> float:
    if raw is None or not raw.strip():
        return DEFAULT_LATENCY
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"{ENV_LATENCY} must be a number of seconds, zero or more (got {raw!r})")
    return value


def _patterns_from(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _matches(batch_key: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(batch_key, pattern) for pattern in patterns)
