"""A quiz holding every question type, built from fixed ids and timestamps (for golden files).

`records()` gives every type's example plus a one-blank fill-in; `hostile_records()` gives one
question of every type whose every text holds markup, format syntax, quotes and line breaks.
"""

from __future__ import annotations

import copy
from typing import Any

from quizgen.export.base import ExportQuiz
from quizgen.models import QuestionRecord, ReviewStatus
from quizgen.questions import REGISTRY

STAMP = "2025-01-01T00:00:00.000+00:00"
QUIZ = ExportQuiz(id="quiz0001", title="Cells & <Ecology>: a {test} quiz", language="en")
HOSTILE = "<script>alert('x')</script> & {a} ~b =c #d: \"q\" 'r' \\ $5 *e* [f](g)\nnext line"

ONE_BLANK: dict[str, Any] = {
    "question_text": "The powerhouse of the cell is the [blank_1].",
    "blanks": [{"position": 1, "answers": ["mitochondrion", "mitochondria"]}],
    "explanation": "Mitochondria make most of the ATP.",
    "source_quote": "Mitochondria are the site of cellular respiration.",
}


def record(
    number: int,
    question_type: str,
    data: dict[str, Any],
    *,
    status: ReviewStatus = ReviewStatus.APPROVED,
    module_id: str = "cells",
) -> QuestionRecord:
    return QuestionRecord(
        id=f"q{number:04d}",
        quiz_id=QUIZ.id,
        module_id=module_id,
        batch_key=f"{module_id}_{question_type}_5",
        question_type=question_type,
        position=number,
        data=data,
        review_status=status,
        rejection_reasons=[],
        citation={"source": "content/cells.md", "start": 10 * number, "end": 10 * number + 40},
        created_at=STAMP,
        updated_at=STAMP,
    )


def records() -> list[QuestionRecord]:
    out = [
        record(n, name, copy.deepcopy(qtype.example))
        for n, (name, qtype) in enumerate(REGISTRY.items(), 1)
    ]
    out.append(record(len(out) + 1, "fill_in_blank", copy.deepcopy(ONE_BLANK)))
    return out


def _hostile(label: str) -> str:
    return f"{label} {HOSTILE}"


def hostile_records() -> list[QuestionRecord]:
    """Every type, every text field hostile; each still passes its type's checks."""
    h = _hostile
    common = {"explanation": h("Because"), "source_quote": h("Quote")}
    data: list[tuple[str, dict[str, Any]]] = [
        (
            "multiple_choice",
            {
                "question_text": h("Which option is right?"),
                "options": [
                    {"text": h("alpha"), "correct": True},
                    {"text": h("beta"), "correct": False},
                    {"text": h("gamma"), "correct": False},
                    {"text": h("delta"), "correct": False},
                ],
            },
        ),
        (
            "multiple_answer",
            {
                "question_text": h("Which options are right?"),
                "options": [{"text": h(f"choice {n}"), "correct": n < 2} for n in range(5)],
            },
        ),
        ("true_false", {"question_text": h("This statement is true."), "correct_answer": True}),
        (
            "fill_in_blank",
            {
                "question_text": h("Fill in [blank_1] here."),
                "blanks": [{"position": 1, "answers": ["a{b}~c=d#e:f", "x -> y & <z>"]}],
            },
        ),
        (
            "fill_in_blank",
            {
                "question_text": h("Fill in [blank_1] and [blank_2]."),
                "blanks": [
                    {"position": 1, "answers": ["one{1}~#"]},
                    {"position": 2, "answers": ['two/"2"', "<b>two</b>"]},
                ],
            },
        ),
        (
            "matching",
            {
                "question_text": h("Match them."),
                "pairs": [
                    {"prompt": h(f"prompt {n}"), "answer": h(f"answer {n}")} for n in range(3)
                ],
                "distractors": [h("extra")],
            },
        ),
        (
            "categorization",
            {
                "question_text": h("Sort them."),
                "categories": [
                    {"name": h(f"category {c}"), "items": [h(f"item {c}{n}") for n in range(2)]}
                    for c in range(2)
                ],
                "distractors": [h("stray")],
            },
        ),
        (
            "ordering",
            {
                "question_text": h("Put them in order."),
                "items": [h(f"stage {n}") for n in ("alpha", "beta", "gamma")],
                # Each item is words of the quote, in order, however hostile the text.
                "source_quote": " ".join(h(f"stage {n}") for n in ("alpha", "beta", "gamma")),
            },
        ),
        ("numeric", {"question_text": h("How many kilograms?"), "answer": 2.5, "margin": 0.5}),
        ("numeric", {"question_text": h("From what to what?"), "range": {"low": -3, "high": 7}}),
        (
            "essay",
            {
                "question_text": h("Explain it."),
                "model_answer": h("A full answer says all of this"),
                "rubric": [h("Names the first point"), h("Names the second point")],
            },
        ),
    ]
    out = []
    for number, (name, fields) in enumerate(data, start=101):
        payload = {**common, **fields}
        _, problems = REGISTRY[name].parse(payload)
        assert not problems, (name, problems)
        out.append(record(number, name, payload))
    return out
