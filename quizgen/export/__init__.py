"""The export formats: one module per format, one line each in `FORMATS`.

`export_quiz` is the one entry point: it parses stored questions through their type (a stored
question that no longer passes is reported, never exported half-checked), then hands the parsed
items to the format's pure `write`.
"""

from __future__ import annotations

from collections import Counter

from quizgen.export import canvaslms, csv, gift, html, json, markdown, moodle, qti
from quizgen.export.base import Export, ExportItem, ExportQuiz, Format, LeftOut
from quizgen.models import QuestionRecord
from quizgen.questions import REGISTRY

FORMATS: dict[str, Format] = {
    fmt.name: fmt
    for fmt in (
        Format(
            "qti",
            "qti.zip",
            "QTI 1.2 zip for Canvas",
            qti.write,
            qti.HOLDS,
            binary=True,
            pools=True,
        ),
        Format("markdown", "md", "text2qti Markdown", markdown.write, markdown.HOLDS, pools=True),
        Format("gift", "gift.txt", "Moodle GIFT", gift.write, gift.HOLDS, pools=True),
        Format("moodle", "moodle.xml", "Moodle XML", moodle.write, moodle.HOLDS, pools=True),
        Format("json", "json", "quizgen JSON (full fidelity)", json.write, json.HOLDS),
        Format("csv", "csv", "CSV, one row per question", csv.write, csv.HOLDS),
        Format("html", "html", "printable HTML page", html.write, html.HOLDS),
        Format(
            "canvaslms",
            "canvaslms.json",
            "quiz file for `canvaslms quizzes create -f`",
            canvaslms.write,
            canvaslms.HOLDS,
            pools=True,
        ),
    )
}


def parse_items(records: list[QuestionRecord]) -> tuple[list[ExportItem], list[LeftOut]]:
    """Stored records as parsed items; a record that fails its type's checks is left out."""
    items: list[ExportItem] = []
    left_out: list[LeftOut] = []
    for record in records:
        qtype = REGISTRY.get(record.question_type)
        if qtype is None:
            left_out.append(
                LeftOut(record.id, record.question_type, "unknown question type in the store")
            )
            continue
        question, problems = qtype.parse(record.data)
        if question is None:
            summary = "; ".join(str(problem) for problem in problems[:3])
            left_out.append(
                LeftOut(record.id, record.question_type, f"stored data fails its checks: {summary}")
            )
            continue
        items.append(ExportItem(record, question, qtype))
    return items, left_out


def export_quiz(fmt: Format, quiz: ExportQuiz, records: list[QuestionRecord]) -> Export:
    """Write `records` (in this order) in format `fmt`; see `Export` for what comes back."""
    items, unparsable = parse_items(records)
    result = fmt.write(quiz, items)
    result.left_out = unparsable + result.left_out
    if not fmt.pools:
        result.notes += pool_notes(fmt, quiz, items, result)
    return result


def pool_notes(fmt: Format, quiz: ExportQuiz, items: list[ExportItem], result: Export) -> list[str]:
    """One note per pool a format cannot keep: it holds every question of the pool, and says so."""
    exported = set(result.exported)
    sizes = Counter(
        item.record.batch_key
        for item in items
        if item.id in exported and item.record.batch_key in quiz.pools
    )
    return [
        f"batch {key} is a pool ({quiz.pools[key].label(size)} per student): {fmt.name} cannot "
        f"draw questions at random, so all {size} are in the file"
        for key, size in sizes.items()
    ]


__all__ = ["FORMATS", "Export", "ExportItem", "ExportQuiz", "Format", "LeftOut", "export_quiz"]
