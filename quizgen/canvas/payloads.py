"""Pure mappings from a stored question to the request bodies Canvas receives.

Two engines: New Quizzes items (`new_quiz_item`) and Classic Quizzes questions
(`classic_question`), plus the quiz bodies of each. Nothing here does I/O, so the payload of
every type is tested as data and a `--dry-run` prints exactly what a real run sends.

Three rules every mapping keeps:

- Deterministic ids. Choice, blank, matching-question and category ids are uuid5 of the
  question id and a slot name, so a retried or resumed publish sends the same payload (the
  original used a fresh uuid4 per conversion, and converted twice per export).
- A marker in every item's title, `[qg:<question id>]`. After a request whose outcome is unknown
  (a timeout, a 5xx, a killed process) the publisher lists the remote quiz's items and finds
  the ones already created by this marker instead of creating them again.
- Model text never becomes markup. Questions are plain text: every field Canvas renders as
  HTML is built from `html.escape`d text, and the only tags quizgen itself writes are `<p>`,
  `<br>` and the blank placeholder `<span id="…">`. So no `<script>`, no event-handler
  attribute and no external resource can reach a student's browser. Fields Canvas compares
  with what a student types (accepted blank answers, classic matching texts) are sent as
  plain text: escaping them would make "A & B" impossible to answer correctly.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from quizgen.models import QuestionRecord
from quizgen.questions import question_type
from quizgen.questions.categorization import Categorization
from quizgen.questions.fill_in_blank import MARKER, FillInBlank, in_order
from quizgen.questions.matching import Matching
from quizgen.questions.multiple_choice import ChoiceQuestion
from quizgen.questions.true_false import TrueFalse

Engine = Literal["new", "classic"]
ENGINES: tuple[Engine, ...] = ("new", "classic")

_NAMESPACE = uuid.UUID("6f1c9a52-3a0e-4e0b-9d7e-5c1b2f8a4d10")
"""quizgen's uuid5 namespace: ids depend only on (question id, slot)."""

TITLE_CHARS = 60
MARKER_PATTERN = re.compile(r"\[qg:([0-9A-Za-z_-]+)\]")

# New Quizzes interaction types and scoring algorithms (reference/canvas.md).
NEW_QUIZZES_SLUGS = {
    "multiple_choice": ("choice", "Equivalence"),
    "multiple_answer": ("multi-answer", "AllOrNothing"),
    "true_false": ("true-false", "Equivalence"),
    "fill_in_blank": ("rich-fill-blank", "MultipleMethods"),
    "matching": ("matching", "PartialDeep"),
    "categorization": ("categorization", "Categorization"),
}

# Classic question types. Categorization has none: it becomes a matching question whose
# right-hand side is the category names (see `classic_limitations`).
CLASSIC_TYPES = {
    "multiple_choice": "multiple_choice_question",
    "multiple_answer": "multiple_answers_question",
    "true_false": "true_false_question",
    "fill_in_blank": "fill_in_multiple_blanks_question",
    "matching": "matching_question",
    "categorization": "matching_question",
}


@dataclass(frozen=True)
class PublishSettings:
    """Everything about the remote quiz that is not a question."""

    title: str
    course_id: int
    engine: Engine = "new"
    published: bool = False
    shuffle_answers: bool = False
    time_limit_minutes: int | None = None
    allowed_attempts: int = 1
    """-1: unlimited."""
    points: Mapping[str, float] = field(default_factory=dict)
    """Points per question of a type; a type not listed uses `QuestionType.points`."""


# --- small pure helpers ----------------------------------------------------------------------


def slot_id(question_id: str, slot: str) -> str:
    """A stable UUID for one part (choice, blank, category…) of one question."""
    return str(uuid.uuid5(_NAMESPACE, f"{question_id}:{slot}"))


def marker(question_id: str) -> str:
    return f"[qg:{question_id}]"


def marked_question_id(title: Any) -> str | None:
    """The question id a remote item's title carries, if quizgen made it."""
    if not isinstance(title, str):
        return None
    found = MARKER_PATTERN.search(title)
    return found.group(1) if found else None


def text_html(text: str) -> str:
    """Plain text as safe HTML: escaped, paragraphs in `<p>`, single newlines as `<br>`."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()] or [""]
    return "".join(
        "<p>" + "<br>".join(html.escape(line.strip()) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )


def inline_text(text: str) -> str:
    """Text for a short field Canvas may show as HTML or as text: `&`, `<`, `>` escaped.

    Quotes are left alone (they are harmless outside attributes and common in answers).
    """
    return html.escape(" ".join(text.split()), quote=False)


def item_title(record: QuestionRecord, position: int) -> str:
    """`3. Which organelle… [qg:<id>]`: readable in Canvas's item list, and findable."""
    text = " ".join(str(record.data.get("question_text", "")).split())
    short = text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"
    return f"{position}. {inline_text(short)} {marker(record.id)}"


def question_points(record: QuestionRecord, parsed: Any, points: Mapping[str, float]) -> float:
    if record.question_type in points:
        return float(points[record.question_type])
    return float(question_type(record.question_type).points(parsed))


def parse_record(record: QuestionRecord) -> Any:
    """The typed question of a stored record; ValueError names what is wrong."""
    parsed, problems = question_type(record.question_type).parse(record.data)
    if parsed is None:
        reasons = "; ".join(str(p) for p in problems[:3])
        raise ValueError(f"question {record.id} does not pass its checks any more: {reasons}")
    return parsed


def _feedback_html(question: Any) -> str:
    return text_html(question.explanation) if question.explanation else ""


# --- New Quizzes ----------------------------------------------------------------------------


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
        "feedback": {"neutral": _feedback_html(parsed)} if parsed.explanation else {},
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


_NEW_BUILDERS = {
    "multiple_choice": _new_multiple_choice,
    "multiple_answer": _new_choices,
    "true_false": _new_true_false,
    "fill_in_blank": _new_fill_in_blank,
    "matching": _new_matching,
    "categorization": _new_categorization,
}


# --- Classic Quizzes ------------------------------------------------------------------------


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
        question["correct_comments_html"] = _feedback_html(parsed)
        question["incorrect_comments_html"] = _feedback_html(parsed)
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


_CLASSIC_BUILDERS = {
    "multiple_choice": _classic_choices,
    "multiple_answer": _classic_choices,
    "true_false": _classic_true_false,
    "fill_in_blank": _classic_fill_in_blank,
    "matching": _classic_matching,
    "categorization": _classic_categorization,
}


# --- both engines ---------------------------------------------------------------------------


def quiz_body(settings: PublishSettings, total_points: float) -> dict[str, Any]:
    if settings.engine == "new":
        return new_quiz_body(settings, total_points)
    return classic_quiz_body(settings)


def item_body(record: QuestionRecord, position: int, settings: PublishSettings) -> dict[str, Any]:
    if settings.engine == "new":
        return new_quiz_item(record, position, settings)
    return classic_question(record, position, settings)


def total_points(records: list[QuestionRecord], settings: PublishSettings) -> float:
    return sum(question_points(r, parse_record(r), settings.points) for r in records)


def quiz_path(settings: PublishSettings) -> str:
    if settings.engine == "new":
        return f"/api/quiz/v1/courses/{settings.course_id}/quizzes"
    return f"/api/v1/courses/{settings.course_id}/quizzes"


def items_path(settings: PublishSettings, remote_quiz_id: str) -> str:
    suffix = "items" if settings.engine == "new" else "questions"
    return f"{quiz_path(settings)}/{remote_quiz_id}/{suffix}"


def publish_request(settings: PublishSettings, remote_quiz_id: str) -> tuple[str, dict[str, Any]]:
    """The PUT that makes the quiz visible to students. A New Quiz is an assignment, so its
    published flag is the assignment's."""
    if settings.engine == "new":
        path = f"/api/v1/courses/{settings.course_id}/assignments/{remote_quiz_id}"
        return path, {"assignment": {"published": True}}
    return f"{quiz_path(settings)}/{remote_quiz_id}", {"quiz": {"published": True}}


def remote_title(item: Any, engine: Engine) -> Any:
    """The title field of a listed remote item (where the marker lives)."""
    if not isinstance(item, dict):
        return None
    if engine == "new":
        entry = item.get("entry")
        return entry.get("title") if isinstance(entry, dict) else None
    return item.get("question_name")


def remote_url(base_url: str, settings: PublishSettings, remote_quiz_id: str) -> str:
    """Where an instructor opens the quiz: a New Quiz is an assignment."""
    kind = "assignments" if settings.engine == "new" else "quizzes"
    return f"{base_url}/courses/{settings.course_id}/{kind}/{remote_quiz_id}"
