"""The registry of question types: one module per type, one line each here."""

from __future__ import annotations

from quizgen.questions import (
    categorization,
    essay,
    fill_in_blank,
    matching,
    multiple_answer,
    multiple_choice,
    numeric,
    ordering,
    true_false,
)
from quizgen.questions.base import Problem, QuestionBase, QuestionType

REGISTRY: dict[str, QuestionType] = {
    qtype.name: qtype
    for qtype in (
        multiple_choice.TYPE,
        multiple_answer.TYPE,
        true_false.TYPE,
        fill_in_blank.TYPE,
        matching.TYPE,
        categorization.TYPE,
        ordering.TYPE,
        numeric.TYPE,
        essay.TYPE,
    )
}


def question_type(name: str) -> QuestionType:
    """The type called `name`; KeyError names the valid ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown question type {name!r}; valid: {', '.join(REGISTRY)}") from None


def type_names() -> list[str]:
    return list(REGISTRY)


__all__ = ["REGISTRY", "Problem", "QuestionBase", "QuestionType", "question_type", "type_names"]
