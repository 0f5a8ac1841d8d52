"""True/false: a statement the student judges, and whether it is true.

The statement must read as a claim, not a question: Canvas shows it above "True" and "False",
and "Do mitochondria make ATP? — True" is nonsense.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import Field

from quizgen.questions import checks
from quizgen.questions.base import Problem, QuestionBase, QuestionType

_INTERROGATIVE = re.compile(
    r"""^(?:what|which|who|whom|whose|why|how|is|are|was|were|does|do|did|can|could|should
        |would|will|has|have|hva|hvilken|hvilke|hvilket|hvem|hvorfor|hvordan|er|kan|har|vil
        |skal|stemmer)(?![\w'-])""",
    re.IGNORECASE | re.VERBOSE,
)
# "When a cell divides, its DNA is copied first." is a statement; a leading When/Where (or
# Norwegian Når/Hvor) counts as a question only when no comma closes a subordinate clause.
_CLAUSE_OPENER = re.compile(r"^(?:when|where|når|hvor)(?![\w'-])", re.IGNORECASE)
_TRUE_OR_FALSE_PREFIX = re.compile(
    r"^(?:true\s+or\s+false|sant\s+eller\s+usant|riktig\s+eller\s+galt)\b", re.IGNORECASE
)


class TrueFalse(QuestionBase):
    """`question_text` is the statement; `correct_answer` says whether it is true."""

    correct_answer: bool = Field(strict=True)


def statement_is_not_a_question(question: TrueFalse) -> Iterator[Problem]:
    text = question.question_text
    first_word = text.split()[0] if text.split() else ""
    if text.endswith("?"):
        reason = "ends with a question mark"
    elif _TRUE_OR_FALSE_PREFIX.match(text):
        reason = "starts with 'true or false'; the answer choices already say that"
    elif _INTERROGATIVE.match(text) or (_CLAUSE_OPENER.match(text) and "," not in text):
        reason = f"starts with the question word {first_word!r}"
    else:
        return
    yield Problem(
        "not_a_statement", f"a true/false item must be a statement to judge, but the text {reason}"
    )


def render(question: TrueFalse) -> str:
    true_mark, false_mark = ("   ✓", "") if question.correct_answer else ("", "   ✓")
    return f"{question.question_text}\n  True{true_mark}\n  False{false_mark}"


def correct_answers(question: TrueFalse) -> list[str]:
    return ["True" if question.correct_answer else "False"]


def distractors(question: TrueFalse) -> list[str]:
    return []


EXAMPLE = {
    "question_text": "Prokaryotic cells keep their DNA inside a membrane-bound nucleus.",
    "correct_answer": False,
    "explanation": "Prokaryotes have no nucleus; their DNA lies in the cytoplasm in a region "
    "called the nucleoid.",
    "source_quote": "Prokaryotic cells lack a nucleus; their DNA is found in a region of the "
    "cytoplasm called the nucleoid.",
}

TYPE: QuestionType[TrueFalse] = QuestionType(
    name="true_false",
    label="True/false",
    model=TrueFalse,
    checks=(*checks.STEM_CHECKS, statement_is_not_a_question),
    render=render,
    correct_answers=correct_answers,
    distractors=distractors,
    example=EXAMPLE,
)
