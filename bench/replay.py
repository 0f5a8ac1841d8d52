"""An adapter that replays answers prepared in advance, so a benchmark times quizgen alone.

The mock synthesises questions from the text on the CPU, work a real LLM does elsewhere. To
see quizgen's own cost (screening, checks, storage, concurrency) the answers are generated
first, outside the timing, and replayed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from quizgen.llm.base import LLMRequest, LLMResponse, Usage
from quizgen.llm.mock import MockAdapter


@dataclass
class ReplayAdapter:
    answers: dict[str, LLMResponse] = field(default_factory=dict)
    provider: str = "replay"
    model: str = "mock-1"

    async def complete(self, request: LLMRequest) -> LLMResponse:
        return self.answers[request.task.batch_key]

    async def aclose(self) -> None:
        return None

    @classmethod
    async def prepared(cls, requests: list[LLMRequest]) -> ReplayAdapter:
        mock = MockAdapter(latency=0)
        answers = {r.task.batch_key: await mock.complete(r) for r in requests}
        return cls({key: LLMResponse(a.text, a.model, usage=Usage()) for key, a in answers.items()})
