"""Shared helpers of the publish tests: a quiz of all six types, reading the fake's quizzes."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from quizgen.canvas.payloads import marked_question_id
from quizgen.models import ReviewStatus
from quizgen.store import Store
from tests.conftest import EXAMPLE, invoke
from tests.fakes.canvas_server import FakeCanvas

COURSE = 12345
SIX_TYPES_SPEC = """
title = "Cells and genes"
language = "en"
[course]
id = 12345
[llm]
provider = "mock"
[modules.cells]
name = "Cell Structure"
sources = ["content/cells.md"]
question_batches = [
  { question_type = "multiple_choice", count = 1 },
  { question_type = "fill_in_blank", count = 1 },
  { question_type = "true_false", count = 1 },
]
[modules.ecology]
name = "Ecology"
sources = ["content/ecology.md"]
question_batches = [
  { question_type = "multiple_answer", count = 1 },
  { question_type = "matching", count = 1 },
  { question_type = "categorization", count = 1 },
]
"""
ITEMS_PATH = {"new": r"/quizzes/\d+/items$", "classic": r"/quizzes/\d+/questions$"}


def make_quiz(
    runner: CliRunner, tmp_path: Path, *, approve: bool = True, extra: str = ""
) -> tuple[str, Path]:
    """A quiz holding one question of each of the six types (mock), approved; (id, spec)."""
    folder = tmp_path / "course"
    shutil.copytree(EXAMPLE / "content", folder / "content")
    spec = folder / "quiz.toml"
    spec.write_text(SIX_TYPES_SPEC + extra, encoding="utf-8")
    code, out, err = invoke(runner, "create", str(spec), "--json")
    assert code == 0, err
    quiz_id = json.loads(out)["quiz"]["id"]
    if approve:
        approve_all(quiz_id)
    return quiz_id, spec


def approve_all(quiz_id: str) -> None:
    store = Store.open()
    try:
        ids = [q.id for q in store.questions(quiz_id)]
        store.set_review_status(quiz_id, ids, ReviewStatus.APPROVED)
    finally:
        store.close()


def question_order(quiz_id: str) -> list[str]:
    store = Store.open()
    try:
        return [q.id for q in store.questions(quiz_id)]
    finally:
        store.close()


def remote_items(canvas: FakeCanvas, engine: str) -> dict[str, list[dict[str, Any]]]:
    """Remote quiz id → its items, for every quiz of that engine on the fake."""
    if engine == "new":
        return {str(k): v for k, v in canvas.new_items.items()}
    return {str(k): v for k, v in canvas.classic_questions.items()}


def remote_markers(canvas: FakeCanvas, engine: str, remote_quiz_id: str) -> list[str | None]:
    items = remote_items(canvas, engine)[remote_quiz_id]
    if engine == "new":
        return [marked_question_id(item["entry"]["title"]) for item in items]
    return [marked_question_id(item["question_name"]) for item in items]


def only_quiz(canvas: FakeCanvas, engine: str) -> str:
    quizzes = remote_items(canvas, engine)
    assert len(quizzes) == 1, f"expected one remote quiz, found {len(quizzes)}"
    return next(iter(quizzes))


class TagCollector(HTMLParser):
    """Every tag and attribute in an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def tags_in(fragment: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    collector = TagCollector()
    collector.feed(fragment)
    collector.close()
    return collector.tags
