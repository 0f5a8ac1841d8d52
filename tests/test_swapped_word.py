"""A true/false statement marked true that follows its quote word for word except one swapped
word is how a false statement is written; the paraphrase tolerance must not let it through.
(Found by an outside review: "controlled the private treasury" under "…public treasury"
passed every check and `quizgen check` said "0 flagged".)"""

from __future__ import annotations

import pytest

from quizgen.checks.grounding import Passage, swapped_word
from quizgen.checks.screen import KEY_CONTRADICTED, screen_question
from quizgen.content import Section, assemble

SENATE = (
    "The Senate, made up mostly of former magistrates from wealthy patrician families, "
    "advised the consuls and controlled the public treasury."
)
CONTENT = assemble([Section("rome.txt", SENATE)])


def true_statement(statement: str) -> dict:
    return {"question_text": statement, "correct_answer": True, "source_quote": SENATE}


@pytest.mark.parametrize(
    ("statement", "swap"),
    [
        (
            "The Senate advised the consuls and controlled the private treasury.",
            ("private", "public"),
        ),
        ("The Senate ignored the consuls and controlled the public treasury.", None),
        (
            "The Senate was made up mostly of former magistrates from poor patrician families.",
            ("poor", "wealthy"),
        ),
    ],
)
def test_a_true_statement_with_one_swapped_word_is_contradicted(
    statement: str, swap: tuple[str, str] | None
) -> None:
    verdict = screen_question("true_false", true_statement(statement), CONTENT)
    assert KEY_CONTRADICTED in verdict.reasons
    if swap:
        assert swapped_word(statement, Passage.of(SENATE)) == swap


@pytest.mark.parametrize(
    "statement",
    [
        "The Senate advised the consuls and controlled the public treasury.",
        "The Senate, made up mostly of former magistrates, controlled the public treasury.",
        "The Senate controlled the public treasury.",
    ],
)
def test_a_faithful_true_statement_passes(statement: str) -> None:
    verdict = screen_question("true_false", true_statement(statement), CONTENT)
    assert verdict.accepted, verdict.reasons


def test_the_same_statement_marked_false_is_accepted() -> None:
    data = true_statement("The Senate advised the consuls and controlled the private treasury.")
    data["correct_answer"] = False
    assert screen_question("true_false", data, CONTENT).accepted
