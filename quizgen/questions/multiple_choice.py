"""Multiple choice: 3–8 options (the prompt asks for 4), exactly one of them correct.

`Option`, `ChoiceQuestion` and the option checks are shared with multiple answer, which differs
only in the number of options and how many may be correct.
"""

from __future__ import annotations

from collections.abc import Iterator
from string import ascii_lowercase

from pydantic import BaseModel, ConfigDict, Field

from quizgen.questions import checks
from quizgen.questions.base import Count, Problem, QuestionBase, QuestionType

OPTIONS = Count(3, 8, preferred=(4, 4))


class Option(BaseModel):
    """One option a student can pick, marked correct or not."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=500)
    correct: bool = Field(strict=True)


class ChoiceQuestion(QuestionBase):
    """A stem and options marked correct or not; subclasses fix how many options there are."""

    options: list[Option]


class MultipleChoice(ChoiceQuestion):
    options: list[Option] = Field(json_schema_extra=OPTIONS.schema())


def correct_positions(question: ChoiceQuestion) -> list[int]:
    return [number for number, option in enumerate(question.options, start=1) if option.correct]


def marked_correct(question: ChoiceQuestion) -> str:
    """ "2 are marked correct (options 1 and 3)" — the tail of a wrong-count message."""
    positions = correct_positions(question)
    if not positions:
        return "none is marked correct"
    if len(positions) == len(question.options):
        return f"all {len(positions)} are marked correct"
    noun = "option" if len(positions) == 1 else "options"
    verb = "is" if len(positions) == 1 else "are"
    return f"{len(positions)} {verb} marked correct ({noun} {checks.numbers(positions)})"


# -- checks ----------------------------------------------------------------------------------


def option_count(question: MultipleChoice) -> Iterator[Problem]:
    yield from OPTIONS.problems(len(question.options), "options", "multiple choice")


def exactly_one_correct(question: MultipleChoice) -> Iterator[Problem]:
    if len(correct_positions(question)) != 1:
        yield Problem(
            "wrong_correct_count",
            f"multiple choice needs exactly one correct option; {marked_correct(question)}",
        )


def options_are_distinct(question: ChoiceQuestion) -> Iterator[Problem]:
    texts = [option.text for option in question.options]
    yield from checks.duplicate_problems(texts, "option", "duplicate_options")


def options_are_not_placeholders(question: ChoiceQuestion) -> Iterator[Problem]:
    yield from checks.placeholder_problems([option.text for option in question.options], "option")


def no_all_or_none_of_the_above(question: ChoiceQuestion) -> Iterator[Problem]:
    yield from checks.meta_option_problems([option.text for option in question.options], "option")


def correct_options_not_in_stem(question: ChoiceQuestion) -> Iterator[Problem]:
    for number, option in enumerate(question.options, start=1):
        if option.correct and checks.appears_in(option.text, question.question_text):
            yield Problem(
                "answer_leak",
                f"correct option {number} ({checks.quoted(option.text)}) appears word for word "
                "in the question text",
            )


OPTION_CHECKS = (
    options_are_distinct,
    options_are_not_placeholders,
    no_all_or_none_of_the_above,
    correct_options_not_in_stem,
)


# -- render and accessors ----------------------------------------------------------------------


def render(question: ChoiceQuestion) -> str:
    lines = [question.question_text]
    for letter, option in zip(ascii_lowercase, question.options, strict=False):
        mark = "   ✓" if option.correct else ""
        lines.append(f"  {letter}) {option.text}{mark}")
    return "\n".join(lines)


def correct_answers(question: ChoiceQuestion) -> list[str]:
    return [option.text for option in question.options if option.correct]


def distractors(question: ChoiceQuestion) -> list[str]:
    return [option.text for option in question.options if not option.correct]


EXAMPLE = {
    "question_text": "Which organelle produces most of the ATP in a eukaryotic cell?",
    "options": [
        {"text": "Ribosome", "correct": False},
        {"text": "Mitochondrion", "correct": True},
        {"text": "Golgi apparatus", "correct": False},
        {"text": "Lysosome", "correct": False},
    ],
    "explanation": "Cellular respiration in the mitochondria yields most of the cell's ATP; "
    "ribosomes make proteins, the Golgi apparatus packages them and lysosomes digest waste.",
    "source_quote": "Mitochondria are the site of cellular respiration, the process that "
    "produces most of the ATP a eukaryotic cell uses.",
}

TYPE: QuestionType[MultipleChoice] = QuestionType(
    name="multiple_choice",
    label="Multiple choice",
    model=MultipleChoice,
    checks=(*checks.STEM_CHECKS, option_count, exactly_one_correct, *OPTION_CHECKS),
    render=render,
    correct_answers=correct_answers,
    distractors=distractors,
    example=EXAMPLE,
    counts={"options": OPTIONS},
)
