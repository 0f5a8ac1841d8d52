"""One row per question, for spreadsheets.

Columns: id, module, type, status, points, question, correct answers, distractors/options,
explanation, source quote. Lists inside a cell are joined with " | " (matching as
"prompt → answer", categorization as "category: item; item", fill-in-the-blank as
"blank 1: a / b", ordering as its items in the correct order, essay as "model answer: …" then
"rubric 1: …"). Every type is held.

Escaping: quoting is the csv module's. A cell that a spreadsheet would run as a formula (it
starts with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP advises
against CSV injection: the text reads the same and the spreadsheet shows it as text.
"""

from __future__ import annotations

import csv
import io

from quizgen.export.base import ALL_TYPES, Export, ExportItem, ExportQuiz

HOLDS = ALL_TYPES
COLUMNS = (
    "id",
    "module",
    "type",
    "status",
    "points",
    "question",
    "correct_answers",
    "distractors_or_options",
    "explanation",
    "source_quote",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _key_and_others(item: ExportItem) -> tuple[list[str], list[str]]:
    question = item.question
    name = item.type_name
    if name == "fill_in_blank":
        blanks = sorted(question.blanks, key=lambda blank: blank.position)
        return [f"blank {b.position}: {' / '.join(b.answers)}" for b in blanks], []
    if name == "matching":
        return [f"{p.prompt} → {p.answer}" for p in question.pairs], list(question.distractors)
    if name == "essay":
        rubric = [f"rubric {n}: {point}" for n, point in enumerate(question.rubric, start=1)]
        return [f"model answer: {question.model_answer}", *rubric], []
    if name == "categorization":
        key = [f"{c.name}: {'; '.join(c.items)}" for c in question.categories]
        return key, list(question.distractors)
    return item.qtype.correct_answers(question), item.qtype.distractors(question)


def write(quiz: ExportQuiz, items: list[ExportItem]) -> Export:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in items:
        key, others = _key_and_others(item)
        row = [
            item.id,
            item.record.module_id,
            item.type_name,
            item.record.review_status.value,
            str(item.points),
            item.question.question_text,
            " | ".join(key),
            " | ".join(others),
            item.question.explanation,
            item.question.source_quote,
        ]
        writer.writerow([cell(value) for value in row])
    # A byte-order mark so Excel reads the file as UTF-8 (csv readers skip it with utf-8-sig).
    data = buffer.getvalue().encode("utf-8-sig")
    return Export(data=data, exported=[item.id for item in items])
