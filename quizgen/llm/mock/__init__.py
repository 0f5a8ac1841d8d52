"""The offline LLM: deterministic questions of every type from ordinary prose, no key, no network.

`MockAdapter` is the embedded default that lets `quizgen create` run anywhere and drives every
generation test. It reads the structured `GenerationTask` behind a request, never the prompt.

One module per job:
- `reading`: a text's sentences, clauses, numbers, names, terms, lists and tables (cached per text);
- `builders` and `pairs`: the questions of each type one can write from them;
- `planning`: which sentences each batch of a module draws on, and the questions of one call;
- `capacity`: how many distinct questions a text supports, said before any call;
- `memo`: what that count wrote, kept once for each batch's first ask;
- `profile`: what a text offers each kind of question, for `quizgen suggest`;
- `verify`: answering a `--verify` request from the quote alone;
- `adapter`: the `LLMAdapter` itself and its injected failures.

It is a model, not a checker: it imports none of quizgen's checks, and its answers are screened
by the pipeline like any model's. Its quotes are exact spans of the content.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from quizgen.llm.mock.adapter import MODEL, MockAdapter
from quizgen.llm.mock.capacity import capacity_warnings
from quizgen.llm.mock.planning import Batches, choose
from quizgen.llm.mock.profile import TextProfile, text_profile
from quizgen.llm.mock.verify import verify_answer
from quizgen.llm.mock.words import fold as normalise

__all__ = [
    "MODEL",
    "MockAdapter",
    "TextProfile",
    "capacity_warnings",
    "generate_questions",
    "normalise",
    "text_profile",
    "verify_answer",
]


def generate_questions(
    content: str,
    question_type: str,
    count: int,
    batch_key: str,
    *,
    avoid: Iterable[str] = (),
    module_batches: Batches = (),
    topic: str = "this topic",
) -> list[dict[str, Any]]:
    """Up to `count` questions of `question_type` from `content`, none in `avoid`: what the
    mock answers a batch with (pure and deterministic; fresh dicts on every call)."""
    return choose(
        content,
        question_type,
        count,
        batch_key,
        batches=module_batches,
        topic=topic,
        taken=avoid,
    )
