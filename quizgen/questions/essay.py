"""Essay: an open question the student answers in prose, graded by a person.

Nothing here is scored automatically: every export and publish engine sends an essay as an
essay (Canvas `essay_question` / New Quizzes `essay` with no scoring, Moodle `essay`), and the
model answer and the rubric go where the grader reads them. Both must come from the cited
passage, like any key (`quizgen/checks/open_answers.py`): an essay graded against a model answer the
course never taught is graded against the model's knowledge, not the course.

Points: one per rubric point, so the grader gives a point for each thing the rubric asks for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from pydantic import Field

from quizgen.questions import checks
from quizgen.questions.base import Count, Problem, QuestionBase, QuestionType

RUBRIC = Count(1, 6, preferred=(2, 4))
MIN_MODEL_ANSWER_WORDS = 8
"""A model answer shorter than a sentence cannot show a grader what a full answer holds."""


class Essay(QuestionBase):
    """`model_answer` is what a full answer says; `rubric` the points a grader looks for."""

    model_answer: str = Field(min_length=1, max_length=2000)
    rubric: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        json_schema_extra=RUBRIC.schema()
    )


def rubric_count(question: Essay) -> Iterator[Problem]:
    yield from RUBRIC.problems(len(question.rubric), "rubric points", "an essay")


def model_answer_is_an_answer(question: Essay) -> Iterator[Problem]:
    text = question.model_answer
    if checks.is_placeholder(text):
        yield Problem(
            "placeholder_text", f"the model answer is a placeholder: {checks.quoted(text)}"
        )
    elif len(text.split()) < MIN_MODEL_ANSWER_WORDS:
        yield Problem(
            "too_short",
            f"the model answer {checks.quoted(text)} is too short; write what a full answer "
            f"says, at least {MIN_MODEL_ANSWER_WORDS} words",
        )


def rubric_points_are_real(question: Essay) -> Iterator[Problem]:
    yield from checks.placeholder_problems(question.rubric, "rubric point")
    for group in checks.duplicate_groups(question.rubric):
        yield Problem(
            "duplicate_answers",
            f"rubric points {checks.numbers(group)} are the same "
            f"({checks.quoted(question.rubric[group[0] - 1])})",
        )


def render(question: Essay) -> str:
    lines = [question.question_text, f"  model answer: {question.model_answer}", "  rubric:"]
    lines += [f"    {n}. {point}" for n, point in enumerate(question.rubric, start=1)]
    return "\n".join(lines)


def correct_answers(question: Essay) -> list[str]:
    return [question.model_answer]


def distractors(question: Essay) -> list[str]:
    return []


def grading_notes(question: Essay) -> str:
    """Model answer and rubric as plain text, for the place an engine keeps notes for graders;
    each rubric point on one line, so a text format reads them back one per line."""
    points = "\n".join(
        f"{n}. {' '.join(point.split())}" for n, point in enumerate(question.rubric, start=1)
    )
    return f"Model answer: {question.model_answer}\n\nRubric:\n{points}"


EXAMPLE = {
    "question_text": "Explain why transcription and translation can happen side by side in a "
    "prokaryote.",
    "model_answer": "The nucleoid of a prokaryote has no membrane around it, so transcription "
    "and translation are not kept apart and can happen side by side.",
    "rubric": [
        "States that the nucleoid has no membrane around it",
        "Links the missing membrane to transcription and translation happening side by side",
    ],
    "explanation": "Without a membrane around the nucleoid, nothing separates the two processes.",
    "source_quote": "Because the nucleoid has no membrane around it, transcription and "
    "translation can happen side by side in a prokaryote.",
}

TYPE: QuestionType[Essay] = QuestionType(
    name="essay",
    label="Essay",
    model=Essay,
    checks=(*checks.STEM_CHECKS, rubric_count, model_answer_is_an_answer, rubric_points_are_real),
    render=render,
    correct_answers=correct_answers,
    distractors=distractors,
    example=EXAMPLE,
    points=lambda question: len(question.rubric),
    counts={"rubric": RUBRIC},
)
