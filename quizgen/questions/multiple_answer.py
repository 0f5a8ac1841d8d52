"""Multiple answer: five options, two to four of them correct.

Never one (that is multiple choice) and never all five (nothing to tell apart). The model and
option checks are shared with multiple choice.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from quizgen.questions import checks
from quizgen.questions.base import Problem, QuestionType
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

MIN_CORRECT = 2
MAX_CORRECT = 4


class MultipleAnswer(ChoiceQuestion):
    options: list[Option] = Field(min_length=5, max_length=5)


def two_to_four_correct(question: MultipleAnswer) -> Iterator[Problem]:
    if not MIN_CORRECT <= len(correct_positions(question)) <= MAX_CORRECT:
        yield Problem(
            "wrong_correct_count",
            f"multiple answer needs {MIN_CORRECT} to {MAX_CORRECT} correct options; "
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
    checks=(*checks.STEM_CHECKS, two_to_four_correct, *OPTION_CHECKS),
    render=render,
    correct_answers=correct_answers,
    distractors=distractors,
    example=EXAMPLE,
)
