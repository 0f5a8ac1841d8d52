"""An adapter that replays answers prepared in advance, so a benchmark times quizgen alone.

The mock synthesises questions on the CPU, work a real LLM does elsewhere. To see quizgen's
own cost (screening, checks, storage, concurrency) each batch's first answer is generated
beforehand, outside the timing, and replayed here. Follow-up calls (replacements for rejected
questions) depend on what the run rejected, so the live mock answers those; `follow_ups`
counts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from quizgen.llm.base import LLMRequest, LLMResponse, Usage
from quizgen.llm.mock import MockAdapter


@dataclass
class ReplayAdapter:
    answers: dict[str, LLMResponse] = field(default_factory=dict)
    live: MockAdapter = field(default_factory=lambda: MockAdapter(latency=0))
    provider: str = "replay"
    model: str = "mock-1"
    follow_ups: int = 0

    async def complete(self, request: LLMRequest) -> LLMResponse:
        prepared = self.answers.pop(request.task.batch_key, None)
        if prepared is not None:
            return prepared
        self.follow_ups += 1
        return await self.live.complete(request)

    async def aclose(self) -> None:
        return None

    @classmethod
    async def prepared(cls, requests: list[LLMRequest]) -> ReplayAdapter:
        mock = MockAdapter(latency=0)
        answers = {r.task.batch_key: await mock.complete(r) for r in requests}
        return cls({key: LLMResponse(a.text, a.model, usage=Usage()) for key, a in answers.items()})
