"""Pure mappings from a stored question to the request bodies Canvas receives.

Two engines: New Quizzes items (`new_quiz_item`, in `new_quizzes.py`) and Classic Quizzes
questions (`classic_question`, in `classic.py`), built from the pieces in `parts.py`; this module
picks the engine's body and says where it is sent. Nothing here does I/O, so the payload of
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

from typing import Any

from quizgen.canvas.classic import (
    CLASSIC_TYPES,
    classic_limitations,
    classic_question,
    classic_quiz_body,
)
from quizgen.canvas.new_quizzes import NEW_QUIZZES_SLUGS, new_quiz_body, new_quiz_item
from quizgen.canvas.parts import (
    Engine,
    PublishSettings,
    marked_question_id,
    parse_record,
    question_points,
)
from quizgen.models import QuestionRecord

__all__ = [
    "CLASSIC_TYPES",
    "NEW_QUIZZES_SLUGS",
    "Engine",
    "PublishSettings",
    "classic_limitations",
    "classic_question",
    "classic_quiz_body",
    "held_by_engine",
    "marked_question_id",
    "new_quiz_body",
    "new_quiz_item",
    "parse_record",
]


ENGINE_NAMES = {"new": "New Quizzes", "classic": "Classic Quizzes"}


def held_by_engine(
    records: list[QuestionRecord], engine: Engine
) -> tuple[list[QuestionRecord], list[str]]:
    """The records the engine can hold, and one line for each it cannot, said before any
    request: Classic Quizzes have no ordering question, so one is left out, never bent into
    another type."""
    holds = NEW_QUIZZES_SLUGS if engine == "new" else CLASSIC_TYPES
    held = [record for record in records if record.question_type in holds]
    notes = []
    for record in records:
        if record.question_type in holds:
            continue
        kind = record.question_type.replace("_", " ")
        note = f"question {record.id} ({record.question_type}) is left out: {ENGINE_NAMES[engine]}"
        note += f" have no {kind} question"
        if engine == "classic" and record.question_type in NEW_QUIZZES_SLUGS:
            note += "; publish with --engine new to include it"
        notes.append(note)
    return held, notes


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
