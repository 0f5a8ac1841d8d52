"""What both engines' payloads are built from: the publish settings, deterministic slot ids, the
`[qg:<id>]` marker that finds an item again, and plain text made safe HTML (see
`quizgen.canvas.payloads` for the rules these keep)."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from quizgen.models import QuestionRecord
from quizgen.questions import question_type

Engine = Literal["new", "classic"]

_NAMESPACE = uuid.UUID("6f1c9a52-3a0e-4e0b-9d7e-5c1b2f8a4d10")
"""quizgen's uuid5 namespace: ids depend only on (question id, slot)."""

TITLE_CHARS = 60
MARKER_PATTERN = re.compile(r"\[qg:([0-9A-Za-z_-]+)\]")


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


def feedback_html(question: Any) -> str:
    return text_html(question.explanation) if question.explanation else ""
