"""The quiz file `canvaslms quizzes create -f quiz.json` reads (canvaslms, the Canvas CLI on PyPI).

Instructors who script Canvas with canvaslms can take a reviewed quiz from here instead of
`quizgen publish`. The shape is canvaslms's "full format" (its `quizzes create --example`):

    {"quiz_type": "new" | "classic",
     "settings": {"title", …the engine's quiz settings…},
     "items": [{"position", "points_possible", "entry": {…}}]          # New Quizzes
     "questions": [{"question_name", "question_type", "answers", …}]}  # Classic Quizzes

The items are exactly what `quizgen publish` sends for the same engine (`canvas/payloads.py`),
so both routes put the same quiz into Canvas: the same ids, titles with the `[qg:<id>]` marker,
escaped HTML, points from the spec's `[publish] points`. The settings are the quiz body publish
creates, unpublished: canvaslms creates the quiz before it adds the items, and students must not
see it half-built; publish it in Canvas once it is complete.

A pool (`pick`) is a Classic group entry holding its questions; New Quizzes cannot draw at
random through their API, so a pool's questions are left out of a New Quizzes file, listed.

What an engine cannot hold is left out and listed, and what it holds only in part is a note
(a Classic categorization becomes matching; see `payloads.classic_limitations`).
"""

from __future__ import annotations

import json
from typing import Any

from quizgen.canvas import payloads
from quizgen.canvas.payloads import CLASSIC_TYPES, NEW_QUIZZES_SLUGS, PublishSettings
from quizgen.export.base import Export, ExportItem, ExportQuiz, LeftOut
from quizgen.models import QuestionRecord
from quizgen.pools import pick_note, segments, shared_points

HOLDS = tuple(NEW_QUIZZES_SLUGS)
"""Types New Quizzes (the default engine) holds; Classic holds those in `CLASSIC_TYPES`."""

ENGINE_NAMES = {"new": "New Quizzes", "classic": "Classic Quizzes"}


def settings_for(quiz: ExportQuiz) -> PublishSettings:
    """The publish settings stated with the quiz, or publish's defaults (New Quizzes)."""
    if quiz.publish is not None:
        return quiz.publish
    return PublishSettings(title=quiz.title, course_id=0)


def document(quiz: ExportQuiz, items: list[ExportItem], result: Export) -> dict[str, Any]:
    """The canvaslms quiz file as a dict; fills `result`'s exported, left-out and notes lists."""
    settings = settings_for(quiz)
    engine = settings.engine
    holds = NEW_QUIZZES_SLUGS if engine == "new" else CLASSIC_TYPES
    kept = []
    for item in items:
        pool = quiz.pools.get(item.record.batch_key)
        if engine == "new" and pool is not None:
            result.left_out.append(LeftOut(item.id, item.type_name, _NEW_POOL.format(pool=pool)))
            continue
        if item.type_name not in holds:
            result.left_out.append(
                LeftOut(
                    item.id,
                    item.type_name,
                    f"{ENGINE_NAMES[engine]} have no {item.type_name.replace('_', ' ')} question "
                    "that quizgen can write",
                )
            )
            continue
        kept.append(item)
    records = [item.record for item in kept]
    if engine == "new":
        body = payloads.new_quiz_body(settings, payloads.total_points(records, settings))["quiz"]
        entries = [
            _new_item(payloads.new_quiz_item(record, position, settings)["item"])
            for position, record in enumerate(records, start=1)
        ]
        key = "items"
    else:
        body = payloads.classic_quiz_body(settings)["quiz"]
        entries = _classic_entries(quiz, records, settings, result)
        result.notes.extend(payloads.classic_limitations(records))
        key = "questions"
    result.exported = [item.id for item in kept]
    return {"quiz_type": engine, "settings": body, key: entries}


_NEW_POOL = (
    "in pool {pool.batch_key} ({pool.pick} of its questions per student): New Quizzes cannot "
    "draw at random through their API; export with --engine classic for a question group"
)


def _classic_entries(
    quiz: ExportQuiz, records: list[QuestionRecord], settings: PublishSettings, result: Export
) -> list[dict[str, Any]]:
    """Classic questions, each pool as canvaslms's group entry `{"group": {name, pick_count,
    question_points}, "questions": [...]}` (its `quizzes create --help`, QUESTION GROUPS)."""
    entries: list[dict[str, Any]] = []
    position = 0
    for pool, run in segments(records, lambda record: record.batch_key, quiz.pools):
        questions = []
        for record in run:
            position += 1
            questions.append(payloads.classic_question(record, position, settings)["question"])
        if pool is None:
            entries += questions
            continue
        pick = min(pool.pick, len(questions))
        note = pick_note(pool, len(questions))
        if note:
            result.notes.append(note)
        points = shared_points([q["points_possible"] for q in questions])
        group = {"name": f"{pool.batch_key}: {pick} of {len(questions)}", "pick_count": pick}
        entries.append({"group": {**group, "question_points": points}, "questions": questions})
    return entries


def _new_item(item: dict[str, Any]) -> dict[str, Any]:
    """canvaslms sets `entry_type` itself; its file holds position, points and the entry."""
    return {key: item[key] for key in ("position", "points_possible", "entry")}


def write(quiz: ExportQuiz, items: list[ExportItem]) -> Export:
    result = Export(data=b"")
    text = json.dumps(document(quiz, items, result), ensure_ascii=False, indent=2) + "\n"
    result.data = text.encode("utf-8")
    return result
