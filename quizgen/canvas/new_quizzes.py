"""New Quizzes payloads: the quiz body and one item per question type."""

from __future__ import annotations

import html
from typing import Any

from quizgen.canvas.parts import (
    PublishSettings,
    feedback_html,
    inline_text,
    item_title,
    parse_record,
    question_points,
    slot_id,
    text_html,
)
from quizgen.models import QuestionRecord
from quizgen.questions.categorization import Categorization
from quizgen.questions.essay import Essay, grading_notes
from quizgen.questions.fill_in_blank import MARKER, FillInBlank, in_order
from quizgen.questions.matching import Matching
from quizgen.questions.multiple_choice import ChoiceQuestion
from quizgen.questions.numeric import Numeric, number_text
from quizgen.questions.ordering import Ordering
from quizgen.questions.true_false import TrueFalse

# New Quizzes interaction types and scoring algorithms (reference/canvas.md).
NEW_QUIZZES_SLUGS = {
    "multiple_choice": ("choice", "Equivalence"),
    "multiple_answer": ("multi-answer", "AllOrNothing"),
    "true_false": ("true-false", "Equivalence"),
    "fill_in_blank": ("rich-fill-blank", "MultipleMethods"),
    "matching": ("matching", "PartialDeep"),
    "categorization": ("categorization", "Categorization"),
    "ordering": ("ordering", "DeepEquals"),
    "numeric": ("numeric", "Numeric"),
    "essay": ("essay", "None"),
}


def new_quiz_body(settings: PublishSettings, total_points: float) -> dict[str, Any]:
    """`POST /api/quiz/v1/courses/:cid/quizzes`. Always created unpublished: `published` is
    applied after the last item, so students never see a half-built quiz."""
    quiz_settings: dict[str, Any] = {
        "shuffle_questions": False,
        "shuffle_answers": settings.shuffle_answers,
        "has_time_limit": settings.time_limit_minutes is not None,
    }
    if settings.time_limit_minutes is not None:
        quiz_settings["session_time_limit_in_seconds"] = settings.time_limit_minutes * 60
    attempts = settings.allowed_attempts
    quiz_settings["multiple_attempts"] = {
        "multiple_attempts_enabled": attempts != 1,
        "attempt_limit": attempts != -1,
        "max_attempts": attempts if attempts > 0 else None,
        "score_to_keep": "highest",
    }
    return {
        "quiz": {
            "title": settings.title,
            "points_possible": total_points,
            "published": False,
            "quiz_settings": quiz_settings,
        }
    }


def new_quiz_item(
    record: QuestionRecord, position: int, settings: PublishSettings
) -> dict[str, Any]:
    """`POST …/quizzes/:assignment_id/items` for one question."""
    parsed = parse_record(record)
    slug, algorithm = NEW_QUIZZES_SLUGS[record.question_type]
    entry: dict[str, Any] = {
        "title": item_title(record, position),
        "item_body": text_html(parsed.question_text),
        "calculator_type": "none",
        "interaction_type_slug": slug,
        "scoring_algorithm": algorithm,
        "feedback": {"neutral": feedback_html(parsed)} if parsed.explanation else {},
    }
    entry.update(_NEW_BUILDERS[record.question_type](record.id, parsed, settings))
    return {
        "item": {
            "entry_type": "Item",
            "points_possible": question_points(record, parsed, settings.points),
            "position": position,
            "entry": entry,
        }
    }


def _new_choices(qid: str, question: ChoiceQuestion, settings: PublishSettings) -> dict[str, Any]:
    choices = [
        {"id": slot_id(qid, f"choice-{n}"), "position": n, "item_body": text_html(option.text)}
        for n, option in enumerate(question.options, start=1)
    ]
    correct = [c["id"] for c, o in zip(choices, question.options, strict=True) if o.correct]
    properties: dict[str, Any] = {
        "shuffle_rules": {"choices": {"shuffled": settings.shuffle_answers, "to_lock": []}}
    }
    return {
        "interaction_data": {"choices": choices},
        "properties": properties,
        "scoring_data": {"value": correct},
    }


def _new_multiple_choice(qid: str, question: Any, settings: PublishSettings) -> dict[str, Any]:
    payload = _new_choices(qid, question, settings)
    payload["properties"]["vary_points_by_answer"] = False
    payload["scoring_data"] = {"value": payload["scoring_data"]["value"][0]}
    return payload


def _new_true_false(qid: str, question: TrueFalse, settings: PublishSettings) -> dict[str, Any]:
    return {
        "interaction_data": {"true_choice": "True", "false_choice": "False"},
        "properties": {},
        "scoring_data": {"value": question.correct_answer},
    }


def _new_fill_in_blank(
    qid: str, question: FillInBlank, settings: PublishSettings
) -> dict[str, Any]:
    ids = {blank.position: slot_id(qid, f"blank-{blank.position}") for blank in question.blanks}
    answers = {blank.position: blank.answers for blank in question.blanks}

    def body(replace: Any) -> str:
        # Escape first, then swap markers: `[blank_N]` contains nothing html.escape touches.
        return MARKER.sub(lambda m: replace(int(m.group(1))), text_html(question.question_text))

    return {
        "item_body": body(lambda n: f'<span id="{ids[n]}"></span>'),
        "interaction_data": {
            "blanks": [
                {"id": ids[b.position], "answer_type": "openEntry"} for b in in_order(question)
            ]
        },
        "properties": {
            "shuffle_rules": {
                "blanks": {"children": {str(i): {"children": None} for i in range(len(ids))}}
            }
        },
        "scoring_data": {
            "value": [
                {
                    "id": ids[blank.position],
                    "scoring_data": {"value": list(blank.answers), "blank_text": blank.answers[0]},
                    "scoring_algorithm": "TextInChoices",
                }
                for blank in in_order(question)
            ],
            "working_item_body": body(lambda n: f"`{html.escape(answers[n][0])}`"),
        },
    }


def _new_matching(qid: str, question: Matching, settings: PublishSettings) -> dict[str, Any]:
    prompts = [
        {"id": slot_id(qid, f"pair-{n}"), "item_body": text_html(pair.prompt)}
        for n, pair in enumerate(question.pairs, start=1)
    ]
    answers = [inline_text(pair.answer) for pair in question.pairs]
    distractors = [inline_text(text) for text in question.distractors]
    return {
        "interaction_data": {"questions": prompts, "answers": answers + distractors},
        "properties": {"shuffle_rules": {"questions": {"shuffled": settings.shuffle_answers}}},
        "scoring_data": {
            "value": {p["id"]: answer for p, answer in zip(prompts, answers, strict=True)},
            "edit_data": {
                "matches": [
                    {"question_id": p["id"], "question_body": p["item_body"], "answer_body": a}
                    for p, a in zip(prompts, answers, strict=True)
                ],
                "distractors": distractors,
            },
        },
    }


def _new_categorization(
    qid: str, question: Categorization, settings: PublishSettings
) -> dict[str, Any]:
    categories = {}
    items: dict[str, dict[str, str]] = {}
    scoring = []
    for c, category in enumerate(question.categories, start=1):
        category_id = slot_id(qid, f"category-{c}")
        categories[category_id] = {"id": category_id, "item_body": inline_text(category.name)}
        member_ids = []
        for i, text in enumerate(category.items, start=1):
            item_id = slot_id(qid, f"category-{c}-item-{i}")
            items[item_id] = {"id": item_id, "item_body": inline_text(text)}
            member_ids.append(item_id)
        scoring.append(
            {
                "id": category_id,
                "scoring_data": {"value": member_ids},
                "scoring_algorithm": "AllOrNothing",
            }
        )
    for d, text in enumerate(question.distractors, start=1):
        item_id = slot_id(qid, f"distractor-{d}")
        items[item_id] = {"id": item_id, "item_body": inline_text(text)}
    return {
        # Canvas calls every draggable item a "distractor"; the scoring says where each belongs.
        "interaction_data": {
            "categories": categories,
            "distractors": items,
            "category_order": list(categories),
        },
        "properties": {"shuffle_rules": {"questions": {"shuffled": settings.shuffle_answers}}},
        "scoring_data": {"value": scoring, "score_method": "all_or_nothing"},
    }


def _new_ordering(qid: str, question: Ordering, settings: PublishSettings) -> dict[str, Any]:
    """The choices are keyed by id and listed in the order of their ids (uuid5, so as good as
    shuffled): however Canvas shows a mapping, its order never gives the key away. The scoring
    value is the ids in the correct order (`DeepEquals`: the whole order or nothing). No top or
    bottom label: the question text says which way the order runs, in the quiz's language."""
    ids = [slot_id(qid, f"item-{n}") for n in range(1, len(question.items) + 1)]
    choices = {
        choice_id: {"id": choice_id, "item_body": text_html(text)}
        for choice_id, text in sorted(zip(ids, question.items, strict=True))
    }
    return {
        "interaction_data": {"choices": choices},
        "properties": {
            "shuffle_rules": None,
            "include_labels": False,
            "display_answers_paragraph": False,
        },
        "scoring_data": {"value": ids},
    }


def _new_numeric(qid: str, question: Numeric, settings: PublishSettings) -> dict[str, Any]:
    """One accepted response: `exactResponse`, `marginOfError` (absolute) or `withinARange`;
    the New Quiz Items API writes every number as a string."""
    response: dict[str, Any] = {"id": slot_id(qid, "numeric-1")}
    if question.range is not None:
        response |= {
            "type": "withinARange",
            "start": number_text(question.range.low),
            "end": number_text(question.range.high),
        }
    elif question.margin:
        response |= {
            "type": "marginOfError",
            "value": number_text(question.answer or 0.0),
            "margin": number_text(question.margin),
            "margin_type": "absolute",
        }
    else:
        response |= {"type": "exactResponse", "value": number_text(question.answer or 0.0)}
    return {"interaction_data": {}, "properties": {}, "scoring_data": {"value": [response]}}


def _new_essay(qid: str, question: Essay, settings: PublishSettings) -> dict[str, Any]:
    """Never scored by Canvas (`None`): the model answer and rubric are the grading notes the
    grader reads beside the student's answer."""
    return {
        "interaction_data": {
            "rce": True,
            "essay": None,
            "word_count": True,
            "file_upload": False,
            "spell_check": True,
            "word_limit_enabled": False,
        },
        "properties": {},
        "scoring_data": {"value": text_html(grading_notes(question))},
    }


_NEW_BUILDERS = {
    "multiple_choice": _new_multiple_choice,
    "multiple_answer": _new_choices,
    "true_false": _new_true_false,
    "fill_in_blank": _new_fill_in_blank,
    "matching": _new_matching,
    "categorization": _new_categorization,
    "ordering": _new_ordering,
    "numeric": _new_numeric,
    "essay": _new_essay,
}
