"""`quizgen check`: every check again, on the questions a quiz keeps now.

Questions change after generation — edited by hand, imported, or generated under older rules —
so `check` re-runs the same `Screen` generation uses, in quiz order: structure, citation,
grounding of the key, and repeats (a question repeating an earlier kept one is the one
reported). Flags already stored (`key_disputed` from `--verify`, `unverified_source` from an
import) are reported too. Nothing is written: the report says what to look at.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quizgen.checks.screen import UNKNOWN_TYPE, Screen
from quizgen.content import ModuleContent
from quizgen.models import QuestionRecord
from quizgen.questions import REGISTRY
from quizgen.questions.base import Problem

UNKNOWN_MODULE = "unknown_module"


@dataclass(frozen=True)
class QuestionCheck:
    question: QuestionRecord
    problems: list[Problem] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems and not self.flags

    def document(self) -> dict[str, Any]:
        return {
            "id": self.question.id,
            "module_id": self.question.module_id,
            "batch_key": self.question.batch_key,
            "question_type": self.question.question_type,
            "review_status": self.question.review_status.value,
            "question_text": self.question.data.get("question_text"),
            "ok": self.clean,
            "problems": [{"code": p.code, "message": p.message} for p in self.problems],
            "flags": self.flags,
        }


def check_questions(
    questions: Sequence[QuestionRecord], contents: Mapping[str, ModuleContent]
) -> list[QuestionCheck]:
    """One `QuestionCheck` per question, in the order given (quiz order: earlier wins repeats)."""
    screen = Screen()
    results: list[QuestionCheck] = []
    for record in questions:
        qtype = REGISTRY.get(record.question_type)
        content = contents.get(record.module_id)
        if qtype is None:
            problem = Problem(UNKNOWN_TYPE, f"unknown question type {record.question_type!r}")
            results.append(QuestionCheck(record, [problem], list(record.flags)))
            continue
        if content is None:
            problem = Problem(UNKNOWN_MODULE, f"the quiz has no module {record.module_id!r}")
            results.append(QuestionCheck(record, [problem], list(record.flags)))
            continue
        verdict = screen.screen(qtype, record.data, content)
        if verdict.question is not None:
            screen.admit(verdict.question, record.batch_key)
        flags = list(dict.fromkeys([*record.flags, *verdict.flags]))
        results.append(QuestionCheck(record, list(verdict.problems), flags))
    return results


def check_document(quiz_id: str, results: Sequence[QuestionCheck]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for result in results:
        counts.update(dict.fromkeys(p.code for p in result.problems))
        counts.update(result.flags)
    return {
        "quiz_id": quiz_id,
        "checked": len(results),
        "flagged": sum(not result.clean for result in results),
        "counts": dict(sorted(counts.items())),
        "questions": [result.document() for result in results],
    }
