"""What every question type is made of, and the one way a question gets parsed.

A question type is one module in this package exposing a `QuestionType` value: the Pydantic
model of one question (what the LLM fills in and what the store keeps as JSON), its semantic
checks, a plain-text render, and accessors the integrity checks and exports use. Adding a type
is one new module and one line in `quizgen/questions/__init__.py`.

`QuestionType.parse` is the single gate between untrusted data (LLM output, an edited TOML file,
an imported JSON file) and the rest of quizgen: the shape is validated by the model, then every
check runs and reports `Problem`s with short reason codes that reports can count.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

INVALID_SHAPE = "invalid_shape"


class QuestionBase(BaseModel):
    """Fields every question carries, whatever its type.

    `source_quote` is a passage copied verbatim from the module content that supports the
    answer; quizgen verifies it against the stored content before anyone sees the question.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    question_text: str = Field(min_length=1, max_length=2000)
    explanation: str = Field(default="", max_length=1000)
    source_quote: str = Field(min_length=1, max_length=600)


Q = TypeVar("Q", bound=QuestionBase)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a question: a reason code for counting, a sentence for people."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


Check = Callable[[Q], Iterable[Problem]]


@dataclass(frozen=True)
class QuestionType(Generic[Q]):
    """The definition of one question type; see the module docstring."""

    name: str
    label: str
    model: type[Q]
    checks: tuple[Check[Q], ...]
    render: Callable[[Q], str]
    """Plain text for the terminal: the question, its options, and the answer key marked."""
    correct_answers: Callable[[Q], list[str]]
    """The texts that make up the key (correct options, blank answers, pair answers, …)."""
    distractors: Callable[[Q], list[str]]
    """The wrong options a student may pick; empty where the type has none."""
    example: dict[str, Any] = field(default_factory=dict)
    """One valid question as JSON, for prompts, docs and tests."""
    points: Callable[[Q], int] = lambda question: 1
    """Default points: 1, or one per scored part (blank, pair, category) as Canvas scores it."""

    def parse(self, raw: Any) -> tuple[Q | None, list[Problem]]:
        """Validate `raw` into a question; return it with every problem found.

        A question comes back only when there are no problems at all. Shape errors stop
        before the semantic checks (they need a well-formed question to look at).
        """
        try:
            question = self.model.model_validate(raw)
        except ValidationError as exc:
            return None, [Problem(INVALID_SHAPE, _describe(error)) for error in exc.errors()]
        problems = [problem for check in self.checks for problem in check(question)]
        return (None if problems else question), problems

    def batch_schema(self) -> dict[str, Any]:
        """JSON schema of one LLM answer: an object holding a list of questions of this type."""
        return copy.deepcopy(_batch_schema(self.model))


@functools.cache
def _batch_schema(model: type[QuestionBase]) -> dict[str, Any]:
    """Built once per type: Pydantic's schema generation costs about a millisecond a call."""
    return {
        "type": "object",
        "properties": {"questions": {"type": "array", "items": model.model_json_schema()}},
        "required": ["questions"],
        "additionalProperties": False,
    }


def _describe(error: Any) -> str:
    location = ".".join(str(part) for part in error["loc"]) or "question"
    return f"{location}: {error['msg']}"
