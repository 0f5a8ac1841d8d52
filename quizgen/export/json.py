"""quizgen's own JSON: every field of every question, re-importable by `quizgen import`.

The shape is a contract (issue #8's importer reads it); change it only with a new `version`:

    {"format": "quizgen-quiz", "version": 1,
     "quiz": {"id", "title", "language"},
     "questions": [{"id", "module_id", "batch_key", "question_type", "review_status",
                    "data": {<the type's payload>}, "citation": {source, start, end} | null}]}

Every type is held in full; JSON escaping is the standard library's.
"""

from __future__ import annotations

import json
from typing import Any

from quizgen.export.base import ALL_TYPES, Export, ExportItem, ExportQuiz

FORMAT_NAME = "quizgen-quiz"
VERSION = 1
HOLDS = ALL_TYPES


def document(quiz: ExportQuiz, items: list[ExportItem]) -> dict[str, Any]:
    return {
        "format": FORMAT_NAME,
        "version": VERSION,
        "quiz": {"id": quiz.id, "title": quiz.title, "language": quiz.language},
        "questions": [
            {
                "id": item.id,
                "module_id": item.record.module_id,
                "batch_key": item.record.batch_key,
                "question_type": item.type_name,
                "review_status": item.record.review_status.value,
                "data": item.question.model_dump(mode="json"),
                "citation": item.record.citation,
            }
            for item in items
        ],
    }


def write(quiz: ExportQuiz, items: list[ExportItem]) -> Export:
    text = json.dumps(document(quiz, items), ensure_ascii=False, indent=2) + "\n"
    return Export(data=text.encode("utf-8"), exported=[item.id for item in items])
