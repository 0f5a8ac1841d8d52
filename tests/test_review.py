"""Review through the CLI: approve, reject, the interactive pass, and edit in a fake $EDITOR."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quizgen.models import ReviewStatus
from quizgen.review.rules import (
    editor_command,
    field_changes,
    rejection_from_text,
    reviewer_code,
)
from quizgen.store import Store
from tests.conftest import invoke, invoke_json


@pytest.fixture
def quiz_id(cli: CliRunner, example: Path) -> str:
    code, document = invoke_json(cli, "create", str(example))
    assert code == 0
    return document["quiz"]["id"]


def statuses(quiz_id: str) -> dict[str, ReviewStatus]:
    store = Store.open()
    try:
        return {q.id: q.review_status for q in store.questions(quiz_id, include_rejected=True)}
    finally:
        store.close()


def record(quiz_id: str, question_id: str):
    store = Store.open()
    try:
        return store.question(quiz_id, question_id)
    finally:
        store.close()


def pending_ids(quiz_id: str, question_type: str | None = None) -> list[str]:
    store = Store.open()
    try:
        return [
            q.id
            for q in store.questions(
                quiz_id, question_type=question_type, review_status=ReviewStatus.PENDING
            )
        ]
    finally:
        store.close()


def run(cli: CliRunner, *args: str, input: str | None = None) -> tuple[int, str, str]:
    from quizgen.cli.app import app

    result = cli.invoke(app, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# --- pure rules ----------------------------------------------------------------------------


def test_reviewer_codes_are_kept_apart_from_check_codes() -> None:
    assert reviewer_code("too_easy") == "reviewer:too_easy"
    assert rejection_from_text("poor_wording", None) == ("reviewer:poor_wording", None)
    assert rejection_from_text("b is also right", "see p. 3") == (
        "reviewer:other",
        "b is also right see p. 3",
    )
    assert rejection_from_text(None, None) == ("reviewer:other", None)


def test_field_changes_name_the_fields_that_changed() -> None:
    before = {"question_text": "A", "options": [{"text": "x", "correct": True}]}
    after = {"question_text": "B", "options": [{"text": "x", "correct": False}]}
    assert field_changes(before, after) == [
        {"field": "question_text", "old": "A", "new": "B"},
        {"field": "options.1.correct", "old": True, "new": False},
    ]


def test_editor_falls_back_from_editor_to_visual_to_vi() -> None:
    assert editor_command({"EDITOR": "code --wait", "VISUAL": "nano"}) == ["code", "--wait"]
    assert editor_command({"VISUAL": "nano"}) == ["nano"]
    assert editor_command({}) == ["vi"]


# --- approve / reject ----------------------------------------------------------------------


def test_unknown_ids_change_nothing(cli: CliRunner, quiz_id: str) -> None:
    first = pending_ids(quiz_id)[0]
    before = statuses(quiz_id)
    code, _, err = invoke(cli, "approve", quiz_id, first, "nosuchid")
    assert code == 2
    assert "nosuchid" in err and "nothing was changed" in err
    code, _, _ = invoke(cli, "reject", quiz_id, first, "nosuchid")
    assert code == 2
    assert statuses(quiz_id) == before


def test_approve_by_id_type_and_all(cli: CliRunner, quiz_id: str) -> None:
    pending = pending_ids(quiz_id)
    first = pending[0]
    code, document = invoke_json(cli, "approve", quiz_id, first[:6])
    assert code == 0 and document["questions"] == [first]
    assert statuses(quiz_id)[first] == ReviewStatus.APPROVED
    matching = pending_ids(quiz_id, "matching")
    code, document = invoke_json(cli, "approve", quiz_id, "--type", "matching")
    assert code == 0 and sorted(document["questions"]) == sorted(matching)
    code, document = invoke_json(cli, "approve", quiz_id, "--all")
    assert code == 0 and document["pending"] == 0
    now = statuses(quiz_id)
    assert {now[question_id] for question_id in pending} == {ReviewStatus.APPROVED}


def test_approve_needs_ids_or_a_selector(cli: CliRunner, quiz_id: str) -> None:
    code, _, err = invoke(cli, "approve", quiz_id)
    assert code == 2 and "--all" in err


def test_reject_keeps_a_reviewer_reason_and_bulk_approve_skips_it(
    cli: CliRunner, quiz_id: str
) -> None:
    first, second = pending_ids(quiz_id)[:2]
    code, document = invoke_json(cli, "reject", quiz_id, first, "--reason", "too_easy")
    assert code == 0 and document["reason"] == "reviewer:too_easy"
    code, document = invoke_json(cli, "reject", quiz_id, second, "--reason", "two answers fit")
    assert document["reason"] == "reviewer:other" and document["note"] == "two answers fit"
    rejected = record(quiz_id, first)
    assert rejected.review_status == ReviewStatus.REJECTED
    assert rejected.rejection_reasons == ["reviewer:too_easy"]
    invoke_json(cli, "approve", quiz_id, "--all")
    assert statuses(quiz_id)[first] == ReviewStatus.REJECTED
    code, _ = invoke_json(cli, "approve", quiz_id, first)  # a reviewer may change their mind
    assert code == 0 and statuses(quiz_id)[first] == ReviewStatus.APPROVED


def test_approving_a_check_rejected_question_needs_force(cli: CliRunner, quiz_id: str) -> None:
    first = pending_ids(quiz_id)[0]
    store = Store.open()
    store.set_review_status(
        quiz_id,
        [first],
        ReviewStatus.REJECTED,
        reasons=("quote_not_found",),
        note="source_quote is not a verbatim passage",
    )
    store.close()
    code, _, err = invoke(cli, "approve", quiz_id, first)
    assert code == 2
    assert "quote_not_found" in err and "--force" in err
    assert statuses(quiz_id)[first] == ReviewStatus.REJECTED
    code, _, _ = invoke(cli, "approve", quiz_id, first, "--force")
    assert code == 0 and statuses(quiz_id)[first] == ReviewStatus.APPROVED


# --- the interactive pass ------------------------------------------------------------------


def test_review_pass_is_scripted_and_resumable(cli: CliRunner, quiz_id: str) -> None:
    first, second, third, fourth = pending_ids(quiz_id)[:4]
    code, out, _ = run(cli, "review", quiz_id, input="a\nr\n2\nconfusing stem\ns\nq\n")
    assert code == 0
    assert "1 approved, 1 rejected, 0 edited, 1 skipped" in out
    assert "source (content/cells.md)" in out  # the cited quote is shown
    now = statuses(quiz_id)
    assert now[first] == ReviewStatus.APPROVED
    assert now[second] == ReviewStatus.REJECTED
    assert now[third] == ReviewStatus.PENDING and now[fourth] == ReviewStatus.PENDING
    assert record(quiz_id, second).rejection_reasons == ["reviewer:poor_wording"]
    assert record(quiz_id, second).rejection_note == "confusing stem"
    # Next time it continues with what is still pending: the skipped one comes first.
    code, out, _ = run(cli, "review", quiz_id, input="a\n")  # then end of input = quit
    assert code == 0
    assert statuses(quiz_id)[third] == ReviewStatus.APPROVED
    assert statuses(quiz_id)[fourth] == ReviewStatus.PENDING


def test_review_with_nothing_pending_says_so(cli: CliRunner, quiz_id: str) -> None:
    invoke(cli, "approve", quiz_id, "--all")
    code, out, _ = run(cli, "review", quiz_id)
    assert code == 0 and "no pending questions" in out


# --- edit ----------------------------------------------------------------------------------

FAKE_EDITOR = """#!{python}
# A fake $EDITOR: applies the next step from $FAKE_EDITOR_STEPS to the file it is given.
import json, os, sys, tomllib
import tomli_w

steps = json.loads(open(os.environ["FAKE_EDITOR_STEPS"]).read())
counter = os.environ["FAKE_EDITOR_STEPS"] + ".n"
n = int(open(counter).read()) if os.path.exists(counter) else 0
open(counter, "w").write(str(n + 1))
step = steps[n]
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
first = os.environ["FAKE_EDITOR_STEPS"] + ".first"
if n == 0:
    open(first, "w", encoding="utf-8").write(text)
try:
    tomllib.loads(text)
except tomllib.TOMLDecodeError:  # the person starts again from what they were first shown
    text = open(first, encoding="utf-8").read()
if "raw" in step:
    text = step["raw"]
else:
    data = tomllib.loads(text)
    data.update(step["set"])
    text = tomli_w.dumps(data)
open(path, "w", encoding="utf-8").write(text)
"""


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Install the fake editor; call the result with the list of steps it should apply."""
    script = tmp_path / "fake-editor"
    script.write_text(FAKE_EDITOR.format(python=sys.executable), encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)

    def steps(*items: dict) -> Path:
        path = tmp_path / "steps.json"
        path.write_text(json.dumps(list(items)), encoding="utf-8")
        counter = Path(str(path) + ".n")
        if counter.exists():
            counter.unlink()
        os.environ["FAKE_EDITOR_STEPS"] = str(path)
        monkeypatch.setenv("FAKE_EDITOR_STEPS", str(path))
        return counter

    return steps


def edit_history(quiz_id: str, question_id: str) -> list[dict]:
    store = Store.open()
    try:
        return store.question_edits(quiz_id, question_id)
    finally:
        store.close()


def test_valid_edit_is_saved_with_history_and_goes_back_to_pending(
    cli: CliRunner, quiz_id: str, editor
) -> None:
    question_id = pending_ids(quiz_id, "multiple_choice")[0]
    invoke(cli, "approve", quiz_id, question_id)
    before = record(quiz_id, question_id)
    editor({"set": {"explanation": "A clearer explanation written by a person."}})
    code, out, _ = run(cli, "edit", quiz_id, question_id)
    assert code == 0, out
    assert "saved" in out and "explanation" in out
    after = record(quiz_id, question_id)
    assert after.data["explanation"] == "A clearer explanation written by a person."
    assert after.review_status == ReviewStatus.PENDING  # approval reset by the edit
    assert after.citation == before.citation
    (entry,) = edit_history(quiz_id, question_id)
    assert entry["previous_status"] == "approved"
    assert entry["changes"] == [
        {
            "field": "explanation",
            "old": before.data["explanation"],
            "new": "A clearer explanation written by a person.",
        }
    ]
    assert entry["before"] == before.data and entry["after"] == after.data
    assert entry["edited_at"]


def test_edit_document_carries_helpful_comments(cli: CliRunner, quiz_id: str, editor) -> None:
    question_id = pending_ids(quiz_id, "fill_in_blank")[0]
    editor({"raw": ""})  # an empty file cancels
    from quizgen.questions import question_type
    from quizgen.review.rules import edit_document

    document = edit_document(record(quiz_id, question_id), question_type("fill_in_blank"))
    assert "# quizgen question" in document and "Fill in the blank" in document
    assert "[blank_1]" in document and "source_quote" in document
    code, out, _ = run(cli, "edit", quiz_id, question_id)
    assert code == 0 and "no changes" in out
    assert edit_history(quiz_id, question_id) == []


def test_invalid_edit_is_shown_then_fixed(cli: CliRunner, quiz_id: str, editor) -> None:
    # A question whose first option is not the key, so making it the key is a real change.
    question_id = next(
        q
        for q in pending_ids(quiz_id, "multiple_choice")
        if not record(quiz_id, q).data["options"][0]["correct"]
    )
    original = record(quiz_id, question_id)
    options = [dict(option, correct=False) for option in original.data["options"]]
    fixed = original.data["options"]
    counter = editor(
        {"set": {"options": options}},  # no correct option: invalid
        {"raw": "question_text = 'unterminated"},  # not even TOML
        {"set": {"options": fixed, "explanation": "The key, restored, with a new explanation."}},
    )
    code, out, _ = run(cli, "edit", quiz_id, question_id, input="r\nr\n")
    assert code == 0, out
    assert "wrong_correct_count" in out and "invalid_toml" in out
    assert counter.read_text() == "3"
    after = record(quiz_id, question_id)
    assert after.data["options"] == fixed
    assert len(edit_history(quiz_id, question_id)) == 1


def test_abandoned_edit_leaves_the_question_untouched(cli: CliRunner, quiz_id: str, editor) -> None:
    question_id = pending_ids(quiz_id, "true_false")[0]
    before = record(quiz_id, question_id)
    editor({"set": {"source_quote": "A sentence that is nowhere in the course notes at all."}})
    code, out, _ = run(cli, "edit", quiz_id, question_id, input="a\n")
    assert code == 0
    assert "quote_not_found" in out and "abandoned" in out
    assert record(quiz_id, question_id) == before
    assert edit_history(quiz_id, question_id) == []


def test_a_valid_edit_clears_a_check_rejection(cli: CliRunner, quiz_id: str, editor) -> None:
    question_id = pending_ids(quiz_id, "multiple_choice")[0]
    store = Store.open()
    store.set_review_status(
        quiz_id, [question_id], ReviewStatus.REJECTED, reasons=("answer_leak",), note="leak"
    )
    store.close()
    editor({"set": {"explanation": "Rewritten so the stem no longer gives the answer away."}})
    code, _, _ = run(cli, "edit", quiz_id, question_id)
    assert code == 0
    after = record(quiz_id, question_id)
    assert after.review_status == ReviewStatus.PENDING and after.rejection_reasons == []


def test_review_can_edit_then_approve(cli: CliRunner, quiz_id: str, editor) -> None:
    first = pending_ids(quiz_id)[0]
    editor({"set": {"explanation": "Edited during review."}})
    code, out, _ = run(cli, "review", quiz_id, input="e\na\nq\n")
    assert code == 0, out
    after = record(quiz_id, first)
    assert after.data["explanation"] == "Edited during review."
    assert after.review_status == ReviewStatus.APPROVED
    assert "1 approved, 0 rejected, 1 edited" in out


def test_edit_without_an_editor_or_a_terminal_says_so_instead_of_waiting_for_vi(
    cli: CliRunner, quiz_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`printf 'e\\nq\\n' | quizgen review` without $EDITOR started `vi` on a pipe: a hang."""
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    question_id = pending_ids(quiz_id, "multiple_choice")[0]
    before = record(quiz_id, question_id)
    code, out, _ = run(cli, "edit", quiz_id, question_id)
    assert "no editor: set $EDITOR" in out
    assert record(quiz_id, question_id).data == before.data
    assert code == 0  # like an abandoned edit: nothing saved, not an error
