"""An edit meets every rule a generated question met: structure, give-aways, citation, grounding
of the key and repeats across the quiz (issue 12 item 4). `apply_edit` is the one function the
`edit` command, `review` and the web pages use to check and store an edit."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quizgen.checks.screen import KEY_DISPUTED, UNVERIFIED_SOURCE
from quizgen.models import QuestionRecord, ReviewStatus
from quizgen.review.rules import apply_edit
from quizgen.store import Store
from tests.conftest import invoke_json
from tests.test_review import editor  # noqa: F401  (the fake $EDITOR fixture)


@pytest.fixture
def quiz_id(cli: CliRunner, example: Path) -> str:
    code, document = invoke_json(cli, "create", str(example))
    assert code == 0
    return document["quiz"]["id"]


@pytest.fixture
def store():
    opened = Store.open()
    yield opened
    opened.close()


def kept(store: Store, quiz_id: str, question_type: str) -> list[QuestionRecord]:
    return store.questions(quiz_id, question_type=question_type, review_status=ReviewStatus.PENDING)


def codes(applied) -> set[str]:
    return {problem.code for problem in applied.outcome.problems}


def test_an_edit_repeating_another_question_is_refused_in_instructor_words(
    store: Store, quiz_id: str
) -> None:
    first, second = kept(store, quiz_id, "multiple_choice")[:2]
    applied = apply_edit(store, second, copy.deepcopy(first.data))
    assert not applied.saved and "duplicate_question" in codes(applied)
    (message,) = [p.message for p in applied.outcome.problems if p.code == "duplicate_question"]
    assert first.batch_key in message and "ask something else" not in message
    assert "reject one of the two" in message
    assert store.question(quiz_id, second.id) == second  # nothing stored


def test_an_edit_whose_key_the_quote_does_not_support_is_refused(
    store: Store, quiz_id: str
) -> None:
    question = kept(store, quiz_id, "multiple_choice")[0]
    data = copy.deepcopy(question.data)
    right = next(i for i, o in enumerate(data["options"]) if o["correct"])
    wrong = (right + 1) % len(data["options"])
    data["options"][right]["correct"], data["options"][wrong]["correct"] = False, True
    applied = apply_edit(store, question, data)
    assert not applied.saved and codes(applied) == {"key_not_grounded"}
    assert store.question(quiz_id, question.id) == question


def test_an_edit_that_gives_the_answer_away_is_refused(store: Store, quiz_id: str) -> None:
    question = kept(store, quiz_id, "fill_in_blank")[0]
    data = copy.deepcopy(question.data)
    answer = data["blanks"][0]["answers"][0]
    data["question_text"] = f"{data['question_text']} (Hint: {answer}.)"
    applied = apply_edit(store, question, data)
    assert not applied.saved and "answer_leak" in codes(applied)


def test_an_edit_is_not_a_repeat_of_its_own_stored_version(store: Store, quiz_id: str) -> None:
    question = kept(store, quiz_id, "true_false")[0]
    data = dict(question.data, explanation="Explained again, by a person.")
    applied = apply_edit(store, question, data)
    assert applied.saved and applied.record is not None
    assert applied.record.data["explanation"] == "Explained again, by a person."
    unchanged = apply_edit(store, applied.record, applied.record.data)
    assert unchanged.outcome.valid and not unchanged.saved and unchanged.changes == []


def test_flags_from_outside_the_checks_survive_only_while_what_they_judged_is_unchanged(
    store: Store, quiz_id: str
) -> None:
    question = kept(store, quiz_id, "multiple_choice")[0]
    store.db.conn.execute(
        "UPDATE questions SET flags = ? WHERE id = ?",
        (json.dumps([KEY_DISPUTED, UNVERIFIED_SOURCE]), question.id),
    )
    question = store.question(quiz_id, question.id)
    applied = apply_edit(store, question, dict(question.data, explanation="A new explanation."))
    assert applied.saved and applied.record is not None
    assert set(applied.record.flags) >= {KEY_DISPUTED, UNVERIFIED_SOURCE}
    stem = applied.record.data["question_text"].rstrip("?") + ", according to the notes?"
    again = apply_edit(store, applied.record, dict(applied.record.data, question_text=stem))
    assert again.saved and again.record is not None
    assert KEY_DISPUTED not in again.record.flags  # the question it judged is gone
    assert UNVERIFIED_SOURCE in again.record.flags  # the quote it judged is the same


def test_the_edit_command_refuses_a_duplicate_then_abandons(
    cli: CliRunner,
    quiz_id: str,
    editor,  # noqa: F811
) -> None:
    store = Store.open()
    try:
        first, second = kept(store, quiz_id, "multiple_choice")[:2]
    finally:
        store.close()
    editor(
        {"set": {"question_text": first.data["question_text"], "options": first.data["options"]}}
    )
    code, out, _ = invoke_edit(cli, quiz_id, second.id)
    assert code == 0
    assert "duplicate_question" in out and "abandoned" in out
    store = Store.open()
    try:
        assert store.question(quiz_id, second.id) == second
    finally:
        store.close()


def invoke_edit(cli: CliRunner, quiz_id: str, question_id: str) -> tuple[int, str, str]:
    from quizgen.cli.app import app

    result = cli.invoke(app, ["edit", quiz_id, question_id], input="a\n", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr
