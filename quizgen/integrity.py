"""The checks a question passes before anyone sees it, beyond its own type's rules.

`Screen` holds what a quiz already contains, so it can tell a repeat across batches and modules.
Generation runs many batches concurrently on one event loop; `screen` and `admit` are plain
synchronous calls with no await between them, so two batches can never both admit the same
question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from quizgen.citations import Citation, find_quote
from quizgen.content import ModuleContent
from quizgen.questions import QuestionType
from quizgen.questions.base import Problem, QuestionBase

QUOTE_NOT_FOUND = "quote_not_found"
DUPLICATE_QUESTION = "duplicate_question"

_WORDS = re.compile(r"[^\W_]+")


def question_fingerprint(text: str) -> str:
    """Case, punctuation and spacing do not make a question different."""
    return " ".join(_WORDS.findall(text.casefold()))


@dataclass(frozen=True)
class Verdict:
    question: QuestionBase | None
    problems: list[Problem]
    citation: Citation | None = None

    @property
    def accepted(self) -> bool:
        return self.question is not None and not self.problems


@dataclass
class Screen:
    """Everything a quiz holds so far, for repeat detection."""

    fingerprints: dict[str, str] = field(default_factory=dict)
    """fingerprint → batch key of the question that holds it."""

    @classmethod
    def of(cls, kept: Iterable[tuple[str, str]]) -> Screen:
        """Start from the (batch key, question text) pairs a quiz already keeps."""
        screen = cls()
        for key, text in kept:
            screen.fingerprints.setdefault(question_fingerprint(text), key)
        return screen

    def screen(self, qtype: QuestionType, raw: Any, content: ModuleContent) -> Verdict:
        question, problems = qtype.parse(raw)
        if question is None:
            return Verdict(None, problems)
        citation = find_quote(question.source_quote, content)
        if citation is None:
            problems.append(
                Problem(
                    QUOTE_NOT_FOUND,
                    "source_quote is not a verbatim passage of the module content: "
                    f"{question.source_quote[:80]!r}",
                )
            )
        holder = self.fingerprints.get(question_fingerprint(question.question_text))
        if holder is not None:
            problems.append(
                Problem(DUPLICATE_QUESTION, f"repeats a question already in batch {holder}")
            )
        return Verdict(None if problems else question, problems, citation)

    def admit(self, question: QuestionBase, batch_key: str) -> None:
        self.fingerprints.setdefault(question_fingerprint(question.question_text), batch_key)
