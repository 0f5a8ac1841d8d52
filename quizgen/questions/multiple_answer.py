"""Multiple answer: 3–10 options (the prompt asks for 5), at least one correct and one wrong.

A student must tell the options apart, so never all correct and never none; one correct option
is sound (Canvas accepts it, and the student cannot know it is only one). The model and option
checks are shared with multiple choice.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from quizgen.questions import checks
from quizgen.questions.base import Count, Problem, QuestionType
from quizgen.questions.multiple_choice import (
    OPTION_CHECKS,
    ChoiceQuestion,
    Option,
    correct_answers,
    correct_positions,
    distractors,
    marked_correct,
    render,
)

OPTIONS = Count(3, 10, preferred=(5, 5))


class MultipleAnswer(ChoiceQuestion):
    options: list[Option] = Field(json_schema_extra=OPTIONS.schema())


def option_count(question: MultipleAnswer) -> Iterator[Problem]:
    yield from OPTIONS.problems(len(question.options), "options", "multiple answer")


def some_correct_and_some_wrong(question: MultipleAnswer) -> Iterator[Problem]:
    correct = len(correct_positions(question))
    if correct == 0 or correct == len(question.options):
        yield Problem(
            "wrong_correct_count",
            "multiple answer needs at least one correct and one wrong option; "
            f"{marked_correct(question)}",
        )


EXAMPLE = {
    "question_text": "Which of the following are found in prokaryotic cells?",
    "options": [
        {"text": "Ribosomes", "correct": True},
        {"text": "A membrane-bound nucleus", "correct": False},
        {"text": "Plasma membrane", "correct": True},
        {"text": "Mitochondria", "correct": False},
        {"text": "Circular DNA", "correct": True},
    ],
    "explanation": "Prokaryotes have ribosomes, a plasma membrane and DNA, usually one circular "
    "chromosome, but no nucleus and no membrane-bound organelles such as mitochondria.",
    "source_quote": "Prokaryotic cells lack a nucleus and membrane-bound organelles, but they "
    "contain ribosomes, a plasma membrane and a single circular DNA molecule.",
}

TYPE: QuestionType[MultipleAnswer] = QuestionType(
    name="multiple_answer",
    label="Multiple answer",
    model=MultipleAnswer,
    checks=(*checks.STEM_CHECKS, option_count, some_correct_and_some_wrong, *OPTION_CHECKS),
    render=render,
    correct_answers=correct_answers,
    distractors=distractors,
    example=EXAMPLE,
    counts={"options": OPTIONS},
)
