"""Fill in the blank: a text with `[blank_1]`, `[blank_2]`, … markers and the answers for each.

Markers are exact and case-sensitive because the Canvas export replaces exactly `[blank_N]`;
QuizCrafter accepted `[Blank_1]` and then shipped it literally. Positions are exactly 1..n, each
marker appears once, and markers and blanks pair one to one.

Accepted answers are compared exactly apart from spacing: Canvas matches typed answers exactly,
so "mitochondria" and "Mitochondria" are deliberate variants, not duplicates.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from quizgen.questions import checks
from quizgen.questions.base import Problem, QuestionBase, QuestionType

MARKER = re.compile(r"\[blank_([1-9][0-9]*)\]")
# Anything a writer may have meant as a marker: other case, brackets, spacing or zero padding.
_MARKER_LIKE = re.compile(r"[\[{(<]\s*blank\s*[_\- ]?\s*\d*\s*[\]})>]", re.IGNORECASE)


def marker(position: int) -> str:
    return f"[blank_{position}]"


class Blank(BaseModel):
    """One gap: its marker number and the accepted answers, the canonical one first."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    position: int = Field(ge=1, strict=True)
    answers: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=10
    )


class FillInBlank(QuestionBase):
    blanks: list[Blank] = Field(min_length=1, max_length=10)


def in_order(question: FillInBlank) -> list[Blank]:
    return sorted(question.blanks, key=lambda blank: blank.position)


def _same_answer(answer: str) -> str:
    return " ".join(answer.split())


# -- checks ----------------------------------------------------------------------------------


def markers_are_exact(question: FillInBlank) -> Iterator[Problem]:
    for found in _MARKER_LIKE.finditer(question.question_text):
        if not MARKER.fullmatch(found.group()):
            digits = re.sub(r"\D", "", found.group()).lstrip("0") or "N"
            yield Problem(
                "blank_mismatch",
                f"marker {found.group()!r} must be written exactly as '[blank_{digits}]' "
                "(lower case, underscore, square brackets)",
            )


def positions_are_one_to_n(question: FillInBlank) -> Iterator[Problem]:
    positions = [blank.position for blank in question.blanks]
    if sorted(positions) != list(range(1, len(positions) + 1)):
        yield Problem(
            "blank_mismatch",
            f"blank positions must be 1 to {len(positions)}, each once; got "
            f"{', '.join(str(position) for position in sorted(positions))}",
        )


def markers_match_blanks(question: FillInBlank) -> Iterator[Problem]:
    used = Counter(int(number) for number in MARKER.findall(question.question_text))
    positions = {blank.position for blank in question.blanks}
    for position in sorted(positions):
        if used[position] == 0:
            yield Problem(
                "blank_mismatch",
                f"blank {position} has no {marker(position)} marker in the question text",
            )
        elif used[position] > 1:
            yield Problem(
                "blank_mismatch",
                f"{marker(position)} appears {used[position]} times in the question text; "
                "each marker must appear once",
            )
    for position in sorted(set(used) - positions):
        yield Problem(
            "blank_mismatch",
            f"{marker(position)} in the question text has no blank with position {position}",
        )


def answers_have_content(question: FillInBlank) -> Iterator[Problem]:
    for blank in in_order(question):
        for number, answer in enumerate(blank.answers, start=1):
            if checks.is_blank_text(answer):
                yield Problem(
                    "empty_answers",
                    f"blank {blank.position} answer {number} ({answer!r}) has no letters or digits",
                )


def answers_are_not_placeholders(question: FillInBlank) -> Iterator[Problem]:
    for blank in in_order(question):
        for number, answer in enumerate(blank.answers, start=1):
            if checks.is_placeholder(answer) and not checks.is_blank_text(answer):
                yield Problem(
                    "placeholder_text",
                    f"blank {blank.position} answer {number} is a placeholder: {answer!r}",
                )


def answers_are_distinct(question: FillInBlank) -> Iterator[Problem]:
    for blank in in_order(question):
        for group in checks.duplicate_groups(blank.answers, key=_same_answer):
            yield Problem(
                "duplicate_answers",
                f"blank {blank.position} lists the same answer more than once "
                f"(answers {checks.numbers(group)}: {blank.answers[group[0] - 1]!r})",
            )


def canonical_answers_not_in_text(question: FillInBlank) -> Iterator[Problem]:
    text_outside_markers = _MARKER_LIKE.sub(" ", question.question_text)
    for blank in in_order(question):
        if checks.appears_in(blank.answers[0], text_outside_markers):
            yield Problem(
                "answer_leak",
                f"the answer to blank {blank.position} ({blank.answers[0]!r}) appears word for "
                "word in the question text",
            )


# -- render and accessors ----------------------------------------------------------------------


def render(question: FillInBlank) -> str:
    lines = [question.question_text]
    for blank in in_order(question):
        canonical, *variants = blank.answers
        also = f" (also: {', '.join(variants)})" if variants else ""
        lines.append(f"  blank {blank.position}: {canonical}{also}")
    return "\n".join(lines)


def correct_answers(question: FillInBlank) -> list[str]:
    return [blank.answers[0] for blank in in_order(question)]


def distractors(question: FillInBlank) -> list[str]:
    return []


EXAMPLE = {
    "question_text": "Proteins are assembled on [blank_1], following instructions carried "
    "out of the nucleus by [blank_2].",
    "blanks": [
        {"position": 1, "answers": ["ribosomes", "Ribosomes", "ribosome"]},
        {"position": 2, "answers": ["mRNA", "messenger RNA", "Messenger RNA"]},
    ],
    "explanation": "Messenger RNA copies a gene in the nucleus and carries it to the ribosomes, "
    "which translate it into a chain of amino acids.",
    "source_quote": "Ribosomes assemble proteins using the instructions carried from the nucleus "
    "by messenger RNA (mRNA).",
}

TYPE: QuestionType[FillInBlank] = QuestionType(
    name="fill_in_blank",
    label="Fill in the blank",
    model=FillInBlank,
    checks=(
        *checks.STEM_CHECKS,
        markers_are_exact,
        positions_are_one_to_n,
        markers_match_blanks,
        answers_have_content,
        answers_are_not_placeholders,
        answers_are_distinct,
        canonical_answers_not_in_text,
    ),
    render=render,
    correct_answers=correct_answers,
    distractors=distractors,
    example=EXAMPLE,
    points=lambda question: len(question.blanks),
)
