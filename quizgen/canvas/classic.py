"""Classic Quizzes payloads: the quiz body and one question per type; the types Classic cannot
hold faithfully are named by `classic_limitations`."""

from __future__ import annotations

from typing import Any

from quizgen.canvas.parts import (
    PublishSettings,
    feedback_html,
    item_title,
    parse_record,
    question_points,
    text_html,
)
from quizgen.models import QuestionRecord
from quizgen.questions.categorization import Categorization
from quizgen.questions.essay import Essay, grading_notes
from quizgen.questions.fill_in_blank import FillInBlank, in_order
from quizgen.questions.matching import Matching
from quizgen.questions.multiple_choice import ChoiceQuestion
from quizgen.questions.numeric import Numeric
from quizgen.questions.true_false import TrueFalse

# Classic question types. Categorization has none: it becomes a matching question whose
# right-hand side is the category names (see `classic_limitations`).
CLASSIC_TYPES = {
    "multiple_choice": "multiple_choice_question",
    "multiple_answer": "multiple_answers_question",
    "true_false": "true_false_question",
    "fill_in_blank": "fill_in_multiple_blanks_question",
    "matching": "matching_question",
    "categorization": "matching_question",
    "numeric": "numerical_question",
    "essay": "essay_question",
}


def classic_quiz_body(settings: PublishSettings) -> dict[str, Any]:
    """`POST /api/v1/courses/:cid/quizzes`; like New Quizzes, published only at the end."""
    return {
        "quiz": {
            "title": settings.title,
            "description": "",
            "quiz_type": "assignment",
            "time_limit": settings.time_limit_minutes,
            "allowed_attempts": settings.allowed_attempts,
            "shuffle_answers": settings.shuffle_answers,
            "published": False,
        }
    }


def classic_limitations(records: list[QuestionRecord]) -> list[str]:
    """What the classic engine changes or leaves out, one line per question, said before any
    request is sent."""
    notes = []
    for record in records:
        if record.question_type != "categorization":
            continue
        distractors = record.data.get("distractors") or []
        note = (
            f"question {record.id} (categorization) becomes a matching question: each item is "
            "matched to its category name"
        )
        if distractors:
            note += (
                f"; its {len(distractors)} distractor item(s) have no place in classic matching "
                "and are left out"
            )
        notes.append(note)
    return notes


def classic_question(
    record: QuestionRecord, position: int, settings: PublishSettings
) -> dict[str, Any]:
    """`POST /api/v1/courses/:cid/quizzes/:id/questions` for one question."""
    parsed = parse_record(record)
    question: dict[str, Any] = {
        "question_name": item_title(record, position),
        "question_text": text_html(parsed.question_text),
        "question_type": CLASSIC_TYPES[record.question_type],
        "points_possible": question_points(record, parsed, settings.points),
        "position": position,
    }
    if parsed.explanation:
        # neutral_comments may not show in the quiz UI (canvas-lms issue 2433).
        question["correct_comments_html"] = feedback_html(parsed)
        question["incorrect_comments_html"] = feedback_html(parsed)
    question.update(_CLASSIC_BUILDERS[record.question_type](parsed))
    return {"question": question}


def _classic_choices(question: ChoiceQuestion) -> dict[str, Any]:
    return {
        "answers": [
            {"answer_html": text_html(option.text), "answer_weight": 100 if option.correct else 0}
            for option in question.options
        ]
    }


def _classic_true_false(question: TrueFalse) -> dict[str, Any]:
    return {
        "answers": [
            {"answer_text": "True", "answer_weight": 100 if question.correct_answer else 0},
            {"answer_text": "False", "answer_weight": 0 if question.correct_answer else 100},
        ]
    }


def _classic_fill_in_blank(question: FillInBlank) -> dict[str, Any]:
    # Classic placeholders are `[blank_id]`: quizgen's `[blank_N]` is one already.
    return {
        "answers": [
            {"answer_text": answer, "answer_weight": 100, "blank_id": f"blank_{blank.position}"}
            for blank in in_order(question)
            for answer in blank.answers
        ]
    }


def _classic_matching(question: Matching) -> dict[str, Any]:
    return {
        "answers": [
            {
                "answer_match_left": " ".join(pair.prompt.split()),
                "answer_match_right": " ".join(pair.answer.split()),
                "answer_weight": 100,
            }
            for pair in question.pairs
        ],
        "matching_answer_incorrect_matches": "\n".join(question.distractors),
    }


def _classic_categorization(question: Categorization) -> dict[str, Any]:
    return {
        "answers": [
            {
                "answer_match_left": " ".join(item.split()),
                "answer_match_right": " ".join(category.name.split()),
                "answer_weight": 100,
            }
            for category in question.categories
            for item in category.items
        ],
        "matching_answer_incorrect_matches": "",
    }


def _classic_numeric(question: Numeric) -> dict[str, Any]:
    """One answer, in the fields Canvas's numerical answer parser reads (`answer_exact` and
    `answer_error_margin`, or `answer_range_start` and `answer_range_end`)."""
    if question.range is not None:
        answer: dict[str, Any] = {
            "numerical_answer_type": "range_answer",
            "answer_range_start": _number(question.range.low),
            "answer_range_end": _number(question.range.high),
        }
    else:
        answer = {
            "numerical_answer_type": "exact_answer",
            "answer_exact": _number(question.answer or 0.0),
            "answer_error_margin": _number(question.margin),
        }
    return {"answers": [{**answer, "answer_weight": 100}]}


def _classic_essay(question: Essay) -> dict[str, Any]:
    """No answers: a person grades it. The model answer and rubric go in the general comments
    (`neutral_comments_html`), which the grader sees in SpeedGrader."""
    return {"neutral_comments_html": text_html(grading_notes(question))}


def _number(value: float) -> float | int:
    return int(value) if value.is_integer() else value


_CLASSIC_BUILDERS = {
    "multiple_choice": _classic_choices,
    "multiple_answer": _classic_choices,
    "true_false": _classic_true_false,
    "fill_in_blank": _classic_fill_in_blank,
    "matching": _classic_matching,
    "categorization": _classic_categorization,
    "numeric": _classic_numeric,
    "essay": _classic_essay,
}
