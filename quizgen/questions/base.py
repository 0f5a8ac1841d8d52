"""What every question type is made of, and the one way a question gets parsed.

A question type is one module in this package exposing a `QuestionType` value: the Pydantic
model of one question (what the LLM fills in and what the store keeps as JSON), its semantic
checks, a plain-text render, and accessors `quizgen.checks` and the exports use. Adding a type
is one new module and one line in `quizgen/questions/__init__.py`.

`QuestionType.parse` is the single gate between untrusted data (LLM output, an edited TOML file,
an imported JSON file) and the rest of quizgen: the shape is validated by the model, then every
check runs and reports `Problem`s with short reason codes that reports can count.

Every problem is reported at once (`QuestionType.inspect`): a question with a shape error is
still run through every check whose fields are valid, so the instructor or the model hears all
that is wrong, not only the first thing. How many options, pairs, categories and items a type
allows is one `Count` per list, defined once in the type's module and used by its check, the
JSON schema sent to the model, the prompt and (by a test) docs/question-types.md.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

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
class Count:
    """How many entries one list of a question may hold, and how many the prompt asks for.

    `low`..`high` is what the check accepts (everything Canvas accepts); `preferred` is only
    a suggestion in the prompt, never a rule."""

    low: int
    high: int
    preferred: tuple[int, int]

    def schema(self) -> dict[str, Any]:
        """`json_schema_extra` for the list field: the bounds the model is told, unvalidated."""
        return {"minItems": self.low, "maxItems": self.high}

    def prompt_values(self, name: str) -> dict[str, str]:
        """`$options_low`, `$options_high`, `$options_preferred` ("4" or "4–6") for prompts."""
        low, high = self.preferred
        return {
            f"{name}_low": str(self.low),
            f"{name}_high": str(self.high),
            f"{name}_preferred": str(low) if low == high else f"{low}\u2013{high}",
        }

    def describe(self, noun: str) -> str:
        """ "3–8 options" — the wording docs/question-types.md uses too (a test compares)."""
        return f"{self.low}\u2013{self.high} {noun}"

    def problems(
        self, count: int, noun: str, what: str, code: str = "invalid_shape"
    ) -> Iterator[Problem]:
        """One problem when `count` is out of range: "matching needs 2–10 pairs; it has 1"."""
        if not self.low <= count <= self.high:
            yield Problem(code, f"{what} needs {self.describe(noun)}; it has {count}")


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
    counts: dict[str, Count] = field(default_factory=dict)
    """The count rule of each list field ("options": 3–8), for prompts, docs and tests."""

    def parse(self, raw: Any) -> tuple[Q | None, list[Problem]]:
        """Validate `raw` into a question; return it with every problem found.

        A question comes back only when there are no problems at all."""
        question, problems = self.inspect(raw)
        return (None if problems else question), problems

    def inspect(self, raw: Any) -> tuple[Q | None, list[Problem]]:
        """Every problem of `raw`, and the question as far as it could be read.

        With a shape error the question is partial: only its valid fields are set (reading
        another raises AttributeError), and every check that needs only valid fields still
        runs. None when nothing of it could be read (not an object)."""
        try:
            question = self.model.model_validate(raw)
        except ValidationError as exc:
            shape = [Problem(INVALID_SHAPE, _describe(error)) for error in exc.errors()]
            partial = _partial(self.model, raw, exc)
            if partial is None:
                return None, shape
            return partial, shape + [p for check in self.checks for p in _attempt(check, partial)]
        return question, [problem for check in self.checks for problem in check(question)]

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


def _attempt(check: Check[Q], partial: Q) -> list[Problem]:
    """A check on a partial question: skipped when it needs a field that failed validation."""
    try:
        return list(check(partial))
    except AttributeError:
        return []


def _partial(model: type[Q], raw: Any, error: ValidationError) -> Q | None:
    """The question with only its valid top-level fields set, or None."""
    if not isinstance(raw, dict):
        return None
    bad = {str(e["loc"][0]) for e in error.errors() if e["loc"]}
    valid: dict[str, Any] = {}
    for name in model.model_fields:
        if name in raw and name not in bad:
            try:
                valid[name] = _field_adapter(model, name).validate_python(raw[name])
            except ValidationError:
                continue
    return model.model_construct(**valid)


@functools.cache
def _field_adapter(model: type[QuestionBase], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    kind = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    return TypeAdapter(kind, config=ConfigDict(str_strip_whitespace=True))


def _describe(error: Any) -> str:
    location = ".".join(str(part) for part in error["loc"]) or "question"
    return f"{location}: {error['msg']}"
