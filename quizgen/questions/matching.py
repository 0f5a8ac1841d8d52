"""Matching: prompts each paired with one answer, plus optional distractor answers.

The student sees every pair answer and every distractor in one list of choices, so answers and
distractors must all differ from each other after normalisation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from quizgen.questions import checks
from quizgen.questions.base import Count, Problem, QuestionBase, QuestionType

PAIRS = Count(2, 10, preferred=(4, 6))
DISTRACTORS = Count(0, 5, preferred=(0, 2))


class Pair(BaseModel):
    """One prompt ("Ribosome") and the answer it matches ("protein synthesis")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    prompt: str = Field(min_length=1, max_length=300)
    answer: str = Field(min_length=1, max_length=300)


class Matching(QuestionBase):
    """`question_text` is the instruction; `distractors` are extra answers that match nothing."""

    pairs: list[Pair] = Field(json_schema_extra=PAIRS.schema())
    distractors: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list, json_schema_extra=DISTRACTORS.schema()
    )


# -- checks ----------------------------------------------------------------------------------


def counts_in_range(question: Matching) -> Iterator[Problem]:
    yield from PAIRS.problems(len(question.pairs), "pairs", "matching")
    yield from DISTRACTORS.problems(len(question.distractors), "distractors", "matching")


def prompts_are_distinct(question: Matching) -> Iterator[Problem]:
    prompts = [pair.prompt for pair in question.pairs]
    yield from checks.duplicate_problems(prompts, "prompt", "duplicate_pairs")


def answers_are_distinct(question: Matching) -> Iterator[Problem]:
    answers = [pair.answer for pair in question.pairs]
    for group in checks.duplicate_groups(answers):
        yield Problem(
            "duplicate_pairs",
            f"pairs {checks.numbers(group)} have the same answer "
            f"({checks.quoted(answers[group[0] - 1])}); each prompt needs its own answer",
        )


def distractors_are_distinct(question: Matching) -> Iterator[Problem]:
    yield from checks.duplicate_problems(question.distractors, "distractor", "duplicate_options")


def distractors_are_not_answers(question: Matching) -> Iterator[Problem]:
    answer_pair = {checks.normalise(pair.answer): n for n, pair in enumerate(question.pairs, 1)}
    for number, distractor in enumerate(question.distractors, start=1):
        pair_number = answer_pair.get(checks.normalise(distractor))
        if pair_number is not None:
            yield Problem(
                "distractor_is_answer",
                f"distractor {number} ({checks.quoted(distractor)}) is the answer of pair "
                f"{pair_number}",
            )


def entries_are_not_placeholders(question: Matching) -> Iterator[Problem]:
    yield from checks.placeholder_problems([pair.prompt for pair in question.pairs], "prompt")
    yield from checks.placeholder_problems([pair.answer for pair in question.pairs], "answer")
    yield from checks.placeholder_problems(question.distractors, "distractor")


def no_all_or_none_of_the_above(question: Matching) -> Iterator[Problem]:
    yield from checks.meta_option_problems([pair.answer for pair in question.pairs], "answer")
    yield from checks.meta_option_problems(question.distractors, "distractor")


# -- render and accessors ----------------------------------------------------------------------


def render(question: Matching) -> str:
    lines = [question.question_text]
    lines += [f"  {pair.prompt} → {pair.answer}" for pair in question.pairs]
    if question.distractors:
        lines.append(f"  distractors: {', '.join(question.distractors)}")
    return "\n".join(lines)


def correct_answers(question: Matching) -> list[str]:
    return [pair.answer for pair in question.pairs]


def distractors(question: Matching) -> list[str]:
    return list(question.distractors)


EXAMPLE = {
    "question_text": "Match each organelle to its main function.",
    "pairs": [
        {"prompt": "Mitochondrion", "answer": "Cellular respiration"},
        {"prompt": "Ribosome", "answer": "Protein synthesis"},
        {"prompt": "Golgi apparatus", "answer": "Modifying and packaging proteins"},
        {"prompt": "Lysosome", "answer": "Breaking down worn-out organelles"},
    ],
    "distractors": ["Photosynthesis"],
    "explanation": "Photosynthesis happens in chloroplasts, which are not among the organelles "
    "listed.",
    "source_quote": "The Golgi apparatus modifies, sorts and packages proteins, while lysosomes "
    "break down waste materials and worn-out organelles.",
}

TYPE: QuestionType[Matching] = QuestionType(
    name="matching",
    label="Matching",
    model=Matching,
    checks=(
        *checks.STEM_CHECKS,
        counts_in_range,
        prompts_are_distinct,
        answers_are_distinct,
        distractors_are_distinct,
        distractors_are_not_answers,
        entries_are_not_placeholders,
        no_all_or_none_of_the_above,
    ),
    render=render,
    correct_answers=correct_answers,
    distractors=distractors,
    example=EXAMPLE,
    points=lambda question: len(question.pairs),
    counts={"pairs": PAIRS, "distractors": DISTRACTORS},
)
