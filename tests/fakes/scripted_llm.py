"""An LLM adapter that answers from a per-batch script, and records what it was asked."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio

from quizgen.errors import ProviderError
from quizgen.llm.base import LLMRequest, LLMResponse, Usage

Reply = str | Exception | Callable[[LLMRequest], str]


def fact(index: int) -> str:
    return f"Fact {index} states that organelle {index} keeps the cell alive."


def content(facts: int = 60) -> str:
    return " ".join(fact(i) for i in range(1, facts + 1))


def tf_question(index: int, *, quote: str | None = None, text: str | None = None) -> dict:
    return {
        "question_text": text
        or f"Organelle {index} keeps the cell alive according to fact {index}.",
        "correct_answer": True,
        "explanation": f"Fact {index} says so.",
        "source_quote": quote or fact(index),
    }


def answer(questions: list[dict]) -> str:
    return json.dumps({"questions": questions})


@dataclass
class ScriptedAdapter:
    """Replies come from `script[batch_key]` in order; past its end, `fallback` answers."""

    script: dict[str, list[Reply]] = field(default_factory=dict)
    fallback: Callable[[LLMRequest], str] | None = None
    delay: float = 0.0
    provider: str = "scripted"
    model: str = "scripted-1"
    requests: list[LLMRequest] = field(default_factory=list)
    in_flight: int = 0
    peak_in_flight: int = 0

    async def complete(self, request: LLMRequest) -> LLMResponse:
        self.requests.append(request)
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            await anyio.sleep(self.delay)
            replies = self.script.get(request.task.batch_key, [])
            used = sum(1 for r in self.requests if r.task.batch_key == request.task.batch_key)
            reply: Reply
            if used <= len(replies):
                reply = replies[used - 1]
            elif self.fallback is not None:
                reply = self.fallback
            else:
                raise ProviderError(f"script for {request.task.batch_key} ran out")
            if isinstance(reply, Exception):
                raise reply
            text = reply(request) if callable(reply) else reply
            return LLMResponse(text=text, model=self.model, usage=Usage(100, 50, 10))
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        return None

    def asked(self, key: str) -> list[LLMRequest]:
        return [r for r in self.requests if r.task.batch_key == key]


def numbered_true_false(start: int) -> Callable[[LLMRequest], str]:
    """A fallback that answers any request with fresh, valid true/false questions."""
    counter = {"next": start}

    def reply(request: LLMRequest) -> str:
        first = counter["next"]
        counter["next"] += request.task.count
        return answer([tf_question(i) for i in range(first, first + request.task.count)])

    return reply
